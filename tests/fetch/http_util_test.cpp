#include <catch2/catch.hpp>

#include <conventiond/fetch/http_util.hpp>

using namespace std::chrono;
using conventiond::parse_http_date;
using conventiond::parse_retry_after;

TEST_CASE("http dates: the three formats", "[http_util]") {
  const auto expected = sys_days(year(1994) / November / 6) + hours(8) + minutes(49) + seconds(37);
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == system_clock::time_point(expected));
  CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == system_clock::time_point(expected));
  CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == system_clock::time_point(expected));
  CHECK_FALSE(parse_http_date("yesterday"));
  CHECK_FALSE(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"));
  CHECK_FALSE(parse_http_date(""));
}

TEST_CASE("http dates: formatting round trip", "[http_util]") {
  const auto t = system_clock::time_point(sys_days(year(2019) / March / 4) + hours(13) +
                                          minutes(5) + seconds(9));
  CHECK(conventiond::format_http_date(t) == "Mon, 04 Mar 2019 13:05:09 GMT");
  CHECK(parse_http_date(conventiond::format_http_date(t)) == t);
}

TEST_CASE("Retry-After: seconds or a date", "[http_util]") {
  const auto now = system_clock::time_point(sys_days(year(2020) / January / 1));
  CHECK(parse_retry_after("120", now) == milliseconds(120'000));
  CHECK(parse_retry_after(" 0 ", now) == milliseconds(0));
  CHECK(parse_retry_after("Wed, 01 Jan 2020 00:00:30 GMT", now) == milliseconds(30'000));
  CHECK(parse_retry_after("Tue, 31 Dec 2019 23:00:00 GMT", now) == milliseconds(0));
  CHECK_FALSE(parse_retry_after("-5", now));
  CHECK_FALSE(parse_retry_after("soon", now));
}

TEST_CASE("backoff grows exponentially, is capped and jittered", "[http_util]") {
  std::mt19937_64 rng(42);
  using conventiond::backoff_delay;
  CHECK(backoff_delay(1, milliseconds(100), milliseconds(10'000), 0.0, rng) == milliseconds(100));
  CHECK(backoff_delay(3, milliseconds(100), milliseconds(10'000), 0.0, rng) == milliseconds(400));
  CHECK(backoff_delay(20, milliseconds(100), milliseconds(10'000), 0.0, rng) ==
        milliseconds(10'000));
  for (int i = 0; i < 100; ++i) {
    const auto d = backoff_delay(2, milliseconds(1000), milliseconds(60'000), 0.5, rng);
    CHECK(d >= milliseconds(1000));
    CHECK(d <= milliseconds(2000));
  }
}

TEST_CASE("durations and sizes for messages", "[http_util]") {
  CHECK(conventiond::format_duration(milliseconds(10'000)) == "10 s");
  CHECK(conventiond::format_duration(milliseconds(1'500)) == "1.5 s");
  CHECK(conventiond::format_duration(milliseconds(250)) == "250 ms");
  CHECK(conventiond::format_bytes(5u << 20) == "5 MiB");
  CHECK(conventiond::format_bytes(1536) == "1.5 KiB");
  CHECK(conventiond::format_bytes(100) == "100 bytes");
}
