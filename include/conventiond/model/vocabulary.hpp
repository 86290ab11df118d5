#pragma once
// Controlled vocabularies of the convention model, exactly as in the shared corpus README.

#include <array>
#include <optional>
#include <string_view>

namespace conventiond {

enum class Role {
  prefet,
  president_departement,
  vice_president_departement,
  ministre,
  secretaire_etat,
  delegue_interministeriel,
  other,
};

enum class Funder { etat, departement, fse, total, other };

enum class Qualifier { exact, about, more_than, less_than };

enum class Measure {
  sorties_ase,
  premier_accueil,
  referent_parcours,
  insertion_rsa,
  garantie_activite,
  maraudes,
  formation_travailleurs_sociaux,
  petite_enfance,
};

// Every value of each vocabulary, in declaration order (for validation, schemas, UIs).
inline constexpr std::array kAllRoles = {
    Role::prefet,   Role::president_departement, Role::vice_president_departement,
    Role::ministre, Role::secretaire_etat,       Role::delegue_interministeriel,
    Role::other,
};
inline constexpr std::array kAllFunders = {Funder::etat, Funder::departement, Funder::fse,
                                           Funder::total, Funder::other};
inline constexpr std::array kAllQualifiers = {Qualifier::exact, Qualifier::about,
                                              Qualifier::more_than, Qualifier::less_than};
inline constexpr std::array kAllMeasures = {
    Measure::sorties_ase,
    Measure::premier_accueil,
    Measure::referent_parcours,
    Measure::insertion_rsa,
    Measure::garantie_activite,
    Measure::maraudes,
    Measure::formation_travailleurs_sociaux,
    Measure::petite_enfance,
};

// The strings are exactly the enumerators' names ("president_departement", "more_than").
std::string_view to_string(Role r) noexcept;
std::string_view to_string(Funder f) noexcept;
std::string_view to_string(Qualifier q) noexcept;
std::string_view to_string(Measure m) noexcept;

// Exact, case-sensitive match of an enumerator's name; nullopt otherwise.
std::optional<Role> role_from_string(std::string_view s) noexcept;
std::optional<Funder> funder_from_string(std::string_view s) noexcept;
std::optional<Qualifier> qualifier_from_string(std::string_view s) noexcept;
std::optional<Measure> measure_from_string(std::string_view s) noexcept;

}  // namespace conventiond
