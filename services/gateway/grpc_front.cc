#include "services/gateway/grpc_front.h"

#include <atomic>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/principal/principal.h"
#include "common/status/status.h"
#include "services/gateway/transcoder.h"

namespace coopnet::gateway {
namespace {

using principal::Principal;

absl::string_view View(const grpc::string_ref& ref) { return {ref.data(), ref.size()}; }

absl::string_view MetadataValue(const grpc::GenericCallbackServerContext& context,
                                absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  return it == metadata.end() ? absl::string_view() : View(it->second);
}

// Answers with `status` and nothing else.
class Refusal final : public grpc::ServerGenericBidiReactor {
 public:
  explicit Refusal(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

// What every proxied call shares: the call as it came in, its method, and how it is
// admitted and prepared for the backend.
class ProxiedCall {
 protected:
  ProxiedCall(GrpcFront& front, grpc::GenericCallbackServerContext* context,
              const ApiMethod& method)
      : front_(front),
        context_(context),
        method_(method),
        upstream_(std::make_shared<grpc::ClientContext>()) {}

  void Admit(Access::Done done) {
    Credentials credentials;
    credentials.authorization = std::string(MetadataValue(*context_, "authorization"));
    credentials.client_address =
        ClientAddress(AddressOfPeer(context_->peer()), MetadataValue(*context_, "x-forwarded-for"),
                      front_.options().trusted_proxies);
    front_.access().Admit(method_, credentials, std::move(done));
  }

  // The gRPC status for a refusal of the gateway's, with `retry-after` for a rate limit.
  grpc::Status Refused(const absl::Status& refusal) {
    if (const int64_t seconds = RetryAfterOf(refusal); seconds > 0) {
      context_->AddTrailingMetadata("retry-after", absl::StrCat(seconds));
    }
    return status::ToGrpc(refusal, kErrorDomain);
  }

  // The caller, once admitted, with the request's page size lowered to the cap; or why
  // the call may not go on (INVALID_ARGUMENT when the request does not parse).
  absl::StatusOr<Principal> Checked(absl::StatusOr<Principal> caller, grpc::ByteBuffer& request) {
    if (!caller.ok() || method_.page_size == nullptr) return caller;
    std::unique_ptr<google::protobuf::Message> message = NewRequest(method_);
    if (!FromBuffer(request, *message)) {
      return status::Error(
          absl::StatusCode::kInvalidArgument, "MALFORMED_REQUEST",
          absl::StrCat("the request is not a ", method_.descriptor->input_type()->full_name()));
    }
    if (CapPageSize(method_, front_.options().max_page_size, *message))
      request = ToBuffer(*message);
    return caller;
  }

  Upstream UpstreamOf(const Principal& caller) const {
    Upstream upstream;
    upstream.caller = caller;
    upstream.metadata = PassedOnMetadata(context_->client_metadata());
    upstream.deadline = absl::FromChrono(context_->deadline());
    return upstream;
  }

  GrpcFront& front_;
  grpc::GenericCallbackServerContext* const context_;
  const ApiMethod& method_;
  const std::shared_ptr<grpc::ClientContext> upstream_;
};

class UnaryProxy final : public grpc::ServerGenericBidiReactor, ProxiedCall {
 public:
  UnaryProxy(GrpcFront& front, grpc::GenericCallbackServerContext* context, const ApiMethod& method)
      : ProxiedCall(front, context, method) {
    Admit([this](absl::StatusOr<Principal> caller) {
      if (!caller.ok()) {
        Finish(Refused(caller.status()));
        return;
      }
      caller_ = *std::move(caller);
      StartRead(&request_);
    });
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "no request came"));
      return;
    }
    Forward();
  }

  void OnCancel() override { upstream_->TryCancel(); }
  void OnDone() override { delete this; }

 private:
  void Forward() {
    absl::StatusOr<Principal> caller = Checked(caller_, request_);
    if (!caller.ok()) {
      Finish(Refused(caller.status()));
      return;
    }
    front_.forwarder().Unary(method_, UpstreamOf(*caller), upstream_, &request_, &response_,
                             [this](grpc::Status s) {
                               if (s.ok()) {
                                 StartWriteAndFinish(&response_, grpc::WriteOptions(), s);
                               } else {
                                 Finish(s);
                               }
                             });
  }

  Principal caller_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

// A server-streaming call: one request up, then every message the backend sends, each
// passed down before the next is read, so a slow client slows the backend's stream
// instead of filling the gateway's memory.
class StreamProxy final : public grpc::ServerGenericBidiReactor, ProxiedCall {
 public:
  StreamProxy(GrpcFront& front, grpc::GenericCallbackServerContext* context,
              const ApiMethod& method)
      : ProxiedCall(front, context, method), backend_(this) {
    Admit([this](absl::StatusOr<Principal> caller) {
      absl::StatusOr<StreamQuota::Slot> slot =
          caller.ok() ? front_.streams().Open(*caller) : caller.status();
      if (!slot.ok()) {
        Finish(Refused(slot.status()));
        return;
      }
      caller_ = *std::move(caller);
      slot_ = *std::move(slot);
      StartRead(&request_);
    });
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "no request came"));
      return;
    }
    Open();
  }

  void OnWriteDone(bool ok) override {
    if (ok) {
      backend_.StartRead(&message_);
    } else {
      upstream_->TryCancel();  // the client went away
      backend_.StartRead(&message_);
    }
  }

  void OnCancel() override { upstream_->TryCancel(); }
  void OnDone() override { Release(); }

 private:
  class Backend final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    explicit Backend(StreamProxy* proxy) : proxy_(proxy) {}

    void OnReadDone(bool ok) override {
      if (ok) {
        proxy_->StartWrite(&proxy_->message_);
      } else {
        RemoveHold();  // the stream ended: OnDone brings its status
      }
    }

    void OnDone(const grpc::Status& status) override {
      StreamProxy* proxy = proxy_;
      Forwarder& forwarder = proxy->front_.forwarder();
      const std::shared_ptr<grpc::ClientContext> upstream = proxy->upstream_;
      proxy->Finish(forwarder.Answer(proxy->method_, status));
      // May delete the proxy, giving its stream's slot back to the front's quota.
      proxy->Release();
      // Last: once the forwarder counts no call in flight, the gateway may be torn down.
      forwarder.Finished(upstream.get());
    }

   private:
    StreamProxy* const proxy_;
  };

  void Open() {
    absl::StatusOr<Principal> caller = Checked(caller_, request_);
    if (!caller.ok()) {
      Finish(Refused(caller.status()));
      return;
    }
    front_.forwarder().Prepare(method_, UpstreamOf(*caller), *upstream_);
    references_ = 2;  // both sides' OnDone
    front_.forwarder().PrepareStream(method_, upstream_, &backend_);
    backend_.StartWrite(&request_);
    backend_.StartWritesDone();
    // Held until the backend's stream has ended, so that its status comes after the last
    // message was passed down.
    backend_.AddHold();
    backend_.StartRead(&message_);
    backend_.StartCall();
  }

  void Release() {
    if (references_.fetch_sub(1) == 1) delete this;
  }

  Backend backend_;
  Principal caller_;
  StreamQuota::Slot slot_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer message_;
  std::atomic<int> references_{1};
};

}  // namespace

std::vector<std::pair<std::string, std::string>> PassedOnMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  std::vector<std::pair<std::string, std::string>> passed;
  for (const auto& [key_ref, value] : metadata) {
    const absl::string_view key = View(key_ref);
    if (absl::StartsWith(key, ":") || absl::StartsWith(key, "grpc-") || key == "authorization" ||
        key == principal::kPrincipalKey || key == principal::kSignatureKey || key == "user-agent" ||
        key == "content-type" || key == "te" || key == "host") {
      continue;
    }
    passed.emplace_back(std::string(key), std::string(View(value)));
  }
  return passed;
}

std::string AddressOfPeer(absl::string_view peer) {
  for (absl::string_view scheme : {"ipv4:", "ipv6:"}) {
    if (absl::StartsWith(peer, scheme)) peer.remove_prefix(scheme.size());
  }
  if (absl::StartsWith(peer, "[")) {
    const size_t close = peer.find(']');
    return std::string(peer.substr(1, close == peer.npos ? peer.npos : close - 1));
  }
  const size_t colon = peer.rfind(':');
  return std::string(colon == peer.npos ? peer : peer.substr(0, colon));
}

GrpcFront::GrpcFront(const ApiCatalog& catalog, Access& access, Forwarder& forwarder,
                     const Reflection& reflection, FrontOptions options)
    : catalog_(catalog),
      access_(access),
      forwarder_(forwarder),
      reflection_(reflection),
      options_(options),
      streams_(options_.streams) {}

grpc::ServerGenericBidiReactor* GrpcFront::CreateReactor(
    grpc::GenericCallbackServerContext* context) {
  if (Reflection::Handles(context->method())) return reflection_.NewReactor();
  const ApiMethod* method = catalog_.Find(context->method());
  if (method == nullptr) {
    return new Refusal(
        status::ToGrpc(status::Error(absl::StatusCode::kUnimplemented, "UNKNOWN_METHOD",
                                     absl::StrCat("no method ", context->method(),
                                                  " here; server reflection lists what there is")),
                       kErrorDomain));
  }
  if (method->descriptor->client_streaming()) {
    return new Refusal(
        status::ToGrpc(status::Error(absl::StatusCode::kUnimplemented, "CLIENT_STREAMING",
                                     "the gateway carries unary and server-streaming methods only"),
                       kErrorDomain));
  }
  if (method->descriptor->server_streaming()) return new StreamProxy(*this, context, *method);
  return new UnaryProxy(*this, context, *method);
}

}  // namespace coopnet::gateway
