// The merge of observations into one convention record with provenance.
// See include/conventiond/merge/merge.hpp and docs/merge.md.

#include <conventiond/merge/merge.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <conventiond/departements.hpp>
#include <conventiond/model/model_json.hpp>

namespace conventiond {
namespace json = boost::json;

int date_precision(const Date& d) noexcept {
  if (d.year == 0) return 0;
  if (d.month == 0) return 1;
  if (d.day == 0) return 2;
  return 3;
}

namespace {

// A per-year amount over the merged period is spread over its years only when the period is
// a plausible one (guards against a hostile "1-9999").
constexpr int kMaxExpandedYears = 20;

// ---------------------------------------------------------------------------------------------
// Ordering
// ---------------------------------------------------------------------------------------------

// <0 when a is the better source (higher rank, then later fetch, then smaller URL), >0 when b
// is, 0 when the sources are equal. The remaining members only make the order total.
int compare_sources(const Source& a, const Source& b) {
  if (a.rank != b.rank) return static_cast<int>(a.rank) > static_cast<int>(b.rank) ? -1 : 1;
  if (a.fetched_at != b.fetched_at) return a.fetched_at > b.fetched_at ? -1 : 1;
  const auto rest = [](const Source& s) {
    return std::tie(s.url, s.content_hash, s.title, s.media_type, s.connector, s.connector_version,
                    s.extractor_version);
  };
  if (rest(a) < rest(b)) return -1;
  if (rest(b) < rest(a)) return 1;
  return 0;
}

// Drops the "evidence" members of a value's JSON (and of the objects in it): the value alone.
void drop_evidence(json::value& v) {
  if (json::object* o = v.if_object()) {
    o->erase("evidence");
    for (auto& kv : *o) drop_evidence(kv.value());
  } else if (json::array* a = v.if_array()) {
    for (json::value& e : *a) drop_evidence(e);
  }
}

// Canonical JSON text of a value, without its evidence.
std::string serialized(json::value v) {
  drop_evidence(v);
  return json::serialize(v);
}

std::string text_json(std::string_view s) {
  return serialized(json::value(json::string_view(s.data(), s.size())));
}

// One value of one field as one document states it.
template <class T>
struct Candidate {
  T value;
  std::string identity;      // equal identities = the same value ("" = nothing stated)
  std::string value_json;    // canonical JSON text of the value
  int precision = 0;         // higher is more precise
  std::size_t position = 0;  // order of the value in its observation
  const Source* source = nullptr;
  const Evidence* evidence = nullptr;  // where the source states it, when known
};

// Position of the i-th item of a list nested in the item at `outer` (an action's funding line):
// only a tie-break between values of one document.
std::size_t nested_position(std::size_t outer, std::size_t i) { return outer * 1000 + i; }

// The rules: rank, then precision, then recency, then URL; then what makes the order total.
template <class T>
bool better(const Candidate<T>& a, const Candidate<T>& b) {
  if (a.source->rank != b.source->rank) {
    return static_cast<int>(a.source->rank) > static_cast<int>(b.source->rank);
  }
  if (a.precision != b.precision) return a.precision > b.precision;
  if (const int c = compare_sources(*a.source, *b.source); c != 0) return c < 0;
  if (a.position != b.position) return a.position < b.position;
  return a.value_json < b.value_json;
}

// Sorts the candidates best first, records the field's provenance (the chosen source, then one
// alternative per other value, with that value's best source) and returns the best.
template <class T>
const Candidate<T>& choose(std::vector<Candidate<T>>& candidates, std::string field,
                           std::vector<FieldProvenance>& provenance) {
  std::sort(candidates.begin(), candidates.end(), better<T>);
  const Candidate<T>& best = candidates.front();
  FieldProvenance p;
  p.field = std::move(field);
  p.chosen = *best.source;
  if (best.evidence != nullptr) p.evidence = *best.evidence;
  std::set<std::string_view> seen{best.identity};
  for (const Candidate<T>& c : candidates) {
    if (c.identity.empty() || !seen.insert(c.identity).second) continue;
    Alternative alt{c.value_json, *c.source};
    if (c.evidence != nullptr) alt.evidence = *c.evidence;
    p.alternatives.push_back(std::move(alt));
  }
  provenance.push_back(std::move(p));
  return best;
}

// ---------------------------------------------------------------------------------------------
// Value identities
// ---------------------------------------------------------------------------------------------

// Folds a UTF-8 name for comparison: lower case, accents of Latin-1 letters removed (and
// œ/æ expanded), hyphens, apostrophes, dots and white space collapsed into one space.
std::string folded(std::string_view s) {
  static constexpr std::string_view kLatin1 =  // U+00C0 .. U+00FF, folded
      "aaaaaaaceeeeiiiidnooooo*ouuuuyts"
      "aaaaaaaceeeeiiiidnooooo/ouuuuyty";
  std::string out;
  bool space = false;
  const auto put = [&](std::string_view piece) {
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.append(piece);
  };
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '-' || c == '\'' || c == '.' ||
          c == ',') {
        space = true;
      } else {
        const char lower =
            (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
        put(std::string_view(&lower, 1));
      }
      continue;
    }
    if (i + 1 < s.size() && (c == 0xC3 || c == 0xC5)) {
      const auto d = static_cast<unsigned char>(s[i + 1]);
      if (c == 0xC3 && d >= 0x80 && d <= 0xBF) {
        const char base = kLatin1[static_cast<std::size_t>(d - 0x80U)];
        if (d == 0x86 || d == 0xA6) {
          put("ae");
        } else if (d == 0x9F) {
          put("ss");
        } else {
          put(std::string_view(&base, 1));
        }
        i += 2;
        continue;
      }
      if (c == 0xC5 && (d == 0x92 || d == 0x93)) {
        put("oe");
        i += 2;
        continue;
      }
    }
    // U+2019 (’) and U+2010..U+2014 (dashes) separate words like their ASCII forms.
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80) {
      const auto e = static_cast<unsigned char>(s[i + 2]);
      if ((e >= 0x90 && e <= 0x94) || e == 0x99) {
        space = true;
        i += 3;
        continue;
      }
    }
    put(s.substr(i, 1));  // any other byte, kept as is
    ++i;
  }
  return out;
}

std::string funding_identity(const FundingLine& f) {
  return std::to_string(f.amount_eur) + ' ' + std::string(to_string(f.qualifier));
}

// An exact amount is more precise than an approximate one ("près de", "plus de", ...).
int amount_precision(const FundingLine& f) { return f.qualifier == Qualifier::exact ? 1 : 0; }

// A full name ("Jean-Luc Marx") is more precise than a surname alone ("M. Marx").
int name_precision(std::string_view folded_name) {
  if (folded_name.empty()) return 0;
  const auto words = std::count(folded_name.begin(), folded_name.end(), ' ') + 1;
  return static_cast<int>(std::min<std::ptrdiff_t>(words, 3));
}

std::string date_json(const Date& d) { return text_json(d.to_iso()); }

std::string year_text(const std::optional<int>& year) {
  return year ? std::to_string(*year) : std::string("undated");
}

// "1-2" < "1-10" < "2-1": digit runs compare as numbers, then plain text breaks ties.
bool code_less(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  std::size_t j = 0;
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      std::size_t ie = i;
      std::size_t je = j;
      while (ie < a.size() && is_digit(a[ie])) ++ie;
      while (je < b.size() && is_digit(b[je])) ++je;
      std::string_view x(a.data() + i, ie - i);
      std::string_view y(b.data() + j, je - j);
      while (x.size() > 1 && x.front() == '0') x.remove_prefix(1);
      while (y.size() > 1 && y.front() == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = ie;
      j = je;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
    ++i;
    ++j;
  }
  if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
  return a < b;
}

struct CodeLess {
  bool operator()(const std::string& a, const std::string& b) const { return code_less(a, b); }
};

// Index of a vocabulary value in its kAll* list; `fallback` for a value outside the enumeration
// (only a cast makes one; the JSON readers reject them).
template <class E, std::size_t N>
std::size_t index_in(const std::array<E, N>& all, E value, std::size_t fallback) {
  const auto it = std::find(all.begin(), all.end(), value);
  return it == all.end() ? fallback : static_cast<std::size_t>(it - all.begin());
}

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

// A value seen in a document, before it becomes a candidate.
template <class T>
struct Seen {
  const T* value = nullptr;
  const Source* source = nullptr;
  std::size_t position = 0;
  const Evidence* evidence = nullptr;  // for values without their own (a date)
};

const Evidence* evidence_of(const std::optional<Evidence>& e) { return e ? &*e : nullptr; }

const Evidence* evidence_of(const ConventionFacts& f, const std::string& key) {
  const auto it = f.evidence.find(key);
  return it == f.evidence.end() ? nullptr : &it->second;
}

// The chosen date and where it was read (nullptr when unknown).
std::pair<std::optional<Date>, const Evidence*> merge_date(const std::vector<Seen<Date>>& seen,
                                                           const std::string& field,
                                                           std::vector<FieldProvenance>& provenance) {
  if (seen.empty()) return {std::nullopt, nullptr};
  std::vector<Candidate<Date>> candidates;
  for (const Seen<Date>& s : seen) {
    candidates.push_back({*s.value, s.value->to_iso(), date_json(*s.value),
                          date_precision(*s.value), s.position, s.source, s.evidence});
  }
  const Candidate<Date>& best = choose(candidates, field, provenance);
  return {best.value, best.evidence};
}

// Funding lines keyed by funder then year: the whole period (year null) first, then a per-year
// amount of unknown years, then each year.
using FundingKey = std::tuple<int, int, int>;  // funder, kind (0 whole, 1 per year, 2 year), year

std::string funding_field(const std::string& prefix, const FundingKey& key) {
  const auto funder = kAllFunders[static_cast<std::size_t>(std::get<0>(key))];
  std::string field = prefix + "." + std::string(to_string(funder));
  if (std::get<1>(key) == 1) field += ".per_year";
  if (std::get<1>(key) == 2) field += "." + std::to_string(std::get<2>(key));
  return field;
}

int funder_index(Funder f) {
  return static_cast<int>(index_in(kAllFunders, f, index_in(kAllFunders, Funder::other, 0)));
}

// Merges funding lines per (funder, year). A per-year line of no year is spread over the years
// of `period` when there is one (then it meets the explicit yearly lines of other documents).
std::vector<FundingLine> merge_funding(const std::vector<Seen<FundingLine>>& seen,
                                       const std::optional<Period>& period,
                                       const std::string& prefix,
                                       std::vector<FieldProvenance>& provenance) {
  std::map<FundingKey, std::vector<Candidate<FundingLine>>> by_key;
  const auto add = [&](const FundingLine& line, const Seen<FundingLine>& s) {
    const FundingKey key{funder_index(line.funder), line.year ? 2 : (line.per_year ? 1 : 0),
                         line.year.value_or(0)};
    by_key[key].push_back({line, funding_identity(line), serialized(to_json(line)),
                           amount_precision(line), s.position, s.source, evidence_of(line.evidence)});
  };
  const bool spread =
      period && period->start <= period->end && period->end - period->start < kMaxExpandedYears;
  for (const Seen<FundingLine>& s : seen) {
    const FundingLine& line = *s.value;
    if (!line.year && line.per_year && spread) {
      for (int y = period->start; y <= period->end; ++y) {
        FundingLine yearly = line;
        yearly.year = y;
        add(yearly, s);
      }
    } else {
      add(line, s);
    }
  }
  std::vector<FundingLine> out;
  for (auto& [key, candidates] : by_key) {
    out.push_back(choose(candidates, funding_field(prefix, key), provenance).value);
  }
  return out;
}

// Merges actions by code: the title (a stated title over none), and the funding per funder and
// year.
std::vector<Action> merge_actions(const std::vector<Seen<Action>>& seen, const std::string& prefix,
                                  std::vector<FieldProvenance>& provenance) {
  std::map<std::string, std::vector<const Seen<Action>*>, CodeLess> by_code;
  for (const Seen<Action>& s : seen) by_code[s.value->code].push_back(&s);
  std::vector<Action> out;
  for (const auto& [code, list] : by_code) {
    const std::string base = prefix + "." + code;
    Action action;
    action.code = code;
    std::vector<Candidate<std::string>> titles;
    std::vector<Seen<FundingLine>> lines;
    for (const Seen<Action>* s : list) {
      const std::string& title = s->value->title;
      titles.push_back({title, folded(title), text_json(title), title.empty() ? 0 : 1, s->position,
                        s->source, evidence_of(s->value->evidence)});
      for (std::size_t i = 0; i < s->value->funding.size(); ++i) {
        lines.push_back({&s->value->funding[i], s->source, nested_position(s->position, i), nullptr});
      }
    }
    const Candidate<std::string>& title = choose(titles, base + ".title", provenance);
    action.title = title.value;
    if (title.evidence != nullptr) action.evidence = *title.evidence;
    action.funding = merge_funding(lines, std::nullopt, base + ".funding", provenance);
    out.push_back(std::move(action));
  }
  return out;
}

// Merges amendments by year (undated ones last): the amendment itself, its signature date,
// funding and actions.
std::vector<Amendment> merge_amendments(const std::vector<Seen<Amendment>>& seen,
                                        std::vector<FieldProvenance>& provenance) {
  // Keyed (undated?, year) so that undated amendments come last.
  std::map<std::pair<bool, int>, std::vector<const Seen<Amendment>*>> by_year;
  for (const Seen<Amendment>& s : seen) {
    by_year[{!s.value->year.has_value(), s.value->year.value_or(0)}].push_back(&s);
  }
  std::vector<Amendment> out;
  for (const auto& [key, list] : by_year) {
    Amendment amendment;
    if (!key.first) amendment.year = key.second;
    const std::string base = "amendments." + year_text(amendment.year);
    std::vector<Candidate<int>> existence;
    std::vector<Seen<Date>> dates;
    std::vector<Seen<FundingLine>> lines;
    std::vector<Seen<Action>> actions;
    for (const Seen<Amendment>* s : list) {
      const Amendment& a = *s->value;
      existence.push_back({0, "amendment",
                           serialized(a.year ? json::value(static_cast<std::int64_t>(*a.year))
                                             : json::value(nullptr)),
                           0, s->position, s->source, evidence_of(a.evidence)});
      if (a.signed_on) {
        dates.push_back({&*a.signed_on, s->source, s->position, evidence_of(a.evidence)});
      }
      for (std::size_t i = 0; i < a.funding.size(); ++i) {
        lines.push_back({&a.funding[i], s->source, nested_position(s->position, i), nullptr});
      }
      for (std::size_t i = 0; i < a.actions.size(); ++i) {
        actions.push_back({&a.actions[i], s->source, nested_position(s->position, i), nullptr});
      }
    }
    const Candidate<int>& stated = choose(existence, base, provenance);
    const auto [signed_on, date_evidence] = merge_date(dates, base + ".signed_on", provenance);
    amendment.signed_on = signed_on;
    if (date_evidence != nullptr) {
      amendment.evidence = *date_evidence;
    } else if (stated.evidence != nullptr) {
      amendment.evidence = *stated.evidence;
    }
    amendment.funding = merge_funding(lines, std::nullopt, base + ".funding", provenance);
    amendment.actions = merge_actions(actions, base + ".actions", provenance);
    out.push_back(std::move(amendment));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

std::string document_name(const Observation& o) {
  if (!o.source.url.empty()) return o.source.url;
  if (!o.source.title.empty()) return "(no URL) '" + o.source.title + "'";
  return "(document without URL)";
}

// <0 when a is the version of a document to keep: the latest fetch, then the better source,
// then the facts' JSON (total order).
int compare_versions(const Observation& a, const Observation& b) {
  if (a.source.fetched_at != b.source.fetched_at) {
    return a.source.fetched_at > b.source.fetched_at ? -1 : 1;
  }
  if (const int c = compare_sources(a.source, b.source); c != 0) return c;
  const std::string ja = serialized(to_json(a.facts));
  const std::string jb = serialized(to_json(b.facts));
  if (ja != jb) return ja < jb ? -1 : 1;
  return 0;
}

// One observation per document URL: its latest version, with the source of the first fetch
// of that same content (a re-fetch of identical bytes changes nothing). Observations without
// a URL are each their own document.
std::vector<const Observation*> documents_of(const std::vector<Observation>& observations) {
  std::map<std::string_view, std::vector<const Observation*>> by_url;
  std::vector<const Observation*> out;
  for (const Observation& o : observations) {
    if (o.source.url.empty()) {
      out.push_back(&o);
    } else {
      by_url[o.source.url].push_back(&o);
    }
  }
  for (auto& [url, versions] : by_url) {
    const Observation* latest = versions.front();
    for (const Observation* v : versions) {
      if (compare_versions(*v, *latest) < 0) latest = v;
    }
    const Observation* first = latest;
    for (const Observation* v : versions) {
      if (v->source.content_hash != latest->source.content_hash || !(v->facts == latest->facts)) {
        continue;
      }
      if (v->source.fetched_at < first->source.fetched_at ||
          (v->source.fetched_at == first->source.fetched_at && compare_versions(*v, *first) < 0)) {
        first = v;
      }
    }
    out.push_back(first);
  }
  return out;
}

}  // namespace

Result<Convention> merge_observations(std::string_view programme, std::string_view departement,
                                      const std::vector<Observation>& observations) {
  const std::string code = normalize_departement_code(departement);
  if (code.empty()) {
    return Error{"invalid", "merge: unknown département '" + std::string(departement) + "'"};
  }
  if (programme.empty()) return Error{"invalid", "merge: empty programme"};
  Convention record;
  record.id = Convention::make_id(programme, code);
  record.programme.assign(programme);
  record.facts.departement = code;
  if (observations.empty()) {
    return Error{"empty", "merge: no observation of " + record.id};
  }
  for (const Observation& o : observations) {
    if (o.programme != programme || normalize_departement_code(o.facts.departement) != code) {
      return Error{"invalid", "merge: " + document_name(o) + ": observation of " +
                                  Convention::make_id(o.programme, o.facts.departement) +
                                  ", not of " + record.id};
    }
  }

  const std::vector<const Observation*> documents = documents_of(observations);
  std::vector<FieldProvenance>& provenance = record.provenance;
  ConventionFacts& facts = record.facts;

  // signed_on, period
  std::vector<Seen<Date>> dates;
  std::vector<Candidate<Period>> periods;
  for (const Observation* o : documents) {
    if (o->facts.signed_on) {
      dates.push_back({&*o->facts.signed_on, &o->source, 0, evidence_of(o->facts, "signed_on")});
    }
    if (o->facts.period) {
      periods.push_back({*o->facts.period, serialized(to_json(*o->facts.period)),
                         serialized(to_json(*o->facts.period)), 0, 0, &o->source,
                         evidence_of(o->facts, "period")});
    }
  }
  const auto [signed_on, date_evidence] = merge_date(dates, "signed_on", provenance);
  facts.signed_on = signed_on;
  if (date_evidence != nullptr) facts.evidence.emplace("signed_on", *date_evidence);
  if (!periods.empty()) {
    const Candidate<Period>& period = choose(periods, "period", provenance);
    facts.period = period.value;
    if (period.evidence != nullptr) facts.evidence.emplace("period", *period.evidence);
  }

  // signatories: one per role (the chosen name, others as alternatives); every "other" person
  std::map<std::pair<std::size_t, std::string>, std::vector<Candidate<Signatory>>> people;
  for (const Observation* o : documents) {
    for (std::size_t i = 0; i < o->facts.signatories.size(); ++i) {
      const Signatory& s = o->facts.signatories[i];
      std::string name_key = folded(s.name);
      if (name_key.empty()) continue;
      const std::size_t other = index_in(kAllRoles, Role::other, 0);
      const std::size_t role_index = index_in(kAllRoles, s.role, other);
      std::string group = role_index == other ? name_key : std::string();
      const int precision = name_precision(name_key);
      people[{role_index, std::move(group)}].push_back(
          {s, std::move(name_key), serialized(to_json(s)), precision, i, &o->source,
           evidence_of(s.evidence)});
    }
  }
  for (auto& [key, candidates] : people) {
    std::string field = "signatories." + std::string(to_string(kAllRoles[key.first]));
    if (!key.second.empty()) field += "." + key.second;
    facts.signatories.push_back(choose(candidates, std::move(field), provenance).value);
  }

  // funding
  std::vector<Seen<FundingLine>> lines;
  for (const Observation* o : documents) {
    for (std::size_t i = 0; i < o->facts.funding.size(); ++i) {
      lines.push_back({&o->facts.funding[i], &o->source, i, nullptr});
    }
  }
  facts.funding = merge_funding(lines, facts.period, "funding", provenance);

  // measures: the union, each with its best source
  std::map<std::size_t, std::vector<Candidate<Measure>>> measures;
  for (const Observation* o : documents) {
    for (std::size_t i = 0; i < o->facts.measures.size(); ++i) {
      const Measure m = o->facts.measures[i];
      const std::size_t index = index_in(kAllMeasures, m, kAllMeasures.size());
      if (index == kAllMeasures.size()) continue;  // not a measure (a cast value)
      const std::string key = "measures." + std::string(to_string(m));
      measures[index].push_back({m, std::string(to_string(m)), text_json(to_string(m)), 0, i,
                                 &o->source, evidence_of(o->facts, key)});
    }
  }
  for (auto& [index, candidates] : measures) {
    const std::string key = "measures." + std::string(to_string(kAllMeasures[index]));
    const Candidate<Measure>& chosen = choose(candidates, key, provenance);
    facts.measures.push_back(chosen.value);
    if (chosen.evidence != nullptr) facts.evidence.emplace(key, *chosen.evidence);
  }

  // actions, amendments
  std::vector<Seen<Action>> actions;
  std::vector<Seen<Amendment>> amendments;
  for (const Observation* o : documents) {
    for (std::size_t i = 0; i < o->facts.actions.size(); ++i) {
      actions.push_back({&o->facts.actions[i], &o->source, i, nullptr});
    }
    for (std::size_t i = 0; i < o->facts.amendments.size(); ++i) {
      amendments.push_back({&o->facts.amendments[i], &o->source, i, nullptr});
    }
  }
  facts.actions = merge_actions(actions, "actions", provenance);
  facts.amendments = merge_amendments(amendments, provenance);

  // not_a_convention: an operator's verdict (only corrections state it), with its source
  std::vector<Candidate<bool>> verdicts;
  for (const Observation* o : documents) {
    if (o->facts.not_a_convention) {
      verdicts.push_back(
          {true, "true", "true", 0, 0, &o->source, evidence_of(o->facts, "not_a_convention")});
    }
  }
  if (!verdicts.empty()) {
    const Candidate<bool>& chosen = choose(verdicts, "not_a_convention", provenance);
    facts.not_a_convention = true;
    if (chosen.evidence != nullptr) facts.evidence.emplace("not_a_convention", *chosen.evidence);
  }
  return record;
}

}  // namespace conventiond
