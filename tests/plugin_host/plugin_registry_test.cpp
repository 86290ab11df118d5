#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <conventiond/plugin_host/plugin_registry.hpp>

#include "test_support.hpp"

using conventiond::PluginKind;
using conventiond::PluginRegistry;
using conventiond::test::TempDir;

namespace {

// Names of the plugins a registry loaded.
std::vector<std::string> names(const PluginRegistry& registry) {
  std::vector<std::string> out;
  for (const auto* p : registry.plugins()) out.push_back(p->name);
  return out;
}

}  // namespace

TEST_CASE("registry: a good plugin loads with its metadata and schema") {
  TempDir dir;
  const auto file = dir.add_test_plugin("test_good.so");
  const auto registry = PluginRegistry::load_directory(dir.path());
  CHECK(registry.errors().empty());
  const auto* p = registry.find("test_good");
  REQUIRE(p != nullptr);
  CHECK(p->version == "2.5.0");
  CHECK(p->kind == PluginKind::source);
  CHECK(p->abi_version == CONVENTIOND_ABI_VERSION);
  CHECK(p->description == "Well-formed test plugin");
  CHECK(p->file == file.string());
  REQUIRE(p->config.size() == 6);
  CHECK(p->config[0].name == "label");
  CHECK(p->config[0].required);
  CHECK(p->config[1].default_json == "3");
  CHECK(p->config[1].min == 1.0);
  CHECK(p->config[1].max == 10.0);
  CHECK(p->config[5].type == conventiond::ConfigType::table);
}

TEST_CASE("registry: each bad plugin file gives one error line naming it, the rest loads") {
  const auto [file, problem] = GENERATE(table<std::string, std::string>({
      {"x.so", "cannot load as a shared library: "},
      {"test_no_entry.so", "no entry symbol conventiond_plugin_entry"},
      {"test_abi_past.so",
       "ABI version 0 is older than this host supports (this host loads "
       "ABI 1 to 2)"},
      {"test_abi_future.so", "ABI version 999 is newer than this host supports"},
      {"test_struct_too_small.so", "plugin struct is 8 bytes, smaller than the"},
      {"test_abi2_struct_v1.so",
       "plugin struct is 96 bytes, smaller than the 104 bytes of the ABI 2 it declares"},
      {"test_good_duplicate.so", "duplicate plugin name 'test_good', already loaded from "},
  }));
  CAPTURE(file);
  TempDir dir;
  dir.add_test_plugin("test_good.so");
  dir.add_test_plugin("test_create_fails.so");
  const auto bad = file == "x.so" ? dir.write(file, "this is not a shared library\n")
                                  : dir.add_test_plugin(file);

  const auto registry = PluginRegistry::load_directory(dir.path());

  CHECK(names(registry) == std::vector<std::string>{"test_create_fails", "test_good"});
  REQUIRE(registry.errors().size() == 1);
  const auto& error = registry.errors()[0];
  CHECK(error.file == bad.string());
  CHECK_THAT(error.message, Catch::Contains(problem));
  CHECK(error.line().find('\n') == std::string::npos);
  CHECK(error.line().rfind(bad.string() + ": ", 0) == 0);
}

TEST_CASE("registry: the duplicate's error names both files") {
  TempDir dir;
  const auto first = dir.add_test_plugin("test_good.so");
  const auto second = dir.add_test_plugin("test_good_duplicate.so");
  const auto registry = PluginRegistry::load_directory(dir.path());
  REQUIRE(registry.errors().size() == 1);
  CHECK(registry.errors()[0].file == second.string());
  CHECK_THAT(registry.errors()[0].message, Catch::EndsWith(first.string()));
  CHECK(registry.find("test_good")->file == first.string());
}

TEST_CASE("registry: several directories in order, a name in two of them an error naming both") {
  TempDir a;
  TempDir b;
  const auto first = a.add_test_plugin("test_good.so");
  a.add_test_plugin("test_create_fails.so");
  const auto second = b.add_test_plugin("test_good_duplicate.so");
  b.add_test_plugin("test_validate_fails.so");
  // b's directory twice, once through "..": read once (no duplicate of itself).
  const auto registry = PluginRegistry::load_directories(
      {a.path(), b.path(), b.path() / ".." / b.path().filename()});
  CHECK(names(registry) ==
        std::vector<std::string>{"test_create_fails", "test_good", "test_validate_fails"});
  REQUIRE(registry.errors().size() == 1);
  const conventiond::LoadError& e = registry.errors()[0];
  CHECK(e.file == second.string());
  CHECK(e.name == "test_good");
  CHECK(e.duplicate_of == first.string());
  CHECK(registry.find("test_good")->file == first.string());
  // Other load errors are not duplicates.
  const auto missing = PluginRegistry::load_directories({a.path(), "/nonexistent/cvd"});
  REQUIRE(missing.errors().size() == 1);
  CHECK(missing.errors()[0].duplicate_of.empty());
  CHECK(missing.plugins().size() == 2);
}

TEST_CASE("registry: the whole test plugin directory loads what is good, reports the rest") {
  const auto registry = PluginRegistry::load_directory(CONVENTIOND_TEST_PLUGIN_DIR);
  CHECK(names(registry) ==
        std::vector<std::string>{"test_abi1", "test_create_fails", "test_create_throws",
                                 "test_flaky_sink", "test_good", "test_validate_fails"});
  CHECK(registry.errors().size() == 6);
}

TEST_CASE("registry: a missing directory is one error, not a crash") {
  const auto registry = PluginRegistry::load_directory("/nonexistent/conventiond/plugins");
  CHECK(registry.plugins().empty());
  REQUIRE(registry.errors().size() == 1);
  CHECK(registry.errors()[0].line() ==
        "/nonexistent/conventiond/plugins: cannot read plugin directory: No such file or "
        "directory");
}

TEST_CASE("registry: files not ending in .so are ignored") {
  TempDir dir;
  dir.write("README.md", "not a plugin");
  dir.write("test_good.so.bak", "old");
  const auto registry = PluginRegistry::load_directory(dir.path());
  CHECK(registry.plugins().empty());
  CHECK(registry.errors().empty());
}

TEST_CASE("registry: the shipped plugins load") {
  const auto registry = PluginRegistry::load_directory(CONVENTIOND_PLUGIN_DIR);
  CHECK(registry.errors().empty());
  CHECK(registry.find("template_connector") != nullptr);
  CHECK(registry.find("local_files") != nullptr);
  REQUIRE(registry.find("jsonl_sink") != nullptr);
  CHECK(registry.find("jsonl_sink")->kind == PluginKind::sink);
}

TEST_CASE("registry: check_config reports the schema's and the plugin's own problems, dry") {
  TempDir dir;
  dir.add_test_plugin("test_good.so");
  dir.add_test_plugin("test_create_throws.so");
  dir.add_test_plugin("test_abi1.so");
  dir.add_test_plugin("test_validate_fails.so");
  const auto registry = PluginRegistry::load_directory(dir.path());
  REQUIRE(registry.errors().empty());
  const auto object = [](std::string_view json) {
    return boost::json::parse(json).as_object();
  };

  // Fine: nothing to say.
  CHECK(registry.check_config("test_good", object(R"({"label": "x"})")).empty());
  // The schema's problems, one line each.
  const auto schema = registry.check_config("test_good", object(R"({"count": 99, "lable": 1})"));
  REQUIRE(schema.size() == 3);
  // An SDK source without validate(): its construction is the check (ABI 2 validate made by
  // the SDK), and what it throws is reported.
  const auto thrown = registry.check_config("test_create_throws", object("{}"));
  REQUIRE(thrown.size() == 1);
  CHECK(thrown[0] == "plugin 'test_create_throws': constructor exploded");
  // An ABI 1 plugin still loads, and a source of ABI 1 is checked by creating an instance
  // (never started).
  const auto* abi1 = registry.find("test_abi1");
  REQUIRE(abi1 != nullptr);
  CHECK(abi1->abi_version == 1);
  const auto old = registry.check_config("test_abi1", object("{}"));
  REQUIRE(old.size() == 1);
  CHECK(old[0] == "plugin 'test_abi1': create failed: database unreachable");
  // An ABI 2 validate() reporting two problems: both, escaped, one line each.
  const auto two = registry.check_config("test_validate_fails", object("{}"));
  REQUIRE(two.size() == 2);
  CHECK(two[0] == "plugin 'test_validate_fails': config key 'pattern' is not valid");
  CHECK(two[1] == "plugin 'test_validate_fails': second\\u001b[2J\\u000aproblem");
  // An unknown plugin.
  const auto none = registry.check_config("nope\x1b", object("{}"));
  REQUIRE(none.size() == 1);
  CHECK(none[0] == "no plugin named 'nope\\u001b' is loaded");
}

TEST_CASE("registry: check_config goes on past a schema problem, without repeating it") {
  const auto registry = PluginRegistry::load_directory(CONVENTIOND_PLUGIN_DIR);
  // A typo'd key and a wrong type do not hide the bad pattern the plugin finds.
  const auto lines = registry.check_config(
      "template_connector",
      boost::json::parse(R"({"start_urls": ["https://example.org/"], "link_pattern": "([",
                             "max_pages": "ten", "lnk_pattern": "x"})")
          .as_object());
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  INFO(all);
  REQUIRE(lines.size() == 3);
  CHECK_THAT(all, Catch::Contains("unknown config key 'lnk_pattern'"));
  CHECK_THAT(all, Catch::Contains("config key 'max_pages': expected an integer"));
  CHECK_THAT(all, Catch::Contains("plugin 'template_connector': config key 'link_pattern' is "
                                  "not a valid regular expression: error at offset"));
  // A required key missing: the plugin cannot be checked further, the schema says why.
  const auto missing = registry.check_config("template_connector", boost::json::object{});
  REQUIRE(missing.size() == 1);
  CHECK_THAT(missing[0], Catch::Contains("missing required config key 'start_urls'"));
}
