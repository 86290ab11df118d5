// docs/schema/convention.schema.json against what the model writes. The test carries a small
// JSON Schema (2020-12) validator for the keywords the schema uses; any other keyword is an
// error, so the schema cannot grow a constraint this test silently ignores.

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include <conventiond/departements.hpp>
#include <conventiond/model/model_json.hpp>
#include <conventiond/publish/change_event_json.hpp>

#include "samples.hpp"

using namespace conventiond;
namespace json = boost::json;

namespace {

const std::set<std::string_view> kAnnotations = {
    "$schema", "$id", "$comment", "title", "description", "format", "examples", "default", "$defs"};
const std::set<std::string_view> kAssertions = {
    "$ref",  "type",  "enum",  "const",   "required", "properties", "additionalProperties",
    "items", "anyOf", "oneOf", "pattern", "minLength"};

// Where the validator is in the instance; rendered only when there is an error to report.
struct Path {
  const Path* parent = nullptr;
  std::string_view key;
  std::size_t index = 0;
  bool is_index = false;

  std::string str() const {
    if (parent == nullptr) return "$";
    return parent->str() + (is_index ? "[" + std::to_string(index) + "]" : "." + std::string(key));
  }
  Path member(std::string_view k) const { return Path{this, k, 0, false}; }
  Path element(std::size_t i) const { return Path{this, {}, i, true}; }
};

class Validator {
 public:
  explicit Validator(json::value schema) : root_(std::move(schema)) {}

  const json::value& root() const { return root_; }

  const json::value& resolve(std::string_view ref) const {
    constexpr std::string_view kPrefix = "#/$defs/";
    if (!ref.starts_with(kPrefix)) throw std::runtime_error("unsupported $ref " + std::string(ref));
    const json::value* target =
        root_.at("$defs").as_object().if_contains(ref.substr(kPrefix.size()));
    if (target == nullptr) throw std::runtime_error("unresolved $ref " + std::string(ref));
    return *target;
  }

  const json::value& def(std::string_view name) const { return root_.at("$defs").at(name); }

  // Errors of `instance` against `schema` ("path: problem"); empty when valid.
  std::vector<std::string> validate(const json::value& instance, const json::value& schema) {
    std::vector<std::string> errors;
    check(instance, schema, Path{}, errors);
    return errors;
  }

  // (properties object, member name) of every member met in a validated instance.
  std::vector<std::pair<const json::object*, std::string_view>> seen;

  bool was_seen(const json::object* props, std::string_view key) const {
    for (const auto& [p, k] : seen) {
      if (p == props && k == key) return true;
    }
    return false;
  }

 private:
  static bool has_type(const json::value& v, std::string_view type) {
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "string") return v.is_string();
    if (type == "boolean") return v.is_bool();
    if (type == "null") return v.is_null();
    if (type == "number") return v.is_number();
    if (type == "integer") {
      if (v.is_int64() || v.is_uint64()) return true;
      return v.is_double() && std::trunc(v.as_double()) == v.as_double();
    }
    throw std::runtime_error("unknown type " + std::string(type));
  }

  static std::size_t code_points(std::string_view s) {
    std::size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1U : 0U;
    return n;
  }

  void check(const json::value& v, const json::value& schema, const Path& at,
             std::vector<std::string>& errors) {
    if (const bool* b = schema.if_bool()) {
      if (!*b) errors.push_back(at.str() + ": schema false");
      return;
    }
    const json::object& s = schema.as_object();
    if (vetted_.insert(&s).second) {  // each subschema's keywords are checked once
      for (const auto& kv : s) {
        if (!kAnnotations.contains(kv.key()) && !kAssertions.contains(kv.key())) {
          vetted_.erase(&s);
          throw std::runtime_error("unsupported keyword " + std::string(kv.key()));
        }
      }
    }
    if (const auto* ref = s.if_contains("$ref")) check(v, resolve(ref->as_string()), at, errors);
    if (const auto* type = s.if_contains("type")) {
      bool ok = false;
      if (type->is_string()) {
        ok = has_type(v, type->as_string());
      } else {
        for (const auto& t : type->as_array()) ok = ok || has_type(v, t.as_string());
      }
      if (!ok)
        errors.push_back(at.str() + ": type " + json::serialize(*type) + " expected, got " +
                         json::serialize(v));
    }
    if (const auto* e = s.if_contains("enum")) {
      bool ok = false;
      for (const auto& allowed : e->as_array()) ok = ok || allowed == v;
      if (!ok) errors.push_back(at.str() + ": " + json::serialize(v) + " not in enum");
    }
    if (const auto* c = s.if_contains("const"); c != nullptr && *c != v) {
      errors.push_back(at.str() + ": " + json::serialize(v) + " is not " + json::serialize(*c));
    }
    if (const auto* str = v.if_string()) {
      if (const auto* p = s.if_contains("pattern")) {
        if (!std::regex_search(str->begin(), str->end(), regex(p->as_string()))) {
          errors.push_back(at.str() + ": " + json::serialize(v) + " does not match " +
                           json::serialize(*p));
        }
      }
      if (const auto* m = s.if_contains("minLength");
          m != nullptr && code_points(*str) < m->to_number<std::size_t>()) {
        errors.push_back(at.str() + ": shorter than minLength");
      }
    }
    if (const auto* o = v.if_object()) {
      if (const auto* req = s.if_contains("required")) {
        for (const auto& k : req->as_array()) {
          if (!o->contains(k.as_string()))
            errors.push_back(at.str() + ": missing required " + json::serialize(k));
        }
      }
      const json::object* props =
          s.contains("properties") ? &s.at("properties").as_object() : nullptr;
      for (const auto& kv : *o) {
        const Path member = at.member(kv.key());
        if (props != nullptr && props->contains(kv.key())) {
          seen.emplace_back(props, props->find(kv.key())->key());
          check(kv.value(), props->at(kv.key()), member, errors);
        } else if (const auto* extra = s.if_contains("additionalProperties")) {
          check(kv.value(), *extra, member, errors);
        }
      }
    }
    if (const auto* a = v.if_array()) {
      if (const auto* items = s.if_contains("items")) {
        for (std::size_t i = 0; i < a->size(); ++i) check((*a)[i], *items, at.element(i), errors);
      }
    }
    auto count_valid = [&](const json::array& branches) {
      std::size_t n = 0;
      for (const auto& b : branches) {
        std::vector<std::string> sub;
        const std::size_t saved = seen.size();
        check(v, b, at, sub);
        if (sub.empty()) {
          ++n;
        } else {
          seen.resize(saved);  // a failing branch does not count as coverage
        }
      }
      return n;
    };
    if (const auto* any = s.if_contains("anyOf");
        any != nullptr && count_valid(any->as_array()) == 0) {
      errors.push_back(at.str() + ": matches no anyOf branch");
    }
    if (const auto* one = s.if_contains("oneOf")) {
      const std::size_t n = count_valid(one->as_array());
      if (n != 1) errors.push_back(at.str() + ": matches " + std::to_string(n) + " oneOf branches");
    }
  }

  const std::regex& regex(std::string_view pattern) {
    auto it = regexes_.find(pattern);
    if (it == regexes_.end())
      it = regexes_.emplace(std::string(pattern), std::regex(std::string(pattern))).first;
    return it->second;
  }

  json::value root_;
  std::map<std::string, std::regex, std::less<>> regexes_;
  std::unordered_set<const json::object*> vetted_;
};

json::value load_schema() {
  std::ifstream in(CONVENTIOND_SOURCE_DIR "/docs/schema/convention.schema.json", std::ios::binary);
  REQUIRE(in);
  std::stringstream buf;
  buf << in.rdbuf();
  auto v = parse_json(buf.str());
  REQUIRE(v.ok());
  return *v;
}

std::string joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += e + "\n";
  return out;
}

// Every subschema of the schema, for static checks.
void each_subschema(const json::value& s, const std::function<void(const json::object&)>& fn) {
  const json::object* o = s.if_object();
  if (o == nullptr) return;
  fn(*o);
  for (const char* key : {"items", "additionalProperties"}) {
    if (o->contains(key)) each_subschema(o->at(key), fn);
  }
  for (const char* key : {"properties", "$defs"}) {
    if (o->contains(key)) {
      for (const auto& kv : o->at(key).as_object()) each_subschema(kv.value(), fn);
    }
  }
  for (const char* key : {"anyOf", "oneOf"}) {
    if (o->contains(key)) {
      for (const auto& b : o->at(key).as_array()) each_subschema(b, fn);
    }
  }
}

template <class E, std::size_t N>
json::array strings_of(const std::array<E, N>& all) {
  json::array a;
  for (E e : all) a.emplace_back(to_string(e));
  return a;
}

}  // namespace

TEST_CASE("the schema file is draft 2020-12 and uses only what the validator knows",
          "[model][schema]") {
  Validator val(load_schema());
  const json::value& root = val.root();
  CHECK(root.at("$schema") == "https://json-schema.org/draft/2020-12/schema");
  for (const char* def : {"convention_facts", "observation", "convention", "indicator", "source",
                          "funding_line", "action", "amendment", "signatory", "period"}) {
    INFO(def);
    CHECK(root.at("$defs").as_object().contains(def));
  }
  std::size_t subschemas = 0;
  each_subschema(root, [&](const json::object& s) {
    ++subschemas;
    for (const auto& kv : s) {
      INFO(kv.key());
      CHECK((kAnnotations.contains(kv.key()) || kAssertions.contains(kv.key())));
    }
    if (s.contains("$ref")) CHECK_NOTHROW(val.resolve(s.at("$ref").as_string()));
    if (s.contains("pattern")) CHECK_NOTHROW(std::regex(std::string(s.at("pattern").as_string())));
    // Every object schema closes its members, so the coverage test below sees them all.
    if (s.contains("properties")) CHECK(s.at("additionalProperties") == false);
  });
  CHECK(subschemas > 60);
}

TEST_CASE("the test's validator rejects what it should", "[model][schema]") {
  Validator val(json::parse(R"({"$defs":{"n":{"type":["integer","null"]}},
      "type":"object","required":["a"],"additionalProperties":false,
      "properties":{"a":{"$ref":"#/$defs/n"},"b":{"type":"array","items":{"enum":["x","y"]}},
                    "c":{"const":1},"d":{"type":"string","pattern":"^[0-9]{2}$","minLength":2},
                    "e":{"oneOf":[{"type":"integer"},{"type":"number"}]},
                    "f":{"anyOf":[{"type":"string"},{"type":"null"}]}}})"));
  auto ok = [&](std::string_view text) {
    return val.validate(json::parse(text), val.root()).empty();
  };
  CHECK(ok(R"({"a":1})"));
  CHECK(ok(R"({"a":null,"b":["x","y"],"c":1,"d":"12","e":1.5,"f":null})"));
  CHECK_FALSE(ok(R"({})"));
  CHECK_FALSE(ok(R"({"a":"1"})"));
  CHECK_FALSE(ok(R"({"a":1.5})"));
  CHECK_FALSE(ok(R"({"a":1,"z":0})"));
  CHECK_FALSE(ok(R"({"a":1,"b":["z"]})"));
  CHECK_FALSE(ok(R"({"a":1,"b":"x"})"));
  CHECK_FALSE(ok(R"({"a":1,"c":2})"));
  CHECK_FALSE(ok(R"({"a":1,"d":"123"})"));
  CHECK_FALSE(ok(R"({"a":1,"d":"1"})"));
  CHECK_FALSE(ok(R"({"a":1,"e":1})"));  // both oneOf branches
  CHECK_FALSE(ok(R"({"a":1,"f":1})"));
  CHECK_FALSE(ok("[]"));
  Validator bad(json::parse(R"({"maxLength":3})"));
  CHECK_THROWS(bad.validate(json::value("x"), bad.root()));
}

TEST_CASE("produced JSON satisfies the schema, and covers every member it names",
          "[model][schema]") {
  Validator val(load_schema());
  auto expect_valid = [&](const json::value& v, std::string_view def) {
    INFO(def << ": " << json::serialize(v));
    const auto errors = val.validate(v, val.def(def));
    CHECK(joined(errors).empty());
    CHECK(val.validate(v, val.root()).empty());  // and the root's oneOf picks exactly one
  };

  expect_valid(to_json(test::full_facts()), "convention_facts");
  expect_valid(to_json(test::full_observation()), "observation");
  expect_valid(to_json(test::full_convention()), "convention");
  expect_valid(to_json(test::full_indicator()), "indicator");
  // The change-log events as every publisher writes them (publish/change_event_json.hpp).
  ChangeEvent updated{42, "updated", "pauvrete-2019:67", "67", 3,
                      json::serialize(to_json(test::full_convention())), "2026-11-25T15:21:42Z",
                      R"([{"field":"signed_on","previous":"2019-06-27"},{"field":"period","previous":null}])"};
  expect_valid(json::parse(change_event_json(updated)), "change_event");
  ChangeEvent indicator{43, "indicators_updated", "", "2B", 0,
                        json::serialize(to_json(test::full_indicator())), "2026-11-25T15:21:43Z", ""};
  expect_valid(json::parse(change_event_json(indicator)), "change_event");
  ChangeEvent bad = updated;
  bad.kind = "deleted";
  CHECK_FALSE(val.validate(json::parse(change_event_json(bad)), val.def("change_event")).empty());
  ConventionFacts rejected = test::full_facts();  // an operator's verdict (a correction)
  rejected.not_a_convention = true;
  expect_valid(to_json(rejected), "convention_facts");

  ConventionFacts minimal;
  minimal.departement = "976";
  expect_valid(to_json(minimal), "convention_facts");
  Observation obs;
  obs.facts = minimal;
  expect_valid(to_json(obs), "observation");
  Convention conv;
  conv.facts.departement = "01";
  expect_valid(to_json(conv), "convention");
  Indicator ind;
  ind.departement = "2B";
  ind.value = 0.25;
  expect_valid(to_json(ind), "indicator");
  for (const Departement& d : all_departements()) {
    minimal.departement = std::string(d.code);
    CHECK(val.validate(to_json(minimal), val.def("convention_facts")).empty());
  }

  // Coverage: every member the schema names was met in the instances above.
  std::size_t named = 0;
  each_subschema(val.root(), [&](const json::object& s) {
    if (!s.contains("properties")) return;
    const json::object* props = &s.at("properties").as_object();
    for (const auto& kv : *props) {
      ++named;
      INFO("schema member never produced: " << kv.key());
      CHECK(val.was_seen(props, kv.key()));
    }
  });
  CHECK(named > 50);
}

TEST_CASE("the schema's vocabularies are the model's", "[model][schema]") {
  Validator val(load_schema());
  CHECK(val.def("role").at("enum") == strings_of(kAllRoles));
  CHECK(val.def("funder").at("enum") == strings_of(kAllFunders));
  CHECK(val.def("qualifier").at("enum") == strings_of(kAllQualifiers));
  CHECK(val.def("measure").at("enum") == strings_of(kAllMeasures));
  CHECK(val.def("source_rank").at("enum") == strings_of(kAllSourceRanks));
  json::array codes;
  for (const Departement& d : all_departements())
    codes.emplace_back(json::string_view(d.code.data(), d.code.size()));
  CHECK(val.def("departement_code").at("enum") == codes);
  CHECK(val.def("observation").at("properties").at("schema_version").at("const") ==
        kModelSchemaVersion);
  CHECK(val.def("convention").at("properties").at("schema_version").at("const") ==
        kModelSchemaVersion);
  CHECK(val.def("indicator").at("properties").at("schema_version").at("const") ==
        kModelSchemaVersion);
}

TEST_CASE("the schema rejects damaged documents", "[model][schema]") {
  Validator val(load_schema());
  const json::value good = to_json(test::full_observation());
  auto rejected = [&](const std::function<void(json::object&)>& damage) {
    json::value v = good;
    damage(v.as_object());
    return !val.validate(v, val.def("observation")).empty();
  };
  auto facts = [](json::object& o) -> json::object& { return o.at("facts").as_object(); };
  auto line0 = [&](json::object& o) -> json::object& {
    return facts(o).at("funding").at(0).as_object();
  };
  CHECK(rejected([&](json::object& o) { line0(o)["funder"] = "state"; }));
  CHECK(rejected([&](json::object& o) { line0(o)["year"] = "2019"; }));
  CHECK(rejected([&](json::object& o) { line0(o)["amount_eur"] = 1.5; }));
  CHECK(rejected([&](json::object& o) { line0(o)["qualifier"] = "approx"; }));
  CHECK(rejected([&](json::object& o) { line0(o)["per_year"] = 1; }));
  CHECK(rejected([&](json::object& o) { line0(o).erase("amount_eur"); }));
  CHECK(rejected([&](json::object& o) { facts(o).erase("departement"); }));
  CHECK(rejected([&](json::object& o) { facts(o)["departement"] = "20"; }));
  CHECK(rejected([&](json::object& o) { facts(o)["departement"] = "1"; }));
  CHECK(rejected([&](json::object& o) { facts(o)["signed_on"] = "27/06/2019"; }));
  CHECK(rejected([&](json::object& o) { facts(o)["period"] = json::array{2019, 2021}; }));
  CHECK(rejected([&](json::object& o) { facts(o)["measures"] = json::array{"cantine"}; }));
  CHECK(rejected([&](json::object& o) { facts(o)["extra"] = 1; }));
  CHECK(rejected(
      [&](json::object& o) { facts(o).at("signatories").at(0).as_object()["role"] = "maire"; }));
  CHECK(rejected([&](json::object& o) { o["schema_version"] = 2; }));
  CHECK(rejected([&](json::object& o) { o.erase("source"); }));
  CHECK(rejected([&](json::object& o) { o.at("source").as_object()["rank"] = "blog"; }));
  CHECK(rejected([&](json::object& o) { o["warnings"] = json::array{1}; }));
  CHECK_FALSE(rejected([](json::object&) {}));
}

namespace {

// A step into a JSON document: a member name or an array index.
struct Step {
  std::string key;
  std::size_t index = 0;
  bool is_index = false;
};

void collect_paths(const json::value& v, std::vector<Step>& prefix,
                   std::vector<std::vector<Step>>& out) {
  if (const auto* o = v.if_object()) {
    for (const auto& kv : *o) {
      prefix.push_back(Step{std::string(kv.key()), 0, false});
      out.push_back(prefix);
      collect_paths(kv.value(), prefix, out);
      prefix.pop_back();
    }
  } else if (const auto* a = v.if_array()) {
    for (std::size_t i = 0; i < a->size(); ++i) {
      prefix.push_back(Step{{}, i, true});
      out.push_back(prefix);
      collect_paths((*a)[i], prefix, out);
      prefix.pop_back();
    }
  }
}

json::value& navigate(json::value& root, const std::vector<Step>& path) {
  json::value* cur = &root;
  for (const Step& s : path)
    cur = s.is_index ? &cur->as_array().at(s.index) : &cur->as_object().at(s.key);
  return *cur;
}

}  // namespace

TEST_CASE("whatever the parsers refuse, the schema refuses too", "[model][schema]") {
  Validator val(load_schema());
  // Replace each member of produced documents with values of every kind: when the parser says
  // no, the schema must say no (the schema is never looser than the code on what it writes).
  // The one rule JSON Schema cannot state: a period's start not after its end.
  const std::vector<json::value> replacements = {nullptr,       true,          7, -3.25, "x",
                                                 json::array{}, json::object{}};
  struct Doc {
    json::value value;
    std::string def;
    std::function<Result<bool>(const json::value&)> parse;
  };
  auto ok_or_error = [](const auto& r) -> Result<bool> {
    if (r.ok()) return true;
    return r.error();
  };
  const std::vector<Doc> docs = {
      {to_json(test::full_observation()), "observation",
       [&](const json::value& v) { return ok_or_error(observation_from_json(v)); }},
      {to_json(test::full_convention()), "convention",
       [&](const json::value& v) { return ok_or_error(convention_from_json(v)); }},
      {to_json(test::full_indicator()), "indicator",
       [&](const json::value& v) { return ok_or_error(indicator_from_json(v)); }},
  };
  std::size_t refused = 0;
  std::size_t tried = 0;
  for (const Doc& doc : docs) {
    std::vector<std::vector<Step>> paths;
    std::vector<Step> prefix;
    collect_paths(doc.value, prefix, paths);
    for (const auto& path : paths) {
      for (const json::value& r : replacements) {
        json::value mutated = doc.value;
        navigate(mutated, path) = r;
        ++tried;
        const auto parsed = doc.parse(mutated);
        if (parsed.ok()) continue;
        if (parsed.error().message.find(" is after end ") != std::string::npos) continue;
        ++refused;
        if (val.validate(mutated, val.def(doc.def)).empty()) {
          FAIL_CHECK("the parser refuses ("
                     << parsed.error().message
                     << ") what the schema accepts: " << json::serialize(mutated));
        }
      }
    }
  }
  CHECK(tried > 1000);
  CHECK(refused > 500);
}
