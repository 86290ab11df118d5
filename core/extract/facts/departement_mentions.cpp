#include <conventiond/extract/departement_mentions.hpp>

#include <algorithm>
#include <array>

#include <conventiond/departements.hpp>

#include "facts/folded_text.hpp"

namespace conventiond {
namespace {

using extract_detail::FoldedText;
using extract_detail::fold;
using extract_detail::is_word_byte;

// Names that are also common French words, first names or towns: accepted only after an
// article or an institutional word ("le Lot", "la Manche", "département de l'Ain").
constexpr std::array<std::string_view, 30> kAmbiguousNames = {
    "ain",   "aube",  "aude",   "cher",  "creuse", "eure",  "gard",    "gers",   "indre", "jura",
    "landes", "lot",  "manche", "marne", "meuse",  "nord",  "oise",    "orne",   "somme", "tarn",
    "var",   "vienne", "allier", "loire", "paris", "savoie", "vosges", "charente", "yonne", "doubs"};

bool is_ambiguous(std::string_view folded_name) {
  return std::find(kAmbiguousNames.begin(), kAmbiguousNames.end(), folded_name) !=
         kAmbiguousNames.end();
}

struct Pattern {
  std::string folded;  // folded name as it may be written
  std::string_view code;
  bool ambiguous;
};

std::vector<Pattern> build_patterns() {
  std::vector<Pattern> out;
  for (const Departement& d : all_departements()) {
    std::string f = fold(d.name);
    const bool amb = is_ambiguous(f);
    out.push_back({f, d.code, amb});
    std::string spaced = f;
    std::replace(spaced.begin(), spaced.end(), '-', ' ');
    if (spaced != f) out.push_back({spaced, d.code, amb});
    // "La Réunion" is also written "Réunion" after "de la" / "à la".
    if (f.rfind("la ", 0) == 0) out.push_back({f.substr(3), d.code, amb});
  }
  // Longest first, so that "haute-loire" is tried before "loire" at the same position.
  std::sort(out.begin(), out.end(),
            [](const Pattern& a, const Pattern& b) { return a.folded.size() > b.folded.size(); });
  return out;
}

const std::vector<Pattern>& patterns() {
  static const std::vector<Pattern> p = build_patterns();
  return p;
}

// The word just before `pos` in folded text (skipping spaces and one apostrophe).
std::string_view previous_word(std::string_view t, std::size_t pos) {
  std::size_t e = pos;
  while (e > 0 && (t[e - 1] == ' ' || t[e - 1] == '\'')) {
    if (t[e - 1] == '\'') {  // "l'Ain", "d'Ille-et-Vilaine": the elided article is the word
      std::size_t b = e - 1;
      while (b > 0 && is_word_byte(t[b - 1])) --b;
      return t.substr(b, e - b);
    }
    --e;
  }
  std::size_t b = e;
  while (b > 0 && is_word_byte(t[b - 1])) --b;
  return t.substr(b, e - b);
}

bool is_article(std::string_view w) {
  static constexpr std::array<std::string_view, 12> kArticles = {
      "le", "la", "les", "l'", "du", "des", "de", "d'", "en", "au", "aux", "dans"};
  return std::find(kArticles.begin(), kArticles.end(), w) != kArticles.end();
}

// "département du", "conseil départemental de la", "préfet du", "préfète de l'", "CD" ...
bool institutional_before(std::string_view t, std::size_t pos) {
  const std::size_t from = pos > 60 ? pos - 60 : 0;
  std::string_view window = t.substr(from, pos - from);
  static constexpr std::array<std::string_view, 8> kTriggers = {
      "departement ", "departemental ", "prefet ", "prefete ", "prefecture ",
      "departement de ", "conseil general ", "president "};
  // Only the last few words count: trigger followed by one or two articles.
  for (std::string_view trig : kTriggers) {
    const std::size_t at = window.rfind(trig);
    if (at == std::string_view::npos) continue;
    std::string_view rest = window.substr(at + trig.size());
    // rest must be only articles: "du ", "de la ", "de l'", "des ", "d'"
    static constexpr std::array<std::string_view, 7> kLinks = {"du ", "de la ", "de l'", "des ",
                                                               "d'", "de ", "du territoire de "};
    for (std::string_view l : kLinks)
      if (rest == l) return true;
  }
  return false;
}

// "Pays de la Loire", "Centre-Val de Loire", "rue de la Loire", "quai du Rhône", "lycée de la
// Somme": a département's name inside the name of a region, a street or a building.
bool inside_other_name(std::string_view t, std::size_t pos) {
  std::size_t e = pos;
  // skip back over the article / preposition words ("de la ", "du ", "de l'", "des ")
  for (int words = 0; words < 3 && e > 0; ++words) {
    std::size_t b = e;
    while (b > 0 && t[b - 1] == ' ') --b;
    std::size_t w = b;
    while (w > 0 && (is_word_byte(t[w - 1]) || t[w - 1] == '-' || t[w - 1] == '\'')) --w;
    std::string_view word = t.substr(w, b - w);
    if (word.ends_with("'")) word.remove_suffix(1);
    static constexpr std::array<std::string_view, 6> kLinks = {"de", "du", "des", "la", "le", "l"};
    if (std::find(kLinks.begin(), kLinks.end(), word) != kLinks.end() || word == "d") {
      e = w;
      continue;
    }
    static constexpr std::array<std::string_view, 22> kContainers = {
        "pays", "val", "centre-val", "rue", "avenue", "boulevard", "bd", "quai", "place", "allee", "impasse",
        "chemin", "route", "pont", "cours", "square", "lycee", "college", "hotel", "residence", "vallee", "gorges"};
    return std::find(kContainers.begin(), kContainers.end(), word) != kContainers.end();
  }
  return false;
}

bool boundary_ok(std::string_view t, std::size_t pos, std::size_t len) {
  if (pos > 0) {
    const char p = t[pos - 1];
    if (is_word_byte(p) || p == '-') return false;
  }
  const std::size_t end = pos + len;
  if (end < t.size()) {
    const char n = t[end];
    if (is_word_byte(n)) return false;
    if (n == '-' && end + 1 < t.size() && is_word_byte(t[end + 1])) return false;
  }
  return true;
}

}  // namespace

std::vector<DepartementMention> find_departement_mentions(std::string_view text) {
  const FoldedText ft(text);
  const std::string& t = ft.text();
  std::vector<char> taken(t.size(), 0);
  std::vector<DepartementMention> out;
  for (const Pattern& p : patterns()) {
    for (std::size_t pos = t.find(p.folded); pos != std::string::npos;
         pos = t.find(p.folded, pos + 1)) {
      const std::size_t len = p.folded.size();
      if (!boundary_ok(t, pos, len)) continue;
      if (std::any_of(taken.begin() + static_cast<std::ptrdiff_t>(pos),
                      taken.begin() + static_cast<std::ptrdiff_t>(pos + len),
                      [](char c) { return c != 0; }))
        continue;
      if (!ft.is_upper_at(pos)) continue;  // names are written with a capital
      if (inside_other_name(t, pos)) continue;
      const bool inst = institutional_before(t, pos);
      if (p.ambiguous && !inst && !is_article(previous_word(t, pos))) continue;
      std::fill(taken.begin() + static_cast<std::ptrdiff_t>(pos),
                taken.begin() + static_cast<std::ptrdiff_t>(pos + len), 1);
      out.push_back({std::string(p.code), ft.original_offset(pos),
                     pos + len < t.size() ? ft.original_offset(pos + len) : text.size(), inst});
    }
  }
  // Collectivities that hold the powers of départements: the Collectivité de Corse (2A and 2B
  // since 2018), the Collectivité européenne d'Alsace (67 and 68 since 2021), the Ville de
  // Paris (75).
  struct Collectivity {
    std::string_view folded;
    std::array<std::string_view, 2> codes;
  };
  static constexpr std::array<Collectivity, 4> kCollectivities = {{
      {"collectivite de corse", {"2A", "2B"}},
      {"corse", {"2A", "2B"}},
      {"collectivite europeenne d'alsace", {"67", "68"}},
      {"ville de paris", {"75", ""}},
  }};
  for (const Collectivity& c : kCollectivities) {
    for (std::size_t pos = t.find(c.folded); pos != std::string::npos; pos = t.find(c.folded, pos + 1)) {
      if (!ft.is_upper_at(pos) && !ft.is_upper_at(pos + c.folded.rfind(' ') + 1)) continue;
      const std::size_t end = pos + c.folded.size();
      // "Corse" alone (the préfet de Corse, the conseil exécutif de Corse): the collectivité, not
      // inside "Corse-du-Sud" / "Haute-Corse", nor the word in "la Collectivité de Corse" again
      if (c.folded == "corse") {
        if (!boundary_ok(t, pos, c.folded.size()) || taken[pos]) continue;
        const std::string_view prev = previous_word(t, pos);
        if (prev != "de" && prev != "en" && prev != "la") continue;
        if (std::string_view(t).substr(0, pos).ends_with("collectivite de ")) continue;
      }
      const bool inst = c.folded != "corse" || institutional_before(t, pos) ||
                        std::string_view(t).substr(0, pos).ends_with("executif de ");
      for (std::string_view code : c.codes)
        if (!code.empty())
          out.push_back({std::string(code), ft.original_offset(pos),
                         end < t.size() ? ft.original_offset(end) : text.size(), inst});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const DepartementMention& a, const DepartementMention& b) { return a.begin < b.begin; });
  return out;
}

}  // namespace conventiond
