// Fuzzes an operator's plugin configuration: TOML text (toml++) converted to JSON and
// validated against a plugin's config schema. Must never crash, hang or throw past the host.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <toml++/toml.h>

#include <conventiond/plugin_host/plugin_config.hpp>
#include <conventiond/plugin_host/toml_config.hpp>

namespace {
conventiond::PluginInfo schema() {
  conventiond::PluginInfo p;
  p.name = "fuzzed";
  p.config = {{"start_urls", conventiond::ConfigType::string_list, true, std::nullopt, "", std::nullopt, std::nullopt},
              {"max_pages", conventiond::ConfigType::integer, false, "100", "", 1.0, 100000.0},
              {"ratio", conventiond::ConfigType::number, false, std::nullopt, "", 0.0, 1.0},
              {"enabled", conventiond::ConfigType::boolean, false, "true", "", std::nullopt, std::nullopt},
              {"options", conventiond::ConfigType::table, false, std::nullopt, "", std::nullopt, std::nullopt},
              {"note", conventiond::ConfigType::string, false, std::nullopt, "", std::nullopt, std::nullopt}};
  return p;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const conventiond::PluginInfo plugin = schema();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  toml::table table;
  try {
    table = toml::parse(text, std::string_view("fuzz.toml"));
  } catch (const toml::parse_error&) {
    return 0;  // a clear parse error is the expected answer (config load may throw)
  }
  const boost::json::object json = conventiond::toml_to_json(table);
  (void)conventiond::validate_config(plugin, json);
  return 0;
}
