#pragma once
// robots.txt (RFC 9309, with Google's documented leniencies): a pure parser and matcher, used
// by the Fetcher and fuzzed by fuzz/robots_fuzzer.cpp.
//
//   RobotsRules rules = parse_robots(text, "conventiond/0.1 (+ops@example.org)");
//   if (!allowed(rules, "/private/page?x=1")) ...
//
// - Groups start with one or more User-agent lines; the groups naming our product token
//   (the user agent up to its first '/' or space, case-insensitive) are merged; when none
//   does, the `*` groups are; when there is none, everything is allowed.
// - Allow / Disallow patterns match from the start of the path (with its query); `*` matches
//   any run of characters, a final `$` anchors the end. The longest matching pattern wins;
//   between an Allow and a Disallow of the same length, Allow wins. An empty Disallow
//   allows everything. /robots.txt itself is always allowed.
// - Crawl-delay (seconds, may be fractional) of the chosen groups; Sitemap lines anywhere.
// - Only the first 500 KiB are read (Google's limit); unknown lines are ignored.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conventiond {

struct RobotsRule {
  bool allow = false;
  std::string pattern;  // normalised: non-ASCII and spaces percent-encoded, %xx upper case
};

struct RobotsRules {
  std::vector<RobotsRule> rules;
  std::optional<std::chrono::milliseconds> crawl_delay;
  std::vector<std::string> sitemaps;
  bool matched_specific_group = false;  // a group named our product (not only `*`)

  static RobotsRules allow_all() { return {}; }
  static RobotsRules disallow_all() { return RobotsRules{{RobotsRule{false, "/"}}, {}, {}, false}; }
};

inline constexpr std::size_t robots_max_bytes = 500 * 1024;

// The product token robots.txt groups are matched against: "conventiond/0.1 (+x)" ->
// "conventiond".
std::string robots_product_token(std::string_view user_agent);

RobotsRules parse_robots(std::string_view text, std::string_view user_agent);

// path_and_query: "/a/b?c=d" ("" counts as "/"). Percent-encoding is normalised as in rules.
bool allowed(const RobotsRules& rules, std::string_view path_and_query);

// Does `pattern` (a normalised rule pattern) match `path` (normalised) from its start?
bool robots_pattern_matches(std::string_view pattern, std::string_view path);

// Percent-encodes bytes >= 0x80, controls, spaces and lone '%'; decodes %xx escapes of
// unreserved characters (RFC 3986: ALPHA DIGIT - . _ ~) and upper-cases the others.
// Idempotent.
std::string robots_normalise(std::string_view path);

}  // namespace conventiond
