// coopnet::tls — TLS for every gRPC port and channel of a process, from the files its
// settings name (COOPNET_TLS_CERT_FILE, _KEY_FILE, _CA_FILE), or plaintext when none.
//
// With a CA, TLS is mutual: a server asks every client for a certificate the CA signed
// (and, when given a list of client identities, one naming one of them), and a channel
// shows its own certificate and accepts only a server whose certificate names the peer
// it means to reach: a channel to the organisations service accepts only a certificate
// with the SAN `organisations`. The files are read again every refresh interval; a
// certificate rotated in place (as cert-manager does) serves the next handshake, and
// connections already open carry on.
//
//   config::Loader config("events");
//   const tls::Settings tls_settings = tls::Settings::Declare(config);
//   ... Load ...
//   COOPNET_ASSIGN_OR_RETURN(tls::Transport transport, tls::Transport::Create(tls_settings));
//   builder.AddListeningPort(address, transport.ServerCredentials());
//   auto channel = grpc::CreateChannel(target, transport.ChannelCredentials("organisations"));
#ifndef COOPNET_COMMON_TLS_TLS_H_
#define COOPNET_COMMON_TLS_TLS_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_certificate_provider.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/config/config.h"

namespace coopnet::tls {

// What a process's TLS settings say. No certificate file: plaintext.
struct Files {
  // The process's certificate chain and private key (PEM).
  std::string cert_file = "";
  std::string key_file = "";
  // The CA (PEM) that signs every peer's certificate; with it, TLS is mutual.
  std::string ca_file = "";
  // Identities (DNS or URI SANs) a client certificate must name one of to be served;
  // empty: any certificate the CA signed.
  std::vector<std::string> allowed_clients = {};
  // How often the files are read again.
  absl::Duration refresh_interval = absl::Minutes(1);
};

// The files' contents, checked: each is PEM of what it should hold, and the key belongs
// to the certificate.
struct Pem {
  std::string certificate_chain;
  std::string private_key;
  std::string ca;
};

// Reads and checks the files `files` names. INVALID_ARGUMENT naming the setting
// (COOPNET_TLS_KEY_FILE) and what is wrong with its file: missing, unreadable, not PEM,
// a key that is not the certificate's.
absl::StatusOr<Pem> ReadPem(const Files& files);

// Whether a certificate naming `dns_names` and `uri_names` (its SANs) is one of
// `accepted`; PERMISSION_DENIED naming what it names otherwise.
absl::Status CheckIdentity(const std::vector<std::string>& dns_names,
                           const std::vector<std::string>& uri_names,
                           const std::vector<std::string>& accepted);

// The TLS settings every serving process declares on its config::Loader:
// tls_cert_file, tls_key_file, tls_ca_file, tls_allowed_clients (comma-separated) and
// tls_refresh_interval.
struct Settings {
  const std::string& cert_file;
  const std::string& key_file;
  const std::string& ca_file;
  const std::string& allowed_clients;
  const absl::Duration& refresh_interval;

  static Settings Declare(config::Loader& config);
  // Their values, once loaded.
  Files value() const;
};

// The credentials of one process: TLS from its files, or plaintext. Each credentials it
// makes watches the files itself: with gRPC 1.51, a server whose watcher the process's
// channels shared went on serving the certificate it started with.
class Transport {
 public:
  // Plaintext.
  Transport() = default;

  // TLS when `files` names a certificate (after checking the files as ReadPem does),
  // plaintext when it names none; INVALID_ARGUMENT naming the setting when the files
  // are unusable or a key or CA comes without a certificate.
  static absl::StatusOr<Transport> Create(const Files& files);

  // What a server listens with. With a CA, clients must show a certificate it signed
  // (naming one of the allowed clients, when the list is not empty), unless
  // `require_client_certificates` is false (a port for outside callers).
  std::shared_ptr<grpc::ServerCredentials> ServerCredentials(
      bool require_client_certificates = true) const;

  // What a channel to the peer called `peer_identity` (`organisations`) connects with:
  // the server's certificate must name it. An empty identity accepts any certificate
  // the CA signed (a tool that is told only an address).
  std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(
      absl::string_view peer_identity) const;

  // Sets the name a channel to `peer_identity` asks the server for (TLS's SNI) to that
  // identity rather than the host of its address, which the server's certificate need
  // not name (and gRPC would log each handshake for). Nothing over plaintext.
  void NamePeer(absl::string_view peer_identity, grpc::ChannelArguments& arguments) const;

  bool tls() const { return tls_; }
  const Files& files() const { return files_; }

 private:
  friend struct ClientTransport;
  // TLS from `files`.
  explicit Transport(Files files) : files_(std::move(files)), tls_(true) {}
  // A watcher of the files, reading them every refresh interval.
  std::shared_ptr<grpc::experimental::FileWatcherCertificateProvider> WatchFiles() const;

  Files files_;
  bool tls_ = false;
};

// The transport of a program that is a client only (the command-line client, the demo
// loader, benchmarks): COOPNET_TLS_CA_FILE (and, for mutual TLS, _CERT_FILE and
// _KEY_FILE) from the environment; the peer's name, when the program is given one, in
// COOPNET_TLS_SERVER_NAME. Plaintext when no CA is set.
struct ClientTransport {
  Transport transport;
  std::string server_name;

  static absl::StatusOr<ClientTransport> FromEnvironment();
  // A channel to `target` with `arguments`.
  std::shared_ptr<grpc::Channel> Connect(const std::string& target,
                                         grpc::ChannelArguments arguments) const {
    transport.NamePeer(server_name, arguments);
    return grpc::CreateCustomChannel(target, transport.ChannelCredentials(server_name), arguments);
  }
};

}  // namespace coopnet::tls

#endif  // COOPNET_COMMON_TLS_TLS_H_
