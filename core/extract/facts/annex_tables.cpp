#include "facts/annex_tables.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include <conventiond/extract/amounts.hpp>

#include "facts/folded_text.hpp"

namespace conventiond::extract_detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "Action 1-1 Prévenir ...", "Action 5-5: rapprocher", "1.2 Titre" -> code "1-1"
std::optional<std::pair<std::string, std::string>> action_code(std::string_view cell) {
  const std::string f = fold(cell);
  std::size_t i = 0;
  while (i < f.size() && f[i] == ' ') ++i;
  if (f.compare(i, 6, "action") == 0) {
    i += 6;
    if (i < f.size() && f[i] == 's') return std::nullopt;  // "Actions cofinancées"
    while (i < f.size() && (f[i] == ' ' || f[i] == 'n' || f[i] == '\xb0')) ++i;
  } else if (f.compare(i, 5, "fiche") == 0) {
    return std::nullopt;
  }
  std::size_t j = i;
  while (j < f.size() && is_digit(f[j])) ++j;
  if (j == i || j >= f.size() || (f[j] != '-' && f[j] != '.')) return std::nullopt;
  std::size_t k = j + 1;
  while (k < f.size() && is_digit(f[k])) ++k;
  if (k == j + 1) return std::nullopt;
  std::string code = f.substr(i, k - i);
  std::replace(code.begin(), code.end(), '.', '-');
  // The title: the rest of the original cell, cut at its first sentence or colon.
  FoldedText ft(cell);
  std::string_view rest = ft.original_slice(k, ft.text().size());
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == ':' || rest.front() == '-')) rest.remove_prefix(1);
  const std::size_t colon = rest.find(" :");
  if (colon != std::string_view::npos && colon > 8) rest = rest.substr(0, colon);
  if (rest.size() > 160) {
    std::size_t cut = rest.rfind(' ', 160);
    rest = rest.substr(0, cut == std::string_view::npos ? 160 : cut);
  }
  return std::make_pair(code, std::string(rest));
}

struct Columns {
  std::map<std::size_t, int> year_col;     // cell index -> year (State amounts)
  std::optional<std::size_t> departement_col;
  bool years_are_departement = false;      // "Financements CD 2019 2020 2021"
};

std::optional<int> year_cell(std::string_view cell) {
  const std::string f = fold(cell);
  std::size_t b = 0, e = f.size();
  while (b < e && f[b] == ' ') ++b;
  while (e > b && f[e - 1] == ' ') --e;
  if (e - b != 4) return std::nullopt;
  for (std::size_t i = b; i < e; ++i)
    if (!is_digit(f[i])) return std::nullopt;
  const int y = std::stoi(f.substr(b, 4));
  if (y < 2015 || y > 2035) return std::nullopt;
  return y;
}

bool names_departement(std::string_view f) {
  return f.find("part cd") != std::string::npos || f.find("financements cd") != std::string::npos ||
         f.find("financement cd") != std::string::npos || f.find("part departement") != std::string::npos ||
         f.find("financement departement") != std::string::npos || f == "cd" || f.find(" cd") != std::string::npos;
}

// Updates the column map from a header row; returns true when the row was a header.
bool read_header(const TextBlock& row, Columns& cols) {
  bool header = false;
  std::map<std::size_t, int> years;
  for (std::size_t i = 0; i < row.cells.size(); ++i)
    if (auto y = year_cell(row.cells[i])) years[i] = *y;
  if (years.size() >= 2) {
    cols.year_col = years;
    header = true;
  }
  for (std::size_t i = 0; i < row.cells.size(); ++i) {
    const std::string f = fold(row.cells[i]);
    if (names_departement(f)) {
      cols.departement_col = i;
      header = true;
    }
  }
  return header;
}

struct Seen {
  FundingLine line;
};

void merge_line(Action& a, const FundingLine& l, const std::string& code, std::vector<std::string>& warnings) {
  for (FundingLine& o : a.funding) {
    if (o.funder != l.funder || o.year != l.year) continue;
    if (o.amount_eur == l.amount_eur) return;
    // A missing "k" in one table ("200€" beside "200 000"): keep the amount in thousands.
    const std::int64_t small = std::min(o.amount_eur, l.amount_eur);
    const std::int64_t big = std::max(o.amount_eur, l.amount_eur);
    warnings.push_back("action " + code + ": two amounts for " + std::string(to_string(l.funder)) +
                       (l.year ? " " + std::to_string(*l.year) : std::string()) + ": " +
                       std::to_string(o.amount_eur) + " and " + std::to_string(l.amount_eur));
    if (small < 1000 && small * 1000 == big) o.amount_eur = big;
    return;
  }
  a.funding.push_back(l);
}

}  // namespace

std::vector<Action> read_annex_actions(const TextDocument& doc, std::vector<std::string>& warnings) {
  std::vector<Action> actions;
  Columns cols;
  std::map<std::pair<int, int>, std::int64_t> section_sum;  // (funder, year) -> sum since last total
  for (const TextBlock& row : doc.blocks) {
    if (row.kind != BlockKind::table_row || row.cells.empty()) continue;
    auto code = action_code(row.cells[0]);
    if (!code && read_header(row, cols)) {
      section_sum.clear();  // a new table starts
      continue;
    }
    const std::string first = fold(row.cells[0]);
    if (first.rfind("total", 0) == 0) {
      for (const auto& [idx, year] : cols.year_col) {
        if (idx >= row.cells.size()) continue;
        auto amount = parse_amount_cell(row.cells[idx]);
        if (!amount) continue;
        const auto key = std::make_pair(static_cast<int>(Funder::etat), year);
        if (section_sum.count(key) && section_sum[key] != amount->amount_eur)
          warnings.push_back("table row '" + row.cells[0] + "': total " + std::to_string(amount->amount_eur) +
                             " for " + std::to_string(year) + " but its rows add up to " +
                             std::to_string(section_sum[key]));
      }
      if (first.find("+") == std::string::npos) section_sum.clear();
      continue;
    }
    if (!code) continue;
    auto it = std::find_if(actions.begin(), actions.end(), [&](const Action& a) { return a.code == code->first; });
    if (it == actions.end()) {
      actions.push_back(Action{code->first, code->second, {}});
      it = actions.end() - 1;
    } else if (!code->second.empty() && code->second.size() < it->title.size()) {
      it->title = code->second;  // a summary table's short title reads better than a detailed cell
    }
    for (std::size_t i = 1; i < row.cells.size(); ++i) {
      auto amount = parse_amount_cell(row.cells[i]);
      if (!amount || amount->amount_eur <= 0) continue;
      FundingLine l;
      l.amount_eur = amount->amount_eur;
      l.qualifier = amount->qualifier;
      if (auto y = cols.year_col.find(i); y != cols.year_col.end()) {
        l.funder = cols.years_are_departement ? Funder::departement : Funder::etat;
        l.year = y->second;
        section_sum[{static_cast<int>(l.funder), y->second}] += l.amount_eur;
      } else if (cols.departement_col && i == *cols.departement_col) {
        l.funder = Funder::departement;
      } else {
        continue;
      }
      merge_line(*it, l, code->first, warnings);
    }
  }
  actions.erase(std::remove_if(actions.begin(), actions.end(), [](const Action& a) { return a.funding.empty(); }),
                actions.end());
  return actions;
}

}  // namespace conventiond::extract_detail
