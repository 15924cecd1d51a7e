// coopnet::loadgen — what the benchmarks under tools/ measure gRPC with: GetEvent kept at
// a fixed number of calls in flight, and an echo EventService that answers it from
// memory (the floor under any service, and under the gateway).
//
//   auto stubs = loadgen::Stubs(port, /*channels=*/4);
//   loadgen::Figures f = loadgen::LoadGetEvent(stubs, metadata, "events/01j9", 64,
//   absl::Seconds(5)); std::cout << f.qps;
#ifndef COOPNET_TOOLS_LOADGEN_GET_EVENT_LOAD_H_
#define COOPNET_TOOLS_LOADGEN_GET_EVENT_LOAD_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "coopnet/events/v1/events.grpc.pb.h"

namespace coopnet::loadgen {

struct Figures {
  int64_t calls = 0;
  int64_t errors = 0;
  double qps = 0;
  double p50_us = 0;
  double p95_us = 0;
  double p99_us = 0;
};

// Throughput and percentiles of `latencies_us` measured over `elapsed`.
Figures Summarise(std::vector<double> latencies_us, int64_t errors, absl::Duration elapsed);

// Keeps `concurrency` GetEvent calls of `name` in flight on `stubs` (round robin) for
// `duration` with gRPC's callback API, each call carrying `metadata`.
Figures LoadGetEvent(const std::vector<std::unique_ptr<events::v1::EventService::Stub>>& stubs,
                     const std::vector<std::pair<std::string, std::string>>& metadata,
                     const std::string& name, int concurrency, absl::Duration duration);

// One line of figures: `scenario=echo concurrency=64 qps=... p50_us=... p99_us=...`, with
// the ratio of throughputs to `baseline` (named `baseline_name`) when there is one.
std::string GetLine(const std::string& scenario, int concurrency, const Figures& figures,
                    const Figures* baseline, const std::string& baseline_name = "echo");

// `channels` stubs to 127.0.0.1:`port`, each on a connection of its own, as separate
// clients would have.
std::vector<std::unique_ptr<events::v1::EventService::Stub>> Stubs(int port, int channels);

// GetEvent answered from memory on gRPC's own threads.
class EchoEventService final : public events::v1::EventService::CallbackService {
 public:
  explicit EchoEventService(events::v1::Event event) : event_(std::move(event)) {}

  grpc::ServerUnaryReactor* GetEvent(grpc::CallbackServerContext* context,
                                     const events::v1::GetEventRequest* request,
                                     events::v1::Event* response) override;

 private:
  const events::v1::Event event_;
};

}  // namespace coopnet::loadgen

#endif  // COOPNET_TOOLS_LOADGEN_GET_EVENT_LOAD_H_
