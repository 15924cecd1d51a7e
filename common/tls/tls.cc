#include "common/tls/tls.h"

#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace coopnet::tls {
namespace {

// Each setting's name as an operator writes it, for messages.
constexpr char kCertSetting[] = "COOPNET_TLS_CERT_FILE";
constexpr char kKeySetting[] = "COOPNET_TLS_KEY_FILE";
constexpr char kCaSetting[] = "COOPNET_TLS_CA_FILE";

absl::Status Unusable(absl::string_view setting, absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(setting, " ", path, ": ", why));
}

absl::StatusOr<std::string> ReadFile(absl::string_view setting, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Unusable(setting, path, absl::StrCat("cannot be read (", std::strerror(errno), ")"));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return Unusable(setting, path, "cannot be read");
  return contents.str();
}

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* x509) const { X509_free(x509); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;
using Certificate = std::unique_ptr<X509, X509Deleter>;
using PrivateKey = std::unique_ptr<EVP_PKEY, KeyDeleter>;

Bio MemoryBio(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// The first certificate of `pem`, or null when it holds none.
Certificate FirstCertificate(const std::string& pem) {
  Bio bio = MemoryBio(pem);
  Certificate certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return certificate;
}

absl::StatusOr<std::string> ReadCertificates(absl::string_view setting, const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFile(setting, path);
  if (!pem.ok()) return pem.status();
  if (FirstCertificate(*pem) == nullptr) {
    return Unusable(setting, path, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  return pem;
}

// Reads the key and checks that it is the private half of `certificate_chain`'s first
// certificate: a key rotated without its certificate would fail every handshake.
absl::StatusOr<std::string> ReadKeyOf(const std::string& certificate_chain,
                                      const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFile(kKeySetting, path);
  if (!pem.ok()) return pem.status();
  Bio bio = MemoryBio(*pem);
  PrivateKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (key == nullptr) {
    return Unusable(kKeySetting, path, "holds no unencrypted PEM private key");
  }
  Certificate certificate = FirstCertificate(certificate_chain);
  const bool matches = X509_check_private_key(certificate.get(), key.get()) == 1;
  ERR_clear_error();
  if (!matches) {
    return Unusable(kKeySetting, path,
                    absl::StrCat("is not the key of the certificate in ", kCertSetting));
  }
  return pem;
}

// Accepts a peer whose certificate names one of `accepted`; gRPC has checked its chain.
class IdentityVerifier final : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit IdentityVerifier(std::vector<std::string> accepted) : accepted_(std::move(accepted)) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)>, grpc::Status* sync_status) override {
    absl::Status identity =
        CheckIdentity(Strings(request->dns_names()), Strings(request->uri_names()), accepted_);
    *sync_status = identity.ok() ? grpc::Status::OK
                                 : grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                                std::string(identity.message()));
    return true;  // decided at once
  }
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  static std::vector<std::string> Strings(const std::vector<grpc::string_ref>& refs) {
    std::vector<std::string> strings;
    for (const grpc::string_ref& ref : refs) strings.emplace_back(ref.data(), ref.size());
    return strings;
  }

  const std::vector<std::string> accepted_;
};

}  // namespace

absl::StatusOr<Pem> ReadPem(const Files& files) {
  Pem pem;
  if (!files.cert_file.empty()) {
    absl::StatusOr<std::string> chain = ReadCertificates(kCertSetting, files.cert_file);
    if (!chain.ok()) return chain.status();
    pem.certificate_chain = *std::move(chain);
    if (files.key_file.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(kKeySetting, " must be set when ", kCertSetting, " is"));
    }
    absl::StatusOr<std::string> key = ReadKeyOf(pem.certificate_chain, files.key_file);
    if (!key.ok()) return key.status();
    pem.private_key = *std::move(key);
  } else if (!files.key_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kCertSetting, " must be set when ", kKeySetting, " is"));
  }
  if (!files.ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadCertificates(kCaSetting, files.ca_file);
    if (!ca.ok()) return ca.status();
    pem.ca = *std::move(ca);
  }
  return pem;
}

absl::Status CheckIdentity(const std::vector<std::string>& dns_names,
                           const std::vector<std::string>& uri_names,
                           const std::vector<std::string>& accepted) {
  for (const std::vector<std::string>* names : {&dns_names, &uri_names}) {
    for (const std::string& name : *names) {
      if (std::find(accepted.begin(), accepted.end(), name) != accepted.end()) {
        return absl::OkStatus();
      }
    }
  }
  std::vector<std::string> named = dns_names;
  named.insert(named.end(), uri_names.begin(), uri_names.end());
  return absl::PermissionDeniedError(absl::StrCat(
      "the peer's certificate names ", named.empty() ? "nobody" : absl::StrJoin(named, ", "),
      ", not ", absl::StrJoin(accepted, " or ")));
}

Settings Settings::Declare(config::Loader& config) {
  return {
      .cert_file = config.String("tls_cert_file", "",
                                 "this process's TLS certificate chain (PEM); empty: plaintext"),
      .key_file = config.String("tls_key_file", "", "the private key of tls_cert_file (PEM)"),
      .ca_file =
          config.String("tls_ca_file", "", "CA (PEM) of every peer's certificate; set: mutual TLS"),
      .allowed_clients = config.String(
          "tls_allowed_clients", "",
          "client identities (certificate SANs) served, comma-separated; empty: any the CA "
          "signed"),
      .refresh_interval = config.Duration("tls_refresh_interval", absl::Minutes(1),
                                          "how often the TLS files are read again"),
  };
}

Files Settings::value() const {
  Files files{.cert_file = cert_file,
              .key_file = key_file,
              .ca_file = ca_file,
              .allowed_clients = {},
              .refresh_interval = refresh_interval};
  for (absl::string_view client : absl::StrSplit(allowed_clients, ',', absl::SkipWhitespace())) {
    files.allowed_clients.emplace_back(absl::StripAsciiWhitespace(client));
  }
  return files;
}

absl::StatusOr<Transport> Transport::Create(const Files& files) {
  if (files.cert_file.empty() && !files.ca_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kCertSetting, " must be set when ", kCaSetting, " is"));
  }
  absl::StatusOr<Pem> pem = ReadPem(files);
  if (!pem.ok()) return pem.status();
  if (files.cert_file.empty()) return Transport();
  if (files.refresh_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError("COOPNET_TLS_REFRESH_INTERVAL must be at least 1s");
  }
  return Transport(files);
}

std::shared_ptr<grpc::experimental::FileWatcherCertificateProvider> Transport::WatchFiles() const {
  return std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      files_.key_file, files_.cert_file, files_.ca_file,
      static_cast<unsigned int>(absl::ToInt64Seconds(files_.refresh_interval)));
}

std::shared_ptr<grpc::ServerCredentials> Transport::ServerCredentials(
    bool require_client_certificates) const {
  if (!tls()) return grpc::InsecureServerCredentials();
  grpc::experimental::TlsServerCredentialsOptions options(WatchFiles());
  options.watch_identity_key_cert_pairs();
  if (!files_.ca_file.empty() && require_client_certificates) {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    if (!files_.allowed_clients.empty()) {
      options.set_certificate_verifier(
          grpc::experimental::ExternalCertificateVerifier::Create<IdentityVerifier>(
              files_.allowed_clients));
    }
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> Transport::ChannelCredentials(
    absl::string_view peer_identity) const {
  if (!tls()) return grpc::InsecureChannelCredentials();
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(WatchFiles());
  if (!files_.ca_file.empty()) options.watch_root_certs();
  if (!files_.cert_file.empty()) options.watch_identity_key_cert_pairs();
  // The peer is named by its certificate, not by the address it is reached at (an IP
  // address locally, a pod's address behind a headless Service).
  options.set_check_call_host(false);
  if (peer_identity.empty()) {
    options.set_certificate_verifier(
        std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  } else {
    options.set_certificate_verifier(
        grpc::experimental::ExternalCertificateVerifier::Create<IdentityVerifier>(
            std::vector<std::string>{std::string(peer_identity)}));
  }
  return grpc::experimental::TlsCredentials(options);
}

void Transport::NamePeer(absl::string_view peer_identity, grpc::ChannelArguments& arguments) const {
  if (tls() && !peer_identity.empty()) {
    arguments.SetSslTargetNameOverride(std::string(peer_identity));
  }
}

absl::StatusOr<ClientTransport> ClientTransport::FromEnvironment() {
  auto variable = [](const char* name) -> std::string {
    const char* value = std::getenv(name);
    return value == nullptr ? "" : value;
  };
  Files files{.cert_file = variable(kCertSetting),
              .key_file = variable(kKeySetting),
              .ca_file = variable(kCaSetting)};
  ClientTransport client{.transport = {}, .server_name = variable("COOPNET_TLS_SERVER_NAME")};
  if (files.ca_file.empty()) return client;
  absl::StatusOr<Pem> pem = ReadPem(files);
  if (!pem.ok()) return pem.status();
  client.transport = Transport(std::move(files));
  return client;
}

}  // namespace coopnet::tls
