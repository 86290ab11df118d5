#include <conventiond/publish/secret_box.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace conventiond {

namespace {

constexpr std::string_view kPrefix = "cvd1:";
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::string_view kAadPrefix = "conventiond webhook secret v1 ";

constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(const unsigned char* data, std::size_t n) {
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0x0f];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_value(hex[i]);
    const int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>((hi << 4) | lo);
  }
  return out;
}

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Status SecretKeyring::add(std::string_view hex, std::string_view origin) {
  const std::size_t number = keys_.size() + 1;
  auto raw = from_hex(hex);
  if (hex.size() != 64 || !raw) {
    return Error::make("invalid", std::string(origin) + ": key " + std::to_string(number) +
                                      " is not 64 hex digits (32 bytes: openssl rand -hex 32)");
  }
  Key k;
  for (std::size_t i = 0; i < 32; ++i) k.bytes[i] = static_cast<unsigned char>((*raw)[i]);
  // The id: a hash of the key, so that it names the key without revealing it.
  std::string material = "conventiond secret key id ";
  material.append(raw->data(), raw->size());
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(bytes(material), material.size(), digest.data());
  OPENSSL_cleanse(material.data(), material.size());
  OPENSSL_cleanse(raw->data(), raw->size());
  k.id = to_hex(digest.data(), 8);
  for (const Key& other : keys_) {
    if (other.id == k.id)
      return Error::make("invalid", std::string(origin) + ": key " + std::to_string(number) +
                                        " is given twice (id " + k.id + ")");
  }
  keys_.push_back(std::move(k));
  return Status::success();
}

Result<SecretKeyring> SecretKeyring::parse(std::string_view text, std::string_view origin) {
  SecretKeyring ring;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (const auto hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (std::isspace(static_cast<unsigned char>(line[i])) != 0 ||
                                 line[i] == ',')) {
        ++i;
      }
      const std::size_t start = i;
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])) == 0 &&
             line[i] != ',') {
        ++i;
      }
      if (i > start) {
        if (Status st = ring.add(line.substr(start, i - start), origin); !st) return st.error();
      }
    }
  }
  return ring;
}

Result<SecretKeyring> SecretKeyring::load(const char* env_value,
                                          const std::optional<std::string>& key_file) {
  SecretKeyring ring;
  if (env_value != nullptr && *env_value != '\0') {
    auto env = parse(env_value, kEnvVar);
    if (!env) return env.error();
    ring = std::move(*env);
  }
  if (key_file && !key_file->empty()) {
    std::ifstream in(*key_file, std::ios::binary);
    std::ostringstream text;
    if (in) text << in.rdbuf();
    if (!in || in.bad()) {
      return Error::make("io", "[webhooks] secret_key_file '" + *key_file +
                                   "': cannot be read");
    }
    std::string content = text.str();
    auto file = parse(content, "[webhooks] secret_key_file '" + *key_file + "'");
    OPENSSL_cleanse(content.data(), content.size());
    if (!file) return file.error();
    for (Key& k : file->keys_) {
      bool seen = false;
      for (const Key& other : ring.keys_) seen = seen || other.id == k.id;
      if (!seen) ring.keys_.push_back(std::move(k));
    }
  }
  return ring;
}

std::vector<std::string> SecretKeyring::ids() const {
  std::vector<std::string> out;
  for (const Key& k : keys_) out.push_back(k.id);
  return out;
}

bool SecretKeyring::is_sealed(std::string_view stored) noexcept {
  return stored.substr(0, kPrefix.size()) == kPrefix;
}

Result<std::string> SecretKeyring::seal(std::string_view secret) const {
  if (keys_.empty()) {
    return Error::make("unavailable",
                       "webhooks: a subscription secret needs an encryption key to be stored: "
                       "set CONVENTIOND_SECRET_KEY or [webhooks] secret_key_file "
                       "(docs/webhooks.md)");
  }
  const Key& key = keys_.front();
  const std::string aad = std::string(kAadPrefix) + key.id;
  std::array<unsigned char, kNonceBytes> nonce{};
  if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1)
    return Error::make("crypto", "webhooks: no random bytes for a nonce");
  std::string ct(secret.size(), '\0');
  std::array<unsigned char, kTagBytes> tag{};
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int total = 0;
  auto* out = reinterpret_cast<unsigned char*>(ct.data());
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes),
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes.data(), nonce.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out, &len, bytes(secret), static_cast<int>(secret.size())) !=
          1) {
    return Error::make("crypto", "webhooks: cannot encrypt the secret");
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), out + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                          tag.data()) != 1) {
    return Error::make("crypto", "webhooks: cannot encrypt the secret");
  }
  total += len;
  ct.resize(static_cast<std::size_t>(total));
  std::string sealed = std::string(kPrefix) + key.id + ":" +
                       to_hex(nonce.data(), nonce.size()) + to_hex(bytes(ct), ct.size()) +
                       to_hex(tag.data(), tag.size());
  return sealed;
}

Result<std::string> SecretKeyring::open(std::string_view stored) const {
  if (!is_sealed(stored)) return std::string(stored);
  auto malformed = [] {
    return Error::make("invalid", "webhooks: a stored secret is malformed or was tampered with");
  };
  std::string_view rest = stored.substr(kPrefix.size());
  const auto colon = rest.find(':');
  if (colon == std::string_view::npos) return malformed();
  const std::string_view id = rest.substr(0, colon);
  const Key* key = nullptr;
  for (const Key& k : keys_)
    if (k.id == id) key = &k;
  if (key == nullptr) {
    return Error::make("unavailable",
                       "webhooks: the secret was encrypted with key id " +
                           std::string(id.substr(0, 32)) +
                           ", which is not configured (CONVENTIOND_SECRET_KEY or [webhooks] "
                           "secret_key_file: keep older keys after a rotation)");
  }
  auto raw = from_hex(rest.substr(colon + 1));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return malformed();
  const std::string aad = std::string(kAadPrefix) + key->id;
  const auto* nonce = bytes(*raw);
  const std::size_t ct_size = raw->size() - kNonceBytes - kTagBytes;
  const auto* ct = nonce + kNonceBytes;
  std::array<unsigned char, kTagBytes> tag{};
  std::copy(ct + ct_size, ct + ct_size + kTagBytes, tag.begin());
  std::string plain(ct_size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(plain.data());
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes),
                          nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key->bytes.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out, &len, ct, static_cast<int>(ct_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                          tag.data()) != 1) {
    return malformed();
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out + len, &final_len) != 1) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return malformed();
  }
  plain.resize(static_cast<std::size_t>(len + final_len));
  return plain;
}

Result<std::string> new_webhook_secret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    return Error::make("crypto", "webhooks: no random bytes for a new secret");
  return to_hex(bytes.data(), bytes.size());
}

}  // namespace conventiond
