#pragma once
// Runs one harvest job once: the connector plugin gives requests, the host's Fetcher fetches
// them, every URL becomes an item of the run in the store's ledger, every document goes
// through the core extraction, and what an item produced is committed with its status in one
// transaction. See docs/harvesting.md.
//
// The run's frontier (its queue of GET requests) lives in the store, so memory does not grow
// with the number of items and an interrupted run (crash, SIGKILL, shutdown) resumes where it
// stopped: the next run_job() of the same job takes the interrupted run back, calls the
// connector's start() again (GET requests already queued or done are ignored), and fetches
// only what was not committed. A run interrupted by a crash twice (the process died while it
// was in progress, twice) is not resumed again: it is marked "failed" with the error
// "interrupted by a crash twice".
//
// Besides what the connector requests, a fresh run queues again the failed items of the job's
// previous run (and the requests that run left uncommitted), then the known items of the job
// last fetched longer ago than the job's recheck_after (conditional GET), so that a page
// edited while its feed is unchanged is seen again.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/log.hpp>
#include <conventiond/plugin_host/plugin_instance.hpp>
#include <conventiond/result.hpp>
#include <conventiond/store/store.hpp>
#include <conventiond/worker/worker_pool.hpp>

namespace conventiond {

class PluginRegistry;

struct RunProgress {
  RunId run = 0;
  std::size_t found = 0;   // items known: committed + queued + in flight
  std::size_t done = 0;    // items committed
  std::size_t failed = 0;  // of which failed
  std::size_t in_flight = 0;
};

// One committed item, for metrics.
struct ItemEvent {
  std::string_view key;
  ItemStatus status = ItemStatus::new_item;
  int http_status = 0;
  std::chrono::milliseconds fetch_elapsed{0};  // fetch() to result, retries included
};

struct RunOptions {
  // Called on the runner's thread after each committed item (and at the start).
  std::function<void(const RunProgress&)> on_progress;
  // Called on the runner's thread after each committed item.
  std::function<void(const ItemEvent&)> on_item;
  // Log lines of the run (and of the plugin), already prefixed with the job's name.
  std::function<void(std::string_view line)> log;
  // The same as records (level, job, run, url); when set, used instead of `log`.
  std::function<void(const LogRecord&)> log_record;
  // Set from any thread to stop: no new fetch starts, fetches in flight get `grace` to finish,
  // then are cancelled; the run stays "running" (interrupted) and the next run resumes it.
  const std::atomic<bool>* stop = nullptr;
  std::chrono::milliseconds grace{30'000};
  // A fresh run first queues the failed items of the job's previous run again.
  bool retry_previous_failures = true;
  // Run only the failed items of this earlier run of the job (POST /v1/runs/{id}/retry-failed),
  // as a new run; the connector's start() is not called.
  std::optional<RunId> retry_failed_of;
  // A run the caller already started with Store::start_run() for this job (the daemon does,
  // to answer a trigger with the run id at once); it is run as a fresh run.
  std::optional<RunId> use_run;
  // Called when every item is committed, before the run is finished (the daemon merges the
  // touched conventions here). Its failure is logged and recorded in the outcome's errors.
  std::function<Status(Store&, RunId)> finalize;
  // A store call that fails (a database busy past its busy timeout, a lost connection) is
  // made again, up to store_attempts times in all, waiting store_backoff, doubling, at most
  // store_backoff_max. An item whose commit still fails is committed as failed with the
  // store's error; when even that fails the run stops and ends "failed" (its uncommitted
  // requests are fetched again by the next run).
  int store_attempts = 6;
  std::chrono::milliseconds store_backoff{100};
  std::chrono::milliseconds store_backoff_max{2'000};
  // An item refused because robots.txt could not be read waits this long before its first
  // retry, then twice as long each time, within the job's robots_retry.
  std::chrono::milliseconds robots_retry_first{1'000};
  // Process isolation (docs/workers.md): the connector's start() and parse() and the
  // extraction of its documents run in this pool's worker processes, several items at once; a
  // worker that crashes or exceeds a limit costs the item in hand, which ends failed with the
  // reason (quarantined when it had already crashed a worker in the previous run). nullptr:
  // inline, in this process.
  worker::WorkerPool* pool = nullptr;
};

struct RunOutcome {
  RunSummary summary;          // final, or as far as it went when interrupted; its `error`
                               // says why the run did not finish cleanly ("" when it did)
  bool interrupted = false;    // stopped before the end: the run is left to be resumed
  bool resumed = false;        // this call took an interrupted run back
  bool quarantined = false;    // the interrupted run had crashed twice: marked failed instead
  std::vector<std::string> errors;  // run-level problems (connector start, store), not items'
};

// The key of a request in the ledger: the URL for a GET, "METHOD URL #<16 hex of the body's
// SHA-256>" otherwise (POSTs to one endpoint with different bodies are different items).
std::string request_key(std::string_view method, std::string_view url, std::string_view body);

// Runs `job` to completion (or until stopped) on the calling thread, with its own io_context
// and Fetcher. Errors (code "run") only when the run cannot start at all: unknown connector,
// invalid config, store unusable. Item failures are in the ledger, not errors.
Result<RunOutcome> run_job(const JobConfig& job, Store& store, const PluginRegistry& registry,
                           const RunOptions& options = {});

// Whether `job` runs in worker processes: its own isolation, else [workers] isolation.
bool uses_worker_processes(const JobConfig& job, const WorkersConfig& workers);

// The worker pool [workers] describes, running `executable` ("" = this process's binary)
// with the plugins of plugin_dirs (in this order).
std::unique_ptr<worker::WorkerPool> make_worker_pool(const WorkersConfig& workers,
                                                     std::vector<std::string> plugin_dirs,
                                                     std::function<void(std::string_view)> log,
                                                     std::string executable = {});

// The services the host gives plugins: the core extraction, and logging through `log`.
HostServices make_host_services(std::function<void(std::string_view line)> log = {});
// The same, plugin log lines as records (the plugin's level and name).
HostServices make_host_services(std::function<void(const LogRecord&)> log);

}  // namespace conventiond
