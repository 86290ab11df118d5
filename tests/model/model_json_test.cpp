#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>

#include <conventiond/model/model_json.hpp>

#include "samples.hpp"

using namespace conventiond;
namespace json = boost::json;

namespace {

json::value parse(std::string_view text) {
  auto v = parse_json(text);
  REQUIRE(v.ok());
  return *v;
}

// value -> struct -> value -> text -> value -> struct: all equal.
template <class T, class F>
void check_round_trip(const T& original, F from_json) {
  const json::value v = to_json(original);
  auto back = from_json(v);
  if (!back.ok()) FAIL(back.error().message);
  CHECK(*back == original);
  CHECK(to_json(*back) == v);

  const std::string text = json::serialize(v);
  auto reparsed = parse_json(text);
  REQUIRE(reparsed.ok());
  auto back2 = from_json(*reparsed);
  REQUIRE(back2.ok());
  CHECK(*back2 == original);
  CHECK(json::serialize(to_json(*back2)) == text);
}

template <class F>
std::string error_of(std::string_view text, F from_json) {
  auto r = from_json(parse(text));
  if (r.ok()) return "(parsed)";
  CHECK(r.error().code == "parse");
  return r.error().message;
}

const char* const kMinimalFacts = R"({"departement":"67"})";

}  // namespace

TEST_CASE("ConventionFacts JSON has the corpus scorer's shape", "[model][json]") {
  ConventionFacts f;
  f.departement = "67";
  f.period = Period{2019, 2021};
  f.signatories = {{"Jean-Luc MARX", Role::prefet}};
  f.funding = {test::line(Funder::etat, 2019, 1125000),
               test::line(Funder::departement, std::nullopt, 570000, Qualifier::more_than, true)};
  f.measures = {Measure::sorties_ase};
  f.actions = {{"1-1", "Sorties ASE", {test::line(Funder::etat, 2020, 155000)}}};
  CHECK(
      json::serialize(to_json(f)) ==
      R"({"departement":"67","signed_on":null,"period":{"start":2019,"end":2021},)"
      R"("signatories":[{"name":"Jean-Luc MARX","role":"prefet"}],)"
      R"("funding":[{"funder":"etat","year":2019,"amount_eur":1125000,"qualifier":"exact"},)"
      R"({"funder":"departement","year":null,"amount_eur":570000,"qualifier":"more_than","per_year":true}],)"
      R"("measures":["sorties_ase"],)"
      R"("actions":[{"code":"1-1","title":"Sorties ASE","funding":[{"funder":"etat","year":2020,"amount_eur":155000,"qualifier":"exact"}]}],)"
      R"("amendments":[]})");
  f.signed_on = Date{2019, 6, 27};
  f.period.reset();
  const json::value v = to_json(f);
  CHECK(v.at("signed_on") == "2019-06-27");
  CHECK(v.at("period").is_null());
  CHECK_FALSE(v.as_object().contains("schema_version"));
}

TEST_CASE("schema_version on Observation, Convention and Indicator", "[model][json]") {
  CHECK(to_json(test::full_observation()).at("schema_version") == 1);
  CHECK(to_json(test::full_convention()).at("schema_version") == 1);
  CHECK(to_json(test::full_indicator()).at("schema_version") == 1);
  CHECK(to_json(Convention{}).at("programme") == "pauvrete-2019");
  const json::value c = to_json(test::full_convention());
  CHECK(c.at("id") == "pauvrete-2019:2A");
  CHECK(c.at("revision") == std::numeric_limits<std::int64_t>::max());
  CHECK(c.at("facts").at("departement") == "2A");
}

TEST_CASE("lossless round trip of every type", "[model][json]") {
  SECTION("Source") {
    check_round_trip(test::full_source(), source_from_json);
    check_round_trip(Source{}, source_from_json);
    for (auto rank : kAllSourceRanks) {
      Source s;
      s.rank = rank;
      check_round_trip(s, source_from_json);
    }
  }
  SECTION("Signatory, Period") {
    for (auto role : kAllRoles)
      check_round_trip(Signatory{"Élisabeth « Zoé » N’Diaye", role}, signatory_from_json);
    check_round_trip(Period{2019, 2021}, period_from_json);
    check_round_trip(Period{2022, 2022}, period_from_json);
    check_round_trip(Period{}, period_from_json);
  }
  SECTION("FundingLine") {
    for (auto funder : kAllFunders) {
      for (auto q : kAllQualifiers) {
        check_round_trip(test::line(funder, 2019, 42, q), funding_line_from_json);
        check_round_trip(test::line(funder, std::nullopt, 42, q, true), funding_line_from_json);
      }
    }
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    for (std::int64_t amount : {kMax, kMax - 1, kMin, kMin + 1, std::int64_t{0}, std::int64_t{-1},
                                std::int64_t{9007199254740993}}) {
      check_round_trip(test::line(Funder::etat, std::nullopt, amount), funding_line_from_json);
    }
    check_round_trip(test::line(Funder::etat, std::numeric_limits<int>::min(), 1),
                     funding_line_from_json);
    check_round_trip(test::line(Funder::etat, std::numeric_limits<int>::max(), 1),
                     funding_line_from_json);
    check_round_trip(FundingLine{}, funding_line_from_json);
  }
  SECTION("Action, Amendment") {
    check_round_trip(test::full_facts().actions[0], action_from_json);
    check_round_trip(Action{}, action_from_json);
    check_round_trip(test::full_facts().amendments[0], amendment_from_json);
    check_round_trip(Amendment{}, amendment_from_json);
  }
  SECTION("ConventionFacts") {
    check_round_trip(test::full_facts(), convention_facts_from_json);
    ConventionFacts minimal;
    minimal.departement = "01";
    check_round_trip(minimal, convention_facts_from_json);
    for (const char* code : {"2B", "976", "95"}) {
      minimal.departement = code;
      check_round_trip(minimal, convention_facts_from_json);
    }
  }
  SECTION("FieldProvenance") {
    for (const auto& p : test::full_convention().provenance)
      check_round_trip(p, field_provenance_from_json);
  }
  SECTION("Observation") {
    check_round_trip(test::full_observation(), observation_from_json);
    Observation o;
    o.facts.departement = "974";
    check_round_trip(o, observation_from_json);
    o.programme = "";
    check_round_trip(o, observation_from_json);
  }
  SECTION("Convention") {
    check_round_trip(test::full_convention(), convention_from_json);
    Convention c;
    c.id = "pauvrete-2019:67";
    c.facts.departement = "67";
    check_round_trip(c, convention_from_json);
    c.revision = std::numeric_limits<std::int64_t>::min();
    check_round_trip(c, convention_from_json);
  }
  SECTION("Indicator") {
    check_round_trip(test::full_indicator(), indicator_from_json);
    Indicator i = test::full_indicator();
    for (double value : {0.0, -0.0, 1.0, -1.0, 0.1, 1.0 / 3.0, 12.5, 1e-300, 5e-324, 1e300,
                         -2.2250738585072014e-308, 9007199254740992.0, 9007199254740994.0,
                         1.7976931348623157e308, 123456789.123456789, 0.30000000000000004}) {
      INFO(value);
      i.value = value;
      check_round_trip(i, indicator_from_json);
    }
    i.value = 71235;
    CHECK(to_json(i).at("value").is_int64());  // counts are written as integers
    i.value = 4.5;
    CHECK(to_json(i).at("value").is_double());
  }
}

TEST_CASE("doubles survive text exactly (parse_json corrects Boost 1.81's rounding)",
          "[model][json]") {
  std::mt19937_64 rng(20190627);
  Indicator ind = test::full_indicator();
  int checked = 0;
  while (checked < 3000) {
    const std::uint64_t bits = rng();
    double d = 0;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    ++checked;
    ind.value = d;
    const std::string text = json::serialize(to_json(ind));
    auto v = parse_json(text);
    REQUIRE(v.ok());
    auto back = indicator_from_json(*v);
    REQUIRE(back.ok());
    if (back->value != d) FAIL(text);
  }
}

TEST_CASE("alternative values: JSON when canonical, text otherwise", "[model][json]") {
  const json::value c = to_json(test::full_convention());
  const json::array& alts = c.at("provenance").at(0).at("alternatives").as_array();
  REQUIRE(alts.size() == 6);
  CHECK(alts[0].at("value") == "2019-06-28");
  CHECK(alts[1].at("value").at("end") == 2021);
  CHECK(alts[2].as_object().contains("value"));
  CHECK(alts[2].at("value").is_null());
  CHECK(alts[3].at("value_json") == "{ \"start\": 2019 }");
  CHECK(alts[4].at("value_json") == "not json");
  CHECK(alts[5].at("value_json") == "");
  for (const auto& a : alts) CHECK(a.as_object().size() == (a.as_object().contains("evidence") ? 3 : 2));
}

TEST_CASE("readers default absent optional members and ignore unknown ones", "[model][json]") {
  auto facts = convention_facts_from_json(parse(kMinimalFacts));
  REQUIRE(facts.ok());
  CHECK(facts->departement == "67");
  CHECK_FALSE(facts->signed_on);
  CHECK_FALSE(facts->period);
  CHECK(facts->funding.empty());

  auto loose = convention_facts_from_json(parse(
      R"({"departement":"2a","funding":[{"funder":"etat","amount_eur":1.5e6}],"optional":{"x":1},"conventions":[]})"));
  REQUIRE(loose.ok());
  CHECK(loose->departement == "2A");
  REQUIRE(loose->funding.size() == 1);
  CHECK(loose->funding[0].amount_eur == 1500000);
  CHECK_FALSE(loose->funding[0].year);
  CHECK(loose->funding[0].qualifier == Qualifier::exact);
  CHECK_FALSE(loose->funding[0].per_year);

  auto obs = observation_from_json(parse(
      R"({"schema_version":1,"facts":{"departement":"1"},"source":{"url":"file:///x","future":true},"later":[1]})"));
  REQUIRE(obs.ok());
  CHECK(obs->programme == "pauvrete-2019");
  CHECK(obs->facts.departement == "01");
  CHECK(obs->source.url == "file:///x");
  CHECK(obs->source.rank == SourceRank::unknown);
  CHECK(obs->warnings.empty());

  auto ind = indicator_from_json(parse(
      R"({"schema_version":1,"departement":"59","name":"caf.foyers_rsa","period":"2024-T4","value":18446744073709551615,"source":{}})"));
  REQUIRE(ind.ok());
  CHECK(ind->value == 18446744073709551615.0);
  CHECK(ind->unit.empty());

  auto conv = convention_from_json(
      parse(R"({"schema_version":1,"id":"pauvrete-2019:42","facts":{"departement":"42"}})"));
  REQUIRE(conv.ok());
  CHECK(conv->revision == 0);
  CHECK(conv->programme == "pauvrete-2019");
  CHECK(conv->provenance.empty());
}

TEST_CASE("parse errors name the path and the problem", "[model][json]") {
  CHECK(error_of(R"({"schema_version":1,"source":{},"facts":{"departement":"67","funding":[)"
                 R"({"funder":"etat","amount_eur":1},{"funder":"etat","amount_eur":2},)"
                 R"({"funder":"etat","year":"2019","amount_eur":3}]}})",
                 observation_from_json) ==
        "facts.funding[2].year: expected integer or null, got string");
  CHECK(error_of(R"({"departement":"67","funding":[{"funder":"state","amount_eur":1}]})",
                 convention_facts_from_json) ==
        "funding[0].funder: unknown funder \"state\" (expected one of etat, departement, fse, "
        "total, other)");
  CHECK(
      error_of(R"({"departement":"67","signatories":[{"name":"X","role":"maire"}]})",
               convention_facts_from_json) ==
      "signatories[0].role: unknown role \"maire\" (expected one of prefet, president_departement, "
      "vice_president_departement, ministre, secretaire_etat, delegue_interministeriel, other)");
  CHECK(error_of(R"({"departement":"67","measures":["maraudes","cantine"]})",
                 convention_facts_from_json) ==
        "measures[1]: unknown measure \"cantine\" (expected one of sorties_ase, premier_accueil, "
        "referent_parcours, insertion_rsa, garantie_activite, maraudes, "
        "formation_travailleurs_sociaux, "
        "petite_enfance)");
  CHECK(
      error_of(
          R"({"departement":"67","funding":[{"funder":"etat","amount_eur":1,"qualifier":"approx"}]})",
          convention_facts_from_json)
          .starts_with("funding[0].qualifier: unknown qualifier \"approx\""));
  CHECK(error_of(R"({"url":"x","rank":"blog"})", source_from_json)
            .starts_with("rank: unknown source rank \"blog\""));
  CHECK(error_of(R"({"signed_on":null})", convention_facts_from_json) ==
        "departement: missing required member");
  CHECK(error_of(R"({"departement":"20"})", convention_facts_from_json) ==
        "departement: unknown département code \"20\"");
  CHECK(error_of(R"({"departement":67})", convention_facts_from_json) ==
        "departement: expected string, got integer");
  CHECK(error_of(R"({"departement":"67","signed_on":"27/06/2019"})", convention_facts_from_json) ==
        "signed_on: invalid date \"27/06/2019\" (expected YYYY-MM-DD)");
  CHECK(error_of(R"({"departement":"67","signed_on":"2019-02-29"})", convention_facts_from_json) ==
        "signed_on: invalid date \"2019-02-29\" (expected YYYY-MM-DD)");
  CHECK(error_of(R"({"departement":"67","signed_on":20190627})", convention_facts_from_json) ==
        "signed_on: expected date string \"YYYY-MM-DD\" or null, got integer");
  CHECK(error_of(R"({"departement":"67","period":[2019,2021]})", convention_facts_from_json) ==
        "period: expected object, got array");
  CHECK(error_of(R"({"departement":"67","period":{"start":2021,"end":2019}})",
                 convention_facts_from_json) == "period: start 2021 is after end 2019");
  CHECK(error_of(R"({"departement":"67","period":{"start":2019}})", convention_facts_from_json) ==
        "period.end: missing required member");
  CHECK(error_of(R"({"departement":"67","funding":{}})", convention_facts_from_json) ==
        "funding: expected array, got object");
  CHECK(error_of(R"({"departement":"67","funding":[{"funder":"etat","amount_eur":12.5}]})",
                 convention_facts_from_json) ==
        "funding[0].amount_eur: expected integer, got a non-integral or out-of-range number");
  CHECK(
      error_of(
          R"({"departement":"67","funding":[{"funder":"etat","amount_eur":9223372036854775808}]})",
          convention_facts_from_json) == "funding[0].amount_eur: integer out of range (int64)");
  CHECK(error_of(R"({"departement":"67","funding":[{"funder":"etat","amount_eur":"1"}]})",
                 convention_facts_from_json) ==
        "funding[0].amount_eur: expected integer, got string");
  CHECK(
      error_of(
          R"({"departement":"67","funding":[{"funder":"etat","year":2147483648,"amount_eur":1}]})",
          convention_facts_from_json) == "funding[0].year: integer out of range (int)");
  CHECK(
      error_of(R"({"departement":"67","funding":[{"funder":"etat","amount_eur":1,"per_year":1}]})",
               convention_facts_from_json) == "funding[0].per_year: expected boolean, got integer");
  CHECK(
      error_of(
          R"({"departement":"67","amendments":[{},{"actions":[{"code":"1-1","funding":[{"funder":"x"}]}]}]})",
          convention_facts_from_json)
          .starts_with("amendments[1].actions[0].funding[0].funder: unknown funder \"x\""));
  CHECK(error_of(R"({"departement":"67","actions":[{"title":"t"}]})", convention_facts_from_json) ==
        "actions[0].code: missing required member");
  CHECK(error_of("[]", convention_facts_from_json) == "$: expected object, got array");
  CHECK(error_of("null", observation_from_json) == "$: expected object, got null");

  CHECK(error_of(R"({"facts":{"departement":"67"},"source":{}})", observation_from_json) ==
        "schema_version: missing required member");
  CHECK(error_of(R"({"schema_version":2,"facts":{"departement":"67"},"source":{}})",
                 observation_from_json) ==
        "schema_version: unsupported schema version 2 (this build reads up to 1)");
  CHECK(error_of(R"({"schema_version":0,"id":"x","facts":{"departement":"67"}})",
                 convention_from_json) == "schema_version: invalid schema version 0");
  CHECK(error_of(R"({"schema_version":1,"facts":{"departement":"67"}})", observation_from_json) ==
        "source: missing required member");
  CHECK(error_of(R"({"schema_version":1,"facts":{"departement":"67"},"source":{"url":1}})",
                 observation_from_json) == "source.url: expected string, got integer");
  CHECK(error_of(
            R"({"schema_version":1,"facts":{"departement":"67"},"source":{},"warnings":["a",2]})",
            observation_from_json) == "warnings[1]: expected string, got integer");
  CHECK(error_of(R"({"schema_version":1,"facts":{"departement":"67"}})", convention_from_json) ==
        "id: missing required member");
  CHECK(
      error_of(
          R"({"schema_version":1,"id":"x","facts":{"departement":"67"},"provenance":[{"field":"f","chosen":{},)"
          R"("alternatives":[{"source":{}}]}]})",
          convention_from_json) ==
      "provenance[0].alternatives[0].value_json: missing required member");
  CHECK(
      error_of(
          R"({"schema_version":1,"id":"x","facts":{"departement":"67"},"provenance":[{"field":"f","chosen":{"rank":3}}]})",
          convention_from_json) ==
      "provenance[0].chosen.rank: expected source rank string, got integer");
  CHECK(
      error_of(
          R"({"schema_version":1,"departement":"59","name":"n","period":"2024-12","value":null,"source":{}})",
          indicator_from_json) == "value: expected number, got null");
  CHECK(
      error_of(
          R"({"schema_version":1,"departement":"59","name":"n","period":"2024-12","value":"1","source":{}})",
          indicator_from_json) == "value: expected number, got string");
  CHECK(
      error_of(
          R"({"schema_version":1,"departement":"99","name":"n","period":"2024-12","value":1,"source":{}})",
          indicator_from_json) == "departement: unknown département code \"99\"");
}

TEST_CASE("a non-finite indicator value is written as null and refused when read",
          "[model][json]") {
  Indicator i = test::full_indicator();
  i.value = std::numeric_limits<double>::quiet_NaN();
  const json::value v = to_json(i);
  CHECK(v.at("value").is_null());
  auto back = indicator_from_json(v);
  REQUIRE_FALSE(back.ok());
  CHECK(back.error().message == "value: expected number, got null");
}

namespace {

// Every member and element of `v`, with the path the parsers report for it.
void each_path(
    const json::value& v, const std::string& path,
    const std::function<void(const std::string&, const std::vector<std::string_view>&)>& fn,
    std::vector<std::string_view>& keys) {
  if (const auto* o = v.if_object()) {
    for (const auto& kv : *o) {
      const std::string p =
          path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key());
      keys.push_back(kv.key());
      fn(p, keys);
      each_path(kv.value(), p, fn, keys);
      keys.pop_back();
    }
  } else if (const auto* a = v.if_array()) {
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string p = path + "[" + std::to_string(i) + "]";
      keys.push_back(std::string_view{});  // placeholder: index recovered from the path
      fn(p, keys);
      each_path((*a)[i], p, fn, keys);
      keys.pop_back();
    }
  }
}

// Replaces the value at `path` (in the parsers' notation) within `root`.
json::value* at_path(json::value& root, std::string_view path) {
  json::value* cur = &root;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') ++i;
    if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      const std::size_t index = std::stoul(std::string(path.substr(i + 1, close - i - 1)));
      cur = &cur->as_array().at(index);
      i = close + 1;
    } else {
      std::size_t end = path.find_first_of(".[", i);
      if (end == std::string_view::npos) end = path.size();
      cur = &cur->as_object().at(path.substr(i, end - i));
      i = end;
    }
  }
  return cur;
}

template <class F>
void mutate_everywhere(const json::value& original, F from_json) {
  const std::vector<json::value> replacements = {nullptr,       true,          1, -3.25, "x",
                                                 json::array{}, json::object{}};
  std::vector<std::string> paths;
  std::vector<std::string_view> keys;
  each_path(
      original, "", [&](const std::string& p, const auto&) { paths.push_back(p); }, keys);
  REQUIRE(paths.size() > 10);
  for (const std::string& p : paths) {
    for (const json::value& r : replacements) {
      json::value mutated = original;
      *at_path(mutated, p) = r;
      INFO(p << " = " << json::serialize(r));
      decltype(from_json(mutated)) result = Error{};
      REQUIRE_NOTHROW(result = from_json(mutated));
      if (!result.ok()) {
        const std::string& m = result.error().message;
        const std::string error_path = m.substr(0, m.find(": "));
        INFO(m);
        // The error names the mutated member, something inside it, or its parent object
        // (period start after end).
        CHECK((error_path.starts_with(p) || p.starts_with(error_path)));
      }
    }
  }
}

}  // namespace

TEST_CASE("parsers never throw, and errors point at the damage", "[model][json]") {
  mutate_everywhere(to_json(test::full_observation()), observation_from_json);
  mutate_everywhere(to_json(test::full_convention()), convention_from_json);
  mutate_everywhere(to_json(test::full_indicator()), indicator_from_json);
}

TEST_CASE("parse_json", "[model][json]") {
  CHECK(parse_json(R"( {"a":[1,2.5,"x",null,true]} )").ok());
  CHECK(parse_json("18446744073709551615")->is_uint64());
  CHECK(parse_json("-9223372036854775808")->as_int64() == std::numeric_limits<std::int64_t>::min());
  CHECK(parse_json("0.1")->as_double() == 0.1);
  CHECK(parse_json("1e400")->is_double());  // out of double range: Boost's value kept
  for (const char* bad : {"", "{", "{\"a\":1,}", "[1] [2]", "nul", "\"\xff\"", "{'a':1}", "01"}) {
    INFO(bad);
    auto r = parse_json(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "parse");
    CHECK(r.error().message.starts_with("json: "));
  }
  CHECK(parse_json("[1] x").error().message.ends_with("at byte 4"));
}

TEST_CASE("evidence: written next to each value, read back, optional", "[model][json][evidence]") {
  const ConventionFacts f = test::full_facts();
  const json::value v = to_json(f);
  const json::object& ev = v.at("evidence").as_object();
  CHECK(ev.at("signed_on").at("quote") == "Fait a Ajaccio, le 27 juin 2019");
  CHECK(ev.at("signed_on").at("begin") == 4100);
  CHECK(ev.at("signed_on").at("page") == 13);
  CHECK(ev.at("departement").at("begin").is_null());  // the title: not in the text
  CHECK(v.at("signatories").at(1).at("evidence").at("rule") == "date_in_signing_sentence");
  CHECK_FALSE(v.at("signatories").at(0).as_object().contains("evidence"));  // written only when known
  CHECK(v.at("funding").at(0).at("evidence").at("confidence").as_double() == 0.85);
  CHECK(v.at("actions").at(0).at("funding").at(0).as_object().contains("evidence"));
  CHECK(v.at("amendments").at(0).as_object().contains("evidence"));
  // text round trip, evidence included
  auto back = parse_json(json::serialize(v));
  REQUIRE(back.ok());
  auto facts = convention_facts_from_json(*back);
  REQUIRE(facts.ok());
  CHECK(*facts == f);
  CHECK(json::serialize(to_json(*facts)) == json::serialize(v));
  const Convention c = test::full_convention();
  auto conv = convention_from_json(to_json(c));
  REQUIRE(conv.ok());
  CHECK(*conv == c);
  CHECK(json::serialize(to_json(*conv)) == json::serialize(to_json(c)));  // evidence included
  REQUIRE(conv->provenance[0].evidence);
  CHECK(conv->provenance[0].evidence->quote == "signee le 27 juin 2019");
  REQUIRE(conv->provenance[0].alternatives[0].evidence);
  CHECK(conv->provenance[0].alternatives[0].evidence->quote == "signee le 28 juin 2019");
  auto obs = observation_from_json(to_json(test::full_observation()));
  REQUIRE(obs.ok());
  CHECK(*obs == test::full_observation());
  CHECK(json::serialize(to_json(*obs)) == json::serialize(to_json(test::full_observation())));
}

TEST_CASE("an observation stored before evidence still loads", "[model][json][evidence]") {
  // JSON as conventiond wrote it before evidence existed
  const std::string old =
      R"({"schema_version":1,"programme":"pauvrete-2019","facts":{"departement":"67","signed_on":"2019-06-27",)"
      R"("period":{"start":2019,"end":2021},"signatories":[{"name":"Jean-Luc MARX","role":"prefet"}],)"
      R"("funding":[{"funder":"etat","year":2019,"amount_eur":1125000,"qualifier":"exact"}],)"
      R"("measures":["sorties_ase"],"actions":[{"code":"1-1","title":"Sorties ASE","funding":[]}],)"
      R"("amendments":[{"year":2020,"signed_on":null,"funding":[],"actions":[]}]},)"
      R"("source":{"url":"https://example.org/a","rank":"official_release"},"warnings":[]})";
  auto v = parse_json(old);
  REQUIRE(v.ok());
  auto o = observation_from_json(*v);
  REQUIRE(o.ok());
  CHECK(o->facts.evidence.empty());
  CHECK_FALSE(o->facts.signatories[0].evidence);
  CHECK_FALSE(o->facts.funding[0].evidence);
  CHECK_FALSE(o->facts.actions[0].evidence);
  CHECK_FALSE(o->facts.amendments[0].evidence);
  // and writes back as it was: no evidence member appears
  CHECK(json::serialize(to_json(*o)).find("evidence") == std::string::npos);
}

TEST_CASE("damaged evidence is refused with its path", "[model][json][evidence]") {
  const auto error_of = [](std::string_view evidence) {
    auto v = parse_json(std::string(R"({"departement":"67","signatories":[{"name":"X","role":"prefet","evidence":)") +
                        std::string(evidence) + "}]}");
    REQUIRE(v.ok());
    auto f = convention_facts_from_json(*v);
    return f.ok() ? std::string() : f.error().message;
  };
  CHECK(error_of(R"({"quote":"q","begin":1,"end":2,"page":0,"confidence":0.5,"rule":"r"})").empty());
  CHECK(error_of(R"({"quote":"q"})").empty());
  CHECK(error_of(R"({"quote":"q","confidence":"high"})") ==
        "signatories[0].evidence.confidence: expected number, got string");
  CHECK(error_of(R"({"quote":"q","begin":1.5,"end":2})") ==
        "signatories[0].evidence.begin: expected integer, got a non-integral or out-of-range number");
  CHECK(error_of(R"({"begin":1,"end":2})") == "signatories[0].evidence.quote: missing required member");
  CHECK(error_of(R"("q")") == "signatories[0].evidence: expected object, got string");
  auto v = parse_json(R"({"departement":"67","evidence":{"signed_on":{"quote":"q","page":"1"}}})");
  REQUIRE(v.ok());
  auto f = convention_facts_from_json(*v);
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().message == "evidence.signed_on.page: expected integer, got string");
}
