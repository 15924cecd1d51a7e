// What the fuzz targets of tests/fuzz/ share: their input as text, and a property that,
// broken, stops the run saying which one, so that libFuzzer keeps the input as a finding
// and a replay of the corpus fails.
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
//     const absl::string_view text = fuzz::AsText(data, size);
//     fuzz::Expect(EscapeText(text).size() >= text.size(), "escaping never shortens", text);
//     return 0;
//   }
#ifndef COOPNET_TESTS_FUZZ_PROPERTY_H_
#define COOPNET_TESTS_FUZZ_PROPERTY_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace coopnet::fuzz {

inline absl::string_view AsText(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// Aborts, naming `property` and showing `detail` (C-escaped), unless `holds`.
inline void Expect(bool holds, absl::string_view property, absl::string_view detail = "") {
  if (holds) return;
  std::fprintf(stderr, "property broken: %.*s\n  %s\n", static_cast<int>(property.size()),
               property.data(), absl::CEscape(detail.substr(0, 2000)).c_str());
  std::abort();
}

}  // namespace coopnet::fuzz

#endif  // COOPNET_TESTS_FUZZ_PROPERTY_H_
