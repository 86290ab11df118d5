// Generality cases: realistic wording from many départements and publishers (préfectures,
// départements, regional press, avenants, convention texts). Each case is a short document
// written the way real ones are, with the facts a careful annotator would record
// (see ../shared/corpus/README.md). Tags name the rule each case exercises.

#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <tuple>
#include <string>
#include <vector>

#include <conventiond/extract/extractor.hpp>
#include <conventiond/extract/plain_text_document.hpp>

using namespace conventiond;

namespace {

Extraction run_text(std::string_view text, std::optional<Date> updated_on = std::nullopt) {
  auto doc = parse_plain_text(text, "generality.txt");
  REQUIRE(doc.ok());
  TextDocument d = std::move(doc).value();
  if (updated_on) d.updated_on = updated_on;  // as an HTML page's "Mis à jour le" line sets it
  return extract_conventions(std::move(d));
}

FundingLine money(Funder f, std::optional<int> y, std::int64_t a, Qualifier q = Qualifier::exact) {
  FundingLine l;
  l.funder = f;
  l.year = y;
  l.amount_eur = a;
  l.qualifier = q;
  return l;
}

// The scored part of a funding line (per_year is not compared).
struct Money {
  Funder funder;
  std::optional<int> year;
  std::int64_t amount;
  Qualifier qualifier;
  bool operator<(const Money& o) const {
    return std::tie(funder, year, amount, qualifier) < std::tie(o.funder, o.year, o.amount, o.qualifier);
  }
  bool operator==(const Money& o) const = default;
};

std::vector<Money> scored(const std::vector<FundingLine>& v) {
  std::vector<Money> out;
  for (const FundingLine& l : v) out.push_back({l.funder, l.year, l.amount_eur, l.qualifier});
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Money> expected(std::initializer_list<FundingLine> v) { return scored(std::vector<FundingLine>(v)); }

std::vector<std::string> codes(const Extraction& ex) {
  std::vector<std::string> out;
  for (const ConventionFacts& c : ex.conventions) out.push_back(c.departement);
  std::sort(out.begin(), out.end());
  return out;
}

const ConventionFacts* find(const Extraction& ex, std::string_view code) {
  for (const ConventionFacts& c : ex.conventions)
    if (c.departement == code) return &c;
  return nullptr;
}

std::string iso(const std::optional<Date>& d) { return d ? d->to_iso() : std::string("null"); }

std::vector<Signatory> sorted(std::vector<Signatory> v) {
  std::sort(v.begin(), v.end(), [](const Signatory& a, const Signatory& b) { return a.name < b.name; });
  return v;
}

std::vector<Measure> sorted(std::vector<Measure> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<Money> {
  static std::string convert(const Money& m) {
    return std::string("(") + std::string(to_string(m.funder)) + ", " + (m.year ? std::to_string(*m.year) : "null") +
           ", " + std::to_string(m.amount) + ", " + std::string(to_string(m.qualifier)) + ")";
  }
};
template <>
struct StringMaker<Signatory> {
  static std::string convert(const Signatory& s) { return "(" + s.name + ", " + std::string(to_string(s.role)) + ")"; }
};
template <>
struct StringMaker<Period> {
  static std::string convert(const Period& p) { return std::to_string(p.start) + "-" + std::to_string(p.end); }
};
template <>
struct StringMaker<Measure> {
  static std::string convert(const Measure& m) { return std::string(to_string(m)); }
};
}  // namespace Catch

// ---------------------------------------------------------------------------------------------
// Cases that hold today (guards for the general rules below)

TEST_CASE("generality: préfecture release, 'M.' + upper-case surnames, elided article, strategy date",
          "[generality][passes]") {
  const auto ex = run_text(
      "Préfecture de l'Ain\n"
      "Bourg-en-Bresse, le 2 juillet 2019\n"
      "Annoncée par le Président de la République le 13 septembre 2018, la stratégie nationale de prévention "
      "et de lutte contre la pauvreté se déploie au travers de conventions passées entre l'État et les départements.\n"
      "M. Arnaud COCHET, préfet de l'Ain, et M. Jean DEGUERRY, président du Département de l'Ain, ont signé ce "
      "lundi 1er juillet 2019 la convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "Pour l'année 2019, l'État apporte 1,2 M€ et le Département 1 450 000 euros.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"01"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(iso(c.signed_on) == "2019-07-01");
  CHECK(sorted(c.signatories) == sorted({{"Arnaud COCHET", Role::prefet}, {"Jean DEGUERRY", Role::president_departement}}));
  CHECK(scored(c.funding) == expected({money(Funder::etat, 2019, 1200000), money(Funder::departement, 2019, 1450000)}));
}

TEST_CASE("generality: overseas département, particle in a name, 'ce vendredi 12 juillet'", "[generality][passes]") {
  const auto ex = run_text(
      "Saint-Denis, le 12 juillet 2019\n"
      "Ce vendredi 12 juillet, Amaury de Saint-Quentin, préfet de La Réunion, et Cyrille Melchior, président du "
      "conseil départemental de La Réunion, ont signé la convention d'appui à la lutte contre la pauvreté et "
      "d'accès à l'emploi.\n"
      "La convention prévoit le renforcement des maraudes et un premier accueil social inconditionnel.\n"
      "L'État engage 4,5 M€ en 2019 ; le Département y consacrera 5,2 M€.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"974"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(iso(c.signed_on) == "2019-07-12");
  CHECK(sorted(c.signatories) ==
        sorted({{"Amaury de Saint-Quentin", Role::prefet}, {"Cyrille Melchior", Role::president_departement}}));
  CHECK(scored(c.funding) == expected({money(Funder::etat, 2019, 4500000), money(Funder::departement, 2019, 5200000)}));
  CHECK(sorted(c.measures) == sorted({Measure::premier_accueil, Measure::maraudes}));
}

TEST_CASE("generality: 'le 28 juin dernier' resolved from the dateline", "[generality][passes]") {
  const auto ex = run_text(
      "Montpellier, le 3 juillet 2019\n"
      "Kléber Mesquida, président du Département de l'Hérault, et Jacques Witkowski, préfet de l'Hérault, ont "
      "signé le 28 juin dernier la convention départementale d'appui à la lutte contre la pauvreté et d'accès à "
      "l'emploi.\n"
      "Pour 2019, l'État apporte 2 450 000 euros et le Département 3 100 000 euros.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"34"});
  CHECK(iso(ex.conventions[0].signed_on) == "2019-06-28");
  CHECK(scored(ex.conventions[0].funding) ==
        expected({money(Funder::etat, 2019, 2450000), money(Funder::departement, 2019, 3100000)}));
}

TEST_CASE("generality: a secrétaire d'État signs with the présidente and the préfet", "[generality][passes]") {
  const auto ex = run_text(
      "Perpignan, le 19 juillet 2019\n"
      "Christelle Dubos, secrétaire d'État auprès de la ministre des Solidarités et de la Santé, a signé jeudi "
      "18 juillet à Perpignan, avec Hermeline Malherbe, présidente du Département des Pyrénées-Orientales, et "
      "Philippe Chopin, préfet des Pyrénées-Orientales, la convention d'appui à la lutte contre la pauvreté et "
      "d'accès à l'emploi.\n"
      "Les Pyrénées-Orientales bénéficieront de 1 750 000 € de l'État en 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"66"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(iso(c.signed_on) == "2019-07-18");
  CHECK(sorted(c.signatories) == sorted({{"Christelle Dubos", Role::secretaire_etat},
                                         {"Hermeline Malherbe", Role::president_departement},
                                         {"Philippe Chopin", Role::prefet}}));
  CHECK(scored(c.funding) == expected({money(Funder::etat, 2019, 1750000)}));
}

TEST_CASE("generality: another agreement signed the next day, a deadline, the strategy date",
          "[generality][passes]") {
  const auto ex = run_text(
      "Niort, le 4 juillet 2019\n"
      "Le Gouvernement avait demandé aux départements de signer leur convention avant le 30 juin 2019.\n"
      "La préfète des Deux-Sèvres, Isabelle David, et le président du Département des Deux-Sèvres, Gilbert "
      "Favreau, ont signé le 2 juillet 2019 la convention d'appui à la lutte contre la pauvreté et d'accès à "
      "l'emploi.\n"
      "Le lendemain, le 3 juillet 2019, ils ont signé avec la CAF le protocole départemental de prévention des "
      "expulsions locatives.\n"
      "L'État consacre 720 000 € à la convention en 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"79"});
  CHECK(iso(ex.conventions[0].signed_on) == "2019-07-02");
  CHECK(sorted(ex.conventions[0].signatories) ==
        sorted({{"Isabelle David", Role::prefet}, {"Gilbert Favreau", Role::president_departement}}));
  CHECK(scored(ex.conventions[0].funding) == expected({money(Funder::etat, 2019, 720000)}));
}

TEST_CASE("generality: an avenant text dates the avenant, 'Vu la convention signée le' dates the convention",
          "[generality][passes][signature-block]") {
  const auto ex = run_text(
      "AVENANT N°2 À LA CONVENTION D'APPUI À LA LUTTE CONTRE LA PAUVRETÉ ET D'ACCÈS À L'EMPLOI\n"
      "Entre l'État, représenté par M. Pierre N'GAHANE, préfet de la Marne,\n"
      "Et le Département de la Marne, représenté par M. Christian BRUYEN, président du Conseil départemental,\n"
      "Vu la convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi signée le 4 juillet 2019 "
      "entre l'État et le Département de la Marne ;\n"
      "Article 2 - Engagements financiers\n"
      "Pour l'exercice 2021, le montant de la participation de l'État est porté à 1 250 000 €.\n"
      "Fait à Châlons-en-Champagne, le 31 mars 2021\n"
      "Le Préfet de la Marne\n"
      "Pierre N'GAHANE\n"
      "Le Président du Conseil départemental de la Marne\n"
      "Christian BRUYEN\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"51"});
  CHECK(iso(ex.conventions[0].signed_on) == "2019-07-04");
  CHECK(scored(ex.conventions[0].funding) == expected({money(Funder::etat, 2021, 1250000)}));
}

TEST_CASE("generality: a pacte territorial d'insertion is not the convention", "[generality][passes][relevance]") {
  const auto ex = run_text(
      "Le Pacte territorial d'insertion 2019-2023 signé par 25 partenaires\n"
      "Périgueux, le 18 novembre 2019\n"
      "Germinal Peiro, président du Département de la Dordogne, a signé le 15 novembre 2019 avec Frédéric "
      "Périssat, préfet de la Dordogne, Pôle emploi et la CAF le Pacte territorial d'insertion 2019-2023.\n"
      "Ce pacte, qui s'inscrit dans la stratégie nationale de prévention et de lutte contre la pauvreté, fédère "
      "l'ensemble des acteurs de l'insertion.\n");
  CHECK(ex.conventions.empty());
}

// ---------------------------------------------------------------------------------------------
// Relevance: an agreement noun qualified as another agreement, poverty named elsewhere

TEST_CASE("generality: a contrat de ville protocol mentioning poverty yields nothing", "[generality][relevance]") {
  const auto ex = run_text(
      "Préfecture de la Marne\n"
      "Châlons-en-Champagne, le 4 juillet 2019\n"
      "Le préfet de la Marne, Denis Conus, et le président de la communauté d'agglomération, Jacques Jesson, ont "
      "signé le 3 juillet 2019 le protocole d'engagements renforcés et réciproques du contrat de ville 2015-2022.\n"
      "Dans les quartiers prioritaires, le taux de pauvreté atteint 42 %. Le protocole mobilise 1,5 million "
      "d'euros de crédits de la politique de la ville.\n"
      "Ce protocole complète le contrat de ville signé en 2015.\n");
  CHECK(ex.conventions.empty());
}

TEST_CASE("generality: a convention de gestion du RSA is not the poverty convention", "[generality][relevance]") {
  const auto ex = run_text(
      "Carcassonne, le 14 février 2020\n"
      "André Viola, président du Département de l'Aude, et Bruno Marty, président du conseil d'administration de "
      "la CAF de l'Aude, ont signé le 13 février 2020 la convention de gestion du revenu de solidarité active.\n"
      "Dans un département où le taux de pauvreté dépasse 21 %, le RSA concerne plus de 17 000 foyers.\n"
      "Le Département verse à la CAF 1 200 000 euros par an au titre des frais de gestion.\n");
  CHECK(ex.conventions.empty());
}

TEST_CASE("generality: a charity's convention de partenariat is not the poverty convention",
          "[generality][relevance]") {
  const auto ex = run_text(
      "Campagne d'hiver : les Restos du cœur du Loiret mobilisés\n"
      "Orléans, le 25 novembre 2019\n"
      "Face à la montée de la pauvreté, l'association a signé une convention de partenariat avec la Banque "
      "alimentaire et la ville d'Orléans le 20 novembre 2019.\n"
      "Le Département du Loiret apporte une subvention de 45 000 euros.\n");
  CHECK(ex.conventions.empty());
}

// ---------------------------------------------------------------------------------------------
// Département mentions

TEST_CASE("generality: a region's name holding a département's name is not that département",
          "[generality][departements]") {
  const auto ex = run_text(
      "Nantes, le 23 octobre 2020\n"
      "Michel Ménard, président du Département de Loire-Atlantique, et Didier Martin, préfet de la région Pays de "
      "la Loire, préfet de la Loire-Atlantique, ont signé le 22 octobre 2020 l'avenant 2020 à la convention "
      "d'appui à la lutte contre la pauvreté et d'accès à l'emploi signée en juillet 2019.\n"
      "Au titre de 2020, l'État apporte 2,1 M€ et le Département 2,3 M€.\n"
      "L'avenant renforce l'accompagnement des bénéficiaires du RSA et la prévention des sorties de l'ASE.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"44"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK_FALSE(c.signed_on);  // "signée en juillet 2019": no day
  CHECK(sorted(c.signatories) ==
        sorted({{"Michel Ménard", Role::president_departement}, {"Didier Martin", Role::prefet}}));
  CHECK(scored(c.funding) == expected({money(Funder::etat, 2020, 2100000), money(Funder::departement, 2020, 2300000)}));
  CHECK(sorted(c.measures) == sorted({Measure::insertion_rsa, Measure::sorties_ase}));
}

// ---------------------------------------------------------------------------------------------
// Several départements named: the document's own convention keeps its facts

TEST_CASE("generality: other signatory départements named in passing do not steal the funding",
          "[generality][subjects]") {
  const auto ex = run_text(
      "Lille, le 20 décembre 2018\n"
      "Agnès Buzyn, ministre des Solidarités et de la Santé, a signé le 19 décembre 2018 avec Jean-René Lecerf, "
      "président du Département du Nord, la convention d'appui à la lutte contre la pauvreté et d'accès à "
      "l'emploi.\n"
      "Le Nord est l'un des trois premiers départements signataires, avec le Pas-de-Calais et le Bas-Rhin.\n"
      "Pour 2019, la contribution de l'État s'élève à 9,5 millions d'euros et celle du Département à 12 millions "
      "d'euros.\n");
  const ConventionFacts* nord = find(ex, "59");
  REQUIRE(nord);
  CHECK(iso(nord->signed_on) == "2018-12-19");
  CHECK(sorted(nord->signatories) ==
        sorted({{"Agnès Buzyn", Role::ministre}, {"Jean-René Lecerf", Role::president_departement}}));
  CHECK(scored(nord->funding) ==
        expected({money(Funder::etat, 2019, 9500000), money(Funder::departement, 2019, 12000000)}));
  for (std::string_view other : {"62", "67"}) {
    const ConventionFacts* c = find(ex, other);
    if (!c) continue;  // naming them is defensible (corpus gold does for such mentions); their facts are not
    CHECK(c->funding.empty());
    CHECK(c->signatories.empty());
  }
}

TEST_CASE("generality: neighbours' signatures in a last paragraph, funding with 'dont'",
          "[generality][subjects][funding]") {
  const auto ex = run_text(
      "Metz, le 8 juillet 2019\n"
      "Didier MARTIN, Préfet de la Moselle, et Patrick WEITEN, Président du Département de la Moselle, ont signé "
      "le vendredi 5 juillet 2019 la convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "Le coût total des actions pour 2019 s'élève à 4 100 000 €, dont 1 852 000 € apportés par l'État et "
      "300 000 € au titre du Fonds social européen.\n"
      "La prévention des sorties sèches de l'ASE et la formation des travailleurs sociaux font partie des "
      "priorités.\n"
      "La Meurthe-et-Moselle et les Vosges ont signé leur convention respectivement le 1er et le 4 juillet.\n");
  const ConventionFacts* moselle = find(ex, "57");
  REQUIRE(moselle);
  CHECK(iso(moselle->signed_on) == "2019-07-05");
  CHECK(scored(moselle->funding) == expected({money(Funder::total, 2019, 4100000), money(Funder::etat, 2019, 1852000),
                                              money(Funder::fse, 2019, 300000)}));
  CHECK(sorted(moselle->measures) == sorted({Measure::sorties_ase, Measure::formation_travailleurs_sociaux}));
  for (std::string_view other : {"54", "88"}) {
    const ConventionFacts* c = find(ex, other);
    if (!c) continue;
    CHECK(c->funding.empty());
    CHECK(c->measures.empty());  // the measures are the Moselle's
  }
}

TEST_CASE("generality: two départements in one signing sentence, amounts split by 'aux'",
          "[generality][subjects]") {
  const auto ex = run_text(
      "Versailles, le 15 juillet 2019\n"
      "Pierre Bédier, président du Département des Yvelines, et Patrick Devedjian, président du Département des "
      "Hauts-de-Seine, ont signé le 12 juillet 2019 avec Jean-Jacques Brot, préfet des Yvelines, et Pierre "
      "Soubelet, préfet des Hauts-de-Seine, les conventions d'appui à la lutte contre la pauvreté et d'accès à "
      "l'emploi de leurs départements.\n"
      "L'État apportera 1,3 M€ aux Yvelines et 1,1 M€ aux Hauts-de-Seine en 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"78", "92"});
  const ConventionFacts& y = *find(ex, "78");
  const ConventionFacts& h = *find(ex, "92");
  CHECK(iso(y.signed_on) == "2019-07-12");
  CHECK(iso(h.signed_on) == "2019-07-12");
  CHECK(sorted(y.signatories) ==
        sorted({{"Pierre Bédier", Role::president_departement}, {"Jean-Jacques Brot", Role::prefet}}));
  CHECK(sorted(h.signatories) ==
        sorted({{"Patrick Devedjian", Role::president_departement}, {"Pierre Soubelet", Role::prefet}}));
  CHECK(scored(y.funding) == expected({money(Funder::etat, 2019, 1300000)}));
  CHECK(scored(h.funding) == expected({money(Funder::etat, 2019, 1100000)}));
}

// ---------------------------------------------------------------------------------------------
// Signatories

TEST_CASE("generality: a minister present at the signing is not a signatory", "[generality][signatories]") {
  const auto ex = run_text(
      "Bordeaux, le 28 juin 2019\n"
      "La convention a été signée ce vendredi 28 juin par Fabienne Buccio, préfète de la région "
      "Nouvelle-Aquitaine, préfète de la Gironde, et Jean-Luc Gleyze, président du Département de la Gironde, en "
      "présence de Christelle Dubos, secrétaire d'État auprès de la ministre des Solidarités et de la Santé.\n"
      "La Gironde bénéficiera de 4,2 millions d'euros de l'État sur la période 2019-2021 pour la lutte contre la "
      "pauvreté.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"33"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(iso(c.signed_on) == "2019-06-28");
  CHECK(sorted(c.signatories) ==
        sorted({{"Fabienne Buccio", Role::prefet}, {"Jean-Luc Gleyze", Role::president_departement}}));
  CHECK(scored(c.funding) == expected({money(Funder::etat, std::nullopt, 4200000)}));
}

TEST_CASE("generality: the délégué interministériel attended, neighbours named as signed",
          "[generality][signatories][subjects]") {
  const auto ex = run_text(
      "Limoges, le 11 juillet 2019\n"
      "Olivier Noblecourt, délégué interministériel à la prévention et à la lutte contre la pauvreté, a assisté "
      "le 10 juillet 2019 à la signature de la convention d'appui à la lutte contre la pauvreté et d'accès à "
      "l'emploi par Seymour Morsy, préfet de la Haute-Vienne, et Jean-Claude Leblois, président du conseil "
      "départemental de la Haute-Vienne.\n"
      "À cette occasion, il a rappelé que 4 départements de Nouvelle-Aquitaine, dont la Creuse et la Corrèze, ont "
      "déjà signé leur convention.\n"
      "L'État apportera 1 125 000 € en 2019.\n");
  const ConventionFacts* c = find(ex, "87");
  REQUIRE(c);
  CHECK(iso(c->signed_on) == "2019-07-10");
  CHECK(sorted(c->signatories) ==
        sorted({{"Seymour Morsy", Role::prefet}, {"Jean-Claude Leblois", Role::president_departement}}));
  CHECK(scored(c->funding) == expected({money(Funder::etat, 2019, 1125000)}));
}

TEST_CASE("generality: a party label in parentheses between name and role", "[generality][signatories]") {
  const auto ex = run_text(
      "Bobigny, le 16 juillet 2019\n"
      "Stéphane Troussel (PS), président du conseil départemental, et Pierre-André Durand, préfet de "
      "Seine-Saint-Denis, ont signé lundi 15 juillet à Bobigny la convention d'appui à la lutte contre la "
      "pauvreté et d'accès à l'emploi.\n"
      "L'État y consacrera plus de 5 millions d'euros en 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"93"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(iso(c.signed_on) == "2019-07-15");
  CHECK(sorted(c.signatories) ==
        sorted({{"Stéphane Troussel", Role::president_departement}, {"Pierre-André Durand", Role::prefet}}));
}

TEST_CASE("generality: '1re vice-présidente' signing for the président", "[generality][signatories]") {
  const auto ex = run_text(
      "Toulon, le 1er juillet 2019\n"
      "Jean-Luc Videlaine, préfet du Var, et Christiane Hummel, 1re vice-présidente du conseil départemental du "
      "Var, représentant Marc Giraud, président, ont signé vendredi 28 juin la convention d'appui à la lutte "
      "contre la pauvreté et d'accès à l'emploi.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"83"});
  CHECK(iso(ex.conventions[0].signed_on) == "2019-06-28");
  CHECK(sorted(ex.conventions[0].signatories) ==
        sorted({{"Jean-Luc Videlaine", Role::prefet}, {"Christiane Hummel", Role::vice_president_departement}}));
}

TEST_CASE("generality: 'de La' inside a surname", "[generality][signatories]") {
  const auto ex = run_text(
      "Convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi entre l'État et le Département de "
      "l'Aveyron\n"
      "La présente convention est conclue pour la période 2019-2021 entre l'État, représenté par la préfète de "
      "l'Aveyron, Catherine Sarlandie de La Robertie, et le Département de l'Aveyron, représenté par le président "
      "du Conseil départemental, Jean-François Galliard.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"12"});
  CHECK(sorted(ex.conventions[0].signatories) ==
        sorted({{"Catherine Sarlandie de La Robertie", Role::prefet},
                {"Jean-François Galliard", Role::president_departement}}));
}

TEST_CASE("generality: an unnamed préfet coordinated with a named présidente", "[generality][signatories]") {
  const auto ex = run_text(
      "Quimper, le 1er juillet 2019\n"
      "M. le préfet du Finistère et Nathalie Sarrabezolles, présidente du conseil départemental du Finistère, ont "
      "signé le 28 juin 2019 la convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "Le Finistère bénéficiera en 2019 d'un financement de l'État de 1 150 000 euros.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"29"});
  CHECK(ex.conventions[0].signatories ==
        std::vector<Signatory>{{"Nathalie Sarrabezolles", Role::president_departement}});
  CHECK(scored(ex.conventions[0].funding) == expected({money(Funder::etat, 2019, 1150000)}));
}

// ---------------------------------------------------------------------------------------------
// Signature date

TEST_CASE("generality: an avenant release states the convention's own signature date",
          "[generality][signed_on][year]") {
  const auto ex = run_text(
      "Saint-Lô, le 16 septembre 2020\n"
      "Jean-Marc Sabathé, préfet de la Manche, et Marc Lefèvre, président du conseil départemental de la Manche, "
      "ont signé le 15 septembre 2020 l'avenant n°1 à la convention d'appui à la lutte contre la pauvreté et "
      "d'accès à l'emploi signée le 5 juillet 2019.\n"
      "Pour 2020, l'État apporte 1 037 000 € au Département de la Manche, soit une augmentation de 12 % par "
      "rapport à 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"50"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(iso(c.signed_on) == "2019-07-05");
  CHECK(scored(c.funding) == expected({money(Funder::etat, 2020, 1037000)}));
}

TEST_CASE("generality: a convention text dated by its 'Fait à ..., le' line", "[generality][signed_on][signature-block]") {
  const auto ex = run_text(
      "CONVENTION D'APPUI À LA LUTTE CONTRE LA PAUVRETÉ ET D'ACCÈS À L'EMPLOI 2019-2021\n"
      "Entre\n"
      "L'État, représenté par Monsieur Thierry MOSIMANN, Préfet des Côtes-d'Armor, ci-après désigné « l'État », "
      "d'une part,\n"
      "Et\n"
      "Le Département des Côtes-d'Armor, représenté par Monsieur Alain CADEC, Président du Conseil départemental, "
      "dûment habilité par délibération de la commission permanente du 24 juin 2019, d'autre part,\n"
      "Article 4 : Engagements financiers\n"
      "Pour l'année 2019, l'État s'engage à verser au Département la somme de 1 038 000 € au titre du fonds de "
      "lutte contre la pauvreté et d'accès à l'emploi.\n"
      "Fait à Saint-Brieuc, le 8 juillet 2019\n"
      "Le Préfet des Côtes-d'Armor\n"
      "Thierry MOSIMANN\n"
      "Le Président du Conseil départemental des Côtes-d'Armor\n"
      "Alain CADEC\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"22"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(iso(c.signed_on) == "2019-07-08");
  CHECK(c.period == Period{2019, 2021});
  CHECK(sorted(c.signatories) ==
        sorted({{"Thierry MOSIMANN", Role::prefet}, {"Alain CADEC", Role::president_departement}}));
  CHECK(scored(c.funding) == expected({money(Funder::etat, 2019, 1038000)}));
}

TEST_CASE("generality: press style 'ont signé jeudi' dated from the publication date", "[generality][signed_on]") {
  const auto ex = run_text(
      "Poitiers, le 5 juillet 2019\n"
      "Madame la préfète de la Vienne, Chantal Castelnau, et Bruno Belin, président du Département de la Vienne, "
      "ont signé jeudi la convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "L'État apportera un million d'euros en 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"86"});
  CHECK(iso(ex.conventions[0].signed_on) == "2019-07-04");
  CHECK(sorted(ex.conventions[0].signatories) ==
        sorted({{"Chantal Castelnau", Role::prefet}, {"Bruno Belin", Role::president_departement}}));
}

TEST_CASE("generality: a year-less signing date on a page updated years later", "[generality][signed_on]") {
  const auto ex = run_text(
      "Convention de lutte contre la pauvreté 2019-2021\n"
      "Thierry Coudert, préfet de l'Eure, et Pascal Lehongre, président du conseil départemental de l'Eure, ont "
      "signé le 28 juin la convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi pour la période "
      "2019-2021.\n"
      "Pour 2019, l'État apporte 1 006 000 €.\n",
      Date{2021, 1, 12});
  REQUIRE(codes(ex) == std::vector<std::string>{"27"});
  CHECK(iso(ex.conventions[0].signed_on) == "2019-06-28");
}

// ---------------------------------------------------------------------------------------------
// Funding: who gives, for which year

TEST_CASE("generality: the State accompanies the Département: the Département is the recipient",
          "[generality][funding]") {
  const auto ex = run_text(
      "Basse-Terre, le 27 juin 2019\n"
      "La présidente du Conseil départemental de la Guadeloupe, Josette Borel-Lincertin, et le préfet de la région "
      "Guadeloupe, Philippe Gustin, ont signé mercredi 26 juin 2019 la convention d'appui à la lutte contre la "
      "pauvreté et d'accès à l'emploi 2019-2021.\n"
      "L'État accompagnera le Département à hauteur de près de 2 millions d'euros par an pendant la durée de la "
      "convention.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"971"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(iso(c.signed_on) == "2019-06-26");
  CHECK(sorted(c.signatories) == sorted({{"Josette Borel-Lincertin", Role::president_departement},
                                         {"Philippe Gustin", Role::prefet}}));
  CHECK(scored(c.funding) == expected({money(Funder::etat, 2019, 2000000, Qualifier::about),
                                       money(Funder::etat, 2020, 2000000, Qualifier::about),
                                       money(Funder::etat, 2021, 2000000, Qualifier::about)}));
}

TEST_CASE("generality: 'jusqu'en 2021' bounds a yearly amount, it is not its year", "[generality][year]") {
  const auto ex = run_text(
      "Mont-de-Marsan, le 10 juillet 2019\n"
      "Xavier Fortinon, président du conseil départemental des Landes, et la préfète Cécile Bigot-Dekeyzer ont "
      "signé mardi 9 juillet la convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi pour la "
      "période 2019-2021.\n"
      "L'État versera plus de 800 000 € chaque année jusqu'en 2021.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"40"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(iso(c.signed_on) == "2019-07-09");
  CHECK(sorted(c.signatories) == sorted({{"Xavier Fortinon", Role::president_departement},
                                         {"Cécile Bigot-Dekeyzer", Role::prefet}}));
  CHECK(scored(c.funding) == expected({money(Funder::etat, 2019, 800000, Qualifier::more_than),
                                       money(Funder::etat, 2020, 800000, Qualifier::more_than),
                                       money(Funder::etat, 2021, 800000, Qualifier::more_than)}));
}

TEST_CASE("generality: a period and a year in one sentence, 'dont' keeps the funder", "[generality][year][funding]") {
  const auto ex = run_text(
      "Rennes, le 12 juillet 2019\n"
      "Michèle Kirry, préfète de la région Bretagne, préfète d'Ille-et-Vilaine, et Jean-Luc Chenut, président du "
      "Département d'Ille-et-Vilaine, ont signé le 11 juillet 2019 la convention d'appui à la lutte contre la "
      "pauvreté et d'accès à l'emploi.\n"
      "Sur la période 2019-2021, l'État mobilise 3,4 millions d'euros, dont 1,1 million d'euros pour 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"35"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(c.period == Period{2019, 2021});
  CHECK(sorted(c.signatories) ==
        sorted({{"Michèle Kirry", Role::prefet}, {"Jean-Luc Chenut", Role::president_departement}}));
  CHECK(scored(c.funding) ==
        expected({money(Funder::etat, std::nullopt, 3400000), money(Funder::etat, 2019, 1100000)}));
}

TEST_CASE("generality: a future signing, 'en 2019' beats the period named later in the sentence",
          "[generality][year][signed_on]") {
  const auto ex = run_text(
      "Aurillac, le 8 juillet 2019\n"
      "La convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi sera signée le 15 juillet "
      "prochain par Isabelle Sima, préfète du Cantal, et Bruno Faure, président du conseil départemental du "
      "Cantal.\n"
      "L'État mobilisera 600 000 € en 2019 pour cofinancer les actions de la convention, qui couvrira la période "
      "2019-2021.\n"
      "Le Département a validé le contenu de la convention lors de sa séance du 28 juin 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"15"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK_FALSE(c.signed_on);
  CHECK(c.period == Period{2019, 2021});
  CHECK(scored(c.funding) == expected({money(Funder::etat, 2019, 600000)}));
}

TEST_CASE("generality: an avenant's year applies to the next sentence's counterpart amount",
          "[generality][year]") {
  const auto ex = run_text(
      "Rouen, le 9 avril 2021\n"
      "Pierre-André Durand, préfet de la région Normandie, préfet de la Seine-Maritime, et Bertrand Bellanger, "
      "président du Département de la Seine-Maritime, ont signé le 8 avril 2021 l'avenant 2021 à la convention "
      "d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "Cet avenant porte la contribution de l'État à 2 830 000 € pour l'année 2021. Le Département mobilise pour "
      "sa part 3 000 000 €.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"76"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK_FALSE(c.signed_on);  // the avenant's date is not the convention's
  CHECK(scored(c.funding) ==
        expected({money(Funder::etat, 2021, 2830000), money(Funder::departement, 2021, 3000000)}));
}

TEST_CASE("generality: the title repeats a body amount without its year", "[generality][funding]") {
  const auto ex = run_text(
      "Seine-Saint-Denis : l'État met plus de 5 millions d'euros contre la pauvreté\n"
      "Bobigny, le 16 juillet 2019\n"
      "Pierre-André Durand, préfet de Seine-Saint-Denis, et le président du conseil départemental ont signé lundi "
      "15 juillet la convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "L'État y consacrera plus de 5 millions d'euros en 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"93"});
  CHECK(scored(ex.conventions[0].funding) == expected({money(Funder::etat, 2019, 5000000, Qualifier::more_than)}));
}

// ---------------------------------------------------------------------------------------------
// Periods

TEST_CASE("generality: 'pour les années 2019, 2020 et 2021' is the period, 'par an' spreads over it",
          "[generality][period]") {
  const auto ex = run_text(
      "Toulouse, le 10 juillet 2019\n"
      "Georges Méric, président du Conseil départemental de la Haute-Garonne, et Étienne Guyot, préfet de la "
      "région Occitanie, préfet de la Haute-Garonne, ont signé ce mardi 9 juillet la convention d'appui à la lutte "
      "contre la pauvreté et d'accès à l'emploi, pour les années 2019, 2020 et 2021.\n"
      "L'État versera 1 500 000 € par an au Département pendant trois ans. Le Conseil départemental engagera 2 "
      "millions d'euros chaque année.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"31"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(iso(c.signed_on) == "2019-07-09");
  CHECK(c.period == Period{2019, 2021});
  CHECK(scored(c.funding) == expected({money(Funder::etat, 2019, 1500000), money(Funder::etat, 2020, 1500000),
                                       money(Funder::etat, 2021, 1500000), money(Funder::departement, 2019, 2000000),
                                       money(Funder::departement, 2020, 2000000),
                                       money(Funder::departement, 2021, 2000000)}));
}

TEST_CASE("generality: 'pour les années 2019 à 2021' is the period", "[generality][period]") {
  const auto ex = run_text(
      "Bourg-en-Bresse, le 2 juillet 2019\n"
      "Le préfet de l'Ain et le président du Département de l'Ain ont signé le 1er juillet 2019 la convention "
      "d'appui à la lutte contre la pauvreté et d'accès à l'emploi pour les années 2019 à 2021.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"01"});
  CHECK(ex.conventions[0].period == Period{2019, 2021});
}

// ---------------------------------------------------------------------------------------------
// Measures

TEST_CASE("generality: 'sorties de l'ASE' in the plural is the sorties_ase measure", "[generality][measures]") {
  const auto ex = run_text(
      "Avignon, le 3 juillet 2019\n"
      "Le préfet de Vaucluse et le président du Département de Vaucluse ont signé le 2 juillet 2019 la convention "
      "d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "Elle renforce la prévention des sorties de l'ASE et le premier accueil social.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"84"});
  CHECK(sorted(ex.conventions[0].measures) == sorted({Measure::sorties_ase, Measure::premier_accueil}));
}

// ---------------------------------------------------------------------------------------------
// Annex tables

TEST_CASE("generality: annex header cells naming funder and year ('Financement État 2019', 'Part CD')",
          "[generality][actions]") {
  const auto ex = run_text(
      "Convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi entre l'État et le Département des "
      "Côtes-d'Armor, représenté par son président\n"
      "ANNEXE 1 : Tableau financier\n"
      "Actions\tFinancement État 2019\tPart CD 2019\n"
      "Action 1-1 Prévenir les sorties sèches de l'ASE\t150 000 €\t150 000 €\n"
      "Action 2-1 Premier accueil social inconditionnel\t200 000 €\t200 000 €\n"
      "Total\t350 000 €\t350 000 €\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"22"});
  const auto& actions = ex.conventions[0].actions;
  REQUIRE(actions.size() == 2);
  CHECK(actions[0].code == "1-1");
  CHECK(scored(actions[0].funding) ==
        expected({money(Funder::etat, 2019, 150000), money(Funder::departement, 2019, 150000)}));
  CHECK(actions[1].code == "2-1");
  CHECK(scored(actions[1].funding) ==
        expected({money(Funder::etat, 2019, 200000), money(Funder::departement, 2019, 200000)}));
}
