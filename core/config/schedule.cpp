#include <conventiond/config/schedule.hpp>

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>

namespace conventiond {
namespace {

Error config_error(std::string message) { return Error::make("config", std::move(message)); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // index 0 = min value
  std::size_t name_count;
};

constexpr std::array<const char*, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                     "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 7> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

std::optional<int> parse_value(std::string_view text, const FieldSpec& spec) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(text[0])) != 0) {
    int v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return v;
  }
  const std::string l = lower(text);
  for (std::size_t i = 0; i < spec.name_count; ++i) {
    if (l == spec.names[i]) return spec.min + static_cast<int>(i);
  }
  return std::nullopt;
}

// Fills `bits` (indexed by value) from one cron field.
Status parse_field(std::string_view field, const FieldSpec& spec, std::vector<bool>& bits,
                   bool& restricted) {
  restricted = field != "*" && field != "?";
  const int top = spec.max + (spec.names == kDayNames.data() ? 1 : 0);  // 7 = Sunday
  for (std::string_view part : split(field, ',')) {
    const auto bad = [&](std::string_view why) {
      return config_error("cron field " + std::string(spec.name) + " '" + std::string(field) +
                          "': " + std::string(why));
    };
    int step = 1;
    if (const std::size_t slash = part.find('/'); slash != std::string_view::npos) {
      const std::string_view step_text = part.substr(slash + 1);
      int s = 0;
      const auto [ptr, ec] =
          std::from_chars(step_text.data(), step_text.data() + step_text.size(), s);
      if (step_text.empty() || ec != std::errc() || ptr != step_text.data() + step_text.size() ||
          s <= 0 || s > top) {
        return bad("bad step '" + std::string(step_text) + "'");
      }
      step = s;
      part = part.substr(0, slash);
    }
    int lo = spec.min;
    int hi = spec.max;
    if (part == "*" || part == "?") {
      // whole range
    } else if (const std::size_t dash = part.find('-'); dash != std::string_view::npos) {
      const auto a = parse_value(part.substr(0, dash), spec);
      const auto b = parse_value(part.substr(dash + 1), spec);
      if (!a || !b) return bad("bad range '" + std::string(part) + "'");
      lo = *a;
      hi = *b;
    } else {
      const auto a = parse_value(part, spec);
      if (!a) return bad("bad value '" + std::string(part) + "'");
      lo = *a;
      hi = step > 1 ? spec.max : *a;  // "5/15" = from 5 to the end, every 15
    }
    if (lo < spec.min || hi > top || lo > hi) {
      return bad("out of range " + std::to_string(spec.min) + "-" + std::to_string(spec.max));
    }
    for (int v = lo; v <= hi; v += step) {
      const int idx = (spec.names == kDayNames.data() && v == 7) ? 0 : v;
      bits[static_cast<std::size_t>(idx)] = true;
    }
  }
  return {};
}

}  // namespace

Result<std::chrono::milliseconds> parse_duration_ms(std::string_view text) {
  const std::string shown = text.size() > 64 ? std::string(text.substr(0, 64)) + "..." : std::string(text);
  const auto bad = [&] {
    return config_error("bad duration '" + shown +
                        "': expected a number and a unit, e.g. \"90s\", \"15m\", \"6h\", \"1h30m\", \"2d\"");
  };
  const auto too_large = [&] {
    return config_error("duration '" + shown + "' is too large (at most " +
                        duration_text(kMaxDuration) + ")");
  };
  if (text.empty() || text.size() > 64) return bad();
  // Each term is checked against what kMaxDuration leaves before it is multiplied and
  // added: nothing here can overflow.
  const std::int64_t max_ms = kMaxDuration.count();
  std::int64_t total_ms = 0;
  while (!text.empty()) {
    if (std::isdigit(static_cast<unsigned char>(text[0])) == 0) return bad();
    std::int64_t n = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc::result_out_of_range) return too_large();
    if (ec != std::errc() || n < 0) return bad();
    if (n > 1'000'000'000'000) return too_large();
    text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
    std::size_t unit_len = 0;
    while (unit_len < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_len])) != 0)
      ++unit_len;
    const std::string unit = lower(text.substr(0, unit_len));
    text.remove_prefix(unit_len);
    std::int64_t factor = 0;
    if (unit == "ms") factor = 1;
    else if (unit == "s") factor = 1000;
    else if (unit == "m" || unit == "min") factor = 60'000;
    else if (unit == "h") factor = 3'600'000;
    else if (unit == "d") factor = 86'400'000;
    else return bad();
    if (n > (max_ms - total_ms) / factor) return too_large();
    total_ms += n * factor;
  }
  return std::chrono::milliseconds(total_ms);
}

Result<std::chrono::seconds> parse_duration(std::string_view text) {
  auto ms = parse_duration_ms(text);
  if (!ms) return std::move(ms).error();
  if (ms->count() <= 0) {
    return config_error("bad duration '" + std::string(text.substr(0, 64)) +
                        "': must be more than 0");
  }
  return std::chrono::seconds((ms->count() + 999) / 1000);
}

std::string duration_text(std::chrono::milliseconds d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string sign;
  if (ms < 0) {
    sign = "-";
    ms = ms == std::numeric_limits<std::int64_t>::min() ? std::numeric_limits<std::int64_t>::max() : -ms;
  }
  if (ms % 86'400'000 == 0) return sign + std::to_string(ms / 86'400'000) + "d";
  if (ms % 3'600'000 == 0) return sign + std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return sign + std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return sign + std::to_string(ms / 1000) + "s";
  return sign + std::to_string(ms) + "ms";
}

Result<CronExpression> CronExpression::parse(std::string_view text) {
  std::string t(text);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back())) != 0) t.pop_back();
  std::size_t b = 0;
  while (b < t.size() && std::isspace(static_cast<unsigned char>(t[b])) != 0) ++b;
  t.erase(0, b);
  if (t.size() > 256) return config_error("cron expression too long");
  const std::string l = lower(t);
  std::string expanded = t;
  if (l == "@hourly") expanded = "0 * * * *";
  else if (l == "@daily" || l == "@midnight") expanded = "0 0 * * *";
  else if (l == "@weekly") expanded = "0 0 * * 0";
  else if (l == "@monthly") expanded = "0 0 1 * *";
  else if (l == "@yearly" || l == "@annually") expanded = "0 0 1 1 *";
  std::vector<std::string> fields;
  {
    std::string cur;
    for (char c : expanded) {
      if (std::isspace(static_cast<unsigned char>(c)) != 0) {
        if (!cur.empty()) fields.push_back(std::move(cur));
        cur.clear();
      } else {
        cur.push_back(c);
      }
    }
    if (!cur.empty()) fields.push_back(std::move(cur));
  }
  if (fields.size() != 5) {
    return config_error("cron expression '" + t + "': expected 5 fields (minute hour day month weekday), got " +
                        std::to_string(fields.size()));
  }
  CronExpression c;
  c.text_ = t;
  c.minutes_.assign(60, false);
  c.hours_.assign(24, false);
  c.days_.assign(32, false);
  c.months_.assign(13, false);
  c.weekdays_.assign(7, false);
  bool unused = false;
  const FieldSpec specs[5] = {{"minute", 0, 59, nullptr, 0},
                              {"hour", 0, 23, nullptr, 0},
                              {"day-of-month", 1, 31, nullptr, 0},
                              {"month", 1, 12, kMonthNames.data(), kMonthNames.size()},
                              {"day-of-week", 0, 6, kDayNames.data(), kDayNames.size()}};
  std::vector<bool>* bits[5] = {&c.minutes_, &c.hours_, &c.days_, &c.months_, &c.weekdays_};
  bool* restricted[5] = {&unused, &unused, &c.days_restricted_, &unused, &c.weekdays_restricted_};
  for (std::size_t i = 0; i < 5; ++i) {
    if (Status s = parse_field(fields[i], specs[i], *bits[i], *restricted[i]); !s) {
      return Error::make("config", "cron expression '" + t + "': " + s.error().message);
    }
  }
  return c;
}

std::optional<SysSeconds> CronExpression::next_after(SysSeconds t) const {
  using namespace std::chrono;
  auto m = floor<minutes>(t) + minutes(1);
  const auto limit = m + days(366 * 5);
  while (m < limit) {
    const auto day = floor<days>(m);
    const year_month_day ymd(day);
    const auto month = static_cast<unsigned>(ymd.month());
    if (!months_[month]) {
      // first minute of the next month
      const year_month_day first = (ymd.year() / ymd.month() / 1);
      m = sys_days(first + months(1));
      continue;
    }
    const auto dom = static_cast<unsigned>(ymd.day());
    const auto dow = weekday(day).c_encoding();
    const bool dom_ok = days_[dom];
    const bool dow_ok = weekdays_[dow];
    const bool day_ok = (days_restricted_ && weekdays_restricted_) ? (dom_ok || dow_ok)
                                                                   : (dom_ok && dow_ok);
    if (!day_ok) {
      m = day + days(1);
      continue;
    }
    const hh_mm_ss hms(m - day);
    const auto h = static_cast<std::size_t>(hms.hours().count());
    if (!hours_[h]) {
      m = day + hours(h + 1);
      continue;
    }
    const auto mi = static_cast<std::size_t>(hms.minutes().count());
    if (!minutes_[mi]) {
      m += minutes(1);
      continue;
    }
    return time_point_cast<seconds>(m);
  }
  return std::nullopt;
}

std::optional<SysSeconds> Schedule::next_after(SysSeconds last) const {
  if (every) return last + *every;
  if (cron) return cron->next_after(last);
  return std::nullopt;
}

std::string Schedule::describe() const {
  if (every) {
    auto s = every->count();
    std::string out = "every ";
    if (s % 86400 == 0) return out + std::to_string(s / 86400) + "d";
    if (s % 3600 == 0) return out + std::to_string(s / 3600) + "h";
    if (s % 60 == 0) return out + std::to_string(s / 60) + "m";
    return out + std::to_string(s) + "s";
  }
  if (cron) return "cron " + cron->text();
  return "manual";
}

}  // namespace conventiond
