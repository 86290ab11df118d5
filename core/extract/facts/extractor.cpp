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

#include "facts/annex_tables.hpp"
#include "facts/folded_text.hpp"
#include "facts/sentences.hpp"

namespace conventiond {
namespace {

using extract_detail::find_word;
using extract_detail::fold;
using extract_detail::Sentence;

bool contains(std::string_view folded, std::string_view w) {
  return find_word(folded, w) != std::string_view::npos;
}

bool contains_any(std::string_view folded, std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(), [&](std::string_view w) { return contains(folded, w); });
}

// ---------------------------------------------------------------------------------------------
// Relevance and signing sentences

bool is_relevant(const std::vector<Sentence>& sentences, const TextDocument& doc) {
  bool poverty = contains(fold(doc.title), "pauvrete");
  bool agreement = false;
  for (const Sentence& s : sentences) {
    poverty = poverty || contains(s.folded, "pauvrete");
    agreement = agreement || contains_any(s.folded, {"convention", "conventions", "contrat", "contrats",
                                                     "contractualisation", "avenant"});
  }
  return poverty && agreement;
}

// Position of a past or present signing word ("ont signé", "signature", "signent"), npos when
// the sentence has none or speaks of a future or planned signature.
std::size_t signing_position(std::string_view f) {
  if (contains_any(f, {"signera", "signeront", "signerons", "d'ici", "devrait", "devraient",
                       "prochainement", "sera signee", "seront signees", "a venir"}))
    return std::string_view::npos;
  std::size_t best = std::string_view::npos;
  for (std::string_view w : {"signe", "signee", "signes", "signees", "signent", "signature",
                             "signataire", "signataires", "signons", "paraphe"}) {
    const std::size_t p = find_word(f, w);
    if (p < best) best = p;
  }
  return best;
}

enum class AgreementKind { ours, amendment, other, none };

// The agreement a signing word speaks of: the nearest agreement noun before it, else after it.
AgreementKind signed_agreement(std::string_view f, std::size_t sign_pos) {
  struct Noun { std::string_view word; AgreementKind kind; };
  static constexpr std::array<Noun, 12> kNouns = {{
      {"convention", AgreementKind::ours}, {"conventions", AgreementKind::ours},
      {"contrat", AgreementKind::ours}, {"contrats", AgreementKind::ours},
      {"contractualisation", AgreementKind::ours}, {"avenant", AgreementKind::amendment},
      {"protocole", AgreementKind::other}, {"pacte", AgreementKind::other},
      {"charte", AgreementKind::other}, {"accord", AgreementKind::other},
      {"accords", AgreementKind::other}, {"partenariat", AgreementKind::other}}};
  std::size_t before_pos = 0;
  AgreementKind before = AgreementKind::none;
  std::size_t after_pos = std::string_view::npos;
  AgreementKind after = AgreementKind::none;
  for (const Noun& n : kNouns) {
    for (std::size_t p = find_word(f, n.word); p != std::string_view::npos; p = find_word(f, n.word, p + 1)) {
      if (p < sign_pos && (before == AgreementKind::none || p > before_pos)) {
        before = n.kind;
        before_pos = p;
      } else if (p > sign_pos && p < after_pos) {
        after = n.kind;
        after_pos = p;
      }
    }
  }
  return before != AgreementKind::none ? before : after;
}

bool is_signing_sentence(const Sentence& s) {
  const std::size_t p = signing_position(s.folded);
  if (p == std::string_view::npos) return false;
  const AgreementKind k = signed_agreement(s.folded, p);
  return k != AgreementKind::other;
}

// A signing sentence about an avenant (yearly amendment) rather than the convention itself.
bool is_amendment_signing(const Sentence& s) {
  const std::size_t p = signing_position(s.folded);
  return p != std::string_view::npos && signed_agreement(s.folded, p) == AgreementKind::amendment;
}

// "Le Département du Bas-Rhin, représenté par ..." : a party clause of the convention itself.
bool is_party_clause(const Sentence& s) {
  return contains_any(s.folded, {"represente par", "representee par", "represente", "representee"}) &&
         s.folded.find("represent") != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// Reference date (publication, dateline "Arras, le 18 décembre 2018")

std::optional<Date> reference_date(const TextDocument& doc) {
  if (doc.published_on) return doc.published_on;
  const std::size_t n = std::min<std::size_t>(doc.blocks.size(), 8);
  for (std::size_t b = 0; b < n; ++b) {
    const std::string& t = doc.blocks[b].text;
    if (t.size() > 80) continue;
    for (const DateMention& d : find_dates(t)) {
      if (!d.year_stated || d.month_only) continue;
      const std::string before = fold(std::string_view(t).substr(0, d.begin));
      if (doc.blocks[b].kind == BlockKind::dateline || before.ends_with(", le ") ||
          before.ends_with(",le ") || before.ends_with(", ") || before.empty())
        return d.date;
    }
  }
  return doc.updated_on;
}

// ---------------------------------------------------------------------------------------------
// Funding

struct FunderWord {
  std::size_t pos;
  std::size_t end;
  Funder funder;
};

std::vector<FunderWord> funder_words(std::string_view f, std::string_view original) {
  struct Kw { std::string_view word; Funder funder; bool needs_capital; };
  static constexpr std::array<Kw, 18> kKeywords = {{
      {"etat", Funder::etat, true},
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
      {"l'etat", Funder::etat, false}}};
  extract_detail::FoldedText ft(original);
  std::vector<FunderWord> out;
  for (const Kw& k : kKeywords) {
    for (std::size_t p = find_word(f, k.word); p != std::string_view::npos; p = find_word(f, k.word, p + 1)) {
      const bool after_elision = p >= 2 && f[p - 1] == '\'' && f[p - 2] == 'l';
      if (k.needs_capital && !ft.is_upper_at(p) && !after_elision) continue;
      out.push_back({p, p + k.word.size(), k.funder});
    }
  }
  std::sort(out.begin(), out.end(), [](const FunderWord& a, const FunderWord& b) { return a.pos < b.pos; });
  return out;
}

std::optional<Funder> first_funder(const Sentence& s) {
  const auto words = funder_words(s.folded, s.text);
  for (const FunderWord& w : words)
    if (w.funder != Funder::total) return w.funder;
  return std::nullopt;
}

// "ce soutien", "cette contribution": the funder of the sentence that introduced the noun.
std::optional<Funder> anaphora_funder(const std::vector<Sentence>& all, std::size_t i) {
  static constexpr std::array<std::string_view, 7> kNouns = {
      "soutien", "contribution", "financement", "aide", "enveloppe", "participation", "dotation"};
  const Sentence& s = all[i];
  for (std::string_view noun : kNouns) {
    const std::string ce = (noun == "soutien" || noun == "financement") ? "ce " + std::string(noun)
                                                                        : "cette " + std::string(noun);
    if (!contains(s.folded, ce)) continue;
    for (std::size_t k = i; k-- > 0 && i - k <= 6;) {
      if (!contains(all[k].folded, noun)) continue;
      if (auto f = first_funder(all[k])) return f;
    }
  }
  return std::nullopt;
}

// The one funding year a sentence speaks of ("Pour l'année 2019", "au titre de 2019").
std::optional<int> sentence_year(const Sentence& s) {
  if (!find_periods(s.text).empty()) return std::nullopt;
  std::set<int> years;
  const std::string& f = s.folded;
  for (std::size_t i = 0; i + 4 <= f.size(); ++i) {
    if (i > 0 && (std::isdigit(static_cast<unsigned char>(f[i - 1])) || f[i - 1] == '/')) continue;
    if (!std::all_of(f.begin() + static_cast<std::ptrdiff_t>(i), f.begin() + static_cast<std::ptrdiff_t>(i + 4),
                     [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    if (i + 4 < f.size() && std::isdigit(static_cast<unsigned char>(f[i + 4]))) continue;
    // a year in a date ("27 juin 2019") says when, not for which year
    const std::string_view before = std::string_view(f).substr(i >= 12 ? i - 12 : 0, i >= 12 ? 12 : i);
    static constexpr std::array<std::string_view, 12> kMonths = {
        "janvier ", "fevrier ", "mars ", "avril ", "mai ", "juin ", "juillet ", "aout ", "septembre ",
        "octobre ", "novembre ", "decembre "};
    if (std::any_of(kMonths.begin(), kMonths.end(), [&](std::string_view m) { return before.ends_with(m); }))
      continue;
    const int y = std::stoi(f.substr(i, 4));
    if (y >= 2018 && y <= 2030) years.insert(y);
  }
  if (years.size() == 1) return *years.begin();
  return std::nullopt;
}

void add_unique(std::vector<FundingLine>& v, const FundingLine& f) {
  if (std::find(v.begin(), v.end(), f) == v.end()) v.push_back(f);
}

void funding_from_sentence(const std::vector<Sentence>& all, std::size_t i,
                           std::optional<Period> doc_period, std::vector<FundingLine>& out) {
  const Sentence& s = all[i];
  const std::vector<AmountMention> amounts = find_amounts(s.text);
  if (amounts.empty()) return;
  const auto words = funder_words(s.folded, s.text);
  extract_detail::FoldedText ft(s.text);
  // folded position of an original offset
  auto folded_pos = [&](std::size_t orig) {
    std::size_t lo = 0, hi = ft.text().size();
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (ft.original_offset(mid) < orig) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  const std::optional<int> year = sentence_year(s);
  std::size_t segment_start = 0;
  for (std::size_t a = 0; a < amounts.size(); ++a) {
    const AmountMention& m = amounts[a];
    const std::size_t mb = folded_pos(m.begin);
    const std::size_t me = folded_pos(m.end);
    std::optional<Funder> funder;
    for (const FunderWord& w : words)
      if (w.pos >= segment_start && w.end <= mb) funder = w.funder;
    if (!funder) {
      // "240 000 € par an pour l'Etat": the funder right after the amount
      const std::size_t next = a + 1 < amounts.size() ? folded_pos(amounts[a + 1].begin) : s.folded.size();
      for (const FunderWord& w : words)
        if (w.pos >= me && w.pos < next && w.pos < me + 30 && w.funder != Funder::total) {
          funder = w.funder;
          break;
        }
    }
    if (!funder) funder = anaphora_funder(all, i);
    segment_start = me;
    if (!funder) continue;
    FundingLine line;
    line.funder = *funder;
    line.amount_eur = m.amount_eur;
    line.qualifier = m.qualifier;
    line.year = year;
    line.per_year = m.per_year;
    const std::vector<PeriodMention> sp = find_periods(s.text);
    const std::optional<Period> period = !sp.empty() ? std::optional<Period>(sp.front().period) : doc_period;
    if (m.per_year && period && !year) {
      for (int y = period->start; y <= period->end; ++y) {
        line.year = y;
        add_unique(out, line);
      }
      continue;
    }
    add_unique(out, line);
  }
}

// ---------------------------------------------------------------------------------------------
// Per-convention assembly

struct SubjectEvidence {
  std::set<std::string> codes;
};

std::set<std::string> codes_in(const std::string& text) {
  std::set<std::string> out;
  for (const DepartementMention& m : find_departement_mentions(text)) out.insert(m.code);
  return out;
}

std::vector<std::string> subject_departements(const std::vector<Sentence>& sentences, const TextDocument& doc) {
  std::vector<std::string> ordered;
  auto add = [&](const std::string& c) {
    if (std::find(ordered.begin(), ordered.end(), c) == ordered.end()) ordered.push_back(c);
  };
  for (const Sentence& s : sentences) {
    if (s.in_annex) continue;
    if (is_signing_sentence(s) || is_party_clause(s))
      for (const DepartementMention& m : find_departement_mentions(s.text)) add(m.code);
  }
  if (!ordered.empty()) return ordered;
  for (const DepartementMention& m : find_departement_mentions(doc.title)) add(m.code);
  if (!ordered.empty()) return ordered;
  // The département most often named as an institution.
  std::map<std::string, int> counts;
  for (const Sentence& s : sentences)
    for (const DepartementMention& m : find_departement_mentions(s.text))
      if (m.institutional) ++counts[m.code];
  int best = 0;
  std::string code;
  for (const auto& [c, n] : counts)
    if (n > best) { best = n; code = c; }
  if (!code.empty()) ordered.push_back(code);
  return ordered;
}

// Does sentence s speak of this convention? With one subject, every sentence does; with
// several, only a sentence naming that département and no other subject.
bool about(const Sentence& s, const std::string& code, const std::vector<std::string>& subjects) {
  if (subjects.size() <= 1) return true;
  const std::set<std::string> named = codes_in(s.text);
  if (!named.count(code)) return false;
  return std::none_of(subjects.begin(), subjects.end(),
                      [&](const std::string& o) { return o != code && named.count(o); });
}

// The date the convention (or, with `amendment`, an avenant) was signed.
std::optional<Date> signature_date(const std::vector<Sentence>& sentences, const std::string& code,
                                   const std::vector<std::string>& subjects, std::optional<Date> ref,
                                   bool amendment) {
  for (const Sentence& s : sentences) {
    if (s.in_annex || !is_signing_sentence(s) || !about(s, code, subjects)) continue;
    if (is_amendment_signing(s) != amendment) continue;
    const std::size_t sign = signing_position(s.folded);
    extract_detail::FoldedText ft(s.text);
    const std::size_t sign_orig = ft.original_offset(sign);
    std::optional<Date> best;
    std::size_t best_dist = std::string::npos;
    for (const DateMention& d : find_dates(s.text, ref)) {
      if (d.month_only) continue;
      if (d.date.year < 2018) continue;
      if (ref && d.date > *ref) continue;  // a signature is not after its own announcement
      // "annoncée le", "présentée le": another event's date
      const std::string before = fold(std::string_view(s.text).substr(d.begin >= 25 ? d.begin - 25 : 0,
                                                                       d.begin >= 25 ? 25 : d.begin));
      if (contains_any(before, {"annonce", "annoncee", "presentee", "presente", "lancee", "lance", "avant",
                                "jusqu'au", "depuis"}))
        continue;
      const std::size_t dist = d.begin > sign_orig ? d.begin - sign_orig : sign_orig - d.end;
      if (dist < best_dist) {
        best_dist = dist;
        best = d.date;
      }
    }
    if (best) return best;
  }
  return std::nullopt;
}

std::optional<Period> document_period(const std::vector<Sentence>& sentences) {
  for (const Sentence& s : sentences) {
    const auto ps = find_periods(s.text);
    if (ps.empty()) continue;
    return ps.front().period;
  }
  return std::nullopt;
}

// "avenant 2020", "avenant n°2 ... pour l'année 2021": the year an avenant is for.
std::optional<int> amendment_year(const std::vector<Sentence>& sentences) {
  for (const Sentence& s : sentences) {
    const std::size_t p = find_word(s.folded, "avenant");
    if (p == std::string_view::npos) continue;
    const std::string_view after = std::string_view(s.folded).substr(p, 40);
    for (std::size_t i = 0; i + 4 <= after.size(); ++i) {
      if (!std::all_of(after.begin() + static_cast<std::ptrdiff_t>(i), after.begin() + static_cast<std::ptrdiff_t>(i + 4),
                       [](char ch) { return ch >= '0' && ch <= '9'; }))
        continue;
      const int y = (after[i] - '0') * 1000 + (after[i + 1] - '0') * 100 + (after[i + 2] - '0') * 10 + (after[i + 3] - '0');
      if (y >= 2019 && y <= 2030) return y;
    }
    if (auto y = sentence_year(s)) return y;
  }
  return std::nullopt;
}

// Signature block: the blocks after "Fait à ..., le".
bool starts_signature_block(const Sentence& s) {
  return s.folded.rfind("fait a ", 0) == 0 || s.folded.rfind("fait en ", 0) == 0 ||
         s.folded.rfind("fait le ", 0) == 0;
}

std::vector<Signatory> signatories(const std::vector<Sentence>& sentences, const std::string& code,
                                   const std::vector<std::string>& subjects) {
  std::vector<Signatory> out;
  std::set<std::string> seen;
  auto take = [&](const std::string& text) {
    for (const PersonMention& p : find_people(text)) {
      const std::string key = fold(p.name);
      if (seen.insert(key).second) out.push_back({p.name, p.role});
    }
  };
  // The signature block ("Fait à Strasbourg, le" then roles and names, one per line) is read
  // as one text: a role and its name often sit on separate lines.
  std::string block_text;
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
    if ((is_signing_sentence(s) || is_party_clause(s)) && about(s, code, subjects)) take(s.text);
  }
  if (!block_text.empty()) take(block_text);
  return out;
}

}  // namespace

Extraction extract_conventions(TextDocument document) {
  Extraction ex;
  ex.document = std::move(document);
  const TextDocument& doc = ex.document;
  const std::vector<Sentence> sentences = extract_detail::document_sentences(doc);
  ex.relevant = is_relevant(sentences, doc);
  if (!ex.relevant) return ex;
  const std::vector<std::string> subjects = subject_departements(sentences, doc);
  if (subjects.empty()) {
    ex.warnings.push_back("the document speaks of a convention but names no département");
    return ex;
  }
  const std::optional<Date> ref = reference_date(doc);
  const std::optional<Period> period = document_period(sentences);
  const std::vector<Measure> measures = find_measures(doc.plain_text());
  const std::vector<Action> actions = extract_detail::read_annex_actions(doc, ex.warnings);

  for (const std::string& code : subjects) {
    ConventionFacts c;
    c.departement = code;
    c.period = period;
    c.measures = measures;
    c.signed_on = signature_date(sentences, code, subjects, ref, false);
    if (auto avenant = signature_date(sentences, code, subjects, ref, true)) {
      Amendment a;
      a.signed_on = avenant;
      a.year = amendment_year(sentences);
      c.amendments.push_back(std::move(a));
    }
    c.signatories = signatories(sentences, code, subjects);
    for (std::size_t i = 0; i < sentences.size(); ++i) {
      if (sentences[i].in_annex || !about(sentences[i], code, subjects)) continue;
      funding_from_sentence(sentences, i, period, c.funding);
    }
    if (subjects.size() == 1) c.actions = actions;
    ex.conventions.push_back(std::move(c));
  }
  return ex;
}

std::string sniff_media_type(std::string_view bytes, std::string_view declared) {
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
  const std::string media = sniff_media_type(bytes, content_type);
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
