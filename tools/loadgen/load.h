// coopnet::loadgen — a closed-loop load on any gRPC method: a fixed number of calls kept
// in flight with gRPC's callback API, each slot starting its next call as the last one
// answers, for a duration or a number of calls; then the throughput and the latency
// percentiles of what answered. A streamed answer counts as one call lasting until its
// last message.
//
//   loadgen::Workload get{.method = "/coopnet.events.v1.EventService/GetEvent",
//                         .request = loadgen::Cycle({request})};
//   loadgen::Figures f = loadgen::Run(loadgen::Channels("127.0.0.1:50052", 4), get,
//                                     {.concurrency = 64, .duration = absl::Seconds(5)});
//   std::cout << loadgen::Line("get_event_direct", 64, f);
#ifndef COOPNET_TOOLS_LOADGEN_LOAD_H_
#define COOPNET_TOOLS_LOADGEN_LOAD_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/byte_buffer.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"

namespace coopnet::loadgen {

struct Figures {
  int64_t calls = 0;  // answered OK
  int64_t errors = 0;
  std::string first_error;
  double qps = 0;  // calls answered OK a second
  double p50_us = 0;
  double p95_us = 0;
  double p99_us = 0;
};

// Throughput and percentiles of `latencies_us` measured over `elapsed`.
Figures Summarise(std::vector<double> latencies_us, int64_t errors, absl::Duration elapsed);

// The request of call number `n` (counted from 0 in each run), as gRPC's bytes.
using RequestSource = std::function<grpc::ByteBuffer(int64_t n)>;

// `requests`, serialized once, taken in turn.
RequestSource Cycle(const std::vector<const google::protobuf::Message*>& requests);
template <typename M>
RequestSource Cycle(const std::vector<M>& requests) {
  std::vector<const google::protobuf::Message*> all;
  for (const M& request : requests) all.push_back(&request);
  return Cycle(all);
}

// What every call of a run sends.
struct Workload {
  // The full method name: "/coopnet.events.v1.EventService/GetEvent".
  std::string method = {};
  // Whether the method streams its answer.
  bool server_streaming = false;
  RequestSource request = {};
  // Metadata of each call, made anew for every call of `method` (a principal is good for
  // one call only); none through the gateway.
  std::function<std::vector<std::pair<std::string, std::string>>(const std::string& method)>
      metadata = {};
  // Runs ahead of each call, outside its timing (e.g. to retire a cached answer).
  std::function<void()> before_each = {};
};

struct RunOptions {
  int concurrency = 1;
  absl::Duration duration = absl::Seconds(5);
  // Calls to make at most; 0 leaves it to the duration.
  int64_t calls = 0;
  absl::Duration deadline = absl::Seconds(30);
};

// Keeps `options.concurrency` calls of `workload` in flight, spread over `channels`,
// until `options.duration` has passed or `options.calls` were started, and waits for
// the last answers.
Figures Run(const std::vector<std::shared_ptr<grpc::Channel>>& channels, const Workload& workload,
            const RunOptions& options);

// `count` channels to `address`, each on a connection of its own, as separate clients
// would have.
std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::string& address, int count);

// The line every benchmark prints: `scenario=get_event_direct concurrency=64 qps=9374
// p50_us=6120 p95_us=9800 p99_us=14020`, and ` errors=N` when calls failed.
std::string Line(absl::string_view scenario, int concurrency, const Figures& figures);

}  // namespace coopnet::loadgen

#endif  // COOPNET_TOOLS_LOADGEN_LOAD_H_
