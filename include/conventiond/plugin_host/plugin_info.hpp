#pragma once
// What the host knows about a loaded plugin: its metadata and config schema, copied out of
// the plugin's cvd_plugin when it was loaded (see <conventiond/sdk/plugin_abi.h>).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conventiond {

enum class PluginKind { source, sink };
enum class ConfigType { string, integer, number, boolean, string_list, table };

std::string_view to_string(PluginKind kind);
std::string_view to_string(ConfigType type);

struct ConfigKeySpec {
  std::string name;
  ConfigType type = ConfigType::string;
  bool required = false;
  std::optional<std::string> default_json;  // JSON text, checked against type and range
  std::string description;
  std::optional<double> min;  // inclusive bounds, integer and number keys only
  std::optional<double> max;
};

struct PluginInfo {
  std::string name;  // [a-z0-9_]+, unique in a registry
  std::string version;
  std::string description;
  PluginKind kind = PluginKind::source;
  std::uint32_t abi_version = 0;
  std::string file;  // the shared library it was loaded from
  std::vector<ConfigKeySpec> config;

  const ConfigKeySpec* find_key(std::string_view key) const;
};

// Whether s is a valid plugin or config key name: non-empty, [a-z0-9_]+.
bool is_valid_identifier(std::string_view s);

}  // namespace conventiond
