#include <catch2/catch.hpp>

#include <set>

#include <conventiond/daemon/convention_query.hpp>

using namespace conventiond;

namespace {

Convention make(const std::string& dep, std::optional<Date> signed_on, std::vector<Measure> measures = {},
                std::vector<FundingLine> funding = {}) {
  Convention c;
  c.facts.departement = dep;
  c.id = Convention::make_id(kProgrammePauvrete, dep);
  c.facts.signed_on = signed_on;
  c.facts.measures = std::move(measures);
  c.facts.funding = std::move(funding);
  c.revision = 1;
  return c;
}

std::vector<std::string> ids(const ConventionPage& p) {
  std::vector<std::string> out;
  for (const Convention* c : p.items) out.push_back(c->facts.departement);
  return out;
}

Result<ConventionPage> query(const std::vector<Convention>& all,
                             std::vector<std::pair<std::string, std::string>> params) {
  auto q = parse_convention_query(params);
  if (!q) return q.error();
  return run_convention_query(all, *q);
}

}  // namespace

TEST_CASE("conventions are filtered by département, region, date, year and measure", "[query]") {
  std::vector<Convention> all{
      make("67", Date{2019, 6, 27}, {Measure::sorties_ase}, {FundingLine{Funder::etat, 2020, 100, Qualifier::exact, false}}),
      make("68", Date{2019, 7, 1}),
      make("31", Date{2019, 3, 1}, {Measure::premier_accueil}),
      make("974", std::nullopt),
  };
  CHECK(ids(*query(all, {{"departement", "67,31"}})) == std::vector<std::string>{"31", "67"});
  CHECK(ids(*query(all, {{"departement", "67"}, {"departement", "68"}})) == std::vector<std::string>{"67", "68"});
  CHECK(ids(*query(all, {{"region", "grand est"}})) == std::vector<std::string>{"67", "68"});
  CHECK(ids(*query(all, {{"region", "Occitanie"}})) == std::vector<std::string>{"31"});
  CHECK(ids(*query(all, {{"signed_from", "2019-06-01"}})) == std::vector<std::string>{"67", "68"});
  CHECK(ids(*query(all, {{"signed_to", "2019-06-27"}})) == std::vector<std::string>{"31", "67"});
  CHECK(ids(*query(all, {{"year", "2020"}})) == std::vector<std::string>{"67"});
  CHECK(ids(*query(all, {{"measure", "premier_accueil"}})) == std::vector<std::string>{"31"});
  CHECK(ids(*query(all, {{"sort", "-signed_on"}})) == std::vector<std::string>{"68", "67", "31", "974"});
  CHECK(query(all, {})->total == 4);
}

TEST_CASE("the cursor pages through every record once, in order", "[query]") {
  std::vector<Convention> all;
  for (const char* d : {"01", "02", "03", "04", "05", "06", "07"}) all.push_back(make(d, std::nullopt));
  for (const char* sort : {"id", "-id", "departement", "-signed_on"}) {
    INFO(sort);
    std::vector<std::string> seen;
    std::string cursor;
    for (int i = 0; i < 10; ++i) {
      std::vector<std::pair<std::string, std::string>> params{{"limit", "3"}, {"sort", sort}};
      if (!cursor.empty()) params.emplace_back("cursor", cursor);
      auto page = query(all, params);
      REQUIRE(page.ok());
      for (auto& id : ids(*page)) seen.push_back(id);
      cursor = page->next_cursor;
      if (cursor.empty()) break;
    }
    CHECK(seen.size() == 7);
    CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 7);
  }
}

TEST_CASE("bad query parameters are errors naming the parameter", "[query]") {
  std::vector<Convention> all{make("67", std::nullopt)};
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"limit", "0"}, {"limit", "501"}, {"limit", "x"}, {"departement", "999"},
           {"signed_from", "2019-02-30"}, {"year", "20x"}, {"measure", "nope"}, {"sort", "name"},
           {"bogus", "1"}}) {
    INFO(name << "=" << value);
    auto r = query(all, {{name, value}});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "bad_request");
    CHECK_THAT(r.error().message, Catch::Contains(name));
  }
  auto bad_cursor = query(all, {{"cursor", "!!!not-a-cursor"}});
  REQUIRE_FALSE(bad_cursor.ok());
  CHECK_THAT(bad_cursor.error().message, Catch::Contains("cursor"));
  auto other_sort = query(std::vector<Convention>{make("01", std::nullopt), make("02", std::nullopt)},
                          {{"limit", "1"}});
  REQUIRE(other_sort.ok());
  auto mismatch = query(all, {{"cursor", other_sort->next_cursor}, {"sort", "-id"}});
  CHECK_FALSE(mismatch.ok());
}
