#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include <conventiond/extract/extractor.hpp>
#include <conventiond/merge/merge.hpp>
#include <conventiond/model/correction.hpp>
#include <conventiond/model/model_json.hpp>

using namespace conventiond;
namespace json = boost::json;

namespace {

Source source(std::string url, SourceRank rank, std::string fetched_at) {
  Source s;
  s.url = std::move(url);
  s.title = "title of " + s.url;
  s.media_type = "text/html";
  s.fetched_at = std::move(fetched_at);
  s.content_hash = "sha256:" + std::to_string(std::hash<std::string>{}(s.url));
  s.connector = "test";
  s.rank = rank;
  return s;
}

Observation observation(Source s, ConventionFacts facts) {
  Observation o;
  o.source = std::move(s);
  if (facts.departement.empty()) facts.departement = "67";
  o.facts = std::move(facts);
  return o;
}

Convention merged(const std::vector<Observation>& observations,
                  std::string_view departement = "67") {
  auto r = merge_observations(kProgrammePauvrete, departement, observations);
  if (!r.ok()) FAIL(r.error().message);
  return *r;
}

const FieldProvenance& field(const Convention& c, std::string_view name) {
  for (const FieldProvenance& p : c.provenance) {
    if (p.field == name) return p;
  }
  FAIL("no provenance for field " << name);
  throw;  // unreachable
}

bool has_field(const Convention& c, std::string_view name) {
  return std::any_of(c.provenance.begin(), c.provenance.end(),
                     [&](const FieldProvenance& p) { return p.field == name; });
}

std::vector<std::string> alternative_urls(const FieldProvenance& p) {
  std::vector<std::string> out;
  for (const Alternative& a : p.alternatives) out.push_back(a.source.url);
  return out;
}

std::vector<std::string> alternative_values(const FieldProvenance& p) {
  std::vector<std::string> out;
  for (const Alternative& a : p.alternatives) out.push_back(a.value_json);
  return out;
}

std::string text_of(const Convention& c) { return json::serialize(to_json(c)); }

FundingLine line(Funder f, std::optional<int> year, std::int64_t amount,
                 Qualifier q = Qualifier::exact, bool per_year = false) {
  FundingLine l;
  l.funder = f;
  l.year = year;
  l.amount_eur = amount;
  l.qualifier = q;
  l.per_year = per_year;
  return l;
}

const FundingLine* funding_of(const std::vector<FundingLine>& lines, Funder f,
                              std::optional<int> year) {
  for (const FundingLine& l : lines) {
    if (l.funder == f && l.year == year) return &l;
  }
  return nullptr;
}

constexpr SourceRank kText = SourceRank::convention_text;
constexpr SourceRank kOfficial = SourceRank::official_release;
constexpr SourceRank kNews = SourceRank::news;

}  // namespace

TEST_CASE("Source rank beats precision", "[merge]") {
  ConventionFacts official;
  official.funding = {line(Funder::total, std::nullopt, 3200000, Qualifier::about)};
  official.signed_on = Date{2019, 6, 0};  // a month only
  ConventionFacts news;
  news.funding = {line(Funder::total, std::nullopt, 3187000)};
  news.signed_on = Date{2019, 6, 27};
  const Convention c = merged(
      {observation(source("https://news.example/a", kNews, "2024-05-01T00:00:00Z"), news),
       observation(source("https://prefecture.example/cp", kOfficial, "2023-01-01T00:00:00Z"),
                   official)});
  REQUIRE(c.facts.funding.size() == 1);
  CHECK(c.facts.funding[0].amount_eur == 3200000);
  CHECK(c.facts.funding[0].qualifier == Qualifier::about);
  const FieldProvenance& p = field(c, "funding.total");
  CHECK(p.chosen.url == "https://prefecture.example/cp");
  CHECK(alternative_urls(p) == std::vector<std::string>{"https://news.example/a"});
  CHECK(alternative_values(p) ==
        std::vector<std::string>{R"({"funder":"total","year":null,"amount_eur":3187000,)"
                                 R"("qualifier":"exact"})"});
  CHECK(c.facts.signed_on == Date{2019, 6, 0});
  CHECK(field(c, "signed_on").chosen.url == "https://prefecture.example/cp");
  CHECK(alternative_values(field(c, "signed_on")) == std::vector<std::string>{R"("2019-06-27")"});
}

TEST_CASE("Precision beats recency: an exact amount over an approximate one", "[merge]") {
  ConventionFacts older;
  older.funding = {line(Funder::etat, 2019, 570312)};
  ConventionFacts newer;
  newer.funding = {line(Funder::etat, 2019, 570000, Qualifier::more_than)};
  const Convention c =
      merged({observation(source("https://b.example/new", kNews, "2024-06-01T00:00:00Z"), newer),
              observation(source("https://a.example/old", kNews, "2020-01-01T00:00:00Z"), older)});
  const FundingLine* l = funding_of(c.facts.funding, Funder::etat, 2019);
  REQUIRE(l != nullptr);
  CHECK(l->amount_eur == 570312);
  CHECK(l->qualifier == Qualifier::exact);
  const FieldProvenance& p = field(c, "funding.etat.2019");
  CHECK(p.chosen.url == "https://a.example/old");
  CHECK(alternative_urls(p) == std::vector<std::string>{"https://b.example/new"});
}

TEST_CASE("Precision beats recency: a full date over a month", "[merge]") {
  CHECK(date_precision(Date{2019, 6, 27}) == 3);
  CHECK(date_precision(Date{2019, 6, 0}) == 2);
  CHECK(date_precision(Date{2019, 0, 0}) == 1);
  CHECK(date_precision(Date{}) == 0);
  ConventionFacts month;
  month.signed_on = Date{2019, 7, 0};
  ConventionFacts day;
  day.signed_on = Date{2019, 6, 27};
  const Convention c = merged(
      {observation(source("https://a.example/month", kOfficial, "2024-01-01T00:00:00Z"), month),
       observation(source("https://b.example/day", kOfficial, "2019-07-01T00:00:00Z"), day)});
  CHECK(c.facts.signed_on == Date{2019, 6, 27});
  CHECK(field(c, "signed_on").chosen.url == "https://b.example/day");
  CHECK(alternative_values(field(c, "signed_on")) == std::vector<std::string>{R"("2019-07-00")"});
}

TEST_CASE("Recency decides between equals, then the URL", "[merge]") {
  ConventionFacts a;
  a.period = Period{2019, 2021};
  ConventionFacts b;
  b.period = Period{2019, 2022};
  SECTION("the later fetch wins") {
    const Convention c =
        merged({observation(source("https://a.example/x", kNews, "2021-03-01T10:00:00Z"), a),
                observation(source("https://b.example/y", kNews, "2021-03-02T09:00:00Z"), b)});
    CHECK(c.facts.period == Period{2019, 2022});
    CHECK(field(c, "period").chosen.url == "https://b.example/y");
    CHECK(alternative_values(field(c, "period")) ==
          std::vector<std::string>{R"({"start":2019,"end":2021})"});
  }
  SECTION("fetched at the same time: the smaller URL wins") {
    const Convention c =
        merged({observation(source("https://b.example/y", kNews, "2021-03-01T10:00:00Z"), b),
                observation(source("https://a.example/x", kNews, "2021-03-01T10:00:00Z"), a)});
    CHECK(c.facts.period == Period{2019, 2021});
    CHECK(field(c, "period").chosen.url == "https://a.example/x");
  }
}

TEST_CASE("Alternatives list each different value once, with its best source", "[merge]") {
  ConventionFacts v1;
  v1.signed_on = Date{2019, 6, 27};
  ConventionFacts v2;
  v2.signed_on = Date{2019, 6, 28};
  const Convention c = merged({
      observation(source("https://pref.example/1", kOfficial, "2020-01-01T00:00:00Z"), v1),
      observation(source("https://news.example/1", kNews, "2020-01-02T00:00:00Z"), v1),
      observation(source("https://news.example/2", kNews, "2020-01-03T00:00:00Z"), v2),
      observation(source("https://news.example/3", kNews, "2020-01-04T00:00:00Z"), v2),
      observation(source("https://blog.example/4", SourceRank::unknown, "2020-01-05T00:00:00Z"),
                  v2),
  });
  CHECK(c.facts.signed_on == Date{2019, 6, 27});
  const FieldProvenance& p = field(c, "signed_on");
  CHECK(p.chosen.url == "https://pref.example/1");
  // The chosen value's other source (news/1) is not listed; the other value once, from its
  // best source (the most recent news).
  CHECK(alternative_urls(p) == std::vector<std::string>{"https://news.example/3"});
  CHECK(p.alternatives[0].source.rank == kNews);
  CHECK(p.alternatives[0].source.fetched_at == "2020-01-04T00:00:00Z");
}

TEST_CASE("Every order of the same observations gives the same record", "[merge]") {
  ConventionFacts text;
  text.period = Period{2019, 2021};
  text.signatories = {{"Jean-Luc MARX", Role::prefet},
                      {"Frédéric BIERRY", Role::president_departement}};
  text.funding = {line(Funder::etat, 2019, 1125000)};
  text.actions = {Action{"1-1", "Prévenir les sorties sèches", {line(Funder::etat, 2019, 155000)}}};
  ConventionFacts release;
  release.signed_on = Date{2019, 7, 4};
  release.signatories = {{"J.-L. Marx", Role::prefet}, {"Christelle Dubos", Role::secretaire_etat}};
  release.funding = {line(Funder::etat, 2019, 1100000, Qualifier::about),
                     line(Funder::departement, std::nullopt, 3000000)};
  release.measures = {Measure::insertion_rsa, Measure::sorties_ase};
  ConventionFacts news1;
  news1.signed_on = Date{2019, 7, 3};
  news1.funding = {line(Funder::etat, 2019, 1200000)};
  news1.measures = {Measure::sorties_ase, Measure::premier_accueil};
  ConventionFacts news2;
  news2.signed_on = Date{2019, 7, 5};
  news2.period = Period{2019, 2022};
  news2.funding = {line(Funder::etat, 2019, 1300000)};
  news2.amendments = {
      Amendment{2020, Date{2020, 6, 1}, {line(Funder::etat, std::nullopt, 900000)}, {}}};
  ConventionFacts news3 = news2;  // same fetch time as news2: the URL decides
  news3.signed_on = Date{2019, 7, 6};
  news3.funding = {line(Funder::etat, 2019, 1400000)};

  const std::vector<Observation> all = {
      observation(source("https://pref.example/convention.pdf", kText, "2021-01-01T00:00:00Z"),
                  text),
      observation(source("https://pref.example/cp", kOfficial, "2021-01-02T00:00:00Z"), release),
      observation(source("https://news.example/1", kNews, "2021-01-03T00:00:00Z"), news1),
      observation(source("https://news.example/2", kNews, "2021-01-04T00:00:00Z"), news2),
      observation(source("https://news.example/3", kNews, "2021-01-04T00:00:00Z"), news3),
  };
  std::vector<std::size_t> order(all.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const std::string expected = text_of(merged(all));
  int permutations = 0;
  do {
    std::vector<Observation> shuffled;
    for (std::size_t i : order) shuffled.push_back(all[i]);
    REQUIRE(text_of(merged(shuffled)) == expected);
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(permutations == 120);

  const Convention c = merged(all);
  CHECK(c.id == "pauvrete-2019:67");
  CHECK(c.revision == 0);
  CHECK(c.updated_at.empty());
  CHECK(c.facts.signed_on == Date{2019, 7, 4});  // the official release
  CHECK(alternative_urls(field(c, "signed_on")) ==
        std::vector<std::string>{"https://news.example/2", "https://news.example/3",
                                 "https://news.example/1"});
  CHECK(c.facts.period == Period{2019, 2021});  // the convention text
  CHECK(funding_of(c.facts.funding, Funder::etat, 2019)->amount_eur == 1125000);
  CHECK(alternative_values(field(c, "funding.etat.2019")).size() == 4);
  // The record round-trips through the model's JSON (what the store keeps).
  auto back = convention_from_json(to_json(c));
  REQUIRE(back.ok());
  CHECK(*back == c);
}

TEST_CASE("Identical re-observations change nothing", "[merge]") {
  ConventionFacts a;
  a.signed_on = Date{2019, 6, 27};
  a.funding = {line(Funder::etat, 2019, 213000)};
  ConventionFacts b;
  b.signed_on = Date{2019, 6, 26};
  b.measures = {Measure::maraudes};
  const Observation oa =
      observation(source("https://a.example/", kOfficial, "2021-01-01T00:00:00Z"), a);
  const Observation ob =
      observation(source("https://b.example/", kNews, "2021-01-02T00:00:00Z"), b);
  const std::string before = text_of(merged({oa, ob}));

  SECTION("the same observation twice") { CHECK(text_of(merged({oa, ob, oa, ob})) == before); }
  SECTION("a later fetch of the same bytes keeps the first fetch") {
    Observation refetch = oa;
    refetch.source.fetched_at = "2024-09-01T00:00:00Z";
    refetch.source.extractor_version = "9.9.9";
    CHECK(text_of(merged({refetch, oa, ob})) == before);
    CHECK(text_of(merged({ob, oa, refetch})) == before);
  }
  SECTION("a new version of a page replaces the old one") {
    Observation changed = oa;
    changed.source.fetched_at = "2024-09-01T00:00:00Z";
    changed.source.content_hash = "sha256:other";
    changed.facts.signed_on = Date{2019, 6, 28};
    const Convention c = merged({oa, changed, ob});
    CHECK(c.facts.signed_on == Date{2019, 6, 28});
    CHECK(field(c, "signed_on").chosen.content_hash == "sha256:other");
    // The old version of the page is not a conflicting source.
    CHECK(alternative_values(field(c, "signed_on")) == std::vector<std::string>{R"("2019-06-26")"});
  }
}

TEST_CASE("Conflicting signatories: one per role, other names as alternatives", "[merge]") {
  ConventionFacts text;
  text.signatories = {{"Jean-Luc MARX", Role::prefet},
                      {"Frédéric BIERRY", Role::president_departement},
                      {"Anne Dupont", Role::other}};
  ConventionFacts release;
  release.signatories = {{"Jean-Luc Marx", Role::prefet},  // same person, other case
                         {"Frederic Bierry", Role::president_departement},  // accents dropped
                         {"Josiane Chevalier", Role::prefet},               // a different préfet
                         {"Paul Martin", Role::other}};
  ConventionFacts news;
  news.signatories = {{"M. Marx", Role::prefet}};
  const Convention c = merged(
      {observation(source("https://news.example/", kNews, "2022-01-01T00:00:00Z"), news),
       observation(source("https://pref.example/cp", kOfficial, "2022-01-01T00:00:00Z"), release),
       observation(source("https://pref.example/c.pdf", kText, "2020-01-01T00:00:00Z"), text)});
  const std::vector<Signatory> expected = {{"Jean-Luc MARX", Role::prefet},
                                           {"Frédéric BIERRY", Role::president_departement},
                                           {"Anne Dupont", Role::other},
                                           {"Paul Martin", Role::other}};
  CHECK(c.facts.signatories == expected);
  const FieldProvenance& prefet = field(c, "signatories.prefet");
  CHECK(prefet.chosen.url == "https://pref.example/c.pdf");
  CHECK(alternative_values(prefet) ==
        std::vector<std::string>{R"({"name":"Josiane Chevalier","role":"prefet"})",
                                 R"({"name":"M. Marx","role":"prefet"})"});
  CHECK(field(c, "signatories.president_departement").alternatives.empty());
  CHECK(field(c, "signatories.other.anne dupont").chosen.url == "https://pref.example/c.pdf");
  CHECK(field(c, "signatories.other.paul martin").chosen.url == "https://pref.example/cp");

  SECTION("at equal rank, a full name beats a surname alone") {
    ConventionFacts shorter;
    shorter.signatories = {{"M. Marx", Role::prefet}};
    ConventionFacts full;
    full.signatories = {{"Jean-Luc Marx", Role::prefet}};
    const Convention d =
        merged({observation(source("https://a.example/", kNews, "2024-01-01T00:00:00Z"), shorter),
                observation(source("https://b.example/", kNews, "2020-01-01T00:00:00Z"), full)});
    CHECK(d.facts.signatories == std::vector<Signatory>{{"Jean-Luc Marx", Role::prefet}});
  }
}

TEST_CASE("Funding: per funder and year, a per-year amount meets explicit years", "[merge]") {
  ConventionFacts release;  // "240 000 € par an" without the period
  release.funding = {line(Funder::etat, std::nullopt, 240000, Qualifier::exact, true),
                     line(Funder::total, std::nullopt, 3200000, Qualifier::about),
                     line(Funder::departement, 2019, 421000)};
  ConventionFacts text;  // the period and explicit yearly amounts
  text.period = Period{2019, 2021};
  text.funding = {line(Funder::etat, 2019, 240000), line(Funder::etat, 2020, 250000)};
  const Convention c = merged(
      {observation(source("https://pref.example/cp", kOfficial, "2021-01-01T00:00:00Z"), release),
       observation(source("https://pref.example/c.pdf", kText, "2020-01-01T00:00:00Z"), text)});
  // Funder order (etat, departement, fse, total, other), then the whole period before years.
  REQUIRE(c.facts.funding.size() == 5);
  CHECK(c.facts.funding[0] == line(Funder::etat, 2019, 240000));
  CHECK(c.facts.funding[1] == line(Funder::etat, 2020, 250000));
  CHECK(c.facts.funding[2] == line(Funder::etat, 2021, 240000, Qualifier::exact, true));
  CHECK(c.facts.funding[3] == line(Funder::departement, 2019, 421000));
  CHECK(c.facts.funding[4] == line(Funder::total, std::nullopt, 3200000, Qualifier::about));
  // 2019: the same amount in both, no alternative; 2020: the release's 240 000 is one.
  CHECK(field(c, "funding.etat.2019").alternatives.empty());
  CHECK(field(c, "funding.etat.2019").chosen.url == "https://pref.example/c.pdf");
  CHECK(alternative_values(field(c, "funding.etat.2020")) ==
        std::vector<std::string>{R"({"funder":"etat","year":2020,"amount_eur":240000,)"
                                 R"("qualifier":"exact","per_year":true})"});
  CHECK(field(c, "funding.etat.2021").chosen.url == "https://pref.example/cp");
  CHECK(has_field(c, "funding.total"));
  CHECK_FALSE(has_field(c, "funding.etat.per_year"));

  SECTION("without a period the per-year amount stays one line") {
    const Convention d = merged({observation(
        source("https://pref.example/cp", kOfficial, "2021-01-01T00:00:00Z"), release)});
    CHECK(funding_of(d.facts.funding, Funder::etat, std::nullopt)->per_year);
    CHECK(has_field(d, "funding.etat.per_year"));
  }
  SECTION("an about amount and an exact amount of one rank and date: the exact one") {
    ConventionFacts about;
    about.funding = {line(Funder::fse, std::nullopt, 400000, Qualifier::about)};
    ConventionFacts exact;
    exact.funding = {line(Funder::fse, std::nullopt, 400000)};
    const Convention d =
        merged({observation(source("https://a.example/", kNews, "2021-01-01T00:00:00Z"), about),
                observation(source("https://b.example/", kNews, "2021-01-01T00:00:00Z"), exact)});
    CHECK(d.facts.funding == std::vector<FundingLine>{line(Funder::fse, std::nullopt, 400000)});
    CHECK(alternative_values(field(d, "funding.fse")) ==
          std::vector<std::string>{R"({"funder":"fse","year":null,"amount_eur":400000,)"
                                   R"("qualifier":"about"})"});
  }
}

TEST_CASE("A per-year amount is not spread over an implausible period", "[merge]") {
  ConventionFacts f;
  f.period = Period{1, 9999};
  f.funding = {line(Funder::etat, std::nullopt, 240000, Qualifier::exact, true)};
  const Convention c =
      merged({observation(source("https://a.example/", kNews, "2021-01-01T00:00:00Z"), f)});
  CHECK(c.facts.funding == f.funding);
  CHECK(has_field(c, "funding.etat.per_year"));

  f.period = Period{2021, 2019};  // reversed
  const Convention d =
      merged({observation(source("https://a.example/", kNews, "2021-01-01T00:00:00Z"), f)});
  CHECK(d.facts.funding == f.funding);
}

TEST_CASE("Measures are the union, each with its best source", "[merge]") {
  ConventionFacts a;
  a.measures = {Measure::maraudes, Measure::sorties_ase};
  ConventionFacts b;
  b.measures = {Measure::sorties_ase, Measure::petite_enfance};
  const Convention c =
      merged({observation(source("https://news.example/", kNews, "2024-01-01T00:00:00Z"), a),
              observation(source("https://pref.example/", kOfficial, "2020-01-01T00:00:00Z"), b)});
  CHECK(c.facts.measures ==
        std::vector<Measure>{Measure::sorties_ase, Measure::maraudes, Measure::petite_enfance});
  CHECK(field(c, "measures.sorties_ase").chosen.url == "https://pref.example/");
  CHECK(field(c, "measures.maraudes").chosen.url == "https://news.example/");
  CHECK(field(c, "measures.sorties_ase").alternatives.empty());
}

TEST_CASE("Actions are merged by code, in code order", "[merge]") {
  ConventionFacts annex;
  annex.actions = {
      Action{"10-1", "Dixième", {line(Funder::etat, 2019, 10000)}},
      Action{"2-1",
             "",
             {line(Funder::etat, 2019, 110000), line(Funder::departement, std::nullopt, 110000)}},
  };
  ConventionFacts summary;
  summary.actions = {
      Action{"2-1", "Insertion des allocataires", {line(Funder::etat, 2019, 110)}},
      Action{"1-1", "Sorties ASE", {}},
  };
  const Convention c = merged(
      {observation(source("https://pref.example/annex.pdf", kText, "2020-01-01T00:00:00Z"), annex),
       observation(source("https://pref.example/summary.pdf", kText, "2020-01-01T00:00:00Z"),
                   summary)});
  REQUIRE(c.facts.actions.size() == 3);
  CHECK(c.facts.actions[0].code == "1-1");
  CHECK(c.facts.actions[1].code == "2-1");
  CHECK(c.facts.actions[2].code == "10-1");
  CHECK(c.facts.actions[1].title == "Insertion des allocataires");  // a title over none
  CHECK(field(c, "actions.2-1.title").chosen.url == "https://pref.example/summary.pdf");
  CHECK(field(c, "actions.2-1.title").alternatives.empty());  // no title is not a value
  CHECK(c.facts.actions[1].funding ==
        std::vector<FundingLine>{line(Funder::etat, 2019, 110000),
                                 line(Funder::departement, std::nullopt, 110000)});
  // Same rank and fetch time: the smaller URL (annex) wins; the summary's 110 € stays visible.
  CHECK(field(c, "actions.2-1.funding.etat.2019").chosen.url == "https://pref.example/annex.pdf");
  CHECK(alternative_urls(field(c, "actions.2-1.funding.etat.2019")) ==
        std::vector<std::string>{"https://pref.example/summary.pdf"});
  CHECK(has_field(c, "actions.2-1.funding.departement"));
}

TEST_CASE("Amendments are merged by year with their funding", "[merge]") {
  ConventionFacts text;
  text.amendments = {Amendment{2022,
                               Date{2022, 7, 12},
                               {line(Funder::etat, std::nullopt, 3400000)},
                               {Action{"1-1", "Sorties ASE", {line(Funder::etat, 2022, 150000)}}}}};
  ConventionFacts news;
  news.amendments = {
      Amendment{2022,
                Date{2022, 7, 0},
                {line(Funder::etat, std::nullopt, 3500000, Qualifier::about)},
                {}},
      Amendment{2021, std::nullopt, {line(Funder::etat, std::nullopt, 3100000)}, {}},
      Amendment{std::nullopt, std::nullopt, {line(Funder::departement, std::nullopt, 50000)}, {}},
  };
  const Convention c = merged(
      {observation(source("https://news.example/", kNews, "2023-01-01T00:00:00Z"), news),
       observation(source("https://pref.example/avenant-2022.pdf", kText, "2022-08-01T00:00:00Z"),
                   text)});
  REQUIRE(c.facts.amendments.size() == 3);
  CHECK(c.facts.amendments[0].year == 2021);
  CHECK(c.facts.amendments[1].year == 2022);
  CHECK_FALSE(c.facts.amendments[2].year.has_value());  // undated last
  const Amendment& a2022 = c.facts.amendments[1];
  CHECK(a2022.signed_on == Date{2022, 7, 12});
  CHECK(a2022.funding == std::vector<FundingLine>{line(Funder::etat, std::nullopt, 3400000)});
  REQUIRE(a2022.actions.size() == 1);
  CHECK(a2022.actions[0].funding == std::vector<FundingLine>{line(Funder::etat, 2022, 150000)});
  CHECK(field(c, "amendments.2022").chosen.url == "https://pref.example/avenant-2022.pdf");
  CHECK(alternative_values(field(c, "amendments.2022.signed_on")) ==
        std::vector<std::string>{R"("2022-07-00")"});
  CHECK(alternative_values(field(c, "amendments.2022.funding.etat")) ==
        std::vector<std::string>{R"({"funder":"etat","year":null,"amount_eur":3500000,)"
                                 R"("qualifier":"about"})"});
  CHECK(field(c, "amendments.2022.actions.1-1.funding.etat.2022").chosen.url ==
        "https://pref.example/avenant-2022.pdf");
  CHECK(field(c, "amendments.2021.funding.etat").chosen.url == "https://news.example/");
  CHECK(has_field(c, "amendments.undated.funding.departement"));
  CHECK_FALSE(has_field(c, "amendments.2021.signed_on"));
}

TEST_CASE("Observations of another convention are refused, naming the document", "[merge]") {
  ConventionFacts ok;
  ConventionFacts other;
  other.departement = "68";
  const Observation good =
      observation(source("https://a.example/", kNews, "2021-01-01T00:00:00Z"), ok);
  const Observation wrong =
      observation(source("https://b.example/haut-rhin", kNews, "2021-01-01T00:00:00Z"), other);
  auto r = merge_observations(kProgrammePauvrete, "67", {good, wrong});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "invalid");
  CHECK(r.error().message ==
        "merge: https://b.example/haut-rhin: observation of pauvrete-2019:68, not of "
        "pauvrete-2019:67");

  Observation programme = good;
  programme.programme = "autre-programme";
  r = merge_observations(kProgrammePauvrete, "67", {programme});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "invalid");
  CHECK(r.error().message.find("https://a.example/") != std::string::npos);

  r = merge_observations(kProgrammePauvrete, "00", {good});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "invalid");
  CHECK(r.error().message == "merge: unknown département '00'");

  r = merge_observations("", "67", {good});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "invalid");
}

TEST_CASE("Merging no observation is an error, a loose département code is accepted", "[merge]") {
  auto r = merge_observations(kProgrammePauvrete, "67", {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "empty");
  CHECK(r.error().message == "merge: no observation of pauvrete-2019:67");

  ConventionFacts ain;
  ain.departement = "1";
  const Convention c =
      merged({observation(source("https://a.example/", kNews, "2021"), ain)}, "01");
  CHECK(c.id == "pauvrete-2019:01");
  CHECK(c.facts.departement == "01");
  CHECK(c.provenance.empty());  // nothing stated, nothing to trace
}

// ---------------------------------------------------------------------------------------------
// Real documents of the shared corpus (copied in tests/fixtures/documents/corpus)
// ---------------------------------------------------------------------------------------------
namespace {

Observation corpus_observation(const std::string& name, std::string_view departement,
                               SourceRank rank, std::string fetched_at) {
  const std::string path =
      std::string(CONVENTIOND_SOURCE_DIR) + "/tests/fixtures/documents/corpus/" + name;
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  REQUIRE_FALSE(bytes.str().empty());
  auto extraction = extract_document(bytes.str(), "", name);
  if (!extraction.ok()) FAIL(extraction.error().message);
  Observation o;
  o.source.url = "file://" + path;
  o.source.title = extraction->document.title;
  o.source.media_type = extraction->document.media_type;
  o.source.content_hash = extraction->document.content_hash;
  o.source.fetched_at = std::move(fetched_at);
  o.source.extractor_version = std::string(kExtractorVersion);
  o.source.rank = rank;
  for (const ConventionFacts& f : extraction->conventions) {
    if (f.departement == departement) o.facts = f;
  }
  REQUIRE(o.facts.departement == departement);
  return o;
}

}  // namespace

TEST_CASE("Corpus: the Bas-Rhin convention text and a regional news page", "[merge][corpus]") {
  const Observation convention =
      corpus_observation("bas-rhin-convention.pdf", "67", kText, "2024-01-01T00:00:00Z");
  const Observation news =
      corpus_observation("hauts-de-france-actualite.html", "67", kNews, "2024-06-01T00:00:00Z");
  const Convention c = merged({news, convention});
  CHECK(text_of(c) == text_of(merged({convention, news})));
  // The news page adds nothing the convention does not state: the merged facts are the
  // convention's, with the measures in vocabulary order.
  ConventionFacts expected = convention.facts;
  std::vector<Measure> measures;
  for (Measure m : kAllMeasures) {
    if (std::find(expected.measures.begin(), expected.measures.end(), m) !=
        expected.measures.end()) {
      measures.push_back(m);
    }
  }
  expected.measures = measures;
  CHECK(c.facts.period == expected.period);
  CHECK(c.facts.signed_on == expected.signed_on);
  CHECK(c.facts.measures == expected.measures);
  CHECK(c.facts.actions.size() == expected.actions.size());
  CHECK(c.facts.signatories.size() == expected.signatories.size());
  // The measures both state come from the convention text (better rank, though older).
  CHECK(field(c, "measures.sorties_ase").chosen.url == convention.source.url);
  CHECK(field(c, "measures.insertion_rsa").chosen.url == convention.source.url);
  CHECK(field(c, "signatories.prefet").chosen.title == convention.source.title);
  CHECK(field(c, "actions.3-2.funding.etat.2021").chosen.url == convention.source.url);
  for (const FieldProvenance& p : c.provenance) {
    INFO(p.field);
    CHECK(p.alternatives.empty());  // no conflict between these two documents
  }
}

TEST_CASE("Corpus: the Pas-de-Calais release and a regional news page", "[merge][corpus]") {
  const Observation release =
      corpus_observation("pas-de-calais-communique.pdf", "62", kOfficial, "2024-01-01T00:00:00Z");
  const Observation news =
      corpus_observation("hauts-de-france-actualite.html", "62", kNews, "2024-06-01T00:00:00Z");
  const Convention c = merged({news, release}, "62");
  CHECK(c.id == "pauvrete-2019:62");
  CHECK(c.facts.signed_on == Date{2018, 12, 18});
  CHECK(field(c, "signed_on").chosen.url == release.source.url);
  CHECK(c.facts.signatories.size() == 2);
  CHECK(field(c, "measures.insertion_rsa").chosen.url == release.source.url);
  // Re-harvesting the same two documents changes nothing.
  Observation again = news;
  again.source.fetched_at = "2024-12-01T00:00:00Z";
  CHECK(text_of(merged({again, release, news}, "62")) == text_of(c));
  // A record with provenance round-trips through the model's JSON.
  auto back = convention_from_json(to_json(c));
  REQUIRE(back.ok());
  CHECK(*back == c);
}

namespace {
Evidence quote_at(std::string quote, std::int64_t begin) {
  Evidence e;
  e.end = begin + static_cast<std::int64_t>(quote.size());
  e.begin = begin;
  e.quote = std::move(quote);
  e.confidence = 0.9;
  e.rule = "date_in_signing_sentence";
  return e;
}
}  // namespace

TEST_CASE("provenance shows the chosen value's quote and the alternatives' quotes", "[merge][evidence]") {
  ConventionFacts a;
  a.signed_on = Date{2019, 6, 27};
  a.evidence.emplace("signed_on", quote_at("La convention a été signée le 27 juin 2019.", 10));
  FundingLine la;
  la.funder = Funder::etat;
  la.year = 2019;
  la.amount_eur = 1125000;
  la.evidence = quote_at("En 2019, l'État apporte 1 125 000 €.", 80);
  a.funding = {la};
  a.signatories = {{"Jean-Luc Marx", Role::prefet, quote_at("signée par le préfet Jean-Luc Marx", 0)}};
  a.measures = {Measure::maraudes};
  a.evidence.emplace("measures.maraudes", quote_at("des maraudes mixtes", 200));
  ConventionFacts b;
  b.signed_on = Date{2019, 6, 28};
  b.evidence.emplace("signed_on", quote_at("signée vendredi 28 juin 2019", 5));
  FundingLine lb = la;
  lb.amount_eur = 1100000;
  lb.qualifier = Qualifier::about;
  lb.evidence = quote_at("près de 1,1 million d'euros", 40);
  b.funding = {lb};
  FundingLine plain = lb;  // an old observation: no evidence
  plain.amount_eur = 1000000;
  plain.evidence.reset();
  ConventionFacts old;
  old.funding = {plain};
  const Convention c = merged({observation(source("https://pref.example/conv.pdf", SourceRank::convention_text,
                                                  "2020-01-01T00:00:00Z"),
                                           a),
                               observation(source("https://news.example/a", SourceRank::news, "2020-02-01T00:00:00Z"), b),
                               observation(source("https://news.example/old", SourceRank::news, "2019-02-01T00:00:00Z"),
                                           old)});
  const FieldProvenance& date = field(c, "signed_on");
  CHECK(date.chosen.url == "https://pref.example/conv.pdf");
  REQUIRE(date.evidence);
  CHECK(date.evidence->quote == "La convention a été signée le 27 juin 2019.");
  REQUIRE(date.alternatives.size() == 1);
  CHECK(date.alternatives[0].value_json == "\"2019-06-28\"");
  REQUIRE(date.alternatives[0].evidence);
  CHECK(date.alternatives[0].evidence->quote == "signée vendredi 28 juin 2019");
  CHECK(c.facts.evidence.at("signed_on").quote == "La convention a été signée le 27 juin 2019.");

  const FieldProvenance& money = field(c, "funding.etat.2019");
  REQUIRE(money.evidence);
  CHECK(money.evidence->quote == "En 2019, l'État apporte 1 125 000 €.");
  REQUIRE(money.alternatives.size() == 2);
  // the alternative's value is the value alone; its quote is beside it
  CHECK(money.alternatives[0].value_json.find("evidence") == std::string::npos);
  CHECK(money.alternatives[0].evidence->quote == "près de 1,1 million d'euros");
  CHECK_FALSE(money.alternatives[1].evidence);  // an observation stored before evidence
  REQUIRE(c.facts.funding.size() == 1);
  CHECK(c.facts.funding[0].evidence->quote == money.evidence->quote);

  CHECK(field(c, "signatories.prefet").evidence->quote == "signée par le préfet Jean-Luc Marx");
  CHECK(field(c, "measures.maraudes").evidence->quote == "des maraudes mixtes");

  // and the record's JSON shows them
  const json::value v = to_json(c);
  bool seen = false;
  for (const auto& p : v.at("provenance").as_array())
    if (p.at("field") == "signed_on") {
      seen = true;
      CHECK(p.at("evidence").at("quote") == "La convention a été signée le 27 juin 2019.");
      CHECK(p.at("alternatives").at(0).at("evidence").at("quote") == "signée vendredi 28 juin 2019");
      CHECK(p.at("alternatives").at(0).at("value") == "2019-06-28");
    }
  CHECK(seen);
}

TEST_CASE("An operator's correction wins its field, shows its note, and leaves the rest", "[merge][correction]") {
  Observation doc;
  doc.facts.departement = "67";
  doc.facts.signed_on = Date{2019, 6, 27};
  FundingLine l;
  l.funder = Funder::etat;
  l.year = 2019;
  l.amount_eur = 400000;
  doc.facts.funding.push_back(l);
  doc.source = source("https://www.bas-rhin.gouv.fr/convention.pdf", SourceRank::convention_text,
                      "2026-01-01T00:00:00Z");

  auto k = make_correction(std::string(kProgrammePauvrete), "67", "set", "funding.etat.2019",
                           json::parse(R"({"amount_eur": 412000})"), "annexe financière, p. 12",
                           "alice");
  REQUIRE(k);
  k->id = 3;
  k->created_at = "2025-01-01T00:00:00Z";  // older than the document: rank decides, not time
  auto op = correction_observation(*k);
  REQUIRE(op);

  auto merged = merge_observations(kProgrammePauvrete, "67", {doc, *op});
  REQUIRE(merged);
  REQUIRE(merged->facts.funding.size() == 1);
  CHECK(merged->facts.funding[0].amount_eur == 412000);
  CHECK(merged->facts.signed_on == Date{2019, 6, 27});  // the document's, untouched
  const FieldProvenance* p = nullptr;
  for (const auto& f : merged->provenance) {
    if (f.field == "funding.etat.2019") p = &f;
  }
  REQUIRE(p != nullptr);
  CHECK(p->chosen.rank == SourceRank::operator_);
  CHECK(p->chosen.title == "Correction 3 by alice");
  REQUIRE(p->evidence);
  CHECK(p->evidence->quote == "annexe financière, p. 12");
  REQUIRE(p->alternatives.size() == 1);  // the document's amount stays visible
  CHECK(p->alternatives[0].source.url == "https://www.bas-rhin.gouv.fr/convention.pdf");
  CHECK_FALSE(merged->facts.not_a_convention);

  // Without the correction, the documents' merge comes back.
  auto plain = merge_observations(kProgrammePauvrete, "67", {doc});
  REQUIRE(plain);
  CHECK(plain->facts.funding[0].amount_eur == 400000);

  // The verdict: flagged, with its provenance.
  auto v = make_correction(std::string(kProgrammePauvrete), "67", "not_a_convention", "", json::value(),
                           "un contrat de ville", "bob");
  REQUIRE(v);
  v->id = 4;
  auto vo = correction_observation(*v);
  REQUIRE(vo);
  auto rejected = merge_observations(kProgrammePauvrete, "67", {doc, *vo});
  REQUIRE(rejected);
  CHECK(rejected->facts.not_a_convention);
  CHECK(rejected->facts.evidence.at("not_a_convention").quote == "un contrat de ville");
  CHECK(rejected->provenance.back().field == "not_a_convention");
}
