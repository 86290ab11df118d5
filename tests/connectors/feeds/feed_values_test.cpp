#include <catch2/catch.hpp>

#include <string>

#include "common/feed_values.hpp"

namespace feeds = conventiond::feeds;

TEST_CASE("feed values: département codes are validated and made canonical") {
  CHECK(feeds::departement_code("1") == "01");
  CHECK(feeds::departement_code(" 01 ") == "01");
  CHECK(feeds::departement_code("067") == "67");
  CHECK(feeds::departement_code("2a") == "2A");
  CHECK(feeds::departement_code("02B") == "2B");
  CHECK(feeds::departement_code("971") == "971");
  CHECK(feeds::departement_code("976") == "976");
  CHECK(feeds::departement_code("95") == "95");
  for (const char* bad : {"", "0", "00", "20", "96", "975", "977", "99", "R84", "2C", "Total France",
                          "1.5", "0971", "-1", "9999999999999999999999"}) {
    INFO(bad);
    CHECK(feeds::departement_code(bad).empty());
  }
}

TEST_CASE("feed values: French numbers with spaces and decimal commas") {
  auto value = [](const char* text) {
    auto r = feeds::parse_number(text);
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    return **r;
  };
  CHECK(value("1234") == 1234);
  CHECK(value("1 234") == 1234);
  CHECK(value("1\xC2\xA0" "234\xC2\xA0" "567,5") == 1234567.5);
  CHECK(value("3\xE2\x80\xAF" "038\xE2\x80\xAF" "300") == 3038300);
  CHECK(value("12,5") == 12.5);
  CHECK(value("12.5") == 12.5);
  CHECK(value("-3") == -3);
  CHECK(value(" 7 ") == 7);
  auto empty = feeds::parse_number("  ");
  REQUIRE(empty.ok());
  CHECK_FALSE(empty->has_value());
  for (const char* bad : {"n.d.", "s", "NA", "12 34", "1234 567", "1,234,5", "1.2.3", ",5", "5,",
                          "1e3", "--1", "12abc", "inf", "nan", "1 234 5", "\xFF"}) {
    INFO(bad);
    auto r = feeds::parse_number(bad);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::StartsWith("not a number: '"));
  }
}

TEST_CASE("feed values: periods as feeds write them") {
  using feeds::PeriodKind;
  auto period = [](const char* text, PeriodKind kind = PeriodKind::automatic) {
    auto r = feeds::parse_period(text, kind);
    if (!r.ok()) FAIL(r.error().message);
    return *r;
  };
  CHECK(period("2024-12-31") == "2024-12");
  CHECK(period("2024-12-31T00:00:00+00:00") == "2024-12");
  CHECK(period("31/12/2024") == "2024-12");
  CHECK(period("2024-03") == "2024-03");
  CHECK(period("202403") == "2024-03");
  CHECK(period("2024-T4") == "2024-T4");
  CHECK(period("2024T4") == "2024-T4");
  CHECK(period("2024-Q2") == "2024-T2");
  CHECK(period("T1 2025") == "2025-T1");
  CHECK(period("2024-11-30", PeriodKind::quarter) == "2024-T4");
  CHECK(period("2024-01", PeriodKind::quarter) == "2024-T1");
  for (const char* bad : {"", "2024", "2024-13", "2024-00", "2024-T5", "2024-T0", "1850-01",
                          "2024-12-32", "12/2024", "déc. 2024", "2024-1", "2024-12-31X"}) {
    INFO(bad);
    CHECK_FALSE(feeds::parse_period(bad, PeriodKind::automatic).ok());
  }
  auto quarter_as_month = feeds::parse_period("2024-T4", PeriodKind::month);
  REQUIRE_FALSE(quarter_as_month.ok());
  CHECK_THAT(quarter_as_month.error().message, Catch::Contains("a quarter where a month"));
}

TEST_CASE("feed values: indicator names from a template") {
  auto lookup = [](const std::string& f) -> std::optional<std::string> {
    if (f == "categorie") return "ABC";
    if (f == "vide") return " ";
    return std::nullopt;
  };
  auto name = feeds::expand_name("france_travail.demandeurs_cat_{categorie}", lookup);
  REQUIRE(name.ok());
  CHECK(*name == "france_travail.demandeurs_cat_abc");
  CHECK_FALSE(feeds::expand_name("x_{absent}", lookup).ok());
  CHECK_FALSE(feeds::expand_name("x_{vide}", lookup).ok());
  CHECK_FALSE(feeds::expand_name("x_{categorie", lookup).ok());
  CHECK_FALSE(feeds::expand_name("Caf.Foyers", lookup).ok());
  CHECK(feeds::name_part("cvs-cjo") == "cvs_cjo");
}
