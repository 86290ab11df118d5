#pragma once
// The daemon's state, shared by daemon.cpp (lifecycle, schedules, runs) and api.cpp (routes).
// Everything here is used on the io_context thread unless marked otherwise.

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <conventiond/daemon/daemon.hpp>
#include <conventiond/harvest/job_runner.hpp>
#include <conventiond/http/metrics.hpp>
#include <conventiond/http/responder.hpp>
#include <conventiond/http/server.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/publish/sink_dispatcher.hpp>
#include <conventiond/publish/webhook_dispatcher.hpp>
#include <conventiond/store/store.hpp>

#include "change_hub.hpp"
#include "convention_cache.hpp"

namespace conventiond {

// One run the daemon started (queued, running, or just finished).
struct ActiveRun {
  std::string job;
  RunId id = 0;
  JobConfig config;                   // a copy: a reload does not change a running run
  std::optional<RunId> retry_failed_of;
  bool resume = false;                // takes an interrupted run back
  std::atomic<bool> stop{false};      // read by the worker
  std::string cancel_reason;          // POST /v1/runs/{id}/cancel: ends "cancelled" (io thread)
  std::thread thread;
  bool started = false;
};

struct JobState {
  JobConfig config;
  std::unique_ptr<boost::asio::steady_timer> timer;
  std::optional<std::chrono::system_clock::time_point> next_run;  // scheduled start
  std::shared_ptr<ActiveRun> active;  // queued or running run
  // Why the scheduler does not start it ("" = it does): its plugin is unhealthy (docs/workers.md).
  std::string paused;
};

class Daemon::Impl {
 public:
  Impl(DaemonConfig config, DaemonOptions options, std::unique_ptr<Store> store,
       PluginRegistry registry);

  int run();
  void stop();    // any thread
  void reload();  // any thread

  // --- on the io thread ---
  void log(std::string line, LogLevel level = LogLevel::info) const;
  // A line about a job's run: job and run go into the record's fields (--log-format json).
  void log_run(std::string line, const std::string& job, std::int64_t run,
               LogLevel level = LogLevel::info) const;
  void schedule_all();
  void schedule_job(JobState& job);
  std::string pause_reason(const JobState& job) const;
  // Starts (or queues) a run of `job`; returns it, or an Error ("conflict" when one is
  // running, "unavailable" when stopping, "store").
  Result<std::shared_ptr<ActiveRun>> launch(const std::string& job,
                                            std::optional<RunId> retry_failed_of = std::nullopt,
                                            std::optional<RunId> resume = std::nullopt);
  void start_queued();
  void on_run_finished(const std::shared_ptr<ActiveRun>& run, Result<RunOutcome> outcome);
  void shutdown_step();
  void io_started();
  void take_over_runs();
  void schedule_lease_work();
  void prune_changes();
  std::chrono::milliseconds lease_ttl() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(config_.lease_ttl);
  }

  // api.cpp
  void register_routes();
  void register_console_routes();  // routes_console.cpp
  void register_correction_routes();  // routes_corrections.cpp
  void register_export_routes();  // routes_export.cpp
  // A route of either file; a refused pattern is logged.
  void add_route(std::string_view method, std::string_view pattern, http::Handler handler,
                 http::Access access);
  // A store failure: 503 with the problem, counted (any thread).
  http::Response store_error(std::string_view op, const Error& e);

  DaemonConfig config_;
  DaemonOptions options_;
  std::unique_ptr<Store> store_;
  PluginRegistry registry_;
  std::unique_ptr<worker::WorkerPool> worker_pool_;  // jobs in worker processes (docs/workers.md)
  boost::asio::io_context io_;
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<ChangeHub> changes_;
  std::unique_ptr<ConventionCache> cache_;  // the read routes' records (io thread)
  std::atomic<bool> commit_wake_pending_{false};  // a store commit's wake-up is posted
  // Store calls of the routes run here, never on the io thread (api.cpp offload()).
  std::unique_ptr<boost::asio::thread_pool> blocking_;
  // Runs `work` on blocking_ and sends the Response it returns from the io thread.
  void offload(http::Responder r, std::function<http::Response()> work);
  std::unique_ptr<WebhookDispatcher> webhooks_;
  std::unique_ptr<SinkDispatcher> sinks_;
  std::vector<std::string> sink_names_;
  http::MetricsRegistry metrics_;
  boost::asio::signal_set signals_;
  std::map<std::string, JobState> jobs_;
  std::deque<std::shared_ptr<ActiveRun>> queue_;          // waiting for a worker
  std::vector<std::shared_ptr<ActiveRun>> running_;       // on a worker thread
  std::atomic<std::uint16_t> port_{0};
  bool stopping_ = false;
  bool drained_ = false;
  std::string owner_;  // this daemon's lease owner id: host:pid:random
  std::unique_ptr<boost::asio::steady_timer> lease_timer_;
  std::unique_ptr<boost::asio::steady_timer> prune_timer_;
  std::unique_ptr<boost::asio::steady_timer> watchdog_timer_;  // systemd's WATCHDOG=1
  void notify_systemd(std::string_view state);
  void watchdog_ping();
  std::set<RunId> warned_unconfigured_;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> retired_timers_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::chrono::system_clock::time_point started_at_ = std::chrono::system_clock::now();

  // Metrics
  http::Counter* runs_total_ = nullptr;        // {job, status}
  http::Counter* items_total_ = nullptr;       // {job, status}
  http::Histogram* fetch_seconds_ = nullptr;   // {job}
  http::Counter* http_requests_ = nullptr;     // {method, route, status}
  http::Histogram* http_seconds_ = nullptr;    // {route}
  http::Counter* store_errors_ = nullptr;      // {operation}
  http::Gauge* runs_running_ = nullptr;
};

}  // namespace conventiond
