#include <conventiond/plugin_host/plugins_cli.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <conventiond/plugin_host/install_layout.hpp>
#include <conventiond/plugin_host/plugin_config.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/result.hpp>

namespace conventiond {
namespace {

namespace json = boost::json;

constexpr std::string_view kUsage =
    "usage: conventiond plugins list [--plugin-dir DIR] [--config FILE] [--json]\n"
    "       conventiond plugins describe NAME [--plugin-dir DIR] [--config FILE] [--json]\n"
    "  --plugin-dir DIR: instead of the shipped plugin directory\n"
    "  --config FILE: also the config's [plugins] dirs (default: the default config, when it\n"
    "                 exists)\n";

struct Options {
  std::string command;  // "list", "describe" or "help"
  std::string name;     // describe's NAME
  std::string plugin_dir;
  std::vector<std::string> extra_dirs;  // the config's [plugins] dirs, after plugin_dir
  bool json = false;

  std::vector<std::filesystem::path> dirs() const {
    std::vector<std::filesystem::path> all{plugin_dir};
    all.insert(all.end(), extra_dirs.begin(), extra_dirs.end());
    return all;
  }
  std::string dirs_text() const {
    std::string text = plugin_dir;
    for (const auto& d : extra_dirs) text += ", " + d;
    return text;
  }
};

Error usage_error(std::string message) { return Error::make("usage", std::move(message)); }

Status take_positional(Options& o, const std::string& word) {
  if (o.command.empty()) {
    if (word != "list" && word != "describe" && word != "help") {
      return usage_error("unknown sub-command '" + word + "'");
    }
    o.command = word;
  } else if (o.command == "describe" && o.name.empty()) {
    o.name = word;
  } else {
    return usage_error("unexpected argument '" + word + "'");
  }
  return Status::success();
}

Result<Options> parse_options(const std::vector<std::string>& args, const std::string& dir,
                              const std::vector<std::string>& extra_dirs) {
  Options o;
  o.plugin_dir = dir;
  o.extra_dirs = extra_dirs;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json") {
      o.json = true;
    } else if (a == "--plugin-dir") {
      if (i + 1 == args.size()) return usage_error("--plugin-dir needs a directory");
      o.plugin_dir = args[++i];
    } else if (a.rfind("--plugin-dir=", 0) == 0) {
      o.plugin_dir = a.substr(a.find('=') + 1);
    } else if (a == "--help" || a == "-h") {
      o.command = "help";
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("unknown option '" + a + "'");
    } else if (Status s = take_positional(o, a); !s) {
      return s.error();
    }
  }
  if (o.command.empty()) return usage_error("missing sub-command");
  if (o.command == "describe" && o.name.empty()) return usage_error("describe needs a plugin NAME");
  return o;
}

// Prints rows as left-aligned columns; the last column is not padded.
void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    out << line << '\n';
  }
}

std::string range_text(const ConfigKeySpec& key) {
  if (key.min && key.max) return format_number(*key.min) + ".." + format_number(*key.max);
  if (key.min) return ">= " + format_number(*key.min);
  if (key.max) return "<= " + format_number(*key.max);
  return "-";
}

std::string default_text(const ConfigKeySpec& key) {
  if (key.required) return "(required)";
  return key.default_json.value_or("-");
}

json::object plugin_json(const PluginInfo& p) {
  return {{"name", p.name},
          {"version", p.version},
          {"kind", to_string(p.kind)},
          {"abi_version", p.abi_version},
          {"description", p.description},
          {"file", p.file}};
}

// A bound as JSON: an integer when it is one.
json::value bound_json(double d) {
  if (std::trunc(d) == d && std::fabs(d) < 1e15) return static_cast<std::int64_t>(d);
  return d;
}

json::object key_json(const ConfigKeySpec& key) {
  json::object o{{"name", key.name},
                 {"type", to_string(key.type)},
                 {"required", key.required},
                 {"description", key.description}};
  o["default"] = key.default_json ? json::parse(*key.default_json) : json::value();
  if (key.min) o["min"] = bound_json(*key.min);
  if (key.max) o["max"] = bound_json(*key.max);
  return o;
}

void print_list_text(const PluginRegistry& registry, std::ostream& out) {
  std::vector<std::vector<std::string>> rows{{"NAME", "VERSION", "KIND", "ABI", "FILE"}};
  for (const PluginInfo* p : registry.plugins()) {
    rows.push_back({p->name, p->version, std::string(to_string(p->kind)),
                    std::to_string(p->abi_version), p->file});
  }
  print_table(rows, out);
  for (const LoadError& e : registry.errors()) out << "error: " << e.line() << '\n';
}

void print_list_json(const PluginRegistry& registry, const Options& o, std::ostream& out) {
  json::array plugins;
  for (const PluginInfo* p : registry.plugins()) plugins.push_back(plugin_json(*p));
  json::array errors;
  for (const LoadError& e : registry.errors()) {
    errors.push_back(json::object{{"file", e.file}, {"message", e.message}});
  }
  json::array dirs;
  for (const auto& d : o.dirs()) dirs.push_back(json::string(d.string()));
  out << json::serialize(json::object{{"plugin_dir", o.plugin_dir},
                                      {"plugin_dirs", std::move(dirs)},
                                      {"plugins", std::move(plugins)},
                                      {"errors", std::move(errors)}})
      << '\n';
}

void print_describe_text(const PluginInfo& p, std::ostream& out) {
  out << p.name << ' ' << p.version << " (" << to_string(p.kind) << ", ABI " << p.abi_version
      << ")\n";
  if (!p.description.empty()) out << p.description << '\n';
  out << "file: " << p.file << "\n\n";
  if (p.config.empty()) {
    out << "config keys: none\n";
    return;
  }
  out << "config keys:\n";
  std::vector<std::vector<std::string>> rows{{"  KEY", "TYPE", "DEFAULT", "RANGE", "DESCRIPTION"}};
  for (const ConfigKeySpec& key : p.config) {
    rows.push_back({"  " + key.name, std::string(to_string(key.type)), default_text(key),
                    range_text(key), key.description});
  }
  print_table(rows, out);
}

void print_describe_json(const PluginInfo& p, std::ostream& out) {
  json::object o = plugin_json(p);
  json::array keys;
  for (const ConfigKeySpec& key : p.config) keys.push_back(key_json(key));
  o["config"] = std::move(keys);
  out << json::serialize(o) << '\n';
}

int list(const Options& o, std::ostream& out) {
  const PluginRegistry registry = PluginRegistry::load_directories(o.dirs());
  if (o.json) {
    print_list_json(registry, o, out);
  } else {
    print_list_text(registry, out);
  }
  return registry.errors().empty() ? 0 : 1;
}

int describe(const Options& o, std::ostream& out, std::ostream& err) {
  const PluginRegistry registry = PluginRegistry::load_directories(o.dirs());
  const PluginInfo* plugin = registry.find(o.name);
  if (plugin == nullptr) {
    err << "conventiond plugins: no plugin named '" << o.name << "' in " << o.dirs_text() << '\n';
    for (const LoadError& e : registry.errors()) err << "error: " << e.line() << '\n';
    return 1;
  }
  if (o.json) {
    print_describe_json(*plugin, out);
  } else {
    print_describe_text(*plugin, out);
  }
  return 0;
}

}  // namespace

int run_plugins_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                        const std::string& default_plugin_dir,
                        const std::vector<std::string>& extra_dirs) {
  const auto options = parse_options(args, default_plugin_dir, extra_dirs);
  if (!options) {
    err << "conventiond plugins: " << options.error().message << '\n' << kUsage;
    return 2;
  }
  if (options->command == "help") {
    out << kUsage;
    return 0;
  }
  if (options->command == "list") return list(*options, out);
  return describe(*options, out, err);
}

int run_plugins_command(const std::vector<std::string>& args, std::ostream& out,
                        std::ostream& err, const std::vector<std::string>& extra_dirs) {
  return run_plugins_command(args, out, err, install_layout().plugin_dir.string(), extra_dirs);
}

}  // namespace conventiond
