#include "tests/harness/organisations_stack.h"

#include "absl/strings/str_cat.h"
#include "services/organisations/organisation_service.h"
#include "services/organisations/organisation_store.h"
#include "services/organisations/process.h"
#include "tests/harness/servers.h"

namespace coopnet::testing {

OrganisationsStack::OrganisationsStack(const std::string& pg_dsn, const std::string& redis_address)
    : stream_(UniqueName("coopnet:organisations:stream")) {
  organisations::Options options;
  options.stream = stream_;
  options.relay.poll_interval = absl::Milliseconds(50);
  process_ = std::make_unique<ServiceProcess>(
      ServiceProcess::Spec{.name = "organisations",
                           .error_domain = organisations::kErrorDomain,
                           .pg_dsn = pg_dsn,
                           .redis_address = redis_address,
                           .migrations = &organisations::Migrations(),
                           .start = [options](service::Context& context) {
                             return organisations::Start(context, options).status();
                           }});
}

OrganisationsStack::~OrganisationsStack() = default;

std::unique_ptr<organisations::v1::OrganisationService::Stub> OrganisationsStack::Stub() const {
  return organisations::v1::OrganisationService::NewStub(channel());
}

std::unique_ptr<organisations::v1::NetworkService::Stub> OrganisationsStack::NetworkStub() const {
  return organisations::v1::NetworkService::NewStub(channel());
}

std::unique_ptr<organisations::v1::PartnerRequestService::Stub>
OrganisationsStack::PartnerRequestStub() const {
  return organisations::v1::PartnerRequestService::NewStub(channel());
}

std::unique_ptr<organisations::v1::ApiKeyService::Stub> OrganisationsStack::ApiKeyStub() const {
  return organisations::v1::ApiKeyService::NewStub(channel());
}

}  // namespace coopnet::testing
