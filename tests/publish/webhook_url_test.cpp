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

TEST_CASE("webhook url: every special-purpose range is refused, naming it", "[publish]") {
  struct Case {
    const char* ip;
    const char* range;  // a part of forbidden_webhook_range()'s answer
  };
  const Case forbidden[] = {
      // IPv4
      {"0.0.0.0", "0.0.0.0/8"},
      {"0.1.2.3", "0.0.0.0/8"},
      {"10.0.0.1", "10.0.0.0/8 (private)"},
      {"10.255.255.255", "10.0.0.0/8"},
      {"100.64.0.1", "100.64.0.0/10 (shared address space, carrier-grade NAT)"},
      {"100.127.255.254", "100.64.0.0/10"},
      {"127.0.0.1", "127.0.0.0/8 (loopback)"},
      {"127.1.2.3", "127.0.0.0/8"},
      {"169.254.169.254", "169.254.0.0/16 (link-local"},
      {"172.16.0.1", "172.16.0.0/12 (private)"},
      {"172.31.255.255", "172.16.0.0/12"},
      {"192.0.0.8", "192.0.0.0/24"},
      {"192.0.2.10", "192.0.2.0/24 (documentation)"},
      {"192.88.99.1", "192.88.99.0/24"},
      {"192.168.1.1", "192.168.0.0/16 (private)"},
      {"198.18.0.1", "198.18.0.0/15 (benchmarking)"},
      {"198.19.255.255", "198.18.0.0/15"},
      {"198.51.100.7", "198.51.100.0/24 (documentation)"},
      {"203.0.113.9", "203.0.113.0/24 (documentation)"},
      {"224.0.0.1", "224.0.0.0/4 (multicast)"},
      {"239.255.255.250", "224.0.0.0/4"},
      {"240.0.0.1", "240.0.0.0/4 (reserved)"},
      {"255.255.255.255", "255.255.255.255 (broadcast)"},
      // IPv6
      {"::", "::/128 (unspecified)"},
      {"::1", "::1/128 (loopback)"},
      {"::7f00:1", "::/96 (IPv4-compatible"},
      {"::8.8.8.8", "::/96 (IPv4-compatible"},  // deprecated: refused whatever it embeds
      {"::ffff:127.0.0.1", "::ffff:0:0/96 (IPv4-mapped) embedding 127.0.0.1, 127.0.0.0/8"},
      {"::ffff:10.1.2.3", "::ffff:0:0/96 (IPv4-mapped) embedding 10.1.2.3"},
      {"::ffff:169.254.169.254", "embedding 169.254.169.254, 169.254.0.0/16"},
      {"::ffff:0:8.8.8.8", "::ffff:0:0:0/96 (IPv4-translated)"},
      {"64:ff9b::7f00:1", "64:ff9b::/96 (NAT64) embedding 127.0.0.1"},
      {"64:ff9b::a9fe:a9fe", "64:ff9b::/96 (NAT64) embedding 169.254.169.254"},
      {"64:ff9b:1::808:808", "64:ff9b:1::/48 (local-use NAT64)"},
      {"100::1", "100::/64 (discard-only)"},
      {"2001::1", "2001::/23"},               // Teredo
      {"2001:2::1", "2001::/23"},             // benchmarking
      {"2001:1ff:ffff::1", "2001::/23"},
      {"2001:db8::1", "2001:db8::/32 (documentation)"},
      {"2002:7f00:1::1", "2002::/16 (6to4) embedding 127.0.0.1"},
      {"2002:c0a8:101::1", "2002::/16 (6to4) embedding 192.168.1.1"},
      {"3fff::1", "3fff::/20 (documentation)"},
      {"5f00::1", "outside 2000::/3"},
      {"fc00::1", "fc00::/7 (unique local)"},
      {"fd12:3456::1", "fc00::/7"},
      {"fe80::1", "fe80::/10 (link-local)"},
      {"fe80::1%eth0", "fe80::/10"},
      {"febf::1", "fe80::/10"},
      {"fec0::1", "fec0::/10"},
      {"ff02::1", "ff00::/8 (multicast)"},
      {"ff0e::1", "ff00::/8"},
      {"4000::1", "outside 2000::/3"},
      {"1234::1", "outside 2000::/3"},
      // not an address
      {"rebind.example", "not an IP address"},
      {"", "not an IP address"},
      {"127.0.0.1.5", "not an IP address"},
  };
  for (const Case& c : forbidden) {
    INFO(c.ip);
    const std::string why = forbidden_webhook_range(c.ip);
    CHECK(why.find(c.range) != std::string::npos);
    CHECK(is_forbidden_webhook_address(c.ip));
  }
  for (const char* ip :
       {"8.8.8.8", "1.1.1.1", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0",
        "126.255.255.255", "128.0.0.0", "169.253.255.255", "172.15.255.255", "172.32.0.0",
        "192.0.1.255", "192.0.3.0", "192.88.98.255", "192.167.255.255", "192.169.0.0",
        "198.17.255.255", "198.20.0.0", "203.0.112.255", "223.255.255.255",
        "2001:4860:4860::8888", "2a00:1450:4007:80e::200e", "2001:200::1", "2606:4700::1111",
        "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "3fff:1000::1"}) {
    INFO(ip);
    CHECK(forbidden_webhook_range(ip).empty());
    CHECK_FALSE(is_forbidden_webhook_address(ip));
  }
}

TEST_CASE("webhook url: a refused literal says which range", "[publish]") {
  auto r = check_webhook_url("http://[64:ff9b::7f00:1]:8080/x", false);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "forbidden");
  CHECK(r.error().message.find("64:ff9b::/96 (NAT64) embedding 127.0.0.1") != std::string::npos);
  auto v4 = check_webhook_url("https://100.100.1.1/x", false);
  REQUIRE_FALSE(v4);
  CHECK(v4.error().message.find("carrier-grade NAT") != std::string::npos);
}
