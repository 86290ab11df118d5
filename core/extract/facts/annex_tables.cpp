#include "facts/annex_tables.hpp"
#include "facts/evidence.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

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

// What one column of an annex table holds: whose money, for which year (none = the period).
struct Column {
  Funder funder = Funder::etat;
  std::optional<int> year;
};
using Columns = std::map<std::size_t, Column>;

// A year standing in a short header cell: "2019", "Financement État 2019", "Part CD 2020".
std::optional<int> year_in_cell(std::string_view cell) {
  const std::string f = fold(cell);
  if (f.size() > 48) return std::nullopt;
  std::optional<int> found;
  for (std::size_t i = 0; i + 4 <= f.size(); ++i) {
    if (!(is_digit(f[i]) && is_digit(f[i + 1]) && is_digit(f[i + 2]) && is_digit(f[i + 3]))) continue;
    if ((i > 0 && is_digit(f[i - 1])) || (i + 4 < f.size() && is_digit(f[i + 4]))) continue;
    const int y = std::stoi(f.substr(i, 4));
    if (y < 2015 || y > 2035) continue;
    if (found) return std::nullopt;  // "2019-2021": a period, not one year
    found = y;
  }
  return found;
}

bool names_departement(std::string_view f) {
  return f.find("part cd") != std::string::npos || f.find("financements cd") != std::string::npos ||
         f.find("financement cd") != std::string::npos || f.find("part departement") != std::string::npos ||
         f.find("financement departement") != std::string::npos || f.find("departement") != std::string::npos ||
         f == "cd" || f.starts_with("cd ") || f.find(" cd") != std::string::npos;
}

bool names_etat(std::string_view f) { return extract_detail::find_word(f, "etat") != std::string_view::npos; }

// Updates the column map from a header row; returns true when the row was a header. A row of
// years alone ("2019 | 2020 | 2021") sets State year columns; a cell naming the Département
// ("Part CD", "Financements CD") sets a Département column; a cell naming both ("Part CD
// 2019") sets both.
bool read_header(const TextBlock& row, Columns& cols, bool new_table, std::optional<int> caption_year) {
  Columns found;
  std::vector<std::size_t> etat_only;
  // The first column holds the row labels ("Actions du Département"), never a column header.
  for (std::size_t i = 1; i < row.cell_count(); ++i) {
    const std::string f = fold(row.cell(i));
    const std::optional<int> year = year_in_cell(row.cell(i));
    const bool dep = names_departement(f);
    const bool etat = names_etat(f);
    if (!year && !dep && !etat) continue;
    if (!year && f.size() > 48) continue;
    Column c;
    c.funder = dep && !etat ? Funder::departement : Funder::etat;
    c.year = year;
    if (!year && !dep) {  // "Part Etat": spans the year columns below it, or is a column itself
      etat_only.push_back(i);
      continue;
    }
    found[i] = c;
  }
  const bool row_has_year = std::any_of(found.begin(), found.end(), [](const auto& kv) { return kv.second.year.has_value(); });
  if (!row_has_year)
    for (std::size_t i : etat_only) found[i] = Column{Funder::etat, std::nullopt};
  // "Crédits État 2019": a cell naming both whose money and which year is a header by itself
  const bool self_describing = std::any_of(found.begin(), found.end(), [&](const auto& kv) {
    const std::string f = fold(row.cell(kv.first));
    return kv.second.year && (names_etat(f) || names_departement(f));
  });
  const std::size_t year_cols = static_cast<std::size_t>(
      std::count_if(found.begin(), found.end(), [](const auto& kv) { return kv.second.year.has_value(); }));
  const bool header = year_cols >= 2 || (year_cols == 0 && !found.empty()) ||
                      (year_cols == 1 && found.size() >= 2) || self_describing;
  if (!header) return false;
  // A header naming one year ("Financement État 2019 | Part CD"): the table is that year's.
  std::set<int> header_years;
  for (const auto& [i, c] : found)
    if (c.year) header_years.insert(*c.year);
  if (header_years.empty() && caption_year) header_years.insert(*caption_year);  // "PLAN D'ACTIONS 2019"
  if (header_years.size() == 1)
    for (auto& [i, c] : found)
      if (!c.year) c.year = *header_years.begin();
  if (new_table) cols.clear();
  for (const auto& [i, c] : found) {
    // a year under a Département header keeps the Département; a plain year is the State's
    auto it = cols.find(i);
    if (it != cols.end() && c.year && !names_departement(fold(row.cell(i))) && it->second.funder == Funder::departement &&
        !it->second.year) {
      it->second.year = c.year;
      continue;
    }
    cols[i] = c;
  }
  return true;
}

void merge_line(Action& a, const FundingLine& l, const std::string& code, std::vector<std::string>& warnings) {
  for (FundingLine& o : a.funding) {
    if (o.funder != l.funder || o.year != l.year) continue;
    if (o.amount_eur == l.amount_eur) return;
    // A missing "k" in one table ("200€" beside "200 000"): keep the amount in thousands.
    const std::int64_t small = std::min(o.amount_eur, l.amount_eur);
    const std::int64_t big = std::max(o.amount_eur, l.amount_eur);
    std::string message = "action ";
    message.append(code).append(": two amounts for ").append(to_string(l.funder));
    if (l.year) message.append(" ").append(std::to_string(*l.year));
    message.append(": ").append(std::to_string(o.amount_eur)).append(" and ").append(std::to_string(l.amount_eur));
    warnings.push_back(std::move(message));
    if (small < 1000 && small * 1000 == big) {
      if (o.amount_eur != big) o.evidence = l.evidence;  // the row that states it in full
      o.amount_eur = big;
    }
    return;
  }
  a.funding.push_back(l);
}


// A caption or heading just above a table that names one year: "PLAN D'ACTIONS 2019".
std::optional<int> caption_year_of(const TextBlock& b) {
  if (b.text.size() > 160) return std::nullopt;
  const std::string f = fold(b.text);
  std::optional<int> found;
  for (std::size_t i = 0; i + 4 <= f.size(); ++i) {
    if (!(is_digit(f[i]) && is_digit(f[i + 1]) && is_digit(f[i + 2]) && is_digit(f[i + 3]))) continue;
    if ((i > 0 && (is_digit(f[i - 1]) || f[i - 1] == '-' || f[i - 1] == '/')) ||
        (i + 4 < f.size() && (is_digit(f[i + 4]) || f[i + 4] == '-' || f[i + 4] == '/')))
      return std::nullopt;  // a period or a date: not one year
    const int y = std::stoi(f.substr(i, 4));
    if (y < 2018 || y > 2030 || (found && *found != y)) return std::nullopt;
    found = y;
  }
  return found;
}

// A row whose first cell is only a funder ("État | 520 000 € | 610 000 €"): the document's own
// funding by column.
std::optional<Funder> funder_row(std::string_view cell) {
  std::string f = fold(cell);
  while (!f.empty() && (f.back() == ' ' || f.back() == ':')) f.pop_back();
  for (std::string_view a : {"l'", "le ", "la "})
    if (f.starts_with(a)) f.erase(0, a.size());
  if (f == "etat" || f == "part etat" || f == "credits etat") return Funder::etat;
  if (f == "departement" || f == "conseil departemental" || f == "part departement" || f == "cd") return Funder::departement;
  if (f == "fse" || f == "fonds social europeen") return Funder::fse;
  return std::nullopt;
}

}  // namespace

std::vector<Action> read_annex_actions(const TextDocument& doc, std::vector<std::string>& warnings,
                                       std::vector<FundingLine>* table_funding,
                                       const EvidenceLocator* where) {
  std::vector<Action> actions;
  Columns cols;
  bool last_was_header = false;
  std::optional<int> caption_year;
  std::map<std::pair<int, int>, std::int64_t> section_sum;  // (funder, year) -> sum since last total
  for (const TextBlock& row : doc.blocks) {
    const auto row_index = static_cast<std::size_t>(&row - doc.blocks.data());
    const auto row_evidence = [&](EvidenceRule rule) -> std::optional<Evidence> {
      if (where == nullptr) return std::nullopt;
      return where->block(row_index, rule);
    };
    if (row.kind != BlockKind::table_row) {
      caption_year = caption_year_of(row);
      continue;
    }
    if (row.cell_count() == 0) continue;
    auto code = action_code(row.cell(0));
    // "1-1 | Accompagnement des jeunes | 85 000 €": the code in a cell of its own
    if (code && code->second.empty() && row.cell_count() > 1 && !parse_amount_cell(row.cell(1)))
      code->second = std::string(row.cell(1));
    if (!code && read_header(row, cols, !last_was_header, caption_year)) {
      section_sum.clear();  // a new table starts
      last_was_header = true;
      continue;
    }
    last_was_header = false;
    const std::string first = fold(row.cell(0));
    if (first.rfind("total", 0) == 0) {
      for (const auto& [idx, col] : cols) {
        if (idx >= row.cell_count() || !col.year) continue;
        auto amount = parse_amount_cell(row.cell(idx));
        if (!amount) continue;
        const auto key = std::make_pair(static_cast<int>(col.funder), *col.year);
        if (section_sum.count(key) && section_sum[key] != amount->amount_eur)
          warnings.push_back("table row '" + std::string(row.cell(0)) + "': total " + std::to_string(amount->amount_eur) +
                             " for " + std::to_string(*col.year) + " but its rows add up to " +
                             std::to_string(section_sum[key]));
      }
      if (first.find("+") == std::string::npos) section_sum.clear();
      continue;
    }
    if (!code) {
      if (auto funder = funder_row(row.cell(0)); funder && table_funding) {
        for (const auto& [idx, col] : cols) {
          if (idx >= row.cell_count() || !col.year) continue;
          auto amount = parse_amount_cell(row.cell(idx));
          if (!amount || amount->amount_eur <= 0) continue;
          FundingLine l;
          l.funder = *funder;
          l.year = col.year;
          l.amount_eur = amount->amount_eur;
          l.qualifier = amount->qualifier;
          const auto same = [&](const FundingLine& o) { return same_value(o, l); };
          if (std::none_of(table_funding->begin(), table_funding->end(), same)) {
            table_funding->push_back(l);
            table_funding->back().evidence = row_evidence(rules::kFunderTableRow);
          }
        }
      }
      continue;
    }
    auto it = std::find_if(actions.begin(), actions.end(), [&](const Action& a) { return a.code == code->first; });
    if (it == actions.end()) {
      actions.push_back(Action{code->first, code->second, {}, row_evidence(rules::kActionTableRow)});
      it = actions.end() - 1;
    } else if (!code->second.empty() && code->second.size() < it->title.size()) {
      it->title = code->second;  // a summary table's short title reads better than a detailed cell
    }
    for (std::size_t i = 1; i < row.cell_count(); ++i) {
      auto amount = parse_amount_cell(row.cell(i));
      if (!amount || amount->amount_eur <= 0) continue;
      FundingLine l;
      l.amount_eur = amount->amount_eur;
      l.qualifier = amount->qualifier;
      const auto col = cols.find(i);
      if (col == cols.end()) continue;
      l.funder = col->second.funder;
      l.year = col->second.year;
      l.evidence = row_evidence(rules::kActionTableRow);
      if (l.year) section_sum[{static_cast<int>(l.funder), *l.year}] += l.amount_eur;
      merge_line(*it, l, code->first, warnings);
    }
  }
  actions.erase(std::remove_if(actions.begin(), actions.end(), [](const Action& a) { return a.funding.empty(); }),
                actions.end());
  return actions;
}

}  // namespace conventiond::extract_detail
