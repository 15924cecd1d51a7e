#include "services/gateway/forwarder.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/gateway/access.h"
#include "services/gateway/transcoder.h"

namespace coopnet::gateway {

Forwarder::Forwarder(Backends& backends, principal::Signer signer, absl::Duration call_timeout,
                     AnswerCache::Options answers)
    : backends_(backends),
      signer_(std::move(signer)),
      call_timeout_(call_timeout),
      answers_(answers) {}

Forwarder::~Forwarder() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](decltype(in_flight_)* calls) { return calls->empty(); }, &in_flight_));
}

void Forwarder::Prepare(const ApiMethod& method, const Upstream& upstream,
                        grpc::ClientContext& context) const {
  absl::Time deadline = upstream.deadline;
  if (!method.descriptor->server_streaming()) {
    deadline = std::min(deadline, absl::Now() + call_timeout_);
  }
  if (deadline != absl::InfiniteFuture()) context.set_deadline(absl::ToChronoTime(deadline));
  for (const auto& [key, value] : upstream.metadata) context.AddMetadata(key, value);
  // Sealed for this backend and this call: a stream is one call, checked once when it
  // opens, and a caller's retry is a new call through here with a principal of its own.
  signer_.Attach(upstream.caller, backends_.at(method.backend).name(), context);
}

void Forwarder::Track(const std::shared_ptr<grpc::ClientContext>& context) {
  absl::MutexLock lock(&mu_);
  in_flight_[context.get()] = context;
  // Not started yet, so no reaction can run here.
  if (cancelling_) context->TryCancel();
}

void Forwarder::Finished(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  in_flight_.erase(context);
}

// A public read's, by method, language and request as its message.
std::string Forwarder::AnswerKey(const ApiMethod& method, const Upstream& upstream,
                                 const grpc::ByteBuffer& request) const {
  if (!answers_.enabled() || upstream.caller.kind() != principal::Principal::ANONYMOUS ||
      !method.policy.anonymous() || method.policy.scope() != type::v1::SCOPE_READ) {
    return "";
  }
  std::string language;
  for (const auto& [key, value] : upstream.metadata) {
    if (key == "accept-language") language = value;
  }
  const std::optional<std::string> bytes = client::BytesOf(request);
  if (!bytes) return "";
  const std::unique_ptr<google::protobuf::Message> prototype = NewRequest(method);
  const std::optional<std::string> canonical = CanonicalRequest(*prototype, *bytes);
  if (!canonical) return "";
  return AnswerCache::KeyOf({method.path, language, *canonical});
}

void Forwarder::Unary(const ApiMethod& method, const Upstream& upstream,
                      std::shared_ptr<grpc::ClientContext> context, const grpc::ByteBuffer* request,
                      grpc::ByteBuffer* response, std::function<void(grpc::Status)> done) {
  std::string key = AnswerKey(method, upstream, *request);
  if (!key.empty()) {
    if (std::optional<std::string> answer = answers_.Find(key)) {
      grpc::Slice slice(std::move(*answer));
      *response = grpc::ByteBuffer(&slice, 1);
      done(grpc::Status::OK);
      return;
    }
  }
  Prepare(method, upstream, *context);
  Track(context);
  grpc::ClientContext* raw = context.get();
  backends_.at(method.backend)
      .stub()
      .UnaryCall(raw, method.path, grpc::StubOptions(), request, response,
                 [this, &method, context = std::move(context), key = std::move(key), response,
                  done = std::move(done)](grpc::Status status) mutable {
                   if (status.ok() && !key.empty()) {
                     if (std::optional<std::string> bytes = client::BytesOf(*response)) {
                       answers_.Keep(key, *std::move(bytes));
                     }
                   }
                   done(Answer(method, status));
                   // What the answer held (an HTTP exchange, a reactor) goes first; once
                   // the call counts as finished, the gateway may be torn down.
                   done = nullptr;
                   Finished(context.get());
                 });
}

void Forwarder::PrepareStream(
    const ApiMethod& method, const std::shared_ptr<grpc::ClientContext>& context,
    grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* reactor) {
  Track(context);
  backends_.at(method.backend)
      .stub()
      .PrepareBidiStreamingCall(context.get(), method.path, grpc::StubOptions(), reactor);
}

grpc::Status Forwarder::Answer(const ApiMethod& method, const grpc::Status& status) const {
  if (status.error_code() != grpc::StatusCode::UNAVAILABLE || !status.error_details().empty()) {
    return status;
  }
  const Backend& backend = backends_.at(method.backend);
  return status::ToGrpc(
      status::Error(
          absl::StatusCode::kUnavailable, "BACKEND_UNAVAILABLE",
          absl::StrCat("the ", backend.name(), " service cannot be reached; retry with backoff"),
          {{"backend", backend.name()}}),
      kErrorDomain);
}

void Forwarder::CancelAll() {
  std::vector<std::shared_ptr<grpc::ClientContext>> calls;
  {
    absl::MutexLock lock(&mu_);
    cancelling_ = true;
    for (const auto& [raw, weak] : in_flight_) {
      if (std::shared_ptr<grpc::ClientContext> call = weak.lock()) calls.push_back(std::move(call));
    }
  }
  // Outside the lock: a cancelled call's reactions may run right here and call Finished.
  for (const auto& call : calls) call->TryCancel();
}

bool Forwarder::WaitUntilIdle(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithDeadline(
      absl::Condition(
          +[](decltype(in_flight_)* calls) { return calls->empty(); }, &in_flight_),
      deadline);
}

}  // namespace coopnet::gateway
