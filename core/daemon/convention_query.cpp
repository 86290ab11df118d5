#include <conventiond/daemon/convention_query.hpp>

#include <algorithm>
#include <charconv>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <conventiond/departements.hpp>
#include <conventiond/model/vocabulary.hpp>
#include <conventiond/sdk/base64.hpp>

namespace conventiond {
namespace {

Error bad(std::string_view param, std::string_view problem) {
  return Error::make("bad_request", "query parameter '" + std::string(param) + "': " +
                                        std::string(problem));
}

// Lower case ASCII with the accents of Latin letters removed (UTF-8 in, ASCII out).
std::string fold(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(std::tolower(c)));
    } else if (c == 0xC3 && i + 1 < s.size()) {
      const auto d = static_cast<unsigned char>(s[++i]);
      static constexpr char kMap[] = "aaaaaaaceeeeiiiidnooooo/ouuuuyty";  // 0xA0..0xBF
      if (d >= 0xA0) out.push_back(kMap[d - 0xA0]);
      else if (d >= 0x80) out.push_back(static_cast<char>(std::tolower(kMap[d - 0x80])));
    } else {
      out.push_back('?');
    }
  }
  return out;
}

std::optional<int> to_int(std::string_view s) {
  int v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool has_year(const ConventionFacts& f, int year) {
  auto in = [year](const std::vector<FundingLine>& lines) {
    return std::any_of(lines.begin(), lines.end(),
                       [year](const FundingLine& l) { return l.year && *l.year == year; });
  };
  if (in(f.funding)) return true;
  for (const Action& a : f.actions) {
    if (in(a.funding)) return true;
  }
  for (const Amendment& a : f.amendments) {
    if ((a.year && *a.year == year) || in(a.funding)) return true;
  }
  // A period with per-year lines covers each of its years.
  if (f.period && f.period->start <= year && year <= f.period->end) {
    return std::any_of(f.funding.begin(), f.funding.end(),
                       [](const FundingLine& l) { return l.per_year; });
  }
  return false;
}

// The sort key of a record as text that orders like the field ("" sorts first).
std::string sort_key(const Convention& c, std::string_view field) {
  if (field == "departement") return c.facts.departement;
  if (field == "signed_on") return c.facts.signed_on ? c.facts.signed_on->to_iso() : "";
  if (field == "updated_at") return c.updated_at;
  return c.id;
}

// Cursors are opaque to clients: base64url of JSON, no padding.
std::string encode_cursor(const std::string& json) {
  std::string b = sdk::base64::encode(json);
  while (!b.empty() && b.back() == '=') b.pop_back();
  for (char& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return b;
}

std::optional<std::string> decode_cursor(std::string text) {
  if (text.size() > 1024) return std::nullopt;
  for (char& c : text) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
  }
  while (text.size() % 4 != 0) text.push_back('=');
  return sdk::base64::decode(text);
}

}  // namespace

Result<ConventionQuery> parse_convention_query(
    const std::vector<std::pair<std::string, std::string>>& params) {
  ConventionQuery q;
  for (const auto& [name, value] : params) {
    if (name == "departement") {
      std::size_t start = 0;
      while (start <= value.size()) {
        const std::size_t comma = value.find(',', start);
        const std::string code(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!code.empty()) {
          const std::string norm = normalize_departement_code(code);
          if (find_departement(norm) == nullptr) return bad(name, "unknown département '" + code.substr(0, 10) + "'");
          q.departements.push_back(norm);
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (name == "region") {
      q.region = value;
    } else if (name == "signed_from" || name == "signed_to") {
      auto d = Date::from_iso(value);
      if (!d) return bad(name, "expected a date YYYY-MM-DD");
      (name == "signed_from" ? q.signed_from : q.signed_to) = d;
    } else if (name == "year") {
      auto y = to_int(value);
      if (!y || *y < 1900 || *y > 2200) return bad(name, "expected a year such as 2020");
      q.funding_year = y;
    } else if (name == "measure") {
      if (!measure_from_string(value)) return bad(name, "unknown measure '" + value.substr(0, 40) + "'");
      q.measure = value;
    } else if (name == "sort") {
      const std::string_view f = !value.empty() && value[0] == '-' ? std::string_view(value).substr(1) : value;
      if (f != "id" && f != "departement" && f != "signed_on" && f != "updated_at") {
        return bad(name, "expected id, departement, signed_on or updated_at (with '-' for descending)");
      }
      q.sort = value;
    } else if (name == "cursor") {
      q.cursor = value;
    } else if (name == "limit") {
      auto l = to_int(value);
      if (!l || *l < 1 || *l > 500) return bad(name, "expected an integer from 1 to 500");
      q.limit = static_cast<std::size_t>(*l);
    } else {
      return bad(name, "unknown parameter (expected departement, region, signed_from, "
                       "signed_to, year, measure, sort, cursor, limit)");
    }
  }
  if (q.signed_from && q.signed_to && *q.signed_to < *q.signed_from) {
    return bad("signed_to", "is before signed_from");
  }
  return q;
}

Result<ConventionPage> run_convention_query(const std::vector<Convention>& all,
                                            const ConventionQuery& q) {
  std::vector<const Convention*> candidates;
  candidates.reserve(all.size());
  for (const Convention& c : all) candidates.push_back(&c);
  return run_convention_query(candidates, q, false);
}

std::string fold_region(std::string_view region) { return fold(region); }

std::vector<int> funding_years(const ConventionFacts& f) {
  std::vector<int> years;
  auto add = [&years](const std::vector<FundingLine>& lines) {
    for (const FundingLine& l : lines) {
      if (l.year) years.push_back(*l.year);
    }
  };
  add(f.funding);
  for (const Action& a : f.actions) add(a.funding);
  for (const Amendment& a : f.amendments) {
    if (a.year) years.push_back(*a.year);
    add(a.funding);
  }
  if (f.period && f.period->end - f.period->start < 100) {
    for (int y = f.period->start; y <= f.period->end; ++y) years.push_back(y);
  }
  std::sort(years.begin(), years.end());
  years.erase(std::unique(years.begin(), years.end()), years.end());
  years.erase(std::remove_if(years.begin(), years.end(), [&f](int y) { return !has_year(f, y); }),
              years.end());
  return years;
}

Result<ConventionPage> run_convention_query(const std::vector<const Convention*>& candidates,
                                            const ConventionQuery& q, bool sorted_by_id) {
  const bool desc = !q.sort.empty() && q.sort[0] == '-';
  const std::string field = desc ? q.sort.substr(1) : q.sort;
  const std::string region = fold(q.region);
  std::vector<const Convention*> hits;
  for (const Convention* cp : candidates) {
    const Convention& c = *cp;
    if (!q.departements.empty() &&
        std::find(q.departements.begin(), q.departements.end(), c.facts.departement) ==
            q.departements.end()) {
      continue;
    }
    if (!region.empty()) {
      const Departement* d = find_departement(c.facts.departement);
      if (d == nullptr || fold(d->region) != region) continue;
    }
    if (q.signed_from || q.signed_to) {
      if (!c.facts.signed_on) continue;
      if (q.signed_from && *c.facts.signed_on < *q.signed_from) continue;
      if (q.signed_to && *q.signed_to < *c.facts.signed_on) continue;
    }
    if (q.funding_year && !has_year(c.facts, *q.funding_year)) continue;
    if (!q.measure.empty()) {
      const auto m = measure_from_string(q.measure);
      if (std::find(c.facts.measures.begin(), c.facts.measures.end(), *m) == c.facts.measures.end()) continue;
    }
    hits.push_back(&c);
  }
  auto less = [&](const Convention* a, const Convention* b) {
    const auto ka = std::make_pair(sort_key(*a, field), a->id);
    const auto kb = std::make_pair(sort_key(*b, field), b->id);
    return desc ? kb < ka : ka < kb;
  };
  if (sorted_by_id && field == "id") {
    // Already in id order: no sort (the common listing stays linear in the matches).
    if (desc) std::reverse(hits.begin(), hits.end());
  } else {
    std::sort(hits.begin(), hits.end(), less);
  }
  ConventionPage page;
  page.total = hits.size();
  std::size_t start = 0;
  if (!q.cursor.empty()) {
    // The cursor is the JSON [sort, key, id] of the last record of the previous page.
    boost::system::error_code ec;
    const auto decoded = decode_cursor(q.cursor);
    boost::json::value v;
    if (decoded) v = boost::json::parse(*decoded, ec);
    const auto* arr = (!decoded || ec) ? nullptr : v.if_array();
    if (arr == nullptr || arr->size() != 3 || !(*arr)[0].is_string() || !(*arr)[1].is_string() ||
        !(*arr)[2].is_string() || (*arr)[0].as_string() != q.sort) {
      return Error::make("bad_request", "query parameter 'cursor': not a cursor of this listing "
                                        "(pass next_cursor as given, with the same sort)");
    }
    const auto last = std::make_pair(std::string((*arr)[1].as_string()), std::string((*arr)[2].as_string()));
    while (start < hits.size()) {
      const auto k = std::make_pair(sort_key(*hits[start], field), hits[start]->id);
      if (desc ? k < last : last < k) break;
      ++start;
    }
  }
  const std::size_t end = std::min(hits.size(), start + q.limit);
  page.items.assign(hits.begin() + static_cast<std::ptrdiff_t>(start),
                    hits.begin() + static_cast<std::ptrdiff_t>(end));
  if (end < hits.size() && !page.items.empty()) {
    const Convention& last = *page.items.back();
    page.next_cursor = encode_cursor(boost::json::serialize(
        boost::json::array{boost::json::value(q.sort), boost::json::value(sort_key(last, field)),
                           boost::json::value(last.id)}));
  }
  return page;
}

}  // namespace conventiond
