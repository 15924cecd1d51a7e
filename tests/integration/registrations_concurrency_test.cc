// Registrations under concurrent load, through the real gRPC API on real PostgreSQL:
// however requests interleave, no event is overbooked, no quota exceeded, the waitlist
// stays a line (positions 1..N, no gaps, no repeats) and freed seats go to exactly as
// many registrations as they fit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/text_format.h"
#include "services/registrations/registration_desk.h"
#include "services/registrations/registration_rules.h"
#include "tests/harness/registrations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::registrations {
namespace {

using principal::Principal;
using testing::RegistrationsStack;
namespace org = organisations::v1;

// Starts one call of the callback API, which calls `done` when it ends.
template <typename Request, typename Response>
using StartCall = std::function<void(grpc::ClientContext*, const Request*, Response*,
                                     std::function<void(grpc::Status)>)>;

// Sends every request at once (each its own call, all in flight together), request i
// as callers[i], and waits for every answer.
template <typename Request, typename Response>
std::vector<grpc::Status> AllAtOnce(const std::vector<Request>& requests,
                                    std::vector<Response>& responses,
                                    const std::vector<Principal>& callers,
                                    const StartCall<Request, Response>& start) {
  const size_t n = requests.size();
  responses.assign(n, Response());
  std::vector<grpc::Status> statuses(n);
  std::vector<grpc::ClientContext> contexts(n);
  absl::Mutex mu;
  size_t pending = n;
  for (size_t i = 0; i < n; ++i) {
    RegistrationsStack::Sign(contexts[i], callers[i]);
    contexts[i].set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(50));
    start(&contexts[i], &requests[i], &responses[i], [&, i](grpc::Status s) {
      absl::MutexLock lock(&mu);
      statuses[i] = std::move(s);
      --pending;
    });
  }
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(
      +[](size_t* left) { return *left == 0; }, &pending));
  return statuses;
}

// The same, every request as `caller`.
template <typename Request, typename Response>
std::vector<grpc::Status> AllAtOnce(const std::vector<Request>& requests,
                                    std::vector<Response>& responses, const Principal& caller,
                                    const StartCall<Request, Response>& start) {
  return AllAtOnce(requests, responses, std::vector<Principal>(requests.size(), caller), start);
}

// One person of a free-text organisation of `kind`, or a group of `size`.
Registration Group(const std::string& tag, int size,
                   OrganisationKind kind = org::Organisation::ASSOCIATION) {
  Registration r;
  r.set_organisation_name(absl::StrCat("Organisation ", tag));
  r.set_organisation_country("PL");
  r.set_organisation_kind(kind);
  for (int i = 0; i < size; ++i) {
    v1::Participant& p = *r.add_participants();
    p.set_given_name("Uczestnik");
    p.set_family_name(absl::StrCat(tag, "-", i));
    p.set_email(absl::StrCat("p", i, ".", tag, "@forum.example.pl"));
  }
  return r;
}

class RegistrationsConcurrencyTest : public ::testing::Test {
 protected:
  RegistrationsConcurrencyTest()
      : stack_(organisations_db_.dsn(), events_db_.dsn(), registrations_db_.dsn(),
               testing::SharedRedisAddress(), {.workers = 8, .queue_capacity = 2048}),
        stub_(stack_.NewClient()) {
    organiser_ = stack_.CreateOrganisation(testing::seeds::UrzadMarszalkowski());
    event_ = stack_.PublishMeeting(organiser_);
  }

  Principal Organiser() const {
    return principal::ApiKey(organiser_, organiser_ + "/apiKeys/k",
                             {type::v1::SCOPE_READ, type::v1::SCOPE_WRITE});
  }

  std::vector<grpc::Status> CreateAll(const std::vector<Registration>& registrations,
                                      std::vector<Registration>& made,
                                      const std::string& request_id = "") {
    std::vector<v1::CreateRegistrationRequest> requests(registrations.size());
    for (size_t i = 0; i < registrations.size(); ++i) {
      requests[i].set_parent(event_);
      *requests[i].mutable_registration() = registrations[i];
      requests[i].set_request_id(request_id);
    }
    return AllAtOnce<v1::CreateRegistrationRequest, Registration>(
        requests, made, principal::Anonymous(),
        [&](auto* c, auto* request, auto* response, auto done) {
          stub_->async()->CreateRegistration(c, request, response, std::move(done));
        });
  }

  std::vector<grpc::Status> CancelAll(const std::vector<std::string>& names) {
    std::vector<v1::CancelRegistrationRequest> requests(names.size());
    for (size_t i = 0; i < names.size(); ++i) requests[i].set_name(names[i]);
    std::vector<Registration> cancelled;
    return AllAtOnce<v1::CancelRegistrationRequest, Registration>(
        requests, cancelled, Organiser(), [&](auto* c, auto* request, auto* response, auto done) {
          stub_->async()->CancelRegistration(c, request, response, std::move(done));
        });
  }

  // Every registration of the event, in creation order.
  std::vector<Registration> All() {
    std::vector<Registration> all;
    v1::ListRegistrationsRequest request;
    request.set_parent(event_);
    request.set_page_size(500);
    do {
      grpc::ClientContext context;
      RegistrationsStack::Sign(context, Organiser());
      v1::ListRegistrationsResponse page;
      const grpc::Status s = stub_->ListRegistrations(&context, request, &page);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      all.insert(all.end(), page.registrations().begin(), page.registrations().end());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return all;
  }

  RegistrationPolicy Policy() {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, Organiser());
    v1::GetRegistrationPolicyRequest request;
    request.set_name(event_ + "/registrationPolicy");
    RegistrationPolicy policy;
    EXPECT_TRUE(stub_->GetRegistrationPolicy(&context, request, &policy).ok());
    return policy;
  }

  // The waitlist positions of `registrations`, sorted.
  static std::vector<int> Positions(const std::vector<Registration>& registrations) {
    std::vector<int> positions;
    for (const Registration& r : registrations) {
      if (r.state() == Registration::WAITLISTED) positions.push_back(r.waitlist_position());
    }
    std::sort(positions.begin(), positions.end());
    return positions;
  }

  static std::vector<int> OneTo(int n) {
    std::vector<int> line(n);
    for (int i = 0; i < n; ++i) line[i] = i + 1;
    return line;
  }

  // What the service's own ledger says must agree with the registrations: seats taken
  // per pool within its limit and equal to the confirmed groups, every waitlisted group
  // too large for the seats its pool has free, and the line numbered 1..N.
  void ExpectConsistent(const RegistrationPolicy& policy) {
    const std::vector<Registration> all = All();
    const std::vector<int> seats = PoolSeats(policy);
    std::vector<int> confirmed(seats.size(), 0);
    int waitlisted = 0;
    for (const Registration& r : all) {
      const int pool = PoolOf(policy, r);
      if (r.state() == Registration::CONFIRMED) confirmed[pool] += r.participants_size();
      if (r.state() == Registration::WAITLISTED) waitlisted += r.participants_size();
    }
    int total = 0;
    for (size_t pool = 0; pool < seats.size(); ++pool) {
      EXPECT_LE(confirmed[pool], seats[pool]) << "pool " << pool;
      total += confirmed[pool];
    }
    EXPECT_LE(total, policy.capacity());
    for (const Registration& r : all) {
      if (r.state() != Registration::WAITLISTED) continue;
      const int pool = PoolOf(policy, r);
      EXPECT_GT(r.participants_size(), seats[pool] - confirmed[pool])
          << r.name() << " waits although its group fits pool " << pool;
    }
    const std::vector<int> positions = Positions(all);
    EXPECT_EQ(positions, OneTo(static_cast<int>(positions.size())));
    const v1::SeatSummary summary = Policy().seats();
    EXPECT_EQ(summary.confirmed(), total);
    EXPECT_EQ(summary.waitlisted(), waitlisted);
    for (int i = 0; i < summary.quotas_size(); ++i) {
      EXPECT_EQ(summary.quotas(i).confirmed(), confirmed[1 + i]) << "quota " << i;
    }
  }

  testing::TestDatabase organisations_db_;
  testing::TestDatabase events_db_;
  testing::TestDatabase registrations_db_;
  RegistrationsStack stack_;
  std::unique_ptr<v1::RegistrationService::Stub> stub_;
  std::string organiser_;
  std::string event_;
};

TEST_F(RegistrationsConcurrencyTest, FiveHundredAtOnceForFiftySeatsThenAHundredCancellations) {
  RegistrationPolicy fifty;
  fifty.set_capacity(50);
  fifty.set_waitlist_enabled(true);
  const RegistrationPolicy policy = stack_.SetPolicy(event_, fifty);
  std::vector<Registration> people;
  for (int i = 0; i < 500; ++i) people.push_back(Group(absl::StrCat(i), 1));
  std::vector<Registration> made;
  const std::vector<grpc::Status> statuses = CreateAll(people, made);
  for (const grpc::Status& s : statuses) ASSERT_TRUE(s.ok()) << s.error_message();

  int confirmed = 0;
  for (const Registration& r : made) confirmed += r.state() == Registration::CONFIRMED;
  EXPECT_EQ(confirmed, 50);
  // The answers, and the registrations as stored, number the line 1..450.
  EXPECT_EQ(Positions(made), OneTo(450));
  const std::vector<Registration> before = All();
  ASSERT_EQ(before.size(), 500u);
  EXPECT_EQ(Positions(before), OneTo(450));
  ExpectConsistent(policy);

  // A hundred cancellations at once: 30 seats and 70 places in line given back.
  std::vector<std::string> cancel;
  std::set<std::string> cancelled;
  std::map<int, std::string> line;  // position -> registration
  int seats_freed = 0;
  for (const Registration& r : before) {
    if (r.state() == Registration::CONFIRMED && seats_freed < 30) {
      cancel.push_back(r.name());
      ++seats_freed;
    } else if (r.state() == Registration::WAITLISTED) {
      line[r.waitlist_position()] = r.name();
    }
  }
  for (int position = 3; static_cast<int>(cancel.size()) < 100; position += 6) {
    cancel.push_back(line.at(position));
  }
  cancelled.insert(cancel.begin(), cancel.end());
  for (const grpc::Status& s : CancelAll(cancel)) ASSERT_TRUE(s.ok()) << s.error_message();

  // Exactly 30 promotions, and they are the first 30 still in line.
  std::vector<std::string> expected_promoted;
  for (const auto& [position, name] : line) {
    if (cancelled.count(name) == 0 && expected_promoted.size() < 30) {
      expected_promoted.push_back(name);
    }
  }
  std::set<std::string> was_confirmed;
  for (const Registration& r : before) {
    if (r.state() == Registration::CONFIRMED) was_confirmed.insert(r.name());
  }
  std::vector<std::string> promoted;
  int waiting = 0;
  for (const Registration& r : All()) {
    if (r.state() == Registration::CONFIRMED && was_confirmed.count(r.name()) == 0) {
      promoted.push_back(r.name());
    }
    waiting += r.state() == Registration::WAITLISTED;
  }
  std::sort(promoted.begin(), promoted.end());
  std::sort(expected_promoted.begin(), expected_promoted.end());
  EXPECT_EQ(promoted, expected_promoted);
  EXPECT_EQ(waiting, 450 - 70 - 30);
  ExpectConsistent(policy);
}

TEST_F(RegistrationsConcurrencyTest, MixedGroupsUnderLoadNeverExceedCapacityOrQuota) {
  RegistrationPolicy policy;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        capacity: 60
        waitlist_enabled: true
        max_group_size: 4
        self_declared_kind: COUNTS
        quotas {
          organisation_kinds: [ MUNICIPALITY, REGIONAL_AUTHORITY ]
          seats: 20
        }
        quotas {
          organisation_kinds: [ NGO ]
          seats: 25
        }
      )pb",
      &policy));
  policy = stack_.SetPolicy(event_, policy);
  const OrganisationKind kinds[] = {org::Organisation::MUNICIPALITY, org::Organisation::NGO,
                                    org::Organisation::FOUNDATION,
                                    org::Organisation::REGIONAL_AUTHORITY};
  auto wave = [&](int first, int count) {
    std::vector<Registration> groups;
    for (int i = first; i < first + count; ++i) {
      groups.push_back(Group(absl::StrCat("w", i), 1 + (i / 4 + i) % 4, kinds[i % 4]));
    }
    return groups;
  };
  std::vector<Registration> made;
  for (const grpc::Status& s : CreateAll(wave(0, 200), made)) {
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ExpectConsistent(policy);

  // More groups arrive while confirmed ones cancel.
  std::vector<std::string> leaving;
  for (const Registration& r : made) {
    if (r.state() == Registration::CONFIRMED && leaving.size() < 15) leaving.push_back(r.name());
  }
  std::vector<grpc::Status> cancel_statuses;
  std::thread cancelling([&] { cancel_statuses = CancelAll(leaving); });
  std::vector<Registration> more;
  for (const grpc::Status& s : CreateAll(wave(200, 100), more)) {
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  cancelling.join();
  for (const grpc::Status& s : cancel_statuses) ASSERT_TRUE(s.ok()) << s.error_message();
  ExpectConsistent(policy);
  // Every pool has single people waiting, so every seat is taken.
  EXPECT_EQ(Policy().seats().confirmed(), 60);
}

TEST_F(RegistrationsConcurrencyTest, ReplicasSharingTheDatabaseNeverOverbook) {
  // Two more desks stand for two more replicas: each remembers the ledger as its own
  // batches left it, and only the ledger row stands between them. Some registrations go
  // straight to the store, the way a desk's careful path does.
  RegistrationPolicy policy;
  policy.set_capacity(30);
  policy.set_waitlist_enabled(true);
  stack_.SetPolicy(event_, policy);
  Process& process = stack_.process();
  RegistrationDesk second(*process.store, {});
  RegistrationDesk third(*process.store, {});
  RegistrationDesk* desks[] = {process.desk.get(), &second, &third};
  absl::StatusOr<EventFacts> event =
      process.directory->Event(event_, absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(event.ok()) << event.status();
  std::vector<std::thread> replicas;
  std::atomic<int> confirmed{0};
  std::atomic<int> failures{0};
  for (int t = 0; t < 16; ++t) {
    replicas.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        Application application;
        application.event_id = event_.substr(event_.find('/') + 1);
        application.registration = Group(absl::StrCat("r", t, "-", i), 1);
        application.event = *event;
        absl::StatusOr<Registration> made;
        if (t % 4 == 3) {
          const Application* one[] = {&application};
          std::vector<absl::StatusOr<Registration>> results;
          const absl::Status s = process.store->Admit(one, results);
          made = s.ok() ? results[0] : absl::StatusOr<Registration>(s);
        } else {
          made = desks[t % 4]->Register(application);
        }
        if (!made.ok()) {
          ++failures;
        } else if (made->state() == Registration::CONFIRMED) {
          ++confirmed;
        }
      }
    });
  }
  for (std::thread& replica : replicas) replica.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(confirmed.load(), 30);
  ExpectConsistent(policy);
}

// The InterEkip forum's quotas: 80 seats for local governments, 80 for NGOs, nothing
// else, and a waitlist of 300 (so that most of 2,000 are refused).
RegistrationPolicy ForumPolicy(RegistrationPolicy::SelfDeclaredKind self_declared) {
  RegistrationPolicy policy;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        capacity: 160
        waitlist_enabled: true
        waitlist_limit: 300
        quotas {
          organisation_kinds: [ MUNICIPALITY, REGIONAL_AUTHORITY ]
          seats: 80
        }
        quotas {
          organisation_kinds: [ NGO, ASSOCIATION, FOUNDATION ]
          seats: 80
        }
      )pb",
      &policy));
  policy.set_self_declared_kind(self_declared);
  return policy;
}

class MixedRegistrantsTest : public RegistrationsConcurrencyTest {
 protected:
  static constexpr int kCalls = 2000;

  // Ten local governments and ten NGOs in the directory, each with its own key.
  MixedRegistrantsTest() {
    const OrganisationKind kinds[] = {org::Organisation::MUNICIPALITY, org::Organisation::NGO,
                                      org::Organisation::REGIONAL_AUTHORITY,
                                      org::Organisation::ASSOCIATION};
    for (int i = 0; i < 20; ++i) {
      org::Organisation o = testing::seeds::BiserGdansk();
      o.clear_identifiers();
      o.set_display_name(absl::StrCat("Członek ", i));
      o.set_kind(kinds[i % 4]);
      directory_.push_back(stack_.CreateOrganisation(o));
    }
  }

  // kCalls registrations of one person at once: every third a free-text organisation
  // (declaring one of the quotas' kinds), the rest a
  // directory organisation sent with its own key. `made` and the statuses by call.
  std::vector<grpc::Status> Rush(std::vector<Registration>& made) {
    const OrganisationKind declared[] = {org::Organisation::MUNICIPALITY, org::Organisation::NGO,
                                         org::Organisation::FOUNDATION,
                                         org::Organisation::REGIONAL_AUTHORITY};
    std::vector<v1::CreateRegistrationRequest> requests(kCalls);
    std::vector<Principal> callers;
    for (int i = 0; i < kCalls; ++i) {
      requests[i].set_parent(event_);
      Registration& r = *requests[i].mutable_registration();
      if (i % 3 == 0) {
        r = Group(absl::StrCat("f", i), 1, declared[(i / 3) % 4]);
        callers.push_back(principal::Anonymous(absl::StrCat("198.51.100.", i % 250)));
      } else {
        const std::string& own = directory_[i % directory_.size()];
        r = Group(absl::StrCat("d", i), 1);
        r.clear_organisation_name();
        r.clear_organisation_country();
        r.clear_organisation_kind();
        r.set_organisation(own);
        callers.push_back(
            principal::ApiKey(own, own + "/apiKeys/k", {type::v1::SCOPE_REGISTRATIONS}));
      }
    }
    return AllAtOnce<v1::CreateRegistrationRequest, Registration>(
        requests, made, callers, [&](auto* c, auto* request, auto* response, auto done) {
          stub_->async()->CreateRegistration(c, request, response, std::move(done));
        });
  }

  // Confirmed participants per kind, from the statistics.
  std::map<OrganisationKind, int> ConfirmedByKind() {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, Organiser());
    v1::GetEventStatisticsRequest request;
    request.set_name(event_ + "/registrationStatistics");
    v1::EventStatistics statistics;
    const grpc::Status s = stub_->GetEventStatistics(&context, request, &statistics);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::map<OrganisationKind, int> confirmed;
    for (const auto& count : statistics.organisation_kinds()) {
      confirmed[count.organisation_kind()] = count.participants();
    }
    return confirmed;
  }

  std::vector<std::string> directory_;
};

// Tallies of a rush's answers.
struct Outcome {
  std::map<Registration::State, int> states;
  int refused = 0;
};

Outcome Tally(const std::vector<grpc::Status>& statuses, const std::vector<Registration>& made) {
  Outcome outcome;
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (statuses[i].ok()) {
      ++outcome.states[made[i].state()];
    } else {
      EXPECT_EQ(statuses[i].error_code(), grpc::StatusCode::FAILED_PRECONDITION)
          << statuses[i].error_message();
      ++outcome.refused;
    }
  }
  return outcome;
}

TEST_F(MixedRegistrantsTest, TwoThousandAtOnceFillEveryQuotaExactlyWhenSelfDeclaredKindsCount) {
  const RegistrationPolicy policy =
      stack_.SetPolicy(event_, ForumPolicy(RegistrationPolicy::COUNTS));
  std::vector<Registration> made;
  const Outcome outcome = Tally(Rush(made), made);
  // No shared seats: the 160 go to the two quotas' kinds, 80 each; the waitlist takes its
  // 300 and the rest are refused.
  EXPECT_EQ(outcome.states.at(Registration::CONFIRMED), 160);
  EXPECT_EQ(outcome.states.at(Registration::WAITLISTED), 300);
  EXPECT_EQ(outcome.refused, kCalls - 460);
  EXPECT_EQ(outcome.states.count(Registration::PENDING_APPROVAL), 0u);
  std::map<OrganisationKind, int> confirmed = ConfirmedByKind();
  EXPECT_EQ(
      confirmed[org::Organisation::MUNICIPALITY] + confirmed[org::Organisation::REGIONAL_AUTHORITY],
      80);
  EXPECT_EQ(confirmed[org::Organisation::NGO] + confirmed[org::Organisation::ASSOCIATION] +
                confirmed[org::Organisation::FOUNDATION],
            80);
  ExpectConsistent(policy);
}

TEST_F(MixedRegistrantsTest, SelfDeclaredKindsNeedingApprovalHoldNoQuotaSeats) {
  const RegistrationPolicy policy =
      stack_.SetPolicy(event_, ForumPolicy(RegistrationPolicy::NEEDS_APPROVAL));
  std::vector<Registration> made;
  const std::vector<grpc::Status> statuses = Rush(made);
  const Outcome outcome = Tally(statuses, made);
  int free_text = 0;
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (i % 3 != 0) continue;
    ++free_text;
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    EXPECT_EQ(made[i].state(), Registration::PENDING_APPROVAL) << made[i].name();
  }
  // Every seat is the directory organisations', every free-text registration waits.
  EXPECT_EQ(outcome.states.at(Registration::PENDING_APPROVAL), free_text);
  EXPECT_EQ(outcome.states.at(Registration::CONFIRMED), 160);
  EXPECT_EQ(outcome.states.at(Registration::WAITLISTED), 300);
  EXPECT_EQ(outcome.refused, kCalls - free_text - 460);
  std::map<OrganisationKind, int> confirmed = ConfirmedByKind();
  EXPECT_EQ(confirmed[org::Organisation::FOUNDATION], 0);
  EXPECT_EQ(
      confirmed[org::Organisation::MUNICIPALITY] + confirmed[org::Organisation::REGIONAL_AUTHORITY],
      80);
  EXPECT_EQ(confirmed[org::Organisation::NGO] + confirmed[org::Organisation::ASSOCIATION], 80);
  ExpectConsistent(policy);
}

TEST_F(RegistrationsConcurrencyTest, OneRequestIdSentTwentyTimesAtOnceMakesOneRegistration) {
  RegistrationPolicy policy;
  policy.set_capacity(10);
  stack_.SetPolicy(event_, policy);
  const std::vector<Registration> same(20, Group("retry", 2));
  std::vector<Registration> made;
  const std::vector<grpc::Status> statuses = CreateAll(same, made, "zgloszenie-7f3a");
  for (const grpc::Status& s : statuses) ASSERT_TRUE(s.ok()) << s.error_message();
  for (const Registration& r : made) {
    EXPECT_EQ(r.name(), made[0].name());
    EXPECT_EQ(r.manage_token(), made[0].manage_token());
  }
  EXPECT_EQ(All().size(), 1u);
  EXPECT_EQ(Policy().seats().confirmed(), 2);
}

}  // namespace
}  // namespace coopnet::registrations
