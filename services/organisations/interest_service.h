// coopnet.organisations.v1.InterestService: the gRPC handlers of expressions of
// interest, each in DESIGN.md's four steps: validate, authorise (interest_rules.h), act
// (interest_store.h), answer as the caller may see it.
#ifndef COOPNET_SERVICES_ORGANISATIONS_INTEREST_SERVICE_H_
#define COOPNET_SERVICES_ORGANISATIONS_INTEREST_SERVICE_H_

#include "common/server/server.h"
#include "common/server/service_table.h"
#include "coopnet/organisations/v1/interests.grpc.pb.h"
#include "services/organisations/interest_store.h"

namespace coopnet::organisations {

inline constexpr char kInterestServiceName[] = "coopnet.organisations.v1.InterestService";

class InterestService {
 public:
  InterestService(server::Server& server, InterestStore& store);

  // The methods of the proto service, each beside its handler below.
  server::ServiceTable& table() { return table_; }

 private:
  absl::Status CreateInterest(const server::Call& call, const v1::CreateInterestRequest& request,
                              Interest& response);
  absl::Status GetInterest(const server::Call& call, const v1::GetInterestRequest& request,
                           Interest& response);
  absl::Status ListInterests(const server::Call& call, const v1::ListInterestsRequest& request,
                             v1::ListInterestsResponse& response);
  absl::Status AcceptInterest(const server::Call& call, const v1::AcceptInterestRequest& request,
                              Interest& response);
  absl::Status DeclineInterest(const server::Call& call, const v1::DeclineInterestRequest& request,
                               Interest& response);
  absl::Status WithdrawInterest(const server::Call& call,
                                const v1::WithdrawInterestRequest& request, Interest& response);

  using MayRule = absl::Status (*)(const type::v1::Principal&, const Interest&);

  // What accepting, declining and withdrawing share once their own fields are checked:
  // the interest `request` names moved to `state`, if `may` lets the caller, as the
  // caller may see it.
  template <typename Request>
  absl::Status Answer(const server::Call& call, const Request& request, absl::string_view method,
                      Interest::State state, const v1::Contact* reply_contact,
                      absl::string_view reply_message, MayRule may, Interest& response);

  // The interest `name` names, as stored, once `caller` may see it.
  absl::StatusOr<Interest> Find(const server::Call& call, const std::string& name);

  InterestStore& store_;
  server::ServiceTable table_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_INTEREST_SERVICE_H_
