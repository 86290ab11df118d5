#include <catch2/catch.hpp>

#include <conventiond/extract/periods.hpp>

using conventiond::find_periods;
using conventiond::Period;

namespace {
std::vector<Period> periods(std::string_view t) {
  std::vector<Period> out;
  for (const auto& m : find_periods(t)) out.push_back(m.period);
  return out;
}
using V = std::vector<Period>;
}  // namespace

TEST_CASE("periods in their forms", "[periods]") {
  CHECK(periods("pour la période 2019-2021.") == V{{2019, 2021}});
  CHECK(periods("contrats de trois ans (2019/2020/2021)") == V{{2019, 2021}});
  CHECK(periods("pour une durée de 3 ans (2019-2021).") == V{{2019, 2021}});
  CHECK(periods("de 2019 à 2021") == V{{2019, 2021}});
  CHECK(periods("sur 2019 – 2022") == V{{2019, 2022}});
  CHECK(periods("CONVENTION 2019-2021") == V{{2019, 2021}});
  CHECK(periods("l'avenant 2021-2022") == V{{2021, 2022}});
}

TEST_CASE("not periods", "[periods]") {
  CHECK(periods("le 27 juin 2019").empty());
  CHECK(periods("03/06/2020").empty());
  CHECK(periods("2021-2019").empty());
  CHECK(periods("1 137 000").empty());
  CHECK(periods("2019 à 2021").empty());  // "à" needs "de" before
  CHECK(periods("CD2018/059").empty());
  CHECK(periods("1990-2050").empty());
  const std::string t = "période 2019-2021";
  const auto m = find_periods(t);
  REQUIRE(m.size() == 1);
  CHECK(t.substr(m[0].begin, m[0].end - m[0].begin) == "2019-2021");
}
