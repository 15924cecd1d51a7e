// Identifiers as claims, through the real gRPC API on real PostgreSQL and Redis: anybody's
// claim is UNVERIFIED and blocks nobody, an operator verifies one claim per identifier,
// LookupOrganisation answers the verified holder, and partner search can ask for
// organisations with a verified identifier. Also what migration 0007 makes of the
// identifiers a database held before claims were verified.
#include <gtest/gtest.h>

#include <set>

#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "services/organisations/organisation_store.h"
#include "tests/harness/errors.h"
#include "tests/harness/organisations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"
#include "tests/harness/watcher.h"

namespace coopnet::organisations {
namespace {

using principal::Principal;
using testing::FieldsOf;
using testing::OrganisationsStack;
using testing::ReasonOf;
using v1::Identifier;
using v1::OrganisationChange;

// The metadata entry `key` of the refusal's ErrorInfo; empty without one.
std::string MetadataOf(const grpc::Status& s, const std::string& key) {
  auto info = status::GetErrorInfo(status::FromGrpc(s));
  if (!info || !info->metadata().contains(key)) return "";
  return info->metadata().at(key);
}

Identifier Pic(const std::string& value = "949685493") {
  Identifier pic;
  pic.set_scheme("PIC");
  pic.set_value(value);
  return pic;
}

// What a stack serves on a database of its own: the organisations service with helpers
// for the calls these tests make.
class Directory {
 public:
  explicit Directory(const std::string& dsn)
      : stack_(dsn, testing::SharedRedisAddress()), stub_(stack_.Stub()) {}

  grpc::Status Create(const Organisation& o, Organisation* out,
                      const Principal& caller = principal::Admin()) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::CreateOrganisationRequest request;
    *request.mutable_organisation() = o;
    return stub_->CreateOrganisation(&context, request, out);
  }

  Organisation MustCreate(const Organisation& o, const Principal& caller = principal::Admin()) {
    Organisation created;
    grpc::Status s = Create(o, &created, caller);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }

  Organisation MustGet(const std::string& name) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::GetOrganisationRequest request;
    request.set_name(name);
    Organisation read;
    grpc::Status s = stub_->GetOrganisation(&context, request, &read);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return read;
  }

  grpc::Status Verify(const std::string& name, const Identifier& identifier, Organisation* out,
                      const Principal& caller = principal::Admin(), const std::string& etag = "",
                      const std::string& request_id = "") {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::VerifyIdentifierRequest request;
    request.set_name(name);
    *request.mutable_identifier() = identifier;
    request.set_etag(etag);
    request.set_request_id(request_id);
    Organisation ignored;
    return stub_->VerifyIdentifier(&context, request, out ? out : &ignored);
  }

  grpc::Status Unverify(const std::string& name, const Identifier& identifier, Organisation* out,
                        const Principal& caller = principal::Admin()) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::UnverifyIdentifierRequest request;
    request.set_name(name);
    *request.mutable_identifier() = identifier;
    Organisation ignored;
    return stub_->UnverifyIdentifier(&context, request, out ? out : &ignored);
  }

  grpc::Status Lookup(const Identifier& identifier, Organisation* out) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Anonymous("198.51.100.7"));
    v1::LookupOrganisationRequest request;
    *request.mutable_identifier() = identifier;
    return stub_->LookupOrganisation(&context, request, out);
  }

  grpc::Status Update(const Organisation& patch, const std::string& path, Organisation* out) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::UpdateOrganisationRequest request;
    *request.mutable_organisation() = patch;
    request.mutable_update_mask()->add_paths(path);
    return stub_->UpdateOrganisation(&context, request, out);
  }

  // The names a search finds, in its order.
  std::vector<std::string> Search(const v1::SearchOrganisationsRequest& request) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Anonymous("198.51.100.7"));
    v1::SearchOrganisationsResponse response;
    grpc::Status s = stub_->SearchOrganisations(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> names;
    for (const auto& hit : response.results()) names.push_back(hit.organisation().name());
    return names;
  }

  std::unique_ptr<testing::Watcher<OrganisationChange>> Watch() {
    return std::make_unique<testing::Watcher<OrganisationChange>>(
        principal::Admin(), [&](grpc::ClientContext* context) {
          v1::WatchOrganisationsRequest request;
          request.set_cursor("0");
          return stub_->WatchOrganisations(context, request);
        });
  }

 private:
  OrganisationsStack stack_;
  std::unique_ptr<v1::OrganisationService::Stub> stub_;
};

// A write key of `organisation`, with `scope`.
Principal KeyOf(const std::string& organisation, type::v1::Scope scope = type::v1::SCOPE_WRITE) {
  return principal::ApiKey(organisation, organisation + "/apiKeys/01jdz5c7m3cccccccccccccccc",
                           {scope});
}

class OrganisationIdentifiersTest : public ::testing::Test {
 protected:
  OrganisationIdentifiersTest() : directory_(db_.dsn()) {}

  // Urząd Marszałkowski as a squatter registers it first, with another organisation's key.
  Organisation Impostor() {
    Organisation impostor = testing::seeds::UrzadMarszalkowski();
    impostor.set_display_name("Urząd Marszałkowski (not really)");
    return impostor;
  }

  testing::TestDatabase db_;
  Directory directory_;
};

TEST_F(OrganisationIdentifiersTest, ASquattersClaimBlocksNobodyAndTheOperatorDecidesWhoHoldsIt) {
  const Organisation kofoeds = directory_.MustCreate(testing::seeds::KofoedsSkole());
  const Principal squatter = KeyOf(kofoeds.name());

  // B claims A's PIC first; A then registers with it all the same.
  const Organisation b = directory_.MustCreate(Impostor(), squatter);
  ASSERT_EQ(b.identifiers_size(), 1);
  EXPECT_EQ(b.identifiers(0).state(), Identifier::UNVERIFIED);
  EXPECT_FALSE(b.identifiers(0).has_verify_time());
  const Organisation a = directory_.MustCreate(testing::seeds::UrzadMarszalkowski());
  EXPECT_EQ(a.identifiers(0).state(), Identifier::UNVERIFIED);

  // While nobody's claim is verified, lookup answers the earliest claimant, saying so.
  Organisation found;
  ASSERT_TRUE(directory_.Lookup(Pic(), &found).ok());
  EXPECT_EQ(found.name(), b.name());
  EXPECT_EQ(found.identifiers(0).state(), Identifier::UNVERIFIED);

  // Nobody but an operator verifies: not the squatter, not A's own admin key.
  for (const Principal& caller : {squatter, KeyOf(a.name(), type::v1::SCOPE_ADMIN)}) {
    grpc::Status denied = directory_.Verify(a.name(), Pic(), nullptr, caller);
    EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(ReasonOf(denied), "NOT_OPERATOR");
    EXPECT_NE(denied.error_message().find("operator"), std::string::npos);
    EXPECT_EQ(directory_.Verify(b.name(), Pic(), nullptr, caller).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  EXPECT_EQ(directory_.MustGet(a.name()).etag(), a.etag());
  EXPECT_EQ(directory_.MustGet(b.name()).identifiers(0).state(), Identifier::UNVERIFIED);

  Organisation verified;
  ASSERT_TRUE(directory_.Verify(a.name(), Pic(), &verified).ok());
  EXPECT_EQ(verified.identifiers(0).state(), Identifier::VERIFIED);
  EXPECT_TRUE(verified.identifiers(0).has_verify_time());
  EXPECT_NE(verified.etag(), a.etag());
  EXPECT_EQ(directory_.MustGet(a.name()).identifiers(0).state(), Identifier::VERIFIED);

  ASSERT_TRUE(directory_.Lookup(Pic(), &found).ok());
  EXPECT_EQ(found.name(), a.name());
  EXPECT_EQ(found.identifiers(0).state(), Identifier::VERIFIED);

  grpc::Status elsewhere = directory_.Verify(b.name(), Pic(), nullptr);
  EXPECT_EQ(elsewhere.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(elsewhere), "IDENTIFIER_VERIFIED_ELSEWHERE");
  EXPECT_EQ(MetadataOf(elsewhere, "organisation"), a.name());
  EXPECT_NE(elsewhere.error_message().find(a.name()), std::string::npos);
  const Organisation b_after = directory_.MustGet(b.name());
  EXPECT_EQ(b_after.etag(), b.etag());
  EXPECT_EQ(b_after.identifiers(0).state(), Identifier::UNVERIFIED);
}

TEST_F(OrganisationIdentifiersTest, AVerificationTakenBackFreesTheIdentifierForAnother) {
  const Organisation b = directory_.MustCreate(Impostor());
  const Organisation a = directory_.MustCreate(testing::seeds::UrzadMarszalkowski());
  ASSERT_TRUE(directory_.Verify(b.name(), Pic(), nullptr).ok());  // the mistake

  EXPECT_EQ(directory_.Unverify(b.name(), Pic(), nullptr, KeyOf(a.name(), type::v1::SCOPE_ADMIN))
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  Organisation unverified;
  ASSERT_TRUE(directory_.Unverify(b.name(), Pic(), &unverified).ok());
  EXPECT_EQ(unverified.identifiers(0).state(), Identifier::UNVERIFIED);
  EXPECT_FALSE(unverified.identifiers(0).has_verify_time());
  ASSERT_TRUE(directory_.Verify(a.name(), Pic(), nullptr).ok());
  Organisation found;
  ASSERT_TRUE(directory_.Lookup(Pic(), &found).ok());
  EXPECT_EQ(found.name(), a.name());
}

TEST_F(OrganisationIdentifiersTest, VerifyingTwiceChangesNothingAndARetryGetsTheFirstAnswer) {
  const Organisation a = directory_.MustCreate(testing::seeds::UrzadMarszalkowski());
  Organisation first, retried, again;
  ASSERT_TRUE(
      directory_.Verify(a.name(), Pic(), &first, principal::Admin(), a.etag(), "verify-1").ok());
  ASSERT_TRUE(
      directory_.Verify(a.name(), Pic(), &retried, principal::Admin(), a.etag(), "verify-1").ok());
  EXPECT_EQ(retried.etag(), first.etag());
  ASSERT_TRUE(directory_.Verify(a.name(), Pic(), &again).ok());
  EXPECT_EQ(again.etag(), first.etag());
  EXPECT_EQ(again.identifiers(0).verify_time().seconds(),
            first.identifiers(0).verify_time().seconds());

  // A stale etag is refused.
  grpc::Status stale = directory_.Unverify(a.name(), Pic(), nullptr);  // moves the etag on
  ASSERT_TRUE(stale.ok()) << stale.error_message();
  stale = directory_.Verify(a.name(), Pic(), nullptr, principal::Admin(), first.etag());
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(ReasonOf(stale), "ETAG_MISMATCH");
  EXPECT_EQ(directory_.MustGet(a.name()).identifiers(0).state(), Identifier::UNVERIFIED);
}

TEST_F(OrganisationIdentifiersTest, BadRequestsNameTheFieldAndChangeNothing) {
  const Organisation a = directory_.MustCreate(testing::seeds::UrzadMarszalkowski());
  struct Case {
    std::string name;
    Identifier identifier;
    std::string etag;
    std::string field;
  };
  Identifier no_scheme = Pic();
  no_scheme.clear_scheme();
  for (const Case& c : {Case{"organisation/x", Pic(), "", "name"},
                        Case{a.name(), Pic("94968549"), "", "identifier.value"},
                        Case{a.name(), no_scheme, "", "identifier.scheme"},
                        Case{a.name(), Pic(), "not-an-etag", "etag"}}) {
    grpc::Status s = directory_.Verify(c.name, c.identifier, nullptr, principal::Admin(), c.etag);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(FieldsOf(s), std::vector<std::string>{c.field}) << s.error_message();
  }
  grpc::Status unclaimed = directory_.Verify(a.name(), Pic("123456789"), nullptr);
  EXPECT_EQ(unclaimed.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(unclaimed), "IDENTIFIER_NOT_CLAIMED");
  EXPECT_EQ(MetadataOf(unclaimed, "field"), "identifier");
  EXPECT_NE(unclaimed.error_message().find("identifier"), std::string::npos);
  EXPECT_EQ(
      directory_.Verify("organisations/01jdz5c7m3aaaaaaaaaaaaaaaa", Pic(), nullptr).error_code(),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(directory_.MustGet(a.name()).etag(), a.etag());
}

TEST_F(OrganisationIdentifiersTest, StatesAreOutputOnlyAndAnUpdateKeepsThoseOfKeptClaims) {
  Organisation claimed = testing::seeds::UrzadMarszalkowski();
  claimed.mutable_identifiers(0)->set_state(Identifier::VERIFIED);  // ignored
  const Organisation a = directory_.MustCreate(claimed);
  EXPECT_EQ(a.identifiers(0).state(), Identifier::UNVERIFIED);
  Organisation verified;
  ASSERT_TRUE(directory_.Verify(a.name(), Pic(), &verified).ok());

  // Another field changes: the claim stays verified.
  Organisation patch;
  patch.set_name(a.name());
  patch.set_city("Bydgoszcz");
  Organisation updated;
  ASSERT_TRUE(directory_.Update(patch, "city", &updated).ok());
  EXPECT_EQ(updated.identifiers(0).state(), Identifier::VERIFIED);

  // A new claim is UNVERIFIED whatever it says, a kept one keeps its state and time.
  patch.clear_city();
  Identifier vat;
  vat.set_scheme("VAT");
  vat.set_value("PL9562307984");
  vat.set_state(Identifier::VERIFIED);
  *patch.add_identifiers() = vat;
  *patch.add_identifiers() = Pic();
  patch.mutable_identifiers(1)->set_state(Identifier::UNVERIFIED);
  ASSERT_TRUE(directory_.Update(patch, "identifiers", &updated).ok());
  ASSERT_EQ(updated.identifiers_size(), 2);
  EXPECT_EQ(updated.identifiers(0).scheme(), "VAT");
  EXPECT_EQ(updated.identifiers(0).state(), Identifier::UNVERIFIED);
  EXPECT_EQ(updated.identifiers(1).state(), Identifier::VERIFIED);
  EXPECT_EQ(updated.identifiers(1).verify_time().seconds(),
            verified.identifiers(0).verify_time().seconds());

  // A dropped claim is gone: claimed again, it starts UNVERIFIED.
  patch.clear_identifiers();
  *patch.add_identifiers() = vat;
  ASSERT_TRUE(directory_.Update(patch, "identifiers", &updated).ok());
  *patch.add_identifiers() = Pic();
  ASSERT_TRUE(directory_.Update(patch, "identifiers", &updated).ok());
  EXPECT_EQ(updated.identifiers(1).state(), Identifier::UNVERIFIED);
}

TEST_F(OrganisationIdentifiersTest, AVerificationIsStreamedAsAnUpdate) {
  const Organisation a = directory_.MustCreate(testing::seeds::UrzadMarszalkowski());
  Organisation verified;
  ASSERT_TRUE(directory_.Verify(a.name(), Pic(), &verified).ok());
  auto watch = directory_.Watch();
  std::vector<OrganisationChange> changes = watch->Await(2);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[1].type(), OrganisationChange::UPDATED);
  EXPECT_EQ(changes[1].organisation().etag(), verified.etag());
  EXPECT_EQ(changes[1].organisation().identifiers(0).state(), Identifier::VERIFIED);
}

TEST_F(OrganisationIdentifiersTest, VerifiedOnlySearchFindsOrganisationsWithAVerifiedIdentifier) {
  const Organisation a = directory_.MustCreate(testing::seeds::UrzadMarszalkowski());
  const Organisation b = directory_.MustCreate(Impostor());
  const Organisation biser = directory_.MustCreate(testing::seeds::BiserGdansk());
  Organisation unclaimed = testing::seeds::BiserGdansk();
  unclaimed.set_display_name("Stowarzyszenie bez numeru");
  unclaimed.clear_identifiers();
  const Organisation none = directory_.MustCreate(unclaimed);
  ASSERT_TRUE(directory_.Verify(a.name(), Pic(), nullptr).ok());
  ASSERT_TRUE(directory_.Verify(biser.name(), biser.identifiers(0), nullptr).ok());

  v1::SearchOrganisationsRequest request;
  request.add_countries("PL");
  std::vector<std::string> all = directory_.Search(request);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()),
            (std::set<std::string>{a.name(), b.name(), biser.name(), none.name()}));
  request.set_verified_only(true);
  std::vector<std::string> verified = directory_.Search(request);
  EXPECT_EQ(std::set<std::string>(verified.begin(), verified.end()),
            (std::set<std::string>{a.name(), biser.name()}));
  request.set_query("Urząd");
  EXPECT_EQ(directory_.Search(request), std::vector<std::string>{a.name()});
}

// Migration 0007 on a database written before it: the identifiers there were unique, and
// nothing says who claimed them, so they are VERIFIED; new claims then go by the new rules.
TEST(OrganisationIdentifiersMigration, ExistingIdentifiersBecomeVerifiedClaims) {
  testing::TestDatabase db;
  {
    auto pool = pg::Pool::Create({.dsn = db.dsn(), .size = 1});
    ASSERT_TRUE(pool.ok()) << pool.status();
    const std::vector<pg::Migration>& all = Migrations();
    ASSERT_GE(all.size(), 7u);
    ASSERT_EQ(all[6].version, 7);
    const std::vector<pg::Migration> before(all.begin(), all.begin() + 6);
    ASSERT_TRUE(pg::Migrate(**pool, before).ok());
    ASSERT_TRUE((*pool)
                    ->Exec(pg::Statement(
                        "INSERT INTO organisations (id, display_name, kind, country, create_time,"
                        " update_time) VALUES ('01jdz5c7m3aaaaaaaaaaaaaaaa', 'Urząd',"
                        " 'REGIONAL_AUTHORITY', 'PL', now(), now())"))
                    .ok());
    ASSERT_TRUE((*pool)
                    ->Exec(pg::Statement("INSERT INTO organisation_identifiers (scheme, value,"
                                         " organisation_id, position) VALUES ('PIC', '949685493',"
                                         " '01jdz5c7m3aaaaaaaaaaaaaaaa', 0)"))
                    .ok());
    ASSERT_TRUE(pg::Migrate(**pool, all).ok());
    auto states = (*pool)->Exec(
        pg::Statement("SELECT state, verify_time IS NOT NULL FROM organisation_identifiers"));
    ASSERT_TRUE(states.ok()) << states.status();
    ASSERT_EQ(states->rows(), 1);
    EXPECT_EQ(states->GetString(0, 0), "VERIFIED");
    EXPECT_TRUE(states->GetBool(0, 1));

    // The schema itself holds the rules: one VERIFIED claim per identifier, one claim of
    // an identifier per organisation, any number of UNVERIFIED ones.
    ASSERT_TRUE((*pool)
                    ->Exec(pg::Statement(
                        "INSERT INTO organisations (id, display_name, kind, country, create_time,"
                        " update_time) VALUES ('01jdz5c7m3bbbbbbbbbbbbbbbb', 'Urząd (not really)',"
                        " 'REGIONAL_AUTHORITY', 'PL', now(), now())"))
                    .ok());
    const pg::Statement claim(
        "INSERT INTO organisation_identifiers (scheme, value, organisation_id, position, state,"
        " verify_time) VALUES ('PIC', '949685493', $1, 0, $2,"
        " CASE WHEN $2 = 'VERIFIED' THEN now() END)");
    EXPECT_EQ((*pool)->Exec(claim, "01jdz5c7m3bbbbbbbbbbbbbbbb", "VERIFIED").status().code(),
              absl::StatusCode::kAlreadyExists);
    EXPECT_EQ((*pool)->Exec(claim, "01jdz5c7m3aaaaaaaaaaaaaaaa", "UNVERIFIED").status().code(),
              absl::StatusCode::kAlreadyExists);
    EXPECT_TRUE((*pool)->Exec(claim, "01jdz5c7m3bbbbbbbbbbbbbbbb", "UNVERIFIED").ok());
    EXPECT_TRUE((*pool)
                    ->Exec(pg::Statement("DELETE FROM organisations WHERE id = $1"),
                           "01jdz5c7m3bbbbbbbbbbbbbbbb")
                    .ok());
  }

  Directory directory(db.dsn());
  Organisation found;
  ASSERT_TRUE(directory.Lookup(Pic(), &found).ok());
  EXPECT_EQ(found.name(), "organisations/01jdz5c7m3aaaaaaaaaaaaaaaa");
  EXPECT_EQ(found.identifiers(0).state(), Identifier::VERIFIED);
  EXPECT_TRUE(found.identifiers(0).has_verify_time());

  // A later claimant is let in, but cannot be verified over the migrated holder.
  const Organisation later = directory.MustCreate(testing::seeds::UrzadMarszalkowski());
  EXPECT_EQ(later.identifiers(0).state(), Identifier::UNVERIFIED);
  grpc::Status elsewhere = directory.Verify(later.name(), Pic(), nullptr);
  EXPECT_EQ(elsewhere.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(MetadataOf(elsewhere, "organisation"), found.name());
  ASSERT_TRUE(directory.Lookup(Pic(), &found).ok());
  EXPECT_EQ(found.name(), "organisations/01jdz5c7m3aaaaaaaaaaaaaaaa");
}

}  // namespace
}  // namespace coopnet::organisations
