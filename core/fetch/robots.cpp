// robots.txt parser and matcher (RFC 9309). See include/conventiond/fetch/robots.hpp.
#include <conventiond/fetch/robots.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace conventiond {
namespace {

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unreserved(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

void append_escape(std::string& out, unsigned char c) {
  static constexpr char digits[] = "0123456789ABCDEF";
  out.push_back('%');
  out.push_back(digits[c >> 4]);
  out.push_back(digits[c & 0xF]);
}

enum class Key { unknown, user_agent, allow, disallow, crawl_delay, sitemap };

Key key_of(std::string_view key) noexcept {
  // The spellings Google's parser accepts besides the RFC's.
  static constexpr std::string_view user_agent[] = {"user-agent", "useragent", "user agent"};
  static constexpr std::string_view disallow[] = {"disallow", "dissallow", "dissalow",
                                                  "disalow",  "diasllow",  "disallaw"};
  static constexpr std::string_view crawl_delay[] = {"crawl-delay", "crawldelay", "crawl delay"};
  static constexpr std::string_view sitemap[] = {"sitemap", "site-map"};
  for (auto k : user_agent) if (iequals(key, k)) return Key::user_agent;
  for (auto k : disallow) if (iequals(key, k)) return Key::disallow;
  if (iequals(key, "allow")) return Key::allow;
  for (auto k : crawl_delay) if (iequals(key, k)) return Key::crawl_delay;
  for (auto k : sitemap) if (iequals(key, k)) return Key::sitemap;
  return Key::unknown;
}

// The user-agent token of a User-agent line: its leading [A-Za-z_-] characters ("*" alone
// for the wildcard).
std::string_view agent_token(std::string_view value) noexcept {
  if (!value.empty() && value.front() == '*') return value.substr(0, 1);
  std::size_t n = 0;
  while (n < value.size()) {
    const char c = value[n];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-')) break;
    ++n;
  }
  return value.substr(0, n);
}

// Seconds (possibly fractional) to milliseconds; nullopt when not a non-negative number.
std::optional<std::chrono::milliseconds> parse_delay(std::string_view value) {
  std::string text(value.substr(0, std::min<std::size_t>(value.size(), 32)));
  if (text.empty() || !((text[0] >= '0' && text[0] <= '9') || text[0] == '.')) return {};
  char* end = nullptr;
  const double seconds = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(seconds) || seconds < 0) return {};
  const double capped = std::min(seconds, 86'400.0);  // one day; the Fetcher caps further
  return std::chrono::milliseconds(static_cast<long long>(std::llround(capped * 1000.0)));
}

struct Collected {
  std::vector<RobotsRule> rules;
  std::optional<std::chrono::milliseconds> crawl_delay;
  bool seen = false;

  void add_delay(std::chrono::milliseconds d) {
    crawl_delay = crawl_delay ? std::max(*crawl_delay, d) : d;
  }
};

}  // namespace

std::string robots_product_token(std::string_view user_agent) {
  user_agent = trim(user_agent);
  std::size_t n = 0;
  while (n < user_agent.size() && user_agent[n] != '/' && user_agent[n] != '(' &&
         !is_space(user_agent[n])) {
    ++n;
  }
  return std::string(user_agent.substr(0, n));
}

std::string robots_normalise(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto c = static_cast<unsigned char>(path[i]);
    if (c == '%' && i + 2 < path.size() && hex_value(path[i + 1]) >= 0 &&
        hex_value(path[i + 2]) >= 0) {
      const auto decoded =
          static_cast<unsigned char>(hex_value(path[i + 1]) * 16 + hex_value(path[i + 2]));
      if (is_unreserved(decoded)) {
        out.push_back(static_cast<char>(decoded));
      } else {
        append_escape(out, decoded);
      }
      i += 2;
    } else if (c >= 0x80 || c <= 0x20 || c == 0x7F || c == '%') {  // a lone % becomes %25
      append_escape(out, c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

bool robots_pattern_matches(std::string_view pattern, std::string_view path) {
  // Google's matcher: the set of path positions reachable after each pattern character,
  // O(|pattern| * |path|), no backtracking.
  const std::size_t length = path.size();
  std::vector<std::size_t> pos(length + 1);
  pos[0] = 0;
  std::size_t count = 1;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char p = pattern[i];
    if (p == '$' && i + 1 == pattern.size()) return pos[count - 1] == length;
    if (p == '*') {
      count = length - pos[0] + 1;
      for (std::size_t j = 1; j < count; ++j) pos[j] = pos[j - 1] + 1;
    } else {
      std::size_t next = 0;
      for (std::size_t j = 0; j < count; ++j) {
        if (pos[j] < length && path[pos[j]] == p) pos[next++] = pos[j] + 1;
      }
      if (next == 0) return false;
      count = next;
    }
  }
  return true;
}

RobotsRules parse_robots(std::string_view text, std::string_view user_agent) {
  if (text.size() > robots_max_bytes) text = text.substr(0, robots_max_bytes);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  const std::string product = robots_product_token(user_agent);
  Collected specific;
  Collected star;
  RobotsRules out;

  bool in_agents = false;   // the previous directive was a User-agent line
  bool group_open = false;  // a group has started
  bool group_specific = false;
  bool group_star = false;

  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (end < text.size() && text[end] == '\r' && start < text.size() && text[start] == '\n') {
      ++start;
    }

    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;

    std::string_view key;
    std::string_view value;
    if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      key = trim(line.substr(0, colon));
      value = trim(line.substr(colon + 1));
    } else {
      // "Disallow /x": accepted when the line is exactly two whitespace-separated tokens.
      std::size_t sp = 0;
      while (sp < line.size() && !is_space(line[sp])) ++sp;
      if (sp == line.size()) continue;
      key = line.substr(0, sp);
      value = trim(line.substr(sp));
      if (std::any_of(value.begin(), value.end(), is_space)) continue;
    }

    switch (key_of(key)) {
      case Key::user_agent: {
        if (!in_agents) {
          group_open = true;
          group_specific = false;
          group_star = false;
        }
        in_agents = true;
        const std::string_view token = agent_token(value);
        if (token == "*") {
          group_star = true;
          star.seen = true;
        } else if (!token.empty() && !product.empty() && iequals(token, product)) {
          group_specific = true;
          specific.seen = true;
        }
        break;
      }
      case Key::allow:
      case Key::disallow: {
        in_agents = false;
        if (!group_open || value.empty()) break;  // an empty rule allows everything
        RobotsRule rule;
        rule.allow = key_of(key) == Key::allow;
        rule.pattern = robots_normalise(value);
        if (rule.pattern.front() != '/' && rule.pattern.front() != '*') {
          rule.pattern.insert(rule.pattern.begin(), '/');
        }
        if (group_specific) specific.rules.push_back(rule);
        if (group_star) star.rules.push_back(std::move(rule));
        break;
      }
      case Key::crawl_delay: {
        in_agents = false;
        if (!group_open) break;
        if (const auto delay = parse_delay(value)) {
          if (group_specific) specific.add_delay(*delay);
          if (group_star) star.add_delay(*delay);
        }
        break;
      }
      case Key::sitemap:
        if (!value.empty()) out.sitemaps.emplace_back(value);
        break;
      case Key::unknown:
        break;
    }
  }

  if (specific.seen) {
    out.rules = std::move(specific.rules);
    out.crawl_delay = specific.crawl_delay;
    out.matched_specific_group = true;
  } else if (star.seen) {
    out.rules = std::move(star.rules);
    out.crawl_delay = star.crawl_delay;
  }
  return out;
}

bool allowed(const RobotsRules& rules, std::string_view path_and_query) {
  std::string path = robots_normalise(path_and_query.empty() ? std::string_view("/")
                                                             : path_and_query);
  if (path.front() != '/') path.insert(path.begin(), '/');
  if (path == "/robots.txt") return true;
  std::size_t best_allow = 0;
  std::size_t best_disallow = 0;
  bool any_allow = false;
  bool any_disallow = false;
  for (const RobotsRule& rule : rules.rules) {
    const std::size_t length = rule.pattern.size();
    if (rule.allow ? (any_allow && length <= best_allow)
                   : (any_disallow && length <= best_disallow)) {
      continue;  // cannot beat the current best of its kind
    }
    if (!robots_pattern_matches(rule.pattern, path)) continue;
    if (rule.allow) {
      any_allow = true;
      best_allow = length;
    } else {
      any_disallow = true;
      best_disallow = length;
    }
  }
  if (!any_disallow) return true;
  return any_allow && best_allow >= best_disallow;
}

}  // namespace conventiond
