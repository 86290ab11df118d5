// JSON (Boost.JSON) both ways for the convention model. See model_json.hpp for the shapes and
// docs/schema/convention.schema.json for their schema.

#include <conventiond/model/model_json.hpp>

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <conventiond/departements.hpp>

namespace conventiond {
namespace json = boost::json;

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------
namespace {

json::value str(std::string_view s) { return json::value(json::string_view(s.data(), s.size())); }

json::value optional_int(const std::optional<int>& v) {
  return v ? json::value(static_cast<std::int64_t>(*v)) : json::value(nullptr);
}

json::value optional_date(const std::optional<Date>& d) {
  return d ? str(d->to_iso()) : json::value(nullptr);
}

template <class T>
json::value array_of(const std::vector<T>& items) {
  json::array a;
  a.reserve(items.size());
  for (const T& item : items) a.push_back(to_json(item));
  return a;
}

json::value measures_json(const std::vector<Measure>& measures) {
  json::array a;
  a.reserve(measures.size());
  for (Measure m : measures) a.push_back(str(to_string(m)));
  return a;
}

json::value strings_json(const std::vector<std::string>& items) {
  json::array a;
  a.reserve(items.size());
  for (const std::string& s : items) a.push_back(str(s));
  return a;
}

// Largest magnitude under which every integer is exactly a double (2^53).
constexpr double kExactIntegerLimit = 9007199254740992.0;

json::value number_json(double v) {
  if (!std::isfinite(v)) return nullptr;  // not representable in JSON; rejected when read back
  if (std::trunc(v) == v && std::fabs(v) <= kExactIntegerLimit) {
    return static_cast<std::int64_t>(v);  // 1234 rather than 1.234E3
  }
  return v;
}

json::value alternative_json(const Alternative& alt) {
  json::object o;
  json::error_code ec;
  json::value parsed =
      json::parse(json::string_view(alt.value_json.data(), alt.value_json.size()), ec);
  if (!ec && json::serialize(parsed) == alt.value_json) {
    o.emplace("value", std::move(parsed));
  } else {
    o.emplace("value_json", str(alt.value_json));
  }
  o.emplace("source", to_json(alt.source));
  if (alt.evidence) o.emplace("evidence", to_json(*alt.evidence));
  return o;
}

json::value optional_offset(const std::optional<std::int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

}  // namespace

json::value to_json(const Evidence& e) {
  json::object o;
  o.emplace("quote", str(e.quote));
  o.emplace("begin", optional_offset(e.begin));
  o.emplace("end", optional_offset(e.end));
  o.emplace("page", static_cast<std::int64_t>(e.page));
  o.emplace("confidence", number_json(e.confidence));
  o.emplace("rule", str(e.rule));
  return o;
}

json::value to_json(const Source& s) {
  json::object o;
  o.emplace("url", str(s.url));
  o.emplace("title", str(s.title));
  o.emplace("media_type", str(s.media_type));
  o.emplace("fetched_at", str(s.fetched_at));
  o.emplace("content_hash", str(s.content_hash));
  o.emplace("connector", str(s.connector));
  o.emplace("connector_version", str(s.connector_version));
  o.emplace("extractor_version", str(s.extractor_version));
  o.emplace("rank", str(to_string(s.rank)));
  return o;
}

json::value to_json(const Signatory& s) {
  json::object o;
  o.emplace("name", str(s.name));
  o.emplace("role", str(to_string(s.role)));
  if (s.evidence) o.emplace("evidence", to_json(*s.evidence));
  return o;
}

json::value to_json(const Period& p) {
  json::object o;
  o.emplace("start", static_cast<std::int64_t>(p.start));
  o.emplace("end", static_cast<std::int64_t>(p.end));
  return o;
}

json::value to_json(const FundingLine& f) {
  json::object o;
  o.emplace("funder", str(to_string(f.funder)));
  o.emplace("year", optional_int(f.year));
  o.emplace("amount_eur", f.amount_eur);
  o.emplace("qualifier", str(to_string(f.qualifier)));
  if (f.per_year) o.emplace("per_year", true);
  if (f.evidence) o.emplace("evidence", to_json(*f.evidence));
  return o;
}

json::value to_json(const Action& a) {
  json::object o;
  o.emplace("code", str(a.code));
  o.emplace("title", str(a.title));
  o.emplace("funding", array_of(a.funding));
  if (a.evidence) o.emplace("evidence", to_json(*a.evidence));
  return o;
}

json::value to_json(const Amendment& a) {
  json::object o;
  o.emplace("year", optional_int(a.year));
  o.emplace("signed_on", optional_date(a.signed_on));
  o.emplace("funding", array_of(a.funding));
  o.emplace("actions", array_of(a.actions));
  if (a.evidence) o.emplace("evidence", to_json(*a.evidence));
  return o;
}

json::value to_json(const ConventionFacts& f) {
  json::object o;
  o.emplace("departement", str(f.departement));
  o.emplace("signed_on", optional_date(f.signed_on));
  o.emplace("period", f.period ? to_json(*f.period) : json::value(nullptr));
  o.emplace("signatories", array_of(f.signatories));
  o.emplace("funding", array_of(f.funding));
  o.emplace("measures", measures_json(f.measures));
  o.emplace("actions", array_of(f.actions));
  o.emplace("amendments", array_of(f.amendments));
  if (f.not_a_convention) o.emplace("not_a_convention", true);
  if (!f.evidence.empty()) {
    json::object ev;
    for (const auto& [key, e] : f.evidence) ev.emplace(key, to_json(e));
    o.emplace("evidence", std::move(ev));
  }
  return o;
}

json::value to_json(const FieldProvenance& p) {
  json::object o;
  o.emplace("field", str(p.field));
  o.emplace("chosen", to_json(p.chosen));
  if (p.evidence) o.emplace("evidence", to_json(*p.evidence));
  json::array alts;
  alts.reserve(p.alternatives.size());
  for (const Alternative& alt : p.alternatives) alts.push_back(alternative_json(alt));
  o.emplace("alternatives", std::move(alts));
  return o;
}

json::value to_json(const Observation& obs) {
  json::object o;
  o.emplace("schema_version", kModelSchemaVersion);
  o.emplace("programme", str(obs.programme));
  o.emplace("facts", to_json(obs.facts));
  o.emplace("source", to_json(obs.source));
  o.emplace("warnings", strings_json(obs.warnings));
  return o;
}

json::value to_json(const Convention& c) {
  json::object o;
  o.emplace("schema_version", kModelSchemaVersion);
  o.emplace("id", str(c.id));
  o.emplace("programme", str(c.programme));
  o.emplace("revision", c.revision);
  o.emplace("updated_at", str(c.updated_at));
  o.emplace("facts", to_json(c.facts));
  o.emplace("provenance", array_of(c.provenance));
  return o;
}

json::value to_json(const Indicator& i) {
  json::object o;
  o.emplace("schema_version", kModelSchemaVersion);
  o.emplace("departement", str(i.departement));
  o.emplace("name", str(i.name));
  o.emplace("period", str(i.period));
  o.emplace("value", number_json(i.value));
  o.emplace("unit", str(i.unit));
  o.emplace("note", str(i.note));
  o.emplace("source", to_json(i.source));
  return o;
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------
namespace {

// The path of the member being read ("facts.funding[2].year") and the first error met.
// Nothing here throws but std::bad_alloc.
class Reader {
 public:
  explicit Reader(std::string root = {}) : path_(std::move(root)) {}

  bool failed() const noexcept { return failed_; }
  Error take_error() { return Error{"parse", std::move(message_)}; }

  bool fail(std::string_view problem) {
    if (!failed_) {
      message_ = path_.empty() ? std::string("$") : path_;
      message_ += ": ";
      message_ += problem;
      failed_ = true;
    }
    return false;
  }

  // Scoped descent: member("year") / element(2) append to the path until the guard ends.
  class Scope {
   public:
    Scope(Reader& r, std::size_t keep) : r_(r), keep_(keep) {}
    ~Scope() { r_.path_.resize(keep_); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Reader& r_;
    std::size_t keep_;
  };
  [[nodiscard]] Scope member(std::string_view key) {
    const std::size_t keep = path_.size();
    if (!path_.empty()) path_ += '.';
    path_ += key;
    return Scope(*this, keep);
  }
  [[nodiscard]] Scope element(std::size_t index) {
    const std::size_t keep = path_.size();
    path_ += '[';
    path_ += std::to_string(index);
    path_ += ']';
    return Scope(*this, keep);
  }

 private:
  std::string path_;
  std::string message_;
  bool failed_ = false;
};

std::string_view kind_name(const json::value& v) noexcept {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "integer";
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "value";
}

std::string expected(std::string_view what, const json::value& got) {
  std::string m("expected ");
  m += what;
  m += ", got ";
  m += kind_name(got);
  return m;
}

std::string quoted(std::string_view s) {
  std::string q;
  q.reserve(s.size() + 2);
  q += '"';
  for (char c : s.substr(0, 80)) q += (static_cast<unsigned char>(c) < 0x20 ? '?' : c);
  if (s.size() > 80) q += "...";
  q += '"';
  return q;
}

enum class Need { required, optional };

// The member `key` of `o`, nullptr if absent. A required absent member is an error; an
// optional member that is null counts as absent.
const json::value* find(Reader& r, const json::object& o, std::string_view key, Need need) {
  const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
  if (v == nullptr) {
    if (need == Need::required) {
      auto s = r.member(key);
      r.fail("missing required member");
    }
    return nullptr;
  }
  if (need == Need::optional && v->is_null()) return nullptr;
  return v;
}

const json::object* object_of(Reader& r, const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr) r.fail(expected("object", v));
  return o;
}

bool read_string(Reader& r, const json::value& v, std::string& out) {
  const json::string* s = v.if_string();
  if (s == nullptr) return r.fail(expected("string", v));
  out.assign(s->data(), s->size());
  return true;
}

// An integer: int64, uint64 in range, or a double with an integral value in range.
std::optional<std::int64_t> integral(const json::value& v) noexcept {
  if (const std::int64_t* i = v.if_int64()) return *i;
  if (const std::uint64_t* u = v.if_uint64()) {
    if (*u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(*u);
    }
    return std::nullopt;
  }
  if (const double* d = v.if_double()) {
    if (std::isfinite(*d) && std::trunc(*d) == *d && *d >= -9223372036854775808.0 &&
        *d < 9223372036854775808.0) {
      return static_cast<std::int64_t>(*d);
    }
  }
  return std::nullopt;
}

bool read_int64(Reader& r, const json::value& v, std::int64_t& out) {
  if (!v.is_number()) return r.fail(expected("integer", v));
  const auto i = integral(v);
  if (!i)
    return r.fail(v.is_double() ? "expected integer, got a non-integral or out-of-range number"
                                : "integer out of range (int64)");
  out = *i;
  return true;
}

bool read_int(Reader& r, const json::value& v, int& out, std::string_view what = "integer") {
  if (!v.is_number()) return r.fail(expected(what, v));
  const auto i = integral(v);
  if (!i || *i < std::numeric_limits<int>::min() || *i > std::numeric_limits<int>::max()) {
    return r.fail("integer out of range (int)");
  }
  out = static_cast<int>(*i);
  return true;
}

bool read_optional_int(Reader& r, const json::value& v, std::optional<int>& out) {
  if (v.is_null()) {
    out.reset();
    return true;
  }
  int i = 0;
  if (!read_int(r, v, i, "integer or null")) return false;
  out = i;
  return true;
}

bool read_optional_date(Reader& r, const json::value& v, std::optional<Date>& out) {
  if (v.is_null()) {
    out.reset();
    return true;
  }
  const json::string* s = v.if_string();
  if (s == nullptr) return r.fail(expected("date string \"YYYY-MM-DD\" or null", v));
  const std::string_view text(s->data(), s->size());
  out = Date::from_iso(text);
  if (!out) return r.fail("invalid date " + quoted(text) + " (expected YYYY-MM-DD)");
  return true;
}

bool read_bool(Reader& r, const json::value& v, bool& out) {
  const bool* b = v.if_bool();
  if (b == nullptr) return r.fail(expected("boolean", v));
  out = *b;
  return true;
}

template <class Enum, std::size_t N>
bool read_enum(Reader& r, const json::value& v, Enum& out, std::string_view vocabulary,
               const std::array<Enum, N>& all,
               std::optional<Enum> (*parse)(std::string_view) noexcept) {
  const json::string* s = v.if_string();
  if (s == nullptr) return r.fail(expected(std::string(vocabulary) + " string", v));
  const std::string_view text(s->data(), s->size());
  if (const auto e = parse(text)) {
    out = *e;
    return true;
  }
  std::string m = "unknown ";
  m += vocabulary;
  m += ' ';
  m += quoted(text);
  m += " (expected one of";
  for (std::size_t i = 0; i < N; ++i) {
    m += i == 0 ? " " : ", ";
    m += to_string(all[i]);
  }
  m += ')';
  return r.fail(m);
}

bool read_departement(Reader& r, const json::value& v, std::string& out) {
  std::string text;
  if (!read_string(r, v, text)) return false;
  out = normalize_departement_code(text);
  if (out.empty()) return r.fail("unknown département code " + quoted(text));
  return true;
}

// Reads each element of an array member with `read_one(reader, element, item)`.
template <class T, class F>
bool read_list(Reader& r, const json::value& v, std::vector<T>& out, F read_one) {
  const json::array* a = v.if_array();
  if (a == nullptr) return r.fail(expected("array", v));
  out.clear();
  out.reserve(a->size());
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto s = r.element(i);
    T item{};
    if (!read_one(r, (*a)[i], item)) return false;
    out.push_back(std::move(item));
  }
  return true;
}

// Reads member `key` of `o` with `read` if present; fails if required and absent.
template <class F>
bool field(Reader& r, const json::object& o, std::string_view key, Need need, F read) {
  const json::value* v = find(r, o, key, need);
  if (v == nullptr) return !r.failed();
  auto s = r.member(key);
  return read(*v);
}

bool read_schema_version(Reader& r, const json::object& o) {
  return field(r, o, "schema_version", Need::required, [&](const json::value& v) {
    int version = 0;
    if (!read_int(r, v, version)) return false;
    if (version < 1) return r.fail("invalid schema version " + std::to_string(version));
    if (version > kModelSchemaVersion) {
      return r.fail("unsupported schema version " + std::to_string(version) +
                    " (this build reads up to " + std::to_string(kModelSchemaVersion) + ")");
    }
    return true;
  });
}

bool read_source(Reader& r, const json::value& v, Source& out) {
  const json::object* o = object_of(r, v);
  if (o == nullptr) return false;
  auto text = [&](std::string_view key, std::string& dst) {
    return field(r, *o, key, Need::optional,
                 [&](const json::value& m) { return read_string(r, m, dst); });
  };
  return text("url", out.url) && text("title", out.title) && text("media_type", out.media_type) &&
         text("fetched_at", out.fetched_at) && text("content_hash", out.content_hash) &&
         text("connector", out.connector) && text("connector_version", out.connector_version) &&
         text("extractor_version", out.extractor_version) &&
         field(r, *o, "rank", Need::optional, [&](const json::value& m) {
           return read_enum(r, m, out.rank, "source rank", kAllSourceRanks,
                            &source_rank_from_string);
         });
}

bool read_optional_offset(Reader& r, const json::value& v, std::optional<std::int64_t>& out) {
  if (v.is_null()) {
    out.reset();
    return true;
  }
  std::int64_t i = 0;
  if (!read_int64(r, v, i)) return false;
  out = i;
  return true;
}

bool read_number(Reader& r, const json::value& v, double& out);

bool read_evidence(Reader& r, const json::value& v, Evidence& out) {
  const json::object* o = object_of(r, v);
  if (o == nullptr) return false;
  if (!(field(r, *o, "quote", Need::required,
              [&](const json::value& m) { return read_string(r, m, out.quote); }) &&
        field(r, *o, "begin", Need::optional,
              [&](const json::value& m) { return read_optional_offset(r, m, out.begin); }) &&
        field(r, *o, "end", Need::optional,
              [&](const json::value& m) { return read_optional_offset(r, m, out.end); }) &&
        field(r, *o, "page", Need::optional,
              [&](const json::value& m) { return read_int(r, m, out.page); }) &&
        field(r, *o, "confidence", Need::optional,
              [&](const json::value& m) { return read_number(r, m, out.confidence); }) &&
        field(r, *o, "rule", Need::optional,
              [&](const json::value& m) { return read_string(r, m, out.rule); }))) {
    return false;
  }
  // Like the other readers, types only: what the writer guarantees (begin <= end, both or
  // neither, confidence in [0, 1]) is documented, not refused, so the schema says the same.
  return true;
}

// The optional "evidence" member of an object (absent in JSON written before evidence).
bool read_item_evidence(Reader& r, const json::object& o, std::optional<Evidence>& out) {
  return field(r, o, "evidence", Need::optional, [&](const json::value& m) {
    Evidence e;
    if (!read_evidence(r, m, e)) return false;
    out = std::move(e);
    return true;
  });
}

bool read_signatory(Reader& r, const json::value& v, Signatory& out) {
  const json::object* o = object_of(r, v);
  if (o == nullptr) return false;
  return field(r, *o, "name", Need::required,
               [&](const json::value& m) { return read_string(r, m, out.name); }) &&
         field(r, *o, "role", Need::required, [&](const json::value& m) {
           return read_enum(r, m, out.role, "role", kAllRoles, &role_from_string);
         }) &&
         read_item_evidence(r, *o, out.evidence);
}

bool read_period(Reader& r, const json::value& v, Period& out) {
  const json::object* o = object_of(r, v);
  if (o == nullptr) return false;
  if (!field(r, *o, "start", Need::required,
             [&](const json::value& m) { return read_int(r, m, out.start); }) ||
      !field(r, *o, "end", Need::required,
             [&](const json::value& m) { return read_int(r, m, out.end); })) {
    return false;
  }
  if (out.start > out.end) {
    return r.fail("start " + std::to_string(out.start) + " is after end " +
                  std::to_string(out.end));
  }
  return true;
}

bool read_funding_line(Reader& r, const json::value& v, FundingLine& out) {
  const json::object* o = object_of(r, v);
  if (o == nullptr) return false;
  return field(r, *o, "funder", Need::required,
               [&](const json::value& m) {
                 return read_enum(r, m, out.funder, "funder", kAllFunders, &funder_from_string);
               }) &&
         field(r, *o, "year", Need::optional,
               [&](const json::value& m) { return read_optional_int(r, m, out.year); }) &&
         field(r, *o, "amount_eur", Need::required,
               [&](const json::value& m) { return read_int64(r, m, out.amount_eur); }) &&
         field(r, *o, "qualifier", Need::optional,
               [&](const json::value& m) {
                 return read_enum(r, m, out.qualifier, "qualifier", kAllQualifiers,
                                  &qualifier_from_string);
               }) &&
         field(r, *o, "per_year", Need::optional,
               [&](const json::value& m) { return read_bool(r, m, out.per_year); }) &&
         read_item_evidence(r, *o, out.evidence);
}

bool read_funding(Reader& r, const json::value& v, std::vector<FundingLine>& out) {
  return read_list(r, v, out, read_funding_line);
}

bool read_action(Reader& r, const json::value& v, Action& out) {
  const json::object* o = object_of(r, v);
  if (o == nullptr) return false;
  return field(r, *o, "code", Need::required,
               [&](const json::value& m) { return read_string(r, m, out.code); }) &&
         field(r, *o, "title", Need::optional,
               [&](const json::value& m) { return read_string(r, m, out.title); }) &&
         field(r, *o, "funding", Need::optional,
               [&](const json::value& m) { return read_funding(r, m, out.funding); }) &&
         read_item_evidence(r, *o, out.evidence);
}

bool read_amendment(Reader& r, const json::value& v, Amendment& out) {
  const json::object* o = object_of(r, v);
  if (o == nullptr) return false;
  return field(r, *o, "year", Need::optional,
               [&](const json::value& m) { return read_optional_int(r, m, out.year); }) &&
         field(r, *o, "signed_on", Need::optional,
               [&](const json::value& m) { return read_optional_date(r, m, out.signed_on); }) &&
         field(r, *o, "funding", Need::optional,
               [&](const json::value& m) { return read_funding(r, m, out.funding); }) &&
         field(r, *o, "actions", Need::optional,
               [&](const json::value& m) { return read_list(r, m, out.actions, read_action); }) &&
         read_item_evidence(r, *o, out.evidence);
}

bool read_measure(Reader& r, const json::value& v, Measure& out) {
  return read_enum(r, v, out, "measure", kAllMeasures, &measure_from_string);
}

bool read_facts(Reader& r, const json::value& v, ConventionFacts& out) {
  const json::object* o = object_of(r, v);
  if (o == nullptr) return false;
  return field(r, *o, "departement", Need::required,
               [&](const json::value& m) { return read_departement(r, m, out.departement); }) &&
         field(r, *o, "signed_on", Need::optional,
               [&](const json::value& m) { return read_optional_date(r, m, out.signed_on); }) &&
         field(r, *o, "period", Need::optional,
               [&](const json::value& m) {
                 Period p;
                 if (!read_period(r, m, p)) return false;
                 out.period = p;
                 return true;
               }) &&
         field(r, *o, "signatories", Need::optional,
               [&](const json::value& m) {
                 return read_list(r, m, out.signatories, read_signatory);
               }) &&
         field(r, *o, "funding", Need::optional,
               [&](const json::value& m) { return read_funding(r, m, out.funding); }) &&
         field(r, *o, "measures", Need::optional,
               [&](const json::value& m) { return read_list(r, m, out.measures, read_measure); }) &&
         field(r, *o, "actions", Need::optional,
               [&](const json::value& m) { return read_list(r, m, out.actions, read_action); }) &&
         field(r, *o, "amendments", Need::optional,
               [&](const json::value& m) {
                 return read_list(r, m, out.amendments, read_amendment);
               }) &&
         field(r, *o, "not_a_convention", Need::optional,
               [&](const json::value& m) { return read_bool(r, m, out.not_a_convention); }) &&
         field(r, *o, "evidence", Need::optional, [&](const json::value& m) {
           const json::object* ev = object_of(r, m);
           if (ev == nullptr) return false;
           out.evidence.clear();
           for (const auto& kv : *ev) {
             const std::string key(kv.key().data(), kv.key().size());
             auto s = r.member(key);
             Evidence e;
             if (!read_evidence(r, kv.value(), e)) return false;
             out.evidence.emplace(key, std::move(e));
           }
           return true;
         });
}

bool read_alternative(Reader& r, const json::value& v, Alternative& out) {
  const json::object* o = object_of(r, v);
  if (o == nullptr) return false;
  // "value" may legitimately be null: look it up directly rather than as an optional member.
  if (const json::value* value = o->if_contains("value")) {
    out.value_json = json::serialize(*value);
  } else if (!field(r, *o, "value_json", Need::required,
                    [&](const json::value& m) { return read_string(r, m, out.value_json); })) {
    return false;
  }
  return field(r, *o, "source", Need::required,
               [&](const json::value& m) { return read_source(r, m, out.source); }) &&
         read_item_evidence(r, *o, out.evidence);
}

bool read_field_provenance(Reader& r, const json::value& v, FieldProvenance& out) {
  const json::object* o = object_of(r, v);
  if (o == nullptr) return false;
  return field(r, *o, "field", Need::required,
               [&](const json::value& m) { return read_string(r, m, out.field); }) &&
         field(r, *o, "chosen", Need::required,
               [&](const json::value& m) { return read_source(r, m, out.chosen); }) &&
         read_item_evidence(r, *o, out.evidence) &&
         field(r, *o, "alternatives", Need::optional, [&](const json::value& m) {
           return read_list(r, m, out.alternatives, read_alternative);
         });
}

bool read_observation(Reader& r, const json::value& v, Observation& out) {
  const json::object* o = object_of(r, v);
  if (o == nullptr) return false;
  return read_schema_version(r, *o) &&
         field(r, *o, "programme", Need::optional,
               [&](const json::value& m) { return read_string(r, m, out.programme); }) &&
         field(r, *o, "facts", Need::required,
               [&](const json::value& m) { return read_facts(r, m, out.facts); }) &&
         field(r, *o, "source", Need::required,
               [&](const json::value& m) { return read_source(r, m, out.source); }) &&
         field(r, *o, "warnings", Need::optional, [&](const json::value& m) {
           return read_list(r, m, out.warnings,
                            [](Reader& rr, const json::value& e, std::string& s) {
                              return read_string(rr, e, s);
                            });
         });
}

bool read_convention(Reader& r, const json::value& v, Convention& out) {
  const json::object* o = object_of(r, v);
  if (o == nullptr) return false;
  return read_schema_version(r, *o) &&
         field(r, *o, "id", Need::required,
               [&](const json::value& m) { return read_string(r, m, out.id); }) &&
         field(r, *o, "programme", Need::optional,
               [&](const json::value& m) { return read_string(r, m, out.programme); }) &&
         field(r, *o, "revision", Need::optional,
               [&](const json::value& m) { return read_int64(r, m, out.revision); }) &&
         field(r, *o, "updated_at", Need::optional,
               [&](const json::value& m) { return read_string(r, m, out.updated_at); }) &&
         field(r, *o, "facts", Need::required,
               [&](const json::value& m) { return read_facts(r, m, out.facts); }) &&
         field(r, *o, "provenance", Need::optional, [&](const json::value& m) {
           return read_list(r, m, out.provenance, read_field_provenance);
         });
}

bool read_number(Reader& r, const json::value& v, double& out) {
  if (const double* d = v.if_double()) {
    out = *d;
  } else if (const std::int64_t* i = v.if_int64()) {
    out = static_cast<double>(*i);
  } else if (const std::uint64_t* u = v.if_uint64()) {
    out = static_cast<double>(*u);
  } else {
    return r.fail(expected("number", v));
  }
  return true;
}

bool read_indicator(Reader& r, const json::value& v, Indicator& out) {
  const json::object* o = object_of(r, v);
  if (o == nullptr) return false;
  auto text = [&](std::string_view key, Need need, std::string& dst) {
    return field(r, *o, key, need, [&](const json::value& m) { return read_string(r, m, dst); });
  };
  return read_schema_version(r, *o) &&
         field(r, *o, "departement", Need::required,
               [&](const json::value& m) { return read_departement(r, m, out.departement); }) &&
         text("name", Need::required, out.name) && text("period", Need::required, out.period) &&
         field(r, *o, "value", Need::required,
               [&](const json::value& m) { return read_number(r, m, out.value); }) &&
         text("unit", Need::optional, out.unit) && text("note", Need::optional, out.note) &&
         field(r, *o, "source", Need::required,
               [&](const json::value& m) { return read_source(r, m, out.source); });
}

template <class T, class F>
Result<T> parse_with(const json::value& v, F read) {
  Reader r;
  T out{};
  if (!read(r, v, out)) return r.take_error();
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Exact parsing of JSON text
// ---------------------------------------------------------------------------------------------
namespace {

// The handler of boost::json::parser, but doubles are re-read from their text with
// std::from_chars, which rounds correctly.
class ExactHandler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  explicit ExactHandler(json::storage_ptr sp) : st(std::move(sp)) {}

  json::value_stack st;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    number_.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    number_.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    double exact = 0;
    const char* end = number_.data() + number_.size();
    const auto [ptr, ec] = std::from_chars(number_.data(), end, exact);
    if (ec == std::errc() && ptr == end) d = exact;  // else (out of range) keep Boost's value
    number_.clear();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  std::string number_;
};

}  // namespace

Result<json::value> parse_json(std::string_view text) {
  json::basic_parser<ExactHandler> p(json::parse_options{}, json::storage_ptr{});
  p.reset();
  p.handler().st.reset(json::storage_ptr{});
  json::error_code ec;
  const std::size_t n = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) ec = json::error::extra_data;
  if (ec || !p.done()) {
    if (!ec) ec = json::error::incomplete;
    return Error{"parse", "json: " + ec.message() + " at byte " + std::to_string(n)};
  }
  return p.handler().st.release();
}

Result<Source> source_from_json(const json::value& v) { return parse_with<Source>(v, read_source); }
Result<Evidence> evidence_from_json(const json::value& v) {
  return parse_with<Evidence>(v, read_evidence);
}
Result<Signatory> signatory_from_json(const json::value& v) {
  return parse_with<Signatory>(v, read_signatory);
}
Result<Period> period_from_json(const json::value& v) { return parse_with<Period>(v, read_period); }
Result<Amendment> amendment_from_json(const json::value& v) {
  return parse_with<Amendment>(v, read_amendment);
}
Result<FieldProvenance> field_provenance_from_json(const json::value& v) {
  return parse_with<FieldProvenance>(v, read_field_provenance);
}
Result<FundingLine> funding_line_from_json(const json::value& v) {
  return parse_with<FundingLine>(v, read_funding_line);
}
Result<Action> action_from_json(const json::value& v) { return parse_with<Action>(v, read_action); }
Result<ConventionFacts> convention_facts_from_json(const json::value& v) {
  return parse_with<ConventionFacts>(v, read_facts);
}
Result<Observation> observation_from_json(const json::value& v) {
  return parse_with<Observation>(v, read_observation);
}
Result<Convention> convention_from_json(const json::value& v) {
  return parse_with<Convention>(v, read_convention);
}
Result<Indicator> indicator_from_json(const json::value& v) {
  return parse_with<Indicator>(v, read_indicator);
}

}  // namespace conventiond
