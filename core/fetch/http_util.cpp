// HTTP dates, Retry-After, backoff and message formatting. See fetch/http_util.hpp.
#include <conventiond/fetch/http_util.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <vector>

namespace conventiond {
namespace {

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr std::array<std::string_view, 12> month_names{"jan", "feb", "mar", "apr", "may", "jun",
                                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> day_names{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view s) noexcept {
  int v = 0;
  for (const char c : s) {
    if (v > 100'000) return v;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string trimmed_decimal(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", value);
  std::string s(buf);
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
  // Tokens split on spaces, commas and dashes: the three formats then share one shape
  // (weekday, day, month, year, time in some order).
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < text.size() && tokens.size() < 10) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',' || text[i] == '-' ||
                               text[i] == '\t')) {
      ++i;
    }
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != ',' && text[i] != '-' &&
           text[i] != '\t') {
      ++i;
    }
    if (i > start) tokens.push_back(text.substr(start, i - start));
  }
  int day = -1, month = -1, year = -1, hour = -1, minute = -1, second = -1;
  for (const std::string_view t : tokens) {
    if (t.find(':') != std::string_view::npos) {
      if (t.size() != 8 || t[2] != ':' || t[5] != ':' || !all_digits(t.substr(0, 2)) ||
          !all_digits(t.substr(3, 2)) || !all_digits(t.substr(6, 2))) {
        return std::nullopt;
      }
      hour = to_int(t.substr(0, 2));
      minute = to_int(t.substr(3, 2));
      second = to_int(t.substr(6, 2));
    } else if (all_digits(t)) {
      if (day < 0 && t.size() <= 2) {
        day = to_int(t);
      } else if (year < 0 && (t.size() == 2 || t.size() == 4)) {
        year = to_int(t);
        if (t.size() == 2) year += year < 70 ? 2000 : 1900;
      } else {
        return std::nullopt;
      }
    } else if (t.size() >= 3 && month < 0) {
      const std::string m{lower(t[0]), lower(t[1]), lower(t[2])};
      for (std::size_t k = 0; k < month_names.size(); ++k) {
        if (month_names[k] == m && (t.size() == 3)) month = static_cast<int>(k) + 1;
      }
      // anything else (weekday, "GMT") is ignored
    }
  }
  if (day < 1 || month < 1 || year < 1900 || hour < 0 || hour > 23 || minute > 59 ||
      second > 60) {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return system_clock::time_point(sys_days(ymd)) + hours(hour) + minutes(minute) +
         seconds(second);
}

std::string format_http_date(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto days = floor<std::chrono::days>(secs);
  const year_month_day ymd{days};
  const hh_mm_ss<seconds> hms{secs - days};
  const weekday wd{days};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                std::string(day_names[wd.c_encoding()]).c_str(),
                static_cast<unsigned>(ymd.day()),
                std::string(month_names[static_cast<unsigned>(ymd.month()) - 1]).c_str(),
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  std::string s(buf);
  // month names are stored lower case for parsing; the format wants "Nov"
  const std::size_t m = s.find(' ', 5) + 1;
  s[m] = static_cast<char>(s[m] - 'a' + 'A');
  return s;
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (all_digits(value)) {
    if (value.size() > 9) return std::chrono::milliseconds(std::chrono::hours(24 * 365));
    return std::chrono::milliseconds(static_cast<long long>(to_int(value)) * 1000);
  }
  const auto at = parse_http_date(value);
  if (!at) return std::nullopt;
  const auto delta = std::chrono::ceil<std::chrono::milliseconds>(*at - now);
  return std::max(delta, std::chrono::milliseconds(0));
}

std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds max, double jitter,
                                        std::mt19937_64& rng) {
  const int exponent = std::clamp(attempt - 1, 0, 30);
  const double full = std::min(static_cast<double>(base.count()) * std::ldexp(1.0, exponent),
                               static_cast<double>(max.count()));
  const double j = std::clamp(jitter, 0.0, 1.0);
  std::uniform_real_distribution<double> draw(1.0 - j, 1.0);
  const double wait = full * (j > 0 ? draw(rng) : 1.0);
  return std::chrono::milliseconds(static_cast<long long>(std::max(0.0, std::floor(wait))));
}

std::string format_duration(std::chrono::milliseconds d) {
  const long long ms = d.count();
  if (ms < 1000 && ms % 1000 != 0) return std::to_string(ms) + " ms";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return trimmed_decimal(static_cast<double>(ms) / 1000.0) + " s";
}

std::string format_bytes(std::size_t n) {
  constexpr std::size_t kib = 1024;
  constexpr std::size_t mib = 1024 * 1024;
  if (n >= mib) {
    if (n % mib == 0) return std::to_string(n / mib) + " MiB";
    return trimmed_decimal(static_cast<double>(n) / static_cast<double>(mib)) + " MiB";
  }
  if (n >= kib) {
    if (n % kib == 0) return std::to_string(n / kib) + " KiB";
    return trimmed_decimal(static_cast<double>(n) / static_cast<double>(kib)) + " KiB";
  }
  return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

}  // namespace conventiond
