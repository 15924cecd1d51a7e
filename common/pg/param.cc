#include "common/pg/param.h"

#include <charconv>
#include <cmath>

#include "common/pg/text_format.h"

namespace coopnet::pg {

Param::Param(bool value) : Param(value ? "true" : "false") {}

Param::Param(double value) {
  if (std::isnan(value)) {
    owned_ = "NaN";
  } else if (std::isinf(value)) {
    owned_ = value > 0 ? "Infinity" : "-Infinity";
  } else {
    char buffer[32];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    owned_.assign(buffer, end);
  }
  size_ = owned_.size();
}

Param::Param(absl::Time value) : Param(text::FormatTimestamp(value)) {}

Param::Param(Bytes value) : owned_(value.data), size_(owned_.size()), binary_(true) {}

Param::Param(std::nullopt_t) : null_(true) {}

Param::Param(const std::vector<std::string>& values) : Param(text::ArrayLiteral(values)) {}

Param::Param(const std::vector<int32_t>& values) : Param(text::ArrayLiteral(values)) {}

Param::Param(const std::vector<int64_t>& values) : Param(text::ArrayLiteral(values)) {}

}  // namespace coopnet::pg
