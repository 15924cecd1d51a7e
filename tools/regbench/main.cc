// regbench: how many registrations a second the registrations service takes, how fast
// it exports them, and whether anything was overbooked.
//
//   regbench seed --organisations_address=... --events_address=... --address=...
//                 --principal_keys=... [--events=50] [--participants=10000]
//     registers Kofoeds Skole as organiser and publishes, through the services, --events
//     events and a hot one (seats enough that no run fills them, waitlist on), and an
//     event filled with --participants participants in groups of ten, to export.
//     Prints what the other commands take:
//       organiser=organisations/... events=events/a,events/b,... hot_event=events/...
//       export_event=events/...
//   regbench register --address=... --principal_keys=... --events=events/a,...
//     CreateRegistration of one new person at a time for a random one of --events (one
//     event: every call for the same seat row).
//   regbench export --address=... --principal_keys=... --event=events/...
//     ExportRegistrations of the event's CSV, read to its end, as an administrator.
//   regbench check --events_address=... --address=... --principal_keys=...
//                  --organiser=organisations/... --pg_dsn=...
//     fills an event of 100 seats with 1,000 callers at once, then checks every event in
//     the registrations database: confirmed participants within capacity and equal to
//     what the seat ledger says. Exit 1 when anything was overbooked.
// The measuring commands print one line per concurrency (--concurrency=1,16,64):
//
//   scenario=create_registration concurrency=16 qps=812 p50_us=18120 p95_us=30100 p99_us=41020
//
// pgbench runs the same SQL shape beside them: pgbench_schema.sql makes its tables,
// pgbench_registration.sql is a registration's seat step (a conditional seat UPDATE and
// an INSERT in one transaction), pgbench_export.sql reads what an export reads.
// tools/bench runs all of it against a stack of its own.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/config/config.h"
#include "common/pg/pool.h"
#include "common/status/status.h"
#include "coopnet/events/v1/events.grpc.pb.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "coopnet/registrations/v1/registrations.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "tests/harness/event_seeds.h"
#include "tests/harness/seeds.h"
#include "tools/cli/call.h"
#include "tools/loadgen/measure.h"
#include "tools/loadgen/program.h"

namespace coopnet::regbench {
namespace {

using registrations::v1::CreateRegistrationRequest;
using registrations::v1::RegistrationPolicy;

constexpr char kCreateRegistration[] =
    "/coopnet.registrations.v1.RegistrationService/CreateRegistration";
// Large enough that no measured run fills an event: the service and pgbench do the same
// work throughout.
constexpr int kUnfillable = 1000000;
constexpr int kGroup = 10;

// Sync calls as an administrator, for seeding and checking.
class Admin {
 public:
  explicit Admin(const principal::KeySet& keys)
      : signer_(keys.keys().front(), keys.keys().front().issuer) {}

  template <typename Stub, typename Request, typename Response>
  absl::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    Stub& stub, const Request& request, Response& response, absl::string_view what,
                    absl::string_view audience) const {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    signer_.Attach(principal::Admin(), audience, context);
    const grpc::Status s = (stub.*method)(&context, request, &response);
    if (!s.ok()) return absl::UnavailableError(absl::StrCat(what, ": ", s.error_message()));
    return absl::OkStatus();
  }

 private:
  principal::Signer signer_;
};

template <typename Service>
std::unique_ptr<typename Service::Stub> StubOf(const std::string& address) {
  return Service::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

// The Copenhagen info meeting `days_ahead` days from now, created, published, and open
// for registration with `policy`.
absl::StatusOr<std::string> PublishMeeting(const Admin& admin,
                                           events::v1::EventService::Stub& events,
                                           registrations::v1::RegistrationService::Stub& desk,
                                           const std::string& organiser, int days_ahead,
                                           const RegistrationPolicy& policy) {
  using google::protobuf::util::TimeUtil;
  events::v1::CreateEventRequest create;
  *create.mutable_event() = testing::seeds::CopenhagenInfoMeeting(organiser);
  const absl::Time start = absl::Now() + absl::Hours(24 * days_ahead);
  *create.mutable_event()->mutable_start_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(start));
  *create.mutable_event()->mutable_end_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(start + absl::Hours(2)));
  events::v1::Event created;
  COOPNET_RETURN_IF_ERROR(admin.Call(&events::v1::EventService::Stub::CreateEvent, events, create,
                                     created, "CreateEvent", "events"));
  events::v1::PublishEventRequest publish;
  publish.set_name(created.name());
  events::v1::Event published;
  COOPNET_RETURN_IF_ERROR(admin.Call(&events::v1::EventService::Stub::PublishEvent, events, publish,
                                     published, "PublishEvent", "events"));
  registrations::v1::UpdateRegistrationPolicyRequest update;
  *update.mutable_policy() = policy;
  update.mutable_policy()->set_name(absl::StrCat(created.name(), "/registrationPolicy"));
  // Every field. Built as a std::string: GCC 12 warns falsely (-Wrestrict) about
  // add_paths("*") once inlined here.
  update.mutable_update_mask()->mutable_paths()->Add(std::string(1, '*'));
  RegistrationPolicy updated;
  COOPNET_RETURN_IF_ERROR(
      admin.Call(&registrations::v1::RegistrationService::Stub::UpdateRegistrationPolicy, desk,
                 update, updated, "UpdateRegistrationPolicy", "registrations"));
  return created.name();
}

// Registrations of new people (a group of `group_size` each), each for one of `events`
// scattered by call number; every address is new, across runs and processes.
loadgen::RequestSource Registrations(std::vector<std::string> events, int group_size) {
  static std::atomic<int64_t> people{0};
  const std::string prefix =
      absl::StrCat("p", absl::ToUnixSeconds(absl::Now()), "-", getpid(), "-");
  return [events = std::move(events), group_size, prefix](int64_t n) {
    CreateRegistrationRequest request;
    // Knuth's multiplicative hash: neighbouring calls go to unrelated events.
    request.set_parent(events[(static_cast<uint64_t>(n) * 2654435761u) % events.size()]);
    registrations::v1::Registration& r = *request.mutable_registration();
    r.set_organisation_name("Foreningen Grøn Hverdag");
    r.set_organisation_country("DK");
    for (int i = 0; i < group_size; ++i) {
      registrations::v1::Participant& p = *r.add_participants();
      p.set_given_name("Mette");
      p.set_family_name("Holm");
      p.set_email(absl::StrCat(prefix, people.fetch_add(1), "@bench.example"));
    }
    return cli::ToBuffer(request);
  };
}

struct Stack {
  std::string organisations_address;
  std::string events_address;
  std::string registrations_address;
  principal::KeySet keys;
};

absl::Status Seed(const Stack& stack, int spread, int participants) {
  const Admin admin(stack.keys);
  auto organisations = StubOf<organisations::v1::OrganisationService>(stack.organisations_address);
  auto events = StubOf<events::v1::EventService>(stack.events_address);
  auto desk = StubOf<registrations::v1::RegistrationService>(stack.registrations_address);
  organisations::v1::CreateOrganisationRequest create;
  *create.mutable_organisation() = testing::seeds::KofoedsSkole();
  organisations::v1::Organisation organiser;
  COOPNET_RETURN_IF_ERROR(
      admin.Call(&organisations::v1::OrganisationService::Stub::CreateOrganisation, *organisations,
                 create, organiser, "CreateOrganisation", "organisations"));
  RegistrationPolicy open;
  open.set_capacity(kUnfillable);
  open.set_waitlist_enabled(true);
  std::vector<std::string> spread_events;
  for (int i = 0; i < spread; ++i) {
    COOPNET_ASSIGN_OR_RETURN(std::string event,
                             PublishMeeting(admin, *events, *desk, organiser.name(), 30 + i, open));
    spread_events.push_back(event);
  }
  COOPNET_ASSIGN_OR_RETURN(std::string hot,
                           PublishMeeting(admin, *events, *desk, organiser.name(), 29, open));
  COOPNET_ASSIGN_OR_RETURN(std::string exported,
                           PublishMeeting(admin, *events, *desk, organiser.name(), 28, open));

  // The event to export, filled by 16 callers.
  const loadgen::Workload fill{
      .method = kCreateRegistration,
      .request = Registrations({exported}, kGroup),
      .metadata = loadgen::SignedCaller(stack.keys, principal::Anonymous("192.0.2.44"))};
  const loadgen::Figures filled =
      loadgen::Run(loadgen::Channels(stack.registrations_address, 4), fill,
                   {.concurrency = 16,
                    .duration = absl::InfiniteDuration(),
                    .calls = (participants + kGroup - 1) / kGroup});
  if (filled.errors > 0) {
    return absl::UnavailableError(absl::StrCat("filling the event to export: ", filled.errors,
                                               " registrations failed, the "
                                               "first with ",
                                               filled.first_error));
  }
  std::printf("organiser=%s\nevents=%s\nhot_event=%s\nexport_event=%s\n", organiser.name().c_str(),
              absl::StrJoin(spread_events, ",").c_str(), hot.c_str(), exported.c_str());
  return absl::OkStatus();
}

// Every event's confirmed participants against its capacity and its seat ledger; the
// events that break either.
absl::StatusOr<std::vector<std::string>> Overbooked(pg::Pool& pool) {
  const pg::Statement kCheck{
      "SELECT l.event_id, l.pool_seats[1], l.pool_confirmed[1],"
      "  coalesce(sum(r.participant_count) FILTER (WHERE r.state = 'CONFIRMED'), 0)"
      " FROM event_ledgers l LEFT JOIN registrations r ON r.event_id = l.event_id"
      " GROUP BY l.event_id, l.pool_seats, l.pool_confirmed"};
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool.Exec(kCheck));
  std::vector<std::string> broken;
  for (int row = 0; row < r.rows(); ++row) {
    const int64_t seats = r.GetInt64(row, 1);
    const int64_t ledger = r.GetInt64(row, 2);
    const int64_t confirmed = r.GetInt64(row, 3);
    if (confirmed > seats || confirmed != ledger) {
      broken.push_back(absl::StrCat(r.GetString(row, 0), " seats=", seats, " ledger=", ledger,
                                    " confirmed=", confirmed));
    }
  }
  std::printf("check=overbooking events=%d overbooked=%zu\n", r.rows(), broken.size());
  return broken;
}

// A full house: 1,000 callers at once for 100 seats; then every event checked.
absl::StatusOr<bool> Check(const Stack& stack, const std::string& organiser,
                           const std::string& dsn) {
  const Admin admin(stack.keys);
  auto events = StubOf<events::v1::EventService>(stack.events_address);
  auto desk = StubOf<registrations::v1::RegistrationService>(stack.registrations_address);
  RegistrationPolicy small;
  small.set_capacity(100);
  small.set_waitlist_enabled(true);
  COOPNET_ASSIGN_OR_RETURN(std::string full,
                           PublishMeeting(admin, *events, *desk, organiser, 90, small));
  const loadgen::Workload rush{
      .method = kCreateRegistration,
      .request = Registrations({full}, 1),
      .metadata = loadgen::SignedCaller(stack.keys, principal::Anonymous("192.0.2.45"))};
  const loadgen::Figures rushed =
      loadgen::Run(loadgen::Channels(stack.registrations_address, 4), rush,
                   {.concurrency = 1000, .duration = absl::InfiniteDuration(), .calls = 1000});
  registrations::v1::GetRegistrationPolicyRequest get;
  get.set_name(absl::StrCat(full, "/registrationPolicy"));
  RegistrationPolicy policy;
  COOPNET_RETURN_IF_ERROR(
      admin.Call(&registrations::v1::RegistrationService::Stub::GetRegistrationPolicy, *desk, get,
                 policy, "GetRegistrationPolicy", "registrations"));
  std::printf(
      "check=full_house callers=1000 seats=100 answered=%lld refused=%lld confirmed=%d "
      "waitlisted=%d\n",
      static_cast<long long>(rushed.calls), static_cast<long long>(rushed.errors),
      policy.seats().confirmed(), policy.seats().waitlisted());
  if (rushed.errors > 0)
    std::fprintf(stderr, "regbench: first refusal: %s\n", rushed.first_error.c_str());
  COOPNET_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool,
                           pg::Pool::Create({.dsn = dsn, .size = 1}));
  COOPNET_ASSIGN_OR_RETURN(std::vector<std::string> broken, Overbooked(*pool));
  for (const std::string& event : broken) std::printf("overbooked %s\n", event.c_str());
  return broken.empty() && policy.seats().confirmed() <= 100;
}

int Main(int argc, char** argv) {
  loadgen::Program program("regbench", {"seed", "register", "export", "check"});
  config::Loader& options = program.options();
  const std::string& organisations_address =
      options.String("organisations_address", "", "seed: the organisations process");
  const std::string& events_address =
      options.String("events_address", "", "seed, check: the events process");
  const int64_t& spread = options.Int("events", 50, "seed: events to spread registrations over");
  const int64_t& participants =
      options.Int("participants", 10000, "seed: participants of the event to export");
  const std::string& event_list = options.String(
      "event", "", "register: the events to register for, comma-separated; export: the event");
  const std::string& organiser = options.String("organiser", "", "check: the events' organiser");
  const std::string& pg_dsn = options.String("pg_dsn", "", "check: the registrations database");
  loadgen::Measurement measurement(options);
  if (!program.Start(argc, argv)) return program.exit_code();
  absl::Status s = measurement.Check();
  if (s.ok() && !measurement.principal_keys()) {
    s = absl::InvalidArgumentError("--principal_keys is required");
  }
  if (!s.ok()) return program.Exit(s, 2);
  const Stack stack{.organisations_address = organisations_address,
                    .events_address = events_address,
                    .registrations_address = measurement.address(),
                    .keys = *measurement.principal_keys()};
  const std::string& command = program.command();
  if (command == "seed") {
    return program.Exit(Seed(stack, static_cast<int>(spread), static_cast<int>(participants)));
  }
  if (command == "check") {
    absl::StatusOr<bool> held = Check(stack, organiser, pg_dsn);
    if (!held.ok()) return program.Exit(held.status());
    return *held ? 0 : 1;
  }
  const std::vector<std::string> events = absl::StrSplit(event_list, ',', absl::SkipEmpty());
  if (events.empty()) {
    return program.Exit(absl::InvalidArgumentError(absl::StrCat(command, " needs --event")), 2);
  }
  if (command == "register") {
    loadgen::Workload registrations{
        .method = kCreateRegistration,
        .request = Registrations(events, 1),
        .metadata = measurement.Caller(principal::Anonymous("192.0.2.46"))};
    return measurement.Measure(registrations, "create_registration");
  }
  registrations::v1::ExportRegistrationsRequest request;
  request.set_parent(events[0]);
  loadgen::Workload exports{
      .method = "/coopnet.registrations.v1.RegistrationService/ExportRegistrations",
      .server_streaming = true,
      .request = loadgen::Cycle(std::vector{request}),
      .metadata = measurement.Caller(principal::Admin())};
  return measurement.Measure(exports, "export_registrations");
}

}  // namespace
}  // namespace coopnet::regbench

int main(int argc, char** argv) { return coopnet::regbench::Main(argc, argv); }
