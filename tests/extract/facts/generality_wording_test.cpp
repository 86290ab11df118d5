// Generality cases, second series: French wordings met on real documents of other départements
// and publishers (issue 12). Each case is an invented short document that shows one wording;
// none copies a corpus line. Tags name the rule each case exercises. The last cases are
// documents about other programmes, which must yield no convention.

#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <conventiond/extract/extractor.hpp>
#include <conventiond/extract/periods.hpp>
#include <conventiond/extract/plain_text_document.hpp>

using namespace conventiond;

namespace {

Extraction run_text(std::string_view text, std::string_view site_name = {}) {
  auto doc = parse_plain_text(text, "wording.txt");
  REQUIRE(doc.ok());
  TextDocument d = std::move(doc).value();
  if (!site_name.empty()) d.site_name = std::string(site_name);  // as an HTML page's og:site_name sets it
  return extract_conventions(std::move(d));
}

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

using M = std::vector<Money>;

M scored(const std::vector<FundingLine>& v) {
  M out;
  for (const FundingLine& l : v) out.push_back({l.funder, l.year, l.amount_eur, l.qualifier});
  std::sort(out.begin(), out.end());
  return out;
}

M money(M v) {
  std::sort(v.begin(), v.end());
  return v;
}

constexpr Qualifier exact = Qualifier::exact;

std::vector<std::string> codes(const Extraction& ex) {
  std::vector<std::string> out;
  for (const ConventionFacts& c : ex.conventions) out.push_back(c.departement);
  std::sort(out.begin(), out.end());
  return out;
}

const ConventionFacts& get(const Extraction& ex, std::string_view code) {
  for (const ConventionFacts& c : ex.conventions)
    if (c.departement == code) return c;
  FAIL("no convention for " << code);
  return ex.conventions.front();
}

std::string iso(const std::optional<Date>& d) { return d ? d->to_iso() : std::string("null"); }

std::vector<Signatory> sorted(std::vector<Signatory> v) {
  std::sort(v.begin(), v.end(), [](const Signatory& a, const Signatory& b) { return a.name < b.name; });
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
}  // namespace Catch

// ---------------------------------------------------------------------------------------------
// Who pays what

TEST_CASE("wording: an amount financed half by the State and half by the Département is a total",
          "[wording][funding]") {
  const auto ex = run_text(
      "Tulle, le 3 juillet 2019\n"
      "La préfète de la Corrèze et le président du Département de la Corrèze ont signé le 2 juillet 2019 la "
      "convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "Les actions retenues, d'un montant de 1,2 million d'euros en 2019, sont financées pour moitié par l'État et "
      "pour moitié par le Département.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"19"});
  CHECK(scored(ex.conventions[0].funding) == money({{Funder::total, 2019, 1200000, exact},
                                                    {Funder::etat, 2019, 600000, exact},
                                                    {Funder::departement, 2019, 600000, exact}}));
}

TEST_CASE("wording: the halves named before the amount ('pour moitié par l'État et pour moitié par le Département, soit X')",
          "[wording][funding]") {
  const auto ex = run_text(
      "Poitiers, le 1er juillet 2019\n"
      "Le préfet de la Vienne et le président du conseil départemental de la Vienne ont signé le 28 juin 2019 la "
      "convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "Les actions sont financées pour moitié par l'État et pour moitié par le Département, soit 1 200 000 euros "
      "en 2019.\n"
      "Les mesures sont financées à parts égales entre l'État et le Département : 900 000 euros en 2020.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"86"});
  CHECK(scored(ex.conventions[0].funding) == money({{Funder::total, 2019, 1200000, exact},
                                                    {Funder::etat, 2019, 600000, exact},
                                                    {Funder::departement, 2019, 600000, exact},
                                                    {Funder::total, 2020, 900000, exact},
                                                    {Funder::etat, 2020, 450000, exact},
                                                    {Funder::departement, 2020, 450000, exact}}));
}

TEST_CASE("wording: one funder's rate before an amount ('l'État finance 50 % des actions du Département : X') is its own",
          "[wording][funding]") {
  const auto ex = run_text(
      "Poitiers, le 1er juillet 2019\n"
      "Le préfet de la Vienne et le président du conseil départemental de la Vienne ont signé le 28 juin 2019 la "
      "convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "L'État finance 50 % des actions du Département, soit 700 000 euros en 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"86"});
  CHECK(scored(ex.conventions[0].funding) == money({{Funder::etat, 2019, 700000, exact}}));
}

TEST_CASE("wording: '... par an, financés à 50 % par l'État et 50 % par le Département', no period stated",
          "[wording][funding][year]") {
  const auto ex = run_text(
      "Mende, le 28 juin 2019\n"
      "Une convention contre la pauvreté a été signée le 27 juin 2019 entre le préfet de la Lozère et la présidente "
      "du Département de la Lozère. D'une durée de trois ans, elle permettra de mobiliser 250 000 € par an pour des actions "
      "nouvelles, financées à 50 % par l'État et 50 % par le Département.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"48"});
  // per year from the signature's year on; the shares are halves of that total
  CHECK(scored(ex.conventions[0].funding) == money({{Funder::total, 2019, 250000, exact},
                                                    {Funder::etat, 2019, 125000, exact},
                                                    {Funder::departement, 2019, 125000, exact}}));
}

TEST_CASE("wording: 'en contrepartie d'un soutien financier de X €, le département s'engage' names the recipient",
          "[wording][funding]") {
  const auto ex = run_text(
      "Foix, le 5 juillet 2019\n"
      "Le préfet de l'Ariège et la présidente du conseil départemental de l'Ariège ont signé le 4 juillet 2019 la "
      "convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "En contrepartie d'un soutien financier de 480 000 € en 2019, le département s'engage à créer un premier "
      "accueil social inconditionnel.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"09"});
  CHECK(scored(ex.conventions[0].funding) == money({{Funder::etat, 2019, 480000, exact}}));
}

TEST_CASE("wording: the Département receiving a support is not its funder: another fund's money is not the convention's",
          "[wording][funding]") {
  const auto ex = run_text(
      "Paris, le 20 juin 2019\n"
      "La secrétaire d'État et le président du conseil départemental de l'Allier ont signé ce jeudi la convention "
      "d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "Le département de l'Allier bénéficiera d'un soutien de plus 1,3 million d'euros en 2019. Ce soutien "
      "s'ajoute aux 900 000 euros accordés au département au titre du fonds d'appui aux politiques d'insertion.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"03"});
  CHECK(scored(ex.conventions[0].funding) == money({{Funder::etat, 2019, 1300000, Qualifier::more_than}}));
}

TEST_CASE("wording: money put into the convention without a funder named is its total", "[wording][funding]") {
  const auto ex = run_text(
      "Aurillac, le 4 juillet 2019\n"
      "Le Département du Cantal et l'État ont signé ce mercredi la convention qui décline la stratégie de lutte "
      "contre la pauvreté.\n"
      "Une enveloppe de près de 3 millions d'euros sur trois ans est ainsi dévolue au Cantal.\n"
      "Au niveau national, les crédits de la contractualisation atteignent 135 millions d'euros en 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"15"});
  // the national credits are all départements' money, not this convention's
  CHECK(scored(ex.conventions[0].funding) == money({{Funder::total, std::nullopt, 3000000, Qualifier::about}}));
}

TEST_CASE("wording: a métropole's or a city's amount in the same sentence is not the département's",
          "[wording][funding]") {
  const auto ex = run_text(
      "Lyon, le 2 avril 2019\n"
      "Le département de l'Isère a signé avec l'État sa convention d'appui à la lutte contre la pauvreté et "
      "d'accès à l'emploi.\n"
      "L'État apporte un financement de 1,1 million d'euros dès 2019 au département et de 700 000 euros pour la "
      "métropole.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"38"});
  CHECK(scored(ex.conventions[0].funding) == money({{Funder::etat, 2019, 1100000, exact}}));
}

TEST_CASE("wording: 'L'État et le Département y consacrent X chacun', 'les deux partenaires ... chacun'",
          "[wording][funding]") {
  const auto ex = run_text(
      "Annecy, le 10 juillet 2019\n"
      "Le préfet de la Haute-Savoie et le président du Département de la Haute-Savoie ont signé le 9 juillet 2019 "
      "la convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "En 2019, les deux partenaires consacreront plus de 700 000 euros chacun à ces actions.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"74"});
  CHECK(scored(ex.conventions[0].funding) == money({{Funder::etat, 2019, 700000, Qualifier::more_than},
                                                    {Funder::departement, 2019, 700000, Qualifier::more_than}}));
}

TEST_CASE("wording: 'respectivement' gives each département its amount", "[wording][funding][several]") {
  const auto ex = run_text(
      "Metz, le 5 juillet 2019\n"
      "Le préfet de la Moselle a signé le 4 juillet 2019 la convention d'appui à la lutte contre la pauvreté avec "
      "le Département de la Moselle, ainsi qu'avec le Département de la Meuse.\n"
      "L'État apporte respectivement 2,1 M€ et 800 000 € à la Moselle et à la Meuse en 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"55", "57"});
  CHECK(iso(get(ex, "55").signed_on) == "2019-07-04");
  CHECK(scored(get(ex, "57").funding) == money({{Funder::etat, 2019, 2100000, exact}}));
  CHECK(scored(get(ex, "55").funding) == money({{Funder::etat, 2019, 800000, exact}}));
}

TEST_CASE("wording: parallel phrasing, each département before its amount", "[wording][funding][several]") {
  const auto ex = run_text(
      "Toulouse, le 12 juillet 2019\n"
      "Les départements de l'Ariège et du Tarn ont signé le 11 juillet 2019 avec l'État leur convention d'appui à "
      "la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "En 2019, l'Ariège recevra de l'État 600 000 € et le Tarn 900 000 €.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"09", "81"});
  CHECK(scored(get(ex, "09").funding) == money({{Funder::etat, 2019, 600000, exact}}));
  CHECK(scored(get(ex, "81").funding) == money({{Funder::etat, 2019, 900000, exact}}));
}

TEST_CASE("wording: 'portée en 2020 à X (contre Y en 2019)' keeps the funder for the earlier year",
          "[wording][funding][year]") {
  const auto ex = run_text(
      "Lutte contre la pauvreté\n"
      "Dans les Landes, la contribution de l'État au titre de la convention d'appui à la lutte contre la pauvreté "
      "et d'accès à l'emploi a été portée en 2020 à 1 250 000 euros (contre 640 000 euros en 2019).\n",
      "Les services de l'État dans les Landes");
  REQUIRE(codes(ex) == std::vector<std::string>{"40"});
  CHECK(scored(ex.conventions[0].funding) ==
        money({{Funder::etat, 2020, 1250000, exact}, {Funder::etat, 2019, 640000, exact}}));
}

TEST_CASE("wording: 'Au total ce sont X que l'État consacre par an', then the total over the period",
          "[wording][funding][year]") {
  const auto ex = run_text(
      "Bourges, le 9 juillet 2019\n"
      "Le préfet du Cher et le président du Conseil départemental du Cher ont signé le 8 juillet 2019 la "
      "convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi 2019-2021.\n"
      "Au total ce sont 500 000 € que l'État consacre par an de 2019 à 2021, autant que le Département, soit au "
      "total sur trois ans : 3 M€.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"18"});
  CHECK(scored(ex.conventions[0].funding) == money({{Funder::etat, 2019, 500000, exact},
                                                    {Funder::etat, 2020, 500000, exact},
                                                    {Funder::etat, 2021, 500000, exact},
                                                    {Funder::total, std::nullopt, 3000000, exact}}));
}

TEST_CASE("wording: 'dont' a part of an amount for a year: a policy's whole budget is not the convention's",
          "[wording][funding][year]") {
  const auto ex = run_text(
      "Chartres, le 3 juillet 2019\n"
      "Le préfet d'Eure-et-Loir et le président du Département d'Eure-et-Loir ont signé le 2 juillet 2019 la "
      "convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "Le Département consacre chaque année 180 M€ à l'action sociale.\n"
      "Le montant de la contractualisation s'élève à 2,4 M€ en 2019, dont 1,2 M€ de l'État.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"28"});
  CHECK(scored(ex.conventions[0].funding) ==
        money({{Funder::total, 2019, 2400000, exact}, {Funder::etat, 2019, 1200000, exact}}));
}

// ---------------------------------------------------------------------------------------------
// Which département

TEST_CASE("wording: the préfecture's site names the département the text leaves implied", "[wording][departement]") {
  const auto ex = run_text(
      "Stratégie de prévention et de lutte contre la pauvreté\n"
      "La convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi a été signée le 3 juillet 2019 "
      "entre l'État et le Département.\n",
      "Les services de l'État en Haute-Marne");
  REQUIRE(codes(ex) == std::vector<std::string>{"52"});
  CHECK(iso(ex.conventions[0].signed_on) == "2019-07-03");
}

TEST_CASE("wording: a news site naming a place is not the publisher of a party", "[wording][departement]") {
  const auto ex = run_text(
      "Stratégie de prévention et de lutte contre la pauvreté\n"
      "La convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi a été signée le 3 juillet 2019 "
      "entre l'État et le Département.\n",
      "Radio Gironde");
  CHECK(ex.conventions.empty());
}

TEST_CASE("wording: an enumeration of départements that signed together", "[wording][departement][several]") {
  const auto ex = run_text(
      "Rouen, le 12 juillet 2019\n"
      "Les départements du Calvados, de l'Eure, de la Manche, de l'Orne et de la Seine-Maritime ont signé le 11 "
      "juillet 2019 avec l'État leur convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"14", "27", "50", "61", "76"});
  for (const ConventionFacts& c : ex.conventions) CHECK(iso(c.signed_on) == "2019-07-11");
}

TEST_CASE("wording: collectivités territoriales of Martinique and Guyane", "[wording][departement][overseas]") {
  const auto mq = run_text(
      "Fort-de-France, le 12 juillet 2019\n"
      "Le préfet de la Martinique, Jean Morin, et le président du conseil exécutif de la Collectivité territoriale "
      "de Martinique, Paul Durand, ont signé le 11 juillet 2019 la convention d'appui à la lutte contre la "
      "pauvreté et d'accès à l'emploi.\n");
  REQUIRE(codes(mq) == std::vector<std::string>{"972"});
  CHECK(sorted(mq.conventions[0].signatories) ==
        sorted({{"Jean Morin", Role::prefet}, {"Paul Durand", Role::president_departement}}));
  const auto gf = run_text(
      "Cayenne, le 3 octobre 2019\n"
      "Le préfet de la région Guyane, Marc Lenoir, et le président de la Collectivité territoriale de Guyane, "
      "Jules Martin, ont signé le 2 octobre 2019 la convention d'appui à la lutte contre la pauvreté.\n");
  REQUIRE(codes(gf) == std::vector<std::string>{"973"});
  CHECK(iso(gf.conventions[0].signed_on) == "2019-10-02");
}

TEST_CASE("wording: 'le préfet de Corse et le président du conseil exécutif de Corse' sign for the Collectivité",
          "[wording][departement][overseas]") {
  const auto ex = run_text(
      "Ajaccio, le 3 octobre 2019\n"
      "Le préfet de Corse et le président du conseil exécutif de Corse ont signé la convention de lutte contre la "
      "pauvreté le 2 octobre 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"2A", "2B"});
  CHECK(iso(get(ex, "2B").signed_on) == "2019-10-02");
  // "Haute-Corse" alone is one département
  const auto hc = run_text(
      "Bastia, le 3 octobre 2019\n"
      "Le préfet de la Haute-Corse a signé le 2 octobre 2019 la convention de lutte contre la pauvreté.\n");
  CHECK(codes(hc) == std::vector<std::string>{"2B"});
}

TEST_CASE("wording: the préfet and the président 'ont officialisé' the plan: the convention without its noun",
          "[wording][relevance][signed_on]") {
  const auto ex = run_text(
      "Stratégie nationale de prévention et de lutte contre la pauvreté\n"
      "Laval, le 2 juillet 2019\n"
      "Paul Girard, préfet de la Mayenne, et Luc Moreau, président du Département, ont officialisé ce lundi 1er "
      "juillet le déploiement du plan pauvreté en Mayenne. Plus de 1,5 M€ vont être engagés dès 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"53"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(iso(c.signed_on) == "2019-07-01");
  CHECK(sorted(c.signatories) ==
        sorted({{"Luc Moreau", Role::president_departement}, {"Paul Girard", Role::prefet}}));
  CHECK(scored(c.funding) == money({{Funder::total, 2019, 1500000, Qualifier::more_than}}));
}

TEST_CASE("wording: 'ont scellé leur partenariat', the reference date from 'Communiqué de presse du'",
          "[wording][relevance][signed_on]") {
  const auto ex = run_text(
      "État et Département s'engagent ensemble dans le plan pauvreté\n"
      "Communiqué de presse du 4 juillet 2019\n"
      "Mardi 2 juillet, l'État et le Département ont scellé leur partenariat, pour trois ans, afin de mettre en "
      "œuvre ce plan en Haute-Vienne. Dès cette année, l'État engagera 420 000 € et le Département, chef de file "
      "des solidarités, près d'1,1 M€.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"87"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(iso(c.signed_on) == "2019-07-02");
  CHECK(scored(c.funding) == money({{Funder::etat, 2019, 420000, exact},
                                    {Funder::departement, 2019, 1100000, Qualifier::about}}));
}

TEST_CASE("wording: a register of administrative acts, one entry of which is the convention",
          "[wording][register]") {
  const auto ex = run_text(
      "RECUEIL DES ACTES ADMINISTRATIFS N°23-2019-07\n"
      "Sommaire\n"
      "Arrêté portant autorisation d'un établissement pour personnes âgées à Guéret, signé le 3 juillet 2019 par "
      "Pierre Lambert, préfet de la Creuse ........ 3\n"
      "Arrêté fixant la composition de la commission départementale de la nature et des sites ........ 12\n"
      "CONVENTION D'APPUI À LA LUTTE CONTRE LA PAUVRETÉ ET D'ACCÈS À L'EMPLOI ENTRE L'ÉTAT ET LE DÉPARTEMENT DE "
      "LA CREUSE ........ 27\n"
      "Décision de délégation de signature au directeur départemental des territoires, signée le 1er juillet "
      "2019 ........ 41\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"23"});
  // the other acts' dates and signers are not the convention's
  CHECK(iso(ex.conventions[0].signed_on) == "null");
  CHECK(ex.conventions[0].signatories.empty());
}

// ---------------------------------------------------------------------------------------------
// Periods

TEST_CASE("wording: periods written with months, and a convention for one year", "[wording][period]") {
  const auto spans = find_periods("prolongée de juillet 2022 à juin 2023 par avenant");
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].period.start == 2022);
  CHECK(spans[0].period.end == 2023);
  const auto ex = run_text(
      "Blois, le 15 mars 2023\n"
      "Le préfet de Loir-et-Cher et le président du Département de Loir-et-Cher ont signé le 14 mars 2023 la "
      "convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi pour l'année 2023.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"41"});
  REQUIRE(ex.conventions[0].period);
  CHECK(ex.conventions[0].period->start == 2023);
  CHECK(ex.conventions[0].period->end == 2023);
}

TEST_CASE("wording: a Pacte des solidarités' period is another programme's", "[wording][period]") {
  const auto ex = run_text(
      "Vesoul, le 10 juillet 2019\n"
      "Le préfet de la Haute-Saône et le président du Département de la Haute-Saône ont signé le 9 juillet 2019 la "
      "convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "Elle préfigure le pacte local des solidarités 2024-2027.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"70"});
  CHECK_FALSE(ex.conventions[0].period);
}

// ---------------------------------------------------------------------------------------------
// Signatories and dates

TEST_CASE("wording: those who will sign ('signeront') are the signatories, the future date is not signed_on",
          "[wording][signatories]") {
  const auto ex = run_text(
      "Avis aux rédactions\n"
      "Anne Leroy, secrétaire d'État auprès de la ministre des Solidarités et de la Santé, et Marc Petit, président "
      "du Conseil départemental de l'Hérault, signeront la convention d'appui à la lutte contre la pauvreté et "
      "d'accès à l'emploi vendredi 19 avril 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"34"});
  CHECK(iso(ex.conventions[0].signed_on) == "null");
  CHECK(sorted(ex.conventions[0].signatories) ==
        sorted({{"Anne Leroy", Role::secretaire_etat}, {"Marc Petit", Role::president_departement}}));
}

TEST_CASE("wording: a visitor 'à l'occasion de la signature, par X et Y' did not sign", "[wording][signatories]") {
  const auto ex = run_text(
      "Lille, le 18 décembre 2018\n"
      "Anne Leroy, secrétaire d'État, s'est rendue à Lille à l'occasion de la signature, par Paul Girard, préfet "
      "du Nord, et Jean Roux, président du Conseil départemental du Nord, de la convention d'appui à la lutte "
      "contre la pauvreté et d'accès à l'emploi.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"59"});
  CHECK(sorted(ex.conventions[0].signatories) ==
        sorted({{"Jean Roux", Role::president_departement}, {"Paul Girard", Role::prefet}}));
}

TEST_CASE("wording: two roles then two names ('La ministre ... et sa secrétaire d'État, A et B')",
          "[wording][signatories]") {
  const auto ex = run_text(
      "Nancy, le 27 avril 2019\n"
      "La ministre des Solidarités et de la Santé et sa secrétaire d'État, Claire Dumas et Anne Leroy, et le "
      "président du conseil départemental des Vosges, Marc Petit, ont signé le vendredi 26 avril 2019 une "
      "convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"88"});
  CHECK(sorted(ex.conventions[0].signatories) == sorted({{"Claire Dumas", Role::ministre},
                                                         {"Anne Leroy", Role::secretaire_etat},
                                                         {"Marc Petit", Role::president_departement}}));
}

TEST_CASE("wording: a préfet quoted at a later visit is not a second signatory: 'Le Préfet X' without 'de'",
          "[wording][signatories]") {
  const auto ex = run_text(
      "Lons-le-Saunier, le 3 octobre 2019\n"
      "Le Préfet Richard Blanc et le président du Département du Jura, Henri Vidal, ont signé le 2 octobre 2019 la "
      "convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n"
      "Un an plus tard, Louis Garnier, nouveau préfet du Jura, a visité une structure financée par la convention.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"39"});
  CHECK(sorted(ex.conventions[0].signatories) ==
        sorted({{"Henri Vidal", Role::president_departement}, {"Richard Blanc", Role::prefet}}));
}

TEST_CASE("wording: 'un avenant à la convention a été signé': the avenant's date goes to amendments",
          "[wording][signed_on][avenant]") {
  const auto ex = run_text(
      "Carcassonne, le 27 novembre 2020\n"
      "Un avenant à la convention d'appui à la lutte contre la pauvreté a été signé ce jeudi 26 novembre par la "
      "présidente du conseil départemental de l'Aude et la préfète de l'Aude. Bénéficiant d'une enveloppe de "
      "1 500 000 € en 2020, le Département poursuit ses actions.\n"
      "Cet avenant prolonge la convention signée le 25 juin 2019 entre l'État et le conseil départemental de "
      "l'Aude.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"11"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(iso(c.signed_on) == "2019-06-25");
  REQUIRE(c.amendments.size() == 1);
  CHECK(iso(c.amendments[0].signed_on) == "2020-11-26");
  CHECK(scored(c.funding) == money({{Funder::total, 2020, 1500000, exact}}));
}

TEST_CASE("wording: the year an avenant is for, stated at the end of its sentence ('pour l'année 2022')",
          "[wording][avenant]") {
  const auto ex = run_text(
      "Limoges, le 15 juin 2022\n"
      "Le 14 juin 2022, le préfet de la Haute-Vienne et le président du conseil départemental de la Haute-Vienne "
      "ont signé l'avenant à la convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi pour "
      "l'année 2022.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"87"});
  const ConventionFacts& c = ex.conventions[0];
  CHECK(iso(c.signed_on) == "null");
  REQUIRE(c.amendments.size() == 1);
  CHECK(iso(c.amendments[0].signed_on) == "2022-06-14");
  CHECK(c.amendments[0].year == std::optional<int>(2022));
}

TEST_CASE("wording: the date of a communiqué is not the signature's", "[wording][signed_on]") {
  const auto ex = run_text(
      "Stratégie pauvreté : une convention signée en Haute-Garonne\n"
      "Le département de la Haute-Garonne a signé avec l'État sa convention d'appui à la lutte contre la "
      "pauvreté et d'accès à l'emploi, selon un communiqué commun du 1er avril 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"31"});
  CHECK(iso(ex.conventions[0].signed_on) == "null");
}

// ---------------------------------------------------------------------------------------------
// Other programmes: no convention

TEST_CASE("wording: a pacte local des solidarités is another programme", "[wording][negative]") {
  const auto ex = run_text(
      "Pacte local des solidarités 2024-2027\n"
      "Laval, le 12 mars 2024\n"
      "Le préfet de la Mayenne et le président du Conseil départemental de la Mayenne ont signé le 11 mars 2024 le "
      "pacte local des solidarités, qui prend la suite de la stratégie de prévention et de lutte contre la "
      "pauvreté. Le contrat prévoit 1,1 M€ par an de l'État.\n");
  CHECK(ex.conventions.empty());
}

TEST_CASE("wording: a contrat de ville and its avenant are another programme", "[wording][negative]") {
  const auto ex = run_text(
      "Amiens, le 3 février 2023\n"
      "Le préfet de la Somme, le maire d'Amiens et le président du Département de la Somme ont signé l'avenant au "
      "contrat de ville 2015-2023 pour lutter contre la pauvreté dans les quartiers prioritaires.\n");
  CHECK(ex.conventions.empty());
}

TEST_CASE("wording: a CAF's convention territoriale globale is another programme", "[wording][negative]") {
  const auto ex = run_text(
      "Évreux, le 3 février 2022\n"
      "La Caisse d'allocations familiales de l'Eure et la communauté d'agglomération ont signé la convention "
      "territoriale globale 2022-2026, en présence du préfet de l'Eure.\n"
      "Elle porte sur la petite enfance, la parentalité et la lutte contre la pauvreté.\n");
  CHECK(ex.conventions.empty());
}

TEST_CASE("wording: a plan grand froid is another programme", "[wording][negative]") {
  const auto ex = run_text(
      "Plan grand froid : renforcement des maraudes\n"
      "Belfort, le 6 janvier 2021\n"
      "Face à la vague de froid, le préfet du Territoire de Belfort a activé le niveau 2 du plan grand froid. Les "
      "maraudes sont renforcées et 40 places d'hébergement d'urgence ouvertes, en lien avec le Département, "
      "signataire de la convention de lutte contre la pauvreté.\n");
  CHECK(ex.conventions.empty());
}

TEST_CASE("wording: a France Relance convention is another programme", "[wording][negative]") {
  const auto ex = run_text(
      "Blois, le 3 février 2021\n"
      "Dans le cadre de France Relance, le préfet de Loir-et-Cher et le président du Département de Loir-et-Cher "
      "ont signé une convention de 1,5 M€ pour soutenir les associations de lutte contre la pauvreté.\n");
  CHECK(ex.conventions.empty());
}

TEST_CASE("wording: a position paper published before the strategy existed", "[wording][negative]") {
  const auto ex = run_text(
      "Le Département plaide pour une contractualisation avec l'État\n"
      "Rodez, le 12 mars 2018\n"
      "Le président du Département de l'Aveyron souhaite qu'une convention de lutte contre la pauvreté soit "
      "signée avec l'État, comme l'a été le 3 mars 2018 la convention d'objectifs avec la CAF.\n");
  CHECK(ex.conventions.empty());
}

TEST_CASE("wording: a page without any date: the only year it names completes 'ce vendredi 28 juin'",
          "[wording][signed_on][year]") {
  const auto ex = run_text(
      "Stratégie de prévention et de lutte contre la pauvreté\n"
      "Le préfet de la Sarthe et le président du Département de la Sarthe ont signé ce vendredi 28 juin la "
      "convention d'appui à la lutte contre la pauvreté. Plus de 2 M€ vont être engagés dès 2019.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"72"});
  CHECK(iso(ex.conventions[0].signed_on) == "2019-06-28");
  // two years named: none is the year of the date
  const auto two = run_text(
      "Stratégie de prévention et de lutte contre la pauvreté\n"
      "Le préfet de la Sarthe et le président du Département de la Sarthe ont signé ce vendredi 28 juin la "
      "convention d'appui à la lutte contre la pauvreté. Plus de 2 M€ vont être engagés en 2019 et en 2020.\n");
  REQUIRE(codes(two) == std::vector<std::string>{"72"});
  CHECK(iso(two.conventions[0].signed_on) == "null");
}

TEST_CASE("wording: a contrat local des solidarités that succeeds the convention is another programme",
          "[wording][negative]") {
  const auto ex = run_text(
      "Contrat local des solidarités : l'État et le Département s'engagent\n"
      "Guéret, le 20 juin 2023\n"
      "Le préfet de la Creuse et la présidente du Département de la Creuse ont signé le 19 juin 2023 le contrat "
      "local des solidarités 2023-2027, qui succède à la convention d'appui à la lutte contre la pauvreté et "
      "d'accès à l'emploi. L'État y consacre 900 000 € par an.\n");
  CHECK(ex.conventions.empty());
}

TEST_CASE("wording: a national review naming a former président's signature", "[wording][negative]") {
  const auto ex = run_text(
      "Bilan de la stratégie pauvreté\n"
      "Paris, le 12 octobre 2021\n"
      "Lancée en 2018, la stratégie a donné lieu à des conventions signées avec 99 départements. Paul Girard, "
      "alors président du Département du Nord, avait signé la première en décembre 2018.\n");
  CHECK(ex.conventions.empty());
}

TEST_CASE("wording: a métropole's convention, even titled 'la convention pauvreté'", "[wording][negative]") {
  const auto ex = run_text(
      "Métropole : signature de la convention pauvreté\n"
      "Lyon, le 5 juillet 2019\n"
      "Le préfet du Rhône et le président de la Métropole de Lyon ont signé le 4 juillet 2019 la convention "
      "d'appui à la lutte contre la pauvreté entre l'État et la Métropole de Lyon. L'État apporte 3 M€.\n");
  CHECK(ex.conventions.empty());
}

TEST_CASE("wording: signed by a métropole's or a city's head, the convention d'appui is theirs, not a département's",
          "[wording][negative]") {
  for (const char* text :
       {"Pauvreté : la Métropole signe sa convention avec l'État\n"
        "Le 1er juillet 2019, le préfet du Rhône et le président de la Métropole de Lyon ont signé la convention "
        "d'appui à la lutte contre la pauvreté et d'accès à l'emploi. L'État apporte 3,1 millions d'euros.\n",
        "Lutte contre la pauvreté : une convention pour la ville\n"
        "Le 9 octobre 2019, le préfet des Bouches-du-Rhône et le maire de Marseille ont signé la convention de lutte "
        "contre la pauvreté. L'État apporte 500 000 euros.\n"}) {
    INFO(text);
    CHECK(run_text(text).conventions.empty());
  }
}

TEST_CASE("wording: the métropole signing beside the département does not hide the département's convention",
          "[wording][signatories]") {
  const auto ex = run_text(
      "Stratégie pauvreté : trois signatures à Bordeaux\n"
      "Le 11 juillet 2019, la préfète de la Gironde, le président de Bordeaux Métropole et le président du "
      "Département de la Gironde ont signé la convention d'appui à la lutte contre la pauvreté et d'accès à "
      "l'emploi.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"33"});
  CHECK(iso(ex.conventions[0].signed_on) == "2019-07-11");
}

TEST_CASE("wording: guests named with their title ('en présence du préfet X', '... et de Y') do not sign",
          "[wording][signatories]") {
  const auto ex = run_text(
      "Bobigny, le 10 juillet 2019\n"
      "Le 9 juillet 2019, Christelle Dubos, secrétaire d'État auprès de la ministre des Solidarités, et Stéphane "
      "Troussel, président du Département de la Seine-Saint-Denis, ont signé la convention d'appui à la lutte "
      "contre la pauvreté et d'accès à l'emploi, en présence du préfet Pierre-André Durand et de Marie Martin.\n");
  REQUIRE(codes(ex) == std::vector<std::string>{"93"});
  std::vector<std::string> names;
  for (const auto& s : ex.conventions[0].signatories) names.push_back(s.name);
  CHECK(names == std::vector<std::string>{"Christelle Dubos", "Stéphane Troussel"});
}

TEST_CASE("wording: a convention the Département signs with Pôle emploi or the CAF, without the State, is another one",
          "[wording][negative]") {
  for (const char* text :
       {"Accompagnement global : une convention avec Pôle emploi\n"
        "Le 15 mars 2019, Pôle emploi et le Département de la Sarthe ont signé une convention pour "
        "l'accompagnement global des demandeurs d'emploi, dans le cadre de la lutte contre la pauvreté.\n",
        "Le Département et la CAF unis contre la pauvreté\n"
        "Le 2 décembre 2019, la CAF de la Somme et le Département de la Somme ont signé une convention de lutte "
        "contre la pauvreté des familles. Elle mobilise 400 000 euros.\n"}) {
    INFO(text);
    CHECK(run_text(text).conventions.empty());
  }
}

TEST_CASE("wording: a plan grand froid page naming the Département as a signatory of the convention",
          "[wording][negative]") {
  const auto ex = run_text(
      "Plan grand froid\n"
      "Le préfet du Doubs a déclenché le plan grand froid. Le Département du Doubs, signataire de la convention "
      "d'appui à la lutte contre la pauvreté, renforce les maraudes.\n");
  CHECK(ex.conventions.empty());
}
