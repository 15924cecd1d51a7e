#include "tools/loadgen/measure.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace coopnet::loadgen {
namespace {

absl::StatusOr<std::vector<int>> Concurrencies(absl::string_view list) {
  std::vector<int> concurrencies;
  for (absl::string_view part : absl::StrSplit(list, ',')) {
    int concurrency = 0;
    if (!absl::SimpleAtoi(part, &concurrency) || concurrency < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("--concurrency must list whole numbers from 1, got ", list));
    }
    concurrencies.push_back(concurrency);
  }
  return concurrencies;
}

}  // namespace

CallerMetadata SignedCaller(const principal::KeySet& keys, principal::Principal caller) {
  const principal::Key& key = keys.keys().front();
  return [signer = principal::Signer(key, key.issuer),
          caller = std::move(caller)](const std::string& method) {
    principal::Signer::Sealed sealed = signer.Seal(caller, principal::AudienceOf(method));
    return std::vector<std::pair<std::string, std::string>>{
        {principal::kPrincipalKey, std::move(sealed.bytes)},
        {principal::kSignatureKey, std::move(sealed.signature)}};
  };
}

Measurement::Measurement(config::Loader& loader)
    : address_(loader.String("address", "", "host:port of the service, gateway or echo server")),
      principal_keys_text_(loader.Secret("principal_keys", "",
                                         "kid:issuer:secret keys; the first signs the caller's "
                                         "principal; empty sends none (the gateway, echo)")),
      scenario_(loader.String("scenario", "", "name on the printed lines; empty: the command's")),
      concurrency_(loader.String("concurrency", "1,16,64",
                                 "calls in flight of each measured run, comma-separated")),
      duration_(loader.Duration("duration", absl::Seconds(5), "how long each run is measured")),
      warmup_(loader.Duration("warmup", absl::Seconds(1),
                              "calls before each measured run, to fill connections and caches")),
      channels_(loader.Int("channels", 4, "connections the calls are spread over, at most")) {}

absl::Status Measurement::Check() {
  if (address_.empty()) return absl::InvalidArgumentError("--address is required");
  principal_keys_.reset();
  if (!principal_keys_text_.empty()) {
    absl::StatusOr<principal::KeySet> keys = principal::KeySet::Parse(principal_keys_text_);
    if (!keys.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--principal_keys ", keys.status().message()));
    }
    principal_keys_ = *std::move(keys);
  }
  if (channels_ < 1) return absl::InvalidArgumentError("--channels must be 1 or more");
  return Concurrencies(concurrency_).status();
}

CallerMetadata Measurement::Caller(principal::Principal caller) const {
  if (!principal_keys_) return {};
  return SignedCaller(*principal_keys_, std::move(caller));
}

int Measurement::Measure(const Workload& workload, absl::string_view scenario) const {
  const std::string name = scenario_.empty() ? std::string(scenario) : scenario_;
  int exit_code = 0;
  const std::vector<int> concurrencies = *Concurrencies(concurrency_);
  for (int concurrency : concurrencies) {
    const std::vector<std::shared_ptr<grpc::Channel>> channels =
        loadgen::Channels(address_, std::min<int>(concurrency, static_cast<int>(channels_)));
    Run(channels, workload, {.concurrency = concurrency, .duration = warmup_});
    const Figures figures =
        Run(channels, workload, {.concurrency = concurrency, .duration = duration_});
    std::printf("%s\n", Line(name, concurrency, figures).c_str());
    std::fflush(stdout);
    if (figures.errors > 0) {
      std::fprintf(stderr, "%s at %d: %lld calls failed, the first with %s\n", name.c_str(),
                   concurrency, static_cast<long long>(figures.errors),
                   figures.first_error.c_str());
    }
    if (figures.calls == 0) exit_code = 1;
  }
  return exit_code;
}

}  // namespace coopnet::loadgen
