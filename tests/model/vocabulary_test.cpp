#include <catch2/catch.hpp>

#include <set>
#include <string>

#include <conventiond/model/source.hpp>
#include <conventiond/model/vocabulary.hpp>

using namespace conventiond;

TEST_CASE("vocabulary strings are exactly the corpus README's", "[model][vocabulary]") {
  CHECK(to_string(Role::prefet) == "prefet");
  CHECK(to_string(Role::president_departement) == "president_departement");
  CHECK(to_string(Role::vice_president_departement) == "vice_president_departement");
  CHECK(to_string(Role::ministre) == "ministre");
  CHECK(to_string(Role::secretaire_etat) == "secretaire_etat");
  CHECK(to_string(Role::delegue_interministeriel) == "delegue_interministeriel");
  CHECK(to_string(Role::other) == "other");

  CHECK(to_string(Funder::etat) == "etat");
  CHECK(to_string(Funder::departement) == "departement");
  CHECK(to_string(Funder::fse) == "fse");
  CHECK(to_string(Funder::total) == "total");
  CHECK(to_string(Funder::other) == "other");

  CHECK(to_string(Qualifier::exact) == "exact");
  CHECK(to_string(Qualifier::about) == "about");
  CHECK(to_string(Qualifier::more_than) == "more_than");
  CHECK(to_string(Qualifier::less_than) == "less_than");

  CHECK(to_string(Measure::sorties_ase) == "sorties_ase");
  CHECK(to_string(Measure::premier_accueil) == "premier_accueil");
  CHECK(to_string(Measure::referent_parcours) == "referent_parcours");
  CHECK(to_string(Measure::insertion_rsa) == "insertion_rsa");
  CHECK(to_string(Measure::garantie_activite) == "garantie_activite");
  CHECK(to_string(Measure::maraudes) == "maraudes");
  CHECK(to_string(Measure::formation_travailleurs_sociaux) == "formation_travailleurs_sociaux");
  CHECK(to_string(Measure::petite_enfance) == "petite_enfance");

  CHECK(to_string(SourceRank::convention_text) == "convention_text");
  CHECK(to_string(SourceRank::official_release) == "official_release");
  CHECK(to_string(SourceRank::news) == "news");
  CHECK(to_string(SourceRank::unknown) == "unknown");
}

TEST_CASE("vocabulary lists hold every value once", "[model][vocabulary]") {
  CHECK(kAllRoles.size() == 7);
  CHECK(kAllFunders.size() == 5);
  CHECK(kAllQualifiers.size() == 4);
  CHECK(kAllMeasures.size() == 8);
  CHECK(kAllSourceRanks.size() == 5);
  std::set<std::string_view> seen;
  for (auto r : kAllRoles) CHECK(seen.insert(to_string(r)).second);
  seen.clear();
  for (auto m : kAllMeasures) CHECK(seen.insert(to_string(m)).second);
}

TEST_CASE("vocabulary parsing round-trips and is exact", "[model][vocabulary]") {
  for (auto r : kAllRoles) CHECK(role_from_string(to_string(r)) == r);
  for (auto f : kAllFunders) CHECK(funder_from_string(to_string(f)) == f);
  for (auto q : kAllQualifiers) CHECK(qualifier_from_string(to_string(q)) == q);
  for (auto m : kAllMeasures) CHECK(measure_from_string(to_string(m)) == m);
  for (auto s : kAllSourceRanks) CHECK(source_rank_from_string(to_string(s)) == s);

  CHECK_FALSE(role_from_string("Prefet"));
  CHECK_FALSE(role_from_string("préfet"));
  CHECK_FALSE(role_from_string("prefet "));
  CHECK_FALSE(role_from_string(""));
  CHECK_FALSE(funder_from_string("state"));
  CHECK_FALSE(funder_from_string("ETAT"));
  CHECK_FALSE(qualifier_from_string("approx"));
  CHECK_FALSE(measure_from_string("sorties"));
  CHECK_FALSE(source_rank_from_string("news2"));
  // Each vocabulary is its own: a value of one is not a value of another.
  CHECK_FALSE(funder_from_string("prefet"));
  CHECK(role_from_string("other") == Role::other);
  CHECK(funder_from_string("other") == Funder::other);
}
