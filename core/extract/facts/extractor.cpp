#include <conventiond/extract/extractor.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>

#include <boost/json.hpp>

#include <conventiond/extract/amounts.hpp>
#include <conventiond/extract/dates.hpp>
#include <conventiond/extract/departement_mentions.hpp>
#include <conventiond/extract/html_document.hpp>
#include <conventiond/extract/measures.hpp>
#include <conventiond/extract/pdf_document.hpp>
#include <conventiond/extract/periods.hpp>
#include <conventiond/extract/plain_text_document.hpp>
#include <conventiond/extract/signatories.hpp>
#include <conventiond/model/model_json.hpp>

#include "facts/agreements.hpp"
#include "facts/annex_tables.hpp"
#include "facts/evidence.hpp"
#include "facts/funding.hpp"
#include "facts/folded_text.hpp"
#include "facts/sentences.hpp"

namespace conventiond {
namespace {

using extract_detail::find_word;
using extract_detail::fold;
using extract_detail::Sentence;
using extract_detail::AgreementKind;
using extract_detail::EvidenceLocator;
using extract_detail::EvidenceRule;
using extract_detail::JoinedSentences;
namespace rules = extract_detail::rules;
using extract_detail::FundingContext;
using extract_detail::LocatedFunding;
using extract_detail::SentenceFunding;
using extract_detail::Signing;
using extract_detail::is_party_clause;
using extract_detail::is_relevant;
using extract_detail::is_signing_sentence;
using extract_detail::is_word_byte;
using extract_detail::signings;

bool contains(std::string_view folded, std::string_view w) {
  return find_word(folded, w) != std::string_view::npos;
}

bool contains_any(std::string_view folded, std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(), [&](std::string_view w) { return contains(folded, w); });
}

// ---------------------------------------------------------------------------------------------
// Reference date: publication date, else a dateline ("Arras, le 18 décembre 2018"). An update
// date ("Mis à jour le") is not used to complete dates without a year: a page updated years
// later would move the signature.

// "Par Pierre Pinon Publié le 05/07/2019 à 3h50", "Mis en ligne le ...", "Le 8 juillet 2019 à
// 19h12": a byline's publication date, in a short line anywhere.
std::optional<Date> byline_date(const TextDocument& doc) {
  for (const TextBlock& b : doc.blocks) {
    if (b.text.size() > 160 || b.kind == BlockKind::table_row) continue;
    const std::string f = fold(b.text);
    for (const DateMention& d : find_dates(b.text)) {
      if (!d.year_stated || d.month_only) continue;
      const std::string prefix = fold(std::string_view(b.text).substr(0, d.begin));
      const std::string suffix = fold(std::string_view(b.text).substr(d.end, 12));
      if (prefix.ends_with("publie le ") || prefix.ends_with("mis en ligne le ") || prefix.ends_with("publie ") ||
          (prefix.ends_with("le ") && suffix.size() > 3 && suffix.starts_with(" a ") &&
           suffix.find('h') != std::string::npos))
        return d.date;
    }
  }
  return std::nullopt;
}

std::optional<Date> reference_date(const TextDocument& doc) {
  if (doc.published_on) return doc.published_on;
  if (auto d = byline_date(doc)) return d;
  const std::size_t n = std::min<std::size_t>(doc.blocks.size(), 8);
  for (std::size_t b = 0; b < n; ++b) {
    const std::string& t = doc.blocks[b].text;
    if (t.size() > 80) continue;
    for (const DateMention& d : find_dates(t)) {
      if (!d.year_stated || d.month_only) continue;
      const std::string prefix = fold(std::string_view(t).substr(0, d.begin));
      if (doc.blocks[b].kind == BlockKind::dateline || prefix.ends_with(", le ") || prefix.ends_with(",le ") ||
          prefix.ends_with(", ") || prefix.empty() || prefix.ends_with("communique de presse du ") ||
          prefix.ends_with("communique du ") || prefix.ends_with("communique de presse - "))
        return d.date;
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Which départements the document's conventions are about

std::set<std::string> codes_in(std::string_view text) {
  std::set<std::string> out;
  for (const DepartementMention& m : find_departement_mentions(text)) out.insert(m.code);
  return out;
}

// Corse-du-Sud and Haute-Corse named together (the Collectivité de Corse) are one party.
bool is_corsica_pair(const std::set<std::string>& named) {
  return named.size() == 2 && named.count("2A") && named.count("2B");
}

// The département a publisher speaks for: "Les services de l'État dans le Var", "Préfecture de
// la Creuse", "Conseil départemental de la Mayenne", "Département du Lot". A news site naming
// a place ("France Bleu Gironde") is not a publisher of either party.
std::optional<std::string> publisher_departement(std::string_view site_name) {
  const std::vector<DepartementMention> site = find_departement_mentions(site_name);
  std::set<std::string> named;
  for (const DepartementMention& m : site) named.insert(m.code);
  if (named.size() != 1 && !is_corsica_pair(named)) return std::nullopt;
  const std::string f = fold(site_name);
  const bool party = site.front().institutional || f.find("services de l'etat") != std::string::npos ||
                     contains_any(f, {"prefecture", "prefet", "prefete", "departement", "conseil departemental",
                                      "collectivite", "conseil general"});
  if (!party) return std::nullopt;
  return site.front().code;
}

// What one sentence names, for a document about several départements.
struct SentenceNames {
  std::vector<std::string> departements;    // the codes it names, sorted, unique
  const std::string* section = nullptr;     // the subject named last before it, alone (in codes)
};

struct Subjects {
  std::vector<std::string> codes;  // in order of first mention
  std::string primary;             // the document's own convention when it has one
  std::map<std::string, Evidence> evidence;  // where each code was read
  std::vector<SentenceNames> names;          // by Sentence::index, with several codes only
};

Subjects subject_departements(const std::vector<Sentence>& sentences, const TextDocument& doc,
                              const EvidenceLocator& where) {
  Subjects out;
  auto add = [&](const std::string& c) {
    if (std::find(out.codes.begin(), out.codes.end(), c) == out.codes.end()) out.codes.push_back(c);
  };
  const std::set<std::string> in_title = codes_in(doc.title);
  for (const Sentence& s : sentences) {
    if (s.in_annex || !(is_signing_sentence(s) || is_party_clause(s))) continue;
    const std::vector<DepartementMention> mentions = find_departement_mentions(s.text);
    std::set<std::string> named;
    for (const DepartementMention& m : mentions) {
      add(m.code);
      named.insert(m.code);
    }
    for (const std::string& c : named)
      if (!out.evidence.count(c))
        out.evidence.emplace(c, where.sentence(s, named.size() == 1 || is_corsica_pair(named)
                                                      ? rules::kSigningSentenceDepartement
                                                      : rules::kEnumeratedDepartement));
    // The first signing or party sentence naming one département alone, with a person or a
    // date, is the document's own convention.
    if (out.primary.empty() && (named.size() == 1 || is_corsica_pair(named)) &&
        (!find_people(s.text).empty() || !find_dates(s.text).empty() || is_party_clause(s)))
      out.primary = *named.begin();
  }
  if (in_title.size() == 1) out.primary = *in_title.begin();
  for (const std::string& c : in_title)
    if (!out.evidence.count(c)) out.evidence.emplace(c, where.metadata(doc.title, rules::kTitleDepartement));
  if (!out.codes.empty()) {
    if (!out.primary.empty()) add(out.primary);
    return out;
  }
  for (const std::string& c : in_title) add(c);
  // "... - Conseil départemental de la Mayenne", "Les services de l'État dans le Var",
  // "Préfecture de la Creuse": the publisher is the département or its préfecture
  if (out.codes.empty()) {
    if (auto code = publisher_departement(doc.site_name)) {
      add(*code);
      out.evidence.emplace(*code, where.metadata(doc.site_name, rules::kPublisherDepartement));
    }
  }
  if (out.codes.empty()) {
    // The département most often named as an institution.
    std::map<std::string, int> counts;
    std::map<std::string, const Sentence*> first;
    for (const Sentence& s : sentences)
      for (const DepartementMention& m : find_departement_mentions(s.text))
        if (m.institutional) {
          ++counts[m.code];
          first.emplace(m.code, &s);
        }
    int best = 0;
    std::string code;
    for (const auto& [c, n] : counts)
      if (n > best) {
        best = n;
        code = c;
      }
    if (!code.empty()) {
      add(code);
      out.evidence.emplace(code, where.sentence(*first[code], rules::kMostNamedDepartement));
    }
  }
  if (out.codes.size() == 1) out.primary = out.codes.front();
  return out;
}

// Does sentence s speak of convention `code`? With one subject, every sentence does. With
// several, a sentence naming that département and no other subject does; a sentence naming
// none belongs to the primary convention, if the document has one.
bool names_code(const std::vector<std::string>& sorted_codes, const std::string& code) {
  return std::binary_search(sorted_codes.begin(), sorted_codes.end(), code);
}

bool about(const Sentence& s, const std::string& code, const Subjects& subjects) {
  if (subjects.codes.size() <= 1) return true;
  const SentenceNames& n = subjects.names[s.index];
  const std::vector<std::string>& named = n.departements;
  if (named.size() == 2 && named[0] == "2A" && named[1] == "2B" && names_code(named, code)) return true;
  const bool names_other = std::any_of(subjects.codes.begin(), subjects.codes.end(),
                                       [&](const std::string& o) { return o != code && names_code(named, o); });
  if (names_code(named, code)) return !names_other;
  // A sentence naming none belongs to the département its section is about ("Dans l'Aude, ..."
  // then sentences without a name), else to the document's own convention.
  const std::string& owner = n.section ? *n.section : subjects.primary;
  const bool primary = code == owner || (is_corsica_pair({owner, code}) && subjects.codes.size() == 2);
  return !names_other && primary;
}

// For a document about several départements: what each sentence names (scanned once), and its
// section département, the last subject named alone before it, within a run of sentences that
// continues until another subject is named alone.
// The section département points into subjects.codes, not changed after.
void assign_sections(std::vector<Sentence>& sentences, Subjects& subjects) {
  const std::string* current = nullptr;
  subjects.names.resize(sentences.size());
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    Sentence& s = sentences[i];
    s.index = static_cast<std::uint32_t>(i);
    SentenceNames& n = subjects.names[i];
    const std::set<std::string> codes = codes_in(s.text);
    n.departements.assign(codes.begin(), codes.end());  // sorted, unique
    const std::string* only = nullptr;
    std::size_t named = 0;
    for (const std::string& c : n.departements) {
      const auto it = std::find(subjects.codes.begin(), subjects.codes.end(), c);
      if (it == subjects.codes.end()) continue;
      ++named;
      only = &*it;
    }
    if (named == 1) current = only;
    else if (named > 1) current = nullptr;  // an enumeration: no section until one is named again
    n.section = current;
  }
}

// A sentence that names this département among several subjects (for facts that carry their
// own département, like "préfet des Yvelines" or "1,3 M€ aux Yvelines").
bool names(const Sentence& s, const std::string& code, const Subjects& subjects) {
  return subjects.codes.size() > 1 && names_code(subjects.names[s.index].departements, code);
}

// A national review ("des conventions signées avec 99 départements", "tous les départements
// ont signé"): a document about the programme as a whole, whose mentions of one département
// (a former président's signature) are examples, not that département's convention. Not when
// the title or the publisher names one département.
bool is_national_review(const std::vector<Sentence>& sentences, const TextDocument& doc) {
  if (!codes_in(doc.title).empty() || publisher_departement(doc.site_name)) return false;
  for (const Sentence& s : sentences) {
    const std::string_view f = s.folded;
    if (f.find("tous les departements") != std::string::npos) return true;
    for (std::size_t p = f.find(" departements"); p != std::string::npos; p = f.find(" departements", p + 1)) {
      std::size_t b = p;
      while (b > 0 && f[b - 1] >= '0' && f[b - 1] <= '9') --b;
      if (p - b < 2 || p - b > 3) continue;
      int n = 0;
      for (std::size_t k = b; k < p; ++k) n = n * 10 + (f[k] - '0');
      if (n >= 10) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Signature date

// "ont signé jeudi la convention": a bare weekday right after the signing word, resolved to the
// latest such day on or before the reference date.
std::optional<Date> bare_weekday_after(std::string_view folded, std::size_t sign_pos, std::optional<Date> ref) {
  if (!ref) return std::nullopt;
  static constexpr std::array<std::string_view, 7> kDays = {"lundi", "mardi", "mercredi", "jeudi", "vendredi",
                                                            "samedi", "dimanche"};
  std::size_t p = folded.find(' ', sign_pos);
  if (p == std::string_view::npos) return std::nullopt;
  const std::string_view rest = folded.substr(p + 1, 12);
  for (std::size_t d = 0; d < kDays.size(); ++d) {
    if (!rest.starts_with(kDays[d])) continue;
    if (rest.size() > kDays[d].size() && is_word_byte(rest[kDays[d].size()])) continue;
    const int back = (ref->weekday() - static_cast<int>(d) + 7) % 7;
    Date day = *ref;
    for (int k = 0; k < back; ++k) {
      if (--day.day == 0) {
        if (--day.month == 0) {
          day.month = 12;
          --day.year;
        }
        day.day = 31;
        while (!Date::valid(day.year, day.month, day.day)) --day.day;
      }
    }
    return day;
  }
  return std::nullopt;
}

std::optional<Date> paired_date(std::string_view text, const std::vector<DateMention>& dates, const std::string& code,
                                const Subjects& subjects, std::optional<Date> ref) {
  const std::vector<DepartementMention> mentions = find_departement_mentions(text);
  for (std::size_t i = 0; i < mentions.size(); ++i) {
    if (mentions[i].code != code) continue;
    std::size_t limit = text.size();
    for (std::size_t k = i + 1; k < mentions.size(); ++k)
      if (mentions[k].code != code &&
          std::find(subjects.codes.begin(), subjects.codes.end(), mentions[k].code) != subjects.codes.end()) {
        limit = mentions[k].begin;
        break;
      }
    for (const DateMention& d : dates)
      if (d.begin >= mentions[i].end && d.begin < limit && !d.month_only && d.date.year >= 2018 &&
          !(ref && d.date > *ref))
        return d.date;
  }
  return std::nullopt;
}

// A value and where it was read.
template <class T>
struct Read {
  T value;
  Evidence evidence;
};

// The date the convention (or, with `amendment`, an avenant) was signed: in a signing sentence,
// the date nearest a signing word that signs that kind of agreement.
std::optional<Read<Date>> signature_date(const std::vector<Sentence>& sentences, const std::string& code,
                                         const Subjects& subjects, std::optional<Date> ref, bool ref_is_estimate,
                                         bool amendment, const EvidenceLocator& where) {
  const AgreementKind wanted = amendment ? AgreementKind::amendment : AgreementKind::ours;
  for (const Sentence& s : sentences) {
    if (s.in_annex || !(about(s, code, subjects) || names(s, code, subjects))) continue;
    const std::vector<Signing> signs = signings(s.folded);
    if (signs.empty()) continue;
    const extract_detail::FoldedText ft(s.text);
    const std::vector<DateMention> dates = find_dates(s.text, ref);
    if (!about(s, code, subjects) && dates.size() >= 2) {
      // "l'Aude le 28 juin, le Gard le 4 juillet et les Pyrénées-Orientales le 9 juillet":
      // each département takes the date that follows it, before the next one.
      if (auto d = paired_date(s.text, dates, code, subjects, ref))
        return Read<Date>{*d, where.sentence(s, rules::kPairedDate)};
      continue;
    }
    for (const Signing& g : signs) {
      const AgreementKind k = g.agreement == AgreementKind::none ? AgreementKind::ours : g.agreement;
      if (k != wanted) continue;
      const std::size_t sign_orig = ft.original_offset(g.pos);
      std::optional<Date> best;
      std::size_t best_dist = std::string::npos;
      for (const DateMention& d : dates) {
        // the programme's conventions and avenants were signed from 2018 to 2023; a signature of
        // 2024 or later is of its successor (the pactes locaux des solidarités)
        if (d.month_only || d.date.year < 2018 || d.date.year > 2023) continue;
        if (ref_is_estimate && d.relative) continue;  // "aujourd'hui" needs a real date
        if (ref && d.date > *ref) continue;  // a signature is not after its own announcement
        const std::string prefix = fold(std::string_view(s.text).substr(d.begin >= 25 ? d.begin - 25 : 0,
                                                                        d.begin >= 25 ? 25 : d.begin));
        // "selon un communiqué commun du 1er avril", "par courrier du": the date of another act
        if (contains_any(prefix, {"annonce", "annoncee", "presentee", "presente", "lancee", "lance", "avant",
                                  "jusqu'au", "depuis", "seance", "deliberation", "communique", "courrier", "lettre",
                                  "arrete", "decret", "circulaire", "article", "publie", "publiee"}))
          continue;
        // The date must not sit closer to another signing word of another agreement.
        const std::size_t dist = d.begin > sign_orig ? d.begin - sign_orig : sign_orig - d.end;
        bool closer_other = false;
        for (const Signing& o : signs) {
          if (&o == &g) continue;
          const AgreementKind ok = o.agreement == AgreementKind::none ? AgreementKind::ours : o.agreement;
          if (ok == k) continue;
          const std::size_t oo = ft.original_offset(o.pos);
          const std::size_t od = d.begin > oo ? d.begin - oo : oo - d.end;
          if (od < dist) closer_other = true;
        }
        if (closer_other) continue;
        if (dist < best_dist) {
          best_dist = dist;
          best = d.date;
        }
      }
      bool weekday = false;
      if (!best && !ref_is_estimate) {
        best = bare_weekday_after(s.folded, g.pos, ref);
        weekday = best.has_value();
      }
      if (best)
        return Read<Date>{*best, where.sentence(s, weekday     ? rules::kWeekdayDate
                                                   : amendment ? rules::kAvenantDate
                                                               : rules::kSigningSentenceDate)};
    }
  }
  return std::nullopt;
}

// The convention's period: the first stated, not one of another programme ("le pacte local
// des solidarités 2024-2027") nor one starting after the programme's last year (2023).
std::optional<Read<Period>> document_period(const std::vector<Sentence>& sentences, const EvidenceLocator& where) {
  for (const Sentence& s : sentences) {
    if (extract_detail::names_other_programme(s.folded) && !extract_detail::names_our_programme(s.folded)) continue;
    for (const PeriodMention& p : find_periods(s.text))
      if (p.period.end <= 2023) return Read<Period>{p.period, where.sentence(s, rules::kStatedPeriod)};
  }
  // "la convention d'appui ... prolongée pour l'année 2023": a convention for one year (not an
  // avenant's year, nor the year of an amount: "Pour l'année 2019, l'État apporte ...")
  for (const Sentence& s : sentences) {
    if (s.in_annex || contains(s.folded, "avenant") || contains(s.folded, "avenants")) continue;
    for (std::string_view lead : {"pour l'annee ", "au titre de l'annee ", "sur l'annee "}) {
      const std::size_t at = s.folded.find(lead);
      if (at == std::string::npos) continue;
      const std::size_t conv = s.folded.rfind("convention", at);
      if (conv == std::string::npos || at - conv > 120) continue;
      const std::string_view y = std::string_view(s.folded).substr(at + lead.size(), 5);
      if (y.size() < 4 || !std::all_of(y.begin(), y.begin() + 4, [](char c) { return c >= '0' && c <= '9'; })) continue;
      if (y.size() == 5 && y[4] >= '0' && y[4] <= '9') continue;
      const int year = (y[0] - '0') * 1000 + (y[1] - '0') * 100 + (y[2] - '0') * 10 + (y[3] - '0');
      if (year >= 2019 && year <= 2023)
        return Read<Period>{Period{year, year}, where.sentence(s, rules::kYearOfConvention)};
    }
  }
  return std::nullopt;
}

// A line of a register's table of contents: "Arrêté portant ... ........ 27" (a run of leader
// dots, or a page number after a long gap, at the end).
bool is_contents_entry(std::string_view text) {
  std::size_t e = text.size();
  while (e > 0 && text[e - 1] == ' ') --e;
  const std::size_t digits_end = e;
  while (e > 0 && text[e - 1] >= '0' && text[e - 1] <= '9') --e;
  if (e == digits_end || digits_end - e > 4) return false;
  std::size_t dots = 0;
  std::size_t k = e;
  while (k > 0 && (text[k - 1] == '.' || text[k - 1] == ' ' || text[k - 1] == '\t')) {
    if (text[k - 1] == '.') ++dots;
    --k;
  }
  // "…" (U+2026) leaders
  while (k >= 3 && static_cast<unsigned char>(text[k - 3]) == 0xE2 && static_cast<unsigned char>(text[k - 2]) == 0x80 &&
         static_cast<unsigned char>(text[k - 1]) == 0xA6) {
    dots += 3;
    k -= 3;
    while (k > 0 && text[k - 1] == ' ') --k;
  }
  return dots >= 4;
}

// A register of administrative acts lists many decisions with their pages; only the entries
// naming this programme's convention are about it: the dates and signers of the other acts
// (arrêtés, délégations) are not the convention's.
void drop_other_contents_entries(std::vector<Sentence>& sentences, const TextDocument& doc) {
  std::vector<char> entry(doc.blocks.size(), 0);
  std::size_t entries = 0;
  for (std::size_t b = 0; b < doc.blocks.size(); ++b)
    if (doc.blocks[b].kind != BlockKind::table_row && is_contents_entry(doc.blocks[b].text)) {
      entry[b] = 1;
      ++entries;
    }
  if (entries < 3) return;
  std::vector<char> ours(doc.blocks.size(), 0);
  for (const Sentence& s : sentences)
    if (entry[s.block] && (extract_detail::names_our_programme(s.folded) || contains(s.folded, "pauvrete")))
      ours[s.block] = 1;
  sentences.erase(std::remove_if(sentences.begin(), sentences.end(),
                                 [&](const Sentence& s) { return entry[s.block] && !ours[s.block]; }),
                  sentences.end());
}

// The one year (2018..2023) a text names, when it names exactly one.
std::optional<int> only_year(const std::vector<Sentence>& sentences) {
  std::set<int> years;
  for (const Sentence& s : sentences) {
    const std::string_view f = s.folded;
    for (std::size_t i = 0; i + 4 <= f.size(); ++i) {
      if (!std::all_of(f.begin() + static_cast<std::ptrdiff_t>(i), f.begin() + static_cast<std::ptrdiff_t>(i + 4),
                       [](char c) { return c >= '0' && c <= '9'; }))
        continue;
      const bool alone = (i == 0 || !(f[i - 1] >= '0' && f[i - 1] <= '9')) &&
                         (i + 4 == f.size() || !(f[i + 4] >= '0' && f[i + 4] <= '9'));
      if (!alone) continue;
      const int y = (f[i] - '0') * 1000 + (f[i + 1] - '0') * 100 + (f[i + 2] - '0') * 10 + (f[i + 3] - '0');
      if (y >= 1990 && y <= 2100) years.insert(y);
      i += 3;
    }
  }
  if (years.size() == 1 && *years.begin() >= 2018 && *years.begin() <= 2023) return *years.begin();
  return std::nullopt;
}

// "avenant 2020", "avenant n°2 ... pour l'année 2021": the year an avenant is for.
std::optional<int> amendment_year(const std::vector<Sentence>& sentences) {
  for (const Sentence& s : sentences) {
    const std::size_t p = find_word(s.folded, "avenant");
    if (p == std::string_view::npos) continue;
    const std::string_view after = std::string_view(s.folded).substr(p, 40);
    const std::vector<DateMention> dates = find_dates(after);
    for (std::size_t i = 0; i + 4 <= after.size(); ++i) {
      if (!std::all_of(after.begin() + static_cast<std::ptrdiff_t>(i), after.begin() + static_cast<std::ptrdiff_t>(i + 4),
                       [](char ch) { return ch >= '0' && ch <= '9'; }))
        continue;
      // "avenant n°1 signé le 30 juillet 2020": the year of a date is not the avenant's year
      if (std::any_of(dates.begin(), dates.end(), [&](const DateMention& d) { return i >= d.begin && i < d.end; }))
        continue;
      const int y = (after[i] - '0') * 1000 + (after[i + 1] - '0') * 100 + (after[i + 2] - '0') * 10 + (after[i + 3] - '0');
      if (y >= 2019 && y <= 2030) return y;
    }
    // "l'avenant à la convention d'appui ... pour l'année 2022", "... au titre de l'exercice
    // 2021": the year it is for, stated further in the sentence
    for (std::string_view lead : {"pour l'annee ", "au titre de l'annee ", "au titre de l'exercice ",
                                  "pour l'exercice "}) {
      const std::size_t at = s.folded.find(lead, p);
      if (at == std::string::npos) continue;
      const std::string_view y4 = std::string_view(s.folded).substr(at + lead.size(), 5);
      if (y4.size() >= 4 && std::all_of(y4.begin(), y4.begin() + 4, [](char ch) { return ch >= '0' && ch <= '9'; }) &&
          (y4.size() == 4 || !(y4[4] >= '0' && y4[4] <= '9'))) {
        const int y = (y4[0] - '0') * 1000 + (y4[1] - '0') * 100 + (y4[2] - '0') * 10 + (y4[3] - '0');
        if (y >= 2019 && y <= 2030) return y;
      }
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Signatories

// Signature block: the blocks after "Fait à ..., le".
bool starts_signature_block(const Sentence& s) {
  return s.folded.rfind("fait a ", 0) == 0 || s.folded.rfind("fait en ", 0) == 0 || s.folded.rfind("fait le ", 0) == 0;
}

// The date of "Fait à Saint-Brieuc, le 8 juillet 2019", if any.
std::optional<Read<Date>> signature_block_date(const std::vector<Sentence>& sentences, const EvidenceLocator& where) {
  for (const Sentence& s : sentences) {
    if (!starts_signature_block(s)) continue;
    for (const DateMention& d : find_dates(s.text))
      if (d.year_stated && !d.month_only) return Read<Date>{d.date, where.sentence(s, rules::kSignatureBlockDate)};
  }
  return std::nullopt;
}

// A person who attended ("en présence de", "a assisté à la signature") did not sign.
bool is_witness(std::string_view text, const PersonMention& p) {
  const std::string b = fold(text.substr(p.begin >= 30 ? p.begin - 30 : 0, p.begin >= 30 ? 30 : p.begin));
  // ... and one represented by another ("représentant le président du Département, X").
  if (b.ends_with("en presence de ") || b.ends_with("en presence d'") || b.ends_with("representant ") ||
      b.ends_with("au nom de ") || b.ends_with("au nom du ") || b.ends_with("representant le ") ||
      b.ends_with("representant la "))
    return true;
  // "en présence du préfet Pierre Durand", "en présence de Marie Martin et de Paul Durand": a
  // title or other guests between, with no clause break ("en présence du préfet, X et Y ont
  // signé": X signs)
  const std::string wide = fold(text.substr(p.begin >= 70 ? p.begin - 70 : 0, p.begin >= 70 ? 70 : p.begin));
  if (const std::size_t at = wide.rfind("en presence d"); at != std::string::npos) {
    std::string gap = wide.substr(at);
    for (std::string_view guests : {" et de ", " et du ", " et d'", " et des "})
      for (std::size_t g = gap.find(guests); g != std::string::npos; g = gap.find(guests)) gap.erase(g, guests.size());
    if (gap.find(',') == std::string::npos && gap.find(" et ") == std::string::npos &&
        gap.find('.') == std::string::npos)
      return true;
  }
  std::string a = fold(text.substr(p.end, 60));
  while (!a.empty() && (a.front() == ' ' || a.front() == ',')) a.erase(a.begin());
  // "X, secrétaire d'État, s'est rendue à Lille à l'occasion de la signature, par ... ": a visit
  for (std::string_view w : {"a assiste", "assistait", "etait present", "avait fait le deplacement",
                             "a fait le deplacement", "est venu", "est venue", "pour assister", "s'est rendu",
                             "s'est rendue", "se sont rendus", "s'est deplace", "s'est deplacee", "a participe",
                             "participait", "etait presente", "etaient presents", "a rejoint"})
    if (a.starts_with(w)) return true;
  return false;
}

// "X, Y et Z signeront la convention vendredi": those who will sign are its signatories (the
// date of a future signing is not its signature date).
bool is_future_signing(const Sentence& s) {
  if (s.folded.find("sign") == std::string::npos) return false;
  if (!contains_any(s.folded, {"signera", "signeront", "signer", "viendra signer", "viendront signer"}) &&
      s.folded.find("sera signee") == std::string::npos && s.folded.find("sera signe ") == std::string::npos)
    return false;
  // the agreement to sign is ours: "convention", "contrat" not qualified as another one
  for (std::string_view noun : {"convention", "contrat", "contractualisation", "avenant"})
    for (std::size_t p = find_word(s.folded, noun); p != std::string_view::npos; p = find_word(s.folded, noun, p + 1)) {
      const AgreementKind k = extract_detail::agreement_noun_kind(s.folded, p, noun);
      if (k == AgreementKind::ours || k == AgreementKind::amendment) return true;
    }
  return false;
}

std::vector<Signatory> signatories(const std::vector<Sentence>& sentences, const std::string& code,
                                   const Subjects& subjects, const EvidenceLocator& where) {
  std::vector<Signatory> out;
  std::set<std::string> seen;
  // `evidence(person)`: where the person was read
  auto take = [&](std::string_view text, bool check_departement, const auto& evidence) {
    for (const PersonMention& p : find_people(text)) {
      if (is_witness(text, p)) continue;
      if (check_departement) {
        // several subjects in one sentence: the person's role names their département
        const std::set<std::string> role_codes = codes_in(text.substr(p.begin, p.end - p.begin));
        if (!role_codes.count(code)) continue;
      }
      if (seen.insert(fold(p.name)).second) out.push_back({p.name, p.role, evidence(p)});
    }
  };
  // The signature block ("Fait à Strasbourg, le" then roles and names, one per line) is read
  // as one text: a role and its name often sit on separate lines.
  JoinedSentences block_sentences(' ');
  JoinedSentences party_sentences('\n');
  const std::string& block_text = block_sentences.text();
  const std::string& local_parties = party_sentences.text();
  std::size_t blocks_left = 0;
  std::size_t last_block = std::string::npos;
  for (const Sentence& s : sentences) {
    if (starts_signature_block(s)) {
      blocks_left = 16;
      last_block = s.block;
      continue;
    }
    if (blocks_left > 0 && s.block != last_block) {
      last_block = s.block;
      if (--blocks_left == 0 || (s.in_annex && s.folded.rfind("annexe", 0) == 0)) blocks_left = 0;
    }
    if (blocks_left > 0) {
      block_sentences.add(s);
      continue;
    }
    if (s.in_annex) continue;
    if (!(is_signing_sentence(s) || is_party_clause(s) || is_future_signing(s))) {
      // "Jean-René Lecerf, président du Département, s'en est félicité": in a document about
      // one convention, its préfet and its président named elsewhere are its signatories.
      if (subjects.codes.size() == 1) party_sentences.add(s);
      continue;
    }
    const auto in_sentence = [&](EvidenceRule rule) {
      return [&s, &where, rule](const PersonMention&) { return where.sentence(s, rule); };
    };
    if (about(s, code, subjects)) take(s.text, false, in_sentence(rules::kSigningSentencePerson));
    else if (names(s, code, subjects)) take(s.text, true, in_sentence(rules::kRoleNamesDepartement));
  }
  if (!block_text.empty() && (subjects.codes.size() == 1 || code == subjects.primary))
    take(block_text, false, [&](const PersonMention& p) {
      return block_sentences.evidence(where, p.begin, p.end, rules::kSignatureBlockPerson);
    });
  if (!local_parties.empty()) {
    // One préfet and one président sign a convention: when the signing sentences name them, a
    // préfet or a président named elsewhere (quoted later, at a visit) is not another signatory.
    auto has_role = [&](Role r) {
      return std::any_of(out.begin(), out.end(), [&](const Signatory& g) { return g.role == r; });
    };
    const bool had_prefet = has_role(Role::prefet);
    const bool had_president = has_role(Role::president_departement);
    for (const PersonMention& p : find_people(local_parties)) {
      if (p.role != Role::prefet && p.role != Role::president_departement) continue;
      if ((p.role == Role::prefet && had_prefet) || (p.role == Role::president_departement && had_president)) continue;
      if (is_witness(local_parties, p)) continue;
      const std::set<std::string> role_codes =
          codes_in(std::string_view(local_parties).substr(p.begin, p.end - p.begin));
      if (!role_codes.empty() && !role_codes.count(code)) continue;  // another département's
      if (seen.insert(fold(p.name)).second)
        out.push_back({p.name, p.role, party_sentences.evidence(where, p.begin, p.end, rules::kNamedParty)});
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Funding

// Adds a line unless the same value is there already (the first statement keeps its evidence).
void add_unique(std::vector<FundingLine>& v, const FundingLine& f) {
  const auto same = [&](const FundingLine& o) { return extract_detail::same_value(o, f); };
  if (std::none_of(v.begin(), v.end(), same)) v.push_back(f);
}

// A yearless line that repeats a line with a year (a headline restating the body) is that line.
void drop_yearless_repeats(std::vector<FundingLine>& v) {
  v.erase(std::remove_if(v.begin(), v.end(),
                         [&](const FundingLine& l) {
                           return !l.year && std::any_of(v.begin(), v.end(), [&](const FundingLine& o) {
                             return o.year && o.funder == l.funder && o.amount_eur == l.amount_eur &&
                                    o.qualifier == l.qualifier;
                           });
                         }),
          v.end());
}

std::vector<FundingLine> funding(const std::vector<Sentence>& sentences, const std::string& code,
                                 const Subjects& subjects, FundingContext ctx, const EvidenceLocator& where) {
  std::vector<FundingLine> out;
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    const Sentence& s = sentences[i];
    if (s.in_annex) continue;
    const bool own = about(s, code, subjects);
    if (!own && !names(s, code, subjects)) continue;
    const SentenceFunding sf = funding_in_sentence(sentences, i, ctx);
    ctx.previous_year = sf.year;  // the next sentence's counterpart amount
    // "1,3 M€ aux Yvelines et 1,1 M€ aux Hauts-de-Seine": the département after each amount;
    // "l'Aude recevra 1,9 M€ et le Gard 2,6 M€": before it, when the first amount has one before.
    bool places_before = false;
    if (!own && !sf.lines.empty()) {
      const LocatedFunding& first = sf.lines.front();
      for (const std::string& c : codes_in(std::string_view(s.text).substr(first.lead_begin, first.lead_end - first.lead_begin)))
        if (std::find(subjects.codes.begin(), subjects.codes.end(), c) != subjects.codes.end()) places_before = true;
    }
    for (const LocatedFunding& l : sf.lines) {
      if (!own) {
        const std::size_t b = places_before ? l.lead_begin : l.stretch_begin;
        const std::size_t e = places_before ? l.lead_end : l.stretch_end;
        const std::set<std::string> place = codes_in(std::string_view(s.text).substr(b, e - b));
        if (!place.count(code)) continue;
        // with one place per amount, an amount naming several is not this one's alone
        if (places_before && place.size() > 1) continue;
      }
      FundingLine line = l.line;
      line.evidence = where.sentence(s, own ? rules::kAmountInSentence : rules::kAmountForDepartement);
      add_unique(out, line);
    }
  }
  drop_yearless_repeats(out);
  return out;
}

bool is_amendment_document(const std::vector<Sentence>& sentences, const TextDocument& doc) {
  if (find_word(fold(doc.title), "avenant") != std::string_view::npos) return true;
  for (const Sentence& s : sentences) {
    const auto signs = signings(s.folded);
    if (!signs.empty()) return signs.front().agreement == AgreementKind::amendment;
  }
  return false;
}

}  // namespace

Extraction extract_conventions(TextDocument document) {
  Extraction ex;
  ex.document = std::move(document);
  const TextDocument& doc = ex.document;
  extract_detail::DocumentSentences all_sentences = extract_detail::document_sentences(doc);
  std::vector<Sentence>& sentences = all_sentences.list;
  drop_other_contents_entries(sentences, doc);
  ex.relevant = is_relevant(sentences, fold(doc.title));
  if (!ex.relevant) return ex;
  if (is_national_review(sentences, doc)) {
    ex.warnings.push_back("a national review of the conventions: no département's convention is read from it");
    return ex;
  }
  const EvidenceLocator where(doc);
  Subjects subjects_read = subject_departements(sentences, doc, where);
  const Subjects& subjects = subjects_read;
  if (subjects.codes.empty()) {
    ex.warnings.push_back("the document speaks of a convention but names no département");
    return ex;
  }
  if (subjects.codes.size() > 1) assign_sections(sentences, subjects_read);
  const std::optional<Read<Period>> period_read = document_period(sentences, where);
  const std::optional<Period> period =
      period_read ? std::optional<Period>(period_read->value) : std::nullopt;
  std::optional<Date> ref = reference_date(doc);
  // The programme was announced on 13 September 2018: a document published before it (a
  // position paper, an earlier plan) cannot speak of its conventions.
  if (ref && *ref < Date{2018, 9, 13}) {
    ex.relevant = false;
    ex.warnings.push_back("the document was published before the strategy (13 September 2018): no convention");
    return ex;
  }
  // Without a reference date, the year the document is about completes "ce vendredi 28 juin":
  // the period's first year, else the only year the text names ("dès 2019").
  std::optional<int> estimate_year = period ? std::optional<int>(period->start) : only_year(sentences);
  const bool ref_is_estimate = !ref && estimate_year;
  if (ref_is_estimate) ref = Date{*estimate_year, 12, 31};  // completes "le 28 juin" only
  const bool amendment_doc = is_amendment_document(sentences, doc);
  const std::optional<int> avenant_year = amendment_year(sentences);
  const std::vector<MeasureMention> measures = find_measure_mentions(doc);
  std::vector<FundingLine> table_funding;
  const std::vector<Action> actions = extract_detail::read_annex_actions(doc, ex.warnings, &table_funding, &where);

  for (const std::string& code : subjects.codes) {
    const bool own = subjects.codes.size() == 1 || code == subjects.primary ||
                     (subjects.codes.size() == 2 && is_corsica_pair({subjects.codes[0], subjects.codes[1]}));
    ConventionFacts c;
    c.departement = code;
    if (auto e = subjects.evidence.find(code); e != subjects.evidence.end()) c.evidence.emplace("departement", e->second);
    c.period = period;
    if (period_read) c.evidence.emplace("period", period_read->evidence);
    std::optional<Read<Date>> signed_on = signature_date(sentences, code, subjects, ref, ref_is_estimate, false, where);
    if (!signed_on && own && !amendment_doc) signed_on = signature_block_date(sentences, where);
    if (signed_on) {
      c.signed_on = signed_on->value;
      c.evidence.emplace("signed_on", std::move(signed_on->evidence));
    }
    if (auto avenant = signature_date(sentences, code, subjects, ref, ref_is_estimate, true, where)) {
      Amendment a;
      a.signed_on = avenant->value;
      a.year = avenant_year;
      a.evidence = std::move(avenant->evidence);
      c.amendments.push_back(std::move(a));
    }
    c.signatories = signatories(sentences, code, subjects, where);
    FundingContext ctx;
    ctx.document_period = period;
    // Conventions signed late in a year start the next one (December 2018 → 2019).
    if (ref && !ref_is_estimate) ctx.current_year = ref->year;
    if (const std::optional<Date> when = c.signed_on ? c.signed_on : (ref_is_estimate ? std::nullopt : ref))
      ctx.first_year = when->month >= 10 ? when->year + 1 : when->year;
    if (amendment_doc) ctx.fallback_year = avenant_year;
    c.funding = funding(sentences, code, subjects, ctx, where);
    if (own)
      for (const FundingLine& l : table_funding) add_unique(c.funding, l);
    const auto add_measures = [&](const std::vector<MeasureMention>& found, const auto& evidence) {
      for (const MeasureMention& m : found) {
        c.measures.push_back(m.measure);
        c.evidence.emplace("measures." + std::string(to_string(m.measure)), evidence(m));
      }
    };
    const auto in_document = [&](const MeasureMention& m) {
      return where.text_range(m.begin, m.end, rules::kMeasureWording);
    };
    if (subjects.codes.size() == 1) {
      add_measures(measures, in_document);
    } else {
      JoinedSentences about_code('\n');  // the sentences about this convention
      for (const Sentence& s : sentences)
        if (about(s, code, subjects)) about_code.add(s);
      add_measures(find_measure_mentions(about_code.text()), [&](const MeasureMention& m) {
        return about_code.evidence(where, m.begin, m.end, rules::kMeasureWording);
      });
      if (c.measures.empty() && subjects.primary.empty()) add_measures(measures, in_document);
    }
    if (own) c.actions = actions;
    ex.conventions.push_back(std::move(c));
  }
  return ex;
}

std::string document_media_type(std::string_view bytes, std::string_view declared) {
  std::size_t i = 0;
  while (i < bytes.size() && i < 1024 && (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '\t'))
    ++i;
  const std::string_view head = bytes.substr(i, 1024);
  if (head.rfind("%PDF-", 0) == 0) return "application/pdf";
  const std::string low = fold(head.substr(0, 512));
  if (low.find("<!doctype html") != std::string::npos || low.find("<html") != std::string::npos ||
      low.find("<head") != std::string::npos || low.find("<body") != std::string::npos ||
      (head.rfind("\xEF\xBB\xBF", 0) == 0 && low.find("<") != std::string::npos && low.find("html") != std::string::npos))
    return "text/html";
  const std::string d = fold(declared);
  if (d.find("pdf") != std::string::npos) return "application/pdf";  // damaged PDF: let poppler say
  if (d.find("html") != std::string::npos) return "text/html";
  return "text/plain";
}

Result<Extraction> extract_document(std::string_view bytes, std::string_view content_type,
                                    std::string_view name, const ExtractLimits& limits) {
  if (bytes.size() > limits.max_input_bytes)
    return Error::make("limit", std::string(name) + ": input of " + std::to_string(bytes.size()) +
                                    " bytes is over the limit of " + std::to_string(limits.max_input_bytes));
  const std::string media = document_media_type(bytes, content_type);
  Result<TextDocument> doc = media == "application/pdf" ? parse_pdf(bytes, name, limits)
                             : media == "text/html"     ? parse_html(bytes, content_type, name, limits)
                                                        : parse_plain_text(bytes, name, limits);
  if (!doc) return std::move(doc).error();
  return extract_conventions(std::move(doc).value());
}

std::vector<Observation> observations_of(Extraction& e, std::string_view url,
                                         std::string_view title, std::string_view content_hash) {
  std::vector<Observation> out;
  out.reserve(e.conventions.size());
  for (ConventionFacts& facts : e.conventions) {
    Observation o;
    o.facts = std::move(facts);
    o.source.url = std::string(url);
    o.source.title = std::string(title);
    o.source.media_type = e.document.media_type;
    o.source.content_hash = std::string(content_hash);
    o.source.extractor_version = std::string(kExtractorVersion);
    o.warnings = e.warnings;
    out.push_back(std::move(o));
  }
  return out;
}

boost::json::value to_json(const Extraction& e) {
  const TextDocument& d = e.document;
  boost::json::object doc;
  doc["title"] = d.title;
  doc["site_name"] = d.site_name;
  doc["media_type"] = d.media_type;
  doc["language"] = d.language;
  doc["encoding"] = d.source_encoding;
  doc["content_hash"] = d.content_hash;
  doc["published_on"] = d.published_on ? boost::json::value(d.published_on->to_iso()) : nullptr;
  doc["updated_on"] = d.updated_on ? boost::json::value(d.updated_on->to_iso()) : nullptr;
  boost::json::array convs;
  for (const ConventionFacts& c : e.conventions) convs.push_back(to_json(c));
  boost::json::array warnings;
  for (const std::string& w : e.warnings) warnings.push_back(boost::json::value(w));
  for (const std::string& w : d.warnings) warnings.push_back(boost::json::value(w));
  return boost::json::object{{"extractor_version", kExtractorVersion},
                             {"document", std::move(doc)},
                             {"relevant", e.relevant},
                             {"conventions", std::move(convs)},
                             {"warnings", std::move(warnings)}};
}

}  // namespace conventiond
