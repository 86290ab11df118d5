// Controlled vocabularies: enum <-> string, the strings being exactly the enumerators' names.

#include <conventiond/model/source.hpp>
#include <conventiond/model/vocabulary.hpp>

namespace conventiond {
namespace {

template <class Enum, std::size_t N>
std::optional<Enum> lookup(const std::array<Enum, N>& all, std::string_view s) noexcept {
  for (Enum e : all) {
    if (to_string(e) == s) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Role r) noexcept {
  switch (r) {
    case Role::prefet:
      return "prefet";
    case Role::president_departement:
      return "president_departement";
    case Role::vice_president_departement:
      return "vice_president_departement";
    case Role::ministre:
      return "ministre";
    case Role::secretaire_etat:
      return "secretaire_etat";
    case Role::delegue_interministeriel:
      return "delegue_interministeriel";
    case Role::other:
      return "other";
  }
  return "other";
}

std::string_view to_string(Funder f) noexcept {
  switch (f) {
    case Funder::etat:
      return "etat";
    case Funder::departement:
      return "departement";
    case Funder::fse:
      return "fse";
    case Funder::total:
      return "total";
    case Funder::other:
      return "other";
  }
  return "other";
}

std::string_view to_string(Qualifier q) noexcept {
  switch (q) {
    case Qualifier::exact:
      return "exact";
    case Qualifier::about:
      return "about";
    case Qualifier::more_than:
      return "more_than";
    case Qualifier::less_than:
      return "less_than";
  }
  return "exact";
}

std::string_view to_string(Measure m) noexcept {
  switch (m) {
    case Measure::sorties_ase:
      return "sorties_ase";
    case Measure::premier_accueil:
      return "premier_accueil";
    case Measure::referent_parcours:
      return "referent_parcours";
    case Measure::insertion_rsa:
      return "insertion_rsa";
    case Measure::garantie_activite:
      return "garantie_activite";
    case Measure::maraudes:
      return "maraudes";
    case Measure::formation_travailleurs_sociaux:
      return "formation_travailleurs_sociaux";
    case Measure::petite_enfance:
      return "petite_enfance";
  }
  return "";
}

std::string_view to_string(SourceRank r) noexcept {
  switch (r) {
    case SourceRank::operator_:
      return "operator";
    case SourceRank::convention_text:
      return "convention_text";
    case SourceRank::official_release:
      return "official_release";
    case SourceRank::news:
      return "news";
    case SourceRank::unknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<Role> role_from_string(std::string_view s) noexcept { return lookup(kAllRoles, s); }
std::optional<Funder> funder_from_string(std::string_view s) noexcept {
  return lookup(kAllFunders, s);
}
std::optional<Qualifier> qualifier_from_string(std::string_view s) noexcept {
  return lookup(kAllQualifiers, s);
}
std::optional<Measure> measure_from_string(std::string_view s) noexcept {
  return lookup(kAllMeasures, s);
}
std::optional<SourceRank> source_rank_from_string(std::string_view s) noexcept {
  return lookup(kAllSourceRanks, s);
}

}  // namespace conventiond
