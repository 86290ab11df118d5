// libFuzzer target for the webhook secret box (include/conventiond/publish/secret_box.hpp).
// Input: text read as a key list (CONVENTIOND_SECRET_KEY / secret_key_file), as a stored secret
// opened with a fixed keyring, and as a secret sealed then opened again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <conventiond/publish/secret_box.hpp>

namespace {

const conventiond::SecretKeyring& fixed_ring() {
  static const conventiond::SecretKeyring ring = [] {
    auto r = conventiond::SecretKeyring::parse(
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
        "f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff\n",
        "fuzz");
    if (!r) std::abort();
    return *r;
  }();
  return ring;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // A key list: parsed or refused as "invalid", never quoting the input back.
  const auto ring = conventiond::SecretKeyring::parse(text, "fuzz");
  if (!ring && ring.error().code != "invalid") std::abort();
  if (ring) {
    for (const std::string& id : ring->ids())
      if (id.size() != 16) std::abort();
  }

  // A stored secret: opened, or refused as "invalid" / "unavailable".
  const auto opened = fixed_ring().open(text);
  if (opened) {
    if (!conventiond::SecretKeyring::is_sealed(text) && *opened != text) std::abort();
  } else if (opened.error().code != "invalid" && opened.error().code != "unavailable") {
    std::abort();
  }

  // A secret: sealed, then opened to the same bytes.
  const auto sealed = fixed_ring().seal(text);
  if (!sealed || !conventiond::SecretKeyring::is_sealed(*sealed)) std::abort();
  const auto back = fixed_ring().open(*sealed);
  if (!back || *back != text) std::abort();
  return 0;
}
