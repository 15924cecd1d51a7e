#include "common/client/service_channel.h"

#include <gtest/gtest.h>

#include "common/status/status.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace coopnet::client {
namespace {

const std::string kSecret = "client-test-secret-0123456789-0123456789";

ServiceChannel Organisations(const std::string& address = "127.0.0.1:1") {
  return ServiceChannel({.address = address,
                         .caller = "events",
                         .callee = "organisations",
                         .deadline = absl::Seconds(2)},
                        principal::Signer(kSecret));
}

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

}  // namespace
}  // namespace coopnet::client
