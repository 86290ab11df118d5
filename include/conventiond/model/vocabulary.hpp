#pragma once
// Controlled vocabularies of the convention model, exactly as in the shared corpus README.

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

std::string_view to_string(Role r) noexcept;
std::string_view to_string(Funder f) noexcept;
std::string_view to_string(Qualifier q) noexcept;
std::string_view to_string(Measure m) noexcept;

std::optional<Role> role_from_string(std::string_view s) noexcept;
std::optional<Funder> funder_from_string(std::string_view s) noexcept;
std::optional<Qualifier> qualifier_from_string(std::string_view s) noexcept;
std::optional<Measure> measure_from_string(std::string_view s) noexcept;

}  // namespace conventiond
