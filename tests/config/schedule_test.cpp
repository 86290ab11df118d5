#include <catch2/catch.hpp>

#include <conventiond/config/schedule.hpp>

using namespace conventiond;
using namespace std::chrono;

namespace {
SysSeconds at(int y, unsigned mo, unsigned d, int h, int mi) {
  return sys_days(year(y) / month(mo) / day(d)) + hours(h) + minutes(mi);
}
}  // namespace

TEST_CASE("durations in operator notation", "[config]") {
  CHECK(*parse_duration("90s") == seconds(90));
  CHECK(*parse_duration("15m") == minutes(15));
  CHECK(*parse_duration("6h") == hours(6));
  CHECK(*parse_duration("1h30m") == minutes(90));
  CHECK(*parse_duration("2d") == hours(48));
  CHECK(*parse_duration("500ms") == seconds(1));
  for (const char* bad : {"", "6", "h", "-5m", "5x", "0s", "99999999999999h", "1h 30m"}) {
    INFO(bad);
    auto r = parse_duration(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "config");
  }
}

TEST_CASE("durations are exact in milliseconds and the parser never overflows", "[config]") {
  CHECK(*parse_duration_ms("1s500ms") == milliseconds(1500));
  CHECK(*parse_duration_ms("0s") == milliseconds(0));
  CHECK(*parse_duration_ms("250ms") == milliseconds(250));
  CHECK(*parse_duration_ms("1d1h1m1s1ms") == milliseconds(90'061'001));
  CHECK(*parse_duration_ms("36600d") == kMaxDuration);
  // A billion days (the retention), 2^63 ms, a number past 64 bits, a sum of terms
  // each within bounds whose total is not, and a huge unit count: all "too large", no UB.
  for (const char* big : {"1000000000d", "9223372036854775807ms", "99999999999999999999999d",
                          "36600d1ms", "30000d30000d", "1000000000000h"}) {
    INFO(big);
    auto r = parse_duration_ms(big);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("too large"));
    CHECK_FALSE(parse_duration(big).ok());
  }
  for (const char* bad : {"+5s", "5", "s5", "5 s", "5sx", "1h-1m"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration_ms(bad).ok());
  }
  CHECK(duration_text(milliseconds(0)) == "0s");
  CHECK(duration_text(days(3660)) == "3660d");
  CHECK(duration_text(hours(25)) == "25h");
  CHECK(duration_text(milliseconds(1500)) == "1500ms");
  CHECK(duration_text(seconds(90)) == "90s");
}

TEST_CASE("cron expressions find the next minute", "[config]") {
  auto c = CronExpression::parse("30 6 * * 1-5");
  REQUIRE(c.ok());
  // Friday 2026-11-27 07:00 -> Monday 2026-11-30 06:30.
  CHECK(*c->next_after(at(2026, 11, 27, 7, 0)) == at(2026, 11, 30, 6, 30));
  CHECK(*c->next_after(at(2026, 11, 27, 6, 0)) == at(2026, 11, 27, 6, 30));
  auto every15 = CronExpression::parse("*/15 * * * *");
  REQUIRE(every15.ok());
  CHECK(*every15->next_after(at(2026, 1, 1, 10, 14)) == at(2026, 1, 1, 10, 15));
  CHECK(*every15->next_after(at(2026, 1, 1, 10, 15)) == at(2026, 1, 1, 10, 30));
  auto names = CronExpression::parse("0 0 1 jan,jul *");
  REQUIRE(names.ok());
  CHECK(*names->next_after(at(2026, 2, 1, 0, 0)) == at(2026, 7, 1, 0, 0));
  auto daily = CronExpression::parse("@daily");
  REQUIRE(daily.ok());
  CHECK(*daily->next_after(at(2026, 12, 31, 23, 59)) == at(2027, 1, 1, 0, 0));
  // Day of month OR day of week when both are restricted (Vixie cron).
  auto both = CronExpression::parse("0 12 13 * 5");
  REQUIRE(both.ok());
  CHECK(*both->next_after(at(2026, 11, 25, 0, 0)) == at(2026, 11, 27, 12, 0));  // a Friday
  auto sunday7 = CronExpression::parse("0 0 * * 7");
  REQUIRE(sunday7.ok());
  CHECK(*sunday7->next_after(at(2026, 11, 25, 0, 0)) == at(2026, 11, 29, 0, 0));
  auto never = CronExpression::parse("0 0 30 2 *");
  REQUIRE(never.ok());
  CHECK_FALSE(never->next_after(at(2026, 1, 1, 0, 0)).has_value());
}

TEST_CASE("bad cron expressions are errors naming the field", "[config]") {
  for (const char* bad : {"", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *",
                          "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *", "* * * foo *",
                          "1,,2 * * * *", "* * * * * *"}) {
    INFO(bad);
    auto r = CronExpression::parse(bad);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("cron"));
  }
}

TEST_CASE("schedules", "[config]") {
  Schedule s;
  CHECK(s.manual_only());
  CHECK_FALSE(s.next_after(at(2026, 1, 1, 0, 0)).has_value());
  s.every = hours(6);
  CHECK(*s.next_after(at(2026, 1, 1, 0, 0)) == at(2026, 1, 1, 6, 0));
  CHECK(s.describe() == "every 6h");
}
