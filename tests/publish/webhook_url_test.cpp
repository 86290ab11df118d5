#include <catch2/catch.hpp>

#include <string>

#include <conventiond/publish/webhook_url.hpp>

using namespace conventiond;

TEST_CASE("webhook url: http and https with a host are read, with their port", "[publish]") {
  auto a = parse_webhook_url("https://Hooks.Example.org/path?q=1#f");
  REQUIRE(a);
  CHECK(a->scheme == "https");
  CHECK(a->host == "hooks.example.org");
  CHECK(a->port == "443");
  auto b = parse_webhook_url("HTTP://user:pw@[2001:db8::1]:8080/x");
  REQUIRE(b);
  CHECK(b->scheme == "http");
  CHECK(b->host == "2001:db8::1");
  CHECK(b->port == "8080");
}

TEST_CASE("webhook url: hostile and broken URLs are invalid, naming the problem", "[publish]") {
  const std::string long_url = "https://a.example/" + std::string(5000, 'a');
  const std::string nul("http://a.example\0.evil/", 23);
  for (const std::string& url :
       {std::string(), std::string("a.example/x"), std::string("ftp://a.example/"),
        std::string("file:///etc/passwd"), std::string("gopher://a.example"),
        std::string("javascript:alert(1)"), std::string("http:///path"),
        std::string("http://a.example:0/"), std::string("http://a.example:70000/"),
        std::string("http://a.example:8x/"), std::string("http://a b.example/"),
        std::string("http://\xff\xfe/"), long_url, nul, std::string("https://"),
        std::string("http://[::1/")}) {
    auto r = parse_webhook_url(url);
    INFO(url.substr(0, 60));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid");
    CHECK(r.error().message.rfind("webhook url '", 0) == 0);
    CHECK(r.error().message.size() < 400);
  }
}

TEST_CASE("webhook url: internal addresses are forbidden, public ones allowed", "[publish]") {
  for (const char* ip :
       {"127.0.0.1", "127.255.0.9", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "100.64.0.1", "169.254.169.254", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::",
        "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
        "not an ip", ""}) {
    INFO(ip);
    CHECK(is_forbidden_webhook_address(ip));
  }
  for (const char* ip : {"8.8.8.8", "172.32.0.1", "192.169.0.1", "100.128.0.1", "1.1.1.1",
                         "2001:4860:4860::8888", "::ffff:8.8.8.8"}) {
    INFO(ip);
    CHECK_FALSE(is_forbidden_webhook_address(ip));
  }
}

TEST_CASE("webhook url: check refuses internal targets unless allowed", "[publish]") {
  CHECK(check_webhook_url("http://127.0.0.1:9/x", true));
  CHECK(check_webhook_url("http://localhost:9/x", true));
  auto loop = check_webhook_url("http://127.0.0.1:9/x", false);
  REQUIRE_FALSE(loop);
  CHECK(loop.error().code == "forbidden");
  auto name = check_webhook_url("http://localhost/x", false);
  REQUIRE_FALSE(name);
  CHECK(name.error().code == "forbidden");
  CHECK(name.error().message.find("resolves to") != std::string::npos);
  CHECK(check_webhook_url("https://8.8.8.8/hook", false));
  CHECK(check_webhook_url("ftp://8.8.8.8/", true).error().code == "invalid");
}
