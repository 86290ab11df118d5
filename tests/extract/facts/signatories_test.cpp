#include <catch2/catch.hpp>

#include <conventiond/extract/signatories.hpp>

using conventiond::find_people;
using conventiond::Role;

namespace {
struct P {
  std::string name;
  Role role;
  bool operator==(const P&) const = default;
};
std::vector<P> people(std::string_view text) {
  std::vector<P> out;
  for (const auto& m : find_people(text)) out.push_back({m.name, m.role});
  return out;
}
using V = std::vector<P>;
}  // namespace

TEST_CASE("name then role", "[people]") {
  CHECK(people("Sophie Elizéon, préfète du Territoire de Belfort, et Florian Bouquet, président du "
               "Conseil départemental du Territoire de Belfort ont signé") ==
        V{{"Sophie Elizéon", Role::prefet}, {"Florian Bouquet", Role::president_departement}});
  CHECK(people("Ce mardi 18 décembre, Fabien SUDRY, Préfet du Pas-de-Calais, et Jean-Claude LEROY, "
               "Président du conseil départemental du Pas-de-Calais, ont signé") ==
        V{{"Fabien SUDRY", Role::prefet}, {"Jean-Claude LEROY", Role::president_departement}});
  CHECK(people("L'État, représenté par Jean-Luc MARX, Préfet de la Région Grand Est, Préfet du Bas-Rhin") ==
        V{{"Jean-Luc MARX", Role::prefet}});
  CHECK(people("Marie Dupont, vice-présidente du Département chargée de l'insertion") ==
        V{{"Marie Dupont", Role::vice_president_departement}});
  CHECK(people("Christelle Dubos, secrétaire d'État auprès de la ministre des Solidarités") ==
        V{{"Christelle Dubos", Role::secretaire_etat}});
}

TEST_CASE("role then name", "[people]") {
  CHECK(people("le préfet du Nord, Michel Lalande, a signé") == V{{"Michel Lalande", Role::prefet}});
  CHECK(people("Madame la Préfète, Mme Catherine Sarlandie") == V{{"Catherine Sarlandie", Role::prefet}});
  CHECK(people("Le Président du Conseil Départemental du Bas-Rhin Frédéric BIERRY") ==
        V{{"Frédéric BIERRY", Role::president_departement}});
  CHECK(people("Le Préfet de Région Préfet du Bas-Rhin\nJean-Luc MARX") == V{{"Jean-Luc MARX", Role::prefet}});
  CHECK(people("La Secrétaire d'État auprès de la ministre des Solidarités et de la Santé\nChristelle DUBOS") ==
        V{{"Christelle DUBOS", Role::secretaire_etat}});
  CHECK(people("Le Délégué interministériel à la prévention et à la lutte contre la pauvreté des "
               "enfants et des jeunes\nOlivier NOBLECOURT") ==
        V{{"Olivier NOBLECOURT", Role::delegue_interministeriel}});
  CHECK(people("en présence d'Agnès Buzyn, ministre des Solidarités et de la Santé") ==
        V{{"Agnès Buzyn", Role::ministre}});
  CHECK(people("la présidente du conseil départemental, Mme Nathalie Sarrabezolles") ==
        V{{"Nathalie Sarrabezolles", Role::president_departement}});
}

TEST_CASE("honorifics removed, no person without a name", "[people]") {
  CHECK(people("M. Jean Dupont, préfet de l'Ain") == V{{"Jean Dupont", Role::prefet}});
  CHECK(people("Monsieur le Préfet et Madame la Présidente du Département").empty());
  CHECK(people("le Président de la République, Emmanuel Macron").empty());
  CHECK(people("La stratégie annoncée par le Président de la République").empty());
  CHECK(people("le préfet a signé la convention").empty());
}
