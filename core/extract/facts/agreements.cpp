#include "facts/agreements.hpp"

#include <algorithm>
#include <array>

#include <conventiond/extract/dates.hpp>

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
constexpr std::array<std::string_view, 28> kOtherQualifiers = {
    " local des solidarites", " locaux des solidarites", " departemental des solidarites", " des solidarites",
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
      AgreementKind k = agreement_noun_kind(f, p, n.word);
      // "l'avenant à la convention ... signée le 5 juillet 2019": the feminine participle agrees
      // with the convention, not with the (masculine) avenant
      if (k == AgreementKind::amendment && n.word.starts_with("convention") && p < sign_pos &&
          f.substr(sign_pos).starts_with("signee"))
        k = AgreementKind::ours;
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
  if (kind == AgreementKind::amendment) {
    // "l'avenant au contrat de ville", "avenant n°2 à la convention de gestion": the avenant of
    // another agreement is that other agreement's
    const std::string_view rest = f.substr(pos + noun.size(), 40);
    for (std::string_view head : {"convention", "contrat"}) {
      const std::size_t h = find_word(rest, head);
      if (h == std::string_view::npos || h > 22) continue;
      const std::string_view link = rest.substr(0, h);
      if (link.find(',') != std::string_view::npos || link.find('.') != std::string_view::npos) continue;
      if (agreement_noun_kind(f, pos + noun.size() + h, head) == AgreementKind::other) return AgreementKind::other;
    }
    return kind;
  }
  if (kind == AgreementKind::ours) {
    // "un avenant à la convention", "l'avenant n°1 de la convention": the avenant is the head
    const std::string_view b = f.substr(pos >= 30 ? pos - 30 : 0, pos >= 30 ? 30 : pos);
    const std::size_t a = b.rfind("avenant");
    if (a != std::string_view::npos) {
      std::string_view link = b.substr(a + 7);
      if (link.starts_with("s")) link.remove_prefix(1);
      const bool only_link = link.find(',') == std::string_view::npos && link.find('.') == std::string_view::npos &&
                             link.size() <= 18 &&
                             (link.ends_with(" a la ") || link.ends_with(" au ") || link.ends_with(" de la ") ||
                              link.ends_with(" du ") || link.ends_with(" a ") || link.ends_with(" de "));
      if (only_link && agreement_kind_of_complement(f, pos, noun) != AgreementKind::other) return AgreementKind::amendment;
    }
  }
  return agreement_kind_of_complement(f, pos, noun);
}

AgreementKind agreement_kind_of_complement(std::string_view f, std::size_t pos, std::string_view noun) {
  AgreementKind kind = AgreementKind::none;
  for (const Noun& n : kNouns)
    if (n.word == noun) kind = n.kind;
  // "l'État et le Département ont scellé leur partenariat": the parties' own partnership, not a
  // named agreement ("convention de partenariat", "partenariat avec la CAF")
  if (noun == "partenariat" && pos >= 5 && f.substr(pos - 5, 5) == "leur ") {
    const std::string_view rest = f.substr(pos + noun.size(), 30);
    if (!rest.starts_with(" avec") && !rest.starts_with(" pour la") && !rest.starts_with(" sur")) return AgreementKind::none;
  }
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

bool names_other_programme(std::string_view f) {
  static constexpr std::array<std::string_view, 14> kOthers = {
      "pacte des solidarites",        "pacte local des solidarites", "pactes locaux des solidarites",
      "contrat local des solidarites", "contrats locaux des solidarites", "france relance",
      "plan de relance",              "contrat de ville",            "contrats de ville",
      "grand froid",                  "convention territoriale globale", "conventions territoriales globales",
      "securite routiere",            "plan hiver"};
  return std::any_of(kOthers.begin(), kOthers.end(), [&](std::string_view o) { return f.find(o) != std::string_view::npos; });
}

// The convention of this programme named in full: no other programme's agreement is meant.
bool names_our_programme(std::string_view f) {
  return f.find("convention d'appui") != std::string_view::npos ||
         f.find("convention departementale d'appui") != std::string_view::npos ||
         f.find("pauvrete et d'acces a l'emploi") != std::string_view::npos ||
         find_word(f, "calpae") != std::string_view::npos || find_word(f, "calpe") != std::string_view::npos;
}

std::vector<Signing> signings(std::string_view f) {
  std::vector<Signing> out;
  if (f.find("sign") == std::string_view::npos && f.find("paraphe") == std::string_view::npos &&
      f.find("officialis") == std::string_view::npos && f.find("scell") == std::string_view::npos)
    return out;
  // "sera signée le 15 juillet prochain", "d'ici la fin juin", "signera": a future signing
  if (find_any_word(f, {"signera", "signeront", "signerons", "d'ici", "devrait", "devraient",
                        "prochainement"}) != std::string_view::npos ||
      f.find("sera signe") != std::string_view::npos || f.find("seront signe") != std::string_view::npos ||
      f.find("doit etre signe") != std::string_view::npos || f.find("doivent etre signe") != std::string_view::npos)
    return out;
  // "ont officialisé ce vendredi le déploiement du plan", "ont scellé leur partenariat": the act
  // that binds the parties, whatever its verb
  static constexpr std::array<std::string_view, 17> kWords = {
      "signe", "signee", "signes", "signees", "signent", "signature", "signataire", "signataires", "signons", "paraphe",
      "officialise", "officialisee", "officialisent", "officialisation", "scelle", "scellee", "scellent"};
  // "Le préfet du Rhône et le président de la Métropole de Lyon ont signé la convention",
  // "le maire de X et le préfet ont signé": who signs is a métropole or a city, not the
  // département; "Pôle emploi et le Département ont signé une convention": an operator and the
  // département, without the State. Another agreement, whatever its name.
  auto signed_by_other_party = [&](std::size_t p) {
    const std::string_view subject = f.substr(0, p);
    const bool metropole_or_city = find_word(subject, "metropole") != std::string_view::npos ||
                                   find_word(subject, "maire") != std::string_view::npos ||
                                   subject.find("la ville de") != std::string_view::npos;
    if (metropole_or_city && subject.find("departement") == std::string_view::npos) return true;
    const bool operator_party = subject.find("pole emploi") != std::string_view::npos ||
                                subject.find("france travail") != std::string_view::npos ||
                                find_word(subject, "caf") != std::string_view::npos ||
                                subject.find("caisse d'allocations") != std::string_view::npos;
    const bool state = find_any_word(subject, {"etat", "prefet", "prefete", "ministre", "secretaire",
                                               "haut-commissaire", "haute-commissaire", "gouvernement"}) !=
                       std::string_view::npos;
    return operator_party && !state;
  };
  for (std::string_view w : kWords)
    for (std::size_t p = find_word(f, w); p != std::string_view::npos; p = find_word(f, w, p + 1)) {
      AgreementKind k = signed_agreement(f, p);
      if ((k == AgreementKind::ours || k == AgreementKind::none) && signed_by_other_party(p)) k = AgreementKind::other;
      out.push_back({p, k});
    }
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
  // The title names the convention; unless the body signs another agreement and none of ours
  // ("la convention ... entre l'État et la Métropole de Lyon").
  if (ours_in(folded_title) && poverty_heading) {
    bool other_signing = false;
    bool our_signing = false;
    for (const Sentence& s : sentences) {
      if (s.kind == BlockKind::title) continue;  // the title itself
      const std::vector<Signing> signs = signings(s.folded);
      if (signs.empty()) continue;
      if (is_signing_sentence(s)) our_signing = true;
      else other_signing = true;
    }
    if (!other_signing || our_signing) return true;
  }
  // No agreement named, but the State and the département bind themselves on the poverty plan:
  // "le préfet de X et le président du Département ont officialisé le déploiement du plan
  // pauvreté", "l'État et le Département ont scellé leur partenariat" (not when the act is of
  // another, named agreement: a pacte, a protocole, a contrat de ville).
  if (poverty_heading)
    for (const Sentence& s : sentences) {
      const std::vector<Signing> signs = signings(s.folded);
      if (signs.empty() || !std::all_of(signs.begin(), signs.end(), [](const Signing& g) {
            return g.agreement == AgreementKind::none;
          }))
        continue;
      const bool state = find_word(s.folded, "etat") != std::string_view::npos ||
                         find_word(s.folded, "prefet") != std::string_view::npos ||
                         find_word(s.folded, "prefete") != std::string_view::npos;
      const bool departement = find_word(s.folded, "departement") != std::string_view::npos ||
                               s.folded.find("conseil departemental") != std::string_view::npos;
      if (state && departement && names_other_programme(s.folded) == false) return true;
    }
  // A dated signing of this programme's agreement ("ont signé le 2 juillet 2019 la convention"),
  // not in a sentence about another programme.
  auto dated_signing_of_ours = [&] {
    return std::any_of(sentences.begin(), sentences.end(), [](const Sentence& s) {
      return is_signing_sentence(s) && !(names_other_programme(s.folded) && !names_our_programme(s.folded)) &&
             !find_dates(s.text).empty();
    });
  };
  // A title naming another programme ("Contrat local des solidarités", "Plan grand froid")
  // speaks of it: this programme named in passing ("qui succède à la convention d'appui", "le
  // Département, signataire de la convention") does not make it about this one.
  if (names_other_programme(folded_title) && !names_our_programme(folded_title) && !dated_signing_of_ours())
    return false;
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    if (sentences[i].kind == BlockKind::title) continue;  // read by the title's rule above
    if (!ours_in(sentences[i].folded)) continue;
    // "Dans le cadre de France Relance, ... une convention pour soutenir la lutte contre la
    // pauvreté": a convention of another programme
    if (names_other_programme(sentences[i].folded) && !names_our_programme(sentences[i].folded)) continue;
    // "le président de la Métropole de Lyon ont signé la convention d'appui": a sentence whose
    // every signing is of another party's agreement does not make the document about ours
    if (const std::vector<Signing> signs = signings(sentences[i].folded);
        !signs.empty() && !is_signing_sentence(sentences[i]))
      continue;
    const bool near = about_poverty(sentences[i].folded) ||
                      (i > 0 && about_poverty(sentences[i - 1].folded)) ||
                      (i + 1 < sentences.size() && about_poverty(sentences[i + 1].folded));
    if (near || poverty_heading) return true;
  }
  return false;
}

}  // namespace conventiond::extract_detail
