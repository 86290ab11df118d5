#include <conventiond/plugin_host/plugin_info.hpp>

#include <algorithm>

namespace conventiond {

std::string_view to_string(PluginKind kind) {
  return kind == PluginKind::source ? "source" : "sink";
}

std::string_view to_string(ConfigType type) {
  switch (type) {
    case ConfigType::string:
      return "string";
    case ConfigType::integer:
      return "integer";
    case ConfigType::number:
      return "number";
    case ConfigType::boolean:
      return "boolean";
    case ConfigType::string_list:
      return "string_list";
    case ConfigType::table:
      return "table";
  }
  return "?";
}

const ConfigKeySpec* PluginInfo::find_key(std::string_view key) const {
  const auto it = std::find_if(config.begin(), config.end(),
                               [&](const ConfigKeySpec& k) { return k.name == key; });
  return it == config.end() ? nullptr : &*it;
}

bool is_valid_identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace conventiond
