#pragma once
// Pulling datasets of an OpenDataSoft portal (data.caf.fr, the DARES portal) into indicators:
// the request plan (Explore API v2.1 paged to the end, the CSV export past 10,000 records,
// the v1 search API and its CSV download, a plain CSV URL), the parsing of each answer, and
// the mapping of records to indicators. Header-only, shared by the caf_opendata and
// france_travail connectors (and their fuzzers); see connectors/caf_opendata/README.md.
//
// One page (one response) is one item of the host's ledger: its indicators are emitted only
// when every record of the page maps cleanly; otherwise the page emits one error listing the
// problems and no indicator at all, and the pull goes on with the other pages.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <conventiond/result.hpp>
#include <conventiond/sdk/connector.hpp>
#include <conventiond/sdk/json.hpp>

#include "csv_reader.hpp"
#include "feed_values.hpp"

namespace conventiond::feeds {

namespace json = conventiond::sdk::json;

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

// One field of a record: its text (numbers as JSON writes them), whether it was a JSON number
// (then `number` holds it) or null / an empty cell.
struct Field {
  std::string name;
  std::string text;
  bool is_number = false;
  bool is_null = false;
  double number = 0;
};

struct Record {
  std::vector<Field> fields;
  std::string where;  // how errors name it: "record 3", "line 12"

  const Field* find(std::string_view name) const {
    for (const Field& f : fields) {
      if (f.name == name) return &f;
    }
    return nullptr;
  }
};

struct Page {
  std::int64_t total = -1;  // total_count / nhits; -1 for a CSV file
  std::vector<Record> records;
};

inline Field field_of(std::string name, const json::Value& v) {
  Field f;
  f.name = std::move(name);
  if (v.is_null()) {
    f.is_null = true;
  } else if (v.is_string()) {
    f.text = v.as_string();
  } else if (v.is_number()) {
    f.is_number = true;
    f.number = v.as_number();
    f.text = json::serialize(v);
  } else if (v.is_bool()) {
    f.text = v.as_bool() ? "true" : "false";
  } else {
    f.text = json::serialize(v);  // geo shapes and the like: never mapped to a value
  }
  return f;
}

inline Result<Record> record_of(const json::Value& object, std::string where) {
  if (!object.is_object()) return Error{"parse", where + " is not a JSON object"};
  Record r;
  r.where = std::move(where);
  for (const json::Member& m : object.as_object()) r.fields.push_back(field_of(m.key, m.value));
  return r;
}

// The error an OpenDataSoft portal answers with ({"error": "...", "errorcode": ...} in v1,
// {"error_code": "...", "message": "..."} in v2.1), if the body is one.
inline std::optional<std::string> portal_error(const json::Value& v) {
  if (!v.is_object()) return std::nullopt;
  const std::string message = v.string_or("message", v.string_or("error"));
  if (v.find("error_code") == nullptr && v.find("errorcode") == nullptr &&
      v.find("error") == nullptr) {
    return std::nullopt;
  }
  return "the portal answered an error: " + quoted(message.empty() ? v.string_or("error_code")
                                                                   : message);
}

inline Result<json::Value> parse_body(std::string_view body) {
  try {
    return json::parse(body);
  } catch (const json::ParseError& e) {
    return Error{"parse", std::string(e.what()) + " (" + std::to_string(body.size()) + " bytes)"};
  }
}

// {"total_count": N, "results": [{...}, ...]} (Explore API v2.1 records).
inline Result<Page> parse_records_v21(std::string_view body) {
  auto v = parse_body(body);
  if (!v.ok()) return v.error();
  if (auto e = portal_error(*v)) return Error{"parse", *e};
  const json::Value* total = v->find("total_count");
  const json::Value* results = v->find("results");
  if (total == nullptr || !total->is_integer() || total->as_integer() < 0) {
    return Error{"parse", "no integer 'total_count' in the page"};
  }
  if (results == nullptr || !results->is_array()) return Error{"parse", "no 'results' array"};
  Page page;
  page.total = total->as_integer();
  for (std::size_t i = 0; i < results->as_array().size(); ++i) {
    auto r = record_of(results->as_array()[i], "record " + std::to_string(i + 1));
    if (!r.ok()) return r.error();
    page.records.push_back(std::move(*r));
  }
  return page;
}

// {"nhits": N, "records": [{"recordid", "fields": {...}, "record_timestamp"}, ...]} (v1).
inline Result<Page> parse_records_v1(std::string_view body) {
  auto v = parse_body(body);
  if (!v.ok()) return v.error();
  if (auto e = portal_error(*v)) return Error{"parse", *e};
  const json::Value* total = v->find("nhits");
  const json::Value* records = v->find("records");
  if (total == nullptr || !total->is_integer() || total->as_integer() < 0) {
    return Error{"parse", "no integer 'nhits' in the page"};
  }
  if (records == nullptr || !records->is_array()) return Error{"parse", "no 'records' array"};
  Page page;
  page.total = total->as_integer();
  for (std::size_t i = 0; i < records->as_array().size(); ++i) {
    const std::string where = "record " + std::to_string(i + 1);
    const json::Value& rec = records->as_array()[i];
    const json::Value* fields = rec.find("fields");
    if (fields == nullptr) return Error{"parse", where + " has no 'fields' object"};
    auto r = record_of(*fields, where);
    if (!r.ok()) return r.error();
    page.records.push_back(std::move(*r));
  }
  return page;
}

// The rows of a CSV file as records (empty cells are null).
inline Result<Page> parse_csv_page(std::string_view body, char separator, std::string_view name) {
  auto table = read_csv(body, separator, name);
  if (!table.ok()) return table.error();
  Page page;
  for (std::size_t r = 0; r < table->rows.size(); ++r) {
    Record rec;
    rec.where = "line " + std::to_string(table->row_lines[r]);
    for (std::size_t c = 0; c < table->header.size(); ++c) {
      Field f;
      f.name = table->header[c];
      f.text = std::move(table->rows[r][c]);
      f.is_null = trim(f.text).empty();
      rec.fields.push_back(std::move(f));
    }
    page.records.push_back(std::move(rec));
  }
  return page;
}

// ---------------------------------------------------------------------------------------------
// Dataset specs (one entry of the `datasets` config table)
// ---------------------------------------------------------------------------------------------

struct ValueSpec {
  std::string field;      // the column holding the value
  std::string indicator;  // indicator name, may hold "{field}" parts
  std::string unit;
  std::string note;
};

struct FilterSpec {
  std::string field;
  std::vector<std::string> accepted;  // a row is kept when its value is one of these
};

struct DatasetSpec {
  std::string key;      // the name of the entry in `datasets`
  std::string dataset;  // the portal's dataset id
  std::string title;    // for the indicators' source
  std::string api = "v2.1";  // "v2.1", "v1", "export", "csv"
  std::string url;           // api = "csv": the file's URL
  std::string where;         // v2.1 `where` (ODSQL) / v1 `q`
  std::string select;        // v2.1 `select`
  std::string order_by;      // v2.1 `order_by` / v1 `sort`
  std::vector<std::pair<std::string, std::string>> refine;
  std::string departement_field;
  std::string period_field;
  PeriodKind period = PeriodKind::automatic;
  std::vector<FilterSpec> filters;
  std::vector<ValueSpec> values;
  std::vector<std::string> not_departement;  // labels of rows that are no département
  std::string level_field;                   // a column telling the territory level, if any
  std::vector<std::string> level_values;     // its values for a département row
  char separator = 0;                        // CSV: 0 detects
};

inline const char* const kDatasetKeys[] = {
    "dataset",      "title",  "api",         "url",          "where",
    "select",       "order_by", "refine",    "departement_field", "period_field",
    "period",       "filters", "values",     "not_departement", "level_field",
    "level_values", "separator"};

namespace detail {

inline Result<std::string> string_member(const json::Value& table, std::string_view key,
                                         const std::string& where, std::string fallback) {
  const json::Value* v = table.find(key);
  if (v == nullptr) return fallback;
  if (!v->is_string()) return Error{"config", where + "." + std::string(key) + " is not a string"};
  return v->as_string();
}

inline Result<std::vector<std::string>> strings_member(const json::Value& v,
                                                       const std::string& where) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.as_string());
    return out;
  }
  if (!v.is_array()) return Error{"config", where + " is not a string or a list of strings"};
  for (const json::Value& item : v.as_array()) {
    if (!item.is_string()) return Error{"config", where + " is not a list of strings"};
    out.push_back(item.as_string());
  }
  return out;
}

}  // namespace detail

// Reads one entry of `datasets`; members it lacks come from defaults. where names it in
// errors ("datasets.rsa").
inline Result<DatasetSpec> dataset_from_config(const std::string& key, const json::Value& table,
                                               const DatasetSpec& defaults) {
  const std::string where = "datasets." + key;
  if (!table.is_object()) return Error{"config", where + " is not a table"};
  for (const json::Member& m : table.as_object()) {
    if (std::find(std::begin(kDatasetKeys), std::end(kDatasetKeys), m.key) ==
        std::end(kDatasetKeys)) {
      std::string known;
      for (const char* k : kDatasetKeys) known += std::string(known.empty() ? "" : ", ") + k;
      return Error{"config", where + ": unknown key '" + m.key + "' (known: " + known + ")"};
    }
  }
  DatasetSpec d = defaults;
  d.key = key;
  auto text = [&](std::string_view name, std::string& dst) -> std::optional<Error> {
    auto v = detail::string_member(table, name, where, dst);
    if (!v.ok()) return v.error();
    dst = std::move(*v);
    return std::nullopt;
  };
  for (auto [name, dst] : {std::pair{"dataset", &d.dataset}, std::pair{"title", &d.title},
                           std::pair{"api", &d.api}, std::pair{"url", &d.url},
                           std::pair{"where", &d.where}, std::pair{"select", &d.select},
                           std::pair{"order_by", &d.order_by},
                           std::pair{"departement_field", &d.departement_field},
                           std::pair{"period_field", &d.period_field},
                           std::pair{"level_field", &d.level_field}}) {
    if (auto e = text(name, *dst)) return *e;
  }
  if (d.api != "v2.1" && d.api != "v1" && d.api != "export" && d.api != "csv") {
    return Error{"config", where + ".api must be \"v2.1\", \"v1\", \"export\" or \"csv\", not " +
                               quoted(d.api)};
  }
  if (d.api == "csv" && d.url.empty()) return Error{"config", where + ": api \"csv\" needs url"};
  if (d.api != "csv" && d.dataset.empty()) return Error{"config", where + ": dataset is not set"};
  if (d.title.empty()) d.title = d.dataset.empty() ? key : d.dataset;
  if (d.departement_field.empty() || d.period_field.empty()) {
    return Error{"config", where + ": departement_field and period_field must be set"};
  }
  std::string period = "auto";
  if (auto e = text("period", period)) return *e;
  if (period == "month") {
    d.period = PeriodKind::month;
  } else if (period == "quarter") {
    d.period = PeriodKind::quarter;
  } else if (period == "auto") {
    d.period = PeriodKind::automatic;
  } else {
    return Error{"config", where + ".period must be \"auto\", \"month\" or \"quarter\""};
  }
  std::string separator = d.separator == 0 ? "auto" : std::string(1, d.separator);
  if (auto e = text("separator", separator)) return *e;
  if (separator == "auto") {
    d.separator = 0;
  } else if (separator == ";" || separator == ",") {
    d.separator = separator[0];
  } else {
    return Error{"config", where + ".separator must be \"auto\", \";\" or \",\""};
  }
  if (const json::Value* refine = table.find("refine")) {
    if (!refine->is_object()) return Error{"config", where + ".refine is not a table"};
    d.refine.clear();
    for (const json::Member& m : refine->as_object()) {
      if (!m.value.is_string()) {
        return Error{"config", where + ".refine." + m.key + " is not a string"};
      }
      d.refine.emplace_back(m.key, m.value.as_string());
    }
  }
  if (const json::Value* filters = table.find("filters")) {
    if (!filters->is_object()) return Error{"config", where + ".filters is not a table"};
    d.filters.clear();
    for (const json::Member& m : filters->as_object()) {
      auto accepted = detail::strings_member(m.value, where + ".filters." + m.key);
      if (!accepted.ok()) return accepted.error();
      d.filters.push_back(FilterSpec{m.key, std::move(*accepted)});
    }
  }
  for (auto [name, dst] : {std::pair{"not_departement", &d.not_departement},
                           std::pair{"level_values", &d.level_values}}) {
    if (const json::Value* v = table.find(name)) {
      auto list = detail::strings_member(*v, where + "." + name);
      if (!list.ok()) return list.error();
      *dst = std::move(*list);
    }
  }
  if (const json::Value* values = table.find("values")) {
    if (!values->is_object()) return Error{"config", where + ".values is not a table"};
    d.values.clear();
    for (const json::Member& m : values->as_object()) {
      const std::string vw = where + ".values." + m.key;
      ValueSpec spec;
      spec.field = m.key;
      if (m.value.is_string()) {
        spec.indicator = m.value.as_string();
      } else if (m.value.is_object()) {
        for (const json::Member& k : m.value.as_object()) {
          if (k.key != "indicator" && k.key != "unit" && k.key != "note") {
            return Error{"config", vw + ": unknown key '" + k.key +
                                       "' (known: indicator, unit, note)"};
          }
        }
        for (auto [name, dst] : {std::pair{"indicator", &spec.indicator},
                                 std::pair{"unit", &spec.unit}, std::pair{"note", &spec.note}}) {
          auto s = detail::string_member(m.value, name, vw, "");
          if (!s.ok()) return s.error();
          *dst = std::move(*s);
        }
      } else {
        return Error{"config", vw + " is not a table or an indicator name"};
      }
      if (spec.indicator.empty()) return Error{"config", vw + ".indicator is not set"};
      d.values.push_back(std::move(spec));
    }
  }
  if (d.values.empty()) return Error{"config", where + ": no values to read"};
  return d;
}

// ---------------------------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------------------------

inline std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

class Query {
 public:
  Query& add(std::string_view name, std::string_view value) {
    if (value.empty()) return *this;
    text_ += text_.empty() ? "?" : "&";
    text_ += percent_encode(name) + "=" + percent_encode(value);
    return *this;
  }
  Query& add(std::string_view name, std::int64_t value) {
    return add(name, std::string_view(std::to_string(value)));
  }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

inline std::string strip_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

inline std::string v21_records_url(const std::string& base, const DatasetSpec& d,
                                   std::int64_t offset, std::int64_t limit) {
  Query q;
  q.add("select", d.select).add("where", d.where).add("order_by", d.order_by);
  for (const auto& [field, value] : d.refine) q.add("refine", field + ":" + value);
  q.add("limit", limit).add("offset", offset);
  return strip_slash(base) + "/api/explore/v2.1/catalog/datasets/" + percent_encode(d.dataset) +
         "/records" + q.str();
}

inline std::string v21_export_url(const std::string& base, const DatasetSpec& d) {
  Query q;
  q.add("select", d.select).add("where", d.where).add("order_by", d.order_by);
  for (const auto& [field, value] : d.refine) q.add("refine", field + ":" + value);
  q.add("delimiter", ";");
  return strip_slash(base) + "/api/explore/v2.1/catalog/datasets/" + percent_encode(d.dataset) +
         "/exports/csv" + q.str();
}

inline std::string v1_url(const std::string& base, const DatasetSpec& d, bool download,
                          std::int64_t start, std::int64_t rows) {
  Query q;
  q.add("dataset", d.dataset).add("q", d.where).add("sort", d.order_by);
  for (const auto& [field, value] : d.refine) q.add("refine." + field, value);
  if (download) {
    q.add("format", "csv").add("csv_separator", ";");
  } else {
    q.add("rows", rows).add("start", start);
  }
  return strip_slash(base) + (download ? "/api/records/1.0/download/" : "/api/records/1.0/search/") +
         q.str();
}

// ---------------------------------------------------------------------------------------------
// Records to indicators
// ---------------------------------------------------------------------------------------------

struct IndicatorValue {
  std::string departement;
  std::string name;
  std::string period;
  double value = 0;
  std::string unit;
  std::string note;
};

enum class RowResult { kept, skipped, failed };

// Maps one record: appends its indicators to out, or explains in problem why it failed.
// keep_departements: the codes to keep (empty: all).
inline RowResult map_record(const DatasetSpec& d, const Record& r,
                            const std::vector<std::string>& keep_departements,
                            std::vector<IndicatorValue>& out, std::string& problem) {
  auto fail = [&](const std::string& why) {
    problem = r.where + ": " + why;
    return RowResult::failed;
  };
  auto missing = [&](const std::string& field) { return fail("no field " + quoted(field)); };
  for (const FilterSpec& f : d.filters) {
    const Field* v = r.find(f.field);
    if (v == nullptr) return missing(f.field);
    const std::string_view text = trim(v->text);
    const bool accepted = std::any_of(f.accepted.begin(), f.accepted.end(),
                                      [&](const std::string& a) {
                                        return equal_ignoring_case(trim(a), text);
                                      });
    if (!accepted) return RowResult::skipped;
  }
  if (!d.level_field.empty()) {
    const Field* v = r.find(d.level_field);
    if (v == nullptr) return missing(d.level_field);
    const bool departement_level =
        std::any_of(d.level_values.begin(), d.level_values.end(),
                    [&](const std::string& a) { return equal_ignoring_case(trim(a), trim(v->text)); });
    if (!departement_level) return RowResult::skipped;
  }
  const Field* dep = r.find(d.departement_field);
  if (dep == nullptr) return missing(d.departement_field);
  const std::string_view dep_text = trim(dep->text);
  if (dep->is_null || dep_text.empty()) return RowResult::skipped;  // a region or total row
  for (const std::string& label : d.not_departement) {
    if (equal_ignoring_case(trim(label), dep_text)) return RowResult::skipped;
  }
  const std::string code = departement_code(dep_text);
  if (code.empty()) return fail("unknown département code " + quoted(dep_text));
  if (!keep_departements.empty() &&
      std::find(keep_departements.begin(), keep_departements.end(), code) ==
          keep_departements.end()) {
    return RowResult::skipped;
  }
  const Field* per = r.find(d.period_field);
  if (per == nullptr) return missing(d.period_field);
  auto period = parse_period(per->text, d.period);
  if (!period.ok()) return fail(period.error().message + " in field " + quoted(d.period_field));
  const std::size_t before = out.size();
  for (const ValueSpec& spec : d.values) {
    const Field* v = r.find(spec.field);
    if (v == nullptr) return out.resize(before), missing(spec.field);
    double value = 0;
    if (v->is_number) {
      value = v->number;
    } else if (v->is_null) {
      continue;  // no value for this period: nothing to say
    } else {
      auto n = parse_number(v->text);
      if (!n.ok()) {
        out.resize(before);
        return fail("non-numeric value " + quoted(v->text) + " in field " + quoted(spec.field));
      }
      if (!n->has_value()) continue;
      value = **n;
    }
    auto name = expand_name(spec.indicator, [&](const std::string& f) -> std::optional<std::string> {
      const Field* x = r.find(f);
      if (x == nullptr) return std::nullopt;
      return x->text;
    });
    if (!name.ok()) return out.resize(before), fail(name.error().message);
    out.push_back(IndicatorValue{code, std::move(*name), *period, value, spec.unit, spec.note});
  }
  return RowResult::kept;
}

// ---------------------------------------------------------------------------------------------
// The pull
// ---------------------------------------------------------------------------------------------

struct FeedSettings {
  std::string connector;          // plugin name, for the indicators' source
  std::string connector_version;
  std::string base_url;
  std::int64_t page_size = 100;
  std::int64_t max_records = 10000;  // offset + limit never exceeds it: past it, the export
  std::int64_t max_pages = 1000;     // more pages than this: the export
  std::vector<std::string> departements;  // codes to keep (empty: all)
};

// What a request of the pull is, carried in its meta as JSON text:
// {"feed":"ods","dataset":KEY,"api":"v2.1"|"v1"|"export"|"v1-export"|"csv","offset":N,
//  "limit":L,"total":T} (offset, limit and total only for pages; total -1 on the first page).
struct PageMeta {
  std::string dataset;
  std::string api;
  std::int64_t offset = 0;
  std::int64_t limit = 0;
  std::int64_t total = -1;

  std::string str() const {
    json::ObjectWriter w;
    w.field("feed", "ods").field("dataset", dataset).field("api", api);
    if (api == "v2.1" || api == "v1") w.field("offset", offset).field("limit", limit).field("total", total);
    return w.str();
  }

  // nullopt when text is not the meta of a page of this feed.
  static std::optional<PageMeta> from(std::string_view text) {
    try {
      const json::Value v = json::parse(text);
      if (v.string_or("feed") != "ods") return std::nullopt;
      PageMeta m;
      m.dataset = v.string_or("dataset");
      m.api = v.string_or("api");
      auto integer = [&](std::string_view key, std::int64_t& dst) {
        const json::Value* x = v.find(key);
        if (x != nullptr && x->is_integer()) dst = x->as_integer();
      };
      integer("offset", m.offset);
      integer("limit", m.limit);
      integer("total", m.total);
      return m;
    } catch (const json::ParseError&) {
      return std::nullopt;
    }
  }
};

class OdsFeed {
 public:
  OdsFeed(FeedSettings settings, std::vector<DatasetSpec> datasets)
      : s_(std::move(settings)), datasets_(std::move(datasets)) {}

  bool empty() const { return datasets_.empty(); }

  // The first request of each dataset.
  void start(sdk::Context& ctx) const {
    for (const DatasetSpec& d : datasets_) {
      if (d.api == "v2.1" || d.api == "v1") {
        request_page(d, d.api, 0, -1, ctx);
      } else if (d.api == "export") {
        request_export(d, "export", ctx);
      } else {
        request(d.url, PageMeta{d.key, "csv"}, ctx);
      }
    }
  }

  // Whether response answers one of this feed's requests.
  static bool handles(const sdk::Response& response) {
    return PageMeta::from(response.meta).has_value();
  }

  void parse(const sdk::Response& response, sdk::Context& ctx) const {
    const std::optional<PageMeta> meta = PageMeta::from(response.meta);
    if (!meta) return ctx.error("response with an unknown meta", response.url);
    const DatasetSpec* d = find(meta->dataset);
    if (d == nullptr) {
      return ctx.error("response for unknown dataset " + quoted(meta->dataset), response.url);
    }
    if (response.status < 200 || response.status > 299) {
      return ctx.error("dataset " + quoted(d->key) + ": HTTP status " +
                           std::to_string(response.status) + ", nothing read",
                       response.url);
    }
    const std::string what = "dataset " + quoted(d->key) + " (" + meta->api +
                             (meta->api == "v2.1" || meta->api == "v1"
                                  ? " page at offset " + std::to_string(meta->offset)
                                  : std::string(meta->api == "csv" ? " file" : " CSV")) +
                             ")";
    if (meta->api == "v2.1" || meta->api == "v1") {
      parse_page(*d, *meta, response, what, ctx);
    } else {
      auto page = parse_csv_page(response.body, d->separator, response.url);
      if (!page.ok()) return ctx.error(what + ": " + page.error().message, response.url);
      emit(*d, *page, response, what, "text/csv", ctx);
    }
  }

 private:
  const DatasetSpec* find(const std::string& key) const {
    for (const DatasetSpec& d : datasets_) {
      if (d.key == key) return &d;
    }
    return nullptr;
  }

  static void request(const std::string& url, const PageMeta& meta, sdk::Context& ctx) {
    sdk::Request r;
    r.url = url;
    r.meta = meta.str();
    r.headers.emplace_back("Accept", meta.api == "v2.1" || meta.api == "v1"
                                         ? "application/json"
                                         : "text/csv");
    ctx.request(r);
  }

  void request_page(const DatasetSpec& d, const std::string& api, std::int64_t offset,
                    std::int64_t total, sdk::Context& ctx) const {
    const std::int64_t limit = std::min(s_.page_size, s_.max_records - offset);
    const std::string url = api == "v2.1" ? v21_records_url(s_.base_url, d, offset, limit)
                                          : v1_url(s_.base_url, d, false, offset, limit);
    request(url, PageMeta{d.key, api, offset, limit, total}, ctx);
  }

  void request_export(const DatasetSpec& d, const std::string& api, sdk::Context& ctx) const {
    const std::string url =
        api == "export" ? v21_export_url(s_.base_url, d) : v1_url(s_.base_url, d, true, 0, 0);
    request(url, PageMeta{d.key, api}, ctx);
  }

  void parse_page(const DatasetSpec& d, const PageMeta& meta, const sdk::Response& response,
                  const std::string& what, sdk::Context& ctx) const {
    auto page = meta.api == "v2.1" ? parse_records_v21(response.body)
                                   : parse_records_v1(response.body);
    const bool first = meta.total < 0;
    if (!page.ok()) {
      ctx.error(what + ": " + page.error().message, response.url);
      // The plan is known from the first page: the other pages are still worth asking for.
      return;
    }
    if (first) {
      const std::int64_t total = page->total;
      const std::int64_t pages = (total + s_.page_size - 1) / s_.page_size;
      if (total > s_.max_records || pages > s_.max_pages) {
        ctx.log(sdk::LogLevel::info,
                what + ": " + std::to_string(total) + " records, past the " +
                    std::to_string(s_.max_records) + "-record paging limit: asking for the export");
        request_export(d, meta.api == "v2.1" ? "export" : "v1-export", ctx);
        return;
      }
      for (std::int64_t offset = s_.page_size; offset < total; offset += s_.page_size) {
        request_page(d, meta.api, offset, total, ctx);
      }
    } else if (page->total != meta.total) {
      return ctx.error(what + ": the record count changed during the pull (" +
                           std::to_string(meta.total) + " when it began, " +
                           std::to_string(page->total) +
                           " now): the dataset was updated, its pages no longer line up; "
                           "no indicator of this page was kept, the next run reads it again",
                       response.url);
    }
    const std::int64_t expected = std::max<std::int64_t>(
        0, std::min(meta.limit, page->total - meta.offset));
    if (static_cast<std::int64_t>(page->records.size()) != expected) {
      return ctx.error(what + ": " + std::to_string(page->records.size()) + " records where " +
                           std::to_string(expected) + " were expected; no indicator kept",
                       response.url);
    }
    emit(d, *page, response, what, "application/json", ctx);
  }

  void emit(const DatasetSpec& d, const Page& page, const sdk::Response& response,
            const std::string& what, const char* media_type, sdk::Context& ctx) const {
    std::vector<IndicatorValue> values;
    std::vector<std::string> problems;
    std::size_t skipped = 0;
    for (const Record& r : page.records) {
      std::string problem;
      switch (map_record(d, r, s_.departements, values, problem)) {
        case RowResult::kept:
          break;
        case RowResult::skipped:
          ++skipped;
          break;
        case RowResult::failed:
          problems.push_back(std::move(problem));
          break;
      }
    }
    // Two different values for one (département, indicator, period) in one answer: the
    // dataset holds several series the mapping does not tell apart (add a filter).
    std::map<std::tuple<std::string, std::string, std::string>, double> seen;
    for (const IndicatorValue& v : values) {
      auto [it, inserted] = seen.emplace(std::tuple{v.departement, v.name, v.period}, v.value);
      if (!inserted && it->second != v.value && problems.size() < 100) {
        problems.push_back("two values for " + v.name + " of " + v.departement + " in " +
                           v.period + " (" + json_number(it->second) + " and " +
                           json_number(v.value) + "): add a filter to the mapping");
      }
    }
    if (!problems.empty()) {
      std::string message = what + ": ";
      constexpr std::size_t kShown = 5;
      for (std::size_t i = 0; i < problems.size() && i < kShown; ++i) {
        message += (i == 0 ? "" : "; ") + problems[i];
      }
      if (problems.size() > kShown) {
        message += "; and " + std::to_string(problems.size() - kShown) + " more";
      }
      message += "; no indicator of this answer was kept";
      return ctx.error(message, response.url);
    }
    if (skipped != 0) {
      ctx.log(sdk::LogLevel::debug, what + ": " + std::to_string(skipped) +
                                        " records skipped (filters, not a département)");
    }
    for (const IndicatorValue& v : values) {
      ctx.indicator_json(indicator_json(v, d, response.url, media_type));
    }
  }

  static std::string json_number(double d) {
    std::string out;
    json::append_number(out, d);
    return out;
  }

  std::string indicator_json(const IndicatorValue& v, const DatasetSpec& d, const std::string& url,
                             const char* media_type) const {
    const std::string source = json::ObjectWriter()
                                   .field("url", url)
                                   .field("title", d.title)
                                   .field("media_type", media_type)
                                   .field("connector", s_.connector)
                                   .field("connector_version", s_.connector_version)
                                   .str();
    return json::ObjectWriter()
        .field("schema_version", 1)
        .field("departement", v.departement)
        .field("name", v.name)
        .field("period", v.period)
        .field("value", v.value)
        .optional_field("unit", v.unit)
        .optional_field("note", v.note)
        .raw_field("source", source)
        .str();
  }

  FeedSettings s_;
  std::vector<DatasetSpec> datasets_;
};

// Reads the `datasets` table of a connector's config.
inline Result<std::vector<DatasetSpec>> datasets_from_config(const json::Value* table,
                                                             const DatasetSpec& defaults) {
  std::vector<DatasetSpec> out;
  if (table == nullptr) return out;
  if (!table->is_object()) return Error{"config", "datasets is not a table"};
  for (const json::Member& m : table->as_object()) {
    auto d = dataset_from_config(m.key, m.value, defaults);
    if (!d.ok()) return d.error();
    out.push_back(std::move(*d));
  }
  return out;
}

// Checks a list of département codes from the config and makes them canonical.
inline Result<std::vector<std::string>> departements_from_config(
    const std::vector<std::string>& codes) {
  std::vector<std::string> out;
  for (const std::string& c : codes) {
    std::string code = departement_code(c);
    if (code.empty()) return Error{"config", "departements: unknown département code " + quoted(c)};
    out.push_back(std::move(code));
  }
  return out;
}

}  // namespace conventiond::feeds
