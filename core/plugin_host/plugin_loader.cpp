#include "plugin_loader.hpp"

#include <dlfcn.h>

#include <cmath>
#include <set>
#include <string>

#include <boost/dll/shared_library.hpp>
#include <boost/json/parse.hpp>

#include <conventiond/plugin_host/plugin_config.hpp>

namespace conventiond::plugin_loader {
namespace {

namespace dll = boost::dll;

// The ABI 1 layout is frozen (docs/plugin-abi.md): fields may only be appended.
static_assert(sizeof(void*) != 8 ||
              (offsetof(cvd_plugin, name) == 8 && offsetof(cvd_plugin, config_key_count) == 48 &&
               offsetof(cvd_plugin, create) == 56 && kPluginSizeV1 == 96));
static_assert(sizeof(void*) != 8 || (offsetof(cvd_plugin, validate) == 96 && kPluginSizeV2 == 104));
static_assert(sizeof(void*) != 8 || sizeof(cvd_config_key) == 48);
static_assert(sizeof(void*) != 8 || (offsetof(cvd_host_api, extract) == 24));

Error load_error(std::string message) { return Error::make("plugin_load", std::move(message)); }

// The reason dlopen gave, without the file name it starts with.
std::string dlopen_reason(const std::filesystem::path& file) {
  const char* text = dlerror();
  std::string reason = text != nullptr ? text : "unknown reason";
  const std::string prefix = file.string() + ": ";
  if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
  return reason;
}

Result<std::shared_ptr<dll::shared_library>> open_library(const std::filesystem::path& file) {
  auto library = std::make_shared<dll::shared_library>();
  boost::dll::fs::error_code ec;
  dlerror();  // clear any stale message
  library->load(file.string(), ec, dll::load_mode::rtld_now | dll::load_mode::rtld_local);
  if (ec) return load_error("cannot load as a shared library: " + dlopen_reason(file));
  return library;
}

Result<const cvd_plugin*> call_entry(const dll::shared_library& library) {
  if (!library.has(CONVENTIOND_ENTRY_SYMBOL)) {
    return load_error("no entry symbol " CONVENTIOND_ENTRY_SYMBOL
                      " (not a conventiond plugin, or built without CONVENTIOND_SOURCE_PLUGIN"
                      " / CONVENTIOND_SINK_PLUGIN)");
  }
  const cvd_plugin* plugin = library.get<const cvd_plugin*()>(CONVENTIOND_ENTRY_SYMBOL)();
  if (plugin == nullptr) return load_error(CONVENTIOND_ENTRY_SYMBOL " returned NULL");
  return plugin;
}

// The ABI header: read before any other field, which may not even exist.
Status check_header(const cvd_plugin& plugin) {
  const std::string supported = " (this host loads ABI " + std::to_string(kMinAbiVersion) + " to " +
                                std::to_string(kMaxAbiVersion) + ")";
  if (plugin.abi_version < kMinAbiVersion) {
    return load_error("ABI version " + std::to_string(plugin.abi_version) +
                      " is older than this host supports" + supported);
  }
  if (plugin.abi_version > kMaxAbiVersion) {
    return load_error("ABI version " + std::to_string(plugin.abi_version) +
                      " is newer than this host supports" + supported +
                      ": upgrade conventiond or rebuild the plugin against this SDK");
  }
  if (plugin.struct_size < kPluginSizeV1) {
    return load_error("plugin struct is " + std::to_string(plugin.struct_size) +
                      " bytes, smaller than the " + std::to_string(kPluginSizeV1) +
                      " bytes of ABI 1 (corrupt, or not built with the SDK)");
  }
  if (plugin.abi_version >= 2 && plugin.struct_size < kPluginSizeV2) {
    return load_error("plugin struct is " + std::to_string(plugin.struct_size) +
                      " bytes, smaller than the " + std::to_string(kPluginSizeV2) +
                      " bytes of the ABI " + std::to_string(plugin.abi_version) +
                      " it declares (corrupt, or not built with the SDK)");
  }
  return Status::success();
}

std::string text_or_empty(const char* s) { return s != nullptr ? s : ""; }

Status check_functions(const cvd_plugin& plugin) {
  if (plugin.create == nullptr || plugin.destroy == nullptr) {
    return load_error("plugin lacks create or destroy");
  }
  if (plugin.kind == CVD_KIND_SOURCE && (plugin.start == nullptr || plugin.parse == nullptr)) {
    return load_error("source plugin lacks start or parse");
  }
  if (plugin.kind == CVD_KIND_SINK && plugin.deliver == nullptr) {
    return load_error("sink plugin lacks deliver");
  }
  return Status::success();
}

Status check_default(const ConfigKeySpec& key) {
  if (!key.default_json) return Status::success();
  if (key.required)
    return load_error("config key '" + key.name + "' is required and has a default");
  boost::json::error_code ec;
  const boost::json::value v = boost::json::parse(*key.default_json, ec);
  if (ec) {
    return load_error("config key '" + key.name + "': default " + *key.default_json +
                      " is not valid JSON");
  }
  if (auto problem = config_value_problem(key, v)) {
    return load_error("config key '" + key.name + "': default " + *problem);
  }
  return Status::success();
}

Status check_bounds(const ConfigKeySpec& key) {
  if (!key.min && !key.max) return Status::success();
  if (key.type != ConfigType::integer && key.type != ConfigType::number) {
    return load_error("config key '" + key.name +
                      "': min and max apply to integer and number keys only");
  }
  if ((key.min && std::isnan(*key.min)) || (key.max && std::isnan(*key.max)) ||
      (key.min && key.max && *key.min > *key.max)) {
    return load_error("config key '" + key.name + "': invalid range");
  }
  return Status::success();
}

Result<ConfigKeySpec> read_key(const cvd_config_key& c) {
  const std::string name = text_or_empty(c.name);
  if (!is_valid_identifier(name)) {
    return load_error("invalid config key name '" + name + "' (use a-z, 0-9 and _)");
  }
  if (c.type < CVD_TYPE_STRING || c.type > CVD_TYPE_TABLE) {
    return load_error("config key '" + name + "' has unknown type " + std::to_string(c.type));
  }
  ConfigKeySpec key;
  key.name = name;
  key.type = static_cast<ConfigType>(c.type - CVD_TYPE_STRING);
  key.required = (c.flags & CVD_KEY_REQUIRED) != 0;
  if (c.default_json != nullptr) key.default_json = c.default_json;
  key.description = text_or_empty(c.description);
  if ((c.flags & CVD_KEY_HAS_MIN) != 0) key.min = c.min;
  if ((c.flags & CVD_KEY_HAS_MAX) != 0) key.max = c.max;
  if (Status s = check_bounds(key); !s) return s.error();
  if (Status s = check_default(key); !s) return s.error();
  return key;
}

Result<std::vector<ConfigKeySpec>> read_schema(const cvd_plugin& plugin) {
  if (plugin.config_key_count > kMaxConfigKeys) {
    return load_error("declares " + std::to_string(plugin.config_key_count) +
                      " config keys, more than " + std::to_string(kMaxConfigKeys));
  }
  if (plugin.config_key_count > 0 && plugin.config_keys == nullptr) {
    return load_error("config_keys is NULL but config_key_count is not 0");
  }
  std::vector<ConfigKeySpec> keys;
  std::set<std::string> names;
  for (std::size_t i = 0; i < plugin.config_key_count; ++i) {
    auto key = read_key(plugin.config_keys[i]);
    if (!key) return std::move(key).error();
    if (!names.insert(key->name).second) {
      return load_error("config key '" + key->name + "' is declared twice");
    }
    keys.push_back(std::move(*key));
  }
  return keys;
}

Result<PluginInfo> read_metadata(const cvd_plugin& plugin, const std::filesystem::path& file) {
  PluginInfo info;
  info.name = text_or_empty(plugin.name);
  if (!is_valid_identifier(info.name)) {
    return load_error("invalid plugin name '" + info.name + "' (use a-z, 0-9 and _)");
  }
  info.version = text_or_empty(plugin.version);
  if (info.version.empty()) return load_error("plugin '" + info.name + "' has no version");
  if (plugin.kind != CVD_KIND_SOURCE && plugin.kind != CVD_KIND_SINK) {
    return load_error("plugin '" + info.name + "' has unknown kind " + std::to_string(plugin.kind));
  }
  info.kind = plugin.kind == CVD_KIND_SOURCE ? PluginKind::source : PluginKind::sink;
  info.description = text_or_empty(plugin.description);
  info.abi_version = plugin.abi_version;
  info.file = file.string();
  if (Status s = check_functions(plugin); !s) return s.error();
  auto schema = read_schema(plugin);
  if (!schema)
    return Error::make("plugin_load", "plugin '" + info.name + "': " + schema.error().message);
  info.config = std::move(*schema);
  return info;
}

}  // namespace

Result<std::shared_ptr<const LoadedPlugin>> load(const std::filesystem::path& file) {
  auto library = open_library(file);
  if (!library) return std::move(library).error();
  auto plugin = call_entry(**library);
  if (!plugin) return std::move(plugin).error();
  if (Status s = check_header(**plugin); !s) return s.error();
  auto info = read_metadata(**plugin, file);
  if (!info) return std::move(info).error();
  return std::make_shared<const LoadedPlugin>(
      LoadedPlugin{std::move(*info), *plugin, std::move(*library)});
}

}  // namespace conventiond::plugin_loader
