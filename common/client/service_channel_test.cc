#include "common/client/service_channel.h"

#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace coopnet::client {
namespace {

using ::testing::HasSubstr;
using HealthCheck = grpc::health::v1::HealthCheckResponse;

const principal::KeySet kKeys =
    *principal::KeySet::Parse("ev:events:client-test-secret-0123456789-0123456789");

ServiceChannel Organisations(
    const std::string& address = "127.0.0.1:1",
    metrics::GrpcClientMetrics& metrics = metrics::GrpcClientMetrics::Shared()) {
  return ServiceChannel({.address = address,
                         .caller = "events",
                         .callee = "organisations",
                         .deadline = absl::Seconds(2)},
                        principal::Signer(*kKeys.SigningKey("events"), "events"), metrics);
}

// A peer that knows one service, "", and says so once on Watch.
class Peer final : public grpc::health::v1::Health::Service {
 public:
  Peer() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~Peer() override { server_->Shutdown(); }

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

  grpc::Status Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* request,
                     HealthCheck* response) override {
    if (!request->service().empty()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown");
    response->set_status(HealthCheck::SERVING);
    return grpc::Status::OK;
  }
  grpc::Status Watch(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest*,
                     grpc::ServerWriter<HealthCheck>* writer) override {
    HealthCheck serving;
    serving.set_status(HealthCheck::SERVING);
    writer->Write(serving);
    return grpc::Status::OK;
  }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// What /metrics would show of the client families in `registry`.
std::string Scrape(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

constexpr absl::string_view kCheckLabels =
    "grpc_method=\"Check\",grpc_service=\"grpc.health.v1.Health\",grpc_type=\"unary\"";

std::string ReasonOf(const absl::Status& s) {
  auto info = status::GetErrorInfo(s);
  return info ? info->reason() : "";
}

TEST(ServiceChannel, DeadlineIsOwnLimitWhenTheServedCallHasMoreTime) {
  ServiceChannel channel = Organisations();
  grpc::ClientContext context;
  const absl::Time before = absl::Now();
  channel.Prepare(context, before + absl::Minutes(1));
  const absl::Time deadline = absl::FromChrono(context.deadline());
  EXPECT_GE(deadline, before + absl::Seconds(2));
  EXPECT_LE(deadline, absl::Now() + absl::Seconds(2));
}

TEST(ServiceChannel, DeadlineNeverOutlivesTheServedCall) {
  ServiceChannel channel = Organisations();
  grpc::ClientContext context;
  const absl::Time served_deadline = absl::Now() + absl::Milliseconds(300);
  channel.Prepare(context, served_deadline);
  EXPECT_LE(absl::AbsDuration(absl::FromChrono(context.deadline()) - served_deadline),
            absl::Microseconds(1));
}

TEST(ServiceChannel, PeerThatIsDownIsUnavailableNamingIt) {
  ServiceChannel channel = Organisations();
  auto stub = grpc::health::v1::Health::NewStub(channel.channel());
  grpc::ClientContext context;
  channel.Prepare(context);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status answer = stub->Check(&context, request, &response);
  ASSERT_FALSE(answer.ok());

  const absl::Status s = channel.Failure(answer, "Check");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(s), "DEPENDENCY_UNAVAILABLE");
  EXPECT_NE(s.message().find("organisations"), absl::string_view::npos) << s;
  EXPECT_EQ(status::GetErrorInfo(s)->metadata().at("method"), "Check");
}

TEST(ServiceChannel, PeerThatCannotServeTheMethodYetIsUnavailable) {
  const absl::Status s = Organisations().Failure(
      grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "unknown method"), "GetNetwork");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
}

TEST(ServiceChannel, PeerAnswersAboutTheInputAreKeptForTheCallerToInterpret) {
  const absl::Status s = Organisations().Failure(
      status::ToGrpc(status::Error(absl::StatusCode::kNotFound, "ORGANISATION_NOT_FOUND",
                                   "organisations/x does not exist"),
                     "organisations.coopnet"),
      "GetOrganisation");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(s), "ORGANISATION_NOT_FOUND");
}

TEST(ServiceChannel, EveryCallIsCountedWithItsCodeAsGoGrpcPrometheusCountsIt) {
  Peer peer;
  prometheus::Registry registry;
  auto metrics = metrics::GrpcClientMetrics::Create(registry);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  ServiceChannel channel = Organisations(peer.address(), **metrics);
  auto stub = grpc::health::v1::Health::NewStub(channel.channel());
  for (const std::string service : {"", "no.such.Service"}) {
    grpc::ClientContext context;
    channel.Prepare(context);
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    HealthCheck response;
    stub->Check(&context, request, &response);
  }

  const std::string text = Scrape(registry);
  const std::string labels(kCheckLabels);
  EXPECT_THAT(text, HasSubstr("grpc_client_started_total{" + labels + "} 2\n"));
  EXPECT_THAT(text, HasSubstr("grpc_client_handled_total{grpc_code=\"OK\"," + labels + "} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_client_handled_total{grpc_code=\"NotFound\"," + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_client_msg_sent_total{" + labels + "} 2\n"));
  // A failed unary call brings no message.
  EXPECT_THAT(text, HasSubstr("grpc_client_msg_received_total{" + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_client_handling_seconds_count{" + labels + "} 2\n"));
}

TEST(ServiceChannel, PeerThatIsDownIsCountedUnavailable) {
  prometheus::Registry registry;
  auto metrics = metrics::GrpcClientMetrics::Create(registry);
  ASSERT_TRUE(metrics.ok());
  ServiceChannel channel = Organisations("127.0.0.1:1", **metrics);
  grpc::ClientContext context;
  channel.Prepare(context);
  grpc::health::v1::HealthCheckRequest request;
  HealthCheck response;
  ASSERT_FALSE(grpc::health::v1::Health::NewStub(channel.channel())
                   ->Check(&context, request, &response)
                   .ok());
  EXPECT_THAT(Scrape(registry), HasSubstr("grpc_client_handled_total{grpc_code=\"Unavailable\"," +
                                          std::string(kCheckLabels) + "} 1\n"));
}

TEST(ServiceChannel, StreamThroughAGenericStubIsCountedAsTheMethodsOwnType) {
  Peer peer;
  prometheus::Registry registry;
  auto metrics = metrics::GrpcClientMetrics::Create(registry);
  ASSERT_TRUE(metrics.ok());
  ServiceChannel channel = Organisations(peer.address(), **metrics);
  grpc::GenericStub stub(channel.channel());
  grpc::ClientContext context;
  channel.Prepare(context);
  grpc::CompletionQueue queue;
  void* tag;
  bool ok;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, "/grpc.health.v1.Health/Watch", &queue);
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(queue.Next(&tag, &ok) && ok);
  grpc::health::v1::HealthCheckRequest request;
  std::string bytes = request.SerializeAsString();
  grpc::Slice slice(bytes);
  call->Write(grpc::ByteBuffer(&slice, 1), reinterpret_cast<void*>(2));
  ASSERT_TRUE(queue.Next(&tag, &ok) && ok);
  call->WritesDone(reinterpret_cast<void*>(3));
  ASSERT_TRUE(queue.Next(&tag, &ok) && ok);
  int messages = 0;
  for (grpc::ByteBuffer message;; ++messages) {
    call->Read(&message, reinterpret_cast<void*>(4));
    ASSERT_TRUE(queue.Next(&tag, &ok));
    if (!ok) break;
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  ASSERT_TRUE(queue.Next(&tag, &ok) && ok);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(messages, 1);

  const std::string text = Scrape(registry);
  const std::string labels =
      "grpc_method=\"Watch\",grpc_service=\"grpc.health.v1.Health\",grpc_type=\"server_stream\"";
  EXPECT_THAT(text, HasSubstr("grpc_client_started_total{" + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_client_msg_sent_total{" + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_client_msg_received_total{" + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_client_handled_total{grpc_code=\"OK\"," + labels + "} 1\n"));
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
}

}  // namespace
}  // namespace coopnet::client
