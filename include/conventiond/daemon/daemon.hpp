#pragma once
// `conventiond serve`: the daemon. One Asio io_context thread serves the HTTP API, the
// schedules and the signals; job runs execute on up to `workers` threads of their own (each
// run has its own fetcher). See docs/daemon.md and docs/api.md.
//
//   auto daemon = Daemon::create(*load_daemon_config("config/conventiond.toml"));
//   if (!daemon) { print(daemon.error()); return 2; }
//   return (*daemon)->run();   // until SIGTERM / SIGINT (or stop())

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/daemon/systemd_notify.hpp>
#include <conventiond/log.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

struct DaemonOptions {
  // Log lines (already timestamped). Default: stderr.
  std::function<void(std::string_view line)> log;
  // Log records (level, and job, run, url, plugin when known; docs/daemon.md, "Logs"); when
  // set, used instead of `log`. Called from any thread (plugins log from the runs').
  std::function<void(const LogRecord&)> log_record;
  // Catch SIGINT, SIGTERM (graceful stop) and SIGHUP (reload) while run() runs.
  bool handle_signals = true;
  // Called on the daemon's thread once the API listens (tests read port() there).
  std::function<void()> on_ready;
  // The shipped plugins, loaded before [plugins] dirs ("" = install_layout().plugin_dir).
  std::filesystem::path shipped_plugin_dir;
  // systemd notifications (Type=notify): READY=1, WATCHDOG=1 every half of its watchdog,
  // RELOADING=1 / READY=1 around a reload, STOPPING=1. Disabled by default; `serve` passes
  // SystemdNotifier::from_environment().
  SystemdNotifier systemd;
};

class Daemon {
 public:
  // Loads the plugins, checks every job against them, opens the store (applying migrations).
  // Nothing is started. Errors: "config" (every problem, one per line), "store", "plugins".
  static Result<std::unique_ptr<Daemon>> create(DaemonConfig config, DaemonOptions options = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Listens, resumes interrupted runs, schedules the jobs, and serves until stopped. Returns
  // the process exit code: 0 after a graceful stop, 1 when the API cannot listen.
  int run();
  // Graceful stop, from any thread: no new run starts, running ones get shutdown_grace to
  // checkpoint (they resume at the next start), the API drains, the store is flushed.
  void stop();
  // Re-reads the config file's jobs, from any thread (SIGHUP). An invalid new config is
  // logged and ignored; running runs continue.
  void reload();
  // The API's port once listening (0 before).
  std::uint16_t port() const;

  class Impl;

 private:
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace conventiond
