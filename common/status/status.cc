#include "common/status/status.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/status.pb.h"

namespace coopnet::status {
namespace {

constexpr absl::string_view kTypePrefix = "type.googleapis.com/";

template <typename Message>
std::string TypeUrl() {
  return absl::StrCat(kTypePrefix, Message::descriptor()->full_name());
}

template <typename Message>
void SetDetail(absl::Status& status, const Message& detail) {
  status.SetPayload(TypeUrl<Message>(), absl::Cord(detail.SerializeAsString()));
}

template <typename Message>
std::optional<Message> GetDetail(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(TypeUrl<Message>());
  if (!payload) return std::nullopt;
  Message detail;
  if (!detail.ParseFromString(std::string(*payload))) return std::nullopt;
  return detail;
}

}  // namespace

std::string CodeName(absl::StatusCode code) {
  std::string name = absl::StatusCodeToString(code);
  for (char& c : name) {
    c = c == ' ' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

absl::Status InvalidArgument(std::vector<FieldViolation> violations) {
  google::rpc::BadRequest bad_request;
  std::vector<std::string> parts;
  for (FieldViolation& v : violations) {
    parts.push_back(v.field.empty() ? v.description : absl::StrCat(v.field, " ", v.description));
    auto* out = bad_request.add_field_violations();
    out->set_field(std::move(v.field));
    out->set_description(std::move(v.description));
  }
  absl::Status status =
      Error(absl::StatusCode::kInvalidArgument, "INVALID_ARGUMENT", absl::StrJoin(parts, "; "));
  SetDetail(status, bad_request);
  return status;
}

absl::Status InvalidField(absl::string_view field, absl::string_view description) {
  return InvalidArgument({{std::string(field), std::string(description)}});
}

absl::Status Error(absl::StatusCode code, absl::string_view reason, absl::string_view message,
                   std::map<std::string, std::string> metadata) {
  absl::Status status(code, message);
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  for (auto& [key, value] : metadata) (*info.mutable_metadata())[key] = std::move(value);
  SetDetail(status, info);
  return status;
}

std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status) {
  return GetDetail<google::rpc::ErrorInfo>(status);
}

std::optional<google::rpc::BadRequest> GetBadRequest(const absl::Status& status) {
  return GetDetail<google::rpc::BadRequest>(status);
}

grpc::Status ToGrpc(const absl::Status& status, absl::string_view domain) {
  if (status.ok()) return grpc::Status::OK;
  const bool hide_text =
      status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown;
  const std::string message = hide_text ? "internal error" : std::string(status.message());

  google::rpc::ErrorInfo info = GetErrorInfo(status).value_or(google::rpc::ErrorInfo());
  if (info.reason().empty()) info.set_reason(CodeName(status.code()));
  info.set_domain(std::string(domain));

  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(status.code()));
  rpc_status.set_message(message);
  rpc_status.add_details()->PackFrom(info);
  if (auto bad_request = GetBadRequest(status)) rpc_status.add_details()->PackFrom(*bad_request);
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      rpc_status.SerializeAsString());
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status rpc_status;
  if (status.error_details().empty() || !rpc_status.ParseFromString(status.error_details())) {
    return result;
  }
  for (const google::protobuf::Any& detail : rpc_status.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad_request;
    if (detail.UnpackTo(&info)) {
      SetDetail(result, info);
    } else if (detail.UnpackTo(&bad_request)) {
      SetDetail(result, bad_request);
    }
  }
  return result;
}

}  // namespace coopnet::status
