#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <string>

#include <conventiond/extract/encoding.hpp>
#include <conventiond/extract/html_document.hpp>

#include "fixtures.hpp"

using conventiond::BlockKind;
using conventiond::Date;
using conventiond::ExtractLimits;
using conventiond::parse_html;
using conventiond::TextDocument;
using doctest_helpers::contains;
using doctest_helpers::read_fixture;
using doctest_helpers::squash;

namespace {

TextDocument parse_ok(std::string_view html, std::string_view content_type = "",
                      const ExtractLimits& limits = {}) {
  auto r = parse_html(html, content_type, "test.html", limits);
  if (!r.ok()) FAIL(r.error().message);
  return std::move(r).value();
}

std::string text_of(const TextDocument& d) { return d.plain_text(); }

// Each line of a seed (the main text of the page as given) must be in the cleaned text,
// except the listed page-chrome lines.
void check_seed_lines(const TextDocument& d, const std::string& seed,
                      std::initializer_list<std::string_view> chrome) {
  std::string text = squash(text_of(d));
  std::size_t checked = 0;
  std::size_t start = 0;
  while (start < seed.size()) {
    std::size_t end = seed.find('\n', start);
    if (end == std::string::npos) end = seed.size();
    std::string line = squash(seed.substr(start, end - start));
    start = end + 1;
    // list bullets of the seed rendering
    for (std::string_view b : {"\xE2\x80\xA2 ", "- "}) {
      if (line.starts_with(b)) line = line.substr(b.size());
    }
    if (line.empty() || line == "\xE2\x80\xA2") continue;
    bool is_chrome = false;
    for (auto c : chrome) is_chrome = is_chrome || line.starts_with(c);
    if (is_chrome) {
      CHECK_FALSE(contains(text, line));
      continue;
    }
    INFO("seed line: " << line);
    CHECK(contains(text, line));
    ++checked;
  }
  CHECK(checked >= 5);
}

}  // namespace

// --- the corpus pages -----------------------------------------------------------------

TEST_CASE("html corpus: Belfort page keeps the article, drops menus, sidebar, footer",
          "[html][corpus]") {
  TextDocument d = parse_ok(read_fixture("corpus/belfort-communique.html"));
  std::string t = text_of(d);
  CHECK(d.title == "Signature d'une convention territoriale de lutte contre la pauvret\xC3\xA9");
  CHECK(d.language == "fr");
  CHECK(d.source_encoding == "utf-8");
  CHECK(d.media_type == "text/html");
  CHECK(d.updated_on == Date{2020, 6, 3});
  CHECK_FALSE(d.published_on);
  CHECK(d.content_hash.size() == 7 + 64);
  REQUIRE(!d.blocks.empty());
  CHECK(d.blocks.front().kind == BlockKind::title);
  CHECK(contains(t, "ont sign\xC3\xA9 le 27 juin 2019une convention"));
  CHECK(contains(t, "\xC3\xA0 hauteur de plus de 800 000 euros"));
  for (const char* chrome : {"Doubs", "Haute-Sa\xC3\xB4ne", "Plan du site", "Partager", "Facebook",
                             "Dans la m\xC3\xAAme rubrique", "Aller au contenu",
                             "Mis \xC3\xA0 jour le", "D\xC3\xA9marches administratives",
                             "maraudes renforc\xC3\xA9"
                             "es",
                             "Place de la R\xC3\xA9publique", "Rechercher"}) {
    INFO(chrome);
    CHECK_FALSE(contains(t, chrome));
  }
}

TEST_CASE("html corpus: Belfort main text matches the seed", "[html][corpus]") {
  TextDocument d = parse_ok(read_fixture("corpus/belfort-communique.html"));
  check_seed_lines(d, read_fixture("seeds/000_4881ce79ac62e58b.txt"), {"Mis \xC3\xA0 jour le"});
}

TEST_CASE("html corpus: Loire page drops the agenda column and the neighbours footer",
          "[html][corpus]") {
  TextDocument d = parse_ok(read_fixture("corpus/loire-actualite.html"));
  std::string t = text_of(d);
  CHECK(d.title ==
        "Le d\xC3\xA9partement de la Loire s'engage aux c\xC3\xB4t\xC3\xA9s de l'\xC3\x89tat");
  CHECK(contains(t, "un peu plus de 570 000 \xE2\x82\xAC"));
  for (const char* chrome : {"Agenda", "Samedi 6 avril 2019", "Forum de l'emploi", "Haute-Loire",
                             "Rh\xC3\xB4ne", "Sa\xC3\xB4ne-et-Loire", "Puy-de-D\xC3\xB4me",
                             "comment faire sa demande", "Mentions l\xC3\xA9gales", "Routes"}) {
    INFO(chrome);
    CHECK_FALSE(contains(t, chrome));
  }
  // "item,\n • next item" inside one <li> becomes separate list items
  std::size_t items = 0;
  for (const auto& b : d.blocks) items += b.kind == BlockKind::list_item ? 1 : 0;
  CHECK(items == 16);
  const auto* li = doctest_helpers::find_block(d, "garantir un parcours de formation");
  REQUIRE(li != nullptr);
  CHECK(li->kind == BlockKind::list_item);
  CHECK(li->text == "garantir un parcours de formation \xC3\xA0 tous les jeunes,");
}

TEST_CASE("html corpus: Loire main text matches the seed", "[html][corpus]") {
  TextDocument d = parse_ok(read_fixture("corpus/loire-actualite.html"));
  check_seed_lines(d, read_fixture("seeds/001_74edf7dd5dad87e0.txt"), {});
}

TEST_CASE("html corpus: Hauts-de-France page, iso-8859-1 label with windows-1252 quotes",
          "[html][corpus]") {
  TextDocument d = parse_ok(read_fixture("corpus/hauts-de-france-actualite.html"));
  std::string t = text_of(d);
  CHECK(d.source_encoding == "windows-1252");
  CHECK(d.published_on == Date{2019, 1, 23});
  CHECK(contains(t,
                 "avec l\xE2\x80\x99"
                 "Etat les contrats"));  // U+2019 from byte 0x92
  CHECK(contains(t, "le Bas-Rhin, le Nord et le Pas-de-Calais"));
  CHECK_FALSE(contains(t, "\xC2\x92"));  // no C1 control left
  for (const char* chrome : {"Publi\xC3\xA9 le", "Prochains rendez-vous",
                             "Journ\xC3\xA9"
                             "e r\xC3\xA9gionale",
                             "Amiens (Somme)", "Vous \xC3\xAAtes ici", "Espace adh\xC3\xA9rents",
                             "199/201 rue Colbert", "Favoris",
                             "Pr\xC3\xA9"
                             "c\xC3\xA9"
                             "dent"}) {
    INFO(chrome);
    CHECK_FALSE(contains(t, chrome));
  }
}

TEST_CASE("html corpus: Hauts-de-France main text matches the seed", "[html][corpus]") {
  TextDocument d = parse_ok(read_fixture("corpus/hauts-de-france-actualite.html"));
  check_seed_lines(d, read_fixture("seeds/004_234ae3db082b4f2d.txt"),
                   {"Vous \xC3\xAAtes ici",
                    "Pr\xC3\xA9"
                    "c\xC3\xA9"
                    "dent",
                    "Accueil", "Favoris", "Actualit\xC3\xA9s", "Publi\xC3\xA9 le"});
}

// --- encodings -------------------------------------------------------------------------

TEST_CASE("html encoding: the HTTP header beats <meta>", "[html][encoding]") {
  std::string page =
      "<html><head><meta charset=\"utf-8\"></head><body><p>Pr\xE9"
      "fet du Nord</p></body></html>";
  TextDocument d = parse_ok(page, "text/html; charset=ISO-8859-1");
  CHECK(d.source_encoding == "windows-1252");
  CHECK(contains(text_of(d),
                 "Pr\xC3\xA9"
                 "fet du Nord"));
}

TEST_CASE("html encoding: a BOM beats the header", "[html][encoding]") {
  std::string page =
      "\xEF\xBB\xBF<p>Pr\xC3\xA9"
      "fet</p>";
  TextDocument d = parse_ok(page, "text/html; charset=windows-1252");
  CHECK(d.source_encoding == "utf-8");
  CHECK(text_of(d) ==
        "Pr\xC3\xA9"
        "fet");
}

TEST_CASE("html encoding: <meta http-equiv> charset iso-8859-1 read as windows-1252",
          "[html][encoding]") {
  std::string page =
      "<html><head><meta http-equiv='Content-Type' content='text/html; charset=iso-8859-1'>"
      "</head><body><p>L\x92"
      "Etat \x80 \x9C"
      "uvre</p></body></html>";
  TextDocument d = parse_ok(page);
  CHECK(d.source_encoding == "windows-1252");
  CHECK(text_of(d) ==
        "L\xE2\x80\x99"
        "Etat \xE2\x82\xAC \xC5\x93uvre");
}

TEST_CASE("html encoding: undeclared pages, UTF-8 if valid else windows-1252", "[html][encoding]") {
  TextDocument u = parse_ok("<p>d\xC3\xA9partement</p>");
  CHECK(u.source_encoding == "utf-8");
  CHECK(text_of(u) == "d\xC3\xA9partement");
  TextDocument w = parse_ok("<p>d\xE9partement</p>");
  CHECK(w.source_encoding == "windows-1252");
  CHECK(text_of(w) == "d\xC3\xA9partement");
}

TEST_CASE("html encoding: declared UTF-8 that is Latin-1 is read as windows-1252",
          "[html][encoding]") {
  TextDocument d = parse_ok(
      "<meta charset=utf-8><p>pr\xE9"
      "fecture de l\x92"
      "Aisne</p>");
  CHECK(d.source_encoding == "windows-1252");
  CHECK(text_of(d) ==
        "pr\xC3\xA9"
        "fecture de l\xE2\x80\x99"
        "Aisne");
  CHECK(!d.warnings.empty());
}

TEST_CASE("html encoding: UTF-16 with a BOM", "[html][encoding]") {
  std::string utf8 = "<p>\xC3\x89tat</p>";
  std::string utf16 = "\xFF\xFE";
  for (char c : std::string("<p>")) utf16 += std::string{c, '\0'};
  utf16 += std::string("\xC9\x00", 2);  // É
  for (char c : std::string("tat</p>")) utf16 += std::string{c, '\0'};
  TextDocument d = parse_ok(utf16);
  CHECK(d.source_encoding == "utf-16le");
  CHECK(text_of(d) == "\xC3\x89tat");
}

// --- cleaning --------------------------------------------------------------------------

TEST_CASE("html text: entities, NBSP, soft hyphens, glued text stays glued", "[html]") {
  TextDocument d = parse_ok(
      "<p>Sign&eacute;e le 27&nbsp;juin 2019<b>une</b> convention d&#x27;appui, "
      "1&#8239;125&#160;000&nbsp;\xE2\x82\xAC, d\xC3\xA9part&shy;emental</p>");
  CHECK(text_of(d) ==
        "Sign\xC3\xA9"
        "e le 27 juin 2019une convention d'appui, 1 125 000 \xE2\x82\xAC, d\xC3\xA9partemental");
}

TEST_CASE("html text: headings, list items, <br> splits paragraphs", "[html]") {
  TextDocument d = parse_ok(
      "<body><article><h1>Titre</h1><h2>Sous-titre</h2><p>Ligne une<br>Ligne deux</p>"
      "<ul><li>premier</li><li>second "
      "<ul><li>imbriqu\xC3\xA9</li></ul></li></ul></article></body>");
  REQUIRE(d.blocks.size() == 7);
  CHECK(d.blocks[0].kind == BlockKind::title);
  CHECK(d.blocks[1].kind == BlockKind::heading);
  CHECK(d.blocks[1].text == "Sous-titre");
  CHECK(d.blocks[2].text == "Ligne une");
  CHECK(d.blocks[3].text == "Ligne deux");
  CHECK(d.blocks[4].kind == BlockKind::list_item);
  CHECK(d.blocks[5].text == "second");
  CHECK(d.blocks[6].text == "imbriqu\xC3\xA9");
  CHECK(d.blocks[6].kind == BlockKind::list_item);
}

TEST_CASE("html tables: rows with cells, colspan keeps columns aligned", "[html][tables]") {
  TextDocument d = parse_ok(
      "<main><p>Financement de la convention :</p><table>"
      "<thead><tr><th>Action</th><th colspan=2>Part \xC3\x89tat</th><th>Part CD</th></tr>"
      "<tr><th></th><th>2019</th><th>2020</th><th></th></tr></thead>"
      "<tbody><tr><td>Action 1-1</td><td>155 000</td><td>155 000</td><td>155 000</td></tr>"
      "<tr><td>Action 5-1</td><td></td><td></td><td>40 000</td></tr></tbody></table></main>");
  REQUIRE(d.tables.size() == 1);
  CHECK(d.tables[0].first_block == 1);
  CHECK(d.tables[0].block_count == 4);
  const auto& h = d.blocks[1];
  CHECK(h.kind == BlockKind::table_row);
  CHECK(h.cells() == std::vector<std::string>{"Action", "Part \xC3\x89tat", "", "Part CD"});
  CHECK(d.blocks[2].cells() == std::vector<std::string>{"", "2019", "2020", ""});
  CHECK(d.blocks[4].cells() == std::vector<std::string>{"Action 5-1", "", "", "40 000"});
  CHECK(d.blocks[4].text == "Action 5-1 | | | 40 000");
}

TEST_CASE("html tables: layout tables are read as text", "[html][tables]") {
  std::string page =
      "<table><tr><td><table><tr><td>menu</td></tr></table></td><td><p>Le "
      "d\xC3\xA9partement signe la convention.</p><p>Deuxi\xC3\xA8me "
      "paragraphe.</p></td></tr></table>";
  TextDocument d = parse_ok(page);
  CHECK(d.tables.empty());
  CHECK(doctest_helpers::find_block(d, "Deuxi\xC3\xA8me paragraphe.") != nullptr);
}

TEST_CASE("html chrome: role, id and class names of navigation and widgets are dropped", "[html]") {
  TextDocument d = parse_ok(
      "<body><div id='breadcrumb'>Accueil &gt; Actualit\xC3\xA9s</div>"
      "<div role='navigation'>Menu principal</div>"
      "<article><header><h1>Le titre</h1><p class='date'>Publi\xC3\xA9 le 5 mars 2019</p></header>"
      "<p>Le pr\xC3\xA9"
      "fet et le pr\xC3\xA9sident ont sign\xC3\xA9 la convention d'appui, "
      "pour trois ans, avec un financement de l'\xC3\x89tat.</p>"
      "<div class='social-share'>Partager sur Twitter</div><div class='fil-ariane'>x</div>"
      "<aside>Autres actualit\xC3\xA9s du Doubs</aside><div hidden>cach\xC3\xA9</div>"
      "<div style='display: none'>invisible</div><script>var x = 'code';</script>"
      "<style>p{}</style><noscript>activez JS</noscript></article>"
      "<footer>Mentions l\xC3\xA9gales</footer></body>");
  std::string t = text_of(d);
  CHECK(d.published_on == Date{2019, 3, 5});
  CHECK(d.title == "Le titre");
  CHECK(t ==
        "Le titre\nLe pr\xC3\xA9"
        "fet et le pr\xC3\xA9sident ont sign\xC3\xA9 la convention d'appui, "
        "pour trois ans, avec un financement de l'\xC3\x89tat.");
}

TEST_CASE("html main content: the text-dense block wins over link lists", "[html]") {
  std::string links;
  for (int i = 0; i < 30; ++i)
    links += "<li><a href='/a" + std::to_string(i) + "'>Lien num\xC3\xA9ro " + std::to_string(i) +
             " vers une autre page du site</a></li>";
  std::string page =
      "<body><div class='colonne'><ul>" + links +
      "</ul></div><div class='zone'>"
      "<p>Le d\xC3\xA9partement de la Loire signe la convention, avec l'\xC3\x89tat, "
      "pour la p\xC3\xA9riode 2019-2021.</p><p>Le montant, vers\xC3\xA9 par l'\xC3\x89tat, "
      "atteint 570 000 euros, en 2019.</p></div><div class='bas'>"
      "<p>Agenda : 6 avril 2019, forum de l'emploi</p></div></body>";
  TextDocument d = parse_ok(page);
  std::string t = text_of(d);
  CHECK(contains(t, "570 000 euros"));
  CHECK_FALSE(contains(t, "Lien num\xC3\xA9ro"));
  CHECK_FALSE(contains(t, "forum de l'emploi"));
}

TEST_CASE("html main content: an ASP.NET page wrapped in a <form> is kept", "[html]") {
  TextDocument d = parse_ok(
      "<body><form id='aspnetForm' action='x'><div id='content'><p>Le d\xC3\xA9partement du Nord "
      "et l'\xC3\x89tat ont sign\xC3\xA9 la convention d'appui \xC3\xA0 la lutte contre la "
      "pauvret\xC3\xA9, pour la p\xC3\xA9riode 2019-2021, \xC3\xA0 Lille.</p></div>"
      "<input type='hidden' name='__VIEWSTATE'></form></body>");
  CHECK(contains(text_of(d), "Le d\xC3\xA9partement du Nord"));
}

TEST_CASE("html metadata: og:title, <title> site suffix, meta and <time> dates, lang", "[html]") {
  TextDocument a = parse_ok(
      "<html lang='fr-FR'><head><title>Une page - Site</title><meta property='og:title' "
      "content='Titre OG'><meta property='article:published_time' "
      "content='2019-06-27T10:00:00+02:00'>"
      "<meta property='article:modified_time' "
      "content='2019-07-01'></head><body><p>x</p></body></html>");
  CHECK(a.title == "Titre OG");
  CHECK(a.language == "fr");
  CHECK(a.published_on == Date{2019, 6, 27});
  CHECK(a.updated_on == Date{2019, 7, 1});

  TextDocument b = parse_ok(
      "<html><head><title>Signature de la convention - D\xC3\xA9partement de l'Aisne</title>"
      "<meta property='og:site_name' content=\"D\xC3\xA9partement de l'Aisne\"></head><body>"
      "<article><time datetime='2019-05-14'>14 mai</time><p>Le Conseil d\xC3\xA9partemental de "
      "l'Aisne "
      "et l'\xC3\x89tat signent la convention d'appui \xC3\xA0 la lutte contre la pauvret\xC3\xA9 "
      "et d'acc\xC3\xA8s \xC3\xA0 l'emploi pour les ann\xC3\xA9"
      "es 2019 \xC3\xA0 2021.</p></article></body></html>");
  CHECK(b.title == "Signature de la convention");
  CHECK(b.published_on == Date{2019, 5, 14});
  CHECK(b.language == "fr");  // detected from the text
}

// --- hostile and broken input ------------------------------------------------------------

TEST_CASE("html broken: truncated and unclosed markup still yields the text", "[html][hostile]") {
  TextDocument a = parse_ok("<html><body><p>Texte <b>gras");
  CHECK(text_of(a) == "Texte gras");
  TextDocument b = parse_ok("<div><p>un<p>deux</div></span></table><li>trois<td>quatre</p><!-- x");
  CHECK(text_of(b) == "un\ndeux\ntroisquatre");  // a <td> outside a table is ignored (HTML5)
  TextDocument c = parse_ok("<p title=\"jamais ferm\xC3\xA9>texte perdu");
  CHECK(c.blocks.empty());
}

TEST_CASE("html hostile: empty input and whitespace", "[html][hostile]") {
  TextDocument a = parse_ok("");
  CHECK(a.blocks.empty());
  CHECK(a.content_hash ==
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(!a.warnings.empty());
  TextDocument b = parse_ok(" \n\t ");
  CHECK(b.blocks.empty());
}

TEST_CASE("html hostile: binary garbage gives valid UTF-8 or an error, never a crash",
          "[html][hostile]") {
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    std::string bytes(4096, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng() & 0xFF);
    if (round % 2 == 1) bytes.insert(0, "<html><body><p>");
    auto r = parse_html(bytes, "", "garbage.bin");
    if (r.ok()) {
      for (const auto& b : r->blocks) CHECK(conventiond::is_valid_utf8(b.text));
    }
  }
}

TEST_CASE("html hostile: 100 000 nested divs are flattened quickly", "[html][hostile]") {
  std::string page;
  page.reserve(100000 * 11 + 100);
  for (int i = 0; i < 100000; ++i) page += "<div>";
  page += "<p>au fond</p>";
  for (int i = 0; i < 100000; ++i) page += "</div>";
  auto t0 = std::chrono::steady_clock::now();
  TextDocument d = parse_ok(page);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  CHECK(ms < 15000);
  CHECK(text_of(d) == "au fond");
  CHECK(!d.warnings.empty());
}

TEST_CASE("html hostile: 100 000 unclosed formatting tags", "[html][hostile]") {
  std::string page;
  for (int i = 0; i < 100000; ++i) page += (i % 2 == 0) ? "<b>" : "<i class=x>";
  page += "fin";
  auto t0 = std::chrono::steady_clock::now();
  TextDocument d = parse_ok(page);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  CHECK(ms < 15000);
  CHECK(text_of(d) == "fin");
}

TEST_CASE("html limits: input over max_input_bytes is refused, naming the input",
          "[html][limits]") {
  ExtractLimits limits;
  limits.max_input_bytes = 32u * 1024u * 1024u;
  std::string big(50u * 1024u * 1024u, 'a');
  auto r = parse_html(big, "", "https://example.org/enorme.html", limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "limit");
  CHECK(contains(r.error().message, "https://example.org/enorme.html"));
  CHECK(contains(r.error().message, "52428800 bytes"));
}

TEST_CASE("html limits: too many elements is refused", "[html][limits]") {
  ExtractLimits limits;
  limits.max_html_elements = 1000;
  std::string page;
  for (int i = 0; i < 2000; ++i) page += "<span>x</span>";
  auto r = parse_html(page, "", "spans.html", limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "limit");
  CHECK(contains(r.error().message, "spans.html"));
}

TEST_CASE("html limits: extracted text is cut at max_text_bytes with a warning", "[html][limits]") {
  ExtractLimits limits;
  limits.max_text_bytes = 1000;
  std::string page;
  for (int i = 0; i < 200; ++i) page += "<p>Paragraphe num\xC3\xA9ro " + std::to_string(i) + "</p>";
  TextDocument d = parse_ok(page, "", limits);
  CHECK(text_of(d).size() <= 1000);
  CHECK(d.blocks.size() > 10);
  REQUIRE(!d.warnings.empty());
  CHECK(contains(d.warnings.back(), "cut"));
}

TEST_CASE("html limits: a zero time budget is an error", "[html][limits]") {
  ExtractLimits limits;
  limits.max_time = std::chrono::milliseconds(0);
  std::string page;
  for (int i = 0; i < 5000; ++i) page += "<p>texte</p>";
  auto r = parse_html(page, "", "lent.html", limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "limit");
  CHECK(contains(r.error().message, "time limit"));
}

TEST_CASE("html limits: max_html_depth bounds the walk", "[html][limits]") {
  ExtractLimits limits;
  limits.max_html_depth = 20;
  std::string page;
  for (int i = 0; i < 50; ++i) page += "<div>";
  page += "<p>profond</p>";
  TextDocument d = parse_ok(page, "", limits);
  CHECK(text_of(d) == "profond");
  CHECK(!d.warnings.empty());
}

TEST_CASE("html main content: a lead paragraph in a sibling div is kept, the sidebar is not",
          "[html]") {
  std::string body;
  for (int i = 0; i < 6; ++i) {
    body += "<p>Paragraphe " + std::to_string(i) +
            " du texte, avec des virgules, des chiffres, "
            "et assez de mots pour compter comme du contenu r\xC3\xA9"
            "dig\xC3\xA9.</p>";
  }
  std::string page =
      "<body><div id='page'><div class='intro'><p>Le pr\xC3\xA9"
      "fet et le pr\xC3\xA9sident "
      "ont sign\xC3\xA9 la convention ce mardi \xC3\xA0 Laon pour trois ans.</p></div>"
      "<div class='corps'>" +
      body +
      "</div><div class='colonne'><ul><li>Rendez-vous "
      "du 6 avril 2019 au forum de Saint-Quentin</li><li>Session du 14 mai 2019 de "
      "l'assembl\xC3\xA9"
      "e</li></ul></div></div></body>";
  TextDocument d = parse_ok(page);
  std::string t = text_of(d);
  CHECK(
      t.starts_with("Le pr\xC3\xA9"
                    "fet et le pr\xC3\xA9sident ont sign\xC3\xA9 la convention"));
  CHECK(contains(t, "Paragraphe 5 du texte"));
  CHECK_FALSE(contains(t, "Rendez-vous"));
}

TEST_CASE("html dateline: a press release opening 'Place, le date' is a dateline block", "[html]") {
  TextDocument d = parse_ok(
      "<article><h1>Communiqu\xC3\xA9</h1><p>Laon, le 14 mai 2019</p><p>Le pr\xC3\xA9"
      "fet de "
      "l'Aisne et le pr\xC3\xA9sident du conseil d\xC3\xA9partemental ont sign\xC3\xA9 ce mardi la "
      "convention d'appui \xC3\xA0 la lutte contre la pauvret\xC3\xA9.</p></article>");
  REQUIRE(d.blocks.size() == 3);
  CHECK(d.blocks[1].kind == BlockKind::dateline);
  CHECK(d.blocks[1].text == "Laon, le 14 mai 2019");
  CHECK(d.published_on == Date{2019, 5, 14});
}
