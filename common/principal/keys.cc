#include "common/principal/keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace coopnet::principal {

class HmacKey::Context {
 public:
  explicit Context(absl::string_view secret) {
    EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    context_ = EVP_MAC_CTX_new(hmac);  // holds its own reference to `hmac`
    EVP_MAC_free(hmac);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (context_ == nullptr ||
        EVP_MAC_init(context_, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                     params) != 1) {
      std::abort();  // OpenSSL without HMAC-SHA256: nothing can be signed or verified
    }
  }
  ~Context() { EVP_MAC_CTX_free(context_); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Copying a keyed context only reads it: threads may sign at once.
  std::string Sign(absl::string_view bytes) const {
    EVP_MAC_CTX* context = EVP_MAC_CTX_dup(context_);
    unsigned char digest[EVP_MAX_MD_SIZE];
    size_t length = 0;
    if (context == nullptr ||
        EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(bytes.data()),
                       bytes.size()) != 1 ||
        EVP_MAC_final(context, digest, &length, sizeof digest) != 1) {
      std::abort();  // out of memory
    }
    EVP_MAC_CTX_free(context);
    return std::string(reinterpret_cast<const char*>(digest), length);
  }

 private:
  EVP_MAC_CTX* context_ = nullptr;
};

HmacKey::HmacKey(absl::string_view secret) : context_(std::make_shared<const Context>(secret)) {}

std::string HmacKey::Sign(absl::string_view bytes) const { return context_->Sign(bytes); }

bool HmacKey::Signed(absl::string_view bytes, absl::string_view signature) const {
  const std::string expected = Sign(bytes);
  return signature.size() == expected.size() &&
         CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) == 0;
}

namespace {

bool IsName(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<KeySet> KeySet::Parse(absl::string_view text) {
  auto keys = std::make_shared<std::vector<Key>>();
  absl::flat_hash_set<std::string> ids;
  int position = 0;
  for (absl::string_view entry :
       absl::StrSplit(text, absl::ByAnyChar(", \t\r\n"), absl::SkipEmpty())) {
    ++position;
    // Named by position and id only: the entry holds a secret.
    const std::vector<absl::string_view> parts = absl::StrSplit(entry, absl::MaxSplits(':', 2));
    const std::string which = absl::StrCat("entry ", position);
    if (parts.size() != 3) {
      return absl::InvalidArgumentError(
          absl::StrCat(which, " is not of the form kid:issuer:secret"));
    }
    if (!IsName(parts[0]) || !IsName(parts[1])) {
      return absl::InvalidArgumentError(absl::StrCat(
          which, ": the key id and the issuer must be letters, digits, `.`, `_` or `-`"));
    }
    if (parts[2].size() < kMinSecretBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          which, " (key ", parts[0], "): the secret must be at least ", kMinSecretBytes, " bytes"));
    }
    if (!ids.insert(std::string(parts[0])).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(which, ": key id ", parts[0], " is listed twice"));
    }
    keys->push_back({std::string(parts[0]), std::string(parts[1]), HmacKey(parts[2])});
  }
  if (keys->empty()) {
    return absl::InvalidArgumentError("lists no key: give kid:issuer:secret entries");
  }
  KeySet set;
  set.keys_ = std::move(keys);
  return set;
}

const Key* KeySet::Find(absl::string_view id) const {
  for (const Key& key : *keys_) {
    if (key.id == id) return &key;
  }
  return nullptr;
}

const Key* KeySet::SigningKey(absl::string_view issuer) const {
  for (const Key& key : *keys_) {
    if (key.issuer == issuer) return &key;
  }
  return nullptr;
}

}  // namespace coopnet::principal
