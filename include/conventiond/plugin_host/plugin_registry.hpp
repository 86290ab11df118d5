#pragma once
// The plugins of a directory, loaded once at start-up, on one thread, with Boost.DLL
// (RTLD_NOW | RTLD_LOCAL).
//
// A file that cannot be loaded (not a shared library, no entry symbol, unsupported ABI,
// invalid metadata, duplicate name) becomes one LoadError and the others still load.
// Plugins are never unloaded: a library stays mapped while its registry or any instance it
// made is alive, and reloading a plugin means restarting the plugin host.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include <conventiond/plugin_host/plugin_info.hpp>
#include <conventiond/plugin_host/plugin_instance.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

struct LoadError {
  std::string file;     // the file (or directory) that failed
  std::string message;  // the problem, one line
  // A plugin refused because another file has its name: that name, and the file loaded first.
  std::string name;
  std::string duplicate_of;

  std::string line() const { return file + ": " + message; }
};

class PluginRegistry {
 public:
  explicit PluginRegistry(HostServices services = {});

  // Loads every *.so file of dir, in file-name order.
  static PluginRegistry load_directory(const std::filesystem::path& dir,
                                       HostServices services = {});

  // Loads every *.so file of each directory in turn (each in file-name order); a directory
  // given twice (the same once made canonical) is read once. A plugin name already loaded
  // from another file is a LoadError naming both files (duplicate_of).
  static PluginRegistry load_directories(const std::vector<std::filesystem::path>& dirs,
                                         HostServices services = {});

  // Loads one plugin file; false (and a LoadError recorded) when it fails.
  bool load_file(const std::filesystem::path& file);

  // Loaded plugins, in load order.
  std::vector<const PluginInfo*> plugins() const;
  const std::vector<LoadError>& errors() const { return errors_; }
  const PluginInfo* find(std::string_view name) const;

  // Everything wrong with config as the config of plugin `name`, one line each, empty when
  // it is fine; nothing is started. First the host's schema check (validate_config); when it
  // passes, the plugin's own check in a dry run: its validate() (ABI 2), or for an ABI 1
  // source an instance created and destroyed without start(); an ABI 1 sink gets the schema
  // check only (its creation may connect somewhere). What the plugin says is escaped
  // (printable()), each line starting "plugin 'NAME': ".
  std::vector<std::string> check_config(std::string_view name,
                                        const boost::json::object& config) const;

  // Validates config against the plugin's schema, then creates an instance with it.
  Result<PluginInstance> create_instance(std::string_view name,
                                         const boost::json::object& config) const;
  // Same, from the JSON text of an object.
  Result<PluginInstance> create_instance(std::string_view name, std::string_view config_json) const;

 private:
  std::shared_ptr<const LoadedPlugin> find_loaded(std::string_view name) const;

  std::vector<std::shared_ptr<const LoadedPlugin>> plugins_;
  std::vector<LoadError> errors_;
  std::shared_ptr<const HostServices> services_;
};

}  // namespace conventiond
