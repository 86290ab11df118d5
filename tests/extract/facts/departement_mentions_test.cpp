#include <catch2/catch.hpp>

#include <conventiond/extract/departement_mentions.hpp>

using conventiond::find_departement_mentions;

namespace {
std::vector<std::string> codes(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& m : find_departement_mentions(text)) out.push_back(m.code);
  return out;
}
using V = std::vector<std::string>;
}  // namespace

TEST_CASE("départements named with their article", "[departements]") {
  CHECK(codes("le Département du Bas-Rhin") == V{"67"});
  CHECK(codes("le département de la Loire s'engage") == V{"42"});
  CHECK(codes("le conseil départemental des Hautes-Alpes") == V{"05"});
  CHECK(codes("le département de l'Isère") == V{"38"});
  CHECK(codes("le département d'Ille-et-Vilaine") == V{"35"});
  CHECK(codes("préfète du Territoire de Belfort") == V{"90"});
  CHECK(codes("dans les Bouches-du-Rhône") == V{"13"});
  CHECK(codes("la Seine-Saint-Denis et le Val-de-Marne") == V{"93", "94"});
  CHECK(codes("en Corse-du-Sud et en Haute-Corse") == V{"2A", "2B"});
  CHECK(codes("à La Réunion") == V{"974"});
  CHECK(codes("le département de la Guadeloupe") == V{"971"});
  CHECK(codes("DÉPARTEMENT DU PAS-DE-CALAIS") == V{"62"});
}

TEST_CASE("a name inside a longer name is not a mention", "[departements]") {
  CHECK(codes("la Haute-Loire") == V{"43"});
  CHECK(codes("la Loire-Atlantique") == V{"44"});
  CHECK(codes("le Maine-et-Loire") == V{"49"});
  CHECK(codes("la Saône-et-Loire") == V{"71"});
  CHECK(codes("l'ancienne région Nord-Pas-de-Calais").empty());
  CHECK(codes("le Haut-Rhin et le Bas-Rhin") == V{"68", "67"});
  CHECK(codes("les Alpes-de-Haute-Provence") == V{"04"});
}

TEST_CASE("short names that are also words are names only as names", "[departements]") {
  CHECK(codes("un lot de mesures").empty());
  CHECK(codes("la somme de 3 millions").empty());
  CHECK(codes("au nord de la ville").empty());
  CHECK(codes("Cher ami").empty());
  CHECK(codes("le département du Lot") == V{"46"});
  CHECK(codes("dans le Var") == V{"83"});
  CHECK(codes("le Gard et l'Aude") == V{"30", "11"});
  CHECK(codes("le département de l'Ain") == V{"01"});
  CHECK(codes("le Cher et l'Orne") == V{"18", "61"});
  CHECK(codes("le Nord et le Pas-de-Calais") == V{"59", "62"});
  CHECK(codes("la Somme") == V{"80"});
  CHECK(codes("Vienne est une ville").empty());
}

TEST_CASE("institutional mentions are flagged", "[departements]") {
  const auto m = find_departement_mentions("le Président du conseil départemental du Nord et la Somme");
  REQUIRE(m.size() == 2);
  CHECK(m[0].institutional);
  CHECK_FALSE(m[1].institutional);
  const std::string text = "signée avec le Bas-Rhin.";
  const auto one = find_departement_mentions(text);
  REQUIRE(one.size() == 1);
  CHECK(text.substr(one[0].begin, one[0].end - one[0].begin) == "Bas-Rhin");
}
