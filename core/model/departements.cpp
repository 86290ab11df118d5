// Reference data for the 101 départements (INSEE codes, official names, 2016 regions, the
// forms prose uses to name them) and lookups by code and by name.
//
// The table is a constexpr array of string_views: nothing is allocated at start-up.
// Usage notes on the prose forms:
//  - article is "" when the name takes none in prose (Paris, Mayotte, La Réunion whose
//    article is part of its official name);
//  - "X-et-Y" names starting with a vowel drop the article after "de" ("d'Ille-et-Vilaine",
//    "d'Indre-et-Loire", "d'Eure-et-Loir"), and the other "X-et-Y" names follow the
//    départements' own usage ("de Saône-et-Loire", "de Maine-et-Loire");
//  - in_form uses "en" for feminine and vowel-initial compound names ("en Isère",
//    "en Haute-Garonne", "en Ille-et-Vilaine"), "dans" with the article otherwise
//    ("dans le Nord", "dans l'Ain", "dans les Hautes-Alpes"), "à" for Paris, Mayotte and
//    La Réunion.

#include <conventiond/departements.hpp>

#include <array>
#include <cstddef>

namespace conventiond {
namespace {

constexpr std::array<Departement, 101> kDepartements = {{
    {"01", "Ain", "Auvergne-Rhône-Alpes", "l'", "de l'Ain", "dans l'Ain"},
    {"02", "Aisne", "Hauts-de-France", "l'", "de l'Aisne", "dans l'Aisne"},
    {"03", "Allier", "Auvergne-Rhône-Alpes", "l'", "de l'Allier", "dans l'Allier"},
    {"04", "Alpes-de-Haute-Provence", "Provence-Alpes-Côte d'Azur", "les",
     "des Alpes-de-Haute-Provence", "dans les Alpes-de-Haute-Provence"},
    {"05", "Hautes-Alpes", "Provence-Alpes-Côte d'Azur", "les", "des Hautes-Alpes",
     "dans les Hautes-Alpes"},
    {"06", "Alpes-Maritimes", "Provence-Alpes-Côte d'Azur", "les", "des Alpes-Maritimes",
     "dans les Alpes-Maritimes"},
    {"07", "Ardèche", "Auvergne-Rhône-Alpes", "l'", "de l'Ardèche", "en Ardèche"},
    {"08", "Ardennes", "Grand Est", "les", "des Ardennes", "dans les Ardennes"},
    {"09", "Ariège", "Occitanie", "l'", "de l'Ariège", "en Ariège"},
    {"10", "Aube", "Grand Est", "l'", "de l'Aube", "dans l'Aube"},
    {"11", "Aude", "Occitanie", "l'", "de l'Aude", "dans l'Aude"},
    {"12", "Aveyron", "Occitanie", "l'", "de l'Aveyron", "dans l'Aveyron"},
    {"13", "Bouches-du-Rhône", "Provence-Alpes-Côte d'Azur", "les", "des Bouches-du-Rhône",
     "dans les Bouches-du-Rhône"},
    {"14", "Calvados", "Normandie", "le", "du Calvados", "dans le Calvados"},
    {"15", "Cantal", "Auvergne-Rhône-Alpes", "le", "du Cantal", "dans le Cantal"},
    {"16", "Charente", "Nouvelle-Aquitaine", "la", "de la Charente", "en Charente"},
    {"17", "Charente-Maritime", "Nouvelle-Aquitaine", "la", "de la Charente-Maritime",
     "en Charente-Maritime"},
    {"18", "Cher", "Centre-Val de Loire", "le", "du Cher", "dans le Cher"},
    {"19", "Corrèze", "Nouvelle-Aquitaine", "la", "de la Corrèze", "en Corrèze"},
    {"2A", "Corse-du-Sud", "Corse", "la", "de la Corse-du-Sud", "en Corse-du-Sud"},
    {"2B", "Haute-Corse", "Corse", "la", "de la Haute-Corse", "en Haute-Corse"},
    {"21", "Côte-d'Or", "Bourgogne-Franche-Comté", "la", "de la Côte-d'Or", "en Côte-d'Or"},
    {"22", "Côtes-d'Armor", "Bretagne", "les", "des Côtes-d'Armor", "dans les Côtes-d'Armor"},
    {"23", "Creuse", "Nouvelle-Aquitaine", "la", "de la Creuse", "en Creuse"},
    {"24", "Dordogne", "Nouvelle-Aquitaine", "la", "de la Dordogne", "en Dordogne"},
    {"25", "Doubs", "Bourgogne-Franche-Comté", "le", "du Doubs", "dans le Doubs"},
    {"26", "Drôme", "Auvergne-Rhône-Alpes", "la", "de la Drôme", "dans la Drôme"},
    {"27", "Eure", "Normandie", "l'", "de l'Eure", "dans l'Eure"},
    {"28", "Eure-et-Loir", "Centre-Val de Loire", "l'", "d'Eure-et-Loir", "en Eure-et-Loir"},
    {"29", "Finistère", "Bretagne", "le", "du Finistère", "dans le Finistère"},
    {"30", "Gard", "Occitanie", "le", "du Gard", "dans le Gard"},
    {"31", "Haute-Garonne", "Occitanie", "la", "de la Haute-Garonne", "en Haute-Garonne"},
    {"32", "Gers", "Occitanie", "le", "du Gers", "dans le Gers"},
    {"33", "Gironde", "Nouvelle-Aquitaine", "la", "de la Gironde", "en Gironde"},
    {"34", "Hérault", "Occitanie", "l'", "de l'Hérault", "dans l'Hérault"},
    {"35", "Ille-et-Vilaine", "Bretagne", "l'", "d'Ille-et-Vilaine", "en Ille-et-Vilaine"},
    {"36", "Indre", "Centre-Val de Loire", "l'", "de l'Indre", "dans l'Indre"},
    {"37", "Indre-et-Loire", "Centre-Val de Loire", "l'", "d'Indre-et-Loire", "en Indre-et-Loire"},
    {"38", "Isère", "Auvergne-Rhône-Alpes", "l'", "de l'Isère", "en Isère"},
    {"39", "Jura", "Bourgogne-Franche-Comté", "le", "du Jura", "dans le Jura"},
    {"40", "Landes", "Nouvelle-Aquitaine", "les", "des Landes", "dans les Landes"},
    {"41", "Loir-et-Cher", "Centre-Val de Loire", "le", "de Loir-et-Cher", "en Loir-et-Cher"},
    {"42", "Loire", "Auvergne-Rhône-Alpes", "la", "de la Loire", "dans la Loire"},
    {"43", "Haute-Loire", "Auvergne-Rhône-Alpes", "la", "de la Haute-Loire", "en Haute-Loire"},
    {"44", "Loire-Atlantique", "Pays de la Loire", "la", "de la Loire-Atlantique",
     "en Loire-Atlantique"},
    {"45", "Loiret", "Centre-Val de Loire", "le", "du Loiret", "dans le Loiret"},
    {"46", "Lot", "Occitanie", "le", "du Lot", "dans le Lot"},
    {"47", "Lot-et-Garonne", "Nouvelle-Aquitaine", "le", "de Lot-et-Garonne", "en Lot-et-Garonne"},
    {"48", "Lozère", "Occitanie", "la", "de la Lozère", "en Lozère"},
    {"49", "Maine-et-Loire", "Pays de la Loire", "le", "de Maine-et-Loire", "en Maine-et-Loire"},
    {"50", "Manche", "Normandie", "la", "de la Manche", "dans la Manche"},
    {"51", "Marne", "Grand Est", "la", "de la Marne", "dans la Marne"},
    {"52", "Haute-Marne", "Grand Est", "la", "de la Haute-Marne", "en Haute-Marne"},
    {"53", "Mayenne", "Pays de la Loire", "la", "de la Mayenne", "en Mayenne"},
    {"54", "Meurthe-et-Moselle", "Grand Est", "la", "de Meurthe-et-Moselle",
     "en Meurthe-et-Moselle"},
    {"55", "Meuse", "Grand Est", "la", "de la Meuse", "dans la Meuse"},
    {"56", "Morbihan", "Bretagne", "le", "du Morbihan", "dans le Morbihan"},
    {"57", "Moselle", "Grand Est", "la", "de la Moselle", "en Moselle"},
    {"58", "Nièvre", "Bourgogne-Franche-Comté", "la", "de la Nièvre", "dans la Nièvre"},
    {"59", "Nord", "Hauts-de-France", "le", "du Nord", "dans le Nord"},
    {"60", "Oise", "Hauts-de-France", "l'", "de l'Oise", "dans l'Oise"},
    {"61", "Orne", "Normandie", "l'", "de l'Orne", "dans l'Orne"},
    {"62", "Pas-de-Calais", "Hauts-de-France", "le", "du Pas-de-Calais", "dans le Pas-de-Calais"},
    {"63", "Puy-de-Dôme", "Auvergne-Rhône-Alpes", "le", "du Puy-de-Dôme", "dans le Puy-de-Dôme"},
    {"64", "Pyrénées-Atlantiques", "Nouvelle-Aquitaine", "les", "des Pyrénées-Atlantiques",
     "dans les Pyrénées-Atlantiques"},
    {"65", "Hautes-Pyrénées", "Occitanie", "les", "des Hautes-Pyrénées",
     "dans les Hautes-Pyrénées"},
    {"66", "Pyrénées-Orientales", "Occitanie", "les", "des Pyrénées-Orientales",
     "dans les Pyrénées-Orientales"},
    {"67", "Bas-Rhin", "Grand Est", "le", "du Bas-Rhin", "dans le Bas-Rhin"},
    {"68", "Haut-Rhin", "Grand Est", "le", "du Haut-Rhin", "dans le Haut-Rhin"},
    {"69", "Rhône", "Auvergne-Rhône-Alpes", "le", "du Rhône", "dans le Rhône"},
    {"70", "Haute-Saône", "Bourgogne-Franche-Comté", "la", "de la Haute-Saône", "en Haute-Saône"},
    {"71", "Saône-et-Loire", "Bourgogne-Franche-Comté", "la", "de Saône-et-Loire",
     "en Saône-et-Loire"},
    {"72", "Sarthe", "Pays de la Loire", "la", "de la Sarthe", "dans la Sarthe"},
    {"73", "Savoie", "Auvergne-Rhône-Alpes", "la", "de la Savoie", "en Savoie"},
    {"74", "Haute-Savoie", "Auvergne-Rhône-Alpes", "la", "de la Haute-Savoie", "en Haute-Savoie"},
    {"75", "Paris", "Île-de-France", "", "de Paris", "à Paris"},
    {"76", "Seine-Maritime", "Normandie", "la", "de la Seine-Maritime", "en Seine-Maritime"},
    {"77", "Seine-et-Marne", "Île-de-France", "la", "de Seine-et-Marne", "en Seine-et-Marne"},
    {"78", "Yvelines", "Île-de-France", "les", "des Yvelines", "dans les Yvelines"},
    {"79", "Deux-Sèvres", "Nouvelle-Aquitaine", "les", "des Deux-Sèvres", "dans les Deux-Sèvres"},
    {"80", "Somme", "Hauts-de-France", "la", "de la Somme", "dans la Somme"},
    {"81", "Tarn", "Occitanie", "le", "du Tarn", "dans le Tarn"},
    {"82", "Tarn-et-Garonne", "Occitanie", "le", "de Tarn-et-Garonne", "en Tarn-et-Garonne"},
    {"83", "Var", "Provence-Alpes-Côte d'Azur", "le", "du Var", "dans le Var"},
    {"84", "Vaucluse", "Provence-Alpes-Côte d'Azur", "le", "du Vaucluse", "dans le Vaucluse"},
    {"85", "Vendée", "Pays de la Loire", "la", "de la Vendée", "en Vendée"},
    {"86", "Vienne", "Nouvelle-Aquitaine", "la", "de la Vienne", "dans la Vienne"},
    {"87", "Haute-Vienne", "Nouvelle-Aquitaine", "la", "de la Haute-Vienne", "en Haute-Vienne"},
    {"88", "Vosges", "Grand Est", "les", "des Vosges", "dans les Vosges"},
    {"89", "Yonne", "Bourgogne-Franche-Comté", "l'", "de l'Yonne", "dans l'Yonne"},
    {"90", "Territoire de Belfort", "Bourgogne-Franche-Comté", "le", "du Territoire de Belfort",
     "dans le Territoire de Belfort"},
    {"91", "Essonne", "Île-de-France", "l'", "de l'Essonne", "en Essonne"},
    {"92", "Hauts-de-Seine", "Île-de-France", "les", "des Hauts-de-Seine",
     "dans les Hauts-de-Seine"},
    {"93", "Seine-Saint-Denis", "Île-de-France", "la", "de la Seine-Saint-Denis",
     "en Seine-Saint-Denis"},
    {"94", "Val-de-Marne", "Île-de-France", "le", "du Val-de-Marne", "dans le Val-de-Marne"},
    {"95", "Val-d'Oise", "Île-de-France", "le", "du Val-d'Oise", "dans le Val-d'Oise"},
    {"971", "Guadeloupe", "Guadeloupe", "la", "de la Guadeloupe", "en Guadeloupe"},
    {"972", "Martinique", "Martinique", "la", "de la Martinique", "en Martinique"},
    {"973", "Guyane", "Guyane", "la", "de la Guyane", "en Guyane"},
    {"974", "La Réunion", "La Réunion", "", "de La Réunion", "à La Réunion"},
    {"976", "Mayotte", "Mayotte", "", "de Mayotte", "à Mayotte"},
}};

// Rank of a canonical code in INSEE order: 2A and 2B sort between 19 and 21.
constexpr int code_rank(std::string_view code) noexcept {
  if (code == "2A") return 200;
  if (code == "2B") return 201;
  int n = 0;
  for (char c : code) n = n * 10 + (c - '0');
  return n * 10;
}

constexpr bool table_is_sorted() noexcept {
  for (std::size_t i = 1; i < kDepartements.size(); ++i) {
    if (code_rank(kDepartements[i - 1].code) >= code_rank(kDepartements[i].code)) return false;
  }
  return true;
}
static_assert(table_is_sorted(), "départements must be ordered by code");

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Canonical code written into `out` (at most 3 characters); returns its length, 0 if invalid.
std::size_t canonical_code(std::string_view in, std::array<char, 3>& out) noexcept {
  while (!in.empty() && is_space(in.front())) in.remove_prefix(1);
  while (!in.empty() && is_space(in.back())) in.remove_suffix(1);
  // "067", "02A": some feeds pad every code to three characters.
  if (in.size() == 3 && in[0] == '0') in.remove_prefix(1);
  std::size_t n = 0;
  if (in.size() == 1 && is_digit(in[0])) {
    out = {'0', in[0], '\0'};
    n = 2;
  } else if (in.size() == 2 && in[0] == '2' && (in[1] == 'a' || in[1] == 'A')) {
    out = {'2', 'A', '\0'};
    n = 2;
  } else if (in.size() == 2 && in[0] == '2' && (in[1] == 'b' || in[1] == 'B')) {
    out = {'2', 'B', '\0'};
    n = 2;
  } else if ((in.size() == 2 || in.size() == 3) && is_digit(in[0]) && is_digit(in[1]) &&
             (in.size() == 2 || is_digit(in[2]))) {
    out = {in[0], in[1], in.size() == 3 ? in[2] : '\0'};
    n = in.size();
  } else {
    return 0;
  }
  return n;
}

const Departement* find_canonical(std::string_view code) noexcept {
  for (const Departement& d : kDepartements) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

// Folds a name for comparison: ASCII lower case, Latin accents removed (UTF-8 é -> e,
// œ -> oe), hyphens, apostrophes (' and U+2019), underscores, dots and runs of spaces turned
// into one space, no leading or trailing space. Returns false if `out` is too small.
class Folded {
 public:
  explicit Folded(std::string_view s) noexcept { ok_ = fold(s); }
  bool ok() const noexcept { return ok_; }
  std::string_view view() const noexcept { return {buf_.data(), len_}; }

 private:
  bool put(char c) noexcept {
    if (c == ' ') {
      if (len_ == 0 || buf_[len_ - 1] == ' ') return true;
    }
    if (len_ == buf_.size()) return false;
    buf_[len_++] = c;
    return true;
  }

  static char fold_latin1(unsigned char c) noexcept {
    // Code points U+00C0..U+00FF (second byte of "\xC3\x80".."\xC3\xBF" plus 0x40).
    constexpr std::string_view kMap =
        "aaaaaaaceeeeiiii"   // C0-CF: ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ (Æ handled apart)
        "dnooooo ouuuuy s"   // D0-DF: ÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞß
        "aaaaaaaceeeeiiii"   // E0-EF
        "dnooooo ouuuuy y";  // F0-FF
    const unsigned idx = static_cast<unsigned>(c) - 0xC0U;
    return idx < kMap.size() ? kMap[idx] : '\0';
  }

  bool fold(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x80) {
        char a = static_cast<char>(c);
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (a == '-' || a == '\'' || a == '_' || a == '.' || is_space(a)) a = ' ';
        if (!put(a)) return false;
        continue;
      }
      const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0U;
      if (c == 0xC3 && next >= 0x80 && next <= 0xBF) {
        const auto cp = static_cast<unsigned char>(next + 0x40U);
        ++i;
        if (cp == 0xC6 || cp == 0xE6) {  // Æ æ
          if (!put('a') || !put('e')) return false;
        } else if (const char a = fold_latin1(cp); a != '\0') {
          if (!put(a)) return false;
        }
        continue;
      }
      if (c == 0xC5 && (next == 0x92 || next == 0x93)) {  // Œ œ
        ++i;
        if (!put('o') || !put('e')) return false;
        continue;
      }
      if (c == 0xE2 && next == 0x80 && i + 2 < s.size()) {
        const auto third = static_cast<unsigned char>(s[i + 2]);
        // U+2010..U+2015 dashes, U+2018/U+2019 quotes: separators.
        if ((third >= 0x90 && third <= 0x95) || third == 0x98 || third == 0x99) {
          i += 2;
          if (!put(' ')) return false;
          continue;
        }
      }
      return false;  // any other non-ASCII character matches no département name
    }
    while (len_ > 0 && buf_[len_ - 1] == ' ') --len_;
    return true;
  }

  std::array<char, 96> buf_{};
  std::size_t len_ = 0;
  bool ok_ = false;
};

// The name without a leading article ("la reunion" -> "reunion", "l ain" -> "ain").
std::string_view strip_article(std::string_view folded) noexcept {
  for (std::string_view a : {"le ", "la ", "les ", "l "}) {
    if (folded.size() > a.size() && folded.substr(0, a.size()) == a) {
      return folded.substr(a.size());
    }
  }
  return folded;
}

}  // namespace

std::span<const Departement> all_departements() noexcept { return kDepartements; }

const Departement* find_departement(std::string_view code) noexcept {
  std::array<char, 3> buf{};
  const std::size_t n = canonical_code(code, buf);
  if (n == 0) return nullptr;
  return find_canonical(std::string_view(buf.data(), n));
}

const Departement* find_departement_by_name(std::string_view name) noexcept {
  const Folded wanted(name);
  if (!wanted.ok() || wanted.view().empty()) return nullptr;
  // Exact (folded) name first: "la reunion" is La Réunion.
  for (const Departement& d : kDepartements) {
    const Folded candidate(d.name);
    if (candidate.view() == wanted.view()) return &d;
  }
  // Then without the article on either side: "le Nord", "l'Isère", "Réunion".
  const std::string_view bare = strip_article(wanted.view());
  for (const Departement& d : kDepartements) {
    const Folded candidate(d.name);
    if (strip_article(candidate.view()) == bare) return &d;
  }
  return nullptr;
}

std::string normalize_departement_code(std::string_view code) {
  const Departement* d = find_departement(code);
  return d != nullptr ? std::string(d->code) : std::string();
}

}  // namespace conventiond
