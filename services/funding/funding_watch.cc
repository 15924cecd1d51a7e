#include "services/funding/funding_watch.h"

namespace coopnet::funding {

std::optional<v1::FundingChange> DecodeChange(const outbox::StreamEntry& entry) {
  v1::FundingChange change;
  bool parsed = false;
  if (entry.type == v1::CallPublished::descriptor()->full_name()) {
    parsed = change.mutable_call_published()->ParseFromString(entry.payload);
  } else if (entry.type == v1::ApplicationSubmitted::descriptor()->full_name()) {
    parsed = change.mutable_application_submitted()->ParseFromString(entry.payload);
  } else if (entry.type == v1::AwardGranted::descriptor()->full_name()) {
    parsed = change.mutable_award_granted()->ParseFromString(entry.payload);
  } else if (entry.type == v1::PartnershipProposed::descriptor()->full_name()) {
    parsed = change.mutable_partnership_proposed()->ParseFromString(entry.payload);
  } else if (entry.type == v1::PartnershipAccepted::descriptor()->full_name()) {
    parsed = change.mutable_partnership_accepted()->ParseFromString(entry.payload);
  } else if (entry.type == v1::PartnershipWithdrawn::descriptor()->full_name()) {
    parsed = change.mutable_partnership_withdrawn()->ParseFromString(entry.payload);
  }
  if (!parsed) return std::nullopt;
  change.set_cursor(entry.id);
  change.set_change_id(entry.outbox_id);
  return change;
}

}  // namespace coopnet::funding
