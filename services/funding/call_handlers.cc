// FundingService: calls, and matching them to an organisation.
#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/request/request.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "services/funding/funding_rules.h"
#include "services/funding/funding_service.h"
#include "services/funding/handler_basics.h"

namespace coopnet::funding {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kCalls[] = "calls";
// Match results stay cached at most this long, and never past the next time one of the
// judged calls opens or closes.
constexpr absl::Duration kMatchTtl = absl::Seconds(30);

// The keyset position of a page of ListCalls: "<deadline micros>/<id>".
std::string CallPageKey(const Call& call) {
  return absl::StrCat(absl::ToUnixMicros(ToTime(call.deadline())), "/",
                      resource::IdOf(call.name()));
}

absl::Status ParseCallPageKey(absl::string_view key, absl::Time* deadline, std::string* id) {
  std::vector<absl::string_view> parts = absl::StrSplit(key, absl::MaxSplits('/', 1));
  int64_t micros = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &micros)) {
    return status::InvalidField("page_token", "is not a token of ListCalls");
  }
  *deadline = absl::FromUnixMicros(micros);
  *id = std::string(parts[1]);
  return absl::OkStatus();
}

void CheckThemes(validate::Violations& v, absl::string_view field,
                 const google::protobuf::RepeatedPtrField<std::string>& themes) {
  if (themes.size() > kMaxListEntries) {
    v.Add(field, absl::StrCat("must have at most ", kMaxListEntries, " entries"));
  }
}

// The request's fields a MatchCalls answer depends on, beside the profiles.
void ValidateMatchRequest(const v1::MatchCallsRequest& r, validate::Violations& v) {
  if (r.organisation().empty()) {
    v.Add("organisation", "must be given, as organisations/{id}");
  } else {
    resource::CheckNameFilter(v, "organisation", r.organisation(), "organisations");
  }
  if (r.partners_size() > kMaxListEntries) {
    v.Add("partners", absl::StrCat("must have at most ", kMaxListEntries, " entries"));
  }
  for (int i = 0; i < r.partners_size(); ++i) {
    const std::string field = absl::StrCat("partners[", i, "]");
    resource::CheckNameFilter(v, field, r.partners(i), "organisations");
    if (r.partners(i) == r.organisation()) v.Add(field, "is the organisation itself, the lead");
  }
  CheckThemes(v, "themes", r.themes());
}

// What a MatchCalls question narrows the calls to, besides who asks.
struct MatchFilter {
  bool include_unleadable = false;
  // Calls about one of these (or open to any theme); empty: every call.
  std::vector<std::string> themes;
  // Kind and level names; empty: any.
  std::vector<std::string> kinds;
  std::vector<std::string> levels;
};

bool NamedIn(const std::vector<std::string>& names, const std::string& name) {
  return names.empty() || std::find(names.begin(), names.end(), name) != names.end();
}

// Whether `call` is one to judge for `lead`: still to close at `now`, one it may lead
// (unless the question wants those too), and of the themes, kinds and levels asked.
bool Asked(const Call& call, const MatchFilter& filter, const Organisation& lead, absl::Time now) {
  const v1::Eligibility& e = call.eligibility();
  if (ToTime(call.deadline()) <= now) return false;
  if (!filter.include_unleadable && !CanLead(e, lead)) return false;
  if (!filter.themes.empty() && !e.themes().empty() &&
      std::none_of(e.themes().begin(), e.themes().end(), [&](const std::string& theme) {
        return std::find(filter.themes.begin(), filter.themes.end(), theme) != filter.themes.end();
      })) {
    return false;
  }
  return NamedIn(filter.kinds, Call::Kind_Name(call.kind())) &&
         NamedIn(filter.levels, Programme::Level_Name(call.level()));
}

}  // namespace

absl::Status FundingService::CreateCall(const server::Call& call, const v1::CreateCallRequest& r,
                                        Call& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(r.request_id()));
  COOPNET_RETURN_IF_ERROR(ValidateCall(r.call()));
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));
  COOPNET_ASSIGN_OR_RETURN(Programme programme,
                           ProgrammeFor("call.programme", r.call().programme()));
  COOPNET_RETURN_IF_ERROR(RequireFunder(call, programme.funder(), "open calls of its programmes"));
  Call draft = r.call();
  draft.set_funder(programme.funder());
  draft.set_level(programme.level());
  draft.clear_publish_time();
  COOPNET_ASSIGN_OR_RETURN(
      Call created, store_.CreateCall(draft, request::RequestKeyOf(call.principal, "CreateCall",
                                                                   r.request_id(), r)));
  CallWritten(resource::IdOf(created.name()));
  created.set_state(CallStateAt(created, absl::Now()));
  response = std::move(created);
  return absl::OkStatus();
}

absl::Status FundingService::GetCall(const server::Call& call, const v1::GetCallRequest& r,
                                     Call& response) {
  COOPNET_ASSIGN_OR_RETURN(response, VisibleCall(call, "name", r.name()));
  return absl::OkStatus();
}

absl::Status FundingService::ListCalls(const server::Call& call, const v1::ListCallsRequest& r,
                                       v1::ListCallsResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(r.page_size()));
  validate::Violations v;
  resource::CheckNameFilter(v, "programme", r.programme(), "programmes");
  resource::CheckNameFilter(v, "funder", r.funder(), "organisations");
  CallQuery q;
  q.states =
      EnumFilter<Call::State>(v, "states", r.states(), &Call::State_IsValid, &Call::State_Name);
  q.kinds = EnumFilter<Call::Kind>(v, "kinds", r.kinds(), &Call::Kind_IsValid, &Call::Kind_Name);
  q.levels = EnumFilter<Programme::Level>(v, "levels", r.levels(), &Programme::Level_IsValid,
                                          &Programme::Level_Name);
  CheckThemes(v, "themes", r.themes());
  COOPNET_RETURN_IF_ERROR(v.ToStatus());
  const std::string fingerprint = request::ListFingerprint(r);
  COOPNET_ASSIGN_OR_RETURN(std::string after,
                           resource::DecodePageToken(r.page_token(), fingerprint));
  if (!after.empty())
    COOPNET_RETURN_IF_ERROR(ParseCallPageKey(after, &q.after_deadline, &q.after_id));
  q.programme_id = r.programme().empty() ? "" : resource::IdOf(r.programme());
  q.funder = r.funder();
  q.themes.assign(r.themes().begin(), r.themes().end());
  q.now = absl::Now();
  q.viewer_sees_everything = IsPrivileged(call.principal);
  q.viewer_organisation = CallerOrganisation(call.principal);
  q.limit = page_size + 1;
  COOPNET_ASSIGN_OR_RETURN(std::vector<Call> found, store_.ListCalls(q));
  const bool more = request::TrimToPage(found, page_size);
  for (Call& c : found) {
    c.set_state(CallStateAt(c, q.now));
    *response.add_calls() = std::move(c);
  }
  if (more) {
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, CallPageKey(*response.calls().rbegin())));
  }
  return absl::OkStatus();
}

absl::Status FundingService::UpdateCall(const server::Call& call, const v1::UpdateCallRequest& r,
                                        Call& response) {
  const Call& patch = r.call();
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("call.name", patch.name(), kCalls));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("call.etag", patch.etag()));
  Call scratch;
  COOPNET_RETURN_IF_ERROR(ApplyUpdateMask(patch, r.update_mask(), CallFixedFields(), scratch));
  COOPNET_ASSIGN_OR_RETURN(Call stored, VisibleCall(call, "call.name", patch.name()));
  COOPNET_RETURN_IF_ERROR(RequireFunder(call, stored.funder(), "change its calls"));
  // Checked before the transaction too, so that bad input is named without waiting.
  Call changed = stored;
  COOPNET_RETURN_IF_ERROR(ApplyUpdateMask(patch, r.update_mask(), CallFixedFields(), changed));
  COOPNET_RETURN_IF_ERROR(ValidateCall(changed));
  CallEdit edit;
  edit.apply = [&](const Call& current) -> absl::StatusOr<Call> {
    Call next = current;
    COOPNET_RETURN_IF_ERROR(ApplyUpdateMask(patch, r.update_mask(), CallFixedFields(), next));
    COOPNET_RETURN_IF_ERROR(ValidateCall(next));
    COOPNET_RETURN_IF_ERROR(CheckCallChange(current, next));
    return next;
  };
  COOPNET_ASSIGN_OR_RETURN(Call updated, store_.EditCall(id, revision, std::nullopt, edit));
  CallWritten(id);
  updated.set_state(CallStateAt(updated, absl::Now()));
  response = std::move(updated);
  return absl::OkStatus();
}

absl::Status FundingService::PublishCall(const server::Call& call, const v1::PublishCallRequest& r,
                                         Call& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("name", r.name(), kCalls));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(r.request_id()));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("etag", r.etag()));
  COOPNET_ASSIGN_OR_RETURN(Call stored, VisibleCall(call, "name", r.name()));
  COOPNET_RETURN_IF_ERROR(RequireFunder(call, stored.funder(), "publish its calls"));
  CallEdit edit;
  edit.apply = [](const Call& current) -> absl::StatusOr<Call> {
    if (current.has_publish_time()) return current;
    Call published = current;
    *published.mutable_publish_time() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now()));
    return published;
  };
  edit.announce = [](const Call& before, const Call& after) -> Announcement {
    if (before.has_publish_time()) return nullptr;
    auto published = std::make_unique<v1::CallPublished>();
    *published->mutable_call() = after;
    published->mutable_call()->set_state(CallStateAt(after, absl::Now()));
    return published;
  };
  COOPNET_ASSIGN_OR_RETURN(
      Call result,
      store_.EditCall(id, revision,
                      request::RequestKeyOf(call.principal, "PublishCall", r.request_id(), r),
                      edit));
  CallWritten(id);
  result.set_state(CallStateAt(result, absl::Now()));
  response = std::move(result);
  return absl::OkStatus();
}

absl::Status FundingService::MatchCalls(const server::Call& call, const v1::MatchCallsRequest& r,
                                        v1::MatchCallsResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(r.page_size()));
  validate::Violations v;
  ValidateMatchRequest(r, v);
  MatchFilter filter;
  filter.kinds =
      EnumFilter<Call::Kind>(v, "kinds", r.kinds(), &Call::Kind_IsValid, &Call::Kind_Name);
  filter.levels = EnumFilter<Programme::Level>(v, "levels", r.levels(), &Programme::Level_IsValid,
                                               &Programme::Level_Name);
  COOPNET_RETURN_IF_ERROR(v.ToStatus());
  const std::string fingerprint = request::ListFingerprint(r);
  COOPNET_ASSIGN_OR_RETURN(std::string after,
                           resource::DecodePageToken(r.page_token(), fingerprint));
  std::optional<MatchRank> position;
  if (!after.empty()) {
    COOPNET_ASSIGN_OR_RETURN(position, ParseMatchPageKey(after));
  }

  // The profiles, each cached: asking the organisations service is what costs here.
  Consortium consortium;
  COOPNET_ASSIGN_OR_RETURN(consortium.lead,
                           profiles_.Require("organisation", r.organisation(), call.deadline));
  std::string versions = consortium.lead.etag();
  for (int i = 0; i < r.partners_size(); ++i) {
    COOPNET_ASSIGN_OR_RETURN(
        Organisation partner,
        profiles_.Require(absl::StrCat("partners[", i, "]"), r.partners(i), call.deadline));
    absl::StrAppend(&versions, ",", partner.etag());
    consortium.partners.push_back(std::move(partner));
  }

  // The same question about the same profiles gets the same answer until a call changes
  // (the generation) or one of them opens or closes (the entry's ttl).
  const uint64_t generation = cache_.Generation(kCalls);
  cache::LookupResult lookup = cache_.Lookup(
      absl::StrCat("match:", generation, ":",
                   absl::BytesToHexString(request::Sha256(absl::StrCat(fingerprint, versions))),
                   ":", page_size, ":", after));
  if (lookup.hit && response.ParseFromString(*lookup.value)) return absl::OkStatus();
  response.Clear();

  const absl::Time now = absl::Now();
  filter.include_unleadable = r.include_unleadable();
  filter.themes.assign(r.themes().begin(), r.themes().end());
  COOPNET_ASSIGN_OR_RETURN(std::shared_ptr<const OpenCalls::Snapshot> open,
                           open_calls_.At(generation, now));
  std::vector<const Call*> candidates;
  for (const auto& [name, held] : *open) {
    if (Asked(held.call, filter, consortium.lead, now)) candidates.push_back(&held.call);
  }

  // Every candidate is ranked; only the page's calls are judged in words.
  const std::vector<std::string> themes(r.themes().begin(), r.themes().end());
  struct Ranked {
    MatchRank rank;
    size_t candidate;
  };
  std::vector<Ranked> ranked;
  ranked.reserve(candidates.size());
  absl::Time next_change = now + kMatchTtl;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Call& candidate = *candidates[i];
    const absl::Time opens = ToTime(candidate.open_time());
    next_change = std::min(next_change, opens > now ? opens : ToTime(candidate.deadline()));
    ranked.push_back({RankCall(candidate, consortium, themes, now), i});
  }
  auto first = ranked.begin();
  if (position) {
    first = std::partition(ranked.begin(), ranked.end(),
                           [&](const Ranked& c) { return !RanksBefore(*position, c.rank); });
  }
  const auto last = ranked.end() - first > page_size ? first + page_size : ranked.end();
  std::partial_sort(first, last, ranked.end(),
                    [](const Ranked& a, const Ranked& b) { return RanksBefore(a.rank, b.rank); });

  std::vector<std::string> ids;
  for (auto it = first; it != last; ++it) ids.push_back(resource::IdOf(it->rank.name));
  COOPNET_ASSIGN_OR_RETURN(std::vector<Call> calls, store_.GetCalls(ids));
  for (auto it = first; it != last; ++it) {
    v1::CallMatch& match = *response.add_matches();
    match = std::move(JudgeCall(*candidates[it->candidate], consortium, themes, now).match);
    for (Call& c : calls) {
      if (c.name() == it->rank.name) *match.mutable_call() = std::move(c);
    }
    match.mutable_call()->set_state(CallStateAt(match.call(), now));
  }
  if (last != ranked.end()) {
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, MatchPageKey((last - 1)->rank)));
  }
  cache_.Fill(lookup, response.SerializeAsString(), next_change - absl::Now());
  return absl::OkStatus();
}

}  // namespace coopnet::funding
