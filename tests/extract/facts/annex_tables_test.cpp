#include <catch2/catch.hpp>

#include "facts/annex_tables.hpp"

using namespace conventiond;

namespace {
TextBlock row(std::vector<std::string> cells) {
  TextBlock b;
  b.kind = BlockKind::table_row;
  b.set_cells(std::move(cells));
  return b;
}
FundingLine line(Funder f, std::optional<int> y, std::int64_t a) {
  FundingLine l;
  l.funder = f;
  l.year = y;
  l.amount_eur = a;
  return l;
}
}  // namespace

TEST_CASE("annex table: State per year, Département column", "[tables]") {
  TextDocument doc;
  doc.blocks = {row({"Annexe A", "Part Etat", "", "", "Part CD"}),
                row({"", "2019", "2020", "2021", ""}),
                row({"Action 1-1 Prévenir les sorties sèches de l'ASE", "155 000 €", "155 000 €", "155 000 €", "155 000"}),
                row({"Action 2-1 Premier accueil social", "110k€", "110k€", "110 k€", "Contribution identique à celle de l'Etat"}),
                row({"Action 3-2 Appel d'offres garantie d'activité", "190 K€", "568 K€", "1 137 K€", "Idem Part Etat"}),
                row({"TOTAL A", "455 000", "", "", ""})};
  std::vector<std::string> warnings;
  const auto actions = extract_detail::read_annex_actions(doc, warnings);
  REQUIRE(actions.size() == 3);
  CHECK(actions[0].code == "1-1");
  CHECK(actions[0].title == "Prévenir les sorties sèches de l'ASE");
  CHECK(actions[0].funding == std::vector<FundingLine>{line(Funder::etat, 2019, 155000), line(Funder::etat, 2020, 155000),
                                                       line(Funder::etat, 2021, 155000),
                                                       line(Funder::departement, std::nullopt, 155000)});
  CHECK(actions[1].funding.size() == 3);
  CHECK(actions[2].funding[2] == line(Funder::etat, 2021, 1137000));
  CHECK(warnings.empty());  // 155 000 + 110 000 + 190 000 = 455 000
}

TEST_CASE("annex table: a total that does not match is a warning", "[tables]") {
  TextDocument doc;
  doc.blocks = {row({"", "2019", "2020", "2021", "Part CD"}),
                row({"Action 1-1 Un", "100 000", "100 000", "100 000", "100 000"}),
                row({"Action 1-2 Deux", "50 000", "50 000", "50 000", "50 000"}),
                row({"TOTAL", "160 000", "", "", ""})};
  std::vector<std::string> warnings;
  const auto actions = extract_detail::read_annex_actions(doc, warnings);
  CHECK(actions.size() == 2);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("160000") != std::string::npos);
  CHECK(warnings[0].find("150000") != std::string::npos);
}

TEST_CASE("annex tables: one action in two tables, a missing k is reported and mended", "[tables]") {
  TextDocument doc;
  doc.blocks = {row({"", "2019", "2020", "2021", "Financements CD"}),
                row({"Action 5-4 Favoriser l'inclusion", "", "", "", "200€"}),
                row({"Action 5-5 Rapprocher", "", "", "", "80 k€"}),
                row({"Synthèse", "2019", "2020", "2021", "Part CD"}),
                row({"Action 5-4 Favoriser l'inclusion", "", "", "", "200 000"}),
                row({"Action 5-8 Construire", "", "", "", "Prise en charge CD : 3 millions d'euros"})};
  std::vector<std::string> warnings;
  const auto actions = extract_detail::read_annex_actions(doc, warnings);
  REQUIRE(actions.size() == 3);
  CHECK(actions[0].funding == std::vector<FundingLine>{line(Funder::departement, std::nullopt, 200000)});
  CHECK(actions[1].funding == std::vector<FundingLine>{line(Funder::departement, std::nullopt, 80000)});
  CHECK(actions[2].funding == std::vector<FundingLine>{line(Funder::departement, std::nullopt, 3000000)});
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("5-4") != std::string::npos);
}

TEST_CASE("rows that are not actions are ignored", "[tables]") {
  TextDocument doc;
  doc.blocks = {row({"", "2019", "2020"}), row({"Actions cofinancées", "", ""}),
                row({"Fiche 4-1", "10 000", ""}), row({"Action 6-1 Partenariat", "Partenariat complémentaire", ""})};
  std::vector<std::string> warnings;
  CHECK(extract_detail::read_annex_actions(doc, warnings).empty());
}

TEST_CASE("annex table: code in its own cell, funder columns without years, the caption's year", "[tables]") {
  TextDocument doc;
  TextBlock caption;
  caption.text = "PLAN D'ACTIONS 2019 ET FINANCEMENTS";
  doc.blocks = {caption, row({"N°", "Action", "Crédits État", "Crédits Département", "Total"}),
                row({"1-1", "Accompagnement des jeunes sortant de l'ASE", "85 000 €", "85 000 €", "170 000 €"}),
                row({"TOTAL", "", "85 000 €", "85 000 €", "170 000 €"})};
  std::vector<std::string> warnings;
  const auto actions = extract_detail::read_annex_actions(doc, warnings);
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].code == "1-1");
  CHECK(actions[0].title == "Accompagnement des jeunes sortant de l'ASE");
  CHECK(actions[0].funding ==
        std::vector<FundingLine>{line(Funder::etat, 2019, 85000), line(Funder::departement, 2019, 85000)});
}

TEST_CASE("annex table: a header cell wrapped over two rows", "[tables]") {
  TextDocument doc;
  doc.blocks = {row({"Action", "Intitulé", "Crédits État 2019", "Crédits"}), row({"", "", "", "Département 2019"}),
                row({"2-1", "Premier accueil social inconditionnel", "150 000 €", "160 000 €"})};
  std::vector<std::string> warnings;
  const auto actions = extract_detail::read_annex_actions(doc, warnings);
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].funding ==
        std::vector<FundingLine>{line(Funder::etat, 2019, 150000), line(Funder::departement, 2019, 160000)});
}

TEST_CASE("a table of funders by year is the document's funding", "[tables]") {
  TextDocument doc;
  doc.blocks = {row({"Financeur", "Montant 2019", "Montant 2020"}), row({"État", "520 000 €", "610 000 €"}),
                row({"Département", "560 000 €", "650 000 €"}), row({"Total", "1 080 000 €", "1 260 000 €"})};
  std::vector<std::string> warnings;
  std::vector<FundingLine> funding;
  CHECK(extract_detail::read_annex_actions(doc, warnings, &funding).empty());
  CHECK(funding == std::vector<FundingLine>{line(Funder::etat, 2019, 520000), line(Funder::etat, 2020, 610000),
                                            line(Funder::departement, 2019, 560000),
                                            line(Funder::departement, 2020, 650000)});
}
