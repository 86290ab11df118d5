#pragma once
// Supervised worker processes (`conventiond worker`): they load the connector plugins and run
// the core extraction, so that a plugin or a parser that crashes, loops or allocates without
// bound costs the item in hand, not the process that runs the harvest. See docs/workers.md.
//
// One thread of the pool per worker process: it takes the next task (round-robin over the
// pool's clients, so that several runs share the workers fairly), sends it as a frame, and
// waits for the answer while watching the item's wall-clock limit and the worker's resident
// memory. A worker that dies or is killed is replaced, after a capped exponential backoff when
// it keeps dying; a plugin that kills `unhealthy_after` workers in a row is marked unhealthy.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include <conventiond/result.hpp>

namespace conventiond::worker {

struct WorkerLimits {
  std::size_t memory_bytes = std::size_t{512} << 20;  // RLIMIT_AS + resident-memory watchdog
  std::chrono::seconds cpu_per_item{30};              // RLIMIT_CPU, re-armed for each item
  std::chrono::seconds wall_per_item{60};             // the parent kills the worker after it
};

struct WorkerPoolOptions {
  std::string executable;  // the conventiond binary ("" = /proc/self/exe)
  std::vector<std::string> plugin_dirs;  // loaded in this order (PluginRegistry::load_directories)
  std::size_t count = 0;  // 0 = one per core
  WorkerLimits limits;
  std::chrono::milliseconds backoff_first{100};
  std::chrono::milliseconds backoff_max{10'000};
  int unhealthy_after = 3;  // crashes in a row of one plugin's items
  std::function<void(std::string_view line)> log;
};

// A task: the header sent to the worker ("op", "plugin", "config", ...), the raw body, and
// what the worker is doing, for the reason of a crash ("parsing https://x/y").
struct WorkerTask {
  boost::json::object header;
  std::string body;
  std::string plugin;
  std::string doing;
};

struct WorkerReply {
  enum class Outcome { ok, crashed, cancelled, unhealthy };
  Outcome outcome = Outcome::ok;
  boost::json::object header;  // the worker's answer (outcome ok)
  std::string reason;          // why not ok: "worker killed by SIGSEGV while parsing ..."
  std::string body;            // the answer's raw bytes (documents left for extraction)
};

struct WorkerPoolStats {
  std::size_t workers = 0;
  std::uint64_t tasks = 0;
  std::vector<std::uint64_t> tasks_per_worker;  // by slot
  std::uint64_t crashes = 0;   // workers that died or were killed over a limit
  std::uint64_t restarts = 0;  // workers started after the first ones
  std::vector<std::pair<std::string, std::string>> unhealthy;  // plugin -> reason
};

class WorkerPool {
 public:
  using ClientId = std::uint64_t;

  explicit WorkerPool(WorkerPoolOptions options);
  ~WorkerPool();  // stops: kills the workers, joins the threads
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  std::size_t size() const { return threads_.size(); }

  // A client queues tasks. `pinned`: all its tasks go to one worker slot (the one with the
  // fewest pinned clients), so that one plugin instance sees a whole run as it does inline
  // (a connector's caps, tokens and seen-sets stay per run); its tasks then run one at a
  // time, and parallelism comes from several runs. Unpinned tasks go to any free worker.
  ClientId add_client(bool pinned = false);
  // Drops the client's queued tasks (their callbacks get `cancelled`) and kills the workers
  // busy with its tasks (SIGKILL): what a run does when its stop grace is over.
  void cancel_client(ClientId client);
  void remove_client(ClientId client);

  // Queues a task; `done` is called once, on a pool thread (or on this one when the pool is
  // stopped or the plugin unhealthy).
  void submit(ClientId client, WorkerTask task, std::function<void(WorkerReply)> done);
  // submit() and wait.
  WorkerReply call(ClientId client, WorkerTask task);

  // Empty when healthy, else why.
  std::string unhealthy_reason(const std::string& plugin) const;
  WorkerPoolStats stats() const;

  // Kills every worker and joins the threads; queued tasks are cancelled.
  void stop();

  struct State;

 private:
  WorkerPoolOptions options_;
  std::shared_ptr<State> state_;
  std::vector<std::thread> threads_;
};

// The worker process: serves tasks read from fd until it is closed. `conventiond worker`.
int run_worker_process(int fd, const std::vector<std::string>& plugin_dirs,
                       const WorkerLimits& limits);

// "SIGSEGV" for 11, ...
std::string signal_name(int sig);

}  // namespace conventiond::worker
