#pragma once
// Reference data for the 101 French départements: INSEE code, official name, region, and the
// forms prose uses to name them ("du Nord", "de la Loire", "des Hautes-Alpes", "de l'Isère",
// "d'Ille-et-Vilaine").

#include <span>
#include <string>
#include <string_view>

namespace conventiond {

struct Departement {
  std::string_view code;     // "01" .. "95", "2A", "2B", "971" .. "974", "976"
  std::string_view name;     // official name: "Bas-Rhin", "Territoire de Belfort"
  std::string_view region;   // current region: "Grand Est"
  std::string_view article;  // the article before the name: "le", "la", "les", "l'"; "" for
                             // Paris, Mayotte and La Réunion (whose article is in its name)
  std::string_view of_form;  // "du Bas-Rhin", "de la Loire", "des Hautes-Alpes", "de l'Isère"
  std::string_view in_form;  // "dans le Bas-Rhin", "en Isère", "dans les Hautes-Alpes"
};

// All 101 départements, ordered by code.
std::span<const Departement> all_departements() noexcept;

// Lookup by INSEE code; accepts "1" and "01", "2a" and "2A". nullptr when unknown.
const Departement* find_departement(std::string_view code) noexcept;

// Lookup by name, case-, accent-, hyphen- and apostrophe-insensitive ("bas rhin", "Isere",
// "cotes d armor"), with or without a leading article ("le Nord", "Réunion"). nullptr if none.
const Departement* find_departement_by_name(std::string_view name) noexcept;

// Normalises a code as written in feeds ("1" -> "01", "2a" -> "2A", "971" stays, surrounding
// white space and a three-character zero padding "067" accepted); "" if not a département.
std::string normalize_departement_code(std::string_view code);

}  // namespace conventiond
