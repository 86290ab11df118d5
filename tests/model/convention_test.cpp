#include <catch2/catch.hpp>

#include <conventiond/model/convention.hpp>

using namespace conventiond;

TEST_CASE("Convention::make_id is programme:département", "[model][convention]") {
  CHECK(Convention::make_id("pauvrete-2019", "67") == "pauvrete-2019:67");
  CHECK(Convention::make_id(kProgrammePauvrete, "974") == "pauvrete-2019:974");
  CHECK(Convention::make_id(kProgrammePauvrete, "2A") == "pauvrete-2019:2A");
  // Loosely written codes give the canonical id.
  CHECK(Convention::make_id(kProgrammePauvrete, "1") == "pauvrete-2019:01");
  CHECK(Convention::make_id(kProgrammePauvrete, "2b") == "pauvrete-2019:2B");
  // An unknown code is kept as given rather than dropped.
  CHECK(Convention::make_id("x", "zz") == "x:zz");
}

TEST_CASE("Convention defaults", "[model][convention]") {
  Convention c;
  CHECK(c.programme == "pauvrete-2019");
  CHECK(c.revision == 0);
  CHECK(c.facts.funding.empty());
  FundingLine f;
  CHECK(f.qualifier == Qualifier::exact);
  CHECK_FALSE(f.year);
  CHECK_FALSE(f.per_year);
}
