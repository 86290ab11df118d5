#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include <conventiond/departements.hpp>

using namespace conventiond;

namespace {

// INSEE order: 2A and 2B between 19 and 21, overseas after 95.
int rank(std::string_view code) {
  if (code == "2A") return 200;
  if (code == "2B") return 201;
  return std::stoi(std::string(code)) * 10;
}

const Departement& dep(std::string_view code) {
  const Departement* d = find_departement(code);
  REQUIRE(d != nullptr);
  return *d;
}

}  // namespace

TEST_CASE("101 départements, codes unique and in INSEE order", "[model][departements]") {
  const auto all = all_departements();
  REQUIRE(all.size() == 101);
  CHECK(all.front().code == "01");
  CHECK(all[18].code == "19");
  CHECK(all[19].code == "2A");
  CHECK(all[20].code == "2B");
  CHECK(all[21].code == "21");
  CHECK(all[95].code == "95");
  CHECK(all.back().code == "976");
  std::set<std::string_view> codes;
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < all.size(); ++i) {
    INFO(all[i].code);
    CHECK(codes.insert(all[i].code).second);
    CHECK(names.insert(all[i].name).second);
    if (i > 0) CHECK(rank(all[i - 1].code) < rank(all[i].code));
  }
  CHECK(codes.count("20") == 0);
  CHECK(codes.count("975") == 0);
  for (auto c : {"971", "972", "973", "974", "976"}) CHECK(codes.count(c) == 1);
}

TEST_CASE("every field is filled and consistent", "[model][departements]") {
  for (const Departement& d : all_departements()) {
    INFO(d.code << " " << d.name);
    CHECK_FALSE(d.name.empty());
    CHECK_FALSE(d.region.empty());
    CHECK_FALSE(d.of_form.empty());
    CHECK_FALSE(d.in_form.empty());
    CHECK((d.article == "le" || d.article == "la" || d.article == "les" || d.article == "l'" ||
           d.article.empty()));
    // The prose forms name the département.
    CHECK(d.of_form.find(d.name) != std::string_view::npos);
    CHECK(d.in_form.find(d.name) != std::string_view::npos);
    CHECK(d.of_form.size() > d.name.size());
    // of_form agrees with the article.
    if (d.article == "le")
      CHECK((d.of_form.substr(0, 3) == "du " || d.of_form.substr(0, 3) == "de "));
    if (d.article == "les") CHECK(d.of_form.substr(0, 4) == "des ");
    if (d.article == "la")
      CHECK((d.of_form.substr(0, 6) == "de la " || d.of_form.substr(0, 3) == "de "));
    if (d.article == "l'")
      CHECK((d.of_form.substr(0, 5) == "de l'" || d.of_form.substr(0, 2) == "d'"));
    // No typographic apostrophes or doubled spaces: the ASCII apostrophe, as INSEE writes it.
    CHECK(d.name.find("\xE2\x80\x99") == std::string_view::npos);
    CHECK(d.of_form.find("  ") == std::string_view::npos);
  }
}

TEST_CASE("official names, accents and hyphens", "[model][departements]") {
  CHECK(dep("2A").name == "Corse-du-Sud");
  CHECK(dep("2B").name == "Haute-Corse");
  CHECK(dep("22").name == "Côtes-d'Armor");
  CHECK(dep("90").name == "Territoire de Belfort");
  CHECK(dep("95").name == "Val-d'Oise");
  CHECK(dep("21").name == "Côte-d'Or");
  CHECK(dep("974").name == "La Réunion");
  CHECK(dep("971").name == "Guadeloupe");
  CHECK(dep("972").name == "Martinique");
  CHECK(dep("973").name == "Guyane");
  CHECK(dep("976").name == "Mayotte");
  CHECK(dep("13").name == "Bouches-du-Rhône");
  CHECK(dep("93").name == "Seine-Saint-Denis");
  CHECK(dep("04").name == "Alpes-de-Haute-Provence");
  CHECK(dep("79").name == "Deux-Sèvres");
  CHECK(dep("63").name == "Puy-de-Dôme");
  CHECK(dep("67").name == "Bas-Rhin");
  CHECK(dep("62").name == "Pas-de-Calais");
  CHECK(dep("42").name == "Loire");
  CHECK(dep("75").name == "Paris");
}

TEST_CASE("2016 regions", "[model][departements]") {
  CHECK(dep("01").region == "Auvergne-Rhône-Alpes");
  CHECK(dep("59").region == "Hauts-de-France");
  CHECK(dep("67").region == "Grand Est");
  CHECK(dep("06").region == "Provence-Alpes-Côte d'Azur");
  CHECK(dep("75").region == "Île-de-France");
  CHECK(dep("90").region == "Bourgogne-Franche-Comté");
  CHECK(dep("44").region == "Pays de la Loire");
  CHECK(dep("41").region == "Centre-Val de Loire");
  CHECK(dep("33").region == "Nouvelle-Aquitaine");
  CHECK(dep("31").region == "Occitanie");
  CHECK(dep("76").region == "Normandie");
  CHECK(dep("29").region == "Bretagne");
  CHECK(dep("2A").region == "Corse");
  CHECK(dep("971").region == "Guadeloupe");
  CHECK(dep("974").region == "La Réunion");
  CHECK(dep("976").region == "Mayotte");

  std::map<std::string_view, int> per_region;
  for (const Departement& d : all_departements()) ++per_region[d.region];
  CHECK(per_region.size() == 18);
  CHECK(per_region["Auvergne-Rhône-Alpes"] == 12);
  CHECK(per_region["Bourgogne-Franche-Comté"] == 8);
  CHECK(per_region["Bretagne"] == 4);
  CHECK(per_region["Centre-Val de Loire"] == 6);
  CHECK(per_region["Corse"] == 2);
  CHECK(per_region["Grand Est"] == 10);
  CHECK(per_region["Hauts-de-France"] == 5);
  CHECK(per_region["Île-de-France"] == 8);
  CHECK(per_region["Normandie"] == 5);
  CHECK(per_region["Nouvelle-Aquitaine"] == 12);
  CHECK(per_region["Occitanie"] == 13);
  CHECK(per_region["Pays de la Loire"] == 5);
  CHECK(per_region["Provence-Alpes-Côte d'Azur"] == 6);
}

TEST_CASE("prose forms", "[model][departements]") {
  CHECK(dep("59").of_form == "du Nord");
  CHECK(dep("42").of_form == "de la Loire");
  CHECK(dep("05").of_form == "des Hautes-Alpes");
  CHECK(dep("38").of_form == "de l'Isère");
  CHECK(dep("35").of_form == "d'Ille-et-Vilaine");
  CHECK(dep("37").of_form == "d'Indre-et-Loire");
  CHECK(dep("36").of_form == "de l'Indre");
  CHECK(dep("01").of_form == "de l'Ain");
  CHECK(dep("02").of_form == "de l'Aisne");
  CHECK(dep("90").of_form == "du Territoire de Belfort");
  CHECK(dep("75").of_form == "de Paris");
  CHECK(dep("971").of_form == "de la Guadeloupe");
  CHECK(dep("972").of_form == "de la Martinique");
  CHECK(dep("973").of_form == "de la Guyane");
  CHECK(dep("974").of_form == "de La Réunion");
  CHECK(dep("976").of_form == "de Mayotte");
  CHECK(dep("2A").of_form == "de la Corse-du-Sud");
  CHECK(dep("2B").of_form == "de la Haute-Corse");
  CHECK(dep("67").of_form == "du Bas-Rhin");
  CHECK(dep("62").of_form == "du Pas-de-Calais");
  CHECK(dep("22").of_form == "des Côtes-d'Armor");
  CHECK(dep("95").of_form == "du Val-d'Oise");
  CHECK(dep("34").of_form == "de l'Hérault");

  CHECK(dep("59").in_form == "dans le Nord");
  CHECK(dep("38").in_form == "en Isère");
  CHECK(dep("05").in_form == "dans les Hautes-Alpes");
  CHECK(dep("75").in_form == "à Paris");
  CHECK(dep("974").in_form == "à La Réunion");
  CHECK(dep("971").in_form == "en Guadeloupe");
  CHECK(dep("01").in_form == "dans l'Ain");
  CHECK(dep("35").in_form == "en Ille-et-Vilaine");
  CHECK(dep("90").in_form == "dans le Territoire de Belfort");

  CHECK(dep("59").article == "le");
  CHECK(dep("42").article == "la");
  CHECK(dep("05").article == "les");
  CHECK(dep("38").article == "l'");
  CHECK(dep("75").article.empty());
}

TEST_CASE("find_departement by code", "[model][departements]") {
  CHECK(dep("1").code == "01");
  CHECK(dep("01").code == "01");
  CHECK(dep("2a").code == "2A");
  CHECK(dep("2A").name == "Corse-du-Sud");
  CHECK(dep("2b").code == "2B");
  CHECK(dep("971").name == "Guadeloupe");
  CHECK(dep(" 67 ").code == "67");
  CHECK(dep("067").code == "67");  // padded to three characters by some feeds
  CHECK(dep("02A").code == "2A");
  CHECK(dep("2").code == "02");
  for (const char* bad : {"",   "0",   "00",  "20", "96", "99", "970",  "975",  "977", "abc",
                          "2C", "2 A", "6 7", "1a", "-1", "+1", "0971", "9710", "A2",  "067x"}) {
    INFO(bad);
    CHECK(find_departement(bad) == nullptr);
  }
  for (const Departement& d : all_departements()) CHECK(find_departement(d.code) == &d);
}

TEST_CASE("normalize_departement_code", "[model][departements]") {
  CHECK(normalize_departement_code("1") == "01");
  CHECK(normalize_departement_code("9") == "09");
  CHECK(normalize_departement_code("2a") == "2A");
  CHECK(normalize_departement_code("2B") == "2B");
  CHECK(normalize_departement_code("971") == "971");
  CHECK(normalize_departement_code("976") == "976");
  CHECK(normalize_departement_code("95") == "95");
  CHECK(normalize_departement_code("20").empty());
  CHECK(normalize_departement_code("975").empty());
  CHECK(normalize_departement_code("abc").empty());
  CHECK(normalize_departement_code("").empty());
  CHECK(normalize_departement_code("00").empty());
}

TEST_CASE("find_departement_by_name ignores case, accents, hyphens, apostrophes",
          "[model][departements]") {
  auto code_of = [](std::string_view name) -> std::string {
    const Departement* d = find_departement_by_name(name);
    return d ? std::string(d->code) : std::string("none");
  };
  CHECK(code_of("Bas-Rhin") == "67");
  CHECK(code_of("bas rhin") == "67");
  CHECK(code_of("BAS_RHIN") == "67");
  CHECK(code_of("Isere") == "38");
  CHECK(code_of("ISÈRE") == "38");  // É/È upper case folded
  CHECK(code_of("isère") == "38");
  CHECK(code_of("cotes d armor") == "22");
  CHECK(code_of("Côtes-d’Armor") == "22");  // typographic apostrophe
  CHECK(code_of("Cotes-d'Armor") == "22");
  CHECK(code_of("  territoire   de  belfort ") == "90");
  CHECK(code_of("val d'oise") == "95");
  CHECK(code_of("La Réunion") == "974");
  CHECK(code_of("Réunion") == "974");
  CHECK(code_of("reunion") == "974");
  CHECK(code_of("le Nord") == "59");
  CHECK(code_of("l'Isère") == "38");
  CHECK(code_of("Corse du Sud") == "2A");
  CHECK(code_of("haute corse") == "2B");
  CHECK(code_of("Puy de Dome") == "63");
  CHECK(code_of("Seine-Saint-Denis") == "93");
  CHECK(code_of("Loire") == "42");
  CHECK(code_of("Haute-Loire") == "43");
  CHECK(code_of("Loire-Atlantique") == "44");
  CHECK(code_of("Rhin") == "none");
  CHECK(code_of("Corse") == "none");
  CHECK(code_of("") == "none");
  CHECK(code_of("   ") == "none");
  CHECK(code_of("Nord-Pas-de-Calais") == "none");
  CHECK(code_of(std::string(500, 'a')) == "none");
  CHECK(code_of("Is\xC3") == "none");  // truncated UTF-8
  for (const Departement& d : all_departements()) {
    INFO(d.name);
    CHECK(find_departement_by_name(d.name) == &d);
  }
}
