// Layout of positioned words (no PDF needed): the rules of pdf_layout.cpp on small pages.

#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "document/pdf_layout.hpp"

using conventiond::BlockKind;
using conventiond::TextDocument;
using conventiond::document_detail::layout_pdf_pages;
using conventiond::document_detail::PdfPage;
using conventiond::document_detail::PdfWord;
using Cells = std::vector<std::string>;

namespace {

std::size_t cps(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0u) != 0x80u ? 1 : 0;
  return n;
}

// Words of one line of text at (x, y) in a font of `size` points: 0.5 em per character,
// 0.28 em per space (the widths only need to be consistent).
void put(PdfPage& p, double x, double y, double size, const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    std::string w = text.substr(i, j - i);
    double width = 0.5 * size * static_cast<double>(cps(w));
    p.words.push_back(PdfWord{w, x, y, x + width, y + size, j < text.size()});
    x += width + 0.28 * size;
    i = j + 1;
  }
  if (!p.words.empty()) p.words.back().space_after = false;
}

PdfPage page(int n) {
  PdfPage p;
  p.number = n;
  p.width = 595;
  p.height = 842;
  return p;
}

TextDocument layout(const std::vector<PdfPage>& pages) {
  TextDocument d;
  layout_pdf_pages(pages, d, 1u << 20, "synth.pdf");
  return d;
}

}  // namespace

TEST_CASE("pdf layout: lines of a paragraph are joined, hyphenation undone", "[pdf][layout]") {
  PdfPage p = page(1);
  put(p, 60, 100, 10, "Le Conseil d\xC3\xA9partemental s'engage \xC3\xA0 financer les actions du");
  put(p, 60, 114, 10,
      "programme dans un cadre pluriannuel arr\xC3\xAAt\xC3\xA9 par le d\xC3\xA9parte-");
  put(p, 60, 128, 10, "ment et par les services socio-");
  put(p, 60, 142, 10,
      "\xC3\xA9"
      "ducatifs du Pas-de-");
  put(p, 60, 156, 10, "Calais.");
  TextDocument d = layout({p});
  REQUIRE(d.blocks.size() == 1);
  CHECK(d.blocks[0].kind == BlockKind::paragraph);
  CHECK(d.blocks[0].text ==
        "Le Conseil d\xC3\xA9partemental s'engage \xC3\xA0 financer les actions du programme dans "
        "un cadre "
        "pluriannuel arr\xC3\xAAt\xC3\xA9 par le d\xC3\xA9partement et par les services "
        "socio-\xC3\xA9"
        "ducatifs du "
        "Pas-de-Calais.");
}

TEST_CASE("pdf layout: short line ending a sentence, vertical gap, list markers break paragraphs",
          "[pdf][layout]") {
  PdfPage p = page(1);
  put(p, 60, 100, 10, "Premier paragraphe qui occupe toute la largeur de la colonne de texte ici.");
  put(p, 60, 114, 10, "Il se termine ici.");
  put(p, 60, 128, 10, "Le second commence sur la ligne suivante sans espace vertical en plus.");
  put(p, 60, 160, 10, "Un troisi\xC3\xA8me apr\xC3\xA8s un blanc.");
  put(p, 60, 174, 10, "- un \xC3\xA9l\xC3\xA9ment de liste");
  put(p, 60, 188, 10, "\xE2\x80\xA2 un autre \xC3\xA9l\xC3\xA9ment");
  TextDocument d = layout({p});
  REQUIRE(d.blocks.size() == 5);
  CHECK(d.blocks[0].text ==
        "Premier paragraphe qui occupe toute la largeur de la colonne de texte ici. Il se termine "
        "ici.");
  CHECK(d.blocks[1].text ==
        "Le second commence sur la ligne suivante sans espace vertical en plus.");
  CHECK(d.blocks[2].text == "Un troisi\xC3\xA8me apr\xC3\xA8s un blanc.");
  CHECK(d.blocks[3].kind == BlockKind::list_item);
  CHECK(d.blocks[3].text == "- un \xC3\xA9l\xC3\xA9ment de liste");
  CHECK(d.blocks[4].kind == BlockKind::list_item);
  CHECK(d.blocks[4].text == "un autre \xC3\xA9l\xC3\xA9ment");  // the bullet symbol is dropped
}

TEST_CASE("pdf layout: larger type is a heading, a dateline is its own block", "[pdf][layout]") {
  PdfPage p = page(1);
  put(p, 60, 60, 10, "Lille, le 21 f\xC3\xA9vrier 2019");
  put(p, 60, 90, 14, "Signature de la convention");
  put(p, 60, 120, 10, "Le texte du communiqu\xC3\xA9 de presse, sur une seule ligne de corps.");
  TextDocument d = layout({p});
  REQUIRE(d.blocks.size() == 3);
  CHECK(d.blocks[0].kind == BlockKind::dateline);
  CHECK(d.blocks[1].kind == BlockKind::title);
  CHECK(d.blocks[1].text == "Signature de la convention");
  CHECK(d.blocks[2].kind == BlockKind::paragraph);
  REQUIRE(d.published_on);
  CHECK(d.published_on->to_iso() == "2019-02-21");
}

TEST_CASE("pdf layout: running headers, footers and page numbers are dropped", "[pdf][layout]") {
  std::vector<PdfPage> pages;
  for (int n = 1; n <= 4; ++n) {
    PdfPage p = page(n);
    put(p, 60, 30, 8, "Convention Etat - D\xC3\xA9partement du Gers 2019");
    put(p, 60, 200, 10, "Texte propre \xC3\xA0 la page " + std::to_string(n) + ".");
    put(p, 280, 810, 8, "- " + std::to_string(n) + " -");
    put(p, 400, 810, 8, "Version du " + std::to_string(n + 10) + "/03/2019");
    pages.push_back(std::move(p));
  }
  TextDocument d = layout(pages);
  REQUIRE(d.blocks.size() == 4);
  for (int n = 1; n <= 4; ++n) {
    CHECK(d.blocks[static_cast<std::size_t>(n - 1)].text ==
          "Texte propre \xC3\xA0 la page " + std::to_string(n) + ".");
  }
}

TEST_CASE("pdf layout: a single page keeps its header but drops a page number", "[pdf][layout]") {
  PdfPage p = page(1);
  put(p, 60, 30, 12, "Communiqu\xC3\xA9 de presse");
  put(p, 60, 200, 10, "Le corps du communiqu\xC3\xA9.");
  put(p, 290, 815, 8, "1/1");
  TextDocument d = layout({p});
  REQUIRE(d.blocks.size() == 2);
  CHECK(d.blocks[0].text == "Communiqu\xC3\xA9 de presse");
}

TEST_CASE("pdf layout: dense table, one row per line, empty cells kept", "[pdf][layout][tables]") {
  PdfPage p = page(1);
  put(p, 60, 100, 8, "Action");
  put(p, 300, 100, 8, "2019");
  put(p, 360, 100, 8, "2020");
  put(p, 420, 100, 8, "Part CD");
  const char* rows[][4] = {{"Action 1-1 Sorties de l'ASE", "155 000", "155 000", "155 000"},
                           {"Action 2-1 Premier accueil", "110 000", "110 000", "110 000"},
                           {"Action 5-1 Sant\xC3\xA9", "", "", "40 000"}};
  double y = 112;
  for (const auto& r : rows) {
    put(p, 60, y, 8, r[0]);
    if (*r[1] != '\0') put(p, 300, y, 8, r[1]);
    if (*r[2] != '\0') put(p, 360, y, 8, r[2]);
    put(p, 420, y, 8, r[3]);
    y += 12;
  }
  TextDocument d = layout({p});
  REQUIRE(d.tables.size() == 1);
  REQUIRE(d.blocks.size() == 4);
  CHECK(d.blocks[0].cells() == Cells{"Action", "2019", "2020", "Part CD"});
  CHECK(d.blocks[1].cells() == Cells{"Action 1-1 Sorties de l'ASE", "155 000", "155 000", "155 000"});
  CHECK(d.blocks[3].cells() == Cells{"Action 5-1 Sant\xC3\xA9", "", "", "40 000"});
  CHECK(d.blocks[3].text == "Action 5-1 Sant\xC3\xA9 | | | 40 000");
}

TEST_CASE("pdf layout: right-aligned figures form one column", "[pdf][layout][tables]") {
  PdfPage p = page(1);
  const char* amounts[] = {"2019", "1 137 000", "80 000", "155 000"};
  const char* labels[] = {"Montant", "Action 3-2", "Action 2-2", "Action 1-1"};
  double y = 100;
  for (int i = 0; i < 4; ++i) {
    put(p, 60, y, 8, labels[i]);
    // right edge at 380 (put: 4 points per character, 2.24 per space)
    std::string a = amounts[i];
    auto spaces = static_cast<double>(std::count(a.begin(), a.end(), ' '));
    double w = 4.0 * (static_cast<double>(a.size()) - spaces) + 2.24 * spaces;
    put(p, 380 - w, y, 8, amounts[i]);
    put(p, 450, y, 8, i == 0 ? "Part CD" : "oui");
    y += 12;
  }
  TextDocument d = layout({p});
  REQUIRE(d.tables.size() == 1);
  CHECK(d.tables[0].column_x.size() == 3);
  REQUIRE(d.blocks.size() == 4);
  CHECK(d.blocks[1].cells() == Cells{"Action 3-2", "1 137 000", "oui"});
  CHECK(d.blocks[2].cells() == Cells{"Action 2-2", "80 000", "oui"});
}

TEST_CASE("pdf layout: a word wrapped by characters in a narrow header cell is glued back",
          "[pdf][layout][tables]") {
  PdfPage p = page(1);
  // the header cell is 34 points wide: "Montant p" / "révisionn" / "el Etat"
  p.words.push_back(PdfWord{"Montant", 270, 100, 297, 107, true});
  p.words.push_back(PdfWord{"p", 299, 100, 303, 107, false});
  p.words.push_back(PdfWord{"r\xC3\xA9visionn", 270, 109, 300, 116, false});
  p.words.push_back(PdfWord{"el", 270, 118, 276, 125, true});
  p.words.push_back(PdfWord{"Etat", 278, 118, 291, 125, false});
  p.words.push_back(PdfWord{"Contribution", 400, 100, 440, 107, false});
  p.words.push_back(PdfWord{"identique", 400, 109, 430, 116, true});
  p.words.push_back(PdfWord{"\xC3\xA0", 432, 109, 436, 116, false});
  put(p, 65, 140, 7.5, "Action 1-1 Pr\xC3\xA9venir");
  put(p, 270, 140, 7.5, "155 000");
  put(p, 400, 140, 7.5, "155 000");
  put(p, 65, 149, 7.5, "les sorties");
  put(p, 65, 170, 7.5, "Action 2-1 Accueil");
  put(p, 270, 170, 7.5, "110 000");
  put(p, 400, 170, 7.5, "110 000");
  TextDocument d = layout({p});
  REQUIRE(d.blocks.size() == 3);
  CHECK(d.blocks[0].cells() ==
        Cells{"", "Montant pr\xC3\xA9visionnel Etat", "Contribution identique \xC3\xA0"});
  CHECK(d.blocks[1].cells() == Cells{"Action 1-1 Pr\xC3\xA9venir les sorties", "155 000", "155 000"});
  CHECK(d.blocks[2].cells() == Cells{"Action 2-1 Accueil", "110 000", "110 000"});
}

TEST_CASE("pdf layout: degenerate boxes are ignored", "[pdf][layout]") {
  PdfPage p = page(1);
  p.words.push_back(PdfWord{"nan", std::numeric_limits<double>::quiet_NaN(), 10, 20, 20, false});
  p.words.push_back(PdfWord{"inverse", 50, 10, 20, 20, false});
  p.words.push_back(PdfWord{"", 10, 10, 20, 20, false});
  p.words.push_back(PdfWord{"\xE2\x80\x8B", 10, 10, 20, 20, false});  // zero-width only
  put(p, 60, 100, 10, "Seul texte valide.");
  TextDocument d = layout({p});
  REQUIRE(d.blocks.size() == 1);
  CHECK(d.blocks[0].text == "Seul texte valide.");
  TextDocument empty = layout({});
  CHECK(empty.blocks.empty());
}

TEST_CASE("pdf layout: a page in two columns of prose is read column by column", "[pdf][layout]") {
  PdfPage p = page(1);
  const char* left[] = {
      "Le Département du Gers et l'État ont signé", "le 3 juillet 2019 la convention d'appui",
      "pour un montant de 450 000 euros par an,", "sur la période 2019-2021, au profit"};
  const char* right[] = {"Les actions financées concernent 1 200",
                         "bénéficiaires du RSA et 300 jeunes",
                         "sortant de l'aide sociale à l'enfance,", "accompagnés par 40 référents."};
  double y = 100;
  for (int i = 0; i < 4; ++i) {
    put(p, 50, y, 10, left[i]);
    put(p, 310, y, 10, right[i]);
    y += 13;
  }
  TextDocument d = layout({p});
  CHECK(d.tables.empty());
  REQUIRE(d.blocks.size() == 2);
  CHECK(d.blocks[0].text ==
        "Le Département du Gers et l'État ont signé le 3 juillet 2019 la convention "
        "d'appui pour un montant de 450 000 euros par an, sur la période 2019-2021, au profit");
  CHECK(d.blocks[1].text.starts_with("Les actions financées concernent 1 200 bénéficiaires"));
}

TEST_CASE("pdf layout page by page: 300 pages laid out one at a time, words released",
          "[pdf][layout][pages]") {
  // parse_pdf feeds PdfLayout one page at a time and drops each page's words at once; the
  // result must be the one of the whole-document call, running header and page numbers
  // dropped across all pages
  constexpr int kPages = 300;
  std::vector<PdfPage> all;
  conventiond::document_detail::PdfLayout by_page;
  for (int n = 1; n <= kPages; ++n) {
    PdfPage p = page(n);
    put(p, 72, 40, 9, "Convention d'appui Département du Nord");
    put(p, 72, 120, 11,
        "Le Département s'engage à financer l'action numéro " + std::to_string(n) + " de");
    put(p, 72, 134, 11, "la convention pour un montant de " + std::to_string(1000 + n) + " euros.");
    put(p, 290, 800, 9, std::to_string(n));
    all.push_back(p);
    by_page.add_page(p);
    p.words.clear();  // what parse_pdf does: the page is released before the next one
  }
  TextDocument whole = layout(all);
  TextDocument paged;
  by_page.finish(paged, 1u << 20, "synth.pdf");
  REQUIRE(paged.blocks.size() == whole.blocks.size());
  for (std::size_t i = 0; i < whole.blocks.size(); ++i) {
    CHECK(paged.blocks[i].text == whole.blocks[i].text);
    CHECK(paged.blocks[i].page == whole.blocks[i].page);
  }
  REQUIRE(paged.blocks.size() == static_cast<std::size_t>(kPages));
  CHECK(paged.blocks.front().text.find("Convention d'appui") == std::string::npos);
  CHECK(paged.blocks.back().text ==
        "Le Département s'engage à financer l'action numéro 300 de la convention pour un "
        "montant de 1300 euros.");
  CHECK(paged.blocks.back().page == kPages);
}

TEST_CASE("pdf layout page by page: no page's lines stay in memory past the budget",
          "[pdf][layout][pages][memory]") {
  // A long document: with a budget of 0 every page's lines go to the temporary file as soon
  // as the page is laid out; what stays in memory for each page is at most its 6 running
  // header/footer candidates. The blocks are those of the layout held all in memory, a table
  // running over pages included.
  using conventiond::document_detail::PdfLayout;
  constexpr int kPages = 120;
  PdfLayout spilled(0);
  PdfLayout in_memory(std::numeric_limits<std::size_t>::max());
  for (int n = 1; n <= kPages; ++n) {
    PdfPage p = page(n);
    put(p, 72, 40, 9, "Convention d'appui Département du Nord");
    put(p, 72, 60, 9, "Chapitre " + std::to_string(n));
    put(p, 72, 120, 11,
        "Le Département s'engage à financer l'action numéro " + std::to_string(n) + " de");
    put(p, 72, 134, 11, "la convention pour un montant de " + std::to_string(1000 + n) + " euros.");
    if (n % 10 == 9 || n % 10 == 0) {  // a table on the foot of one page and the top of the next
      double y = n % 10 == 9 ? 600 : 160;
      for (int r = 0; r < 6; ++r, y += 14) {
        put(p, 72, y, 10, "Action " + std::to_string(n) + "-" + std::to_string(r));
        put(p, 300, y, 10, std::to_string(1000 * (r + 1)) + " €");
        put(p, 420, y, 10, std::to_string(2000 * (r + 1)) + " €");
      }
    }
    put(p, 290, 800, 9, std::to_string(n));
    spilled.add_page(p);
    in_memory.add_page(p);
    const PdfLayout::Held h = spilled.held();
    CHECK(h.pages == static_cast<std::size_t>(n));
    CHECK(h.lines_in_memory == 0);
    CHECK(h.pages_spilled == static_cast<std::size_t>(n));
    CHECK(h.candidate_lines <= 6 * static_cast<std::size_t>(n));
    CHECK(in_memory.held().pages_in_memory == static_cast<std::size_t>(n));
  }
  TextDocument a;
  spilled.finish(a, 1u << 20, "synth.pdf");
  TextDocument b;
  in_memory.finish(b, 1u << 20, "synth.pdf");
  REQUIRE(a.blocks.size() == b.blocks.size());
  for (std::size_t i = 0; i < a.blocks.size(); ++i) {
    CHECK(a.blocks[i].text == b.blocks[i].text);
    CHECK(a.blocks[i].page == b.blocks[i].page);
    CHECK(a.blocks[i].kind == b.blocks[i].kind);
  }
  REQUIRE(a.tables.size() == b.tables.size());
  CHECK(!a.tables.empty());
  CHECK(a.blocks.front().text.find("Convention d'appui") == std::string::npos);
  // finish starts the layout over: nothing of the document is held any more
  CHECK(spilled.held().pages == 0);
  CHECK(spilled.held().candidate_lines == 0);
}
