#pragma once
// Reading the values of statistical feeds (CAF, DARES, France Travail): département codes,
// French-formatted numbers, reference periods, and indicator names built from a template.
// Header-only, for the feed connectors and their tests and fuzzers; links nothing but the SDK
// headers. Nothing here throws but std::bad_alloc: problems come back as Error values whose
// message names the offending text.

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <conventiond/result.hpp>

namespace conventiond::feeds {

inline std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 60;
  std::string out = "'";
  out += s.size() > kMax ? std::string(s.substr(0, kMax)) + "..." : std::string(s);
  out += "'";
  return out;
}

inline bool is_space_byte(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

// Removes ASCII white space and the no-break spaces (U+00A0, U+202F, U+2009) at both ends.
inline std::string_view trim(std::string_view s) {
  auto strip_front = [&]() {
    if (!s.empty() && is_space_byte(s.front())) return s.remove_prefix(1), true;
    if (s.substr(0, 2) == "\xC2\xA0") return s.remove_prefix(2), true;
    if (s.substr(0, 3) == "\xE2\x80\xAF" || s.substr(0, 3) == "\xE2\x80\x89") {
      return s.remove_prefix(3), true;
    }
    return false;
  };
  auto strip_back = [&]() {
    if (!s.empty() && is_space_byte(s.back())) return s.remove_suffix(1), true;
    if (s.size() >= 2 && s.substr(s.size() - 2) == "\xC2\xA0") return s.remove_suffix(2), true;
    if (s.size() >= 3 &&
        (s.substr(s.size() - 3) == "\xE2\x80\xAF" || s.substr(s.size() - 3) == "\xE2\x80\x89")) {
      return s.remove_suffix(3), true;
    }
    return false;
  };
  while (strip_front()) {
  }
  while (strip_back()) {
  }
  return s;
}

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
inline char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

inline bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

inline bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The canonical INSEE code of a département as feeds write it: "1" and "01" -> "01", "2a" ->
// "2A", "067" -> "67", "971".."974" and "976" stay; "" when it is not one of the 101
// départements (so "20", "975", "99", "R84", "Total France" are not).
inline std::string departement_code(std::string_view text) {
  std::string_view s = trim(text);
  if (s.size() == 3 && s[0] == '0') s.remove_prefix(1);  // "067", "02A"
  if (s.size() == 2 && s[0] == '2' && (s[1] == 'A' || s[1] == 'a' || s[1] == 'B' || s[1] == 'b')) {
    return std::string("2") + ascii_upper(s[1]);
  }
  if (!all_digits(s) || s.size() > 3) return {};
  int n = 0;
  std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.size() == 3) {
    if (s[0] == '0') return {};
    return (n >= 971 && n <= 974) || n == 976 ? std::string(s) : std::string();
  }
  if (n < 1 || n > 95 || n == 20) return {};
  return (n < 10 ? "0" : "") + std::to_string(n);
}

// A number as French statistical files write it: "1234", "1 234" (space, no-break space or
// narrow no-break space between groups of three digits), "12,5" or "12.5", "-3", "1e3" is
// refused. nullopt for an empty cell (no value); an Error for anything else that is not a
// finite number.
inline Result<std::optional<double>> parse_number(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.empty()) return std::optional<double>();
  std::string digits;
  bool seen_separator = false;
  std::size_t group = 0;        // digits since the last thousands separator
  bool grouped = false;         // a thousands separator was met
  bool in_fraction = false;
  auto fail = [&]() { return Error{"parse", "not a number: " + quoted(text)}; };
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      ++group;
      ++i;
    } else if ((c == '-' || c == '+') && i == 0) {
      if (c == '-') digits.push_back('-');
      ++i;
    } else if (c == ',' || c == '.') {
      if (seen_separator || group == 0 || (grouped && group != 3)) return fail();
      seen_separator = true;
      in_fraction = true;
      digits.push_back('.');
      group = 0;
      ++i;
    } else {
      std::size_t n = 0;
      if (c == ' ') n = 1;
      if (s.substr(i, 2) == "\xC2\xA0") n = 2;
      if (s.substr(i, 3) == "\xE2\x80\xAF" || s.substr(i, 3) == "\xE2\x80\x89") n = 3;
      if (n == 0 || in_fraction || group == 0 || group > 3 || (grouped && group != 3)) {
        return fail();
      }
      grouped = true;
      group = 0;
      i += n;
    }
  }
  if (group == 0 || (grouped && !in_fraction && group != 3)) return fail();
  double value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || !std::isfinite(value)) {
    return fail();
  }
  return std::optional<double>(value);
}

enum class PeriodKind { automatic, month, quarter };

inline bool parse_int(std::string_view s, int& out) {
  if (!all_digits(s)) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// The period of the model ("2024-12" for a month, "2024-T4" for a quarter) of a reference
// period as feeds write it: "2024-12-31", "2024-12-31T00:00:00+00:00", "31/12/2024",
// "2024-12", "202412", "2024-T4", "2024T4", "2024-Q4", "2024Q4", "T4 2024". With kind
// quarter, a date or month gives its quarter; with kind month, a quarter is an error.
inline Result<std::string> parse_period(std::string_view text, PeriodKind kind) {
  const std::string_view s = trim(text);
  auto fail = [&](const std::string& why) {
    return Error{"parse", "not a period: " + quoted(text) + (why.empty() ? "" : " (" + why + ")")};
  };
  int year = 0;
  int month = 0;
  int quarter = 0;
  auto two = [](std::string_view v, int& out) { return v.size() == 2 && parse_int(v, out); };
  auto four = [](std::string_view v, int& out) { return v.size() == 4 && parse_int(v, out); };
  if (s.size() >= 10 && s[4] == '-' && s[7] == '-' && four(s.substr(0, 4), year) &&
      two(s.substr(5, 2), month) && (s.size() == 10 || s[10] == 'T' || s[10] == ' ')) {
    int day = 0;
    if (!two(s.substr(8, 2), day) || day < 1 || day > 31) return fail("bad day");
  } else if (s.size() == 10 && s[2] == '/' && s[5] == '/' && four(s.substr(6, 4), year) &&
             two(s.substr(3, 2), month)) {
    int day = 0;
    if (!two(s.substr(0, 2), day) || day < 1 || day > 31) return fail("bad day");
  } else if (s.size() == 7 && s[4] == '-' && four(s.substr(0, 4), year) &&
             two(s.substr(5, 2), month)) {
  } else if (s.size() == 7 && s[4] == '-' && (s[5] == 'T' || s[5] == 'Q' || s[5] == 't' ||
                                               s[5] == 'q') &&
             four(s.substr(0, 4), year)) {
    if (!parse_int(s.substr(6, 1), quarter)) return fail("bad quarter");
  } else if (s.size() == 6 && (s[4] == 'T' || s[4] == 'Q' || s[4] == 't' || s[4] == 'q') &&
             four(s.substr(0, 4), year)) {
    if (!parse_int(s.substr(5, 1), quarter)) return fail("bad quarter");
  } else if (s.size() == 7 && (s[0] == 'T' || s[0] == 'Q') && s[2] == ' ' &&
             four(s.substr(3, 4), year)) {
    if (!parse_int(s.substr(1, 1), quarter)) return fail("bad quarter");
  } else if (s.size() == 6 && four(s.substr(0, 4), year) && two(s.substr(4, 2), month)) {
  } else {
    return fail("");
  }
  if (year < 1900 || year > 2200) return fail("year out of range");
  if (quarter != 0) {
    if (quarter < 1 || quarter > 4) return fail("bad quarter");
    if (kind == PeriodKind::month) return fail("a quarter where a month is expected");
  } else {
    if (month < 1 || month > 12) return fail("bad month");
    if (kind == PeriodKind::quarter) quarter = (month + 2) / 3;
  }
  if (quarter != 0) return std::to_string(year) + "-T" + std::to_string(quarter);
  return std::to_string(year) + "-" + (month < 10 ? "0" : "") + std::to_string(month);
}

// A value as it goes into an indicator name: lower-case ASCII letters and digits, anything
// else becomes '_' ("ABC" -> "abc", "cvs-cjo" -> "cvs_cjo").
inline std::string name_part(std::string_view value) {
  std::string out;
  for (const char c : trim(value)) {
    const char l = ascii_lower(c);
    const bool keep = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (keep) {
      out.push_back(l);
    } else if (out.empty() || out.back() != '_') {
      out.push_back('_');
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  while (!out.empty() && out.front() == '_') out.erase(out.begin());
  return out;
}

// Whether name is a valid indicator name: [a-z0-9_.]+, not starting or ending with '.'.
inline bool valid_indicator_name(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
  }
  return true;
}

// Expands "{field}" in template with name_part(lookup(field)). lookup returns nullopt for a
// field the record lacks. The result must be a valid indicator name.
template <class Lookup>
Result<std::string> expand_name(std::string_view name_template, Lookup&& lookup) {
  std::string out;
  for (std::size_t i = 0; i < name_template.size();) {
    if (name_template[i] != '{') {
      out.push_back(name_template[i++]);
      continue;
    }
    const std::size_t close = name_template.find('}', i);
    if (close == std::string_view::npos) {
      return Error{"config", "unclosed '{' in indicator name " + quoted(name_template)};
    }
    const std::string field(name_template.substr(i + 1, close - i - 1));
    const std::optional<std::string> value = lookup(field);
    if (!value) return Error{"parse", "no field " + quoted(field) + " for the indicator name"};
    const std::string part = name_part(*value);
    if (part.empty()) {
      return Error{"parse", "field " + quoted(field) + " is empty, needed for the indicator name"};
    }
    out += part;
    i = close + 1;
  }
  if (!valid_indicator_name(out)) {
    return Error{"parse", "invalid indicator name " + quoted(out)};
  }
  return out;
}

}  // namespace conventiond::feeds
