#include "services/funding/money.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/validate/validate.h"

namespace coopnet::funding {
namespace {

constexpr int64_t kNanosPerUnit = 1000000000;

}  // namespace

absl::Status CheckAmount(absl::string_view field, const Money& money, bool positive) {
  validate::Violations v;
  v.Check(validate::CurrencyCode(absl::StrCat(field, ".currency_code"), money.currency_code()));
  if (money.units() < 0) {
    v.Add(absl::StrCat(field, ".units"), absl::StrCat("must not be negative, got ", money.units()));
  }
  if (money.nanos() < 0 || money.nanos() >= kNanosPerUnit) {
    v.Add(absl::StrCat(field, ".nanos"),
          absl::StrCat("must be within [0, 999999999], got ", money.nanos()));
  }
  if (v.ok() && positive && money.units() == 0 && money.nanos() == 0) {
    v.Add(absl::StrCat(field, ".units"), "must be above zero");
  }
  return v.ToStatus();
}

Nanos128 Nanos(const Money& money) {
  return static_cast<Nanos128>(money.units()) * kNanosPerUnit + money.nanos();
}

Money FromNanos(absl::string_view currency, Nanos128 nanos) {
  Money money;
  money.set_currency_code(std::string(currency));
  money.set_units(static_cast<int64_t>(nanos / kNanosPerUnit));
  money.set_nanos(static_cast<int32_t>(nanos % kNanosPerUnit));
  return money;
}

std::string Decimal(const Money& money) {
  const std::string nanos = std::to_string(money.nanos());
  return absl::StrCat(money.units(), ".", std::string(9 - nanos.size(), '0'), nanos);
}

absl::StatusOr<Money> FromDecimal(absl::string_view currency, absl::string_view decimal) {
  absl::string_view units = decimal;
  absl::string_view fraction;
  if (const size_t dot = decimal.find('.'); dot != absl::string_view::npos) {
    units = decimal.substr(0, dot);
    fraction = decimal.substr(dot + 1);
  }
  Nanos128 whole = 0;
  for (char c : units) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return absl::InternalError(absl::StrCat("unreadable sum ", decimal));
    }
    whole = whole * 10 + (c - '0');
  }
  Nanos128 nanos = 0;
  for (size_t i = 0; i < 9; ++i) {
    const char c = i < fraction.size() ? fraction[i] : '0';
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return absl::InternalError(absl::StrCat("unreadable sum ", decimal));
    }
    nanos = nanos * 10 + (c - '0');
  }
  return FromNanos(currency, whole * kNanosPerUnit + nanos);
}

std::string Format(const Money& money) {
  if (money.nanos() == 0) return absl::StrCat(money.units(), " ", money.currency_code());
  std::string fraction = Decimal(money).substr(Decimal(money).find('.'));
  while (fraction.back() == '0') fraction.pop_back();
  return absl::StrCat(money.units(), fraction, " ", money.currency_code());
}

}  // namespace coopnet::funding
