#include <conventiond/worker/worker_pool.hpp>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <optional>

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <conventiond/worker/frame.hpp>

extern char** environ;

namespace conventiond::worker {

namespace json = boost::json;

// Exit status of a worker whose allocation failed under its memory limit.
constexpr int kExitNoMemory = 87;

std::string signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGXCPU: return "SIGXCPU";
    case SIGPIPE: return "SIGPIPE";
    default: return "signal " + std::to_string(sig);
  }
}

namespace {

struct Pending {
  WorkerTask task;
  std::function<void(WorkerReply)> done;
};

struct Client {
  std::deque<Pending> queue;
  std::optional<std::size_t> slot;  // pinned to this worker slot
};

struct Slot {
  WorkerPool::ClientId client = 0;  // busy with a task of this client (0 = idle)
  std::uint64_t tasks = 0;
  bool cancel = false;
};

std::string mib(std::size_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

std::size_t resident_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/statm");
  std::size_t size = 0;
  std::size_t resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

struct WorkerPool::State {
  mutable std::mutex mu;
  std::condition_variable cv;
  std::map<ClientId, Client> clients;
  ClientId next_client = 1;
  ClientId last_served = 0;
  bool stopping = false;
  std::vector<Slot> slots;
  std::map<std::string, int, std::less<>> plugin_crashes;  // in a row
  std::map<std::string, std::string, std::less<>> unhealthy;
  std::uint64_t tasks = 0;
  std::uint64_t crashes = 0;
  std::uint64_t restarts = 0;
  std::uint64_t started = 0;

  // The next task for worker slot `slot`, round-robin over the clients not pinned to another
  // slot (call with mu held); false when none.
  bool take(Pending& out, ClientId& client, std::size_t slot) {
    if (clients.empty()) return false;
    auto it = clients.upper_bound(last_served);
    for (std::size_t n = 0; n <= clients.size(); ++n) {
      if (it == clients.end()) it = clients.begin();
      if (!it->second.queue.empty() && (!it->second.slot || *it->second.slot == slot)) {
        out = std::move(it->second.queue.front());
        it->second.queue.pop_front();
        client = it->first;
        last_served = it->first;
        return true;
      }
      ++it;
    }
    return false;
  }
};

namespace {

struct Process {
  pid_t pid = -1;
  int fd = -1;
};

Result<Process> spawn_worker(const WorkerPoolOptions& o) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return Error::make("worker", std::string("socketpair: ") + std::strerror(errno));
  }
  // The conventiond binary: the option, else $CONVENTIOND_WORKER_EXE (for programs that embed
  // the runner, as the tests and benchmarks do), else this process's own binary.
  const char* env_exe = std::getenv("CONVENTIOND_WORKER_EXE");
  const std::string exe = !o.executable.empty()                      ? o.executable
                          : env_exe != nullptr && *env_exe != '\0' ? std::string(env_exe)
                                                                    : "/proc/self/exe";
  std::vector<std::string> args = {exe,
                                   "worker",
                                   "--fd",
                                   "3",
                                   "--memory-mib",
                                   std::to_string(o.limits.memory_bytes >> 20),
                                   "--cpu-seconds",
                                   std::to_string(o.limits.cpu_per_item.count())};
  for (const std::string& dir : o.plugin_dirs) {
    args.push_back("--plugin-dir");
    args.push_back(dir);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 3);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return Error::make("worker", "cannot start worker " + exe + ": " + std::strerror(rc));
  }
  return Process{pid, fds[0]};
}

int reap(Process& p) {
  int status = 0;
  if (p.pid > 0) {
    ::kill(p.pid, SIGKILL);
    while (::waitpid(p.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (p.fd >= 0) ::close(p.fd);
  p = Process{};
  return status;
}

}  // namespace

WorkerPool::WorkerPool(WorkerPoolOptions options)
    : options_(std::move(options)), state_(std::make_shared<State>()) {
  std::size_t n = options_.count;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  state_->slots.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    threads_.emplace_back([this, i] {
      State& s = *state_;
      Process proc;
      int failures = 0;  // of this slot's workers, in a row
      while (true) {
        Pending p;
        ClientId client = 0;
        {
          std::unique_lock lock(s.mu);
          s.cv.wait(lock, [&] { return s.stopping || s.take(p, client, i); });
          if (s.stopping && client == 0) break;
          s.slots[i].client = client;
          s.slots[i].cancel = false;
          ++s.slots[i].tasks;
          ++s.tasks;
        }
        auto finish = [&](WorkerReply reply) {
          {
            std::lock_guard lock(s.mu);
            s.slots[i].client = 0;
          }
          if (p.done) p.done(std::move(reply));
        };
        const std::string plugin = p.task.plugin;
        if (std::string why = unhealthy_reason(plugin); !why.empty()) {
          finish(WorkerReply{WorkerReply::Outcome::unhealthy, {}, why, {}});
          continue;
        }
        if (proc.pid < 0) {
          if (failures > 0) {
            auto wait = options_.backoff_first * (std::int64_t{1} << std::min(failures - 1, 16));
            wait = std::min(wait, options_.backoff_max);
            std::unique_lock lock(s.mu);
            s.cv.wait_for(lock, wait, [&] { return s.stopping || s.slots[i].cancel; });
          }
          auto spawned = spawn_worker(options_);
          if (!spawned) {
            ++failures;
            finish(WorkerReply{WorkerReply::Outcome::crashed, {}, spawned.error().message, {}});
            continue;
          }
          proc = *spawned;
          std::lock_guard lock(s.mu);
          if (s.started++ >= s.slots.size()) ++s.restarts;
        }
        const std::string header = json::serialize(p.task.header);
        const auto deadline = std::chrono::steady_clock::now() + options_.limits.wall_per_item;
        std::string killed_for;  // a limit the parent enforced
        bool cancelled = false;
        Status sent = write_frame(proc.fd, header, p.task.body);
        Result<Frame> answer = Error::make("io", "not sent");
        if (sent) {
          answer = read_frame_watched(proc.fd, std::chrono::milliseconds(50), [&]() -> Status {
            {
              std::lock_guard lock(s.mu);
              if (s.slots[i].cancel || s.stopping) {
                cancelled = true;
                return Error::make("cancelled", "cancelled");
              }
            }
            if (std::chrono::steady_clock::now() > deadline) {
              killed_for = "exceeded " + std::to_string(options_.limits.wall_per_item.count()) + " s";
              return Error::make("limit", killed_for);
            }
            if (resident_bytes(proc.pid) > options_.limits.memory_bytes) {
              killed_for = "exceeded " + mib(options_.limits.memory_bytes);
              return Error::make("limit", killed_for);
            }
            return {};
          });
        }
        if (answer) {
          boost::system::error_code ec;
          json::value v = json::parse(answer->header, ec);
          if (!ec && v.is_object()) {
            failures = 0;
            {
              std::lock_guard lock(s.mu);
              s.plugin_crashes[plugin] = 0;
            }
            finish(WorkerReply{WorkerReply::Outcome::ok, std::move(v.as_object()), {},
                               std::move(answer->body)});
            continue;
          }
          killed_for = "sent an unreadable answer";
        }
        const int status = reap(proc);
        if (cancelled) {
          finish(WorkerReply{WorkerReply::Outcome::cancelled, {}, "cancelled", {}});
          continue;
        }
        std::string reason;
        if (!killed_for.empty()) {
          reason = "worker killed: " + killed_for;
        } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) {
          reason = "worker killed: exceeded " +
                   std::to_string(options_.limits.cpu_per_item.count()) + " s of CPU time";
        } else if (WIFSIGNALED(status)) {
          reason = "worker killed by " + signal_name(WTERMSIG(status));
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == kExitNoMemory) {
          reason = "worker killed: exceeded " + mib(options_.limits.memory_bytes);
        } else if (WIFEXITED(status)) {
          reason = "worker exited with status " + std::to_string(WEXITSTATUS(status));
        } else {
          reason = "worker lost";
        }
        reason += " while " + p.task.doing + " with plugin " + plugin;
        ++failures;
        {
          std::lock_guard lock(s.mu);
          ++s.crashes;
          const int n_crashes = ++s.plugin_crashes[plugin];
          if (options_.unhealthy_after > 0 && n_crashes >= options_.unhealthy_after &&
              !s.unhealthy.contains(plugin)) {
            s.unhealthy[plugin] = "plugin " + plugin + " crashed " + std::to_string(n_crashes) +
                                  " workers in a row (last: " + reason + ")";
          }
        }
        if (options_.log) options_.log(reason);
        finish(WorkerReply{WorkerReply::Outcome::crashed, {}, reason, {}});
      }
      reap(proc);
    });
  }
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::stop() {
  std::vector<Pending> dropped;
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
    for (auto& [id, c] : state_->clients) {
      for (auto& p : c.queue) dropped.push_back(std::move(p));
      c.queue.clear();
    }
  }
  state_->cv.notify_all();
  for (auto& p : dropped) {
    if (p.done) p.done(WorkerReply{WorkerReply::Outcome::cancelled, {}, "worker pool stopped", {}});
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

WorkerPool::ClientId WorkerPool::add_client(bool pinned) {
  std::lock_guard lock(state_->mu);
  const ClientId id = state_->next_client++;
  Client& c = state_->clients[id];
  if (pinned && !state_->slots.empty()) {
    std::vector<std::size_t> load(state_->slots.size(), 0);
    for (const auto& [other, oc] : state_->clients) {
      if (oc.slot) ++load[*oc.slot];
    }
    c.slot = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
  }
  return id;
}

void WorkerPool::cancel_client(ClientId client) {
  std::vector<Pending> dropped;
  {
    std::lock_guard lock(state_->mu);
    if (auto it = state_->clients.find(client); it != state_->clients.end()) {
      for (auto& p : it->second.queue) dropped.push_back(std::move(p));
      it->second.queue.clear();
    }
    for (Slot& slot : state_->slots) {
      if (slot.client == client) slot.cancel = true;
    }
  }
  state_->cv.notify_all();
  for (auto& p : dropped) {
    if (p.done) p.done(WorkerReply{WorkerReply::Outcome::cancelled, {}, "cancelled", {}});
  }
}

void WorkerPool::remove_client(ClientId client) {
  cancel_client(client);
  std::lock_guard lock(state_->mu);
  state_->clients.erase(client);
}

void WorkerPool::submit(ClientId client, WorkerTask task, std::function<void(WorkerReply)> done) {
  {
    std::lock_guard lock(state_->mu);
    auto it = state_->clients.find(client);
    if (!state_->stopping && it != state_->clients.end()) {
      it->second.queue.push_back(Pending{std::move(task), std::move(done)});
      state_->cv.notify_all();  // a pinned task can only be taken by its slot's thread
      return;
    }
  }
  if (done) done(WorkerReply{WorkerReply::Outcome::cancelled, {}, "worker pool stopped", {}});
}

WorkerReply WorkerPool::call(ClientId client, WorkerTask task) {
  auto promise = std::make_shared<std::promise<WorkerReply>>();
  auto future = promise->get_future();
  submit(client, std::move(task), [promise](WorkerReply r) { promise->set_value(std::move(r)); });
  return future.get();
}

std::string WorkerPool::unhealthy_reason(const std::string& plugin) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->unhealthy.find(plugin);
  return it == state_->unhealthy.end() ? std::string() : it->second;
}

WorkerPoolStats WorkerPool::stats() const {
  std::lock_guard lock(state_->mu);
  WorkerPoolStats st;
  st.workers = state_->slots.size();
  st.tasks = state_->tasks;
  st.crashes = state_->crashes;
  st.restarts = state_->restarts;
  for (const Slot& slot : state_->slots) st.tasks_per_worker.push_back(slot.tasks);
  for (const auto& [p, why] : state_->unhealthy) st.unhealthy.emplace_back(p, why);
  return st;
}

}  // namespace conventiond::worker
