#include "common/status/status.h"

#include <gtest/gtest.h>

#include "google/rpc/status.pb.h"

namespace coopnet::status {
namespace {

google::rpc::Status WireDetails(const grpc::Status& status) {
  google::rpc::Status rpc_status;
  EXPECT_TRUE(rpc_status.ParseFromString(status.error_details()));
  return rpc_status;
}

TEST(Status, InvalidArgumentNamesEveryFieldAndRule) {
  absl::Status s = InvalidArgument({{"organisation.country", "must be ISO 3166-1 alpha-2"},
                                    {"organisation.display_name", "must not be empty"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "organisation.country must be ISO 3166-1 alpha-2; "
            "organisation.display_name must not be empty");
  auto bad_request = GetBadRequest(s);
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations_size(), 2);
  EXPECT_EQ(bad_request->field_violations(1).field(), "organisation.display_name");
}

TEST(Status, ToGrpcCarriesGoogleRpcStatusWithErrorInfoAndBadRequest) {
  grpc::Status g =
      ToGrpc(InvalidField("organisation.country", "must not be XX"), "organisations.coopnet");
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(g.error_message(), "organisation.country must not be XX");
  google::rpc::Status wire = WireDetails(g);
  EXPECT_EQ(wire.code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(wire.details_size(), 2);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(wire.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "INVALID_ARGUMENT");
  EXPECT_EQ(info.domain(), "organisations.coopnet");
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(wire.details(1).UnpackTo(&bad_request));
  EXPECT_EQ(bad_request.field_violations(0).field(), "organisation.country");
}

TEST(Status, ReasonDefaultsToCodeName) {
  grpc::Status g = ToGrpc(absl::NotFoundError("organisations/x not found"), "d");
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(WireDetails(g).details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "NOT_FOUND");
  EXPECT_EQ(g.error_message(), "organisations/x not found");
}

TEST(Status, InternalErrorsDoNotLeakTheirText) {
  grpc::Status g = ToGrpc(absl::InternalError("relation \"secret_table\" does not exist"), "d");
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(g.error_message(), "internal error");
  EXPECT_EQ(WireDetails(g).message(), "internal error");
}

TEST(Status, RoundTripsThroughGrpcKeepingReasonAndMetadata) {
  absl::Status original =
      Error(absl::StatusCode::kAborted, "ETAG_MISMATCH", "etag is stale", {{"current_etag", "7"}});
  absl::Status back = FromGrpc(ToGrpc(original, "organisations.coopnet"));
  EXPECT_EQ(back.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(back.message(), "etag is stale");
  auto info = GetErrorInfo(back);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "ETAG_MISMATCH");
  EXPECT_EQ(info->metadata().at("current_etag"), "7");
}

TEST(Status, OkStaysOk) {
  EXPECT_TRUE(ToGrpc(absl::OkStatus(), "d").ok());
  EXPECT_TRUE(FromGrpc(grpc::Status::OK).ok());
}

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return InvalidField("n", "must be even");
  return n / 2;
}

absl::Status Quarter(int n, int* out) {
  COOPNET_ASSIGN_OR_RETURN(int half, Half(n));
  COOPNET_ASSIGN_OR_RETURN(*out, Half(half));
  return absl::OkStatus();
}

absl::Status Twice(int n) {
  COOPNET_RETURN_IF_ERROR(Half(n).status());
  COOPNET_RETURN_IF_ERROR(Half(n + 1).status());
  return absl::OkStatus();
}

TEST(StatusMacros, AssignOrReturnStopsAtTheFirstError) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  out = 0;
  EXPECT_EQ(Quarter(6, &out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out, 0);
}

TEST(StatusMacros, ReturnIfErrorReturnsTheError) {
  EXPECT_EQ(Twice(4).message(), "n must be even");
}

}  // namespace
}  // namespace coopnet::status
