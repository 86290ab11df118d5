#pragma once
// Webhook secrets at rest (docs/webhooks.md, "Secrets at rest"): each secret is sealed with
// AES-256-GCM under the operator's current key before it reaches the store, and opened again
// to sign a delivery. The stored text is
//   cvd1:<key id>:<hex of 12-byte random nonce | ciphertext | 16-byte tag>
// where the key id (16 hex digits, derived from the key by SHA-256) names the key that sealed
// it, so that after a rotation the older keys still open what they sealed.
//
// Keys are 32 random bytes written as 64 hex digits (`openssl rand -hex 32`). They come from
// the environment variable CONVENTIOND_SECRET_KEY (one key, or several separated by commas or
// white space) and/or the file named by [webhooks] secret_key_file (one key per line, '#'
// comments and blank lines ignored). The first key found (the variable's, then the file's) is
// the current key: it seals new secrets; every key opens.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/result.hpp>

namespace conventiond {

class SecretKeyring {
 public:
  static constexpr std::string_view kEnvVar = "CONVENTIOND_SECRET_KEY";

  SecretKeyring() = default;

  // Keys written as described above; `origin` names where they come from in errors.
  // "invalid": a key that is not 64 hex digits (the key itself is never quoted), or the
  // same key twice.
  static Result<SecretKeyring> parse(std::string_view text, std::string_view origin);
  // The variable's keys (env_value; nullptr or "" when unset), then the file's. "invalid":
  // as parse(); "io": the file cannot be read. An empty keyring when neither is given.
  static Result<SecretKeyring> load(const char* env_value,
                                    const std::optional<std::string>& key_file);

  bool empty() const noexcept { return keys_.empty(); }
  // The key ids, the current one first.
  std::vector<std::string> ids() const;

  // The stored form of `secret` under the current key ("unavailable" when there is none).
  Result<std::string> seal(std::string_view secret) const;
  // The secret back. Text that is not sealed (a secret stored before encryption) is returned
  // as is. "unavailable": sealed with a key id that is not configured; "invalid": tampered
  // with or malformed.
  Result<std::string> open(std::string_view stored) const;
  static bool is_sealed(std::string_view stored) noexcept;

 private:
  struct Key {
    std::string id;
    std::array<unsigned char, 32> bytes{};
  };
  Status add(std::string_view hex, std::string_view origin);

  std::vector<Key> keys_;
};

// A new webhook secret: 32 random bytes (OpenSSL's generator) as 64 lower-case hex digits.
// "crypto" when no random bytes can be had.
Result<std::string> new_webhook_secret();

}  // namespace conventiond
