// The parsers the harvesting connectors share, tested directly (the connector tests drive
// them through the plugin host).
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "feed_parser.hpp"
#include "html_links.hpp"
#include "link_rules.hpp"

namespace h = conventiond::harvest;

TEST_CASE("harvest: feed dates in RFC 822, ISO 8601 and French") {
  CHECK(h::feed_date("Tue, 14 Nov 2023 17:30:00 +0100") == "2023-11-14");
  CHECK(h::feed_date("  2024-03-20T12:00:00+01:00 ") == "2024-03-20");
  CHECK(h::feed_date("2024-03-20") == "2024-03-20");
  CHECK(h::feed_date("ven., 05 janv. 2024 10:00:00 +0100") == "2024-01-05");
  CHECK(h::feed_date("5 août 2023") == "2023-08-05");
  CHECK(h::feed_date("14 déc. 2023") == "2023-12-14");
  CHECK(h::feed_date("jeudi 1 juin 2023") == "2023-06-01");
  CHECK(h::feed_date("Mon, 15 Apr 24 09:00 GMT") == "2024-04-15");
  CHECK(h::feed_date("hier").empty());
  CHECK(h::feed_date("2024-13-01").empty());
  CHECK(h::feed_date("2024-03").empty());
  CHECK(h::feed_date("20240301").empty());
  CHECK(h::feed_date("32 Jan 2024").empty());
  CHECK(h::feed_date("").empty());
}

TEST_CASE("harvest: parse_feed bounds the entries it keeps but counts them all") {
  std::string xml = "<urlset>";
  for (int i = 0; i < 10; ++i) xml += "<url><loc>/" + std::to_string(i) + "</loc></url>";
  xml += "<url><lastmod>2024-01-01</lastmod></url></urlset>";
  const auto feed = h::parse_feed(xml, "s.xml", 4);
  REQUIRE(feed.ok());
  CHECK(feed->kind == h::FeedKind::urlset);
  CHECK(feed->entries.size() == 4);
  CHECK(feed->total_entries == 11);
  CHECK(feed->entries[3].link == "/3");
  const auto bad = h::parse_feed("<rss><channel>", "f.xml", 10);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == "parse");
  CHECK_THAT(bad.error().message, Catch::StartsWith("f.xml: not well-formed XML: "));
}

TEST_CASE("harvest: resolve_link gives requestable URLs or nothing") {
  const std::string page = "https://www.Somme.gouv.fr/Actualites/liste.html?page=2";
  CHECK(h::resolve_link(page, "a.html") == "https://www.somme.gouv.fr/Actualites/a.html");
  CHECK(h::resolve_link(page, "../b?x=1&y=2#top") == "https://www.somme.gouv.fr/b?x=1&y=2");
  CHECK(h::resolve_link(page, "?page=3") ==
        "https://www.somme.gouv.fr/Actualites/liste.html?page=3");
  CHECK(h::resolve_link(page, " //cdn.somme.fr/doc.pdf ") == "https://cdn.somme.fr/doc.pdf");
  CHECK(h::resolve_link(page, "HTTP://WWW.SOMME.FR/X") == "http://www.somme.fr/X");
  CHECK(h::resolve_link(page, "/Comité de suivi\n.pdf") ==
        "https://www.somme.gouv.fr/Comit%C3%A9%20de%20suivi.pdf");
  CHECK(h::resolve_link(page, "/a\"b<c>%zz%41") ==
        "https://www.somme.gouv.fr/a%22b%3Cc%3E%25zz%41");
  CHECK(h::resolve_link(page, "") == "https://www.somme.gouv.fr/Actualites/liste.html?page=2");
  for (const char* bad : {"javascript:alert(1)", "  JAVASCRIPT:x", "java\tscript:x",
                          "mailto:a@b.fr", "tel:+33", "data:text/html,x", "ftp://a.fr/x",
                          "file:///etc/passwd", "https://", "https:///path", "http:no-slashes"}) {
    INFO(bad);
    CHECK_FALSE(h::resolve_link(page, bad).has_value());
  }
  CHECK_FALSE(h::resolve_link(page, "/" + std::string(3000, 'a')).has_value());
  CHECK_FALSE(h::resolve_link("not a url", "a.html").has_value());
  CHECK(h::resolve_link("file:///srv/mirror/index.html", "doc.pdf") ==
        "file:///srv/mirror/doc.pdf");
  CHECK(h::link_base(page, "https://www.somme.gouv.fr/base/") == "https://www.somme.gouv.fr/base/");
  CHECK(h::link_base(page, "javascript:x") == page);
}

TEST_CASE("harvest: page_numbers recognises the other pages of a listing") {
  using P = h::PageNumbers;
  auto same = [](const char* a, const char* b) { return h::page_numbers(a, b); };
  auto check = [](std::optional<P> got, long long current, long long candidate) {
    REQUIRE(got.has_value());
    CHECK(got->current == current);
    CHECK(got->candidate == candidate);
  };
  check(same("https://a.fr/l", "https://a.fr/l?page=2"), -1, 2);
  check(same("https://a.fr/l?page=2", "https://a.fr/l"), 2, -1);
  check(same("https://a.fr/l?page=2", "https://a.fr/l?page=13"), 2, 13);
  check(same("https://a.fr/l?page=19&t=x", "https://a.fr/l?page=29&t=x"), 19, 29);
  check(same("https://a.fr/l?cat=4", "https://a.fr/l?cat=4&debut_articles=10"), -1, 10);
  check(same("https://a.fr/actu/", "https://a.fr/actu/page/2/"), -1, 2);
  check(same("https://a.fr/actu/page/2/", "https://a.fr/actu/page/3/"), 2, 3);
  CHECK_FALSE(same("https://a.fr/l", "https://a.fr/l/article-2024").has_value());
  CHECK_FALSE(same("https://a.fr/l?id=2", "https://a.fr/l?id=3").has_value());
  CHECK_FALSE(same("https://a.fr/", "https://a.fr/?p=123").has_value());  // a WordPress post
  CHECK_FALSE(same("https://a.fr/l?page=2", "https://a.fr/l?page=2").has_value());
  CHECK_FALSE(same("https://a.fr/l?page=2", "https://a.fr/l?page=x").has_value());
}

TEST_CASE("harvest: find_html_links reads links, text and base from tag soup") {
  const std::string html = R"(<html><head><base href="/root/"><base href="/ignored/">
    <link rel="next" href="p2.html"><link rel=stylesheet href=s.css>
    <script>document.write('<a href="/in-script">x</a>')</script>
    <style>a[href="/in-style"]{}</style></head><body>
    <!-- <a href="/in-comment">x</a> -->
    <A HREF='/one?a=1&amp;b=2' TITLE="Un &eacute;l&eacute;ment">Premier
       <b>lien</b>&nbsp;&rsaquo;</A>
    <a href=/two class=x>deux <a href="/three">trois</a> quatre
    <a name="anchor">no href</a>
    <a href="/img"><img src="x.png" alt="PDF"></a>
    <a data-x='>' href="/quoted-gt">q</a>
    < not a tag <a href="/last">last <a href="/cut" title="the end)";
  const h::HtmlLinks links = h::find_html_links(html, 100);
  CHECK(links.base == "/root/");
  CHECK_FALSE(links.truncated);
  REQUIRE(links.links.size() == 8);  // the <a> without href is not a link
  CHECK(links.links[0].href == "p2.html");
  CHECK_FALSE(links.links[0].anchor);
  CHECK(links.links[0].rel == "next");
  CHECK(links.links[1].href == "s.css");
  CHECK(links.links[2].href == "/one?a=1&b=2");
  CHECK(links.links[2].text == "Premier lien \xE2\x80\xBA");
  CHECK(links.links[2].label == "Un \xC3\xA9l\xC3\xA9ment");
  CHECK(links.links[3].href == "/two");
  CHECK(links.links[3].text == "deux");  // an <a> closes the one before
  CHECK(links.links[4].href == "/three");
  CHECK(links.links[4].text == "trois");
  CHECK(links.links[5].href == "/img");
  CHECK(links.links[5].text == "PDF");
  CHECK(links.links[6].href == "/quoted-gt");
  CHECK(links.links[7].href == "/last");
  CHECK(links.links[7].text == "last");
  const h::HtmlLinks few = h::find_html_links(html, 2);
  CHECK(few.links.size() == 2);
  CHECK(few.truncated);
}

TEST_CASE("harvest: character references and encodings") {
  CHECK(h::decode_references("a&amp;b&eacute;&#233;&#xE9;&#XE9") ==
        "a&b\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9");
  CHECK(h::decode_references("&#0;&#xD800;&#99999999999;") ==
        "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
        "999;");
  CHECK(h::decode_references("?a=1&copy=2&unknown;&amp&lt=3&") == "?a=1&copy=2&unknown;&&lt=3&");
  CHECK(h::decode_references("&#x80;") == "\xE2\x82\xAC");  // Windows-1252 euro
  CHECK(h::to_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(h::to_utf8("caf\xE9 \x80") == "caf\xC3\xA9 \xE2\x82\xAC");
  CHECK(h::fold(" T\xC3\xA9l\xC3\xA9\x63harger\xC2\xA0\xC5\x92UVRE  ") == "telecharger oeuvre");
  CHECK(h::looks_like_html("\xEF\xBB\xBF <!-- x --> <!DOCTYPE HTML><html>"));
  CHECK(h::looks_like_html("<html lang=fr>"));
  CHECK_FALSE(h::looks_like_html("<?xml version=\"1.0\"?><rss/>"));
}

TEST_CASE("harvest: document links and next-page links") {
  auto link = [](std::string text, std::string label = "", std::string rel = "") {
    h::HtmlLink l;
    l.href = "x";
    l.text = std::move(text);
    l.label = std::move(label);
    l.rel = std::move(rel);
    return l;
  };
  CHECK(h::has_pdf_path("https://a.fr/doc/Convention.PDF?v=2#p3"));
  CHECK_FALSE(h::has_pdf_path("https://a.fr/doc?file=x.pdf.html"));
  for (const char* text :
       {"Télécharger la convention (PDF - 0,14 Mb)", "Téléchargez le bilan",
        "Dossier (pdf, 245 ko)", "Rapport (1.2 MB)", "download", "PDF", "Annexe 3 Ko"}) {
    INFO(text);
    CHECK(h::looks_like_document_link(link(text), "https://a.fr/x"));
  }
  for (const char* text : {"Pdfgen", "Nos actions", "12 mois", "2024", "Lire la suite"}) {
    INFO(text);
    CHECK_FALSE(h::looks_like_document_link(link(text), "https://a.fr/x"));
  }
  CHECK(h::looks_like_document_link(link("Annexe", "Télécharger (PDF)"), "https://a.fr/x"));
  for (const char* text : {"Suivant \xE2\x80\xBA", "\xE2\x80\xBA", "\xC2\xBB", ">", "Page suivante",
                           "Suivante", "Next", "suivant."}) {
    INFO(text);
    CHECK(h::says_next_page(link(text)));
  }
  for (const char* text :
       {"2", "\xC2\xBB\xC2\xBB", "Précédent", "Dernière page", "Lire la suite"}) {
    INFO(text);
    CHECK_FALSE(h::says_next_page(link(text)));
  }
  CHECK(h::says_next_page(link("", "Aller à la page suivante")));
  CHECK(h::says_next_page(link("3", "", "next nofollow")));
}
