#include "services/registrations/registration.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"

namespace coopnet::registrations {
namespace {

// Events anonymised per transaction; a full round is followed by another at once.
constexpr int kEventsPerRetentionRound = 100;

// This process's name in the consumer group: unique, and readable in XINFO CONSUMERS.
std::string ConsumerName() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return absl::StrCat(host, "-", getpid());
}

}  // namespace

absl::StatusOr<Process*> RegisterServices(service::Context& context, const Options& options) {
  // Owned before the caches it uses, so that it goes (and its threads stop) before them.
  Process& p = context.Own(std::make_unique<Process>());
  cache::Cache& cache = context.Cache({"registrations_directory", 1});
  p.store = std::make_unique<RegistrationStore>(context.pool(), options.stream);
  p.personal_data = std::make_unique<PersonalDataStore>(context.pool());
  const principal::Signer& signer = context.server().signer();
  p.events = std::make_unique<client::ServiceChannel>(
      client::ChannelOptions{.address = options.events_address,
                             .caller = "registrations",
                             .callee = "events",
                             .deadline = options.peer_deadline},
      signer);
  p.organisations = std::make_unique<client::ServiceChannel>(
      client::ChannelOptions{.address = options.organisations_address,
                             .caller = "registrations",
                             .callee = "organisations",
                             .deadline = options.peer_deadline},
      signer);
  p.directory = std::make_unique<Directory>(*p.events, *p.organisations, cache);
  p.relay = std::make_unique<outbox::Relay>(context.pool(), context.redis(), options.relay);
  p.relay->Start();
  p.desk = std::make_unique<RegistrationDesk>(*p.store, options.desk);
  p.service = std::make_unique<RegistrationService>(
      context.server(), *p.store, *p.personal_data, *p.desk, *p.directory, *p.relay,
      outbox::WatchOptions{.redis_address = context.redis().options().address,
                           .stream = options.stream});
  context.server().Register(p.service.get(), kServiceName);

  p.feed =
      std::make_unique<EventFeed>(FeedOptions{.redis_address = context.redis().options().address,
                                              .stream = options.events_stream,
                                              .group = options.consumer_group,
                                              .consumer = ConsumerName(),
                                              .block = options.feed_block},
                                  *p.store, *p.directory, *p.relay);
  p.feed->Start();

  PersonalDataStore& personal_data = *p.personal_data;
  p.retention =
      std::make_unique<BackgroundLoop>([&personal_data, interval = options.retention_interval] {
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

}  // namespace coopnet::registrations
