#include <conventiond/model/correction.hpp>

#include <algorithm>
#include <charconv>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <conventiond/departements.hpp>
#include <conventiond/model/model_json.hpp>
#include <conventiond/model/vocabulary.hpp>

namespace conventiond {
namespace {

namespace json = boost::json;

Error invalid(std::string message) { return Error::make("invalid", "correction: " + message); }

enum class Target { signed_on, period, signatory, funding, measure, verdict };

struct Path {
  Target target = Target::signed_on;
  Role role = Role::other;
  Funder funder = Funder::other;
  std::optional<int> year;
  bool per_year = false;
  Measure measure{};
};

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    parts.push_back(s.substr(start, dot == std::string_view::npos ? s.npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

constexpr std::string_view kFields =
    "signed_on, period, signatories.<role>, funding.<funder>[.<year>|.per_year], "
    "measures.<measure>";

Result<Path> parse_path(std::string_view kind, std::string_view field) {
  Path p;
  if (kind == "not_a_convention") {
    if (!field.empty() && field != "not_a_convention") {
      return invalid("field: a not_a_convention verdict has no field (got \"" + std::string(field) + "\")");
    }
    p.target = Target::verdict;
    return p;
  }
  const auto parts = split(field);
  const auto unknown = [&] {
    return invalid("field: \"" + std::string(field) + "\" is not a field an operator can correct (" +
                   std::string(kFields) + ")");
  };
  if (parts.size() == 1 && parts[0] == "signed_on") {
    p.target = Target::signed_on;
  } else if (parts.size() == 1 && parts[0] == "period") {
    p.target = Target::period;
  } else if (parts.size() == 2 && parts[0] == "signatories") {
    auto role = role_from_string(parts[1]);
    if (!role || *role == Role::other) return unknown();
    p.target = Target::signatory;
    p.role = *role;
  } else if ((parts.size() == 2 || parts.size() == 3) && parts[0] == "funding") {
    auto funder = funder_from_string(parts[1]);
    if (!funder) return unknown();
    p.target = Target::funding;
    p.funder = *funder;
    if (parts.size() == 3) {
      if (parts[2] == "per_year") {
        p.per_year = true;
      } else {
        int y = 0;
        const auto [end, ec] = std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), y);
        if (ec != std::errc{} || end != parts[2].data() + parts[2].size() || y < 1990 || y > 2100) {
          return unknown();
        }
        p.year = y;
      }
    }
  } else if (parts.size() == 2 && parts[0] == "measures") {
    auto measure = measure_from_string(parts[1]);
    if (!measure) return unknown();
    p.target = Target::measure;
    p.measure = *measure;
  } else {
    return unknown();
  }
  return p;
}

const json::value* member(const json::object& o, std::string_view key) { return o.if_contains(key); }

// The facts the correction states (departement set), from its path and value.
Result<ConventionFacts> facts_of(const Path& p, std::string_view departement, const json::value& value) {
  ConventionFacts f;
  f.departement = std::string(departement);
  switch (p.target) {
    case Target::verdict:
      if (!value.is_null() && !(value.is_bool() && value.get_bool())) {
        return invalid("value: a not_a_convention verdict takes true or no value");
      }
      f.not_a_convention = true;
      return f;
    case Target::signed_on: {
      const json::string* s = value.if_string();
      auto d = s != nullptr ? Date::from_iso(std::string_view(s->data(), s->size())) : std::nullopt;
      if (!d) return invalid("value: signed_on takes a date \"YYYY-MM-DD\"");
      f.signed_on = d;
      return f;
    }
    case Target::period: {
      auto period = period_from_json(value);
      if (!period) return invalid("value: period: " + period.error().message);
      if (period->start < 1990 || period->end > 2100 || period->start > period->end) {
        return invalid("value: period: start and end are years, start <= end");
      }
      f.period = *period;
      return f;
    }
    case Target::signatory: {
      const json::object* o = value.if_object();
      const json::value* name = o != nullptr ? member(*o, "name") : nullptr;
      if (name == nullptr || !name->is_string() || name->get_string().empty() ||
          name->get_string().size() > 200) {
        return invalid("value: a signatory is {\"name\": \"...\"} (1-200 characters)");
      }
      if (const json::value* role = member(*o, "role");
          role != nullptr && !(role->is_string() && role->get_string() == to_string(p.role))) {
        return invalid("value: role: the field names the role " + std::string(to_string(p.role)));
      }
      f.signatories.push_back(Signatory{std::string(name->get_string()), p.role});
      return f;
    }
    case Target::funding: {
      const json::object* o = value.if_object();
      const json::value* amount = o != nullptr ? member(*o, "amount_eur") : nullptr;
      if (amount == nullptr || !amount->is_int64() || amount->get_int64() < 0 ||
          amount->get_int64() > 10'000'000'000LL) {
        return invalid("value: a funding line is {\"amount_eur\": N} (an integer, 0 to 10^10)");
      }
      FundingLine line;
      line.funder = p.funder;
      line.year = p.year;
      line.per_year = p.per_year;
      line.amount_eur = amount->get_int64();
      if (const json::value* q = member(*o, "qualifier"); q != nullptr) {
        auto qualifier = q->is_string() ? qualifier_from_string(std::string_view(q->get_string()))
                                        : std::nullopt;
        if (!qualifier) return invalid("value: qualifier: one of exact, about, more_than, less_than");
        line.qualifier = *qualifier;
      }
      f.funding.push_back(line);
      return f;
    }
    case Target::measure:
      if (!(value.is_bool() && value.get_bool())) {
        return invalid("value: a measure takes true (the record names it)");
      }
      f.measures.push_back(p.measure);
      return f;
  }
  return invalid("unknown field");
}

// The value of facts at p, in canonical form (what value_json holds).
std::optional<json::value> value_at(const Path& p, const ConventionFacts& f) {
  switch (p.target) {
    case Target::verdict:
      return f.not_a_convention ? std::optional<json::value>(true) : std::nullopt;
    case Target::signed_on:
      if (!f.signed_on) return std::nullopt;
      return json::value(f.signed_on->to_iso());
    case Target::period:
      if (!f.period) return std::nullopt;
      return to_json(*f.period);
    case Target::signatory:
      for (const Signatory& s : f.signatories) {
        if (s.role == p.role) return json::value(json::object{{"name", s.name}});
      }
      return std::nullopt;
    case Target::funding:
      for (const FundingLine& l : f.funding) {
        if (l.funder == p.funder && l.year == p.year && l.per_year == p.per_year) {
          return json::value(json::object{{"amount_eur", l.amount_eur},
                                          {"qualifier", to_string(l.qualifier)}});
        }
      }
      return std::nullopt;
    case Target::measure:
      if (std::find(f.measures.begin(), f.measures.end(), p.measure) == f.measures.end()) {
        return std::nullopt;
      }
      return json::value(true);
  }
  return std::nullopt;
}

std::string canonical_field(const Path& p, std::string_view field) {
  return p.target == Target::verdict ? std::string("not_a_convention") : std::string(field);
}

}  // namespace

Result<Correction> make_correction(std::string_view programme, std::string_view departement,
                                   std::string_view kind, std::string_view field,
                                   const json::value& value, std::string_view note,
                                   std::string_view author) {
  if (kind != "set" && kind != "confirm" && kind != "not_a_convention") {
    return invalid("kind: \"" + std::string(kind) + "\" is not one of set, confirm, not_a_convention");
  }
  if (author.empty() || author.size() > 100) return invalid("author: who corrects (1-100 characters)");
  if (note.size() > 2000) return invalid("note: at most 2000 characters");
  if (find_departement(departement) == nullptr) {
    return invalid("departement: \"" + std::string(departement) + "\" is not a département code");
  }
  auto path = parse_path(kind, field);
  if (!path) return path.error();
  auto facts = facts_of(*path, departement, value);
  if (!facts) return facts.error();
  Correction c;
  c.programme = std::string(programme);
  c.departement = std::string(departement);
  c.kind = std::string(kind);
  c.field = canonical_field(*path, field);
  c.value_json = json::serialize(*value_at(*path, *facts));
  c.note = std::string(note);
  c.author = std::string(author);
  return c;
}

std::optional<json::value> current_value(const ConventionFacts& facts, std::string_view field) {
  auto path = parse_path("set", field);
  if (!path) return std::nullopt;
  return value_at(*path, facts);
}

Result<Observation> correction_observation(const Correction& c) {
  auto path = parse_path(c.kind, c.field == "not_a_convention" ? std::string_view() : std::string_view(c.field));
  if (!path) return path.error();
  auto value = parse_json(c.value_json);
  if (!value) return invalid("value: " + value.error().message);
  auto facts = facts_of(*path, c.departement, *value);
  if (!facts) return facts.error();
  Evidence e;
  e.quote = c.note.empty() ? c.kind + " by " + c.author : c.note;
  e.confidence = 1.0;
  e.rule = "operator_correction";
  if (!facts->signatories.empty()) facts->signatories.front().evidence = e;
  if (!facts->funding.empty()) facts->funding.front().evidence = e;
  const std::string key = path->target == Target::measure
                              ? "measures." + std::string(to_string(path->measure))
                              : c.field;
  if (path->target != Target::signatory && path->target != Target::funding) {
    facts->evidence.emplace(key, e);
  }
  Observation o;
  o.programme = c.programme;
  o.facts = std::move(*facts);
  o.source.url = "urn:conventiond:correction:" + c.programme + ":" + c.departement + ":" +
                 std::to_string(c.id);
  o.source.title = "Correction " + std::to_string(c.id) + " by " + c.author;
  o.source.fetched_at = c.created_at;
  o.source.connector = "operator";
  o.source.rank = SourceRank::operator_;
  return o;
}

json::value to_json(const Correction& c) {
  json::object o;
  o.emplace("id", c.id);
  o.emplace("convention_id", Convention::make_id(c.programme, c.departement));
  o.emplace("kind", c.kind);
  o.emplace("field", c.field);
  auto value = parse_json(c.value_json);
  o.emplace("value", value ? *value : json::value(nullptr));
  o.emplace("note", c.note);
  o.emplace("author", c.author);
  o.emplace("created_at", c.created_at);
  return o;
}

}  // namespace conventiond
