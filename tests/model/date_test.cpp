#include <catch2/catch.hpp>

#include <conventiond/model/date.hpp>

using namespace conventiond;

TEST_CASE("Date::to_iso pads every part", "[model][date]") {
  CHECK(Date{2019, 6, 27}.to_iso() == "2019-06-27");
  CHECK(Date{2018, 12, 1}.to_iso() == "2018-12-01");
  CHECK(Date{999, 1, 9}.to_iso() == "0999-01-09");
  CHECK(Date{9999, 12, 31}.to_iso() == "9999-12-31");
}

TEST_CASE("Date::from_iso is strict", "[model][date]") {
  auto d = Date::from_iso("2019-06-27");
  REQUIRE(d);
  CHECK(d->year == 2019);
  CHECK(d->month == 6);
  CHECK(d->day == 27);
  CHECK(Date::from_iso("2020-02-29") == Date{2020, 2, 29});

  for (const char* bad :
       {"", "2019-6-27", "2019-06-7", "19-06-27", "2019/06/27", "2019-06-27 ", " 2019-06-27",
        "2019-06-27T00:00", "2019-13-01", "2019-00-10", "2019-06-00", "2019-06-31", "2019-02-29",
        "1900-02-29", "0000-01-01", "+019-06-27", "2019-0a-27", "27/06/2019", "2019-06--1"}) {
    INFO(bad);
    CHECK_FALSE(Date::from_iso(bad));
  }
}

TEST_CASE("Date::valid knows month lengths and leap years", "[model][date]") {
  CHECK(Date::valid(2019, 1, 31));
  CHECK(Date::valid(2019, 4, 30));
  CHECK_FALSE(Date::valid(2019, 4, 31));
  CHECK_FALSE(Date::valid(2019, 2, 29));
  CHECK(Date::valid(2020, 2, 29));
  CHECK(Date::valid(2000, 2, 29));        // divisible by 400
  CHECK_FALSE(Date::valid(1900, 2, 29));  // divisible by 100 only
  CHECK_FALSE(Date::valid(2100, 2, 29));
  CHECK(Date::valid(2024, 2, 29));
  CHECK_FALSE(Date::valid(2019, 0, 1));
  CHECK_FALSE(Date::valid(2019, 13, 1));
  CHECK_FALSE(Date::valid(2019, 1, 0));
  CHECK_FALSE(Date::valid(2019, 1, -1));
  CHECK_FALSE(Date::valid(0, 1, 1));
  CHECK_FALSE(Date::valid(10000, 1, 1));
}

TEST_CASE("Date::weekday, 0 = Monday", "[model][date]") {
  CHECK(Date{1970, 1, 1}.weekday() == 3);    // Thursday
  CHECK(Date{2018, 12, 18}.weekday() == 1);  // "Ce mardi 18 décembre" (2018)
  CHECK(Date{2018, 10, 17}.weekday() == 2);  // Wednesday
  CHECK(Date{2019, 6, 27}.weekday() == 3);   // Thursday
  CHECK(Date{2000, 2, 29}.weekday() == 1);   // Tuesday
  CHECK(Date{2024, 3, 3}.weekday() == 6);    // Sunday
  CHECK(Date{2024, 3, 4}.weekday() == 0);    // Monday
  CHECK(Date{1900, 1, 1}.weekday() == 0);    // Monday
  CHECK(Date{1, 1, 1}.weekday() == 0);       // proleptic Gregorian: Monday
}

TEST_CASE("Date ordering is chronological", "[model][date]") {
  CHECK(Date{2018, 12, 31} < Date{2019, 1, 1});
  CHECK(Date{2019, 1, 31} < Date{2019, 2, 1});
  CHECK(Date{2019, 2, 1} < Date{2019, 2, 2});
  CHECK(Date{2019, 2, 1} == Date{2019, 2, 1});
}
