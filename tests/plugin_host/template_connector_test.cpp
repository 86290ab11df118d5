#include <catch2/catch.hpp>

#include <conventiond/plugin_host/plugin_registry.hpp>

#include "test_support.hpp"

using conventiond::PluginRegistry;
using conventiond::test::only;
using conventiond::test::request_urls;
namespace sdk = conventiond::sdk;

namespace {

const PluginRegistry& shipped() {
  static const PluginRegistry registry = PluginRegistry::load_directory(CONVENTIOND_PLUGIN_DIR);
  return registry;
}

conventiond::PluginInstance connector(std::string_view config) {
  auto instance = shipped().create_instance("template_connector", config);
  REQUIRE(instance.ok());
  return std::move(*instance);
}

sdk::Response page(std::string url, std::string body, std::string type = "text/html") {
  return sdk::Response{
      std::move(url), 200, {{"content-type", std::move(type)}}, std::move(body), {}};
}

const char* const kPage = R"(<html><body>
  <a href="communique-2019.html">Communiqué</a>
  <A class="x" HREF='/pauvrete/convention.pdf'>PDF</A>
  <a href="https://other.example.net/x.html">elsewhere</a>
  <a href="mailto:presse@nord.gouv.fr">mail</a>
  <a href="#top">top</a>
  <a data-href="/not-a-link" href="list?p=2&amp;q=3">next</a>
  <link href="/style.css">
</body></html>)";

}  // namespace

TEST_CASE("template_connector: start asks for each start URL once, with the note") {
  auto c = connector(R"({"start_urls":["https://www.nord.gouv.fr/a","https://www.nord.gouv.fr/b",
                          "https://www.nord.gouv.fr/a"],"user_agent_note":"ops@example.org"})");
  const auto messages = c.start();
  REQUIRE(messages.ok());
  const auto requests = only<sdk::Request>(*messages);
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].url == "https://www.nord.gouv.fr/a");
  CHECK(requests[1].url == "https://www.nord.gouv.fr/b");
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].user_agent_note == "ops@example.org");
}

TEST_CASE("template_connector: a page becomes a document and its same-host links requests") {
  auto c = connector(R"({"start_urls":["https://www.nord.gouv.fr/presse/index.html"]})");
  REQUIRE(c.start().ok());
  const auto messages = c.parse(page("https://www.nord.gouv.fr/presse/index.html", kPage));
  REQUIRE(messages.ok());
  const auto docs = only<sdk::Document>(*messages);
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].url == "https://www.nord.gouv.fr/presse/index.html");
  CHECK(docs[0].media_type == "text/html");
  CHECK(docs[0].body == kPage);
  CHECK(request_urls(*messages) == std::vector<std::string>{
                                       "https://www.nord.gouv.fr/presse/communique-2019.html",
                                       "https://www.nord.gouv.fr/pauvrete/convention.pdf",
                                       "https://www.nord.gouv.fr/presse/list?p=2&q=3",
                                   });
}

TEST_CASE("template_connector: link_pattern selects the links followed") {
  auto c = connector(R"({"start_urls":["https://www.nord.gouv.fr/presse/index.html"],
                         "link_pattern":"\\.pdf$"})");
  const auto messages = c.parse(page("https://www.nord.gouv.fr/presse/index.html", kPage));
  REQUIRE(messages.ok());
  CHECK(request_urls(*messages) ==
        std::vector<std::string>{"https://www.nord.gouv.fr/pauvrete/convention.pdf"});
}

TEST_CASE("template_connector: max_pages bounds the requests of a run") {
  auto c = connector(R"({"start_urls":["https://www.nord.gouv.fr/presse/index.html"],
                         "max_pages":2})");
  CHECK(request_urls(*c.start()).size() == 1);
  CHECK(request_urls(*c.parse(page("https://www.nord.gouv.fr/presse/index.html", kPage))) ==
        std::vector<std::string>{"https://www.nord.gouv.fr/presse/communique-2019.html"});
}

TEST_CASE("template_connector: non-HTML documents are kept, not scanned for links") {
  auto c = connector(R"({"start_urls":["https://a.fr/"]})");
  const auto messages =
      c.parse(page("https://a.fr/c.pdf", "%PDF <a href=\"x\">", "application/pdf"));
  REQUIRE(messages.ok());
  CHECK(only<sdk::Document>(*messages).size() == 1);
  CHECK(request_urls(*messages).empty());
}

TEST_CASE("template_connector: HTTP errors are item errors") {
  auto c = connector(R"({"start_urls":["https://a.fr/"]})");
  auto response = page("https://a.fr/missing", "not found");
  response.status = 404;
  const auto messages = c.parse(response);
  REQUIRE(messages.ok());
  const auto errors = only<sdk::ErrorMessage>(*messages);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "HTTP status 404");
  CHECK(errors[0].url == "https://a.fr/missing");
  CHECK(only<sdk::Document>(*messages).empty());
}

TEST_CASE("template_connector: its config is checked by the host and by the connector") {
  const auto missing = shipped().create_instance("template_connector", "{}");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message ==
        "plugin 'template_connector': missing required config key 'start_urls'");
  const auto bad_regex = shipped().create_instance(
      "template_connector", R"({"start_urls":[],"link_pattern":"(unclosed"})");
  REQUIRE_FALSE(bad_regex.ok());
  CHECK_THAT(bad_regex.error().message,
             Catch::StartsWith("plugin 'template_connector': create failed: config key "
                               "'link_pattern' is not a valid regular expression"));
}
