#include <catch2/catch.hpp>

#include <string>

#include <conventiond/sdk/base64.hpp>

namespace base64 = conventiond::sdk::base64;

TEST_CASE("sdk base64: RFC 4648 test vectors") {
  const auto [plain, encoded] = GENERATE(table<std::string, std::string>({{"", ""},
                                                                          {"f", "Zg=="},
                                                                          {"fo", "Zm8="},
                                                                          {"foo", "Zm9v"},
                                                                          {"foob", "Zm9vYg=="},
                                                                          {"fooba", "Zm9vYmE="},
                                                                          {"foobar", "Zm9vYmFy"}}));
  CHECK(base64::encode(plain) == encoded);
  CHECK(base64::decode(encoded) == plain);
}

TEST_CASE("sdk base64: every byte value round-trips") {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  CHECK(base64::decode(base64::encode(bytes)) == bytes);
}

TEST_CASE("sdk base64: rejects malformed text") {
  const char* bad = GENERATE("Zg=", "Z===", "Zg=a", "Zm9v!A==", "=Zm9", "Zg==Zg==");
  CAPTURE(bad);
  CHECK_FALSE(base64::decode(bad).has_value());
}
