#include "cli_plugins.hpp"

#include <filesystem>
#include <ostream>
#include <system_error>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/plugin_host/install_layout.hpp>
#include <conventiond/plugin_host/plugins_cli.hpp>

namespace conventiond::app {

int run_plugins_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> rest;
  std::string config_file;
  bool explicit_config = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config") {
      if (i + 1 == args.size()) {
        err << "conventiond plugins: --config needs a file\n";
        return 2;
      }
      config_file = args[++i];
      explicit_config = true;
    } else if (args[i].rfind("--config=", 0) == 0) {
      config_file = args[i].substr(9);
      explicit_config = true;
    } else {
      rest.push_back(args[i]);
    }
  }
  std::vector<std::string> extra_dirs;
  // An installed binary reads its default config (/etc/conventiond/conventiond.toml); a build
  // tree's default is relative to the working directory, so there only --config counts.
  if (!explicit_config && install_layout().installed) {
    std::error_code ec;
    const auto& fallback = install_layout().config_file;
    if (std::filesystem::is_regular_file(fallback, ec)) config_file = fallback.string();
  }
  if (!config_file.empty()) {
    auto config = load_daemon_config(config_file);
    if (!config) {
      if (explicit_config) {
        err << config.error().message << "\nconventiond plugins: cannot read the [plugins] dirs of "
            << config_file << "\n";
        return 2;
      }
      err << "note: the default config " << config_file
          << " was not read, its [plugins] dirs are not listed: " << config.error().message << "\n";
    } else {
      extra_dirs = config->plugin_dirs;
    }
  }
  return conventiond::run_plugins_command(rest, out, err, extra_dirs);
}

}  // namespace conventiond::app
