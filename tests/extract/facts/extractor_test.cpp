#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include <conventiond/extract/extractor.hpp>
#include <conventiond/extract/plain_text_document.hpp>

using namespace conventiond;

namespace {

Extraction run(std::string_view text) {
  auto doc = parse_plain_text(text, "test.txt");
  REQUIRE(doc.ok());
  return extract_conventions(std::move(doc).value());
}

FundingLine money(Funder f, std::optional<int> y, std::int64_t a, Qualifier q = Qualifier::exact) {
  FundingLine l;
  l.funder = f;
  l.year = y;
  l.amount_eur = a;
  l.qualifier = q;
  return l;
}

bool has(const std::vector<FundingLine>& v, const FundingLine& l) {
  return std::any_of(v.begin(), v.end(), [&](const FundingLine& o) {
    return o.funder == l.funder && o.year == l.year && o.amount_eur == l.amount_eur && o.qualifier == l.qualifier;
  });
}

}  // namespace

TEST_CASE("a préfecture press release", "[extractor]") {
  const auto ex = run(
      "Signature de la convention d'appui à la lutte contre la pauvreté\n\n"
      "Auch, le 12 juillet 2019\n\n"
      "Catherine Séguin, préfète du Gers, et Philippe Martin, président du conseil départemental du Gers, "
      "ont signé le 11 juillet 2019 la convention d'appui à la lutte contre la pauvreté et d'accès à "
      "l'emploi pour la période 2019-2021.\n\n"
      "L'État apportera près de 450 000 euros en 2019 et le Département 500 000 euros.\n\n"
      "La convention prévoit la prévention des sorties sèches de l'aide sociale à l'enfance et le "
      "déploiement des référents de parcours.\n\n"
      "Le Lot voisin signera sa convention en septembre.\n");
  REQUIRE(ex.relevant);
  REQUIRE(ex.conventions.size() == 1);
  const ConventionFacts& c = ex.conventions[0];
  CHECK(c.departement == "32");
  REQUIRE(c.signed_on);
  CHECK(c.signed_on->to_iso() == "2019-07-11");
  REQUIRE(c.period);
  CHECK(*c.period == Period{2019, 2021});
  CHECK(c.signatories == std::vector<Signatory>{{"Catherine Séguin", Role::prefet},
                                                {"Philippe Martin", Role::president_departement}});
  CHECK(has(c.funding, money(Funder::etat, 2019, 450000, Qualifier::about)));
  CHECK(has(c.funding, money(Funder::departement, 2019, 500000)));
  CHECK(c.funding.size() == 2);
  CHECK(c.measures == std::vector<Measure>{Measure::sorties_ase, Measure::referent_parcours});
}

TEST_CASE("the year of a dateline completes a date without one", "[extractor]") {
  const auto ex = run(
      "Nevers, le 20 décembre 2018\n\n"
      "Stratégie de prévention et de lutte contre la pauvreté\n\n"
      "Ce jeudi 20 décembre, Sylvie Houspic, préfète de la Nièvre, et Alain Lassus, président du "
      "conseil départemental de la Nièvre, ont signé une convention d'engagement.\n");
  REQUIRE(ex.conventions.size() == 1);
  CHECK(ex.conventions[0].departement == "58");
  REQUIRE(ex.conventions[0].signed_on);
  CHECK(ex.conventions[0].signed_on->to_iso() == "2018-12-20");
}

TEST_CASE("several départements signing yield one convention each", "[extractor]") {
  const auto ex = run(
      "Stratégie pauvreté : premières contractualisations\n\n"
      "Les trois premiers départements – le Cher, l'Indre et le Loiret – ont signé avec l'État les "
      "contrats issus de la stratégie nationale de prévention et de lutte contre la pauvreté.\n\n"
      "La conférence régionale du 16 janvier 2019 a réuni 500 acteurs en présence de Jean Dupont, préfet de région.\n");
  std::vector<std::string> codes;
  for (const auto& c : ex.conventions) codes.push_back(c.departement);
  std::sort(codes.begin(), codes.end());
  CHECK(codes == std::vector<std::string>{"18", "36", "45"});
  for (const auto& c : ex.conventions) {
    CHECK_FALSE(c.signed_on);
    CHECK(c.signatories.empty());
  }
}

TEST_CASE("another agreement's signature is not the convention's", "[extractor]") {
  const auto ex = run(
      "Arras, le 18 décembre 2018\n\n"
      "Le préfet et le président du conseil départemental de l'Aisne ont signé une convention de lutte "
      "contre la pauvreté.\n\n"
      "Le protocole du Bassin minier, signé le 9 novembre 2018 entre l'État, la Région et le département "
      "du Nord, fait partie intégrante de la présente convention.\n\n"
      "Les montants seront précisés par avenant avant le 31 mars 2019.\n");
  REQUIRE(ex.conventions.size() == 1);
  CHECK(ex.conventions[0].departement == "02");
  CHECK_FALSE(ex.conventions[0].signed_on);
}

TEST_CASE("a document about something else yields no convention", "[extractor]") {
  const auto ex = run(
      "Le préfet et le président du conseil départemental de la Somme ont signé le 3 mars 2020 une "
      "convention relative à l'entretien des routes départementales.\n");
  CHECK_FALSE(ex.relevant);
  CHECK(ex.conventions.empty());
}

TEST_CASE("funding: per year over a period, anaphora, qualifiers, totals", "[extractor]") {
  const auto ex = run(
      "Convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi entre l'État et le "
      "Département de la Haute-Vienne, représenté par son président.\n\n"
      "L'État apporte son soutien financier au Département. Au titre de l'année 2019, ce soutien "
      "s'élève à 1 125 000 €.\n\n"
      "Le FSE contribue pour 90 000 € par an sur la période 2019-2021.\n\n"
      "Le coût total du plan s'élève à plus de 4,5 millions d'euros.\n");
  REQUIRE(ex.conventions.size() == 1);
  const auto& f = ex.conventions[0].funding;
  CHECK(ex.conventions[0].departement == "87");
  CHECK(has(f, money(Funder::etat, 2019, 1125000)));
  CHECK(has(f, money(Funder::fse, 2019, 90000)));
  CHECK(has(f, money(Funder::fse, 2020, 90000)));
  CHECK(has(f, money(Funder::fse, 2021, 90000)));
  CHECK(has(f, money(Funder::total, std::nullopt, 4500000, Qualifier::more_than)));
  CHECK(f.size() == 5);
}

TEST_CASE("sniffing the media type from the bytes", "[extractor]") {
  CHECK(document_media_type("%PDF-1.4 ...", "text/html") == "application/pdf");
  CHECK(document_media_type("  <!DOCTYPE html><html>", "") == "text/html");
  CHECK(document_media_type("Bonjour", "") == "text/plain");
  CHECK(document_media_type("garbage", "application/pdf") == "application/pdf");
}

TEST_CASE("bad input is an error naming the input", "[extractor]") {
  ExtractLimits small;
  small.max_input_bytes = 10;
  auto r = extract_document("01234567890123", "", "big.txt", small);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "limit");
  CHECK(r.error().message.find("big.txt") != std::string::npos);
  auto bin = extract_document(std::string_view("ab\0cd", 5), "", "bin.dat");
  REQUIRE_FALSE(bin.ok());
  CHECK(bin.error().message.find("bin.dat") != std::string::npos);
}

TEST_CASE("several départements, each with its own signature date", "[extractor]") {
  const auto ex = run(
      "Montpellier, le 10 juillet 2019\n\n"
      "Après l'Hérault, trois départements ont signé leur convention d'appui à la lutte contre la "
      "pauvreté : l'Aude le 28 juin, le Gard le 4 juillet et les Pyrénées-Orientales le 9 juillet 2019.\n");
  std::map<std::string, std::string> dates;
  for (const auto& c : ex.conventions) dates[c.departement] = c.signed_on ? c.signed_on->to_iso() : "";
  CHECK(dates["11"] == "2019-06-28");
  CHECK(dates["30"] == "2019-07-04");
  CHECK(dates["66"] == "2019-07-09");
}

TEST_CASE("the président named outside the signing sentence is a signatory", "[extractor]") {
  const auto ex = run(
      "Lille, le 20 décembre 2018\n\n"
      "Le Département du Nord a signé le 19 décembre 2018 la convention d'appui à la lutte contre la "
      "pauvreté et d'accès à l'emploi.\n\n"
      "Jean-René Lecerf, président du Département du Nord, s'en est félicité, en présence de Jean Dupont, "
      "préfet de la Somme.\n");
  REQUIRE(ex.conventions.size() == 1);
  CHECK(ex.conventions[0].signatories ==
        std::vector<Signatory>{{"Jean-René Lecerf", Role::president_departement}});
}

TEST_CASE("an amount shared 'à parts égales' is the total and half for each", "[extractor]") {
  const auto ex = run(
      "Laval, le 3 juillet 2019\n\n"
      "Le préfet et le président du Département de la Mayenne ont signé le 2 juillet 2019 la convention "
      "d'appui à la lutte contre la pauvreté.\n\n"
      "Près de 2 millions d'euros seront mobilisés en 2019, à parts égales entre l'État et le Département.\n");
  REQUIRE(ex.conventions.size() == 1);
  const auto& f = ex.conventions[0].funding;
  CHECK(has(f, money(Funder::total, 2019, 2000000, Qualifier::about)));
  CHECK(has(f, money(Funder::etat, 2019, 1000000, Qualifier::about)));
  CHECK(has(f, money(Funder::departement, 2019, 1000000, Qualifier::about)));
  CHECK(f.size() == 3);
}

TEST_CASE("a département's own site names the département its news page leaves unnamed", "[extractor]") {
  const std::string html =
      "<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Pauvreté : le Département et l'État "
      "s'engagent - Conseil départemental de la Mayenne</title></head><body><main><article>"
      "<h1>Pauvreté : le Département et l'État s'engagent</h1>"
      "<p>Le président du Département et le préfet ont signé le 2 juillet 2019 la convention d'appui à "
      "la lutte contre la pauvreté et d'accès à l'emploi.</p></article></main></body></html>";
  auto r = extract_document(html, "text/html", "mayenne.html");
  REQUIRE(r.ok());
  CHECK(r->document.site_name == "Conseil départemental de la Mayenne");
  REQUIRE(r->conventions.size() == 1);
  CHECK(r->conventions[0].departement == "53");
  REQUIRE(r->conventions[0].signed_on);
  CHECK(r->conventions[0].signed_on->to_iso() == "2019-07-02");
}

TEST_CASE("'cette contribution' takes the funder of the amount before it", "[extractor]") {
  const auto ex = run(
      "Pauvreté : l'avenant 2022 signé en Isère\n\n"
      "Le préfet de l'Isère et le président du Département ont signé le 8 juin 2022 l'avenant 2022 à la "
      "convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi.\n\n"
      "L'État avait apporté 3,1 M€ en 2021 ; l'avenant 2022 porte cette contribution à 3,4 M€.\n");
  REQUIRE(ex.conventions.size() == 1);
  const auto& f = ex.conventions[0].funding;
  CHECK(has(f, money(Funder::etat, 2021, 3100000)));
  CHECK(has(f, money(Funder::etat, 2022, 3400000)));
}
