// FundingService: awards, their totals per currency and their 360Giving export.
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/request/request.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "services/funding/funding_rules.h"
#include "services/funding/funding_service.h"
#include "services/funding/giving360.h"
#include "services/funding/handler_basics.h"

namespace coopnet::funding {
namespace {

constexpr char kAwards[] = "awards";

std::optional<std::string> DateFilter(validate::Violations& v, absl::string_view field,
                                      const google::type::Date& date, bool given) {
  if (!given) return std::nullopt;
  if (!IsValidDate(date)) {
    v.Add(field, "must be a day of the calendar");
    return std::nullopt;
  }
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

// The query of ListAwards' filters, named under `prefix`; the keyset is left unset.
absl::StatusOr<AwardQuery> AwardQueryOf(const v1::ListAwardsRequest& r, absl::string_view prefix) {
  auto f = [&](absl::string_view name) { return absl::StrCat(prefix, name); };
  validate::Violations v;
  resource::CheckNameFilter(v, f("funder"), r.funder(), "organisations");
  resource::CheckNameFilter(v, f("recipient"), r.recipient(), "organisations");
  resource::CheckNameFilter(v, f("programme"), r.programme(), "programmes");
  resource::CheckNameFilter(v, f("call"), r.call(), "calls");
  AwardQuery q;
  q.from_date = DateFilter(v, f("from_date"), r.from_date(), r.has_from_date());
  q.to_date = DateFilter(v, f("to_date"), r.to_date(), r.has_to_date());
  COOPNET_RETURN_IF_ERROR(v.ToStatus());
  q.funder = r.funder();
  q.recipient = r.recipient();
  q.programme_id = r.programme().empty() ? "" : resource::IdOf(r.programme());
  q.call_id = r.call().empty() ? "" : resource::IdOf(r.call());
  return q;
}

}  // namespace

absl::Status FundingService::CreateAward(const server::Call& call, const v1::CreateAwardRequest& r,
                                         Award& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(r.request_id()));
  COOPNET_RETURN_IF_ERROR(ValidateAward(r.award()));
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));
  Award award = r.award();
  COOPNET_ASSIGN_OR_RETURN(Programme programme, ProgrammeFor("award.programme", award.programme()));
  COOPNET_RETURN_IF_ERROR(RequireFunder(call, programme.funder(), "award from its programmes"));
  if (!award.call().empty()) {
    absl::StatusOr<Call> to = VisibleCall(call, "award.call", award.call());
    if (to.status().code() == absl::StatusCode::kNotFound ||
        (to.ok() && to->programme() != award.programme())) {
      return status::InvalidField("award.call",
                                  absl::StrCat("must be a call of ", award.programme()));
    }
    COOPNET_RETURN_IF_ERROR(to.status());
    if (to->total_budget().currency_code() != award.amount().currency_code()) {
      return status::InvalidField(
          "award.amount.currency_code",
          absl::StrCat("must be ", to->total_budget().currency_code(), ", the call's currency"));
    }
  }
  COOPNET_RETURN_IF_ERROR(
      profiles_.Require("award.recipient", award.recipient(), call.deadline).status());
  award.set_funder(programme.funder());
  award.clear_application();
  COOPNET_ASSIGN_OR_RETURN(
      response, store_.CreateAward(award, request::RequestKeyOf(call.principal, "CreateAward",
                                                                r.request_id(), r)));
  relay_.Wake();
  return absl::OkStatus();
}

absl::Status FundingService::GetAward(const server::Call&, const v1::GetAwardRequest& r,
                                      Award& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("name", r.name(), kAwards));
  COOPNET_ASSIGN_OR_RETURN(response, store_.GetAward(id));
  return absl::OkStatus();
}

absl::Status FundingService::ListAwards(const server::Call& call, const v1::ListAwardsRequest& r,
                                        v1::ListAwardsResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(r.page_size()));
  COOPNET_ASSIGN_OR_RETURN(AwardQuery q, AwardQueryOf(r, ""));
  const std::string fingerprint = request::ListFingerprint(r);
  COOPNET_ASSIGN_OR_RETURN(q.after_id, resource::DecodePageToken(r.page_token(), fingerprint));
  q.limit = page_size + 1;
  COOPNET_ASSIGN_OR_RETURN(std::vector<Award> found, store_.ListAwards(q));
  const bool more = request::TrimToPage(found, page_size);
  for (Award& a : found) *response.add_awards() = std::move(a);
  if (more) {
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, resource::IdOf(response.awards().rbegin()->name())));
  }
  COOPNET_ASSIGN_OR_RETURN(std::vector<google::type::Money> totals, store_.AwardTotals(q));
  for (auto& total : totals) *response.add_totals() = std::move(total);
  return absl::OkStatus();
}

absl::Status FundingService::UpdateAward(const server::Call& call, const v1::UpdateAwardRequest& r,
                                         Award& response) {
  const Award& patch = r.award();
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("award.name", patch.name(), kAwards));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("award.etag", patch.etag()));
  Award scratch;
  COOPNET_RETURN_IF_ERROR(ApplyUpdateMask(patch, r.update_mask(), AwardFixedFields(), scratch));
  COOPNET_ASSIGN_OR_RETURN(Award stored, store_.GetAward(id));
  COOPNET_RETURN_IF_ERROR(RequireFunder(call, stored.funder(), "change its awards"));
  Award changed = stored;
  COOPNET_RETURN_IF_ERROR(ApplyUpdateMask(patch, r.update_mask(), AwardFixedFields(), changed));
  COOPNET_RETURN_IF_ERROR(ValidateAward(changed));
  COOPNET_ASSIGN_OR_RETURN(
      response,
      store_.UpdateAward(id, revision, [&](const Award& current) -> absl::StatusOr<Award> {
        Award next = current;
        COOPNET_RETURN_IF_ERROR(ApplyUpdateMask(patch, r.update_mask(), AwardFixedFields(), next));
        COOPNET_RETURN_IF_ERROR(ValidateAward(next));
        return next;
      }));
  return absl::OkStatus();
}

absl::Status FundingService::ExportAwards(const server::Call& call,
                                          const v1::ExportAwardsRequest& r,
                                          v1::ExportAwardsResponse& response) {
  // The filters are named as the export's own fields before ListAwards reads them.
  COOPNET_RETURN_IF_ERROR(AwardQueryOf(r.filter(), "filter.").status());
  v1::ListAwardsResponse page;
  COOPNET_RETURN_IF_ERROR(ListAwards(call, r.filter(), page));
  GrantsContext context;
  context.id_prefix = options_.giving360_prefix;
  std::set<std::string> organisations;
  for (const Award& award : page.awards()) {
    organisations.insert(award.funder());
    organisations.insert(award.recipient());
    if (context.programmes.count(award.programme()) == 0) {
      absl::StatusOr<Programme> programme = store_.GetProgramme(resource::IdOf(award.programme()));
      if (programme.ok()) context.programmes[award.programme()] = *std::move(programme);
    }
  }
  for (const std::string& name : organisations) {
    COOPNET_ASSIGN_OR_RETURN(std::optional<Organisation> profile,
                             profiles_.Find(name, call.deadline));
    if (profile) context.organisations[name] = *std::move(profile);
  }
  const std::vector<Award> awards(page.awards().begin(), page.awards().end());
  response.set_content_type("application/json");
  response.set_json(GrantsJson(awards, context));
  response.set_next_page_token(page.next_page_token());
  *response.mutable_totals() = page.totals();
  return absl::OkStatus();
}

}  // namespace coopnet::funding
