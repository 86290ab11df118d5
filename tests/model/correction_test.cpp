// Corrections by operators (include/conventiond/model/correction.hpp): what an operator may
// send, the canonical form stored, and the observation a correction adds to its merge.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <conventiond/model/correction.hpp>
#include <conventiond/model/model_json.hpp>

using namespace conventiond;
namespace json = boost::json;

namespace {
const std::string prog(kProgrammePauvrete);

Result<Correction> make(std::string_view kind, std::string_view field, const char* value_json,
                        std::string_view author = "alice") {
  return make_correction(prog, "67", kind, field,
                         value_json == nullptr ? json::value() : json::parse(value_json), "note",
                         author);
}
}  // namespace

TEST_CASE("correction: each correctable field takes its value, in canonical form", "[correction]") {
  struct Case {
    const char* field;
    const char* value;
    const char* canonical;
  };
  const Case cases[] = {
      {"signed_on", R"("2019-06-27")", R"("2019-06-27")"},
      {"period", R"({"end": 2021, "start": 2019})", R"({"start":2019,"end":2021})"},
      {"signatories.prefet", R"({"name": "Jean Dupont"})", R"({"name":"Jean Dupont"})"},
      {"signatories.president_departement", R"({"name": "Marie Curie", "role": "president_departement"})",
       R"({"name":"Marie Curie"})"},
      {"funding.etat.2019", R"({"amount_eur": 412000})", R"({"amount_eur":412000,"qualifier":"exact"})"},
      {"funding.departement", R"({"amount_eur": 1200000, "qualifier": "about"})",
       R"({"amount_eur":1200000,"qualifier":"about"})"},
      {"funding.etat.per_year", R"({"amount_eur": 400000})", R"({"amount_eur":400000,"qualifier":"exact"})"},
      {"measures.maraudes", "true", "true"},
  };
  for (const Case& c : cases) {
    INFO(c.field);
    auto k = make("set", c.field, c.value);
    REQUIRE(k);
    CHECK(k->field == c.field);
    CHECK(k->value_json == c.canonical);
    CHECK(k->kind == "set");
    CHECK(k->departement == "67");
  }
  auto verdict = make("not_a_convention", "", nullptr);
  REQUIRE(verdict);
  CHECK(verdict->field == "not_a_convention");
  CHECK(verdict->value_json == "true");
}

TEST_CASE("correction: what is refused, naming the member", "[correction]") {
  struct Case {
    const char* kind;
    const char* field;
    const char* value;
    const char* author;
    const char* says;
  };
  const Case cases[] = {
      {"delete", "signed_on", R"("2019-06-27")", "alice", "kind"},
      {"set", "signed_on", R"("2019-02-30")", "alice", "YYYY-MM-DD"},
      {"set", "signed_on", "20190627", "alice", "YYYY-MM-DD"},
      {"set", "period", R"({"start": 2021, "end": 2019})", "alice", "is after end"},
      {"set", "period", R"({"start": 1900, "end": 2019})", "alice", "start <= end"},
      {"set", "signatories.other", R"({"name": "X"})", "alice", "not a field"},
      {"set", "signatories.prefet", R"({"name": ""})", "alice", "name"},
      {"set", "signatories.prefet", R"({"name": "X", "role": "ministre"})", "alice", "role"},
      {"set", "funding.nobody.2019", R"({"amount_eur": 1})", "alice", "not a field"},
      {"set", "funding.etat.19", R"({"amount_eur": 1})", "alice", "not a field"},
      {"set", "funding.etat.2019", R"({"amount_eur": -5})", "alice", "amount_eur"},
      {"set", "funding.etat.2019", R"({"amount_eur": 1.5})", "alice", "amount_eur"},
      {"set", "funding.etat.2019", R"({"amount_eur": 1, "qualifier": "roughly"})", "alice", "qualifier"},
      {"set", "measures.maraudes", "false", "alice", "measure"},
      {"set", "actions.1-1.title", R"("x")", "alice", "not a field"},
      {"set", "", "true", "alice", "not a field"},
      {"not_a_convention", "signed_on", nullptr, "alice", "no field"},
      {"not_a_convention", "", "false", "alice", "true"},
      {"set", "signed_on", R"("2019-06-27")", "", "author"},
  };
  for (const Case& c : cases) {
    INFO(c.kind << " " << c.field << " " << (c.value ? c.value : "-"));
    auto k = make(c.kind, c.field, c.value, c.author);
    REQUIRE_FALSE(k);
    CHECK(k.error().code == "invalid");
    CHECK_THAT(k.error().message, Catch::Contains(c.says));
  }
  auto no_dept = make_correction(prog, "99", "set", "signed_on", json::value("2019-06-27"), "", "a");
  REQUIRE_FALSE(no_dept);
  CHECK_THAT(no_dept.error().message, Catch::Contains("département"));
}

TEST_CASE("correction: its observation states that one value, from the operator", "[correction]") {
  auto k = make("set", "funding.etat.2019", R"({"amount_eur": 412000})");
  REQUIRE(k);
  k->id = 7;
  k->created_at = "2026-12-06T10:00:00Z";
  auto o = correction_observation(*k);
  REQUIRE(o);
  CHECK(o->programme == prog);
  CHECK(o->facts.departement == "67");
  CHECK(o->source.rank == SourceRank::operator_);
  CHECK(o->source.url == "urn:conventiond:correction:" + prog + ":67:7");
  CHECK(o->source.title == "Correction 7 by alice");
  CHECK(o->source.connector == "operator");
  CHECK(o->source.fetched_at == "2026-12-06T10:00:00Z");
  REQUIRE(o->facts.funding.size() == 1);
  CHECK(o->facts.funding[0].funder == Funder::etat);
  CHECK(o->facts.funding[0].year == 2019);
  CHECK(o->facts.funding[0].amount_eur == 412000);
  REQUIRE(o->facts.funding[0].evidence);
  CHECK(o->facts.funding[0].evidence->quote == "note");
  CHECK(o->facts.funding[0].evidence->rule == "operator_correction");
  CHECK(o->facts.signatories.empty());
  CHECK_FALSE(o->facts.signed_on);
  // It round-trips through the stored JSON.
  auto back = observation_from_json(to_json(*o));
  REQUIRE(back);
  CHECK(*back == *o);

  auto verdict = make("not_a_convention", "", nullptr);
  REQUIRE(verdict);
  auto v = correction_observation(*verdict);
  REQUIRE(v);
  CHECK(v->facts.not_a_convention);
  CHECK(v->facts.evidence.count("not_a_convention") == 1);
  CHECK(json::serialize(to_json(v->facts)).find("\"not_a_convention\":true") != std::string::npos);
  // Facts without the verdict do not write the member at all.
  ConventionFacts plain;
  plain.departement = "67";
  CHECK(json::serialize(to_json(plain)).find("not_a_convention") == std::string::npos);
}

TEST_CASE("correction: current_value gives what confirm copies", "[correction]") {
  ConventionFacts f;
  f.departement = "67";
  f.signed_on = Date{2019, 6, 27};
  f.signatories.push_back(Signatory{"Jean Dupont", Role::prefet});
  FundingLine l;
  l.funder = Funder::etat;
  l.year = 2019;
  l.amount_eur = 5;
  l.qualifier = Qualifier::about;
  f.funding.push_back(l);
  CHECK(json::serialize(*current_value(f, "signed_on")) == R"("2019-06-27")");
  CHECK(json::serialize(*current_value(f, "signatories.prefet")) == R"({"name":"Jean Dupont"})");
  CHECK(json::serialize(*current_value(f, "funding.etat.2019")) == R"({"amount_eur":5,"qualifier":"about"})");
  CHECK_FALSE(current_value(f, "funding.etat.2020"));
  CHECK_FALSE(current_value(f, "period"));
  CHECK_FALSE(current_value(f, "nonsense"));
  // What it gives is accepted back as the value of a correction of that field.
  auto k = make_correction(prog, "67", "confirm", "funding.etat.2019", *current_value(f, "funding.etat.2019"), "", "a");
  REQUIRE(k);
  CHECK(k->value_json == R"({"amount_eur":5,"qualifier":"about"})");
}
