#include "facts/agreements.hpp"

#include <algorithm>
#include <array>

#include "facts/folded_text.hpp"

namespace conventiond::extract_detail {
namespace {

struct Noun {
  std::string_view word;
  AgreementKind kind;
};

constexpr std::array<Noun, 16> kNouns = {{
    {"convention", AgreementKind::ours},       {"conventions", AgreementKind::ours},
    {"contrat", AgreementKind::ours},          {"contrats", AgreementKind::ours},
    {"contractualisation", AgreementKind::ours}, {"avenant", AgreementKind::amendment},
    {"avenants", AgreementKind::amendment},    {"protocole", AgreementKind::other},
    {"pacte", AgreementKind::other},           {"charte", AgreementKind::other},
    {"accord", AgreementKind::other},          {"accords", AgreementKind::other},
    {"partenariat", AgreementKind::other},     {"protocoles", AgreementKind::other},
    {"plan", AgreementKind::none},             {"plans", AgreementKind::none},
}};

// Complements that make "convention" / "contrat" another instrument.
constexpr std::array<std::string_view, 24> kOtherQualifiers = {
    " de ville",        " de gestion",        " de partenariat",    " d'objectifs",
    " pluriannuelle",   " territoriale globale", " de mandat",      " de service",
    " de delegation",   " d'occupation",      " de mise a disposition", " local de sante",
    " locaux de sante", " de plan",           " de projet",         " de ruralite",
    " d'engagement reciproque", " aide",      " aides",             " de travail",
    " de prestation",   " collective",        " de financement de la politique de la ville",
    " de cooperation"};

std::size_t find_any_word(std::string_view f, std::initializer_list<std::string_view> words) {
  std::size_t best = std::string_view::npos;
  for (std::string_view w : words) best = std::min(best, find_word(f, w));
  return best;
}

// The agreement signed at `sign_pos`: the nearest agreement noun before it, else after it.
AgreementKind signed_agreement(std::string_view f, std::size_t sign_pos) {
  std::size_t before_pos = 0;
  AgreementKind before = AgreementKind::none;
  bool has_before = false;
  std::size_t after_pos = std::string_view::npos;
  AgreementKind after = AgreementKind::none;
  for (const Noun& n : kNouns) {
    if (n.kind == AgreementKind::none) continue;
    for (std::size_t p = find_word(f, n.word); p != std::string_view::npos; p = find_word(f, n.word, p + 1)) {
      const AgreementKind k = agreement_noun_kind(f, p, n.word);
      if (p < sign_pos && (!has_before || p > before_pos)) {
        before = k;
        before_pos = p;
        has_before = true;
      } else if (p > sign_pos && p < after_pos) {
        after = k;
        after_pos = p;
      }
    }
  }
  return has_before ? before : after;
}

}  // namespace

AgreementKind agreement_noun_kind(std::string_view f, std::size_t pos, std::string_view noun) {
  AgreementKind kind = AgreementKind::none;
  for (const Noun& n : kNouns)
    if (n.word == noun) kind = n.kind;
  if (kind != AgreementKind::ours) return kind;
  const std::string_view rest = f.substr(pos + noun.size(), 60);
  for (std::string_view q : kOtherQualifiers)
    if (rest.starts_with(q) && (rest.size() == q.size() || !is_word_byte(rest[q.size()])))
      return AgreementKind::other;
  // The other party: an agreement with a métropole, the CAF or Pôle emploi is not the
  // State–département convention ("entre l'État et Bordeaux Métropole", "avec la CAF").
  const std::string_view window = f.substr(pos + noun.size(), 140);
  const std::size_t dep = window.find("departement");
  for (std::string_view party : {" metropole", "avec la caf", "et la caf", "avec pole emploi", "et pole emploi",
                                 "caisse d'allocations familiales", "avec l'association", "avec la ville"}) {
    const std::size_t at = window.find(party);
    if (at != std::string_view::npos && (dep == std::string_view::npos || at < dep)) return AgreementKind::other;
  }
  return kind;
}

std::vector<Signing> signings(std::string_view f) {
  std::vector<Signing> out;
  if (f.find("sign") == std::string_view::npos && f.find("paraphe") == std::string_view::npos) return out;
  // "sera signée le 15 juillet prochain", "d'ici la fin juin", "signera": a future signing
  if (find_any_word(f, {"signera", "signeront", "signerons", "d'ici", "devrait", "devraient",
                        "prochainement"}) != std::string_view::npos ||
      f.find("sera signe") != std::string_view::npos || f.find("seront signe") != std::string_view::npos ||
      f.find("doit etre signe") != std::string_view::npos || f.find("doivent etre signe") != std::string_view::npos)
    return out;
  static constexpr std::array<std::string_view, 10> kWords = {
      "signe", "signee", "signes", "signees", "signent", "signature", "signataire", "signataires", "signons", "paraphe"};
  for (std::string_view w : kWords)
    for (std::size_t p = find_word(f, w); p != std::string_view::npos; p = find_word(f, w, p + 1))
      out.push_back({p, signed_agreement(f, p)});
  std::sort(out.begin(), out.end(), [](const Signing& a, const Signing& b) { return a.pos < b.pos; });
  return out;
}

bool is_signing_sentence(const Sentence& s) {
  const auto all = signings(s.folded);
  return std::any_of(all.begin(), all.end(), [](const Signing& g) { return g.agreement != AgreementKind::other; });
}

bool is_party_clause(const Sentence& s) {
  return s.folded.find("represente par") != std::string::npos ||
         s.folded.find("representee par") != std::string::npos;
}

bool is_relevant(const std::vector<Sentence>& sentences, std::string_view folded_title) {
  auto about_poverty = [](std::string_view f) {
    return find_word(f, "pauvrete") != std::string_view::npos || f.find("convention d'appui") != std::string_view::npos ||
           find_word(f, "strategie") != std::string_view::npos;
  };
  // Poverty named in the title or a heading speaks for the whole document.
  bool poverty_heading = about_poverty(folded_title);
  for (const Sentence& s : sentences)
    if ((s.kind == BlockKind::title || s.kind == BlockKind::heading || s.folded.size() < 120) && about_poverty(s.folded))
      poverty_heading = true;
  // Our agreement named in a sentence; "la convention", "cette convention" refer back to the
  // last agreement explicitly named, which may be another one ("convention de partenariat").
  AgreementKind last_named = AgreementKind::none;
  auto ours_in = [&](std::string_view f) {
    bool found = false;
    for (const Noun& n : kNouns) {
      if (n.kind != AgreementKind::ours && n.kind != AgreementKind::amendment) continue;
      for (std::size_t p = find_word(f, n.word); p != std::string_view::npos; p = find_word(f, n.word, p + 1)) {
        const AgreementKind k = agreement_noun_kind(f, p, n.word);
        const std::string_view after = f.substr(p + n.word.size(), 60);
        const bool qualified = k == AgreementKind::other || after.starts_with(" d'appui") ||
                               after.find("pauvrete") != std::string_view::npos || after.starts_with(" de lutte");
        const std::string_view b = f.substr(p >= 9 ? p - 9 : 0, p >= 9 ? 9 : p);
        const bool back_reference = !qualified && (b.ends_with("cette ") || b.ends_with("presente ") ||
                                                   b.ends_with("ladite ") || b.ends_with("cet ") ||
                                                   b.ends_with("la ") || b.ends_with("les ") || b.ends_with("le "));
        if (qualified) last_named = k;
        if (k == AgreementKind::other) continue;
        if (back_reference && last_named == AgreementKind::other) continue;
        found = true;
      }
    }
    for (const Noun& n : kNouns)  // other agreements named in this text become the reference
      if (n.kind == AgreementKind::other && find_word(f, n.word) != std::string_view::npos && !found)
        last_named = AgreementKind::other;
    return found;
  };
  if (ours_in(folded_title) && poverty_heading) return true;
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    if (!ours_in(sentences[i].folded)) continue;
    const bool near = about_poverty(sentences[i].folded) ||
                      (i > 0 && about_poverty(sentences[i - 1].folded)) ||
                      (i + 1 < sentences.size() && about_poverty(sentences[i + 1].folded));
    if (near || poverty_heading) return true;
  }
  return false;
}

}  // namespace conventiond::extract_detail
