// Worker processes: each test runs a harvest whose connector runs in real `conventiond worker`
// processes, with a connector that segfaults, aborts, loops or allocates without bound in
// parse() or start(). The item in hand fails with the reason; its siblings are committed; the
// process running the harvest survives; a second crash quarantines the item.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fstream>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <conventiond/harvest/job_runner.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/store/sqlite_store.hpp>

#include "../harvest/test_site.hpp"

namespace fs = std::filesystem;
using namespace conventiond;
using namespace std::chrono_literals;
using conventiond::test::TestHttpServer;
using conventiond::test::TestResponse;

namespace {

// Under ASan, a worker's SIGSEGV is caught by the sanitizer and turned into an abort. These
// tests check how the pool reports a real SIGSEGV, so the sanitizer of the workers (which
// inherit the environment) leaves that signal alone. No effect on a build without ASan.
const bool g_plain_segv_in_workers = [] {
  const char* current = std::getenv("ASAN_OPTIONS");
  const std::string options = std::string(current != nullptr ? current : "") + ":handle_segv=0";
  return ::setenv("ASAN_OPTIONS", options.c_str(), 1) == 0;
}();

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() /
                       ("cvd-worker-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A plugin directory holding only the named plugins.
fs::path plugin_dir(const std::string& name, const std::vector<fs::path>& files) {
  const fs::path dir = temp_dir(name + "-plugins");
  for (const auto& f : files) fs::copy_file(f, dir / f.filename());
  return dir;
}

const fs::path kCrashy = fs::path(CONVENTIOND_WORKER_TEST_PLUGIN_DIR) / "test_crashy.so";

std::unique_ptr<worker::WorkerPool> pool_for(const fs::path& dir, std::size_t count,
                                             std::chrono::seconds wall = 3s) {
  worker::WorkerPoolOptions o;
  o.executable = std::string(CONVENTIOND_BINARY_DIR) + "/conventiond";
  o.plugin_dirs = {dir.string()};
  o.count = count;
  o.limits.memory_bytes = std::size_t{256} << 20;
  o.limits.cpu_per_item = 2s;
  o.limits.wall_per_item = wall;
  o.backoff_first = 10ms;
  o.backoff_max = 100ms;
  o.unhealthy_after = 100;
  return std::make_unique<worker::WorkerPool>(std::move(o));
}

struct Site {
  TestHttpServer server;
  Site() {
    for (const char* p : {"/ok1", "/ok2", "/ok3", "/segv", "/abort", "/loop", "/alloc", "/throw",
                          "/doc-segv"}) {
      server.route(p, TestResponse{200, {{"Content-Type", "text/plain"}}, std::string("page ") + p});
    }
    for (int i = 0; i < 24; ++i) {
      const std::string p = "/page" + std::to_string(i);
      server.route(p, TestResponse{200, {{"Content-Type", "text/plain"}},
                                   "Le " + std::to_string(i + 1) +
                                       " mars 2019, le préfet du Calvados et le président du "
                                       "conseil départemental du Calvados ont signé la "
                                       "convention d'appui à la lutte contre la pauvreté et "
                                       "d'accès à l'emploi."});
    }
  }
  JobConfig job(std::vector<std::string> paths, std::string start_fault = "") const {
    JobConfig j;
    j.name = "crashy";
    j.connector = "test_crashy";
    boost::json::array urls;
    for (const auto& p : paths) urls.push_back(boost::json::value(server.url(p)));
    j.config["urls"] = std::move(urls);
    j.config["start_fault"] = start_fault;
    j.fetch.per_host_min_delay = 0ms;
    j.fetch.max_concurrent_per_host = 8;
    j.max_in_flight = 8;
    return j;
  }
};

// url path -> (status, error) of a run's items.
std::map<std::string, std::pair<std::string, std::string>> items(Store& store, RunId run,
                                                                  const std::string& origin) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  auto report = store.run_report(run);
  REQUIRE(report.ok());
  for (const FailedItem& f : report->failed) {
    std::string url = f.url;
    if (url.rfind(origin, 0) == 0) url = url.substr(origin.size());
    out[url] = {"failed", f.error};
  }
  return out;
}

}  // namespace

TEST_CASE("a worker crash in parse() costs only the item in hand, with the reason",
          "[worker][process]") {
  Site site;
  const fs::path plugins = plugin_dir("parse", {kCrashy});
  PluginRegistry registry = PluginRegistry::load_directory(plugins);
  REQUIRE(registry.find("test_crashy") != nullptr);
  auto pool = pool_for(plugins, 2, 10s);
  auto store = SqliteStore::open((temp_dir("parse") / "s.db").string());
  REQUIRE(store.ok());

  RunOptions o;
  o.pool = pool.get();
  const auto job =
      site.job({"/ok1", "/segv", "/ok2", "/abort", "/loop", "/alloc", "/throw", "/ok3"});
  const auto t0 = std::chrono::steady_clock::now();
  auto outcome = run_job(job, **store, registry, o);
  REQUIRE(outcome.ok());
  CHECK(std::chrono::steady_clock::now() - t0 < 30s);
  CHECK_FALSE(outcome->interrupted);
  CHECK(outcome->summary.counts.total == 8);
  CHECK(outcome->summary.counts.failed == 5);
  const auto failed = items(**store, outcome->summary.id, site.server.origin());
  REQUIRE(failed.size() == 5);
  CHECK_THAT(failed.at("/segv").second,
             Catch::StartsWith("worker killed by SIGSEGV while parsing " + site.server.url("/segv") +
                               " with plugin test_crashy"));
  CHECK_THAT(failed.at("/abort").second, Catch::StartsWith("worker killed by SIGABRT"));
  // The loop hits the CPU limit (2 s) before the wall-clock limit (10 s).
  CHECK_THAT(failed.at("/loop").second, Catch::StartsWith("worker killed: exceeded 2 s of CPU time"));
  CHECK_THAT(failed.at("/alloc").second, Catch::StartsWith("worker killed: exceeded 256 MiB"));
  CHECK_THAT(failed.at("/throw").second, Catch::Contains("test_crashy threw"));
  CHECK(pool->stats().crashes == 4);

  SECTION("the next run retries the crashed items once, then quarantines them") {
    auto second = run_job(job, **store, registry, o);
    REQUIRE(second.ok());
    const auto again = items(**store, second->summary.id, site.server.origin());
    REQUIRE(again.count("/segv") == 1);
    CHECK_THAT(again.at("/segv").second,
               Catch::StartsWith("quarantined: crashed a worker twice (worker killed by SIGSEGV"));
    CHECK_THAT(again.at("/throw").second, Catch::Contains("test_crashy threw"));
    // A third run does not queue the quarantined items again.
    JobConfig none = job;
    none.config["urls"] = boost::json::array{};
    auto third = run_job(none, **store, registry, o);
    REQUIRE(third.ok());
    const auto third_items = items(**store, third->summary.id, site.server.origin());
    CHECK(third_items.count("/segv") == 0);
    CHECK(third_items.count("/throw") == 1);  // an ordinary failure is retried
    CHECK(site.server.hits("/segv") == 2);
  }
}

TEST_CASE("one run's documents are extracted by every worker, and a parser crash costs only its item",
          "[worker][process]") {
  Site site;
  const fs::path plugins = plugin_dir("extract", {kCrashy});
  PluginRegistry registry = PluginRegistry::load_directory(plugins);
  auto pool = pool_for(plugins, 2, 10s);
  auto store = SqliteStore::open((temp_dir("extract") / "s.db").string());
  REQUIRE(store.ok());
  // The workers inherit the environment: extracting a document that holds this text crashes
  // its worker (the worker's fault-injection hook), as poppler or gumbo could.
  REQUIRE(::setenv("CONVENTIOND_WORKER_FAULT_EXTRACT", "doc-segv", 1) == 0);
  std::vector<std::string> paths = {"/ok1", "/doc-segv", "/ok2"};
  for (int i = 0; i < 24; ++i) paths.push_back("/page" + std::to_string(i));
  RunOptions o;
  o.pool = pool.get();
  auto outcome = run_job(site.job(paths), **store, registry, o);
  ::unsetenv("CONVENTIOND_WORKER_FAULT_EXTRACT");
  REQUIRE(outcome.ok());
  CHECK(outcome->summary.counts.total == 27);
  CHECK(outcome->summary.counts.failed == 1);
  const auto failed = items(**store, outcome->summary.id, site.server.origin());
  REQUIRE(failed.size() == 1);
  CHECK_THAT(failed.at("/doc-segv").second,
             Catch::StartsWith("worker killed by SIGSEGV while extracting " +
                               site.server.url("/doc-segv") + " with plugin test_crashy"));
  // The 24 pages about a signature were extracted and committed as observations.
  for (int i = 0; i < 24; ++i) {
    auto observations = (*store)->observations_for_url(site.server.url("/page" + std::to_string(i)));
    REQUIRE(observations.ok());
    CHECK_FALSE(observations->empty());
  }
  // One run, one pinned parsing worker, but its documents went to both workers.
  const auto st = pool->stats();
  REQUIRE(st.tasks_per_worker.size() == 2);
  CHECK(st.tasks_per_worker[0] > 0);
  CHECK(st.tasks_per_worker[1] > 0);
  CHECK(st.crashes == 1);
}

TEST_CASE("a worker crash in start() fails the run's start, not the process",
          "[worker][process]") {
  Site site;
  const fs::path plugins = plugin_dir("start", {kCrashy});
  PluginRegistry registry = PluginRegistry::load_directory(plugins);
  auto pool = pool_for(plugins, 1);
  auto store = SqliteStore::open((temp_dir("start") / "s.db").string());
  REQUIRE(store.ok());
  RunOptions o;
  o.pool = pool.get();
  for (const char* fault : {"segv", "abort"}) {
    auto outcome = run_job(site.job({"/ok1"}, fault), **store, registry, o);
    REQUIRE(outcome.ok());
    REQUIRE(outcome->errors.size() == 1);
    CHECK_THAT(outcome->errors[0],
               Catch::Contains("worker killed by SIG") && Catch::Contains("while starting with plugin test_crashy"));
  }
  // The pool replaced the workers: a good run goes through.
  auto good = run_job(site.job({"/ok1", "/ok2"}), **store, registry, o);
  REQUIRE(good.ok());
  CHECK(good->errors.empty());
  CHECK(good->summary.counts.total == 2);
  CHECK(good->summary.counts.failed == 0);
}

TEST_CASE("a plugin that keeps crashing workers is marked unhealthy and its run pauses",
          "[worker][process]") {
  Site site;
  const fs::path plugins = plugin_dir("unhealthy", {kCrashy});
  PluginRegistry registry = PluginRegistry::load_directory(plugins);
  worker::WorkerPoolOptions po;
  po.executable = std::string(CONVENTIOND_BINARY_DIR) + "/conventiond";
  po.plugin_dirs = {plugins.string()};
  po.count = 1;
  po.backoff_first = 10ms;
  po.unhealthy_after = 2;
  worker::WorkerPool pool(po);
  auto store = SqliteStore::open((temp_dir("unhealthy") / "s.db").string());
  REQUIRE(store.ok());
  RunOptions o;
  o.pool = &pool;
  JobConfig job = site.job({"/segv", "/abort", "/ok1", "/ok2"});
  job.max_in_flight = 1;
  auto outcome = run_job(job, **store, registry, o);
  REQUIRE(outcome.ok());
  CHECK_THAT(pool.unhealthy_reason("test_crashy"), Catch::Contains("crashed 2 workers in a row"));
  bool paused = false;
  for (const auto& e : outcome->errors) paused = paused || e.rfind("paused: plugin test_crashy", 0) == 0;
  CHECK(paused);
  CHECK(outcome->summary.counts.total == 2);  // the others wait for a later run
}

TEST_CASE("a stop request with an item looping in a worker ends within the grace",
          "[worker][process]") {
  Site site;
  const fs::path plugins = plugin_dir("stop", {kCrashy});
  PluginRegistry registry = PluginRegistry::load_directory(plugins);
  auto pool = pool_for(plugins, 2, 60s);
  auto store = SqliteStore::open((temp_dir("stop") / "s.db").string());
  REQUIRE(store.ok());
  std::atomic<bool> stop{false};
  RunOptions o;
  o.pool = pool.get();
  o.stop = &stop;
  o.grace = 500ms;
  std::thread stopper([&] {
    std::this_thread::sleep_for(1500ms);
    stop = true;
  });
  const auto t0 = std::chrono::steady_clock::now();
  // CPU limit 2 s: the loop would end by itself only after the stop's grace.
  JobConfig job = site.job({"/ok1", "/loop"});
  auto outcome = run_job(job, **store, registry, o);
  stopper.join();
  REQUIRE(outcome.ok());
  CHECK(std::chrono::steady_clock::now() - t0 < 2500ms);
  CHECK(outcome->interrupted);
  CHECK(outcome->summary.counts.total == 1);  // /ok1; /loop stays in the frontier
}

TEST_CASE("a harvest in worker processes commits what an inline one does: runs share the workers, one instance each",
          "[worker][process]") {
  REQUIRE(fs::exists(fs::path(CONVENTIOND_PLUGIN_DIR) / "press_releases.so"));
  auto statuses = [](Store& store, RunId run, const std::string& origin) {
    std::map<std::string, std::string> out;
    auto report = store.run_report(run);
    REQUIRE(report.ok());
    for (const FailedItem& f : report->failed) out[f.url.substr(origin.size())] = "failed";
    return out;
  };
  const fs::path plugins =
      plugin_dir("site", {fs::path(CONVENTIOND_PLUGIN_DIR) / "press_releases.so"});
  PluginRegistry registry = PluginRegistry::load_directory(plugins);
  test::TestSite inline_site;
  auto inline_store = SqliteStore::open((temp_dir("site-inline") / "s.db").string());
  REQUIRE(inline_store.ok());
  auto a = run_job(inline_site.job(), **inline_store, registry, RunOptions{});
  REQUIRE(a.ok());

  // Two runs at once on a pool of two: each is pinned to its own worker (one plugin
  // instance per run, as inline), and each commits what the inline run did.
  auto pool = pool_for(plugins, 2, 10s);
  struct ProcessRun {
    test::TestSite site;
    std::unique_ptr<Store> store;
    std::optional<Result<RunOutcome>> outcome;
  };
  std::vector<std::unique_ptr<ProcessRun>> runs;
  for (int i = 0; i < 2; ++i) {
    auto r = std::make_unique<ProcessRun>();
    auto opened = SqliteStore::open((temp_dir("site-process-" + std::to_string(i)) / "s.db").string());
    REQUIRE(opened.ok());
    r->store = std::move(*opened);
    runs.push_back(std::move(r));
  }
  std::vector<std::thread> threads;
  for (auto& r : runs) {
    threads.emplace_back([&registry, &pool, run = r.get()] {
      RunOptions o;
      o.pool = pool.get();
      run->outcome.emplace(run_job(run->site.job(), *run->store, registry, o));
    });
  }
  for (auto& t : threads) t.join();
  for (auto& r : runs) {
    REQUIRE(r->outcome);
    REQUIRE(r->outcome->ok());
    const RunOutcome& b = **r->outcome;
    CHECK(b.summary.counts.total == a->summary.counts.total);
    CHECK(b.summary.counts.new_items == a->summary.counts.new_items);
    CHECK(b.summary.counts.failed == a->summary.counts.failed);
    CHECK(b.summary.counts.skipped_filter == a->summary.counts.skipped_filter);
    CHECK(statuses(*r->store, b.summary.id, r->site.server.origin()) ==
          statuses(**inline_store, a->summary.id, inline_site.server.origin()));
  }
  const auto st = pool->stats();
  CHECK(st.workers == 2);
  CHECK(st.crashes == 0);
  REQUIRE(st.tasks_per_worker.size() == 2);
  CHECK(st.tasks_per_worker[0] > 0);  // each run had a worker of its own
  CHECK(st.tasks_per_worker[1] > 0);
}

namespace {

// Runs `conventiond run` with args, output to out_file; returns the child's pid.
pid_t spawn_run(const std::vector<std::string>& args, const fs::path& out_file) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<std::string> all = {std::string(CONVENTIOND_BINARY_DIR) + "/conventiond", "run"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("conventiond run --isolation process: a crash fails the item, SIGTERM ends the run",
          "[worker][process]") {
  const fs::path dir = temp_dir("cli");
  const fs::path plugins = plugin_dir("cli", {kCrashy});
  fs::create_directories(dir / "f");
  for (const char* name : {"ok1", "segv", "loop"}) std::ofstream(dir / "f" / name) << name;
  auto job_file = [&](const std::vector<std::string>& names) {
    std::string urls;
    for (const auto& n : names) urls += (urls.empty() ? "\"file://" : ", \"file://") + (dir / "f" / n).string() + "\"";
    std::ofstream(dir / "job.toml") << "name = \"crashy\"\nconnector = \"test_crashy\"\n[config]\nurls = ["
                                    << urls << "]\n[fetch]\nallow_file = true\n";
    return (dir / "job.toml").string();
  };
  const std::string store = "sqlite:" + (dir / "s.db").string();
  {
    const pid_t pid = spawn_run({job_file({"ok1", "segv"}), "--store", store, "--plugin-dir",
                                 plugins.string(), "--isolation", "process", "--workers", "2",
                                 "--no-progress"},
                                dir / "out1.txt");
    CHECK(wait_exit(pid) == 0);
    const std::string out = slurp(dir / "out1.txt");
    CHECK_THAT(out, Catch::Contains("worker killed by SIGSEGV while parsing file://"));
    CHECK_THAT(out, Catch::Contains("failed 1"));
  }
  {
    // The looping item holds a worker; SIGTERM: the run stops after its grace (10 s), kills
    // the worker, and exits 3 (interrupted, to be resumed).
    const pid_t pid = spawn_run({job_file({"loop"}), "--store", store, "--plugin-dir",
                                 plugins.string(), "--isolation", "process", "--no-progress"},
                                dir / "out2.txt");
    std::this_thread::sleep_for(1500ms);
    const auto t0 = std::chrono::steady_clock::now();
    ::kill(pid, SIGTERM);
    CHECK(wait_exit(pid) == 3);
    CHECK(std::chrono::steady_clock::now() - t0 < 15s);
  }
}
