#include "tests/harness/funding_stack.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "services/funding/funding_service.h"
#include "services/funding/funding_store.h"
#include "services/funding/process.h"
#include "tests/harness/servers.h"

namespace coopnet::testing {

FundingStack::FundingStack(const std::string& organisations_dsn, const std::string& funding_dsn,
                           const std::string& redis_address)
    : organisations_(std::make_unique<OrganisationsStack>(organisations_dsn, redis_address)),
      stream_(UniqueName("coopnet:funding:stream")),
      redis_address_(redis_address) {
  funding::Options options;
  options.organisations.address = absl::StrCat("127.0.0.1:", organisations_->port());
  options.stream = stream_;
  options.relay.poll_interval = absl::Milliseconds(50);
  process_ = std::make_unique<ServiceProcess>(
      ServiceProcess::Spec{.name = "funding",
                           .error_domain = funding::kErrorDomain,
                           .pg_dsn = funding_dsn,
                           .redis_address = redis_address,
                           .migrations = &funding::Migrations(),
                           .start = [options](service::Context& context) {
                             return funding::Start(context, options).status();
                           }});
}

FundingStack::~FundingStack() = default;

std::unique_ptr<funding::v1::FundingService::Stub> FundingStack::Stub() const {
  return funding::v1::FundingService::NewStub(channel());
}

std::string FundingStack::CreateOrganisation(const organisations::v1::Organisation& organisation) {
  grpc::ClientContext context;
  Sign(context, principal::Admin());
  organisations::v1::CreateOrganisationRequest request;
  *request.mutable_organisation() = organisation;
  organisations::v1::Organisation created;
  const grpc::Status s = organisations_->Stub()->CreateOrganisation(&context, request, &created);
  if (!s.ok()) std::cerr << "funding stack: CreateOrganisation: " << s.error_message() << std::endl;
  return created.name();
}

}  // namespace coopnet::testing
