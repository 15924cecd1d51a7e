// Money as the API carries it (google.type.Money): checked, compared, added and printed
// without floating point, and never across currencies. 85,200 PLN is units 85200.
//
//   COOPNET_RETURN_IF_ERROR(CheckAmount("call.total_budget", call.total_budget()));
//   if (Nanos(requested) > Nanos(call.max_grant())) ...
//   Format(award.amount());  // "85200 PLN"
#ifndef COOPNET_SERVICES_FUNDING_MONEY_H_
#define COOPNET_SERVICES_FUNDING_MONEY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/type/money.pb.h"

namespace coopnet::funding {

using google::type::Money;

// An amount in billionths of its currency's unit: wide enough for any Money.
using Nanos128 = __int128;

// OK when `money` has an ISO 4217 currency and is not negative (units and nanos both
// >= 0, nanos below 1e9); `positive` also refuses zero. INVALID_ARGUMENT naming
// `<field>.currency_code`, `<field>.units` or `<field>.nanos`.
absl::Status CheckAmount(absl::string_view field, const Money& money, bool positive = false);

Nanos128 Nanos(const Money& money);
Money FromNanos(absl::string_view currency, Nanos128 nanos);

// `money` as a decimal with nine places ("85200.000000000"): PostgreSQL numeric's text.
std::string Decimal(const Money& money);
// The reverse, for sums PostgreSQL computed; INTERNAL for text it cannot read.
absl::StatusOr<Money> FromDecimal(absl::string_view currency, absl::string_view decimal);

// "85200 PLN", "1250.5 EUR": for messages people read.
std::string Format(const Money& money);

}  // namespace coopnet::funding

#endif  // COOPNET_SERVICES_FUNDING_MONEY_H_
