#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <conventiond/plugin_host/plugin_config.hpp>

using conventiond::ConfigKeySpec;
using conventiond::ConfigType;
using conventiond::PluginInfo;
using conventiond::validate_config;

namespace {

PluginInfo sample_plugin() {
  PluginInfo p;
  p.name = "sample";
  p.config = {
      {"start_urls", ConfigType::string_list, true, std::nullopt, "", std::nullopt, std::nullopt},
      {"max_pages", ConfigType::integer, false, "100", "", 1.0, 100000.0},
      {"ratio", ConfigType::number, false, std::nullopt, "", 0.0, 1.0},
      {"verbose", ConfigType::boolean, false, "false", "", std::nullopt, std::nullopt},
      {"note", ConfigType::string, false, std::nullopt, "", std::nullopt, std::nullopt},
      {"extra", ConfigType::table, false, std::nullopt, "", std::nullopt, std::nullopt},
  };
  return p;
}

boost::json::object object(std::string_view text) { return boost::json::parse(text).as_object(); }

// The error lines of validating text against the sample plugin.
std::string problems(std::string_view text) {
  const auto result = validate_config(sample_plugin(), object(text));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == "config");
  return result.error().message;
}

}  // namespace

TEST_CASE("config: defaults are filled in, given values kept") {
  const auto result =
      validate_config(sample_plugin(), object(R"({"start_urls":["https://a.fr/"],"ratio":1})"));
  REQUIRE(result.ok());
  CHECK(boost::json::parse(*result) ==
        boost::json::parse(
            R"({"start_urls":["https://a.fr/"],"ratio":1,"max_pages":100,"verbose":false})"));
}

TEST_CASE("config: an unknown key is named, with the closest known key") {
  CHECK(problems(R"({"start_urls":[],"max_page":5})") ==
        "plugin 'sample': unknown config key 'max_page' (did you mean 'max_pages'?)");
  CHECK(problems(R"({"start_urls":[],"colour":"red"})") ==
        "plugin 'sample': unknown config key 'colour'");
}

TEST_CASE("config: a missing required key is named") {
  CHECK(problems("{}") == "plugin 'sample': missing required config key 'start_urls'");
}

TEST_CASE("config: a value of the wrong type is named with both types") {
  const auto [text, problem] = GENERATE(table<std::string, std::string>({
      {R"({"start_urls":"https://a.fr/"})",
       "config key 'start_urls': expected a list of strings, got a string"},
      {R"({"start_urls":["a",2]})",
       "config key 'start_urls': expected a list of strings, element 2 is an integer"},
      {R"({"start_urls":[],"max_pages":"ten"})",
       "config key 'max_pages': expected an integer, got a string"},
      {R"({"start_urls":[],"max_pages":2.5})",
       "config key 'max_pages': expected an integer, got a number"},
      {R"({"start_urls":[],"max_pages":18446744073709551615})",
       "config key 'max_pages': is too large for a 64-bit integer"},
      {R"({"start_urls":[],"ratio":true})", "config key 'ratio': expected a number, got a boolean"},
      {R"({"start_urls":[],"verbose":"yes"})",
       "config key 'verbose': expected a boolean, got a string"},
      {R"({"start_urls":[],"note":null})", "config key 'note': expected a string, got null"},
      {R"({"start_urls":[],"extra":[1]})", "config key 'extra': expected a table, got an array"},
  }));
  CAPTURE(text);
  CHECK(problems(text) == "plugin 'sample': " + problem);
}

TEST_CASE("config: a value out of range is named with the bound") {
  CHECK(problems(R"({"start_urls":[],"max_pages":0})") ==
        "plugin 'sample': config key 'max_pages': 0 is below the minimum 1");
  CHECK(problems(R"({"start_urls":[],"max_pages":100001})") ==
        "plugin 'sample': config key 'max_pages': 100001 is above the maximum 100000");
  CHECK(problems(R"({"start_urls":[],"ratio":1.5})") ==
        "plugin 'sample': config key 'ratio': 1.5 is above the maximum 1");
}

TEST_CASE("config: every problem is reported at once, one per line") {
  CHECK(problems(R"({"max_pages":0,"verbose":1,"bogus":true})") ==
        "plugin 'sample': config key 'max_pages': 0 is below the minimum 1\n"
        "plugin 'sample': config key 'verbose': expected a boolean, got an integer\n"
        "plugin 'sample': unknown config key 'bogus'\n"
        "plugin 'sample': missing required config key 'start_urls'");
}

TEST_CASE("printable: control characters become \\u00XX, the rest (UTF-8 too) is kept") {
  using conventiond::printable;
  CHECK(printable("jobs.nord") == "jobs.nord");
  CHECK(printable("d\xc3\xa9partement \xe2\x82\xac") == "d\xc3\xa9partement \xe2\x82\xac");
  CHECK(printable("\x1b[2J") == "\\u001b[2J");
  CHECK(printable(std::string("a\0b", 3)) == "a\\u0000b");
  CHECK(printable("a\nb\rc\td\x7f") == "a\\u000ab\\u000dc\\u0009d\\u007f");
  CHECK(printable("\xc2\x9b" "2J") == "\\u009b2J");  // C1 CSI
  CHECK(printable("\xc2\xa0") == "\xc2\xa0");      // U+00A0 is not a control
  CHECK(printable("\xc2") == "\xc2");              // a truncated sequence is left alone
}

TEST_CASE("validate_config: an unknown key holding control characters is escaped") {
  conventiond::PluginInfo info;
  info.name = "p";
  auto bad = conventiond::validate_config(
      info, boost::json::parse(R"({"\u001b[2J\nx": 1})").as_object());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "plugin 'p': unknown config key '\\u001b[2J\\u000ax'");
}
