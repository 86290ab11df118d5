// libFuzzer target for the robots.txt parser and matcher.
// Input: a first line giving a path to test, then the robots.txt text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <conventiond/fetch/robots.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  std::string_view path = newline == std::string_view::npos ? input : input.substr(0, newline);
  const std::string_view text =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  if (path.size() > 2048) path = path.substr(0, 2048);  // URLs longer than that are not fetched

  for (const std::string_view agent : {"conventiond/0.1 (+ops@example.org)", "*", ""}) {
    const conventiond::RobotsRules rules = conventiond::parse_robots(text, agent);
    (void)conventiond::allowed(rules, path);
    (void)conventiond::allowed(rules, "/");
    // Invariants.
    if (!conventiond::allowed(rules, "/robots.txt")) std::abort();
    for (const conventiond::RobotsRule& rule : rules.rules) {
      if (rule.pattern.empty() || (rule.pattern[0] != '/' && rule.pattern[0] != '*')) std::abort();
    }
    if (rules.crawl_delay && rules.crawl_delay->count() < 0) std::abort();
  }
  // Normalising twice changes nothing.
  const std::string once = conventiond::robots_normalise(path);
  if (conventiond::robots_normalise(once) != once) std::abort();
  return 0;
}
