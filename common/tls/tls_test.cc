#include "common/tls/tls.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace coopnet::tls {
namespace {

using ::testing::HasSubstr;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// A throwaway CA and certificates made by deploy/local/certs.sh, as run.sh makes them.
class Certificates {
 public:
  Certificates() : dir_(absl::StrCat(::testing::TempDir(), "tls_test_", getpid())) {
    Make("organisations events gateway intruder");
  }
  ~Certificates() { std::system(absl::StrCat("rm -rf ", dir_).c_str()); }

  // Makes (or remakes in place) the certificates of `names`, space-separated.
  void Make(const std::string& names) const {
    const std::string command =
        absl::StrCat(COOPNET_SOURCE_DIR, "/deploy/local/certs.sh ", dir_, " ", names);
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

  std::string path(absl::string_view file) const { return absl::StrCat(dir_, "/", file); }

  Files Of(absl::string_view name, std::vector<std::string> allowed_clients = {}) const {
    return {.cert_file = path(absl::StrCat(name, ".pem")),
            .key_file = path(absl::StrCat(name, ".key")),
            .ca_file = path("ca.pem"),
            .allowed_clients = std::move(allowed_clients),
            .refresh_interval = absl::Seconds(1)};
  }

 private:
  const std::string dir_;
};

Transport Create(const Files& files) {
  absl::StatusOr<Transport> transport = Transport::Create(files);
  EXPECT_TRUE(transport.ok()) << transport.status();
  return transport.ok() ? *std::move(transport) : Transport();
}

// The certificates of the tests that do not change them, made once.
const Certificates& Shared() {
  static const Certificates* const certificates = new Certificates();
  return *certificates;
}

// A gRPC server answering health checks (SERVING) over `transport`'s server credentials.
class HealthServer final : public grpc::health::v1::Health::Service {
 public:
  explicit HealthServer(const Transport& transport, bool require_client_certificates = true) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0",
                             transport.ServerCredentials(require_client_certificates), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  grpc::Status Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest*,
                     grpc::health::v1::HealthCheckResponse* response) override {
    response->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
  ~HealthServer() override { server_->Shutdown(); }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// A channel to `peer` of its own (no connection shared with another channel).
std::shared_ptr<grpc::Channel> ChannelTo(const std::string& address, const Transport& transport,
                                         absl::string_view peer) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  transport.NamePeer(peer, arguments);
  return grpc::CreateCustomChannel(address, transport.ChannelCredentials(peer), arguments);
}

// Asks for health; the status, and the server's certificate when it answered.
grpc::Status Check(const std::shared_ptr<grpc::Channel>& channel, std::string* peer_pem = nullptr) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status =
      grpc::health::v1::Health::NewStub(channel)->Check(&context, request, &response);
  if (status.ok() && peer_pem != nullptr) {
    std::vector<grpc::string_ref> pem = context.auth_context()->FindPropertyValues("x509_pem_cert");
    *peer_pem = pem.empty() ? "" : std::string(pem[0].data(), pem[0].size());
  }
  return status;
}

TEST(ReadPem, NamesTheSettingAndTheFileThatIsMissing) {
  const Certificates& certificates = Shared();
  Files files = certificates.Of("organisations");
  files.key_file = certificates.path("nowhere.key");
  absl::StatusOr<Pem> pem = ReadPem(files);
  ASSERT_EQ(pem.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(pem.status().message(), HasSubstr("COOPNET_TLS_KEY_FILE"));
  EXPECT_THAT(pem.status().message(), HasSubstr("nowhere.key: cannot be read"));
}

TEST(ReadPem, RefusesAFileThatHoldsNoCertificate) {
  const Certificates& certificates = Shared();
  Files files = certificates.Of("organisations");
  files.ca_file = files.key_file;
  absl::StatusOr<Pem> pem = ReadPem(files);
  ASSERT_EQ(pem.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(pem.status().message(), HasSubstr("COOPNET_TLS_CA_FILE"));
  EXPECT_THAT(pem.status().message(), HasSubstr("holds no PEM certificate"));
}

TEST(ReadPem, RefusesAKeyOfAnotherCertificate) {
  const Certificates& certificates = Shared();
  Files files = certificates.Of("organisations");
  files.key_file = certificates.path("events.key");
  absl::StatusOr<Pem> pem = ReadPem(files);
  ASSERT_EQ(pem.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(pem.status().message(),
              HasSubstr("is not the key of the certificate in COOPNET_TLS_CERT_FILE"));
}

TEST(Transport, WithoutFilesIsPlaintext) { EXPECT_FALSE(Create(Files{}).tls()); }

TEST(Transport, RefusesACaOrKeyWithoutACertificate) {
  const Certificates& certificates = Shared();
  absl::StatusOr<Transport> ca_only = Transport::Create({.ca_file = certificates.path("ca.pem")});
  EXPECT_THAT(ca_only.status().message(),
              HasSubstr("COOPNET_TLS_CERT_FILE must be set when COOPNET_TLS_CA_FILE is"));
  absl::StatusOr<Transport> key_only =
      Transport::Create({.key_file = certificates.path("events.key")});
  EXPECT_THAT(key_only.status().message(),
              HasSubstr("COOPNET_TLS_CERT_FILE must be set when COOPNET_TLS_KEY_FILE is"));
}

TEST(CheckIdentity, AcceptsACertificateNamingAnAcceptedIdentity) {
  EXPECT_TRUE(
      CheckIdentity({"organisations.coopnet.svc", "organisations"}, {}, {"organisations"}).ok());
  EXPECT_TRUE(CheckIdentity({}, {"spiffe://coopnet/gateway"}, {"spiffe://coopnet/gateway"}).ok());
}

TEST(CheckIdentity, RefusesAnotherNameSayingWhatItNames) {
  absl::Status status = CheckIdentity({"events"}, {}, {"organisations"});
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("names events, not organisations"));
  // A name that merely starts like the accepted one is another name.
  EXPECT_FALSE(CheckIdentity({"organisations.evil.example"}, {}, {"organisations"}).ok());
}

TEST(Transport, MutualTlsReachesThePeerItNames) {
  const Certificates& certificates = Shared();
  HealthServer organisations(Create(certificates.Of("organisations")));
  const Transport events = Create(certificates.Of("events"));
  EXPECT_TRUE(Check(ChannelTo(organisations.address(), events, "organisations")).ok());
}

TEST(Transport, AChannelRefusesAServerNamingAnotherService) {
  const Certificates& certificates = Shared();
  // Something listens where organisations should, with the events service's certificate.
  HealthServer impostor(Create(certificates.Of("events")));
  const Transport gateway = Create(certificates.Of("gateway"));
  grpc::Status status = Check(ChannelTo(impostor.address(), gateway, "organisations"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST(Transport, AServerRefusesClientsWithoutACertificateOfItsCa) {
  const Certificates& certificates = Shared();
  HealthServer organisations(Create(certificates.Of("organisations")));
  EXPECT_EQ(Check(ChannelTo(organisations.address(), Transport(), "organisations")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // TLS that trusts the CA but shows no certificate of its own.
  setenv("COOPNET_TLS_CA_FILE", certificates.path("ca.pem").c_str(), 1);
  absl::StatusOr<ClientTransport> anonymous = ClientTransport::FromEnvironment();
  unsetenv("COOPNET_TLS_CA_FILE");
  ASSERT_TRUE(anonymous.ok()) << anonymous.status();
  EXPECT_EQ(
      Check(ChannelTo(organisations.address(), anonymous->transport, "organisations")).error_code(),
      grpc::StatusCode::UNAVAILABLE);
}

TEST(Transport, AServerServesOnlyTheClientsItAllows) {
  const Certificates& certificates = Shared();
  HealthServer organisations(
      Create(certificates.Of("organisations", {"gateway", "events", "registrations"})));
  const Transport gateway = Create(certificates.Of("gateway"));
  const Transport intruder = Create(certificates.Of("intruder"));
  EXPECT_TRUE(Check(ChannelTo(organisations.address(), gateway, "organisations")).ok());
  EXPECT_EQ(Check(ChannelTo(organisations.address(), intruder, "organisations")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

class Rotation : public ::testing::TestWithParam<bool> {};

TEST_P(Rotation, ACertificateRotatedInPlaceServesNewConnectionsAndKeepsOpenOnes) {
  Certificates certificates;
  const Transport own = Create(certificates.Of("organisations"));
  // The server's own transport also calls out, before it serves (the gateway's does, to
  // its backends).
  HealthServer peer(Create(certificates.Of("events")));
  const std::shared_ptr<grpc::Channel> out = ChannelTo(peer.address(), own, "events");
  ASSERT_TRUE(Check(out).ok());
  HealthServer organisations(own, GetParam());
  const Transport events = Create(certificates.Of("events"));
  const std::shared_ptr<grpc::Channel> open =
      ChannelTo(organisations.address(), events, "organisations");
  std::string served;
  ASSERT_TRUE(Check(open, &served).ok());
  ASSERT_EQ(served, ReadAll(certificates.path("organisations.pem")));

  std::atomic<bool> stop{false};
  std::atomic<int> failed{0}, answered{0};
  std::thread load([&] {
    while (!stop) (Check(open).ok() ? answered : failed)++;
  });
  certificates.Make("organisations events");
  const std::string rotated = ReadAll(certificates.path("organisations.pem"));
  ASSERT_NE(rotated, served);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (served != rotated && absl::Now() < deadline) {
    ASSERT_TRUE(Check(ChannelTo(organisations.address(), events, "organisations"), &served).ok());
  }
  stop = true;
  load.join();
  EXPECT_EQ(served, rotated) << "a new connection still gets the old certificate";
  EXPECT_EQ(failed.load(), 0) << "of " << answered.load() << " calls on the open connection";
  EXPECT_GT(answered.load(), 0);
}

// Between services, and on the gateway's front port, where callers show no certificate.
INSTANTIATE_TEST_SUITE_P(ClientCertificates, Rotation, ::testing::Bool());

}  // namespace
}  // namespace coopnet::tls
