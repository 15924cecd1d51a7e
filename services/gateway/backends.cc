#include "services/gateway/backends.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/client/call_metrics.h"
#include "common/log/log.h"
#include "common/principal/principal.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace coopnet::gateway {
namespace {

std::shared_ptr<grpc::Channel> ChannelTo(const std::string& address, const std::string& name,
                                         metrics::GrpcClientMetrics& metrics,
                                         const tls::Transport& transport) {
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  // A backend that restarts is called again within a second, not after gRPC's default
  // backoff of up to two minutes.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // Notice a dead peer on an idle connection (servers permit pings every 10 s).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Answers are as large as the services make them; the gateway limits requests only.
  args.SetMaxReceiveMessageSize(-1);
  transport.NamePeer(name, args);
  return client::MeasuredChannel(address, args, metrics, transport.ChannelCredentials(name));
}

bool Serving(Backend& backend, absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status =
      grpc::health::v1::Health::NewStub(backend.channel())->Check(&context, request, &response);
  return status.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

}  // namespace

absl::StatusOr<std::vector<BackendAddress>> ParseBackends(absl::string_view text) {
  std::vector<BackendAddress> backends;
  absl::flat_hash_set<std::string> seen;
  for (absl::string_view entry : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    const std::vector<absl::string_view> parts = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("backends: \"", entry, "\" is not package=address"));
    }
    if (!seen.insert(std::string(parts[0])).second) {
      return absl::InvalidArgumentError(absl::StrCat("backends: ", parts[0], " is named twice"));
    }
    backends.push_back({std::string(parts[0]), std::string(parts[1])});
  }
  if (backends.empty()) return absl::InvalidArgumentError("backends: none given");
  return backends;
}

std::string ServiceNameOf(absl::string_view package) { return principal::AudienceOf(package); }

Backend::Backend(BackendAddress address, metrics::GrpcClientMetrics& metrics,
                 const tls::Transport& transport)
    : address_(std::move(address)),
      name_(ServiceNameOf(address_.package)),
      channel_(ChannelTo(address_.address, name_, metrics, transport)),
      stub_(channel_) {}

Backends::Backends(const std::vector<BackendAddress>& addresses, absl::Duration check_interval,
                   metrics::GrpcClientMetrics& metrics, const tls::Transport& transport)
    : check_interval_(check_interval) {
  for (const BackendAddress& address : addresses) {
    backends_.push_back(std::make_unique<Backend>(address, metrics, transport));
  }
}

Backends::~Backends() { StopHealthChecks(); }

std::vector<std::string> Backends::packages() const {
  std::vector<std::string> packages;
  for (const auto& backend : backends_) packages.push_back(backend->address().package);
  return packages;
}

void Backends::StartHealthChecks(std::function<void(bool all_serving)> on_change) {
  checker_ = std::thread([this, on_change = std::move(on_change)] {
    std::optional<bool> last;
    // A second whatever the interval: a backend that takes longer is not serving, and
    // a shorter wait would count a busy machine's pause as an outage.
    const absl::Duration timeout = absl::Seconds(1);
    do {
      bool all = true;
      for (const auto& backend : backends_) {
        const bool serving = Serving(*backend, timeout);
        if (serving != backend->serving()) {
          log::Write(serving ? log::Level::kInfo : log::Level::kWarn,
                     serving ? "backend serving" : "backend not serving",
                     {{"backend", backend->name()}, {"address", backend->address().address}});
        }
        backend->set_serving(serving);
        all = all && serving;
      }
      if (last != all) on_change(all);
      last = all;
    } while (!stopping_.WaitForNotificationWithTimeout(check_interval_));
  });
}

void Backends::StopHealthChecks() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  if (checker_.joinable()) checker_.join();
}

}  // namespace coopnet::gateway
