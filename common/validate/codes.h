// Lookups in the ISO code lists behind coopnet::validate; not for use outside it (the
// checks in validate.h are the public face, with messages a caller can show).
#ifndef COOPNET_COMMON_VALIDATE_CODES_H_
#define COOPNET_COMMON_VALIDATE_CODES_H_

#include <string_view>

namespace coopnet::validate::internal {

// True for an officially assigned ISO 3166-1 alpha-2 code, upper case ("DK").
bool IsIso3166Alpha2(std::string_view code);

// True for an ISO 639-1 language code, lower case ("da").
bool IsIso639Alpha2(std::string_view code);

// True for an ISO 4217 currency code in use, upper case ("EUR").
bool IsIso4217Alpha3(std::string_view code);

// True for the ISO 3166-1 code of a country NUTS has regions in ("GR", not "EL").
bool IsNutsCountry(std::string_view country);

}  // namespace coopnet::validate::internal

#endif  // COOPNET_COMMON_VALIDATE_CODES_H_
