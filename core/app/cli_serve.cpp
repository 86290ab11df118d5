#include "cli_serve.hpp"

#include "cli_log_options.hpp"

#include <iostream>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/daemon/daemon.hpp>
#include <conventiond/harvest/job_runner.hpp>
#include <conventiond/plugin_host/install_layout.hpp>
#include <conventiond/plugin_host/plugin_config.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>

namespace conventiond::app {
namespace {

constexpr const char* kServeUsage =
    "usage: conventiond serve [--config FILE] [--log-level LEVEL] [--log-format text|json]\n"
    "  runs the daemon: HTTP API, scheduled harvest jobs. Default config:\n"
    "  /etc/conventiond/conventiond.toml installed (PREFIX/etc/... outside /usr),\n"
    "  config/conventiond.toml (from the working directory) in a build tree.\n"
    "  SIGTERM/SIGINT stop gracefully, SIGHUP reloads the jobs.\n"
    "  --log-level: error, warn, info (default) or debug; --log-format json: one object a\n"
    "  line (time, level, message, job, run, url, plugin). Both override [log] of the config.\n";

}  // namespace

int run_serve_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string file = install_layout().config_file.string();
  LogOptionArgs log_args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (const int rc = log_args.parse(args, i, "serve", err); rc != 0) {
      if (rc < 0) continue;
      return rc;
    }
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
  const Logger logger(log_args.format.value_or(config->log_format),
                      log_args.level.value_or(config->log_level), &err);
  DaemonOptions options;
  options.log_record = logger.sink();
  options.systemd = SystemdNotifier::from_environment();  // Type=notify (docs/install.md)
  auto daemon = Daemon::create(std::move(*config), std::move(options));
  if (!daemon) {
    err << daemon.error().message << "\nconventiond serve: nothing started\n";
    return daemon.error().code == "config" ? 2 : 1;
  }
  return (*daemon)->run();
}

int run_check_config_command(const std::vector<std::string>& args, std::ostream& out,
                             std::ostream& err) {
  constexpr const char* kUsage =
      "usage: conventiond check-config FILE [--plugin-dir DIR]\n"
      "  FILE: a daemon config or a single-job file (told apart by their keys). Every problem\n"
      "  is printed at once, one line each; exit status 0 valid, 2 invalid or usage.\n"
      "  --plugin-dir DIR: instead of the shipped plugins ([plugins] dirs are still added).\n";
  std::string file;
  std::string plugin_dir;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--plugin-dir" && i + 1 < args.size()) {
      plugin_dir = args[++i];
    } else if (args[i].rfind("--plugin-dir=", 0) == 0) {
      plugin_dir = args[i].substr(13);
    } else if (args[i] == "--help" || args[i] == "-h") {
      out << kUsage;
      return 0;
    } else if (file.empty() && (args[i].empty() || args[i][0] != '-' || args[i] == "-")) {
      file = args[i];
    } else {
      err << "conventiond check-config: unexpected argument '" << printable(args[i]) << "'\n"
          << kUsage;
      return 2;
    }
  }
  if (file.empty()) {
    err << kUsage;
    return 2;
  }
  const ConfigCheck check =
      check_config_file(file, plugin_dir, install_layout().plugin_dir.string());
  for (const auto& e : check.plugin_errors) err << "plugin " << e << "\n";
  for (const auto& p : check.problems) err << p << "\n";
  const std::string shown = printable(file);
  if (!check.ok()) {
    err << shown << ": " << check.problems.size() << " problem(s)"
        << (check.job_file ? " (checked as a single-job file)" : "") << "\n";
    return 2;
  }
  if (check.job_file) {
    out << shown << ": valid job file\n";
    return 0;
  }
  out << shown << ": valid (" << check.jobs << " job(s), " << check.sinks << " sink(s), store "
      << (check.store_url.rfind("sqlite:", 0) == 0 ? printable(check.store_url) : "postgresql")
      << ")\n";
  return 0;
}

}  // namespace conventiond::app
