#include "services/gateway/answer_cache.h"

#include <memory>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace coopnet::gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

bool HasUnknownFields(const Message& message) {
  const google::protobuf::Reflection& reflection = *message.GetReflection();
  if (!reflection.GetUnknownFields(message).empty()) return true;
  std::vector<const FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
        if (HasUnknownFields(reflection.GetRepeatedMessage(message, field, i))) return true;
      }
    } else if (HasUnknownFields(reflection.GetMessage(message, field))) {
      return true;
    }
  }
  return false;
}

}  // namespace

AnswerCache::AnswerCache(Options options) : options_(options), answers_(options.max_bytes) {}

std::string AnswerCache::KeyOf(std::initializer_list<absl::string_view> parts) {
  std::string joined;
  for (absl::string_view part : parts) {
    // Each part's length first, so that no two lists of parts join alike.
    joined.append(std::to_string(part.size())).push_back(':');
    joined.append(part.data(), part.size());
  }
  return Sha256(joined);
}

std::optional<std::string> AnswerCache::Find(absl::string_view key, absl::Time now) {
  if (!enabled()) return std::nullopt;
  return answers_.Find(key, now);
}

void AnswerCache::Keep(absl::string_view key, std::string answer, absl::Time now) {
  if (!enabled() || answer.size() > options_.max_answer_bytes) return;
  const size_t size = answer.size();
  answers_.Keep(key, std::move(answer), size, now + options_.ttl);
}

std::optional<std::string> CanonicalRequest(const Message& prototype, absl::string_view bytes) {
  std::unique_ptr<Message> request(prototype.New());
  if (!request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      HasUnknownFields(*request)) {
    return std::nullopt;
  }
  std::string canonical;
  {
    google::protobuf::io::StringOutputStream output(&canonical);
    google::protobuf::io::CodedOutputStream coded(&output);
    coded.SetSerializationDeterministic(true);
    if (!request->SerializeToCodedStream(&coded)) return std::nullopt;
  }
  return canonical;
}

}  // namespace coopnet::gateway
