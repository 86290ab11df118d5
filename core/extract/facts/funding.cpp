#include "facts/funding.hpp"

#include <algorithm>
#include <array>
#include <set>

#include <conventiond/extract/amounts.hpp>
#include <conventiond/extract/periods.hpp>

#include "facts/folded_text.hpp"

namespace conventiond::extract_detail {
namespace {

struct FunderWord {
  std::size_t pos;
  std::size_t end;
  Funder funder;
};

bool ends_with_any(std::string_view s, std::initializer_list<std::string_view> tails) {
  return std::any_of(tails.begin(), tails.end(), [&](std::string_view t) { return s.ends_with(t); });
}

std::string_view before(std::string_view f, std::size_t pos, std::size_t n) {
  const std::size_t b = pos > n ? pos - n : 0;
  return f.substr(b, pos - b);
}

// A funder word that names the recipient ("verser au Département") or sits in a role
// ("président du conseil départemental") is not who pays.
bool recipient_or_role(std::string_view f, std::size_t pos) {
  const std::string_view b = before(f, pos, 40);
  if (ends_with_any(b, {" au ", " aux ", " a la ", " a l'", "au ", " a ", " envers le ", " envers l'"})) return true;
  const std::size_t pres = b.rfind("president");
  return pres != std::string_view::npos && b.substr(pres).find(',') == std::string_view::npos &&
         b.substr(pres).size() < 30;
}

std::vector<FunderWord> funder_words(std::string_view f, const FoldedText& ft) {
  struct Kw {
    std::string_view word;
    Funder funder;
    bool needs_capital;
  };
  static constexpr std::array<Kw, 21> kKeywords = {{{"etat", Funder::etat, true},
                                                    {"ville de paris", Funder::departement, false},
                                                    {"collectivite de corse", Funder::departement, false},
                                                    {"fonds de lutte contre la pauvrete", Funder::etat, false},
                                                    {"departement", Funder::departement, false},
                                                    {"conseil departemental", Funder::departement, false},
                                                    {"collectivite", Funder::departement, false},
                                                    {"cd", Funder::departement, true},
                                                    {"fse", Funder::fse, false},
                                                    {"fonds social europeen", Funder::fse, false},
                                                    {"cout total", Funder::total, false},
                                                    {"montant total", Funder::total, false},
                                                    {"budget total", Funder::total, false},
                                                    {"au total", Funder::total, false},
                                                    {"total", Funder::total, false},
                                                    {"cout global", Funder::total, false},
                                                    {"budget global", Funder::total, false},
                                                    {"enveloppe globale", Funder::total, false},
                                                    {"montant global", Funder::total, false},
                                                    {"ensemble des financements", Funder::total, false},
                                                    {"l'etat", Funder::etat, false}}};
  std::vector<FunderWord> out;
  for (const Kw& k : kKeywords) {
    for (std::size_t p = find_word(f, k.word); p != std::string_view::npos; p = find_word(f, k.word, p + 1)) {
      const bool after_elision = p >= 2 && f[p - 1] == '\'' && f[p - 2] == 'l';
      if (k.needs_capital && !ft.is_upper_at(p) && !after_elision) continue;
      if (k.funder != Funder::total && recipient_or_role(f, after_elision ? p - 2 : p)) continue;
      // "conseil départemental" and "département" overlap: keep the longer one
      if (std::any_of(out.begin(), out.end(), [&](const FunderWord& w) { return p >= w.pos && p < w.end; })) continue;
      out.push_back({p, p + k.word.size(), k.funder});
    }
  }
  std::sort(out.begin(), out.end(), [](const FunderWord& a, const FunderWord& b) { return a.pos < b.pos; });
  return out;
}

std::optional<Funder> first_funder(const Sentence& s) {
  const FoldedText ft(s.text);
  for (const FunderWord& w : funder_words(s.folded, ft))
    if (w.funder != Funder::total) return w.funder;
  return std::nullopt;
}

// "ce soutien", "cette contribution": the funder of the sentence that introduced the noun.
std::optional<Funder> anaphora_funder(const std::vector<Sentence>& all, std::size_t i) {
  static constexpr std::array<std::string_view, 7> kNouns = {"soutien", "contribution", "financement", "aide",
                                                             "enveloppe", "participation", "dotation"};
  const Sentence& s = all[i];
  for (std::string_view noun : kNouns) {
    const bool masculine = noun == "soutien" || noun == "financement";
    const std::string ce = (masculine ? "ce " : "cette ") + std::string(noun);
    if (find_word(s.folded, ce) == std::string_view::npos) continue;
    for (std::size_t k = i; k-- > 0 && i - k <= 6;) {
      if (find_word(all[k].folded, noun) == std::string_view::npos) continue;
      if (auto f = first_funder(all[k])) return f;
    }
  }
  return std::nullopt;
}

struct YearMention {
  std::size_t pos;
  int year;
};

// Years that say which year money is for: not inside a period or a date, not a bound
// ("jusqu'en 2021", "par rapport à 2019", "depuis 2018").
std::vector<YearMention> funding_years(std::string_view f, const std::vector<std::pair<std::size_t, std::size_t>>& periods) {
  static constexpr std::array<std::string_view, 12> kMonths = {"janvier ", "fevrier ", "mars ", "avril ", "mai ", "juin ",
                                                               "juillet ", "aout ", "septembre ", "octobre ", "novembre ",
                                                               "decembre "};
  std::vector<YearMention> out;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  for (std::size_t i = 0; i + 4 <= f.size(); ++i) {
    if (!(digit(f[i]) && digit(f[i + 1]) && digit(f[i + 2]) && digit(f[i + 3]))) continue;
    if ((i > 0 && (digit(f[i - 1]) || f[i - 1] == '/' || f[i - 1] == '.')) || (i + 4 < f.size() && digit(f[i + 4]))) {
      while (i < f.size() && digit(f[i])) ++i;
      continue;
    }
    const int y = (f[i] - '0') * 1000 + (f[i + 1] - '0') * 100 + (f[i + 2] - '0') * 10 + (f[i + 3] - '0');
    const std::size_t pos = i;
    i += 3;
    if (y < 2018 || y > 2030) continue;
    if (std::any_of(periods.begin(), periods.end(), [&](const auto& p) { return pos >= p.first && pos < p.second; }))
      continue;
    const std::string_view b = before(f, pos, 20);
    if (std::any_of(kMonths.begin(), kMonths.end(), [&](std::string_view m) { return b.ends_with(m); })) continue;
    if (ends_with_any(b, {"jusqu'en ", "jusqu'a ", "depuis ", "d'ici ", "avant ", "par rapport a ",
                          "a partir de ", "a compter de ", "apres ", "fin ", "debut ", "en date du ", "loi de finances pour "}))
      continue;
    out.push_back({pos, y});
  }
  return out;
}

std::size_t clause_start(std::string_view f, std::size_t from, std::size_t to) {
  std::size_t best = from;
  for (std::string_view brk : {", ", "; ", " que ", " qui ", " dont ", " : "}) {
    const std::size_t p = f.substr(0, to).rfind(brk);
    if (p != std::string_view::npos && p >= from && p + brk.size() > best) best = p + brk.size();
  }
  return best;
}

}  // namespace

SentenceFunding funding_in_sentence(const std::vector<Sentence>& all, std::size_t i, const FundingContext& ctx) {
  SentenceFunding out;
  const Sentence& s = all[i];
  const std::vector<AmountMention> amounts = find_amounts(s.text);
  const FoldedText ft(s.text);
  auto folded_pos = [&](std::size_t orig) {
    std::size_t lo = 0, hi = ft.text().size();
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (ft.original_offset(mid) < orig) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  const std::string_view f = s.folded;
  std::vector<std::pair<std::size_t, std::size_t>> period_spans;
  const std::vector<PeriodMention> periods = find_periods(s.text);
  for (const PeriodMention& p : periods) period_spans.emplace_back(folded_pos(p.begin), folded_pos(p.end));
  const std::vector<YearMention> years = funding_years(f, period_spans);
  if (amounts.empty()) {
    if (years.size() == 1 && periods.empty()) out.year = years.front().year;
    return out;
  }
  const std::vector<FunderWord> words = funder_words(f, ft);
  const std::optional<Period> period = !periods.empty() ? std::optional<Period>(periods.front().period) : ctx.document_period;

  // Folded spans of the amounts and of the stretch that follows each.
  struct Span { std::size_t b, e, next; bool dont; };
  std::vector<Span> spans;
  for (std::size_t a = 0; a < amounts.size(); ++a) {
    const std::size_t b = folded_pos(amounts[a].begin);
    const std::size_t e = folded_pos(amounts[a].end);
    const std::size_t next = a + 1 < amounts.size() ? folded_pos(amounts[a + 1].begin) : f.size();
    spans.push_back({b, e, next, before(f, b, 6).ends_with("dont ")});
  }
  auto year_in = [&](std::size_t from, std::size_t to) -> std::optional<int> {
    for (const YearMention& y : years)
      if (y.pos >= from && y.pos < to) return y.year;
    return std::nullopt;
  };
  std::optional<int> leading_year = year_in(0, spans.front().b);
  std::set<int> free_years;
  for (const YearMention& y : years) {
    bool in_dont = false;
    for (const Span& sp : spans)
      if (sp.dont && y.pos >= sp.e && y.pos < sp.next) in_dont = true;
    if (!in_dont) free_years.insert(y.year);
  }
  std::optional<int> sentence_year = leading_year;
  if (!sentence_year && free_years.size() == 1 && periods.empty()) sentence_year = *free_years.begin();
  // "L'État apporte 1 M€ en 2019. Le Département y consacre deux millions d'euros.": a
  // counterpart amount in the next sentence is for the same year, unless that sentence speaks
  // of a longer time ("au total", "sur trois ans", "par an").
  const bool longer_time = std::any_of(amounts.begin(), amounts.end(), [](const AmountMention& m) { return m.per_year; }) ||
                           find_word(f, "total") != std::string_view::npos || find_word(f, "ans") != std::string_view::npos ||
                           find_word(f, "duree") != std::string_view::npos || find_word(f, "global") != std::string_view::npos ||
                           find_word(f, "globale") != std::string_view::npos || find_word(f, "annee") != std::string_view::npos ||
                           find_word(f, "annees") != std::string_view::npos;
  if (!sentence_year && years.empty() && periods.empty() && !longer_time) sentence_year = ctx.previous_year;
  // "pour la première année": the period's first year
  if (!sentence_year && years.empty() && find_word(f, "cette annee") != std::string_view::npos) sentence_year = ctx.current_year;
  if (!sentence_year && years.empty() && f.find("premiere annee") != std::string_view::npos)
    sentence_year = ctx.document_period ? std::optional<int>(ctx.document_period->start) : ctx.first_year;

  std::size_t segment_start = 0;
  std::optional<Funder> previous_funder;
  for (std::size_t a = 0; a < amounts.size(); ++a) {
    const AmountMention& m = amounts[a];
    const Span& sp = spans[a];
    std::optional<Funder> funder;
    const std::size_t clause = clause_start(f, segment_start, sp.b);
    for (const FunderWord& w : words)
      if (w.pos >= clause && w.end <= sp.b) { funder = w.funder; break; }
    if (!funder)
      for (const FunderWord& w : words)
        if (w.pos >= segment_start && w.end <= sp.b) { funder = w.funder; break; }
    // "consacre déjà 90 millions d'euros par an": existing spending, not the convention's
    if (f.substr(clause, sp.b - std::min(clause, sp.b)).find("deja") != std::string_view::npos) {
      segment_start = sp.e;
      continue;
    }
    std::size_t consumed = sp.e;
    // "2 M€ ..., à parts égales entre l'État et le Département": the total, and half for each
    if (!funder) {
      const std::size_t equal = f.find("a parts egales", sp.e);
      if (equal != std::string_view::npos && equal < sp.next) {
        std::vector<Funder> sharers;
        for (const FunderWord& w : words)
          if (w.pos > equal && w.pos < sp.next && w.funder != Funder::total &&
              std::find(sharers.begin(), sharers.end(), w.funder) == sharers.end())
            sharers.push_back(w.funder);
        if (sharers.size() == 2) {
          std::optional<int> year = year_in(sp.e, sp.next);
          if (!year) year = sentence_year;
          FundingLine total_line;
          total_line.funder = Funder::total;
          total_line.amount_eur = m.amount_eur;
          total_line.qualifier = m.qualifier;
          total_line.year = year;
          out.lines.push_back({total_line, ft.original_offset(std::min(sp.e, f.size())),
                               sp.next < f.size() ? ft.original_offset(sp.next) : s.text.size()});
          for (Funder sharer : sharers) {
            FundingLine half = total_line;
            half.funder = sharer;
            half.amount_eur = m.amount_eur / 2;
            out.lines.push_back({half, out.lines.back().stretch_begin, out.lines.back().stretch_end});
          }
          segment_start = sp.next;
          continue;
        }
      }
    }
    if (funder == Funder::total) {
      // "Au total, 2,4 millions d'euros seront mobilisés par l'État": the State's total
      for (const FunderWord& w : words)
        if (w.pos >= sp.e && w.pos < sp.next && w.pos < sp.e + 40 && w.funder != Funder::total &&
            before(f, w.pos, 8).find("par ") != std::string_view::npos) {
          funder = w.funder;
          consumed = w.end;
          break;
        }
    }
    if (!funder) {
      // "1 852 000 € apportés par l'État": the funder right after the amount
      for (const FunderWord& w : words)
        if (w.pos >= sp.e && w.pos < sp.next && w.pos < sp.e + 30 && w.funder != Funder::total) {
          funder = w.funder;
          consumed = w.end;
          break;
        }
    }
    // "dont 1,1 M€", "1,3 M€ aux Yvelines et 1,1 M€ aux Hauts-de-Seine", "1,9 M€ pour l'Aude,
    // 2,6 M€ pour le Gard": the previous funder
    const std::string_view gap = f.substr(segment_start, sp.b - std::min(segment_start, sp.b));
    if (!funder && a > 0 &&
        (sp.dont || gap.find(" et ") != std::string_view::npos || (gap.find(", ") != std::string_view::npos && gap.size() < 40)))
      funder = previous_funder;
    // "le Département recevra 4 millions d'euros de l'État": who receives is not who pays
    const std::string_view clause_text = f.substr(clause, sp.b - std::min(clause, sp.b));
    for (std::string_view verb : {"recevra", "recoit", "percevra", "percoit", "beneficiera", "beneficie", "obtient",
                                  "obtiendra", "touchera"}) {
      if (find_word(clause_text, verb) == std::string_view::npos) continue;
      for (const FunderWord& w : words)
        if (w.pos >= sp.e && w.pos < sp.next && w.pos < sp.e + 40 && w.funder != Funder::total) {
          funder = w.funder;
          break;
        }
      break;
    }
    // "L'État avait apporté 3,1 M€ en 2021 ; l'avenant 2022 porte cette contribution à 3,4 M€":
    // the anaphora refers to the previous amount of the same sentence
    if (!funder && previous_funder) {
      const std::string_view since = f.substr(segment_start, sp.b - std::min(segment_start, sp.b));
      for (std::string_view anaphora : {"cette contribution", "ce soutien", "ce financement", "cette aide",
                                        "cette enveloppe", "cette participation", "cette dotation", "ce montant"})
        if (since.find(anaphora) != std::string_view::npos) funder = previous_funder;
    }
    if (!funder) funder = anaphora_funder(all, i);
    segment_start = consumed;
    if (!funder) continue;
    const std::optional<Funder> previous_funder_before = previous_funder;
    previous_funder = funder;
    FundingLine line;
    line.funder = *funder;
    line.amount_eur = m.amount_eur;
    line.qualifier = m.qualifier;
    line.per_year = m.per_year;
    line.year = year_in(sp.e, sp.next);
    // "5,8 M€ ..., dont plus d'un million consacrés à ...": a part of the same funder's amount
    if (sp.dont && !line.year && previous_funder_before == funder) {
      previous_funder = funder;
      continue;
    }
    if (!line.year) line.year = sp.dont ? leading_year : sentence_year;
    if (!line.year && !m.per_year && periods.empty() && !ctx.document_period) line.year = ctx.fallback_year;
    if (!line.year && periods.empty() && ctx.fallback_year && !m.per_year) line.year = ctx.fallback_year;
    const std::size_t stretch_end = sp.next < f.size() ? ft.original_offset(sp.next) : s.text.size();
    const std::size_t stretch_begin = ft.original_offset(std::min(sp.e, f.size()));
    if (m.per_year && !line.year && period) {
      for (int y = period->start; y <= period->end; ++y) {
        line.year = y;
        out.lines.push_back({line, stretch_begin, stretch_end});
      }
      continue;
    }
    out.lines.push_back({line, stretch_begin, stretch_end});
  }
  std::set<int> line_years;
  for (const LocatedFunding& l : out.lines)
    if (l.line.year && !l.line.per_year) line_years.insert(*l.line.year);
  if (line_years.size() == 1) out.year = *line_years.begin();
  return out;
}

}  // namespace conventiond::extract_detail
