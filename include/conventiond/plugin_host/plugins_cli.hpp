#pragma once
// `conventiond plugins ...`: list and describe the plugins of a directory.
//
//   plugins list [--plugin-dir DIR] [--json]
//   plugins describe NAME [--plugin-dir DIR] [--json]
//
// args are the words after "plugins" (the app strips --config FILE and passes that config's
// [plugins] dirs as extra_dirs, read after the first directory). Returns the exit status: 0
// success, 1 a failure (a file that did not load, a plugin name in two files, an unknown
// plugin), 2 a usage error (message on err). Without --plugin-dir, the first directory is
// default_plugin_dir.

#include <ostream>
#include <string>
#include <vector>

namespace conventiond {

int run_plugins_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                        const std::string& default_plugin_dir,
                        const std::vector<std::string>& extra_dirs = {});

// Same, with the shipped plugin directory (install_layout().plugin_dir) as the default.
int run_plugins_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                        const std::vector<std::string>& extra_dirs = {});

}  // namespace conventiond
