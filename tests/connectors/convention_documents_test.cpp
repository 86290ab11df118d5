#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "harvest_test_support.hpp"

using conventiond::test::create_error;
using conventiond::test::error_texts;
using conventiond::test::fixture;
using conventiond::test::ok;
using conventiond::test::only;
using conventiond::test::plugin;
using conventiond::test::request_urls;
using conventiond::test::requests;
using conventiond::test::response;
using conventiond::test::saved;
namespace sdk = conventiond::sdk;

namespace {

using Requests = std::vector<std::pair<std::string, std::string>>;

const std::string kPage = "https://www.somme.fr/solidarites/strategie-pauvrete";

conventiond::PluginInstance documents(const std::string& config) {
  return plugin("convention_documents", config);
}

std::vector<sdk::Message> page(conventiond::PluginInstance& c, std::string body,
                               std::string type = "text/html") {
  return ok(c.parse(response(kPage, std::move(body), "page", std::move(type))));
}

}  // namespace

TEST_CASE("convention_documents: start asks for each document and page once") {
  auto c = documents(R"({"documents":["https://www.somme.fr/fileadmin/convention-2023.pdf",
                                      "https://www.somme.fr/solidarites/convention.html",
                                      "https://www.somme.fr/fileadmin/convention-2023.pdf"],
                         "pages":["https://www.somme.fr/solidarites/strategie-pauvrete"],
                         "user_agent_note":"ops@example.org"})");
  const auto messages = ok(c.start());
  CHECK(requests(messages) ==
        Requests{
            {"https://www.somme.fr/fileadmin/convention-2023.pdf", "document"},
            {"https://www.somme.fr/solidarites/convention.html", "document"},
            {kPage, "page"},
        });
  CHECK(only<sdk::Request>(messages)[0].user_agent_note == "ops@example.org");
  // A document the page links to, already asked for, is not asked for again.
  CHECK(request_urls(ok(c.parse(saved(kPage, "page")))) ==
        std::vector<std::string>{"https://www.somme.fr/fileadmin/avenant-1",
                                 "https://static.somme.fr/docs/rapport-2022",
                                 "https://www.somme.fr/fileadmin/ANNEXE.PDF?download=1"});
}

TEST_CASE("convention_documents: a page gives its document links, resolved and deduplicated") {
  auto c = documents(R"({"pages":["https://www.somme.fr/solidarites/strategie-pauvrete"]})");
  const auto messages = ok(c.parse(saved(kPage, "page")));
  CHECK(requests(messages) ==
        Requests{
            {"https://www.somme.fr/fileadmin/convention-2023.pdf", "document"},  // (PDF - 0,14 Mb)
            {"https://www.somme.fr/fileadmin/avenant-1", "document"},            // Télécharger
            {"https://static.somme.fr/docs/rapport-2022", "document"},           // (1,2 Mo)
            {"https://www.somme.fr/fileadmin/ANNEXE.PDF?download=1", "document"},
        });
  CHECK(only<sdk::Document>(messages).empty());  // the page itself is no document
  CHECK(error_texts(messages).empty());
}

TEST_CASE("convention_documents: same_host_only, link_pattern and max_documents") {
  auto same = documents(R"({"pages":["https://www.somme.fr/solidarites/strategie-pauvrete"],
                            "same_host_only":true})");
  CHECK(request_urls(ok(same.parse(saved(kPage, "page")))).size() == 3);

  auto pattern = documents(R"({"pages":["https://www.somme.fr/solidarites/strategie-pauvrete"],
                               "link_pattern":"/deliberations/[0-9-]+-CP$"})");
  const auto urls = request_urls(ok(pattern.parse(saved(kPage, "page"))));
  REQUIRE(urls.size() == 5);
  CHECK(urls[4] == "https://www.somme.fr/deliberations/2023-11-20-CP");

  auto two = documents(R"({"pages":["https://www.somme.fr/solidarites/strategie-pauvrete"],
                           "max_documents":2})");
  CHECK(request_urls(ok(two.parse(saved(kPage, "page")))) ==
        std::vector<std::string>{"https://www.somme.fr/fileadmin/convention-2023.pdf",
                                 "https://www.somme.fr/fileadmin/avenant-1"});
}

TEST_CASE("convention_documents: documents are handed over with their rank and media type") {
  auto c = documents(R"({"documents":["https://www.somme.fr/fileadmin/convention-2023.pdf"]})");
  const std::string pdf = "%PDF-1.5\n1 0 obj << >> endobj\n%%EOF\n";
  const auto messages = ok(c.parse(response("https://www.somme.fr/fileadmin/convention-2023.pdf",
                                            pdf, "document", "text/html; charset=utf-8")));
  const auto docs = only<sdk::Document>(messages);
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].url == "https://www.somme.fr/fileadmin/convention-2023.pdf");
  CHECK(docs[0].media_type == "application/pdf");  // the header lied
  CHECK(docs[0].rank == "convention_text");
  CHECK(docs[0].body == pdf);
  CHECK(request_urls(messages).empty());

  auto html = documents(R"({"documents":["https://www.somme.fr/convention.html"],
                            "rank":"official_release"})");
  const auto page_doc = only<sdk::Document>(ok(html.parse(response(
      "https://www.somme.fr/convention.html", fixture("documents_page.html"), "document", ""))));
  REQUIRE(page_doc.size() == 1);
  CHECK(page_doc[0].media_type == "text/html");  // sniffed: no Content-Type
  CHECK(page_doc[0].rank == "official_release");
}

TEST_CASE("convention_documents: a page that is a PDF is the document") {
  auto c = documents(R"({"pages":["https://www.somme.fr/solidarites/strategie-pauvrete"]})");
  const auto messages = page(c, "%PDF-1.4\n...", "application/pdf");
  const auto docs = only<sdk::Document>(messages);
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].media_type == "application/pdf");
  CHECK(docs[0].rank == "convention_text");
  CHECK(request_urls(messages).empty());
}

TEST_CASE("convention_documents: bad pages and HTTP errors are item errors") {
  auto c = documents(R"({"pages":["https://www.somme.fr/solidarites/strategie-pauvrete"]})");
  CHECK(error_texts(page(c, "\x89PNG\r\n", "image/png")) ==
        std::vector<std::string>{
            kPage + " | not an HTML page or a PDF (image/png): no document links to follow"});
  CHECK(error_texts(ok(c.parse(response(kPage, "", "page", "text/html", 500)))) ==
        std::vector<std::string>{kPage + " | HTTP status 500"});
  CHECK(ok(c.parse(response(kPage, "", "page", "text/html", 304))).empty());
  // Truncated HTML, a Latin-1 page, hostile links.
  const std::string html =
      "<p><a href='/doc/1'>T\xE9l\xE9"
      "charger</a>"
      "<a href='javascript:alert(1)'>PDF</a>"
      "<a href=\"mailto:x@y.fr\">(pdf, 12 ko)</a>"
      "<a href=\"/" +
      std::string(5000, 'x') +
      ".pdf\">PDF</a>"
      "<a href='/doc/2.pdf";
  CHECK(request_urls(page(c, html)) == std::vector<std::string>{"https://www.somme.fr/doc/1"});
}

TEST_CASE("convention_documents: its config is checked by the host and by the connector") {
  CHECK(create_error("convention_documents", "{}") ==
        "plugin 'convention_documents': create failed: config needs at least one URL in "
        "'documents' or 'pages'");
  CHECK(create_error("convention_documents", R"({"documents":["convention.pdf"]})") ==
        "plugin 'convention_documents': create failed: config key 'documents' holds "
        "'convention.pdf', which is not an absolute http, https or file URL");
  CHECK_THAT(
      create_error("convention_documents", R"({"pages":["https://a.fr/"],"link_pattern":"*.pdf"})"),
      Catch::StartsWith("plugin 'convention_documents': create failed: config key "
                        "'link_pattern' is not a valid regular expression"));
  CHECK(create_error("convention_documents", R"({"pages":["https://a.fr/"],"page":[]})") ==
        "plugin 'convention_documents': unknown config key 'page' (did you mean 'pages'?)");
  CHECK(create_error("convention_documents", R"({"pages":["https://a.fr/"],"rank":"x"})") ==
        "plugin 'convention_documents': create failed: config key 'rank' must be "
        "convention_text, official_release or news, not 'x'");
  CHECK_FALSE(
      create_error("convention_documents", R"({"pages":["https://a.fr/"],"max_documents":0})")
          .empty());
}
