#include <conventiond/plugin_host/plugin_registry.hpp>

#include <algorithm>
#include <system_error>

#include <boost/json/parse.hpp>

#include <conventiond/plugin_host/plugin_config.hpp>

#include "plugin_loader.hpp"

namespace conventiond {
namespace {

// The *.so files of dir, sorted by name; an error when dir cannot be read.
Result<std::vector<std::filesystem::path>> plugin_files(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->path().extension() == ".so" && it->is_regular_file(type_ec)) {
      files.push_back(it->path());
    }
  }
  if (ec) return Error::make("io", "cannot read plugin directory: " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

PluginRegistry::PluginRegistry(HostServices services)
    : services_(std::make_shared<const HostServices>(std::move(services))) {}

PluginRegistry PluginRegistry::load_directory(const std::filesystem::path& dir,
                                              HostServices services) {
  PluginRegistry registry(std::move(services));
  auto files = plugin_files(dir);
  if (!files) {
    registry.errors_.push_back(LoadError{dir.string(), files.error().message, {}, {}});
    return registry;
  }
  for (const auto& file : *files) registry.load_file(file);
  return registry;
}

PluginRegistry PluginRegistry::load_directories(const std::vector<std::filesystem::path>& dirs,
                                                HostServices services) {
  PluginRegistry registry(std::move(services));
  std::vector<std::filesystem::path> seen;
  for (const auto& dir : dirs) {
    std::error_code ec;
    std::filesystem::path key = std::filesystem::weakly_canonical(dir, ec);
    if (ec) key = dir.lexically_normal();
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    auto files = plugin_files(dir);
    if (!files) {
      registry.errors_.push_back(LoadError{dir.string(), files.error().message, {}, {}});
      continue;
    }
    for (const auto& file : *files) registry.load_file(file);
  }
  return registry;
}

bool PluginRegistry::load_file(const std::filesystem::path& file) {
  auto plugin = plugin_loader::load(file);
  if (!plugin) {
    errors_.push_back(LoadError{file.string(), plugin.error().message, {}, {}});
    return false;
  }
  if (auto first = find_loaded((*plugin)->info.name)) {
    errors_.push_back(LoadError{file.string(),
                                "duplicate plugin name '" + first->info.name +
                                    "', already loaded from " + first->info.file,
                                first->info.name, first->info.file});
    return false;
  }
  plugins_.push_back(std::move(*plugin));
  return true;
}

std::vector<const PluginInfo*> PluginRegistry::plugins() const {
  std::vector<const PluginInfo*> out;
  for (const auto& p : plugins_) out.push_back(&p->info);
  return out;
}

std::shared_ptr<const LoadedPlugin> PluginRegistry::find_loaded(std::string_view name) const {
  const auto it = std::find_if(plugins_.begin(), plugins_.end(),
                               [&](const auto& p) { return p->info.name == name; });
  return it == plugins_.end() ? nullptr : *it;
}

const PluginInfo* PluginRegistry::find(std::string_view name) const {
  const auto plugin = find_loaded(name);
  return plugin ? &plugin->info : nullptr;
}

std::vector<std::string> PluginRegistry::check_config(std::string_view name,
                                                      const boost::json::object& config) const {
  std::vector<std::string> out;
  auto plugin = find_loaded(name);
  if (!plugin) {
    out.push_back("no plugin named '" + printable(name) + "' is loaded");
    return out;
  }
  const std::string who = "plugin '" + plugin->info.name + "': ";
  auto validated = validate_config(plugin->info, config);
  // Keys with a schema problem: the dry run goes on without them (so that one typo does not
  // hide the plugin's own findings), and what it says about them is not repeated.
  std::vector<std::string> bad_keys;
  if (!validated) {
    std::string_view rest = validated.error().message;
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      out.push_back(printable(rest.substr(0, nl)));
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    boost::json::object usable;
    for (const auto& [key, value] : config) {
      const ConfigKeySpec* spec = plugin->info.find_key(key);
      if (spec == nullptr || config_value_problem(*spec, value)) {
        bad_keys.emplace_back(key);
      } else {
        usable[key] = value;
      }
    }
    validated = validate_config(plugin->info, usable);
    if (!validated) return out;  // a required key is missing or wrong: nothing to dry-run
  }
  const auto about_bad_key = [&](const std::string& line) {
    return std::any_of(bad_keys.begin(), bad_keys.end(), [&](const std::string& k) {
      return line.find("'" + k + "'") != std::string::npos;
    });
  };
  if (const auto validate = plugin_loader::validate_function(*plugin->abi)) {
    std::vector<std::string> lines;
    const int rc = validate(
        validated->data(), validated->size(),
        [](void* ctx, const char* data, std::size_t len) noexcept {
          // A runaway plugin must not exhaust memory: 4 KiB a line, 200 lines.
          auto& collected = *static_cast<std::vector<std::string>*>(ctx);
          if (collected.size() >= 200) return;
          try {
            collected.emplace_back(data, std::min(len, std::size_t{4096}));
          } catch (...) {
          }
        },
        &lines);
    for (const std::string& line : lines) {
      if (!about_bad_key(line)) out.push_back(who + printable(line));
    }
    if (rc != CVD_OK && lines.empty()) {
      out.push_back(who + "config refused (validate returned " + std::to_string(rc) +
                    " without a reason)");
    }
    return out;
  }
  if (plugin->info.kind == PluginKind::source) {
    // ABI 1: a source's create() is where it checks its config; it has no side effect.
    auto made = PluginInstance::create(plugin, *validated, services_);
    if (!made && !about_bad_key(made.error().message)) {
      out.push_back(printable(made.error().message));
    }
  }
  return out;
}

Result<PluginInstance> PluginRegistry::create_instance(std::string_view name,
                                                       const boost::json::object& config) const {
  auto plugin = find_loaded(name);
  if (!plugin)
    return Error::make("plugin", "no plugin named '" + std::string(name) + "' is loaded");
  auto validated = validate_config(plugin->info, config);
  if (!validated) return std::move(validated).error();
  return PluginInstance::create(std::move(plugin), *validated, services_);
}

Result<PluginInstance> PluginRegistry::create_instance(std::string_view name,
                                                       std::string_view config_json) const {
  boost::json::error_code ec;
  const boost::json::value config = boost::json::parse(config_json, ec);
  if (ec || !config.is_object()) {
    return Error::make("config", "plugin '" + std::string(name) + "': config is not a JSON object" +
                                     (ec ? ": " + ec.message() : std::string()));
  }
  return create_instance(name, config.get_object());
}

}  // namespace conventiond
