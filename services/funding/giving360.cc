#include "services/funding/giving360.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/resource/resource.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/funding/money.h"

namespace coopnet::funding {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

std::string DateText(const google::type::Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

void Put(Struct& s, const std::string& key, const std::string& text) {
  (*s.mutable_fields())[key].set_string_value(text);
}

// Appends `item` to the array `key` of `s`.
void Append(Struct& s, const std::string& key, Struct item) {
  *(*s.mutable_fields())[key].mutable_list_value()->add_values()->mutable_struct_value() =
      std::move(item);
}

std::string Translation(const type::v1::LocalizedText& text) {
  if (auto it = text.translations().find(text.default_language());
      it != text.translations().end()) {
    return it->second;
  }
  return text.translations().empty() ? "" : text.translations().begin()->second;
}

Struct OrganisationOf(const std::map<std::string, organisations::v1::Organisation>& known,
                      const std::string& name, absl::string_view prefix) {
  Struct o;
  auto it = known.find(name);
  const organisations::v1::Organisation profile =
      it == known.end() ? organisations::v1::Organisation() : it->second;
  Put(o, "id", OrganisationIdentifier(profile, name, prefix));
  Put(o, "name", profile.display_name().empty() ? name : profile.display_name());
  return o;
}

}  // namespace

std::string OrganisationIdentifier(const organisations::v1::Organisation& organisation,
                                   absl::string_view name, absl::string_view id_prefix) {
  // org-id.guide schemes are `<country>-<register>`: DK-CVR, PL-KRS, NO-BRC, SE-ON.
  for (const auto& identifier : organisation.identifiers()) {
    if (identifier.state() == organisations::v1::Identifier::VERIFIED &&
        absl::StrContains(identifier.scheme(), "-")) {
      return absl::StrCat(identifier.scheme(), "-", identifier.value());
    }
  }
  return absl::StrCat(id_prefix, "-", resource::IdOf(name));
}

std::string GrantsJson(const std::vector<v1::Award>& awards, const GrantsContext& context) {
  Struct package;
  (*package.mutable_fields())["grants"].mutable_list_value();
  for (const v1::Award& award : awards) {
    Struct grant;
    Put(grant, "id", absl::StrCat(context.id_prefix, "-", resource::IdOf(award.name())));
    Put(grant, "title", award.title());
    Put(grant, "description", award.purpose().empty() ? award.title() : award.purpose());
    Put(grant, "currency", award.amount().currency_code());
    (*grant.mutable_fields())["amountAwarded"].set_number_value(
        static_cast<double>(award.amount().units()) + award.amount().nanos() / 1e9);
    Put(grant, "awardDate", DateText(award.award_date()));
    Append(grant, "recipientOrganization",
           OrganisationOf(context.organisations, award.recipient(), context.id_prefix));
    Append(grant, "fundingOrganization",
           OrganisationOf(context.organisations, award.funder(), context.id_prefix));
    Struct programme;
    Put(programme, "code", resource::IdOf(award.programme()));
    if (auto it = context.programmes.find(award.programme()); it != context.programmes.end()) {
      Put(programme, "title", Translation(it->second.title()));
      if (!it->second.website().empty()) Put(programme, "url", it->second.website());
    }
    Append(grant, "grantProgramme", std::move(programme));
    if (award.has_planned_period()) {
      Struct dates;
      if (award.planned_period().has_start_date()) {
        Put(dates, "startDate", DateText(award.planned_period().start_date()));
      }
      if (award.planned_period().has_end_date()) {
        Put(dates, "endDate", DateText(award.planned_period().end_date()));
      }
      Append(grant, "plannedDates", std::move(dates));
    }
    if (!award.beneficiary_country().empty()) {
      Struct location;
      const bool regional = !award.beneficiary_nuts_region().empty();
      Put(location, "name",
          regional ? award.beneficiary_nuts_region() : award.beneficiary_country());
      Put(location, "countryCode", award.beneficiary_country());
      if (regional) {
        Put(location, "geoCode", award.beneficiary_nuts_region());
        Put(location, "geoCodeType", "NUTS");
      }
      Append(grant, "beneficiaryLocation", std::move(location));
    }
    *(*package.mutable_fields())["grants"]
         .mutable_list_value()
         ->add_values()
         ->mutable_struct_value() = std::move(grant);
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(package, &json, options);
  return json;
}

}  // namespace coopnet::funding
