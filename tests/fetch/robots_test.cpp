#include <catch2/catch.hpp>

#include <string>

#include <conventiond/fetch/robots.hpp>

using conventiond::allowed;
using conventiond::parse_robots;
using conventiond::robots_pattern_matches;

namespace {
constexpr const char* ua = "conventiond/0.1.0 (+ops@example.org)";
}

TEST_CASE("robots: empty file allows everything", "[robots]") {
  const auto rules = parse_robots("", ua);
  CHECK(rules.rules.empty());
  CHECK(allowed(rules, "/"));
  CHECK(allowed(rules, "/anything?x=1"));
}

TEST_CASE("robots: star group disallows a path prefix", "[robots]") {
  const auto rules = parse_robots("User-agent: *\nDisallow: /private\n", ua);
  CHECK_FALSE(allowed(rules, "/private"));
  CHECK_FALSE(allowed(rules, "/private/page.html"));
  CHECK_FALSE(allowed(rules, "/privateer"));  // prefix match, as the RFC says
  CHECK(allowed(rules, "/public"));
  CHECK(allowed(rules, "/"));
}

TEST_CASE("robots: a group naming our product replaces the star group", "[robots]") {
  const auto rules = parse_robots(
      "User-agent: *\nDisallow: /\n\nUser-agent: Conventiond\nDisallow: /admin\n", ua);
  CHECK(rules.matched_specific_group);
  CHECK(allowed(rules, "/news"));
  CHECK_FALSE(allowed(rules, "/admin/x"));
}

TEST_CASE("robots: a group for another robot does not apply", "[robots]") {
  const auto rules = parse_robots("User-agent: Googlebot\nDisallow: /\n", ua);
  CHECK(allowed(rules, "/page"));
}

TEST_CASE("robots: the product token is matched, not the version or comment", "[robots]") {
  CHECK(conventiond::robots_product_token("conventiond/0.1.0 (+x)") == "conventiond");
  CHECK(conventiond::robots_product_token("  MyBot ") == "MyBot");
  const auto rules = parse_robots("User-agent: conventiond/2.0\nDisallow: /x\n", ua);
  CHECK_FALSE(allowed(rules, "/x"));
}

TEST_CASE("robots: longest match wins, allow wins ties", "[robots]") {
  const auto rules = parse_robots(
      "User-agent: *\nDisallow: /docs/\nAllow: /docs/public/\nAllow: /a\nDisallow: /a\n", ua);
  CHECK_FALSE(allowed(rules, "/docs/secret.pdf"));
  CHECK(allowed(rules, "/docs/public/report.pdf"));
  CHECK(allowed(rules, "/a/b"));  // same length: allow
}

TEST_CASE("robots: wildcard star matches any run", "[robots]") {
  const auto rules = parse_robots("User-agent: *\nDisallow: /*.pdf\nDisallow: /*/tmp/\n", ua);
  CHECK_FALSE(allowed(rules, "/files/convention.pdf"));
  CHECK_FALSE(allowed(rules, "/a/b/tmp/c"));
  CHECK_FALSE(allowed(rules, "/x.pdf?download=1"));  // no $: a prefix
  CHECK(allowed(rules, "/files/convention.html"));
}

TEST_CASE("robots: dollar anchors the end", "[robots]") {
  const auto rules = parse_robots("User-agent: *\nDisallow: /*.pdf$\n", ua);
  CHECK_FALSE(allowed(rules, "/a.pdf"));
  CHECK(allowed(rules, "/a.pdf?x=1"));
  CHECK(allowed(rules, "/a.pdf.html"));
}

TEST_CASE("robots: empty Disallow allows everything", "[robots]") {
  const auto rules = parse_robots("User-agent: *\nDisallow:\n", ua);
  CHECK(allowed(rules, "/anything"));
}

TEST_CASE("robots: several user-agent lines share one group", "[robots]") {
  const auto rules =
      parse_robots("User-agent: otherbot\nUser-agent: conventiond\nDisallow: /shared\n", ua);
  CHECK_FALSE(allowed(rules, "/shared/page"));
  CHECK(rules.matched_specific_group);
}

TEST_CASE("robots: matching groups are merged", "[robots]") {
  const auto rules = parse_robots(
      "User-agent: conventiond\nDisallow: /a\n\nUser-agent: googlebot\nDisallow: /b\n\n"
      "User-agent: conventiond\nDisallow: /c\n",
      ua);
  CHECK_FALSE(allowed(rules, "/a"));
  CHECK(allowed(rules, "/b"));
  CHECK_FALSE(allowed(rules, "/c"));
}

TEST_CASE("robots: comments, CRLF, BOM, case-insensitive keys, odd spacing", "[robots]") {
  const auto rules = parse_robots(
      "\xEF\xBB\xBF# robots for the test\r\nUSER-AGENT : *   # everyone\r\n"
      "  disallow:/secret # hidden\r\nDISALLOW /nocolon\r\n",
      ua);
  CHECK_FALSE(allowed(rules, "/secret/1"));
  CHECK_FALSE(allowed(rules, "/nocolon"));
  CHECK(allowed(rules, "/open"));
}

TEST_CASE("robots: crawl-delay, fractional, of the chosen group", "[robots]") {
  auto rules = parse_robots("User-agent: *\nCrawl-delay: 2.5\nDisallow: /x\n", ua);
  REQUIRE(rules.crawl_delay);
  CHECK(rules.crawl_delay->count() == 2500);
  rules = parse_robots("User-agent: *\nCrawl-delay: 10\nUser-agent: conventiond\n", ua);
  CHECK_FALSE(rules.crawl_delay);  // our group has none
  rules = parse_robots("User-agent: *\nCrawl-delay: soon\n", ua);
  CHECK_FALSE(rules.crawl_delay);
}

TEST_CASE("robots: sitemaps are collected wherever they are", "[robots]") {
  const auto rules = parse_robots(
      "Sitemap: https://www.nord.gouv.fr/sitemap.xml\nUser-agent: *\nDisallow: /x\n"
      "sitemap: https://www.nord.gouv.fr/news.xml\n",
      ua);
  REQUIRE(rules.sitemaps.size() == 2);
  CHECK(rules.sitemaps[1] == "https://www.nord.gouv.fr/news.xml");
}

TEST_CASE("robots: rules before any user-agent line are ignored", "[robots]") {
  const auto rules = parse_robots("Disallow: /\nUser-agent: *\nDisallow: /x\n", ua);
  CHECK(allowed(rules, "/y"));
  CHECK_FALSE(allowed(rules, "/x"));
}

TEST_CASE("robots: /robots.txt itself is always allowed", "[robots]") {
  const auto rules = parse_robots("User-agent: *\nDisallow: /\n", ua);
  CHECK_FALSE(allowed(rules, "/"));
  CHECK_FALSE(allowed(rules, "/page"));
  CHECK(allowed(rules, "/robots.txt"));
}

TEST_CASE("robots: percent-encoding is normalised on both sides", "[robots]") {
  const auto rules = parse_robots("User-agent: *\nDisallow: /actualités\nDisallow: /%7ejoe\n", ua);
  CHECK_FALSE(allowed(rules, "/actualit%C3%A9s/2019"));
  CHECK_FALSE(allowed(rules, "/actualit%c3%a9s/2019"));
  CHECK_FALSE(allowed(rules, "/~joe/page"));
  CHECK(conventiond::robots_normalise("/a b/%7e/%2f") == "/a%20b/~/%2F");
}

TEST_CASE("robots: typos Google accepts", "[robots]") {
  const auto rules = parse_robots("useragent: *\ndissallow: /a\nuser agent: x\n", ua);
  CHECK_FALSE(allowed(rules, "/a"));
}

TEST_CASE("robots: a pattern without a leading slash is anchored at the root", "[robots]") {
  const auto rules = parse_robots("User-agent: *\nDisallow: private/\n", ua);
  CHECK_FALSE(allowed(rules, "/private/x"));
}

TEST_CASE("robots: pattern matcher edge cases", "[robots]") {
  CHECK(robots_pattern_matches("/", "/"));
  CHECK(robots_pattern_matches("*", "/anything"));
  CHECK(robots_pattern_matches("/$", "/"));
  CHECK_FALSE(robots_pattern_matches("/$", "/a"));
  CHECK(robots_pattern_matches("/a*b*c", "/axxbyyc"));
  CHECK_FALSE(robots_pattern_matches("/a*b*c", "/axxcyyb"));
  CHECK(robots_pattern_matches("/a$b", "/a$b"));  // '$' not at the end is literal
  CHECK(robots_pattern_matches("/**", "/"));
  const std::string long_path = "/" + std::string(5000, 'a');
  CHECK_FALSE(robots_pattern_matches("/*a*a*a*a*a*a*a*a*b", long_path));  // no blow-up
}

TEST_CASE("robots: everything disallowed for us only", "[robots]") {
  const auto rules =
      parse_robots("User-agent: conventiond\nDisallow: /\n\nUser-agent: *\nAllow: /\n", ua);
  CHECK_FALSE(allowed(rules, "/index.html"));
  const auto others = parse_robots(
      "User-agent: conventiond\nDisallow: /\n\nUser-agent: *\nAllow: /\n", "otherbot/1.0");
  CHECK(allowed(others, "/index.html"));
}

TEST_CASE("robots: input over 500 KiB is cut", "[robots]") {
  std::string text = "User-agent: *\n";
  while (text.size() < conventiond::robots_max_bytes) text += "Allow: /ok\n";
  text += "Disallow: /late\n";
  const auto rules = parse_robots(text, ua);
  CHECK(allowed(rules, "/late"));
}

TEST_CASE("robots: disallow_all and allow_all helpers", "[robots]") {
  CHECK_FALSE(allowed(conventiond::RobotsRules::disallow_all(), "/x"));
  CHECK(allowed(conventiond::RobotsRules::allow_all(), "/x"));
}

TEST_CASE("robots: normalisation is idempotent, a lone percent is escaped", "[robots]") {
  CHECK(conventiond::robots_normalise("/50%") == "/50%25");
  CHECK(conventiond::robots_normalise("/%4%31") == "/%2541");
  CHECK(conventiond::robots_normalise("/%2541") == "/%2541");
  const auto rules = parse_robots("User-agent: *\nDisallow: /50%\n", ua);
  CHECK_FALSE(allowed(rules, "/50%/off"));
  CHECK_FALSE(allowed(rules, "/50%25/off"));
}
