#pragma once
// When a job runs: every N (with jitter) or a cron expression, both in UTC.
//
//   every = "6h"          -> one run every six hours ("90s", "15m", "1h30m", "2d")
//   cron  = "30 6 * * 1-5" -> 06:30 UTC on weekdays (minute hour day-of-month month day-of-week)
//   jitter = "5m"         -> each run starts up to 5 minutes later, drawn uniformly

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/result.hpp>

namespace conventiond {

using SysSeconds = std::chrono::sys_seconds;

// The longest duration any text may denote: 100 years (of 366 days). Longer texts, and
// numbers too large for 64 bits, are an error: the parser never overflows, and a config
// never holds a duration that would overflow a clock (each key also has its own range,
// docs/configuration.md).
inline constexpr std::chrono::milliseconds kMaxDuration{std::int64_t{100} * 366 * 86'400'000};

// "90s", "15m", "6h", "2d", "1h30m", "500ms", "0s": a sum of number+unit terms (units ms, s,
// m or min, h, d), exactly, in milliseconds. Error "config" naming the text when it is not
// such a duration or exceeds kMaxDuration.
Result<std::chrono::milliseconds> parse_duration_ms(std::string_view text);

// The same rounded up to whole seconds, and it must be positive. Error "config" otherwise.
Result<std::chrono::seconds> parse_duration(std::string_view text);

// The shortest text of d in the largest unit that divides it: "3650d", "6h", "90s", "500ms".
std::string duration_text(std::chrono::milliseconds d);

// A standard five-field cron expression (minute hour day-of-month month day-of-week): "*",
// numbers, ranges "1-5", steps "*/15" and "10-50/20", lists "1,15", month and day names
// ("jan", "mon"), 7 for Sunday; and the shorthands @hourly @daily @weekly @monthly @yearly.
// As in Vixie cron, when both day fields are restricted a day matches either of them.
class CronExpression {
 public:
  static Result<CronExpression> parse(std::string_view text);

  // The first matching minute strictly after `t` (UTC), or nullopt when none within 5 years
  // (e.g. "0 0 30 2 *").
  std::optional<SysSeconds> next_after(SysSeconds t) const;
  const std::string& text() const noexcept { return text_; }

 private:
  std::string text_;
  std::vector<bool> minutes_, hours_, days_, months_, weekdays_;  // 60, 24, 32, 13, 7
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

struct Schedule {
  std::optional<std::chrono::seconds> every;  // exactly one of every and cron, or neither
  std::optional<CronExpression> cron;         // (neither: runs only when triggered)
  std::chrono::seconds jitter{0};

  bool manual_only() const noexcept { return !every && !cron; }
  // The next nominal time after `last` (the last scheduled time, or the time the job was
  // first seen): last + every, or the cron's next time. nullopt for manual jobs.
  std::optional<SysSeconds> next_after(SysSeconds last) const;
  std::string describe() const;  // "every 6h", "cron 30 6 * * 1-5", "manual"
};

}  // namespace conventiond
