// SecretKeyring: AES-256-GCM sealing of webhook secrets, key ids, rotation, tampering, keys from
// the environment and a file.

#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <string>

#include <conventiond/publish/secret_box.hpp>

#include "publish_test_support.hpp"

using namespace conventiond;

namespace {

constexpr const char* kKeyA = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* kKeyB = "F0E1D2C3B4A5968778695A4B3C2D1E0F00112233445566778899AABBCCDDEEFF";

SecretKeyring ring(const std::string& text) {
  auto r = SecretKeyring::parse(text, "test");
  if (!r) FAIL(r.error().message);
  return *r;
}

}  // namespace

TEST_CASE("secret box: sealed text names the key, hides the secret, opens back", "[publish]") {
  const SecretKeyring a = ring(kKeyA);
  REQUIRE(a.ids().size() == 1);
  const std::string id = a.ids().front();
  CHECK(id.size() == 16);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  const std::string secret = "whsec_correct horse battery staple";
  auto sealed = a.seal(secret);
  REQUIRE(sealed);
  CHECK(SecretKeyring::is_sealed(*sealed));
  CHECK(sealed->rfind("cvd1:" + id + ":", 0) == 0);
  CHECK(sealed->find(secret) == std::string::npos);
  CHECK(sealed->find("whsec") == std::string::npos);
  // nonce (12) + ciphertext + tag (16), in hex
  CHECK(sealed->size() == 5 + 16 + 1 + 2 * (12 + secret.size() + 16));
  auto opened = a.open(*sealed);
  REQUIRE(opened);
  CHECK(*opened == secret);
  // A fresh nonce each time: the same secret never seals to the same text.
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) seen.insert(*a.seal(secret));
  CHECK(seen.size() == 20);
  // The id depends on the key only (not on its case in hex).
  CHECK(ring(kKeyA).ids().front() == id);
  CHECK(ring(kKeyB).ids().front() != id);
}

TEST_CASE("secret box: rotation, unknown keys, tampering, plain legacy secrets", "[publish]") {
  const SecretKeyring a = ring(kKeyA);
  const SecretKeyring b_then_a = ring(std::string(kKeyB) + "\n# the old key, kept\n" + kKeyA);
  const SecretKeyring b = ring(kKeyB);
  const std::string old_sealed = *a.seal("old-secret");
  // After the rotation the old key still opens what it sealed; new secrets use the new key.
  CHECK(*b_then_a.open(old_sealed) == "old-secret");
  const std::string new_sealed = *b_then_a.seal("new-secret");
  CHECK(new_sealed.rfind("cvd1:" + b.ids().front() + ":", 0) == 0);
  CHECK(*b.open(new_sealed) == "new-secret");
  // Without the old key: "unavailable", naming the key id (never a key).
  auto missing = b.open(old_sealed);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == "unavailable");
  CHECK(missing.error().message.find(a.ids().front()) != std::string::npos);
  CHECK(missing.error().message.find(kKeyA) == std::string::npos);
  // Any changed byte (nonce, ciphertext, tag) or a swapped key id fails authentication.
  for (std::size_t at = 5 + 16 + 1; at < old_sealed.size(); at += 7) {
    std::string t = old_sealed;
    t[at] = t[at] == '0' ? '1' : '0';
    INFO(at);
    auto r = b_then_a.open(t);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid");
  }
  std::string swapped = old_sealed;
  swapped.replace(5, 16, b.ids().front());
  CHECK(b_then_a.open(swapped).error().code == "invalid");
  CHECK(b_then_a.open("cvd1:").error().code == "invalid");
  CHECK(b_then_a.open("cvd1:" + a.ids().front() + ":zz").error().code == "invalid");
  CHECK(b_then_a.open("cvd1:" + a.ids().front() + ":00").error().code == "invalid");
  // A secret stored before encryption is used as it is.
  CHECK(*b.open("plain-legacy-secret") == "plain-legacy-secret");
  // No key: nothing is sealed.
  auto none = SecretKeyring{}.seal("x");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == "unavailable");
}

TEST_CASE("secret box: keys are 64 hex digits: the environment's first, then the file's",
          "[publish]") {
  for (const char* bad : {"abc", "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                          "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00"}) {
    auto r = SecretKeyring::parse(bad, "CONVENTIOND_SECRET_KEY");
    INFO(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid");
    CHECK(r.error().message.find("CONVENTIOND_SECRET_KEY") != std::string::npos);
    CHECK(r.error().message.find(bad) == std::string::npos);  // a key is never printed
  }
  CHECK(SecretKeyring::parse(std::string(kKeyA) + "," + kKeyA, "x").error().code == "invalid");
  CHECK(ring("").empty());
  CHECK(ring("  # nothing\n\n").empty());

  const test::TempPath file;
  {
    std::ofstream out(file.path);
    out << "# current\n" << kKeyA << "\n" << kKeyB << "  # older\n";
  }
  auto from_file = SecretKeyring::load(nullptr, file.path);
  REQUIRE(from_file);
  CHECK(from_file->ids() == std::vector<std::string>{ring(kKeyA).ids().front(),
                                                     ring(kKeyB).ids().front()});
  auto both = SecretKeyring::load(kKeyB, file.path);  // the variable's key is current
  REQUIRE(both);
  CHECK(both->ids() == std::vector<std::string>{ring(kKeyB).ids().front(),
                                                ring(kKeyA).ids().front()});
  auto none = SecretKeyring::load("", std::nullopt);
  REQUIRE(none);
  CHECK(none->empty());
  auto unreadable = SecretKeyring::load(nullptr, file.path + ".missing");
  REQUIRE_FALSE(unreadable);
  CHECK(unreadable.error().code == "io");
}
