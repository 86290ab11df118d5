#include <conventiond/extract/signatories.hpp>

#include <algorithm>
#include <array>
#include <optional>

#include "facts/folded_text.hpp"

namespace conventiond {
namespace {

using extract_detail::fold;

struct Token {
  std::string_view raw;  // original text
  std::string folded;
  std::size_t begin = 0;
  std::size_t end = 0;
  char sep_after = ' ';  // ',', ';', '.', ':', '\n', '(' ... or ' ' for plain space
  bool capitalized = false;
  bool all_caps = false;
};

bool is_letter_start(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0x80u; }
bool is_upper_start(std::string_view w) {
  if (w.empty()) return false;
  const auto c = static_cast<unsigned char>(w[0]);
  if (c >= 'A' && c <= 'Z') return true;
  if (c == 0xC3 && w.size() > 1) {  // À..Þ in UTF-8 are C3 80..C3 9E
    const auto d = static_cast<unsigned char>(w[1]);
    return d >= 0x80 && d <= 0x9E;
  }
  return false;
}
bool has_lower(std::string_view w) {
  for (std::size_t i = 0; i < w.size(); ++i) {
    const auto c = static_cast<unsigned char>(w[i]);
    if (c >= 'a' && c <= 'z') return true;
    if (c == 0xC3 && i + 1 < w.size() && static_cast<unsigned char>(w[i + 1]) >= 0x9F) return true;
  }
  return false;
}

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!is_letter_start(c) && !(c >= '0' && c <= '9')) {
      // separators: remember the strongest one after the previous token
      if (!out.empty()) {
        char s = static_cast<char>(c);
        if (s == ',' || s == ';' || s == '.' || s == ':' || s == '\n' || s == '(' || s == ')' ||
            s == '!' || s == '?' || s == '|') {
          if (out.back().sep_after == ' ') out.back().sep_after = s;
        } else if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(text[i + 2]) == 0x93 || static_cast<unsigned char>(text[i + 2]) == 0x94)) {
          if (out.back().sep_after == ' ') out.back().sep_after = ',';  // en/em dash
        }
      }
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size()) {
      const auto d = static_cast<unsigned char>(text[j]);
      if (is_letter_start(d) || (d >= '0' && d <= '9')) { ++j; continue; }
      // hyphen or apostrophe inside a word: "Jean-Luc", "d'État" (kept with the word)
      if ((d == '-' || d == '\'') && j + 1 < text.size() &&
          is_letter_start(static_cast<unsigned char>(text[j + 1]))) { ++j; continue; }
      if (d == 0xE2 && j + 3 < text.size() && static_cast<unsigned char>(text[j + 1]) == 0x80 &&
          static_cast<unsigned char>(text[j + 2]) == 0x99 && is_letter_start(static_cast<unsigned char>(text[j + 3]))) {
        j += 3;  // typographic apostrophe
        continue;
      }
      break;
    }
    // Elided article glued to a name: "d'Agnès", "l'Isère" -> "d'" + "Agnès" (the apostrophe
    // is one byte, or three for U+2019).
    if (j - i > 2 && (text[i] == 'd' || text[i] == 'D' || text[i] == 'l' || text[i] == 'L')) {
      const bool typographic = j - i > 4 && text.substr(i + 1, 3) == "\xE2\x80\x99";
      const std::size_t apostrophe = text[i + 1] == '\'' ? 1 : typographic ? 3 : 0;
      if (apostrophe > 0 && j - i > apostrophe + 1) {
        Token a;
        a.raw = text.substr(i, 1 + apostrophe);
        a.folded = fold(a.raw);
        a.begin = i;
        a.end = i + 1 + apostrophe;
        out.push_back(std::move(a));
        i += 1 + apostrophe;
      }
    }
    Token t;
    t.raw = text.substr(i, j - i);
    t.folded = fold(t.raw);
    t.begin = i;
    t.end = j;
    t.capitalized = is_upper_start(t.raw);
    t.all_caps = t.capitalized && !has_lower(t.raw) && t.raw.size() > 1;
    out.push_back(std::move(t));
    i = j;
  }
  return out;
}

bool in(std::string_view w, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), w) != set.end();
}

// Capitalised words that are never part of a person's name.
bool is_institutional(std::string_view f) {
  return in(f, {"le", "la", "les", "l'", "du", "de", "des", "d'", "et", "en", "a", "au", "aux",
                "prefet", "prefete", "president", "presidente", "vice-president", "vice-presidente",
                "ministre", "secretaire", "delegue", "deleguee", "conseil", "departemental",
                "departementale", "departement", "general", "generale", "region", "regional",
                "republique", "etat", "l'etat", "gouvernement", "premier", "premiere", "haut",
                "haute", "haut-commissaire", "haute-commissaire", "commissaire", "interministeriel",
                "interministerielle", "madame", "monsieur", "m", "mme", "mr", "mm", "mlle", "dr",
                "solidarites", "sante", "sociale", "social", "emploi", "travail", "insertion",
                "cohesion", "territoires", "territoire", "grand", "est", "ouest", "nord", "sud",
                "hauts-de-france", "france", "normandie", "bretagne", "occitanie",
                "nouvelle-aquitaine", "auvergne-rhone-alpes", "bourgogne-franche-comte",
                "centre-val", "provence-alpes-cote", "d'azur", "ile-de-france", "pays", "corse",
                "alsace", "lorraine", "monsieur", "vu", "fait", "pour", "par", "avec", "sur",
                "ce", "cette", "ces", "son", "sa", "ses", "leur", "qui", "que", "il", "elle",
                "ils", "elles", "nous", "vous", "on", "un", "une", "annexe", "article",
                "convention", "strategie", "contrat", "signature", "prefecture", "preambule",
                "dans", "apres", "avant", "depuis", "lors", "selon", "chef", "cabinet",
                "directeur", "directrice", "adjoint", "adjointe", "maire", "senateur", "depute",
                "deputee", "senatrice", "caf", "ars", "fse", "rsa", "ase", "pmi", "cd",
                "assemblee", "ville", "metropole", "communaute", "agglomeration", "president-e"});
}

bool is_honorific(std::string_view f) {
  return in(f, {"m", "mme", "mr", "mm", "mlle", "madame", "monsieur", "mesdames", "messieurs"});
}

bool is_particle(std::string_view f) { return in(f, {"de", "du", "d'", "van", "von", "le", "la", "des"}); }

bool name_word(const Token& t) {
  if (!t.capitalized) return false;
  if (t.folded.size() < 2) return false;
  if (!std::all_of(t.folded.begin(), t.folded.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u >= 'a' && u <= 'z') || c == '-' || c == '\'' || u >= 0x80u;
      }))
    return false;
  return !is_institutional(t.folded);
}

struct RoleMatch {
  Role role;
  std::size_t first;  // token index of the role word (or its article)
  std::size_t last;   // token index of the role word
};

// Recognises a role starting at token i (the role word itself).
std::optional<Role> role_at(const std::vector<Token>& t, std::size_t i) {
  const std::string_view w = t[i].folded;
  // every role word starts with one of these (préfet, président, vice-, ministre, secrétaire,
  // délégué, haut-commissaire, 1re/2e ..., premier)
  if (w.empty() || std::string_view("pvmsdh12345t").find(w[0]) == std::string_view::npos) return std::nullopt;
  auto next = [&](std::size_t k) -> std::string_view {
    return i + k < t.size() ? std::string_view(t[i + k].folded) : std::string_view();
  };
  if (w == "prefet" || w == "prefete") return Role::prefet;
  if (w == "vice-president" || w == "vice-presidente") return Role::vice_president_departement;
  if ((w == "vice" || w == "1er" || w == "premier" || w == "premiere" || w == "1ere" || w == "1re" ||
       w == "2e" || w == "2eme" || w == "deuxieme" || w == "3e" || w == "3eme" || w == "troisieme" ||
       w == "4e" || w == "5e") &&
      (next(1) == "president" || next(1) == "presidente" || next(1) == "vice-president" ||
       next(1) == "vice-presidente"))
    return Role::vice_president_departement;
  if (w == "president" || w == "presidente") {
    // "président du conseil départemental", "présidente du Département", not "de la République"
    for (std::size_t k = 1; k <= 4 && i + k < t.size(); ++k) {
      const std::string_view n = next(k);
      if (n == "republique" || n == "jury" || n == "association") return std::nullopt;
      if (n == "departement" || n == "departemental" || n == "general" || n == "departementale" ||
          n == "executif" || n == "collectivite")  // Corse, Martinique, Guyane: collectivités uniques
        return Role::president_departement;
    }
    return std::nullopt;
  }
  if (w == "ministre") return Role::ministre;
  if (w == "secretaire" && next(1) == "d'" && next(2) == "etat")
    return Role::secretaire_etat;
  if ((w == "delegue" || w == "deleguee") &&
      (next(1) == "interministeriel" || next(1) == "interministerielle"))
    return Role::delegue_interministeriel;
  if (w == "haut-commissaire" || w == "haute-commissaire" ||
      ((w == "haut" || w == "haute") && (next(1) == "commissaire" || next(1) == "commissaire")))
    return Role::other;
  return std::nullopt;
}

bool strong_sep(char s) { return s == ',' || s == ';' || s == '.' || s == '\n' || s == ':' || s == '(' || s == ')' || s == '|' || s == '!' || s == '?'; }

// A name of 2..4 words starting at token i; returns one past its last token (or i when none).
std::size_t particle_run(const std::vector<Token>& t, std::size_t j);

std::size_t name_from(const std::vector<Token>& t, std::size_t i) {
  while (i < t.size() && is_honorific(t[i].folded) && t[i].capitalized) ++i;
  std::size_t j = i;
  std::size_t words = 0;
  while (j < t.size() && words < 4) {
    if (name_word(t[j])) {
      // "Bernard SCHMELTZ François SAUVADET" (two signature columns on one line): after an
      // upper-case surname, a capitalised first name starts another person.
      if (words >= 2 && t[j - 1].all_caps && !t[j].all_caps) break;
      ++words;
      ++j;
      if (strong_sep(t[j - 1].sep_after)) break;
      continue;
    }
    // particles inside a name: "Charles de Gaulle", "Jean d'Ormesson", "Sarlandie de La Robertie"
    if (words >= 1) {
      if (const std::size_t n = particle_run(t, j)) {
        j += n;
        continue;
      }
    }
    break;
  }
  if (words < 2) return i;
  return j;
}

// "de La", "de la", "du", "d'" inside a name, before a capitalised word: how many tokens.
std::size_t particle_run(const std::vector<Token>& t, std::size_t j) {
  if (j >= t.size() || t[j].capitalized || !is_particle(t[j].folded) || strong_sep(t[j].sep_after)) return 0;
  if (j + 1 < t.size() && name_word(t[j + 1])) return 1;
  if (j + 2 < t.size() && (t[j + 1].folded == "la" || t[j + 1].folded == "le") && t[j + 1].capitalized &&
      !strong_sep(t[j + 1].sep_after) && name_word(t[j + 2]))
    return 2;
  return 0;
}

// The name that ends just before token r, followed by a comma or by an aside in parentheses:
// "Sophie Elizéon, préfète", "Stéphane Troussel (PS), président". [first, second) tokens.
std::optional<std::pair<std::size_t, std::size_t>> name_before(const std::vector<Token>& t, std::size_t r) {
  if (r < 2) return std::nullopt;
  std::size_t end = r;
  if (t[r - 1].sep_after != ',') {
    // an aside: "(PS)", "(LR)", "(divers droite)"
    std::size_t k = r - 1;
    if (t[k].sep_after != ')') return std::nullopt;
    std::size_t steps = 0;
    while (k > 0 && t[k - 1].sep_after != '(' && steps < 4) {
      --k;
      ++steps;
    }
    if (k == 0 || t[k - 1].sep_after != '(') return std::nullopt;
    end = k;
  }
  std::size_t b = end;
  while (b > 0 && end - b < 7) {
    const Token& p = t[b - 1];
    if (b != end && strong_sep(p.sep_after)) break;
    const bool namey = name_word(p) || (is_particle(p.folded) && !p.capitalized) ||
                       ((p.folded == "la" || p.folded == "le") && p.capitalized && b >= 2 && t[b - 2].folded == "de");
    if (!namey) break;
    --b;
  }
  while (b < end && !name_word(t[b])) ++b;
  if (b < end && name_from(t, b) == end) return std::make_pair(b, end);
  return std::nullopt;
}

std::size_t skip_honorific(const std::vector<Token>& t, std::size_t i) {
  while (i < t.size() && is_honorific(t[i].folded)) ++i;
  return i;
}

std::string join_name(std::string_view text, const std::vector<Token>& t, std::size_t b, std::size_t e) {
  std::string out;
  for (std::size_t k = b; k < e; ++k) {
    if (!out.empty()) out += ' ';
    out += t[k].raw;
  }
  (void)text;
  return out;
}

// End of the role's complement: "du conseil départemental du Bas-Rhin", "de la Région Grand
// Est", "auprès de la ministre des Solidarités et de la Santé". Stops at a strong separator or
// at the start of a person's name.
std::size_t complement_end(const std::vector<Token>& t, std::size_t i) {
  std::size_t j = i + 1;
  std::size_t guard = 0;
  while (j < t.size() && guard++ < 25) {
    if (strong_sep(t[j - 1].sep_after)) return j;
    if (name_word(t[j]) && name_from(t, j) > j) {
      // a capitalised word that is a place (département, region) is part of the complement
      // when it follows "du", "de", "de la", "des", "d'"
      const std::string& prev = t[j - 1].folded;
      if (!(prev == "du" || prev == "de" || prev == "la" || prev == "des" || prev == "l'" ||
            prev == "d'"))
        return j;
      // "Préfet du Nord Michel Lalande": the place is one word, the name follows.
      const std::size_t after_place = j + 1;
      if (after_place < t.size() && name_from(t, after_place) > after_place &&
          !strong_sep(t[j].sep_after))
        return after_place;
    }
    ++j;
  }
  return j;
}

}  // namespace

std::vector<PersonMention> find_people(std::string_view text) {
  const std::vector<Token> t = tokenize(text);
  std::vector<PersonMention> out;
  std::vector<char> used(t.size(), 0);
  std::vector<char> role_done(t.size(), 0);
  auto add = [&](std::size_t nb, std::size_t ne, Role role, std::size_t mb, std::size_t me) {
    for (std::size_t k = nb; k < ne; ++k)
      if (used[k]) return false;
    for (std::size_t k = nb; k < ne; ++k) used[k] = 1;
    out.push_back({join_name(text, t, nb, ne), role, t[mb].begin, t[me - 1].end});
    return true;
  };
  // Pass 1, name then role: "Sophie Elizéon, préfète du ...", "Stéphane Troussel (PS), président".
  // Done first so that in "M. le préfet du Finistère et Nathalie Sarrabezolles, présidente",
  // the name goes to the role that follows it.
  for (std::size_t i = 0; i < t.size(); ++i) {
    const std::optional<Role> role = role_at(t, i);
    if (!role) continue;
    std::size_t r = i;
    if (r > 0 && (t[r - 1].folded == "le" || t[r - 1].folded == "la" || t[r - 1].folded == "l'")) --r;
    if (auto name = name_before(t, r)) {
      std::size_t hb = name->first;
      while (hb > 0 && is_honorific(t[hb - 1].folded)) --hb;
      if (add(name->first, name->second, *role, hb, complement_end(t, i))) {
        role_done[i] = 1;
        if (i + 1 < t.size() && role_at(t, i + 1)) role_done[i + 1] = 1;  // "1re vice-présidente"
      }
    }
  }
  // Pass 2, role then name: "Le Préfet du Bas-Rhin, Jean-Luc MARX", signature blocks.
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (role_done[i]) continue;
    const std::optional<Role> role = role_at(t, i);
    if (!role) continue;
    std::size_t r = i;
    if (r > 0 && (t[r - 1].folded == "le" || t[r - 1].folded == "la" || t[r - 1].folded == "l'")) --r;
    const std::size_t ce = complement_end(t, i);
    const std::size_t nb = skip_honorific(t, ce);
    const std::size_t ne = name_from(t, nb);
    if (ne <= nb) continue;
    if (add(nb, ne, *role, r, ne)) {
      if (i + 1 < t.size() && role_at(t, i + 1)) role_done[i + 1] = 1;
      continue;
    }
    // "La ministre ... et sa secrétaire d'État, Agnès Buzyn et Christelle Dubos": two roles then
    // two names; the first name went to the first role, the second role takes the next name.
    std::size_t k = ne;
    while (k < t.size() && used[k]) ++k;  // past the names already taken
    if (k + 1 < t.size() && t[k].folded == "et" && !strong_sep(t[k - 1].sep_after)) {
      const std::size_t nb2 = skip_honorific(t, k + 1);
      const std::size_t ne2 = name_from(t, nb2);
      if (ne2 > nb2) add(nb2, ne2, *role, r, ne2);
    }
  }
  std::sort(out.begin(), out.end(), [](const PersonMention& a, const PersonMention& b) { return a.begin < b.begin; });
  return out;
}

}  // namespace conventiond
