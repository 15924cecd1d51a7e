#include "services/registrations/process.h"

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace coopnet::registrations {
namespace {

// Events anonymised per transaction; a full round is followed by another at once.
constexpr int kEventsPerRetentionRound = 100;

}  // namespace

absl::StatusOr<Process*> Start(service::Context& context, const Options& options) {
  cache::Cache& cache = context.Cache({"registrations_directory", 1});
  // Owned after the cache it uses, so that it goes (and its threads stop) before it.
  Process& p = context.Own(std::make_unique<Process>());
  p.store = std::make_unique<RegistrationStore>(context.pool(), options.stream);
  p.personal_data = std::make_unique<PersonalDataStore>(context.pool());
  if (options.manage_token_secret.size() < principal::kMinSecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("COOPNET_MANAGE_TOKEN_SECRET (or COOPNET_MANAGE_TOKEN_SECRET_FILE) must be "
                     "at least ",
                     principal::kMinSecretBytes, " bytes"));
  }
  COOPNET_ASSIGN_OR_RETURN(p.events, context.Channel("registrations", "events", options.events));
  COOPNET_ASSIGN_OR_RETURN(
      p.organisations, context.Channel("registrations", "organisations", options.organisations));
  p.directory = std::make_unique<Directory>(*p.events, *p.organisations, cache);
  p.relay = std::make_unique<outbox::Relay>(context.pool(), context.streams_redis(), options.relay);
  p.relay->Start();
  p.desk = std::make_unique<RegistrationDesk>(*p.store, options.desk);
  p.service = std::make_unique<RegistrationService>(
      context.server(), *p.store, *p.personal_data, *p.desk, *p.directory, *p.relay,
      outbox::WatchOptions{.redis = context.streams_redis().options(), .stream = options.stream},
      principal::HmacKey(options.manage_token_secret));
  context.server().Register(p.service->table());

  p.feed = std::make_unique<EventFeed>(
      outbox::ConsumerOptions{.redis = context.streams_redis().options(),
                              .stream = options.events_stream,
                              .group = options.consumer_group,
                              .consumer = outbox::ConsumerName(),
                              .block = options.feed_block},
      *p.store, *p.directory, *p.relay);
  p.feed->Start();

  PersonalDataStore& personal_data = *p.personal_data;
  p.retention =
      std::make_unique<background::Loop>([&personal_data, interval = options.retention_interval] {
        absl::StatusOr<int> done =
            personal_data.AnonymiseEnded(absl::Now(), kEventsPerRetentionRound);
        if (!done.ok()) {
          log::Warn("anonymising participants of past events",
                    {{"error", std::string(done.status().message())}});
          return interval;
        }
        if (*done > 0) log::Info("anonymised participants of past events", {{"events", *done}});
        return *done == kEventsPerRetentionRound ? absl::ZeroDuration() : interval;
      });
  p.retention->Start();
  return &p;
}

service::Definition Definition() {
  return {
      .name = "registrations",
      .error_domain = kErrorDomain,
      .grpc_port = 50053,
      .metrics_port = 9103,
      .migrations = &Migrations(),
      .settings = [](config::Loader& config) -> service::Starter {
        const Options defaults;
        const service::PeerSetting events = service::DeclarePeer(config, "events", defaults.events);
        const service::PeerSetting organisations =
            service::DeclarePeer(config, "organisations", defaults.organisations);
        const std::string& events_stream =
            config.String("events_stream", defaults.events_stream,
                          "Redis stream of the events service's changes (cancellations, moves)");
        const std::string& manage_token_secret = config.Secret(
            "manage_token_secret", "",
            "secret (32+ bytes) deriving registrants' manage tokens; required by `serve`, and "
            "changing it voids every token handed out");
        const absl::Duration& retention_interval =
            config.Duration("retention_interval", defaults.retention_interval,
                            "how often participants of past events are checked for anonymisation");
        return [&, events, organisations](service::Context& context) {
          Options options;
          options.events = events.value();
          options.organisations = organisations.value();
          options.events_stream = events_stream;
          options.retention_interval = retention_interval;
          options.manage_token_secret = manage_token_secret;
          return Start(context, options).status();
        };
      }};
}

}  // namespace coopnet::registrations
