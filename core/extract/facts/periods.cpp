#include <conventiond/extract/periods.hpp>

#include "facts/folded_text.hpp"

namespace conventiond {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// A 4-digit year 2000..2100 at t[i] standing alone (no digit around it).
std::optional<int> year_at(std::string_view t, std::size_t i, bool chained = false) {
  if (i + 4 > t.size()) return std::nullopt;
  for (std::size_t k = 0; k < 4; ++k)
    if (!digit(t[i + k])) return std::nullopt;
  if (i > 0 && (digit(t[i - 1]) || (!chained && (t[i - 1] == '/' || t[i - 1] == '.')))) return std::nullopt;
  if (i + 4 < t.size() && digit(t[i + 4])) return std::nullopt;
  const int y = (t[i] - '0') * 1000 + (t[i + 1] - '0') * 100 + (t[i + 2] - '0') * 10 + (t[i + 3] - '0');
  if (y < 2000 || y > 2100) return std::nullopt;
  return y;
}

std::size_t skip_spaces(std::string_view t, std::size_t i) {
  while (i < t.size() && t[i] == ' ') ++i;
  return i;
}

constexpr std::string_view kMonths[] = {"janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout",
                                        "septembre", "octobre", "novembre", "decembre"};

// Length of a month name (and its trailing space) at t[i], else 0: "juin 2023".
std::size_t month_at(std::string_view t, std::size_t i) {
  for (std::string_view m : kMonths)
    if (t.compare(i, m.size(), m) == 0 && i + m.size() < t.size() && t[i + m.size()] == ' ') return m.size() + 1;
  return 0;
}

// "de juillet 2022 " before a year: the text ends with "de " + a month name.
bool ends_with_de_month(std::string_view before) {
  for (std::string_view m : kMonths) {
    const std::string de = "de " + std::string(m) + " ";
    const std::string d = "d'" + std::string(m) + " ";
    if (before.ends_with(de) || before.ends_with(d)) return true;
  }
  return false;
}

}  // namespace

std::vector<PeriodMention> find_periods(std::string_view text) {
  const extract_detail::FoldedText ft(text);
  const std::string& t = ft.text();
  std::vector<PeriodMention> out;
  for (std::size_t i = 0; i + 4 <= t.size(); ++i) {
    const std::optional<int> start = year_at(t, i);
    if (!start) continue;
    std::size_t j = skip_spaces(t, i + 4);
    int last = *start;
    std::size_t end = i + 4;
    bool chained = false;
    // "2019-2021", "2019 / 2020 / 2021", "de 2019 à 2021", "les années 2019 à 2021",
    // "entre 2019 et 2021", "2019, 2020 et 2021"
    const std::string_view before = std::string_view(t).substr(i >= 14 ? i - 14 : 0, i >= 14 ? 14 : i);
    // "de juillet 2022 à juin 2023": months around the years
    const bool month_range = ends_with_de_month(before);
    const bool range_word =
        before.ends_with("de ") || before.ends_with("annees ") || before.ends_with("periode ") || month_range;
    const bool between = before.ends_with("entre ");
    while (j < t.size()) {
      std::size_t k = j;
      bool consecutive_only = false;
      if (t[k] == '-' || t[k] == '/') {
        ++k;
      } else if (t.compare(k, 2, "a ") == 0 && k >= 1 && t[k - 1] == ' ' && range_word && !chained) {
        k += 1;
      } else if (t.compare(k, 3, "et ") == 0 && k >= 1 && t[k - 1] == ' ' && (chained || between || range_word)) {
        // "2019, 2020 et 2021", "entre 2019 et 2021", "les années 2020 et 2021"; not
        // "les crédits 2020 et 2021" (two years, no period word)
        k += 2;
        consecutive_only = !between || chained;
      } else if (t[k] == ',') {
        ++k;
        consecutive_only = true;
      } else {
        break;
      }
      k = skip_spaces(t, k);
      if (month_range && !chained) k += month_at(t, k);
      const std::optional<int> next = year_at(t, k, true);
      if (!next || *next <= last || (consecutive_only && *next != last + 1)) break;
      last = *next;
      end = k + 4;
      chained = true;
      j = skip_spaces(t, end);
    }
    if (!chained || last - *start > 10) continue;
    out.push_back({Period{*start, last}, ft.original_offset(i), ft.original_offset(end)});
    i = end;
  }
  return out;
}

}  // namespace conventiond
