#include <conventiond/daemon/daemon.hpp>

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <cstdio>
#include <iostream>

#include <unistd.h>

#include <boost/asio/post.hpp>

#include <conventiond/harvest/conventions.hpp>
#include <conventiond/model/timestamp.hpp>
#include <conventiond/plugin_host/install_layout.hpp>
#include <conventiond/store/open_store.hpp>

#include "daemon_impl.hpp"

namespace conventiond {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::system_clock;

}  // namespace

Daemon::Impl::Impl(DaemonConfig config, DaemonOptions options, std::unique_ptr<Store> store,
                   PluginRegistry registry)
    : config_(std::move(config)),
      options_(std::move(options)),
      store_(std::move(store)),
      registry_(std::move(registry)),
      signals_(io_) {
  runs_total_ = &metrics_.counter("conventiond_runs_total", "Job runs finished, by job and final status.",
                                  {"job", "status"});
  items_total_ = &metrics_.counter("conventiond_items_total", "Items committed, by job and status.",
                                   {"job", "status"});
  fetch_seconds_ = &metrics_.histogram("conventiond_fetch_duration_seconds",
                                       "Time to fetch one item, retries included.", {"job"});
  http_requests_ = &metrics_.counter("conventiond_http_requests_total", "HTTP requests answered.",
                                     {"method", "route", "status"});
  http_seconds_ = &metrics_.histogram("conventiond_http_request_duration_seconds",
                                      "Time to answer an HTTP request.", {"route"});
  store_errors_ = &metrics_.counter("conventiond_store_errors_total",
                                    "Store operations that failed.", {"operation"});
  runs_running_ = &metrics_.gauge("conventiond_runs_running", "Job runs executing now.");
  runs_running_->set(0);
  for (const JobConfig& j : config_.jobs) jobs_[j.name].config = j;
  if (std::any_of(config_.jobs.begin(), config_.jobs.end(), [this](const JobConfig& j) {
        return uses_worker_processes(j, config_.worker_processes);
      })) {
    std::vector<std::string> dirs;
    for (const auto& d : plugin_directories(options_.shipped_plugin_dir, config_)) {
      dirs.push_back(d.string());
    }
    worker_pool_ = make_worker_pool(
        config_.worker_processes, std::move(dirs),
        [this](std::string_view l) {
          std::string line(l);
          asio::post(io_, [this, line] { log(line); });
        });
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::uniform_int_distribution<std::uint32_t> d;
  char rnd[16];
  std::snprintf(rnd, sizeof rnd, "%08x", d(rng_));
  owner_ = std::string(host) + ":" + std::to_string(::getpid()) + ":" + rnd;
}

void Daemon::Impl::log(std::string line, LogLevel level) const {
  log_run(std::move(line), {}, 0, level);
}

void Daemon::Impl::log_run(std::string line, const std::string& job, std::int64_t run,
                           LogLevel level) const {
  if (options_.log_record) {
    options_.log_record(LogRecord{level, std::move(line), job, run, {}, {}});
    return;
  }
  line = now_rfc3339() + " " + line;
  if (options_.log) options_.log(line);
  else std::cerr << line << "\n";
}

int Daemon::Impl::run() {
  // A real check of the store before answering anything (PRAGMA quick_check on SQLite): a
  // failure does not stop the daemon, /readyz answers 503 with it (docs/daemon.md).
  if (Status health = store_->check_health(); !health) {
    log("store check failed: " + health.error().message + " (/readyz answers 503)",
        LogLevel::error);
  }
  http::ServerOptions so;
  so.address = config_.http.address;
  so.port = config_.http.port;
  so.limits.max_body_bytes = config_.http.max_body_bytes;
  so.request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config_.http.request_timeout);
  so.max_connections = config_.http.max_connections;
  so.max_connections_per_client = config_.http.max_connections_per_client;
  so.tokens = config_.http.tokens;
  so.reads_public = config_.http.reads_public;
  so.log = [this](std::string_view l) { log("http: " + std::string(l)); };
  so.on_request = [this](const http::RequestRecord& r) {
    const std::string route = r.route.empty() ? "(none)" : r.route;
    http_requests_->inc({r.method, route, std::to_string(r.status)});
    http_seconds_->observe({route}, std::chrono::duration<double>(r.duration).count());
  };
  server_ = std::make_unique<http::HttpServer>(io_, so);
  ChangeHubOptions hub;
  hub.stall_timeout = config_.stream_stall_timeout;
  cache_ = std::make_unique<ConventionCache>(*store_);
  blocking_ = std::make_unique<asio::thread_pool>(3);
  hub.on_new_events = [this] {
    if (cache_) cache_->mark_stale();
    if (webhooks_) webhooks_->notify();
    if (sinks_) sinks_->notify();
  };
  changes_ = std::make_unique<ChangeHub>(io_, *store_, hub,
                                         [this](std::string l) { log(std::move(l)); });
  // A commit of this process wakes the change hub at once (SSE, long polls, the read cache,
  // webhooks, sinks); one wake-up in flight at a time. Other daemons' commits: on PostgreSQL
  // through LISTEN/NOTIFY, else the hub's poll.
  store_->set_commit_listener([this] {
    if (commit_wake_pending_.exchange(true)) return;
    asio::post(io_, [this] {
      commit_wake_pending_ = false;
      if (changes_) changes_->notify();
    });
  });
  if (Status w = store_->watch_other_commits(); !w && w.error().code != "unsupported") {
    log("change feed: other daemons' commits are found by polling: " + w.error().message, LogLevel::warn);
  }
  // Publication: webhooks and sinks, each under a lease so that several daemons on one
  // database deliver every event once per consumer.
  WebhookOptions wo;
  wo.allow_private_targets = config_.webhooks_allow_private;
  wo.max_attempts = config_.webhooks_max_attempts;
  wo.timeout = config_.webhooks_timeout;
  wo.backoff_base = config_.webhooks_backoff;
  wo.backoff_max = config_.webhooks_max_backoff;
  wo.retry_window = config_.webhooks_retry_window;
  {
    // The keys sealing webhook secrets at rest (docs/webhooks.md).
    auto keyring = SecretKeyring::load(std::getenv(std::string(SecretKeyring::kEnvVar).c_str()),
                                       config_.webhooks_secret_key_file);
    if (!keyring) {
      log("webhooks: " + keyring.error().message, LogLevel::error);
      return 1;
    }
    if (keyring->empty())
      log("webhooks: no secret key (CONVENTIOND_SECRET_KEY or [webhooks] secret_key_file): "
          "subscriptions with a secret are refused");
    wo.keyring = std::move(*keyring);
  }
  wo.poll_interval = std::chrono::milliseconds(1'000);
  wo.leases = LeaseOptions{owner_, lease_ttl()};
  wo.user_agent = config_.fetch.user_agent;
  webhooks_ = std::make_unique<WebhookDispatcher>(io_, *store_, wo);
  std::vector<SinkBinding> bindings;
  for (const SinkConfig& sc : config_.sinks) {
    if (!sc.enabled) continue;
    auto instance = registry_.create_instance(sc.plugin, sc.config);
    if (!instance) {
      log("sink '" + sc.name + "': " + instance.error().message, LogLevel::error);
      return 1;
    }
    bindings.push_back(SinkBinding{sc.name, std::move(*instance)});
    sink_names_.push_back(sc.name);
  }
  if (!bindings.empty()) {
    SinkOptions sopt;
    sopt.batch_size = config_.sinks.empty() ? 100 : config_.sinks.front().batch;
    sopt.poll_interval = std::chrono::milliseconds(1'000);
    sopt.leases = LeaseOptions{owner_, lease_ttl()};
    sopt.on_error = [this](std::string_view sink, const Error& e) {
      store_errors_->inc({"sink:" + std::string(sink)});
      log("sink '" + std::string(sink) + "': " + e.message, LogLevel::warn);
    };
    sinks_ = std::make_unique<SinkDispatcher>(io_, *store_, std::move(bindings), sopt);
  }
  register_routes();
  if (Status s = server_->listen(); !s) {
    log("cannot listen on " + config_.http.address + ":" + std::to_string(config_.http.port) +
            ": " + s.error().message,
        LogLevel::error);
    return 1;
  }
  port_ = server_->port();
  log("listening on http://" + server_->local_endpoint() + " (store " +
      (config_.store_url.rfind("sqlite:", 0) == 0 ? config_.store_url : std::string("postgresql")) +
      ", " + std::to_string(jobs_.size()) + " job(s), up to " + std::to_string(config_.workers) +
      " run(s) at once, " +
      (worker_pool_ ? "connectors in " + std::to_string(worker_pool_->size()) + " worker process(es)"
                    : std::string("connectors inline")) +
      ")");

  if (options_.handle_signals) {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    signals_.add(SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_signal;
    on_signal = [this, &on_signal](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        reload();
        signals_.async_wait(on_signal);
        return;
      }
      log(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ": stopping");
      stop();
      signals_.async_wait(on_signal);
    };
    signals_.async_wait(on_signal);
    // Interrupted runs of configured jobs resume first; then the schedules.
    asio::post(io_, [this] { io_started(); });
    if (options_.on_ready) asio::post(io_, options_.on_ready);
    io_.run();
  } else {
    asio::post(io_, [this] { io_started(); });
    if (options_.on_ready) asio::post(io_, options_.on_ready);
    io_.run();
  }
  if (blocking_) blocking_->join();
  store_->set_commit_listener({});
  log("stopped");
  return 0;
}

void Daemon::Impl::io_started() {
  changes_->start();
  // The read routes' records, loaded once before the first request needs them.
  if (Status s = cache_->sync(); !s)
    log("store: loading the conventions: " + s.error().message, LogLevel::error);
  webhooks_->start();
  if (sinks_) sinks_->start();
  take_over_runs();
  schedule_all();
  schedule_lease_work();
  prune_changes();
  notify_systemd("READY=1\nSTATUS=listening on " + server_->local_endpoint() + ", " +
                 std::to_string(jobs_.size()) + " job(s)");
  if (options_.systemd.enabled() && options_.systemd.watchdog().count() > 0) watchdog_ping();
}

void Daemon::Impl::notify_systemd(std::string_view state) {
  if (Status s = options_.systemd.notify(state); !s) log("systemd: " + s.error().message);
}

// WATCHDOG=1 at half of the watchdog period, from the io thread: if it is stuck, the pings
// stop and systemd restarts the service.
void Daemon::Impl::watchdog_ping() {
  if (stopping_) return;
  notify_systemd("WATCHDOG=1");
  if (!watchdog_timer_) watchdog_timer_ = std::make_unique<asio::steady_timer>(io_);
  watchdog_timer_->expires_after(options_.systemd.watchdog() / 2);
  watchdog_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopping_) watchdog_ping();
  });
}

// Drops change-log events older than [changes] retention (the latest is always kept); hourly.
void Daemon::Impl::prune_changes() {
  if (stopping_) return;
  const std::string cutoff = format_rfc3339(Clock::now() - config_.changes_retention);
  auto pruned = store_->prune_changes(cutoff);
  if (!pruned) {
    store_errors_->inc({"prune_changes"});
    log("store: pruning the change log: " + pruned.error().message, LogLevel::warn);
  } else if (*pruned > 0) {
    log("change log: " + std::to_string(*pruned) + " event(s) older than " + cutoff + " pruned");
  }
  if (!prune_timer_) prune_timer_ = std::make_unique<asio::steady_timer>(io_);
  prune_timer_->expires_after(std::chrono::hours(1));
  prune_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopping_) prune_changes();
  });
}

// Resumes the runs left "running" whose lease is free: ours from before a crash, or those of
// a daemon that died (its leases expired).
void Daemon::Impl::take_over_runs() {
  if (stopping_) return;
  auto interrupted = store_->interrupted_runs();
  if (!interrupted) {
    store_errors_->inc({"interrupted_runs"});
    log("store: " + interrupted.error().message, LogLevel::error);
    return;
  }
  for (const RunSummary& r : *interrupted) {
    auto it = jobs_.find(r.job);
    if (it == jobs_.end()) {
      if (warned_unconfigured_.insert(r.id).second) {
        log_run("interrupted run " + std::to_string(r.id) + " of job '" + r.job +
                    "' is not resumed: the job is not configured here",
                r.job, r.id);
      }
      continue;
    }
    if (it->second.active) continue;  // ours, running or queued
    auto owner = store_->lease_owner("run:" + std::to_string(r.id));
    if (!owner || *owner) continue;  // held by a live daemon
    auto launched = launch(r.job, std::nullopt, r.id);
    if (launched) {
      log_run("took over interrupted run " + std::to_string(r.id) + " of job '" + r.job + "'", r.job,
              r.id);
    }
  }
}

// Renews the leases of our runs, and periodically takes over orphaned runs.
void Daemon::Impl::schedule_lease_work() {
  if (stopping_) return;
  if (!lease_timer_) lease_timer_ = std::make_unique<asio::steady_timer>(io_);
  lease_timer_->expires_after(std::max(lease_ttl() / 3, std::chrono::milliseconds(200)));
  lease_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    for (auto& [name, job] : jobs_) {
      if (!job.active) continue;
      auto held = store_->try_lease("run:" + std::to_string(job.active->id), owner_, lease_ttl());
      if (held && !*held) {
        log_run("lost the lease of run " + std::to_string(job.active->id) + ": stopping it", name,
                job.active->id, LogLevel::warn);
        job.active->stop = true;
      }
    }
    take_over_runs();
    schedule_lease_work();
  });
}

void Daemon::Impl::schedule_all() {
  for (auto& [name, job] : jobs_) schedule_job(job);
}

// A job whose plugin is unhealthy in the worker pool is paused: its runs would end at start.
std::string Daemon::Impl::pause_reason(const JobState& job) const {
  if (!worker_pool_ || !uses_worker_processes(job.config, config_.worker_processes)) return {};
  const std::string why = worker_pool_->unhealthy_reason(job.config.connector);
  return why.empty() ? std::string() : "paused: " + why;
}

void Daemon::Impl::schedule_job(JobState& job) {
  if (job.timer) job.timer->cancel();
  job.next_run.reset();
  if (stopping_ || !job.config.enabled || job.config.schedule.manual_only()) return;
  if (std::string why = pause_reason(job); why != job.paused) {
    job.paused = std::move(why);
    if (!job.paused.empty()) {
      log_run("job '" + job.config.name + "' is not scheduled until the daemon restarts: " +
                  job.paused,
              job.config.name, 0, LogLevel::warn);
    }
  }
  if (!job.paused.empty()) return;
  // The next start follows the last run's start; a start missed while the daemon was down
  // happens once, now.
  const auto now = Clock::now();
  std::optional<Clock::time_point> last;
  auto runs = store_->runs(job.config.name, 1);
  if (!runs) {
    store_errors_->inc({"runs"});
  } else if (!runs->empty()) {
    last = parse_rfc3339(runs->front().started_at);
  }
  Clock::time_point next = now;
  if (last) {
    auto n = job.config.schedule.next_after(std::chrono::floor<std::chrono::seconds>(*last));
    if (!n) return;  // a cron with no next time
    next = std::max(now, Clock::time_point(*n));
  }
  if (job.config.schedule.jitter.count() > 0) {
    std::uniform_int_distribution<long long> d(0, job.config.schedule.jitter.count() * 1000);
    next += std::chrono::milliseconds(d(rng_));
  }
  job.next_run = next;
  if (!job.timer) job.timer = std::make_unique<asio::steady_timer>(io_);
  job.timer->expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::max(next - now, Clock::duration::zero())));
  const std::string name = job.config.name;
  job.timer->async_wait([this, name](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    auto it = jobs_.find(name);
    if (it == jobs_.end()) return;
    it->second.next_run.reset();
    if (it->second.active) return;  // never two runs of one job; rescheduled when it ends
    if (!pause_reason(it->second).empty()) {
      schedule_job(it->second);  // not started: it logs and shows the pause
      return;
    }
    auto launched = launch(name);
    if (!launched) {
      log_run("scheduled run of '" + name + "' not started: " + launched.error().message, name, 0,
              LogLevel::warn);
      schedule_job(it->second);
    }
  });
}

Result<std::shared_ptr<ActiveRun>> Daemon::Impl::launch(const std::string& name,
                                                        std::optional<RunId> retry_failed_of,
                                                        std::optional<RunId> resume) {
  if (stopping_) return Error::make("unavailable", "the daemon is stopping");
  auto it = jobs_.find(name);
  if (it == jobs_.end()) return Error::make("not_found", "no job named '" + name + "'");
  JobState& job = it->second;
  if (job.active) {
    return Error::make("conflict", "job '" + name + "' already has run " +
                                       std::to_string(job.active->id) + " in progress");
  }
  auto run = std::make_shared<ActiveRun>();
  run->job = name;
  run->config = job.config;
  run->retry_failed_of = retry_failed_of;
  // With several daemons on one database, a run belongs to the daemon holding its lease.
  auto take = [this](RunId id) -> Result<bool> {
    auto held = store_->try_lease("run:" + std::to_string(id), owner_, lease_ttl());
    if (!held) store_errors_->inc({"try_lease"});
    return held;
  };
  if (resume) {
    auto held = take(*resume);
    if (!held) return Error::make("store", held.error().message);
    if (!*held) return Error::make("conflict", "run " + std::to_string(*resume) + " of job '" + name + "' is held by another daemon");
    run->id = *resume;
    run->resume = true;
  } else {
    auto started = store_->start_run(name);
    if (started) {
      run->id = *started;
      auto held = take(run->id);
      if (held && !*held) {
        return Error::make("conflict", "run " + std::to_string(run->id) + " of job '" + name +
                                           "' was taken by another daemon");
      }
    } else if (started.error().code == "conflict") {
      // A run of the job is running elsewhere, or was left running by a crash: resume it
      // when its lease is free.
      auto interrupted = store_->interrupted_runs();
      if (interrupted) {
        for (const RunSummary& r : *interrupted) {
          if (r.job != name) continue;
          auto held = take(r.id);
          if (held && *held) {
            run->id = r.id;
            run->resume = true;
          } else {
            return Error::make("conflict", "job '" + name + "' has run " + std::to_string(r.id) +
                                               " in progress on another daemon");
          }
        }
      }
      if (!run->resume) return Error::make("conflict", started.error().message);
    } else {
      store_errors_->inc({"start_run"});
      return Error::make("store", started.error().message);
    }
  }
  job.active = run;
  if (job.timer) job.timer->cancel();
  job.next_run.reset();
  queue_.push_back(run);
  start_queued();
  return run;
}

void Daemon::Impl::start_queued() {
  while (!stopping_ && !queue_.empty() && running_.size() < config_.workers) {
    std::shared_ptr<ActiveRun> run = queue_.front();
    queue_.pop_front();
    running_.push_back(run);
    runs_running_->set(static_cast<double>(running_.size()));
    run->started = true;
    log_run("run " + std::to_string(run->id) + " of job '" + run->job + "' " +
                (run->resume ? "resumed" : "started"),
            run->job, run->id);
    run->thread = std::thread([this, run] {
      RunOptions o;
      o.stop = &run->stop;
      o.grace = std::chrono::duration_cast<std::chrono::milliseconds>(config_.shutdown_grace);
      o.retry_failed_of = run->retry_failed_of;
      if (!run->resume) o.use_run = run->id;
      o.finalize = merge_run_conventions_step;
      if (worker_pool_ && uses_worker_processes(run->config, config_.worker_processes)) {
        o.pool = worker_pool_.get();
      }
      o.log = [this](std::string_view l) {
        std::string line(l);
        asio::post(io_, [this, line] { log(line); });
      };
      if (options_.log_record) {
        o.log_record = [this](const LogRecord& r) {
          asio::post(io_, [this, r] { options_.log_record(r); });
        };
      }
      const std::string job = run->job;
      o.on_item = [this, job](const ItemEvent& e) {
        items_total_->inc({job, std::string(to_string(e.status))});
        if (e.fetch_elapsed.count() > 0) {
          fetch_seconds_->observe({job}, std::chrono::duration<double>(e.fetch_elapsed).count());
        }
      };
      auto outcome = run_job(run->config, *store_, registry_, o);
      asio::post(io_, [this, run, outcome = std::move(outcome)]() mutable {
        on_run_finished(run, std::move(outcome));
      });
    });
  }
}

void Daemon::Impl::on_run_finished(const std::shared_ptr<ActiveRun>& run,
                                   Result<RunOutcome> outcome) {
  if (run->thread.joinable()) run->thread.join();
  // POST /v1/runs/{id}/cancel: the run ends cancelled (before its lease is given up).
  if (!run->cancel_reason.empty()) {
    if (auto fin = store_->finish_run(run->id, RunEnd{run->cancel_reason, true}); fin) {
      log_run("run " + std::to_string(run->id) + " of job '" + run->job + "' " + run->cancel_reason,
              run->job, run->id);
    }
  }
  (void)store_->release_lease("run:" + std::to_string(run->id), owner_);
  running_.erase(std::remove(running_.begin(), running_.end(), run), running_.end());
  runs_running_->set(static_cast<double>(running_.size()));
  if (!outcome) {
    log_run("run " + std::to_string(run->id) + " of job '" + run->job +
                "' could not run: " + outcome.error().message,
            run->job, run->id, LogLevel::error);
    runs_total_->inc({run->job, "error"});
    // A run row the runner never took is finished as failed with the reason, not left
    // running; a resumed one stays to be resumed (not counted as a crash).
    if (!run->resume) {
      (void)store_->finish_run(run->id, RunEnd{outcome.error().message, true});
    } else {
      (void)store_->mark_run_interrupted(run->id, outcome.error().message);
    }
  } else {
    const RunSummary& s = outcome->summary;
    const std::string status = outcome->interrupted ? "interrupted" : std::string(to_string(s.status));
    runs_total_->inc({run->job, status});
    log_run("run " + std::to_string(s.id) + " of job '" + run->job + "' " + status + ": " +
                std::to_string(s.counts.total) + " items (" + std::to_string(s.counts.new_items) +
                " new, " + std::to_string(s.counts.updated) + " updated, " +
                std::to_string(s.counts.unchanged) + " unchanged, " +
                std::to_string(s.counts.failed) + " failed)" +
                (s.error.empty() ? std::string() : "; error: " + s.error),
            run->job, s.id, s.status == RunStatus::failed ? LogLevel::warn : LogLevel::info);
  }
  if (changes_) changes_->notify();
  if (webhooks_) webhooks_->notify();
  if (sinks_) sinks_->notify();
  auto it = jobs_.find(run->job);
  if (it != jobs_.end() && it->second.active == run) {
    it->second.active.reset();
    if (!stopping_) schedule_job(it->second);
  }
  if (stopping_) shutdown_step();
  else start_queued();
}

void Daemon::Impl::stop() {
  asio::post(io_, [this] {
    if (stopping_) return;
    stopping_ = true;
    notify_systemd("STOPPING=1");
    if (watchdog_timer_) watchdog_timer_->cancel();
    for (auto& [name, job] : jobs_) {
      if (job.timer) job.timer->cancel();
    }
    if (lease_timer_) lease_timer_->cancel();
    if (prune_timer_) prune_timer_->cancel();
    // Queued runs never started: their store rows stay "running" and resume at the next start
    // (marked as stopped on purpose: that resumption is not a crash).
    for (const auto& queued : queue_) {
      (void)store_->mark_run_interrupted(queued->id, "interrupted: the daemon stopped before "
                                                     "the run started; resumed at the next start");
    }
    queue_.clear();
    for (auto& run : running_) run->stop = true;
    if (changes_) changes_->stop();
    if (webhooks_) webhooks_->stop();
    if (sinks_) sinks_->stop();
    if (!running_.empty()) {
      log("waiting for " + std::to_string(running_.size()) + " run(s) to checkpoint (up to " +
          std::to_string(config_.shutdown_grace.count()) + " s)");
    }
    server_->drain(std::chrono::steady_clock::now() + std::chrono::seconds(5), [this] {
      drained_ = true;
      shutdown_step();
    });
  });
}

void Daemon::Impl::shutdown_step() {
  if (!stopping_ || !drained_ || !running_.empty()) return;
  for (auto& [name, job] : jobs_) job.timer.reset();
  lease_timer_.reset();
  prune_timer_.reset();
  watchdog_timer_.reset();
  signals_.cancel();
  changes_.reset();
  webhooks_.reset();
  sinks_.reset();
  io_.stop();
}

void Daemon::Impl::reload() {
  asio::post(io_, [this] {
    if (stopping_) return;
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    notify_systemd("RELOADING=1\nMONOTONIC_USEC=" +
                   std::to_string(static_cast<long long>(now.tv_sec) * 1'000'000 +
                                  now.tv_nsec / 1'000));
    // READY=1 again whatever the outcome: an invalid new config keeps the old one running.
    struct Ready {
      Impl* self;
      ~Ready() { self->notify_systemd("READY=1"); }
    } ready{this};
    auto fresh = load_daemon_config(config_.file);
    if (!fresh) {
      log("reload: the new config is invalid and was not applied; the old one is kept:\n" +
              fresh.error().message,
          LogLevel::error);
      return;
    }
    if (auto problems = check_jobs_against_plugins(fresh->jobs, registry_); !problems.empty()) {
      std::string all;
      for (const auto& p : problems) all += "\n" + p;
      log("reload: the new config is invalid and was not applied; the old one is kept:" + all,
          LogLevel::error);
      return;
    }
    if (fresh->store_url != config_.store_url || fresh->http.port != config_.http.port ||
        fresh->http.address != config_.http.address || fresh->plugin_dirs != config_.plugin_dirs) {
      log("reload: store, listen address and plugin directory changes need a restart; "
          "only the jobs are reloaded");
    }
    std::map<std::string, JobState> next;
    for (const JobConfig& j : fresh->jobs) {
      auto old = jobs_.find(j.name);
      JobState s;
      if (old != jobs_.end()) {
        s.active = old->second.active;  // a running run keeps its own copy of the old config
        if (old->second.timer) old->second.timer->cancel();
      }
      s.config = j;
      next[j.name] = std::move(s);
    }
    for (auto& [name, job] : jobs_) {
      if (next.count(name) == 0) {
        if (job.timer) job.timer->cancel();
        if (job.active) log("reload: job '" + name + "' removed; its current run finishes");
      }
    }
    // Timers of the old states are cancelled; their handlers find no job or a new state.
    for (auto& [name, job] : jobs_) retired_timers_.push_back(std::move(job.timer));
    jobs_ = std::move(next);
    config_.jobs = fresh->jobs;
    config_.fetch = fresh->fetch;
    schedule_all();
    log("reload: " + std::to_string(jobs_.size()) + " job(s) loaded");
  });
}

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Daemon::~Daemon() = default;

Result<std::unique_ptr<Daemon>> Daemon::create(DaemonConfig config, DaemonOptions options) {
  if (options.shipped_plugin_dir.empty()) options.shipped_plugin_dir = install_layout().plugin_dir;
  std::function<void(std::string_view)> log = options.log;
  auto plugin_log = [log](std::string_view line) {
    if (log) log(line);
    else std::cerr << line << "\n";
  };
  PluginRegistry registry = PluginRegistry::load_directories(
      plugin_directories(options.shipped_plugin_dir, config),
      options.log_record ? make_host_services(options.log_record) : make_host_services(plugin_log));
  std::string problems;
  for (const LoadError& e : registry.errors()) {
    problems += (problems.empty() ? "" : "\n") +
                (e.duplicate_of.empty() ? "plugin " + e.line() : plugins_problem(e));
  }
  for (const std::string& p : check_jobs_against_plugins(config.jobs, registry)) {
    problems += (problems.empty() ? "" : "\n") + p;
  }
  for (const std::string& p : check_sinks_against_plugins(config.sinks, registry)) {
    problems += (problems.empty() ? "" : "\n") + p;
  }
  if (!problems.empty()) return Error::make("config", problems);
  auto store = open_store(config.store_url);
  if (!store) return Error::make("store", store.error().message);
  auto impl = std::make_unique<Impl>(std::move(config), std::move(options), std::move(*store),
                                     std::move(registry));
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

int Daemon::run() { return impl_->run(); }
void Daemon::stop() { impl_->stop(); }
void Daemon::reload() { impl_->reload(); }
std::uint16_t Daemon::port() const { return impl_->port_.load(); }

}  // namespace conventiond
