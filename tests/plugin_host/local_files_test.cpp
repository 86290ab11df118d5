#include <catch2/catch.hpp>

#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/sdk/url.hpp>

#include "test_support.hpp"

using conventiond::PluginRegistry;
using conventiond::test::only;
using conventiond::test::request_urls;
using conventiond::test::TempDir;
namespace sdk = conventiond::sdk;

namespace {

conventiond::PluginInstance local_files(const std::string& config) {
  static const PluginRegistry registry = PluginRegistry::load_directory(CONVENTIOND_PLUGIN_DIR);
  auto instance = registry.create_instance("local_files", config);
  REQUIRE(instance.ok());
  return std::move(*instance);
}

std::string json_string(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

TEST_CASE("local_files: start requests the files of a directory matching glob") {
  TempDir dir;
  dir.write("b.html", "<p>b</p>");
  dir.write("a.html", "<p>a</p>");
  dir.write("notes.txt", "n");
  dir.write(".hidden.html", "h");
  std::filesystem::create_directory(dir.path() / "sub.html");
  auto c =
      local_files(R"({"paths":[)" + json_string(dir.path().string()) + R"(],"glob":"*.html"})");
  const auto messages = c.start();
  REQUIRE(messages.ok());
  CHECK(request_urls(*messages) ==
        std::vector<std::string>{sdk::url::file_url((dir.path() / "a.html").string()),
                                 sdk::url::file_url((dir.path() / "b.html").string())});
}

TEST_CASE("local_files: a file is requested whatever glob says, a missing path is an error") {
  TempDir dir;
  const auto file = dir.write("convention 59.pdf", "%PDF");
  auto c = local_files(R"({"paths":[)" + json_string(file.string()) + "," +
                       json_string((dir.path() / "absent").string()) + R"(],"glob":"*.html"})");
  const auto messages = c.start();
  REQUIRE(messages.ok());
  CHECK(request_urls(*messages) == std::vector<std::string>{sdk::url::file_url(file.string())});
  const auto errors = only<sdk::ErrorMessage>(*messages);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0].message, Catch::StartsWith("no such file or directory: "));
}

TEST_CASE("local_files: a file read becomes a document typed by its extension") {
  auto c = local_files(R"({"paths":[]})");
  const auto messages =
      c.parse(sdk::Response{"file:///srv/Convention%2059.PDF", 200, {}, "%PDF-1.7", {}});
  REQUIRE(messages.ok());
  const auto docs = only<sdk::Document>(*messages);
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].media_type == "application/pdf");
  CHECK(docs[0].body == "%PDF-1.7");
  CHECK(docs[0].url == "file:///srv/Convention%2059.PDF");
}
