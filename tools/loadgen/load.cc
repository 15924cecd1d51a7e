#include "tools/loadgen/load.h"

#include <grpcpp/generic/generic_stub.h>

#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "tools/cli/call.h"

namespace coopnet::loadgen {
namespace {

// What the slots of one run share.
struct RunState {
  RunState(const Workload& workload, const RunOptions& options, absl::Time end)
      : workload(workload), options(options), end(end) {}

  const Workload& workload;
  const RunOptions& options;
  const absl::Time end;
  std::atomic<int64_t> next_call{0};
  absl::Mutex mu;
  int running ABSL_GUARDED_BY(mu) = 0;
};

// One call in flight at a time, the next started as the last one answers.
class Slot {
 public:
  Slot(grpc::GenericStub& stub, RunState& run) : stub_(stub), run_(run) {
    latencies_us_.reserve(1 << 14);
  }

  // Starts the next call, or leaves the run when it is over.
  void Next() {
    const int64_t n = run_.next_call.fetch_add(1);
    const RunOptions& options = run_.options;
    if ((options.calls > 0 && n >= options.calls) || absl::Now() >= run_.end) {
      absl::MutexLock lock(&run_.mu);
      --run_.running;
      return;
    }
    const Workload& workload = run_.workload;
    if (workload.before_each) workload.before_each();
    context_ = std::make_unique<grpc::ClientContext>();
    if (workload.metadata) {
      for (auto& [key, value] : workload.metadata(workload.method)) {
        context_->AddMetadata(key, std::move(value));
      }
    }
    context_->set_deadline(absl::ToChronoTime(absl::Now() + options.deadline));
    request_ = workload.request(n);
    start_ = absl::Now();
    if (workload.server_streaming) {
      (new StreamedCall(*this))->Start();
    } else {
      stub_.UnaryCall(context_.get(), workload.method, grpc::StubOptions(), &request_, &response_,
                      [this](grpc::Status status) { Answered(status); });
    }
  }

  const std::vector<double>& latencies_us() const { return latencies_us_; }
  int64_t errors() const { return errors_; }
  const std::string& first_error() const { return first_error_; }

 private:
  // A server-streaming call read to its end, on gRPC's bidirectional reactor (the
  // generic stub has no other streaming one): the request is the only message sent.
  class StreamedCall : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    explicit StreamedCall(Slot& slot) : slot_(slot) {}

    void Start() {
      slot_.stub_.PrepareBidiStreamingCall(slot_.context_.get(), slot_.run_.workload.method,
                                           grpc::StubOptions(), this);
      StartWriteLast(&slot_.request_, grpc::WriteOptions());
      StartRead(&chunk_);
      StartCall();
    }
    void OnReadDone(bool ok) override {
      if (ok) StartRead(&chunk_);
    }
    void OnDone(const grpc::Status& status) override {
      Slot& slot = slot_;
      delete this;
      slot.Answered(status);
    }

   private:
    Slot& slot_;
    grpc::ByteBuffer chunk_;
  };

  void Answered(const grpc::Status& status) {
    if (status.ok()) {
      latencies_us_.push_back(absl::ToDoubleMicroseconds(absl::Now() - start_));
    } else if (errors_++ == 0) {
      first_error_ = cli::DescribeError(status);
    }
    Next();
  }

  grpc::GenericStub& stub_;
  RunState& run_;
  std::unique_ptr<grpc::ClientContext> context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  absl::Time start_;
  std::vector<double> latencies_us_;
  int64_t errors_ = 0;
  std::string first_error_;
};

}  // namespace

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

RequestSource Cycle(const std::vector<const google::protobuf::Message*>& requests) {
  auto buffers = std::make_shared<std::vector<grpc::ByteBuffer>>();
  for (const google::protobuf::Message* request : requests) {
    buffers->push_back(cli::ToBuffer(*request));
  }
  return [buffers](int64_t n) { return (*buffers)[n % buffers->size()]; };
}

Figures Run(const std::vector<std::shared_ptr<grpc::Channel>>& channels, const Workload& workload,
            const RunOptions& options) {
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (const auto& channel : channels)
    stubs.push_back(std::make_unique<grpc::GenericStub>(channel));
  const absl::Time begin = absl::Now();
  RunState run(workload, options, begin + options.duration);
  std::vector<std::unique_ptr<Slot>> slots;
  for (int i = 0; i < options.concurrency; ++i) {
    slots.push_back(std::make_unique<Slot>(*stubs[i % stubs.size()], run));
  }
  {
    absl::MutexLock lock(&run.mu);
    run.running = options.concurrency;
  }
  for (auto& slot : slots) slot->Next();
  {
    absl::MutexLock lock(&run.mu);
    run.mu.Await(absl::Condition(
        +[](int* running) { return *running == 0; }, &run.running));
  }
  const absl::Duration elapsed = absl::Now() - begin;
  std::vector<double> all;
  int64_t errors = 0;
  std::string first_error;
  for (const auto& slot : slots) {
    all.insert(all.end(), slot->latencies_us().begin(), slot->latencies_us().end());
    errors += slot->errors();
    if (first_error.empty()) first_error = slot->first_error();
  }
  Figures figures = Summarise(std::move(all), errors, elapsed);
  figures.first_error = first_error;
  return figures;
}

std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::string& address, int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    // A connection of its own per channel, as separate clients would have.
    args.SetInt("grpc.channel_id", i);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    // Exports run to megabytes; answers are never refused for their size.
    args.SetMaxReceiveMessageSize(-1);
    channels.push_back(cli::Connect(address, args));
  }
  return channels;
}

std::string Line(absl::string_view scenario, int concurrency, const Figures& figures) {
  std::string line = absl::StrFormat(
      "scenario=%s concurrency=%d qps=%.0f p50_us=%.0f p95_us=%.0f p99_us=%.0f", scenario,
      concurrency, figures.qps, figures.p50_us, figures.p95_us, figures.p99_us);
  if (figures.errors > 0) absl::StrAppend(&line, " errors=", figures.errors);
  return line;
}

}  // namespace coopnet::loadgen
