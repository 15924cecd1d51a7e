# Writes OUT: a C++ file defining `absl::string_view coopnet::gateway::ApiDescriptorSet()`
# (api_comments.h), the bytes of the descriptor set IN.
file(READ ${IN} hex HEX)
# Sixteen bytes a line.
string(REPEAT "[0-9a-f]" 32 line)
string(REGEX REPLACE "(${line})" "\\1\n" hex "${hex}")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT}.tmp "// Generated from ${IN} by embed_descriptor_set.cmake; do not edit.
#include \"services/gateway/api_comments.h\"

namespace coopnet::gateway {
namespace {

constexpr unsigned char kDescriptorSet[] = {
${bytes}};

}  // namespace

absl::string_view ApiDescriptorSet() {
  return absl::string_view(reinterpret_cast<const char*>(kDescriptorSet), sizeof(kDescriptorSet));
}

}  // namespace coopnet::gateway
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
