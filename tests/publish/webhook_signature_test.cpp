#include <catch2/catch.hpp>

#include <string>

#include <conventiond/publish/webhook_signature.hpp>

using conventiond::verify_webhook_signature;
using conventiond::webhook_signature;

TEST_CASE("webhook signature: HMAC-SHA256 of timestamp.body, as Python's hmac computes it",
          "[publish]") {
  // python3 -c 'import hmac,hashlib; print(hmac.new(b"s3cret",
  //   b"1700000000.{\"seq\":1}", hashlib.sha256).hexdigest())'
  CHECK(webhook_signature("s3cret", "1700000000", "{\"seq\":1}") ==
        "v1=cbdcfdffb94ac16f20fc7dff420aed60e8abb875b1394e892e008fdba0124439");
  CHECK(webhook_signature("", "0", "") ==
        "v1=b849d5a581847b281957065739df36df2463d1977ea8d6e1e4e6cf33fadc68c3");
}

TEST_CASE("webhook signature: verification refuses anything altered or malformed", "[publish]") {
  const std::string body = "{\"seq\":42,\"record\":{\"x\":\"é\"}}";
  const std::string sig = webhook_signature("k", "1700000000", body);
  CHECK(verify_webhook_signature("k", "1700000000", body, sig));
  CHECK_FALSE(verify_webhook_signature("k2", "1700000000", body, sig));
  CHECK_FALSE(verify_webhook_signature("k", "1700000001", body, sig));
  CHECK_FALSE(verify_webhook_signature("k", "1700000000", body + " ", sig));
  CHECK_FALSE(verify_webhook_signature("k", "1700000000", body, ""));
  CHECK_FALSE(verify_webhook_signature("k", "1700000000", body, sig.substr(3)));
  CHECK_FALSE(verify_webhook_signature("k", "1700000000", body, sig + "00"));
  std::string upper = sig;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK_FALSE(verify_webhook_signature("k", "1700000000", body, upper));
  CHECK_FALSE(verify_webhook_signature("k", "1700000000", body, std::string(1 << 20, 'v')));
  // A binary secret and a large body.
  const std::string secret("\0\xff\x01", 3);
  const std::string big(1 << 20, 'x');
  CHECK(verify_webhook_signature(secret, "1", big, webhook_signature(secret, "1", big)));
}

TEST_CASE("webhook signature: during a rotation the header holds both, and either secret verifies",
          "[publish]") {
  const std::string body = "{\"seq\":7}";
  const std::string both = webhook_signature("new", "1700000000", body) + "," +
                           webhook_signature("old", "1700000000", body);
  CHECK(verify_webhook_signature("new", "1700000000", body, both));
  CHECK(verify_webhook_signature("old", "1700000000", body, both));
  CHECK(verify_webhook_signature("old", "1700000000", body, webhook_signature("new", "1700000000", body) +
                                                                 " , " +
                                                                 webhook_signature("old", "1700000000", body)));
  CHECK_FALSE(verify_webhook_signature("other", "1700000000", body, both));
  CHECK_FALSE(verify_webhook_signature("old", "1700000001", body, both));
  CHECK_FALSE(verify_webhook_signature("new", "1700000000", body, ",,,"));
  CHECK_FALSE(verify_webhook_signature("new", "1700000000", body, both.substr(0, 40) + "," + both.substr(80)));
}
