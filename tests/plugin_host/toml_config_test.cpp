#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <conventiond/plugin_host/plugin_config.hpp>
#include <conventiond/plugin_host/toml_config.hpp>

using conventiond::toml_to_json;

TEST_CASE("toml config: every TOML type becomes its JSON counterpart") {
  const toml::table table = toml::parse(R"(
    name = "nord"
    pages = 12
    ratio = 0.5
    on = true
    urls = ["https://a.fr/", "https://b.fr/"]
    day = 2019-04-15
    [extra]
    nested = { k = 1 }
  )");
  CHECK(boost::json::value(toml_to_json(table)) == boost::json::parse(R"({
    "name": "nord", "pages": 12, "ratio": 0.5, "on": true,
    "urls": ["https://a.fr/", "https://b.fr/"], "day": "2019-04-15",
    "extra": {"nested": {"k": 1}}})"));
}

TEST_CASE("toml config: a TOML config is validated like any other") {
  conventiond::PluginInfo plugin;
  plugin.name = "template_connector";
  plugin.config = {{"max_pages", conventiond::ConfigType::integer, false, "100", "", 1.0, 10.0}};
  const auto result =
      conventiond::validate_config(plugin, toml_to_json(toml::parse("max_pages = \"many\"\n")));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().message ==
        "plugin 'template_connector': config key 'max_pages': expected an integer, got a string");
}
