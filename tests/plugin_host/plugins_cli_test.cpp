#include <catch2/catch.hpp>

#include <sstream>

#include <boost/json/parse.hpp>

#include <conventiond/plugin_host/plugins_cli.hpp>
#include <conventiond/sdk/plugin_abi.h>

#include "test_support.hpp"

namespace {

struct Run {
  int status;
  std::string out;
  std::string err;
};

Run plugins(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  const int status = conventiond::run_plugins_command(args, out, err, CONVENTIOND_PLUGIN_DIR);
  return {status, out.str(), err.str()};
}

}  // namespace

TEST_CASE("plugins list: a table of the shipped plugins") {
  const Run r = plugins({"list"});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK_THAT(r.out, Catch::StartsWith("NAME "));
  // Columns are as wide as their longest value.
  CHECK_THAT(r.out, Catch::Matches("(.|\n)*\ntemplate_connector +1\\.0\\.0 +source +2 +" CONVENTIOND_PLUGIN_DIR
                                   "/template_connector\\.so\n(.|\n)*"));
  CHECK_THAT(r.out, Catch::Contains("local_files "));
  CHECK_THAT(r.out, Catch::Contains("jsonl_sink "));
  CHECK_THAT(r.out, !Catch::Contains("error:"));
}

TEST_CASE("plugins list: files that fail are listed with their error, status 1") {
  conventiond::test::TempDir dir;
  dir.add_test_plugin("test_good.so");
  const auto bad = dir.write("x.so", "text");
  const Run r = plugins({"list", "--plugin-dir", dir.path().string()});
  CHECK(r.status == 1);
  CHECK_THAT(r.out, Catch::Contains("test_good "));
  CHECK_THAT(r.out,
             Catch::Contains("error: " + bad.string() + ": cannot load as a shared library"));
}

TEST_CASE("plugins list --json: plugins and errors as data") {
  conventiond::test::TempDir dir;
  dir.add_test_plugin("test_abi_future.so");
  dir.add_test_plugin("test_good.so");
  const Run r = plugins({"list", "--json", "--plugin-dir=" + dir.path().string()});
  CHECK(r.status == 1);
  const auto doc = boost::json::parse(r.out).as_object();
  CHECK(doc.at("plugin_dir") == dir.path().string().c_str());
  REQUIRE(doc.at("plugins").as_array().size() == 1);
  CHECK(doc.at("plugins").as_array()[0].at("name") == "test_good");
  CHECK(doc.at("plugins").as_array()[0].at("abi_version") == std::uint64_t{CONVENTIOND_ABI_VERSION});
  REQUIRE(doc.at("errors").as_array().size() == 1);
  CHECK(doc.at("errors").as_array()[0].at("file") ==
        (dir.path() / "test_abi_future.so").string().c_str());
}

TEST_CASE("plugins describe: the config keys with types, defaults and descriptions") {
  const Run r = plugins({"describe", "template_connector"});
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::StartsWith("template_connector 1.0.0 (source, ABI 2)\n"));
  CHECK_THAT(r.out, Catch::Contains("start_urls       string_list  (required)"));
  CHECK_THAT(r.out, Catch::Contains("max_pages        integer      100         1..100000"));
  CHECK_THAT(r.out, Catch::Contains("Most requests one run makes"));
  CHECK_THAT(r.out, Catch::Contains("link_pattern"));
}

TEST_CASE("plugins describe --json: the schema as data") {
  const Run r = plugins({"describe", "jsonl_sink", "--json"});
  CHECK(r.status == 0);
  const auto doc = boost::json::parse(r.out).as_object();
  CHECK(doc.at("kind") == "sink");
  const auto& keys = doc.at("config").as_array();
  REQUIRE(keys.size() >= 2);
  CHECK(keys[0].at("name") == "path");
  CHECK(keys[0].at("required") == true);
  // Integer keys carry their default and bounds as numbers.
  bool bounded = false;
  for (const auto& k : keys) {
    if (k.as_object().contains("min")) {
      bounded = true;
      CHECK(k.at("min").is_number());
      CHECK(k.as_object().contains("default"));
    }
  }
  CHECK(bounded);
}

TEST_CASE("plugins describe: an unknown plugin is an error") {
  const Run r = plugins({"describe", "nope"});
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::Contains("no plugin named 'nope'"));
}

TEST_CASE("plugins: usage errors give status 2 and the usage") {
  for (const auto& args : std::vector<std::vector<std::string>>{{},
                                                                {"frobnicate"},
                                                                {"describe"},
                                                                {"list", "--plugin-dir"},
                                                                {"list", "--bogus"},
                                                                {"list", "extra"}}) {
    const Run r = plugins(args);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("usage: conventiond plugins list"));
  }
  CHECK(plugins({"--help"}).status == 0);
}
