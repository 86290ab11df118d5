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
#include "facts/funding.hpp"
#include "facts/folded_text.hpp"
#include "facts/sentences.hpp"

namespace conventiond {
namespace {

using extract_detail::find_word;
using extract_detail::fold;
using extract_detail::Sentence;
using extract_detail::AgreementKind;
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
          prefix.ends_with(", ") || prefix.empty())
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

struct Subjects {
  std::vector<std::string> codes;  // in order of first mention
  std::string primary;             // the document's own convention when it has one
};

Subjects subject_departements(const std::vector<Sentence>& sentences, const TextDocument& doc) {
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
    // The first signing or party sentence naming one département alone, with a person or a
    // date, is the document's own convention.
    if (out.primary.empty() && (named.size() == 1 || is_corsica_pair(named)) &&
        (!find_people(s.text).empty() || !find_dates(s.text).empty() || is_party_clause(s)))
      out.primary = *named.begin();
  }
  if (in_title.size() == 1) out.primary = *in_title.begin();
  if (!out.codes.empty()) {
    if (!out.primary.empty()) add(out.primary);
    return out;
  }
  for (const std::string& c : in_title) add(c);
  // "... - Conseil départemental de la Mayenne": the publisher is the département
  if (out.codes.empty()) {
    const std::vector<DepartementMention> site = find_departement_mentions(doc.site_name);
    if (site.size() == 1 && site.front().institutional) add(site.front().code);
  }
  if (out.codes.empty()) {
    // The département most often named as an institution.
    std::map<std::string, int> counts;
    for (const Sentence& s : sentences)
      for (const DepartementMention& m : find_departement_mentions(s.text))
        if (m.institutional) ++counts[m.code];
    int best = 0;
    std::string code;
    for (const auto& [c, n] : counts)
      if (n > best) {
        best = n;
        code = c;
      }
    if (!code.empty()) add(code);
  }
  if (out.codes.size() == 1) out.primary = out.codes.front();
  return out;
}

// Does sentence s speak of convention `code`? With one subject, every sentence does. With
// several, a sentence naming that département and no other subject does; a sentence naming
// none belongs to the primary convention, if the document has one.
bool about(const Sentence& s, const std::string& code, const Subjects& subjects) {
  if (subjects.codes.size() <= 1) return true;
  const std::set<std::string>& named = s.departements;
  if (is_corsica_pair(named) && named.count(code)) return true;
  const bool names_other = std::any_of(subjects.codes.begin(), subjects.codes.end(),
                                       [&](const std::string& o) { return o != code && named.count(o); });
  if (named.count(code)) return !names_other;
  // A sentence naming none belongs to the département its section is about ("Dans l'Aude, ..."
  // then sentences without a name), else to the document's own convention.
  const std::string& owner = s.section_departement.empty() ? subjects.primary : s.section_departement;
  const bool primary = code == owner || (is_corsica_pair({owner, code}) && subjects.codes.size() == 2);
  return !names_other && primary;
}

// For a document about several départements: what each sentence names (scanned once), and its
// section département, the last subject named alone before it, within a run of sentences that
// continues until another subject is named alone.
void assign_sections(std::vector<Sentence>& sentences, const Subjects& subjects) {
  std::string current;
  for (Sentence& s : sentences) {
    s.departements = codes_in(s.text);
    std::set<std::string> named;
    for (const std::string& c : s.departements)
      if (std::find(subjects.codes.begin(), subjects.codes.end(), c) != subjects.codes.end()) named.insert(c);
    if (named.size() == 1) current = *named.begin();
    else if (named.size() > 1) current.clear();  // an enumeration: no section until one is named again
    s.section_departement = current;
  }
}

// A sentence that names this département among several subjects (for facts that carry their
// own département, like "préfet des Yvelines" or "1,3 M€ aux Yvelines").
bool names(const Sentence& s, const std::string& code) { return s.departements.count(code) > 0; }

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

// The date the convention (or, with `amendment`, an avenant) was signed: in a signing sentence,
// the date nearest a signing word that signs that kind of agreement.
std::optional<Date> signature_date(const std::vector<Sentence>& sentences, const std::string& code,
                                   const Subjects& subjects, std::optional<Date> ref, bool ref_is_estimate,
                                   bool amendment) {
  const AgreementKind wanted = amendment ? AgreementKind::amendment : AgreementKind::ours;
  for (const Sentence& s : sentences) {
    if (s.in_annex || !(about(s, code, subjects) || names(s, code))) continue;
    const std::vector<Signing> signs = signings(s.folded);
    if (signs.empty()) continue;
    const extract_detail::FoldedText ft(s.text);
    const std::vector<DateMention> dates = find_dates(s.text, ref);
    if (!about(s, code, subjects) && dates.size() >= 2) {
      // "l'Aude le 28 juin, le Gard le 4 juillet et les Pyrénées-Orientales le 9 juillet":
      // each département takes the date that follows it, before the next one.
      if (auto d = paired_date(s.text, dates, code, subjects, ref)) return d;
      continue;
    }
    for (const Signing& g : signs) {
      const AgreementKind k = g.agreement == AgreementKind::none ? AgreementKind::ours : g.agreement;
      if (k != wanted) continue;
      const std::size_t sign_orig = ft.original_offset(g.pos);
      std::optional<Date> best;
      std::size_t best_dist = std::string::npos;
      for (const DateMention& d : dates) {
        if (d.month_only || d.date.year < 2018) continue;
        if (ref_is_estimate && d.relative) continue;  // "aujourd'hui" needs a real date
        if (ref && d.date > *ref) continue;  // a signature is not after its own announcement
        const std::string prefix = fold(std::string_view(s.text).substr(d.begin >= 25 ? d.begin - 25 : 0,
                                                                        d.begin >= 25 ? 25 : d.begin));
        if (contains_any(prefix, {"annonce", "annoncee", "presentee", "presente", "lancee", "lance", "avant",
                                  "jusqu'au", "depuis", "seance", "deliberation"}))
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
      if (!best && !ref_is_estimate) best = bare_weekday_after(s.folded, g.pos, ref);
      if (best) return best;
    }
  }
  return std::nullopt;
}

std::optional<Period> document_period(const std::vector<Sentence>& sentences) {
  for (const Sentence& s : sentences) {
    const auto ps = find_periods(s.text);
    if (!ps.empty()) return ps.front().period;
  }
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
std::optional<Date> signature_block_date(const std::vector<Sentence>& sentences) {
  for (const Sentence& s : sentences) {
    if (!starts_signature_block(s)) continue;
    for (const DateMention& d : find_dates(s.text))
      if (d.year_stated && !d.month_only) return d.date;
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
  std::string a = fold(text.substr(p.end, 60));
  while (!a.empty() && (a.front() == ' ' || a.front() == ',')) a.erase(a.begin());
  for (std::string_view w : {"a assiste", "assistait", "etait present", "avait fait le deplacement",
                             "a fait le deplacement", "est venu", "est venue", "pour assister"})
    if (a.starts_with(w)) return true;
  return false;
}

std::vector<Signatory> signatories(const std::vector<Sentence>& sentences, const std::string& code,
                                   const Subjects& subjects) {
  std::vector<Signatory> out;
  std::set<std::string> seen;
  auto take = [&](std::string_view text, bool check_departement) {
    for (const PersonMention& p : find_people(text)) {
      if (is_witness(text, p)) continue;
      if (check_departement) {
        // several subjects in one sentence: the person's role names their département
        const std::set<std::string> role_codes = codes_in(text.substr(p.begin, p.end - p.begin));
        if (!role_codes.count(code)) continue;
      }
      if (seen.insert(fold(p.name)).second) out.push_back({p.name, p.role});
    }
  };
  // The signature block ("Fait à Strasbourg, le" then roles and names, one per line) is read
  // as one text: a role and its name often sit on separate lines.
  std::string block_text;
  std::string local_parties;
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
      block_text += s.text;
      block_text += ' ';
      continue;
    }
    if (s.in_annex) continue;
    if (!(is_signing_sentence(s) || is_party_clause(s))) {
      // "Jean-René Lecerf, président du Département, s'en est félicité": in a document about
      // one convention, its préfet and its président named elsewhere are its signatories.
      if (subjects.codes.size() == 1) local_parties.append(s.text).append("\n");
      continue;
    }
    if (about(s, code, subjects)) take(s.text, false);
    else if (names(s, code)) take(s.text, true);
  }
  if (!block_text.empty() && (subjects.codes.size() == 1 || code == subjects.primary)) take(block_text, false);
  if (!local_parties.empty()) {
    for (const PersonMention& p : find_people(local_parties)) {
      if (p.role != Role::prefet && p.role != Role::president_departement) continue;
      if (is_witness(local_parties, p)) continue;
      const std::set<std::string> role_codes =
          codes_in(std::string_view(local_parties).substr(p.begin, p.end - p.begin));
      if (!role_codes.empty() && !role_codes.count(code)) continue;  // another département's
      if (seen.insert(fold(p.name)).second) out.push_back({p.name, p.role});
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Funding

void add_unique(std::vector<FundingLine>& v, const FundingLine& f) {
  if (std::find(v.begin(), v.end(), f) == v.end()) v.push_back(f);
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
                                 const Subjects& subjects, FundingContext ctx) {
  std::vector<FundingLine> out;
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    const Sentence& s = sentences[i];
    if (s.in_annex) continue;
    const bool own = about(s, code, subjects);
    if (!own && !names(s, code)) continue;
    const SentenceFunding sf = funding_in_sentence(sentences, i, ctx);
    ctx.previous_year = sf.year;  // the next sentence's counterpart amount
    for (const LocatedFunding& l : sf.lines) {
      if (!own) {
        // "1,3 M€ aux Yvelines et 1,1 M€ aux Hauts-de-Seine": the département after the amount
        if (!codes_in(std::string_view(s.text).substr(l.stretch_begin, l.stretch_end - l.stretch_begin)).count(code))
          continue;
      }
      add_unique(out, l.line);
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
  std::vector<Sentence> sentences = extract_detail::document_sentences(doc);
  ex.relevant = is_relevant(sentences, fold(doc.title));
  if (!ex.relevant) return ex;
  const Subjects subjects = subject_departements(sentences, doc);
  if (subjects.codes.empty()) {
    ex.warnings.push_back("the document speaks of a convention but names no département");
    return ex;
  }
  if (subjects.codes.size() > 1) assign_sections(sentences, subjects);
  const std::optional<Period> period = document_period(sentences);
  std::optional<Date> ref = reference_date(doc);
  const bool ref_is_estimate = !ref && period;
  if (ref_is_estimate) ref = Date{period->start, 12, 31};  // completes "le 28 juin" only
  const bool amendment_doc = is_amendment_document(sentences, doc);
  const std::optional<int> avenant_year = amendment_year(sentences);
  const std::vector<Measure> measures = find_measures(doc.plain_text());
  std::vector<FundingLine> table_funding;
  const std::vector<Action> actions = extract_detail::read_annex_actions(doc, ex.warnings, &table_funding);

  for (const std::string& code : subjects.codes) {
    const bool own = subjects.codes.size() == 1 || code == subjects.primary ||
                     (subjects.codes.size() == 2 && is_corsica_pair({subjects.codes[0], subjects.codes[1]}));
    ConventionFacts c;
    c.departement = code;
    c.period = period;
    c.signed_on = signature_date(sentences, code, subjects, ref, ref_is_estimate, false);
    if (!c.signed_on && own && !amendment_doc) c.signed_on = signature_block_date(sentences);
    if (auto avenant = signature_date(sentences, code, subjects, ref, ref_is_estimate, true)) {
      Amendment a;
      a.signed_on = avenant;
      a.year = avenant_year;
      c.amendments.push_back(std::move(a));
    }
    c.signatories = signatories(sentences, code, subjects);
    FundingContext ctx;
    ctx.document_period = period;
    // Conventions signed late in a year start the next one (December 2018 → 2019).
    if (ref && !ref_is_estimate) ctx.current_year = ref->year;
    if (const std::optional<Date> when = c.signed_on ? c.signed_on : (ref_is_estimate ? std::nullopt : ref))
      ctx.first_year = when->month >= 10 ? when->year + 1 : when->year;
    if (amendment_doc) ctx.fallback_year = avenant_year;
    c.funding = funding(sentences, code, subjects, ctx);
    if (own)
      for (const FundingLine& l : table_funding) add_unique(c.funding, l);
    if (subjects.codes.size() == 1) {
      c.measures = measures;
    } else {
      std::string text;  // the sentences about this convention
      for (const Sentence& s : sentences)
        if (about(s, code, subjects)) text.append(s.text).append("\n");
      c.measures = find_measures(text);
      if (c.measures.empty() && subjects.primary.empty()) c.measures = measures;
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
