// `conventiond run`: one job, once, with a progress bar on a terminal and a summary.
#include "cli_run.hpp"

#include "cli_log_options.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <sstream>

#include <unistd.h>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/harvest/conventions.hpp>
#include <conventiond/harvest/job_runner.hpp>
#include <conventiond/plugin_host/install_layout.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/store/open_store.hpp>

namespace conventiond::app {
namespace {

constexpr const char* kUsage =
    "usage: conventiond run JOB_FILE_OR_NAME [options]\n"
    "  JOB_FILE_OR_NAME    a job file (TOML: connector, config, ...) or the name of a job of\n"
    "                      the config file\n"
    "  --config FILE       daemon config, when running a name (default: /etc/conventiond/\n"
    "                      conventiond.toml installed, config/conventiond.toml in a build tree)\n"
    "  --store URL         store (default: the config's, else sqlite:conventiond.db)\n"
    "  --plugin-dir DIR    instead of the shipped plugin directory ([plugins] dirs are added)\n"
    "  --no-progress       no progress bar, even on a terminal\n"
    "  --retry-failed ID   run again only the failed items of run ID\n"
    "  --isolation MODE    process (worker processes) or inline (default: the job's, else\n"
    "                      [workers] isolation, else process)\n"
    "  --workers N         worker processes (default [workers] count, else one per core)\n"
    "  --log-level LEVEL   error, warn, info or debug (default [log] level, else info)\n"
    "  --log-format FMT    text or json: one object a line (default [log] format, else text)\n"
    "exit status: 0 done (with or without item errors), 1 run failed, 2 usage or config\n"
    "error, 3 interrupted (the next run resumes it)\n";

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) { g_stop.store(true); }

struct ProgressBar {
  std::ostream& err;
  bool tty;
  std::string job;
  std::chrono::steady_clock::time_point last{};
  std::mutex mu;

  void draw(const RunProgress& p, bool force = false) {
    if (!tty) return;
    std::lock_guard lock(mu);
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last < std::chrono::milliseconds(100)) return;
    last = now;
    const std::size_t total = std::max<std::size_t>(p.found, 1);
    const std::size_t width = 30;
    const std::size_t filled = std::min(width, p.done * width / total);
    std::string bar(filled, '#');
    bar.append(width - filled, '.');
    err << "\r" << job << " [" << bar << "] " << p.done << "/" << p.found << " items, "
        << p.failed << " failed, " << p.in_flight << " in flight   " << std::flush;
  }
  void end() {
    if (tty) err << "\n";
  }
};

}  // namespace

int run_run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string target;
  std::string config_file;
  std::string store_url;
  std::string plugin_dir;
  bool progress = true;
  std::optional<RunId> retry_of;
  std::string isolation;
  std::optional<std::size_t> worker_count;
  LogOptionArgs log_args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (const int rc = log_args.parse(args, i, "run", err); rc != 0) {
      if (rc < 0) continue;
      return rc;
    }
    const std::string& a = args[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        err << "conventiond run: " << name << " needs a value\n" << kUsage;
        return std::nullopt;
      }
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    } else if (a == "--config") {
      auto v = value("--config");
      if (!v) return 2;
      config_file = *v;
    } else if (a == "--store") {
      auto v = value("--store");
      if (!v) return 2;
      store_url = *v;
    } else if (a == "--plugin-dir") {
      auto v = value("--plugin-dir");
      if (!v) return 2;
      plugin_dir = *v;
    } else if (a == "--no-progress") {
      progress = false;
    } else if (a == "--retry-failed") {
      auto v = value("--retry-failed");
      if (!v) return 2;
      try {
        retry_of = std::stoll(*v);
      } catch (const std::exception&) {
        err << "conventiond run: --retry-failed: '" << *v << "' is not a run id\n";
        return 2;
      }
    } else if (a == "--isolation") {
      auto v = value("--isolation");
      if (!v) return 2;
      if (*v != "process" && *v != "inline") {
        err << "conventiond run: --isolation: '" << *v << "' is not process or inline\n";
        return 2;
      }
      isolation = *v;
    } else if (a == "--workers") {
      auto v = value("--workers");
      if (!v) return 2;
      try {
        worker_count = static_cast<std::size_t>(std::stoul(*v));
      } catch (const std::exception&) {
        err << "conventiond run: --workers: '" << *v << "' is not a number\n";
        return 2;
      }
    } else if (!a.empty() && a[0] == '-') {
      err << "conventiond run: unknown option '" << a << "'\n" << kUsage;
      return 2;
    } else if (target.empty()) {
      target = a;
    } else {
      err << "conventiond run: one job at a time ('" << a << "' is extra)\n" << kUsage;
      return 2;
    }
  }
  if (target.empty()) {
    err << "conventiond run: which job?\n" << kUsage;
    return 2;
  }

  // The config: given, or the default one when a name is run.
  std::optional<DaemonConfig> config;
  std::error_code ec;
  const bool is_file = std::filesystem::is_regular_file(target, ec);
  if (config_file.empty() && !is_file) config_file = install_layout().config_file.string();
  if (!config_file.empty()) {
    auto loaded = load_daemon_config(config_file);
    if (!loaded) {
      err << loaded.error().message << "\n";
      return 2;
    }
    config = std::move(*loaded);
  }
  JobConfig job;
  if (is_file) {
    auto loaded = load_job_file(target, config ? config->fetch : FetchPolicy{});
    if (!loaded) {
      err << loaded.error().message << "\n";
      return 2;
    }
    job = std::move(*loaded);
  } else {
    const JobConfig* found = config->find_job(target);
    if (found == nullptr) {
      err << "conventiond run: no job named '" << target << "' in " << config_file
          << " and no such file\n";
      return 2;
    }
    job = *found;
  }
  if (store_url.empty()) store_url = config ? config->store_url : "sqlite:conventiond.db";
  // The shipped plugins (or --plugin-dir instead), then the config's [plugins] dirs.
  std::vector<std::string> plugin_dirs{plugin_dir.empty() ? install_layout().plugin_dir.string()
                                                          : plugin_dir};
  if (config) plugin_dirs.insert(plugin_dirs.end(), config->plugin_dirs.begin(), config->plugin_dirs.end());

  const bool tty = progress && isatty(STDERR_FILENO) == 1;
  ProgressBar bar{err, tty, job.name, {}, {}};
  std::mutex log_mu;
  auto log_line = [&](std::string_view line) {
    std::lock_guard lock(log_mu);
    if (tty) err << "\r\033[K";
    err << line << "\n";
  };
  const LogLevel log_level = log_args.level.value_or(config ? config->log_level : LogLevel::info);
  const LogFormat log_format =
      log_args.format.value_or(config ? config->log_format : LogFormat::text);
  const std::function<void(const LogRecord&)> log_record = [&](const LogRecord& r) {
    if (r.level > log_level) return;
    log_line(format_log_line(r, log_format, std::chrono::system_clock::now()));
  };
  auto registry = PluginRegistry::load_directories(
      std::vector<std::filesystem::path>(plugin_dirs.begin(), plugin_dirs.end()),
      make_host_services(log_record));
  bool duplicates = false;
  for (const auto& e : registry.errors()) {
    if (!e.duplicate_of.empty()) {
      err << plugins_problem(e) << "\n";
      duplicates = true;
    } else {
      err << "plugin load error: " << e.line() << "\n";
    }
  }
  if (duplicates) return 2;
  if (auto problems = check_jobs_against_plugins({job}, registry); !problems.empty()) {
    for (const auto& p : problems) err << p << "\n";
    return 2;
  }
  auto store = open_store(store_url);
  if (!store) {
    err << "conventiond run: " << store.error().message << "\n";
    return 1;
  }

  WorkersConfig workers = config ? config->worker_processes : WorkersConfig{};
  if (worker_count) workers.count = *worker_count;
  if (!isolation.empty()) job.isolation = isolation;
  std::unique_ptr<worker::WorkerPool> pool;
  if (uses_worker_processes(job, workers)) {
    pool = make_worker_pool(workers, plugin_dirs, [&](std::string_view line) {
      log_record(LogRecord{LogLevel::info, std::string(line), job.name, 0, {}, {}});
    });
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  RunOptions options;
  options.stop = &g_stop;
  options.grace = std::chrono::seconds(10);
  options.retry_failed_of = retry_of;
  options.log_record = log_record;
  options.on_progress = [&](const RunProgress& p) { bar.draw(p); };
  options.finalize = merge_run_conventions_step;
  options.pool = pool.get();
  const auto started = std::chrono::steady_clock::now();
  auto outcome = run_job(job, **store, registry, options);
  bar.end();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (!outcome) {
    err << "conventiond run: " << outcome.error().message << "\n";
    return 1;
  }
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const RunSummary& s = outcome->summary;
  out << "run " << s.id << " of job " << job.name << ": "
      << (outcome->interrupted ? std::string("interrupted") : std::string(to_string(s.status)))
      << (outcome->resumed ? " (resumed)" : "") << " in " << std::fixed << std::setprecision(1)
      << seconds << " s\n";
  out << "  items: " << s.counts.total << " (new " << s.counts.new_items << ", updated "
      << s.counts.updated << ", unchanged " << s.counts.unchanged << ", failed " << s.counts.failed
      << ", skipped by robots " << s.counts.skipped_robots << ", skipped by filter "
      << s.counts.skipped_filter << ")\n";
  // Why the run did not finish cleanly, as stored with it (and shown by the API).
  if (!s.error.empty()) {
    out << "  error: " << s.error << "\n";
  } else {
    for (const auto& e : outcome->errors) out << "  error: " << e << "\n";
  }
  if (auto report = (*store)->run_report(s.id); report && !report->failed.empty()) {
    out << "  failed items:\n";
    std::size_t shown = 0;
    for (const FailedItem& f : report->failed) {
      if (++shown > 20) {
        out << "    ... and " << report->failed.size() - 20 << " more\n";
        break;
      }
      out << "    " << f.url << ": " << f.error << "\n";
    }
  }
  if (outcome->interrupted) return 3;
  return s.status == RunStatus::failed ? 1 : 0;
}

}  // namespace conventiond::app
