#include "facts/funding.hpp"

#include <algorithm>
#include <array>
#include <set>

#include <conventiond/extract/amounts.hpp>
#include <conventiond/extract/departement_mentions.hpp>
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
  static constexpr std::array<Kw, 26> kKeywords = {{{"etat", Funder::etat, true},
                                                    {"ville de paris", Funder::departement, false},
                                                    {"ville", Funder::other, true},
                                                    {"metropole", Funder::other, false},
                                                    {"commune", Funder::other, false},
                                                    {"communes", Funder::other, false},
                                                    {"caf", Funder::other, true},
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
    if (w.funder != Funder::total && w.funder != Funder::other) return w.funder;
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

constexpr std::int64_t kLargestConventionAmount = 60'000'000;

// The rest of the amount's clause: the stretch after it up to a comma, a semicolon or a colon.
std::string_view rest_of_clause(std::string_view stretch) {
  std::size_t end = std::min<std::size_t>(stretch.size(), 100);
  for (std::string_view brk : {", ", "; ", " : ", ". "}) {
    const std::size_t p = stretch.find(brk);
    if (p != std::string_view::npos && p < end) end = p;
  }
  return stretch.substr(0, end);
}

bool contains_word(std::string_view f, std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(), [&](std::string_view w) { return find_word(f, w) != std::string_view::npos; });
}

// Money that is not the convention's: added to it ("en plus des 3,8 M€"), of another fund ("au
// titre du fonds d'appui aux politiques d'insertion"), or for another recipient ("1 M€ pour la
// métropole", "à la ville").
bool is_other_money(std::string_view f, std::size_t amount_pos, std::string_view tail) {
  const std::string_view b = before(f, amount_pos, 24);
  if (ends_with_any(b, {"en plus des ", "en plus de ", "en complement des ", "en complement de ", "hors "})) return true;
  // "Au niveau national, les crédits passent de 134 M€ à 175 M€": all départements' money
  const std::string_view lead = f.substr(0, amount_pos);
  for (std::string_view w : {"niveau national", "echelle nationale", "plan national", "au national", "france entiere",
                             "ensemble des departements", "l'ensemble du territoire", "tous les departements"})
    if (lead.find(w) != std::string_view::npos) return true;
  if (tail.find("fonds d'appui aux politiques d'insertion") != std::string_view::npos ||
      contains_word(tail, {"fapi", "dsil", "detr"}))
    return true;
  const std::string_view head = tail.substr(0, 45);
  if (head.find("metropole") != std::string_view::npos || contains_word(head, {"commune", "communes", "caf"})) return true;
  const std::size_t v = find_word(head, "ville");
  return v != std::string_view::npos && head.substr(v).rfind("ville de paris", 0) != 0;
}

// "chacun", "chacune": the same amount for each partner named.
bool has_each(std::string_view tail) { return contains_word(tail, {"chacun", "chacune"}); }

// "L'État et le Département", "le Département et l'État": two funders joined as one subject.
std::optional<std::pair<Funder, Funder>> joint_subject(std::string_view f, const std::vector<FunderWord>& words,
                                                       const FunderWord& first, std::size_t amount_pos) {
  if (first.funder == Funder::total || first.funder == Funder::other) return std::nullopt;
  for (const FunderWord& w : words) {
    if (w.pos <= first.pos || w.end > amount_pos) continue;
    if (w.funder == first.funder || w.funder == Funder::total || w.funder == Funder::other) return std::nullopt;
    const std::string_view gap = f.substr(first.end, w.pos - first.end);
    // "l'État et le Département", "l'État et le conseil départemental du Lot" (a name between
    // is not allowed: "l'État, en lien avec le Département" is not a joint subject)
    for (std::string_view g : {" et le ", " et l'", " et la ", " et ", " et du ", " et de l'", " et de la "})
      if (gap == g) return std::make_pair(first.funder, w.funder);
    // "le Département de l'Aude et l'État": the département's name between
    if (first.funder == Funder::departement && gap.size() < 40 && (gap.ends_with(" et l'") || gap.ends_with(" et le ")) &&
        gap.find(',') == std::string_view::npos && gap.find(" avec ") == std::string_view::npos)
      return std::make_pair(first.funder, w.funder);
    return std::nullopt;
  }
  return std::nullopt;
}

// A verb whose subject receives the money: "bénéficiera de", "recevra", "percevra".
bool has_receiving_verb(std::string_view f) {
  return contains_word(f, {"beneficier", "beneficiera", "beneficieront", "beneficie", "beneficient", "beneficiant",
                           "recevra", "recevoir", "recoit", "percevra", "percevoir", "percoit", "obtient",
                           "obtiendra", "touchera", "toucher"});
}

// "à parts égales", "pour moitié", "à 50 %": the amount is shared in halves.
bool names_equal_shares(std::string_view f) {
  return f.find("a parts egales") != std::string_view::npos || find_word(f, "moitie") != std::string_view::npos ||
         f.find("50 %") != std::string_view::npos || f.find("50%") != std::string_view::npos ||
         f.find("50 pour cent") != std::string_view::npos;
}

// Before an amount, the two partners' equal shares named in full: "financées pour moitié par
// l'État et pour moitié par le Département, soit 1,2 M€", "à parts égales (à parité) entre
// l'État et le Département : 2 M€" (a lone "50 %" may be one funder's rate, not a split).
bool names_both_halves(std::string_view f) {
  const std::size_t first = find_word(f, "moitie");
  return f.find("a parts egales") != std::string_view::npos || find_word(f, "a parite") != std::string_view::npos ||
         (first != std::string_view::npos && find_word(f, "moitie", first + 1) != std::string_view::npos);
}

// "par an", "chaque année", "annuellement" in the amount's clause.
bool says_per_year(std::string_view tail) {
  return find_word(tail, "par an") != std::string_view::npos || tail.find("chaque annee") != std::string_view::npos ||
         find_word(tail, "annuellement") != std::string_view::npos || find_word(tail, "par annee") != std::string_view::npos;
}

// The words between an amount and a funder after it introduce the funder ("apportés par l'",
// "de l'", "pour l'", "à la charge du") within the same clause.
bool introduces_funder(std::string_view between) {
  if (between.find(", ") != std::string_view::npos || between.find("; ") != std::string_view::npos) return false;
  return ends_with_any(between, {"par l'", "par le ", "par la ", "de l'", "du ", "de la ", "pour l'", "pour le ",
                                 "pour la ", "charge de l'", "charge du ", "part de l'", "part du ", "par ", " de ", " pour ",
                                 "charge de ", "part de "});
}

// An amount whose funder is not named. The State's support when it is called so ("un soutien
// financier de 650 000 €", "une dotation de"); the convention's total when the sentence speaks of
// money put into it ("une enveloppe de", "vont être engagés", "mobiliser", "bénéficier de");
// else nobody's (a statistic, a budget line of something else).
std::optional<Funder> unnamed_funder(std::string_view f, std::size_t amount_pos, std::string_view tail) {
  const std::string_view b = before(f, amount_pos, 45);
  for (std::string_view noun : {"soutien", "subvention", "dotation", "concours financier", "aide financiere"}) {
    const std::size_t p = b.rfind(noun);
    if (p == std::string_view::npos) continue;
    const std::string_view after = b.substr(p + noun.size());
    if (after.find(',') == std::string_view::npos && after.size() < 30) return Funder::etat;
  }
  const std::string_view lead = f.substr(0, amount_pos);
  // (not "budget", "dépenses", "coût": the money of something else, a statistic)
  for (std::string_view w : {"enveloppe", "mobilis", "engage", "devolu", "alloue", "beneficier", "beneficiant",
                             "beneficiera", "beneficieront", "convention", "contractualisation"})
    if (lead.find(w) != std::string_view::npos || tail.find(w) != std::string_view::npos) return Funder::total;
  return std::nullopt;
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
  // "L'État et le Département apportent respectivement 1 M€ et 1,2 M€": the funders named
  // before "respectivement", in order, one per amount after it.
  std::vector<Funder> respective;
  const std::size_t resp = find_word(f, "respectivement");
  if (resp != std::string_view::npos) {
    std::size_t after_resp = 0;
    for (const Span& sp : spans)
      if (sp.b > resp) ++after_resp;
    for (const FunderWord& w : words)
      if (w.pos < resp && w.funder != Funder::total && w.funder != Funder::other &&
          std::find(respective.begin(), respective.end(), w.funder) == respective.end())
        respective.push_back(w.funder);
    if (after_resp < 2 || respective.size() != after_resp) respective.clear();
  }
  std::size_t respective_next = 0;
  // "L'État apporte respectivement 2,1 M€ et 800 000 € à la Moselle et à la Meuse": the k-th
  // amount goes to the k-th département named after the last amount.
  std::vector<std::pair<std::size_t, std::size_t>> respective_places;
  if (resp != std::string_view::npos && amounts.size() >= 2) {
    const std::size_t tail_from = amounts.back().end;
    std::vector<std::pair<std::size_t, std::size_t>> places;
    for (const DepartementMention& d : find_departement_mentions(std::string_view(s.text).substr(tail_from)))
      if (places.empty() || tail_from + d.begin >= places.back().second)
        // from the previous place's end, so that the article stays with the name ("à la Meuse")
        places.emplace_back(places.empty() ? tail_from : places.back().second, tail_from + d.end);
    std::size_t counted = 0;
    for (const Span& sp : spans)
      if (sp.b > resp || resp > spans.back().e) ++counted;
    if (places.size() == counted && counted == amounts.size()) respective_places = places;
  }
  auto push = [&](const FundingLine& line, std::size_t stretch_begin, std::size_t stretch_end, std::size_t a) {
    LocatedFunding l{line, stretch_begin, stretch_end};
    l.lead_begin = a > 0 ? amounts[a - 1].end : 0;
    l.lead_end = amounts[a].begin;
    if (!respective_places.empty()) {
      l.stretch_begin = respective_places[a].first;
      l.stretch_end = respective_places[a].second;
      l.lead_begin = l.lead_end = 0;
    }
    out.lines.push_back(l);
  };
  for (std::size_t a = 0; a < amounts.size(); ++a) {
    const AmountMention& m = amounts[a];
    const Span& sp = spans[a];
    std::optional<Funder> funder;
    const std::size_t clause = clause_start(f, segment_start, sp.b);
    const std::string_view clause_text = f.substr(clause, sp.b - std::min(clause, sp.b));
    const std::string_view stretch = f.substr(sp.e, sp.next - std::min(sp.e, sp.next));
    const std::string_view tail = rest_of_clause(stretch);
    // "consacre déjà 90 millions d'euros par an": existing spending, not the convention's;
    // "en plus des 3,8 M€ ... au titre du fonds d'appui aux politiques d'insertion": another
    // fund; "1 M€ pour la métropole": another recipient's.
    // Over 60 M€ is the money of a whole policy or of the nation ("le Département consacre 180 M€
    // à l'action sociale"): the largest département's convention is a fraction of that.
    if (clause_text.find("deja") != std::string_view::npos || is_other_money(f, sp.b, tail) ||
        m.amount_eur > kLargestConventionAmount) {
      segment_start = sp.e;
      continue;
    }
    const FunderWord* first_in_clause = nullptr;
    for (const FunderWord& w : words)
      if (w.pos >= clause && w.end <= sp.b) {
        first_in_clause = &w;
        break;
      }
    if (first_in_clause) funder = first_in_clause->funder;
    if (!funder)
      for (const FunderWord& w : words)
        if (w.pos >= segment_start && w.end <= sp.b) { funder = w.funder; break; }
    // "un montant total de 1 260 000 €", "au total sur 3 ans : 8,4 M€": a total word just
    // before the amount, with no funder between, names the total whoever spoke before.
    for (const FunderWord& w : words)
      if (w.funder == Funder::total && w.end <= sp.b && sp.b - w.end <= 30 && w.pos >= segment_start) {
        const bool other_between = std::any_of(words.begin(), words.end(), [&](const FunderWord& o) {
          return o.pos > w.pos && o.end <= sp.b && o.funder != Funder::total;
        });
        if (!other_between) funder = Funder::total;
      }
    if (!respective.empty() && sp.b > resp && respective_next < respective.size())
      funder = respective[respective_next++];
    // "L'État et le Département mobilisent 2 M€" (a joint amount: the total), "... consacrer
    // plus d'un million d'euros chacun" (each partner the amount).
    std::vector<Funder> each;
    if (first_in_clause && respective.empty()) {
      if (auto pair = joint_subject(f, words, *first_in_clause, sp.b)) {
        if (has_each(tail)) each = {pair->first, pair->second};
        else funder = Funder::total;
      }
    }
    if (each.empty() && has_each(tail) && find_word(f.substr(0, sp.b), "partenaires") != std::string_view::npos &&
        find_word(f.substr(0, sp.b), "deux") != std::string_view::npos)
      each = {Funder::etat, Funder::departement};  // "les deux partenaires ... chacun"
    // "Le Département bénéficiera d'un soutien de 4,2 M€", "Bénéficiant d'une enveloppe de X, le
    // Département ...": who receives is not who pays.
    if (funder == Funder::departement && first_in_clause && first_in_clause->funder == Funder::departement &&
        has_receiving_verb(f.substr(first_in_clause->end, sp.b - std::min(first_in_clause->end, sp.b)))) {
      funder.reset();
      for (const FunderWord& w : words)
        if (w.pos > first_in_clause->end && w.end <= sp.b && w.funder != Funder::departement) funder = w.funder;
    }
    std::size_t consumed = sp.e;
    // "financées pour moitié par l'État et pour moitié par le Département, soit 1,2 M€": the
    // shares named before the amount, in the same sentence stretch, by both partners.
    std::vector<Funder> sharers_before;
    if (funder != Funder::total && each.empty() && respective.empty() &&
        names_both_halves(f.substr(segment_start, sp.b - std::min(segment_start, sp.b)))) {
      for (const FunderWord& w : words)
        if (w.pos >= segment_start && w.end <= sp.b && (w.funder == Funder::etat || w.funder == Funder::departement) &&
            std::find(sharers_before.begin(), sharers_before.end(), w.funder) == sharers_before.end())
          sharers_before.push_back(w.funder);
      if (sharers_before.size() != 2) sharers_before.clear();
    }
    // "2 M€ ..., à parts égales entre l'État et le Département", "financés pour moitié par
    // l'État et pour moitié par le Département", "dont la moitié prise en charge par l'État":
    // the total, and each named sharer's half.
    if ((!funder && each.empty()) || !sharers_before.empty()) {
      const std::string_view shares = stretch.substr(0, 200);
      if (!sharers_before.empty() || names_equal_shares(shares)) {
        std::vector<Funder> sharers = sharers_before;
        for (const FunderWord& w : words)
          if (sharers_before.empty() && w.pos > sp.e && w.pos < sp.e + shares.size() && w.funder != Funder::total &&
              w.funder != Funder::other && std::find(sharers.begin(), sharers.end(), w.funder) == sharers.end())
            sharers.push_back(w.funder);
        if (!sharers.empty() && sharers.size() <= 2) {
          const bool per_year = m.per_year || says_per_year(tail);
          std::optional<int> year = year_in(sp.e, sp.next);
          if (!year) year = sentence_year;
          if (!year && per_year && !period) year = ctx.first_year;
          FundingLine total_line;
          total_line.funder = Funder::total;
          total_line.amount_eur = m.amount_eur;
          total_line.qualifier = m.qualifier;
          total_line.per_year = per_year;
          total_line.year = year;
          const std::size_t sb = ft.original_offset(std::min(sp.e, f.size()));
          const std::size_t se = sp.next < f.size() ? ft.original_offset(sp.next) : s.text.size();
          push(total_line, sb, se, a);
          for (Funder sharer : sharers) {
            FundingLine half = total_line;
            half.funder = sharer;
            half.amount_eur = m.amount_eur / 2;
            push(half, sb, se, a);
          }
          segment_start = sp.next;
          continue;
        }
      }
    }
    if (funder == Funder::total) {
      // "Au total, 2,4 millions d'euros seront mobilisés par l'État", "Au total ce sont 1,4 M€
      // que l'État consacre": the State's total
      for (const FunderWord& w : words)
        if (w.pos >= sp.e && w.pos < sp.next && w.pos < sp.e + 40 && w.funder != Funder::total &&
            w.funder != Funder::other &&
            (before(f, w.pos, 8).find("par ") != std::string_view::npos || before(f, w.pos, 8).ends_with("que l'") ||
             before(f, w.pos, 8).ends_with("que le ") || before(f, w.pos, 8).ends_with("que la "))) {
          funder = w.funder;
          consumed = w.end;
          break;
        }
    }
    if (!funder && each.empty()) {
      // "1 852 000 € apportés par l'État", "240 000 € par an pour l'État": the funder right after
      // the amount, in the same clause and introduced by a preposition (in "..., le département
      // s'engage", the département after the comma is the one who receives).
      for (const FunderWord& w : words)
        if (w.pos >= sp.e && w.pos < sp.next && w.pos < sp.e + 30 && w.funder != Funder::total) {
          if (introduces_funder(f.substr(sp.e, w.pos - sp.e))) {
            funder = w.funder;
            consumed = w.end;
            // "2 M€ pour l'État et le Département", "financés par l'État et le Département":
            // both together, the total
            if (joint_subject(f, words, w, sp.next)) funder = Funder::total;
          }
          break;
        }
    }
    // "dont 1,1 M€", "1,3 M€ aux Yvelines et 1,1 M€ aux Hauts-de-Seine", "1,9 M€ pour l'Aude,
    // 2,6 M€ pour le Gard": the previous funder
    const std::string_view gap = f.substr(segment_start, sp.b - std::min(segment_start, sp.b));
    if (!funder && each.empty() && a > 0 &&
        (sp.dont || gap.find(" et ") != std::string_view::npos || (gap.find(", ") != std::string_view::npos && gap.size() < 40) ||
         // "portée à 1,9 M€ (contre 915 998 € en 2019)": the same funder's earlier amount
         find_word(gap, "contre") != std::string_view::npos || gap.find("au lieu de") != std::string_view::npos))
      funder = previous_funder;
    // "le Département recevra 4 millions d'euros de l'État": who receives is not who pays
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
    if (!funder && each.empty() && previous_funder) {
      const std::string_view since = f.substr(segment_start, sp.b - std::min(segment_start, sp.b));
      for (std::string_view anaphora : {"cette contribution", "ce soutien", "ce financement", "cette aide",
                                        "cette enveloppe", "cette participation", "cette dotation", "ce montant"})
        if (since.find(anaphora) != std::string_view::npos) funder = previous_funder;
    }
    if (!funder && each.empty()) funder = anaphora_funder(all, i);
    // No funder named: "un soutien financier de 650 000 €" is the State's support; "une
    // enveloppe de 10 M€", "2,2 M€ vont être engagés" is the convention's total.
    if (!funder && each.empty()) funder = unnamed_funder(f, sp.b, tail);
    segment_start = consumed;
    if (each.empty()) {
      const Funder who = funder.value_or(Funder::other);
      if (who == Funder::other) continue;
      each = {who};
    }
    const std::optional<Funder> previous_funder_before = previous_funder;
    previous_funder = each.front();
    for (Funder who : each) {
      FundingLine line;
      line.funder = who;
      line.amount_eur = m.amount_eur;
      line.qualifier = m.qualifier;
      line.per_year = m.per_year || says_per_year(tail);
      line.year = year_in(sp.e, sp.next);
      // "5,8 M€ ..., dont plus d'un million consacrés à ...": a part of the same funder's amount
      if (sp.dont && !line.year && previous_funder_before == who) continue;
      // "2,4 M€ en 2019, dont 1,2 M€ de l'État": the part is for the year of the whole
      if (!line.year && sp.dont && a > 0) line.year = year_in(spans[a - 1].e, sp.b);
      if (!line.year) line.year = sp.dont ? leading_year : sentence_year;
      if (!line.year && !line.per_year && periods.empty() && !ctx.document_period) line.year = ctx.fallback_year;
      if (!line.year && periods.empty() && ctx.fallback_year && !line.per_year) line.year = ctx.fallback_year;
      const std::size_t stretch_end = sp.next < f.size() ? ft.original_offset(sp.next) : s.text.size();
      const std::size_t stretch_begin = ft.original_offset(std::min(sp.e, f.size()));
      if (line.per_year && !line.year && period) {
        for (int y = period->start; y <= period->end; ++y) {
          line.year = y;
          push(line, stretch_begin, stretch_end, a);
        }
        continue;
      }
      // "221 000 € chaque année" with no period stated: from the first year on
      if (line.per_year && !line.year) line.year = ctx.first_year;
      push(line, stretch_begin, stretch_end, a);
    }
  }
  std::set<int> line_years;
  for (const LocatedFunding& l : out.lines)
    if (l.line.year && !l.line.per_year) line_years.insert(*l.line.year);
  if (line_years.size() == 1) out.year = *line_years.begin();
  return out;
}

}  // namespace conventiond::extract_detail
