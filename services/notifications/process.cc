#include "services/notifications/process.h"

#include "common/status/status.h"

namespace coopnet::notifications {

absl::StatusOr<Process*> Start(service::Context& context, const Options& options) {
  Process& p = context.Own(std::make_unique<Process>());
  p.store = std::make_unique<DeliveryStore>(context.pool());
  COOPNET_ASSIGN_OR_RETURN(
      p.registrations, context.Channel("notifications", "registrations", options.registrations));
  COOPNET_ASSIGN_OR_RETURN(p.events, context.Channel("notifications", "events", options.events));
  COOPNET_ASSIGN_OR_RETURN(
      p.organisations, context.Channel("notifications", "organisations", options.organisations));
  p.composer = std::make_unique<Composer>(options.composer, *p.registrations, *p.events,
                                          *p.organisations, *p.store);
  p.service = std::make_unique<NotificationService>(context.server(), *p.store, *p.composer,
                                                    *p.events, *p.organisations);
  context.server().Register(p.service->table());
  p.sender = std::make_unique<Sender>(options.sender, *p.store);
  p.sender->Start();
  Composer& composer = *p.composer;
  p.feed = std::make_unique<outbox::Consumer>(
      outbox::ConsumerOptions{.redis = context.streams_redis().options(),
                              .stream = options.registrations_stream,
                              .group = options.consumer_group,
                              .consumer = outbox::ConsumerName(),
                              .block = options.feed_block},
      [&composer](const outbox::StreamEntry& change) { return composer.Handle(change); });
  p.feed->Start();
  return &p;
}

service::Definition Definition() {
  return {
      .name = "notifications",
      .error_domain = kErrorDomain,
      .grpc_port = 50055,
      .metrics_port = 9105,
      .migrations = &Migrations(),
      .settings = [](config::Loader& config) -> service::Starter {
        const Options defaults;
        const service::PeerSetting registrations =
            service::DeclarePeer(config, "registrations", defaults.registrations);
        const service::PeerSetting events = service::DeclarePeer(config, "events", defaults.events);
        const service::PeerSetting organisations =
            service::DeclarePeer(config, "organisations", defaults.organisations);
        const std::string& registrations_stream =
            config.String("registrations_stream", defaults.registrations_stream,
                          "Redis stream of the registrations service's changes");
        const std::string& manage_url = config.String(
            "manage_url", "",
            "the page where a registrant sees or cancels a registration, `{registration}` and "
            "`{token}` replaced (put the token after `#`); empty leaves the link out");
        const std::string& manage_token_secret =
            config.Secret("manage_token_secret", "",
                          "the registrations service's manage-token secret, for the links' tokens");
        const std::string& smtp_url = config.String(
            "smtp_url", defaults.sender.smtp.url,
            "the mail server: smtp://host:port (STARTTLS when offered) or smtps://host:port");
        const bool& smtp_require_tls = config.Bool(
            "smtp_require_tls", false, "send nothing to a mail server that offers no STARTTLS");
        const std::string& smtp_ca_file = config.String(
            "smtp_ca_file", "",
            "PEM file of the CAs vouching for the mail server; the system's when empty");
        const std::string& smtp_username =
            config.String("smtp_username", "", "AUTH user at the mail server; none when empty");
        const std::string& smtp_password =
            config.Secret("smtp_password", "", "AUTH password at the mail server");
        const std::string& mail_from = config.String("mail_from", "noreply@coopnet.invalid",
                                                     "the From address (and envelope sender)");
        const std::string& mail_from_name =
            config.String("mail_from_name", "coopnet", "the name shown beside the From address");
        const int64_t& mail_per_second = config.Int(
            "mail_per_second", 20, "e-mails a second at most from one replica; 0 for no limit");
        const absl::Duration& mail_first_retry =
            config.Duration("mail_first_retry", defaults.sender.first_retry_pause,
                            "the pause after a first failed attempt, doubling up to an hour");
        return [&, registrations, events, organisations](service::Context& context) {
          Options options;
          options.registrations = registrations.value();
          options.events = events.value();
          options.organisations = organisations.value();
          options.registrations_stream = registrations_stream;
          options.composer.manage_url = manage_url;
          options.composer.manage_token_secret = manage_token_secret;
          options.sender.smtp = {.url = smtp_url,
                                 .require_tls = smtp_require_tls,
                                 .ca_file = smtp_ca_file,
                                 .username = smtp_username,
                                 .password = smtp_password,
                                 .from_address = mail_from,
                                 .from_name = mail_from_name};
          // Message-IDs in the sender's own domain, as RFC 5322 asks.
          const size_t at = mail_from.rfind('@');
          if (at != std::string::npos) options.sender.message_id_domain = mail_from.substr(at + 1);
          options.sender.per_second = static_cast<double>(mail_per_second);
          options.sender.first_retry_pause = mail_first_retry;
          return Start(context, options).status();
        };
      }};
}

}  // namespace coopnet::notifications
