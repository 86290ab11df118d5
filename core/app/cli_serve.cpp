#include "cli_serve.hpp"

#include <iostream>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/daemon/daemon.hpp>
#include <conventiond/harvest/job_runner.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>

namespace conventiond::app {
namespace {

constexpr const char* kServeUsage =
    "usage: conventiond serve [--config FILE]\n"
    "  runs the daemon: HTTP API, scheduled harvest jobs (default config/conventiond.toml).\n"
    "  SIGTERM/SIGINT stop gracefully, SIGHUP reloads the jobs.\n";

}  // namespace

int run_serve_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string file = "config/conventiond.toml";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      file = args[++i];
    } else if (args[i] == "--help" || args[i] == "-h") {
      out << kServeUsage;
      return 0;
    } else {
      err << "conventiond serve: unexpected argument '" << args[i] << "'\n" << kServeUsage;
      return 2;
    }
  }
  auto config = load_daemon_config(file);
  if (!config) {
    err << config.error().message << "\nconventiond serve: invalid config, nothing started\n";
    return 2;
  }
  auto daemon = Daemon::create(std::move(*config));
  if (!daemon) {
    err << daemon.error().message << "\nconventiond serve: nothing started\n";
    return daemon.error().code == "config" ? 2 : 1;
  }
  return (*daemon)->run();
}

int run_check_config_command(const std::vector<std::string>& args, std::ostream& out,
                             std::ostream& err) {
  if (args.size() != 1) {
    err << "usage: conventiond check-config FILE\n";
    return 2;
  }
  auto config = load_daemon_config(args[0]);
  if (!config) {
    err << config.error().message << "\n";
    return 2;
  }
  const std::string dir = config->plugin_dir.empty() ? std::string(CONVENTIOND_DEFAULT_PLUGIN_DIR)
                                                     : config->plugin_dir;
  auto registry = PluginRegistry::load_directory(dir);
  auto problems = check_jobs_against_plugins(config->jobs, registry);
  for (auto& p : check_sinks_against_plugins(config->sinks, registry)) problems.push_back(std::move(p));
  for (const auto& e : registry.errors()) err << "plugin " << e.line() << "\n";
  for (const auto& p : problems) err << p << "\n";
  if (!problems.empty()) return 2;
  out << args[0] << ": valid (" << config->jobs.size() << " job(s), " << config->sinks.size()
      << " sink(s), store "
      << (config->store_url.rfind("sqlite:", 0) == 0 ? config->store_url : "postgresql") << ")\n";
  return 0;
}

}  // namespace conventiond::app
