#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <string>

#include <conventiond/extract/encoding.hpp>
#include <conventiond/extract/pdf_document.hpp>

#include "fixtures.hpp"

using conventiond::BlockKind;
using conventiond::Date;
using conventiond::ExtractLimits;
using conventiond::parse_pdf;
using conventiond::TextBlock;
using conventiond::TextDocument;
using doctest_helpers::contains;
using doctest_helpers::read_fixture;
using doctest_helpers::rows_starting;
using doctest_helpers::squash;
using Cells = std::vector<std::string>;

namespace {

TextDocument parse_ok(const std::string& bytes, const ExtractLimits& limits = {}) {
  auto r = parse_pdf(bytes, "test.pdf", limits);
  if (!r.ok()) FAIL(r.error().message);
  return std::move(r).value();
}

const TextDocument& bas_rhin() {
  static const TextDocument doc = parse_ok(read_fixture("corpus/bas-rhin-convention.pdf"));
  return doc;
}

// The table (index in doc.tables) that holds block b.
std::size_t table_of(const TextDocument& d, const TextBlock* b) {
  auto idx = static_cast<std::size_t>(b - d.blocks.data());
  for (std::size_t t = 0; t < d.tables.size(); ++t) {
    if (idx >= d.tables[t].first_block && idx < d.tables[t].first_block + d.tables[t].block_count)
      return t;
  }
  return d.tables.size();
}

// The header rows of the table holding b: rows before the first row naming an action.
std::vector<const TextBlock*> header_rows(const TextDocument& d, std::size_t table) {
  std::vector<const TextBlock*> out;
  const auto& t = d.tables[table];
  for (std::size_t i = t.first_block; i < t.first_block + t.block_count; ++i) {
    const TextBlock& b = d.blocks[i];
    if (b.cells()[0].starts_with("Action") || b.cells()[0].starts_with("1.")) break;
    out.push_back(&b);
  }
  return out;
}

}  // namespace

// --- Bas-Rhin convention (13 pages, annex tables) ----------------------------------------

TEST_CASE("pdf corpus: Bas-Rhin metadata and running footers dropped", "[pdf][corpus]") {
  const TextDocument& d = bas_rhin();
  CHECK(d.media_type == "application/pdf");
  CHECK(d.title ==
        "Convention d'appui \xC3\xA0 la lutte contre la pauvret\xC3\xA9 et d'acc\xC3\xA8s \xC3\xA0 "
        "l'emploi 2019-2021");
  CHECK(d.language == "fr");
  CHECK(d.warnings.empty());
  REQUIRE(!d.blocks.empty());
  CHECK(d.blocks.front().kind == BlockKind::title);
  CHECK(d.blocks.front().page == 1);
  CHECK(d.blocks.back().page == 13);
  std::string t = d.plain_text();
  CHECK_FALSE(contains(t, "Page 5"));
  CHECK_FALSE(contains(t, "Page 1"));
  CHECK_FALSE(contains(t, "et d'acc\xC3\xA8s \xC3\xA0 l'emploi - Bas-Rhin"));
}

TEST_CASE("pdf corpus: Bas-Rhin paragraphs are rejoined across lines", "[pdf][corpus]") {
  const TextDocument& d = bas_rhin();
  const auto* b = doctest_helpers::find_block(d,
                                              "Au titre de l'ann\xC3\xA9"
                                              "e 2019, ce soutien");
  REQUIRE(b != nullptr);
  CHECK(b->text ==
        "Au titre de l'ann\xC3\xA9"
        "e 2019, ce soutien s'\xC3\xA9l\xC3\xA8ve \xC3\xA0 un montant "
        "pr\xC3\xA9visionnel de 1 125 000 \xE2\x82\xAC.");
  const auto* p = doctest_helpers::find_block(
      d, "La stratégie de prévention et de lutte contre la pauvreté annoncée");
  REQUIRE(p != nullptr);
  CHECK(p->text.ends_with("investir pour l'accompagnement de tous vers l'emploi."));
  const auto* h = doctest_helpers::find_block(d, "ARTICLE 1");
  REQUIRE(h != nullptr);
  CHECK(h->kind == BlockKind::heading);
  CHECK(h->text == "ARTICLE 1 \xE2\x80\x93 OBJET DE LA CONVENTION");
  CHECK(h->page == 2);
}

TEST_CASE("pdf corpus: Bas-Rhin annex A rows keep their cells, multi-line cells rejoined",
          "[pdf][corpus][tables]") {
  const TextDocument& d = bas_rhin();
  auto rows = rows_starting(d,
                            "Action 1-1 Pr\xC3\xA9venir les sorties s\xC3\xA8"
                            "ches de l'ASE Construire");
  REQUIRE(rows.size() == 1);
  const TextBlock& r = *rows[0];
  CHECK(r.page == 6);
  REQUIRE(r.cells().size() == 6);
  CHECK(r.cells()[0].ends_with(
      "D\xC3\xA9velopper le logement accompagn\xC3\xA9 pour les jeunes sortant d'ASE"));
  CHECK(contains(r.cells()[0],
                 "Cet axe se d\xC3\xA9"
                 "cline en 4 actions : - Ancrer le projet d'insertion "
                 "professionnelle dans le Projet Pour l'Enfant"));
  CHECK(r.cells()[1] == "155 000 \xE2\x82\xAC");
  CHECK(r.cells()[2] == "155 000 \xE2\x82\xAC");
  CHECK(r.cells()[3] == "155 000 \xE2\x82\xAC");
  CHECK(r.cells()[4] == "Contribution identique \xC3\xA0 celle de l'Etat");
  CHECK(r.cells()[5] ==
        "r\xC3\xA9"
        "f\xC3\xA9rentiel de sortie DGCS/CNPE en cours d'\xC3\xA9laboration [annexe n\xC2\xB0 3]");

  // header rows of the same table, aligned on the same columns
  auto headers = header_rows(d, table_of(d, rows[0]));
  REQUIRE(headers.size() == 2);
  CHECK(headers[0]->cells() == Cells{"", "Montant pr\xC3\xA9visionnel Etat", "", "",
                                   "Part financement CD",
                                   "R\xC3\xA9"
                                   "f\xC3\xA9rentiel [en cours d'\xC3\xA9laboration]"});
  CHECK(headers[1]->cells() == Cells{"", "2019", "2020", "2021", "", ""});
}

TEST_CASE("pdf corpus: Bas-Rhin cell text that resumes after a gap stays in its row",
          "[pdf][corpus][tables]") {
  const TextDocument& d = bas_rhin();
  auto rows = rows_starting(d,
                            "Action 2-2 R\xC3\xA9"
                            "f\xC3\xA9rent de parcours :");
  REQUIRE(rows.size() == 1);
  CHECK(contains(rows[0]->cells()[0],
                 "mais \xC3\xA0 assurer l'\xC3\xA9"
                 "change d'informations et la coordination"));
  CHECK(rows[0]->cells()[1] == "80 k\xE2\x82\xAC");
  CHECK(rows[0]->cells()[4] == "80k\xE2\x82\xAC");
  CHECK(rows[0]->cells()[5] ==
        "r\xC3\xA9"
        "f\xC3\xA9rentiel r\xC3\xA9"
        "f\xC3\xA9rent de parcours [annexe n\xC2\xB0 6]");
}

TEST_CASE("pdf corpus: Bas-Rhin a table continued on the next page keeps its columns",
          "[pdf][corpus][tables]") {
  const TextDocument& d = bas_rhin();
  auto a11 = rows_starting(d,
                           "Action 1-1 Pr\xC3\xA9venir les sorties s\xC3\xA8"
                           "ches de l'ASE Construire");
  auto a32 = rows_starting(d, "Action 3-2 Appel d'offres garantie d'activit\xC3\xA9 : Il s'agit");
  REQUIRE(a11.size() == 1);
  REQUIRE(a32.size() == 1);
  CHECK(a32[0]->page == 7);
  CHECK(table_of(d, a32[0]) == table_of(d, a11[0]));
  CHECK(a32[0]->cells() == Cells{a32[0]->cells()[0], "190 K\xE2\x82\xAC", "568 K\xE2\x82\xAC",
                               "1 137 K\xE2\x82\xAC",
                               "Contribution identique \xC3\xA0 celle de l'Etat", ""});
}

TEST_CASE("pdf corpus: Bas-Rhin annex B rows with only the last column", "[pdf][corpus][tables]") {
  const TextDocument& d = bas_rhin();
  auto a51 = rows_starting(d, "Action 5-1 Coordination des acteurs Contrats locaux");
  REQUIRE(a51.size() == 1);
  CHECK(a51[0]->cells() ==
        Cells{a51[0]->cells()[0], "", "", "",
              "A terme couverture sur l'ensemble du territoire d\xC3\xA9partemental 40 K Euros"});
  auto headers = header_rows(d, table_of(d, a51[0]));
  REQUIRE(headers.size() >= 2);
  CHECK(headers[0]->cells() == Cells{"", "Montant pr\xC3\xA9visionnel", "", "", "Financements CD"});
  CHECK(headers[1]->cells() == Cells{"", "2019", "2020", "2021", ""});
  auto a41 = rows_starting(d,
                           "Action 4-1 Renforcer les outils d\xE2\x80\x99"
                           "accompagnement");
  REQUIRE(a41.size() == 1);
  CHECK(a41[0]->cells() == Cells{a41[0]->cells()[0], "240k\xE2\x82\xAC", "240 k\xE2\x82\xAC",
                               "240 k\xE2\x82\xAC", "240 k\xE2\x82\xAC"});
  // rows of the same table on pages 9 and 10
  auto a58 = rows_starting(
      d, "Action 5-8 Construire avec les jeunes sortant de l'ASE leur projet d'autonomie (en");
  auto a62 = rows_starting(d,
                           "Action 6-2 Cr\xC3\xA9"
                           "ation d'une \xC3\xA9quipe mobile sant\xC3\xA9 pr\xC3\xA9"
                           "carit\xC3\xA9 :");
  REQUIRE(a58.size() == 1);
  REQUIRE(a62.size() == 1);
  CHECK(a58[0]->cells()[4] == "Prise en charge CD : 3 millions d'euros");
  CHECK(a62[0]->page == 10);
  CHECK(table_of(d, a62[0]) == table_of(d, a51[0]));
  CHECK(a62[0]->cells()[4] == "Partenariat compl\xC3\xA9mentaire avec l'Etat Partenariat ARS/CD");
}

TEST_CASE("pdf corpus: Bas-Rhin summary table (synthesis of the actions)",
          "[pdf][corpus][tables]") {
  const TextDocument& d = bas_rhin();
  auto a11 = rows_starting(d,
                           "Action 1-1 Pr\xC3\xA9venir les sorties s\xC3\xA8"
                           "ches de l'ASE");
  REQUIRE(a11.size() == 2);  // annex A and the summary
  const TextBlock& s = *a11[1];
  CHECK(s.cells() == Cells{"Action 1-1 Pr\xC3\xA9venir les sorties s\xC3\xA8"
                         "ches de l'ASE",
                         "155 000", "155 000", "155 000", "155 000"});
  auto headers = header_rows(d, table_of(d, &s));
  REQUIRE(headers.size() == 2);
  CHECK(headers[0]->cells() == Cells{"Annexe A", "Part Etat", "", "", "Part CD"});
  CHECK(headers[1]->cells() == Cells{"", "2019", "2020", "2021", ""});
  auto a51 =
      rows_starting(d, "Action 5-1 Coordination des acteurs - Contrats locaux de sant\xC3\xA9");
  REQUIRE(a51.size() == 1);
  CHECK(a51[0]->cells() ==
        Cells{"Action 5-1 Coordination des acteurs - Contrats locaux de sant\xC3\xA9 "
              "m\xC3\xA9"
              "dico-sociaux",
              "", "", "", "40 000"});
  CHECK(a51[0]->text ==
        "Action 5-1 Coordination des acteurs - Contrats locaux de sant\xC3\xA9 "
        "m\xC3\xA9"
        "dico-sociaux | | | | 40 000");
  auto total = rows_starting(d, "TOTAL A");
  REQUIRE(total.size() == 1);
  CHECK(total[0]->cells() == Cells{"TOTAL A", "725 000", "", "", "725 000"});
  auto a32 = rows_starting(d, "Action 3-2 Appel d'offres garantie d'activit\xC3\xA9");
  REQUIRE(a32.size() == 2);
  CHECK(a32[1]->cells() == Cells{"Action 3-2 Appel d'offres garantie d'activit\xC3\xA9", "190 000",
                               "568 000", "1 137 000", "Idem Part Etat"});
  auto a42 = rows_starting(d, "Action 4-2 Plateforme de mise en relation de l'offre");
  REQUIRE(a42.size() == 1);
  CHECK(a42[0]->cells()[0] ==
        "Action 4-2 Plateforme de mise en relation de l'offre et de la demande "
        "d'emploi \xC2\xAB Job Connexion \xC2\xBB.");
  CHECK(a42[0]->cells()[4] == "90 000");
}

// --- Pas-de-Calais press release -----------------------------------------------------------

TEST_CASE("pdf corpus: Pas-de-Calais dateline kept as a block and as the publication date",
          "[pdf][corpus]") {
  TextDocument d = parse_ok(read_fixture("corpus/pas-de-calais-communique.pdf"));
  CHECK(d.title == "Communiqu\xC3\xA9 de presse - convention pauvret\xC3\xA9");
  CHECK(d.published_on == Date{2018, 12, 18});
  const auto* dl = doctest_helpers::find_block(d, "Arras, le");
  REQUIRE(dl != nullptr);
  CHECK(dl->kind == BlockKind::dateline);
  CHECK(dl->text ==
        "Arras, le 18 d\xC3\xA9"
        "cembre 2018");
  const auto* p = doctest_helpers::find_block(d,
                                              "Ce mardi 18 d\xC3\xA9"
                                              "cembre");
  REQUIRE(p != nullptr);
  CHECK(p->kind == BlockKind::paragraph);
  CHECK(p->text.ends_with(
      "la strat\xC3\xA9gie nationale de pr\xC3\xA9vention et de lutte contre la pauvret\xC3\xA9."));
}

TEST_CASE("pdf corpus: Pas-de-Calais text matches the seed", "[pdf][corpus]") {
  TextDocument d = parse_ok(read_fixture("corpus/pas-de-calais-communique.pdf"));
  std::string text = squash(d.plain_text());
  std::string seed = read_fixture("seeds/002_3e8d00b63e8fd339.txt");
  std::size_t start = 0;
  std::size_t checked = 0;
  while (start < seed.size()) {
    std::size_t end = seed.find('\n', start);
    if (end == std::string::npos) end = seed.size();
    std::string line = squash(seed.substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    INFO(line);
    CHECK(contains(text, line));
    ++checked;
  }
  CHECK(checked >= 10);
}

// --- synthetic layouts ----------------------------------------------------------------------

TEST_CASE("pdf fixture: running header/footer, hyphenation, two-page table", "[pdf][tables]") {
  TextDocument d = parse_ok(read_fixture("table_two_pages.pdf"));
  std::string t = d.plain_text();
  CHECK(d.title == "Annexe financi\xC3\xA8re - Somme");
  CHECK_FALSE(contains(t, "Page 1"));
  CHECK_FALSE(contains(t,
                       "Rapport d'ex\xC3\xA9"
                       "cution"));
  CHECK(contains(t, "comit\xC3\xA9 de pilotage d\xC3\xA9partemental. Les montants"));
  REQUIRE(d.tables.size() == 1);
  CHECK(d.tables[0].block_count == 6);
  CHECK(d.tables[0].column_x.size() == 5);
  const auto& b = d.blocks;
  std::size_t f = d.tables[0].first_block;
  CHECK(b[f].cells() == Cells{"", "Montant pr\xC3\xA9visionnel", "", "", "Part CD"});
  CHECK(b[f + 1].cells() == Cells{"", "2019", "2020", "2021", ""});
  CHECK(b[f + 2].cells() == Cells{"Action 1-1 Pr\xC3\xA9venir les sorties s\xC3\xA8"
                                "ches de l'aide sociale \xC3\xA0 l'enfance",
                                "155 000", "155 000", "155 000", "Contribution identique"});
  CHECK(b[f + 3].cells() == Cells{"Action 5-1 Coordination des acteurs m\xC3\xA9"
                                "dico-sociaux",
                                "", "", "", "40 000"});
  CHECK(b[f + 4].cells() == Cells{"Action 6-1 Mise en place d'une \xC3\xA9quipe sp\xC3\xA9"
                                "cialis\xC3\xA9"
                                "e pour les "
                                "m\xC3\xA9nages \xC3\xA0 droits incomplets",
                                "90 000", "90 000", "90 000", "90 000"});
  CHECK(b[f + 4].page == 1);
  CHECK(b[f + 5].cells() == Cells{"TOTAL", "245 000", "245 000", "245 000", "285 000"});
  CHECK(b[f + 5].page == 2);
  CHECK(b[f + 6].kind == BlockKind::paragraph);
  CHECK(b.back().text == "Fait \xC3\xA0 Amiens, en deux exemplaires originaux.");
}

TEST_CASE("pdf fixture: a signature block in two columns is read column by column", "[pdf]") {
  TextDocument d = parse_ok(read_fixture("signatures.pdf"));
  CHECK(
      d.title ==
      "Convention d'appui \xC3\xA0 la lutte contre la pauvret\xC3\xA9");  // not the Word file name
  CHECK(d.published_on == Date{2019, 3, 5});
  CHECK(d.tables.empty());
  REQUIRE(d.blocks.size() == 7);
  CHECK(d.blocks[0].kind == BlockKind::dateline);
  CHECK(d.blocks[3].text ==
        "Le Pr\xC3\xA9"
        "fet de la Somme");
  CHECK(d.blocks[4].text == "Philippe DE MESTER");
  CHECK(d.blocks[5].text == "Le Pr\xC3\xA9sident du Conseil d\xC3\xA9partemental");
  CHECK(d.blocks[6].text == "Laurent SOMON");
}

TEST_CASE("pdf limits: pages past max_pdf_pages are not read (warning)", "[pdf][limits]") {
  ExtractLimits limits;
  limits.max_pdf_pages = 2;
  TextDocument d = parse_ok(read_fixture("five_pages.pdf"), limits);
  REQUIRE(d.blocks.size() == 2);
  CHECK(d.blocks[1].text == "Contenu de la page 2 du document.");
  REQUIRE(d.warnings.size() == 1);
  CHECK(contains(d.warnings[0], "first 2 of 5 pages"));
}

TEST_CASE("pdf limits: input over max_input_bytes is refused, naming the input", "[pdf][limits]") {
  ExtractLimits limits;
  limits.max_input_bytes = 1000;
  auto r = parse_pdf(read_fixture("corpus/pas-de-calais-communique.pdf"), "communique.pdf", limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "limit");
  CHECK(contains(r.error().message, "communique.pdf"));
}

TEST_CASE("pdf limits: a zero time budget is an error", "[pdf][limits]") {
  ExtractLimits limits;
  limits.max_time = std::chrono::milliseconds(0);
  auto r = parse_pdf(read_fixture("five_pages.pdf"), "lent.pdf", limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "limit");
  CHECK(contains(r.error().message, "time limit"));
}

TEST_CASE("pdf limits: text cut at max_text_bytes", "[pdf][limits]") {
  ExtractLimits limits;
  limits.max_text_bytes = 2000;
  TextDocument d = parse_ok(read_fixture("corpus/bas-rhin-convention.pdf"), limits);
  CHECK(d.plain_text().size() <= 2000);
  CHECK(!d.blocks.empty());
  REQUIRE(!d.warnings.empty());
  CHECK(contains(d.warnings[0], "cut"));
}

// --- hostile input ----------------------------------------------------------------------------

TEST_CASE("pdf hostile: empty input, not a PDF", "[pdf][hostile]") {
  auto e = parse_pdf("", "vide.pdf");
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().code == "parse");
  CHECK(e.error().message == "vide.pdf: not a PDF (empty input)");
  auto h = parse_pdf("<html><body>pas un pdf</body></html>", "page.html");
  REQUIRE_FALSE(h.ok());
  CHECK(h.error().message == "page.html: not a PDF (no %PDF- header)");
}

TEST_CASE("pdf hostile: an encrypted PDF is a clear error", "[pdf][hostile]") {
  auto r = parse_pdf(read_fixture("encrypted.pdf"), "secret.pdf");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "parse");
  CHECK(r.error().message == "secret.pdf: encrypted PDF (a password is needed to read it)");
}

TEST_CASE("pdf hostile: a page tree with a lying page count", "[pdf][hostile]") {
  auto t0 = std::chrono::steady_clock::now();
  auto r = parse_pdf(read_fixture("huge_page_count.pdf"), "menteur.pdf");
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  CHECK(ms < 5000);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "parse");
  CHECK(contains(r.error().message, "menteur.pdf: damaged PDF"));
}

TEST_CASE("pdf hostile: truncated PDFs never crash", "[pdf][hostile]") {
  std::string full = read_fixture("corpus/bas-rhin-convention.pdf");
  for (std::size_t cut :
       {std::size_t{9}, std::size_t{200}, full.size() / 3, full.size() / 2, full.size() - 40}) {
    INFO("cut at " << cut);
    auto r = parse_pdf(std::string_view(full).substr(0, cut), "coupe.pdf");
    if (r.ok()) {
      CHECK(!r->warnings.empty());  // the reader reported the damage
      for (const auto& b : r->blocks) CHECK(conventiond::is_valid_utf8(b.text));
    } else {
      CHECK(r.error().code == "parse");
      CHECK(contains(r.error().message, "coupe.pdf"));
    }
  }
}

TEST_CASE("pdf hostile: random bytes after a PDF header never crash", "[pdf][hostile]") {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::string bytes = "%PDF-1.4\n";
    for (int i = 0; i < 3000; ++i) bytes.push_back(static_cast<char>(rng() & 0xFF));
    auto r = parse_pdf(bytes, "hasard.pdf");
    if (!r.ok()) CHECK(contains(r.error().message, "hasard.pdf"));
  }
}

TEST_CASE("pdf hostile: a PDF without text gives a warning", "[pdf][hostile]") {
  TextDocument d = parse_ok(read_fixture("no_text.pdf"));
  CHECK(d.blocks.empty());
  REQUIRE(d.warnings.size() == 1);
  CHECK(contains(d.warnings[0], "no text"));
}

TEST_CASE("pdf fixture: vertical text in the margin (a registration stamp) is not read", "[pdf]") {
  TextDocument d = parse_ok(read_fixture("stamp.pdf"));
  std::string t = d.plain_text();
  CHECK(t ==
        "Le D\xC3\xA9partement et l'\xC3\x89tat signent la pr\xC3\xA9sente convention. Elle prend "
        "effet "
        "\xC3\xA0 compter de sa signature.");
  CHECK_FALSE(contains(t,
                       "pr\xC3\xA9"
                       "fecture"));
}
