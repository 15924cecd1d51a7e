#include "common/request/request.h"

#include <openssl/sha.h>

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/pg/request_log.h"
#include "common/principal/principal.h"
#include "common/status/status.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace coopnet::request {
namespace {

std::string SerializeDeterministic(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

}  // namespace

std::string Sha256(absl::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

absl::Status RequireScope(const type::v1::Principal& caller, type::v1::Scope scope) {
  if (principal::HasScope(caller, scope)) return absl::OkStatus();
  absl::string_view name = type::v1::Scope_Name(scope);
  absl::ConsumePrefix(&name, "SCOPE_");
  return status::Error(
      absl::StatusCode::kPermissionDenied, "SCOPE_MISSING",
      absl::StrCat("this method needs a key with the ", absl::AsciiStrToLower(name), " scope"));
}

namespace {

absl::Status NotOwner(absl::string_view what) {
  return status::Error(absl::StatusCode::kPermissionDenied, "NOT_OWNER",
                       absl::StrCat("the caller may not change ", what));
}

}  // namespace

absl::Status RequireActsFor(const type::v1::Principal& caller, absl::string_view organisation,
                            absl::string_view what) {
  COOPNET_RETURN_IF_ERROR(RequireScope(caller, type::v1::SCOPE_WRITE));
  if (principal::ActsFor(caller, organisation)) return absl::OkStatus();
  return NotOwner(what);
}

absl::Status RequireActsFor(const type::v1::Principal& caller, absl::string_view organisation,
                            type::v1::DelegationScope scope, absl::string_view what) {
  COOPNET_RETURN_IF_ERROR(RequireScope(caller, type::v1::SCOPE_WRITE));
  if (principal::ActsFor(caller, organisation, scope)) return absl::OkStatus();
  return NotOwner(what);
}

absl::Status ValidateRequestId(absl::string_view request_id) {
  if (request_id.empty()) return absl::OkStatus();
  const bool well_formed =
      request_id.size() <= 64 && std::all_of(request_id.begin(), request_id.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      });
  if (!well_formed) {
    return status::InvalidField("request_id",
                                "must be 1 to 64 letters, digits, '-' or '_' (a UUID fits)");
  }
  return absl::OkStatus();
}

std::optional<RequestKey> RequestKeyOf(const type::v1::Principal& caller, absl::string_view method,
                                       absl::string_view request_id,
                                       const google::protobuf::Message& request) {
  if (request_id.empty()) return std::nullopt;
  std::string subject = principal::Subject(caller);
  // Every anonymous caller is `anonymous`: without its address one could claim another's
  // request_id and be shown the first answer (a registration's manage token).
  if (caller.kind() == type::v1::Principal::ANONYMOUS) {
    absl::StrAppend(&subject, "@", caller.client_address());
  }
  return RequestKey{absl::StrCat(subject, " ", method), std::string(request_id),
                    Sha256(SerializeDeterministic(request))};
}

absl::StatusOr<std::optional<std::string>> ClaimRequest(pg::Transaction& tx,
                                                        const std::optional<RequestKey>& key) {
  if (!key) {
    tx.MarkUnclaimedWrite();  // a write without an id must not run twice
    return std::optional<std::string>();
  }
  return pg::ClaimRequest(tx, key->scope, key->request_id, key->request_hash);
}

absl::Status RecordResponse(pg::Transaction& tx, const std::optional<RequestKey>& key,
                            const google::protobuf::Message& response) {
  if (!key) return absl::OkStatus();
  return pg::RecordResponse(tx, key->scope, key->request_id, response.SerializeAsString());
}

std::string ListFingerprint(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> filters(request.New());
  filters->CopyFrom(request);
  const google::protobuf::Descriptor* descriptor = filters->GetDescriptor();
  for (const char* paging : {"page_size", "page_token"}) {
    if (const auto* field = descriptor->FindFieldByName(paging)) {
      filters->GetReflection()->ClearField(filters.get(), field);
    }
  }
  return SerializeDeterministic(*filters);
}

}  // namespace coopnet::request
