#include "tools/loadgen/get_event_load.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"

namespace coopnet::loadgen {

using events::v1::Event;

grpc::ServerUnaryReactor* EchoEventService::GetEvent(grpc::CallbackServerContext* context,
                                                     const events::v1::GetEventRequest* request,
                                                     Event* response) {
  *response = event_;
  response->set_name(request->name());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

Figures Summarise(std::vector<double> latencies_us, int64_t errors, absl::Duration elapsed) {
  Figures f;
  f.calls = static_cast<int64_t>(latencies_us.size());
  f.errors = errors;
  if (latencies_us.empty()) return f;
  std::sort(latencies_us.begin(), latencies_us.end());
  auto at = [&](double q) {
    return latencies_us[std::min(
        latencies_us.size() - 1,
        static_cast<size_t>(q * static_cast<double>(latencies_us.size())))];
  };
  f.qps = static_cast<double>(f.calls) / absl::ToDoubleSeconds(elapsed);
  f.p50_us = at(0.50);
  f.p95_us = at(0.95);
  f.p99_us = at(0.99);
  return f;
}

Figures LoadGetEvent(const std::vector<std::unique_ptr<events::v1::EventService::Stub>>& stubs,
                     const std::vector<std::pair<std::string, std::string>>& metadata,
                     const std::string& name, int concurrency, absl::Duration duration) {
  struct Slot {
    events::v1::EventService::Stub* stub = nullptr;
    std::unique_ptr<grpc::ClientContext> context;
    events::v1::GetEventRequest request;
    Event response;
    absl::Time start;
    std::vector<double> latencies_us;
    int64_t errors = 0;
  };
  std::vector<Slot> slots(concurrency);
  absl::Mutex mu;
  int running = concurrency;
  const absl::Time begin = absl::Now();
  const absl::Time end = begin + duration;

  std::function<void(Slot&)> issue = [&](Slot& slot) {
    slot.context = std::make_unique<grpc::ClientContext>();
    for (const auto& [key, value] : metadata) slot.context->AddMetadata(key, value);
    slot.context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    slot.start = absl::Now();
    slot.stub->async()->GetEvent(
        slot.context.get(), &slot.request, &slot.response, [&, slot_ptr = &slot](grpc::Status s) {
          Slot& done = *slot_ptr;
          const absl::Time now = absl::Now();
          if (s.ok()) {
            done.latencies_us.push_back(absl::ToDoubleMicroseconds(now - done.start));
          } else {
            ++done.errors;
          }
          if (now < end) {
            issue(done);
          } else {
            absl::MutexLock lock(&mu);
            --running;
          }
        });
  };
  for (int i = 0; i < concurrency; ++i) {
    slots[i].stub = stubs[i % stubs.size()].get();
    slots[i].request.set_name(name);
    slots[i].latencies_us.reserve(1 << 16);
  }
  for (Slot& slot : slots) issue(slot);
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &running));
  }
  const absl::Duration elapsed = absl::Now() - begin;
  std::vector<double> all;
  int64_t errors = 0;
  for (Slot& slot : slots) {
    all.insert(all.end(), slot.latencies_us.begin(), slot.latencies_us.end());
    errors += slot.errors;
  }
  return Summarise(std::move(all), errors, elapsed);
}

std::string GetLine(const std::string& scenario, int concurrency, const Figures& figures,
                    const Figures* baseline, const std::string& baseline_name) {
  std::string line =
      absl::StrFormat("scenario=%s concurrency=%d qps=%.0f p50_us=%.0f p99_us=%.0f", scenario,
                      concurrency, figures.qps, figures.p50_us, figures.p99_us);
  if (baseline != nullptr) {
    absl::StrAppendFormat(&line, " baseline=%s ratio=%.2f", baseline_name,
                          figures.qps / baseline->qps);
  }
  if (figures.errors > 0) absl::StrAppend(&line, " errors=", figures.errors);
  return line;
}

std::vector<std::unique_ptr<events::v1::EventService::Stub>> Stubs(int port, int channels) {
  std::vector<std::unique_ptr<events::v1::EventService::Stub>> stubs;
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    // A connection of its own per channel, as separate clients would have.
    args.SetInt("grpc.channel_id", i);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stubs.push_back(events::v1::EventService::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials(), args)));
  }
  return stubs;
}

}  // namespace coopnet::loadgen
