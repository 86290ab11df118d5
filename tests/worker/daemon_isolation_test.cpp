// The daemon with its jobs in worker processes (the default isolation), as an operator runs
// it: `conventiond serve`, a job whose connector segfaults on one item beside a good job, then
// SIGTERM, then a restarted daemon that runs the bad job again (docs/workers.md).
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <boost/json.hpp>

#include "../support/daemon_process.hpp"
#include "../support/http_call.hpp"
#include "../support/test_http_server.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using conventiond::test::call;
using conventiond::test::DaemonProcess;
using conventiond::test::read_all;

namespace {

// As in worker_pool_test.cpp: the workers' sanitizer (if any) leaves SIGSEGV alone, so that
// the reason reads SIGSEGV in every build.
const bool g_plain_segv = [] {
  const char* current = std::getenv("ASAN_OPTIONS");
  const std::string options = std::string(current != nullptr ? current : "") + ":handle_segv=0";
  return ::setenv("ASAN_OPTIONS", options.c_str(), 1) == 0 &&
         ::setenv("CVD_ISOLATION_TEST_TOKENS", "tok", 1) == 0;
}();

// The last run of a job once it is no longer running (null after ~30 s).
json::value finished_run(const DaemonProcess& d, const std::string& job, std::int64_t after_id = 0) {
  for (int i = 0; i < 600; ++i) {
    auto jr = call("GET", d.url("/v1/jobs/" + job));
    if (jr.status == 200) {
      const json::value job_json = jr.json();
      const auto& runs = job_json.at("runs").as_array();
      if (!runs.empty()) {
        const std::int64_t id = runs.at(0).at("id").as_int64();
        if (id > after_id) {
          auto rr = call("GET", d.url("/v1/runs/" + std::to_string(id)));
          if (rr.status == 200) {
            json::value run = rr.json();
            if (run.at("status").as_string() != "running") return run;
          }
        }
      }
    }
    std::this_thread::sleep_for(50ms);
  }
  return nullptr;
}

}  // namespace

TEST_CASE("serve: a connector that segfaults costs its item: the daemon, the other job and a restart go on",
          "[worker][process][daemon]") {
  REQUIRE(g_plain_segv);
  conventiond::test::TestHttpServer site;
  for (const char* p : {"/ok1", "/ok2", "/ok3", "/segv"}) {
    site.route(p, conventiond::test::TestResponse{200, {{"Content-Type", "text/plain"}}, std::string("page ") + p});
  }
  const fs::path dir = fs::temp_directory_path() / ("cvd-isolation-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "plugins");
  fs::copy_file(fs::path(CONVENTIOND_WORKER_TEST_PLUGIN_DIR) / "test_crashy.so", dir / "plugins" / "test_crashy.so");
  auto job = [&](const std::string& name, std::initializer_list<const char*> paths) {
    std::string urls;
    for (const char* p : paths) urls += (urls.empty() ? "\"" : ", \"") + site.url(p) + "\"";
    return "[jobs." + name + "]\nconnector = \"test_crashy\"\nevery = \"1h\"\n[jobs." + name +
           ".fetch]\nper_host_delay = \"0ms\"\n[jobs." + name + ".config]\nurls = [" + urls + "]\n";
  };
  {
    // No [workers] isolation: process is the default.
    std::ofstream c(dir / "c.toml");
    c << "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n"
      << "tokens_env = \"CVD_ISOLATION_TEST_TOKENS\"\n"
      << "[plugins]\ndir = \"" << (dir / "plugins").string() << "\"\n"
      << "[daemon]\nshutdown_grace = \"1s\"\n"
      << "[workers]\ncount = 2\n"
      << job("bad", {"/ok1", "/segv", "/ok2"}) << job("good", {"/ok1", "/ok2", "/ok3"});
  }

  std::int64_t bad_run = 0;
  {
    DaemonProcess d(dir / "c.toml", dir / "d1.log");
    CHECK(read_all(d.log).find("connectors in 2 worker process(es)") != std::string::npos);
    const json::value bad = finished_run(d, "bad");
    const json::value good = finished_run(d, "good");
    INFO(read_all(d.log));
    REQUIRE(bad.is_object());
    REQUIRE(good.is_object());
    bad_run = bad.at("id").as_int64();
    // The good job is untouched; the bad one lost exactly the item that crashed its worker.
    CHECK(good.at("status").as_string() == "done");
    CHECK(good.at("counts").at("failed").as_int64() == 0);
    CHECK(bad.at("status").as_string() == "done_with_errors");
    CHECK(bad.at("counts").at("failed").as_int64() == 1);
    const auto& failed = bad.at("failed_items").as_array();
    REQUIRE(failed.size() == 1);
    CHECK(failed.at(0).at("url").as_string() == site.url("/segv"));
    const std::string reason(failed.at(0).at("error").as_string());
    CHECK(reason.find("worker killed by SIGSEGV") != std::string::npos);
    CHECK(reason.find("test_crashy") != std::string::npos);
    // The daemon is alive, and its log names the item, the signal and the plugin.
    CHECK(call("GET", d.url("/healthz")).status == 200);
    const std::string log = read_all(d.log);
    CHECK(log.find("SIGSEGV") != std::string::npos);
    CHECK(log.find(site.url("/segv")) != std::string::npos);
    // SIGTERM ends it within the grace.
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(d.terminate() == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  }
  {
    // Restarted: it serves, and running the bad job again re-tries the crashed item once:
    // it crashes a worker again and is quarantined; the daemon stays up.
    DaemonProcess d(dir / "c.toml", dir / "d2.log");
    CHECK(call("GET", d.url("/healthz")).status == 200);
    auto launched = call("POST", d.url("/v1/jobs/bad/run"), "tok");
    INFO(launched.body);
    REQUIRE((launched.status == 202 || launched.status == 201 || launched.status == 200));
    const json::value again = finished_run(d, "bad", bad_run);
    INFO(read_all(d.log));
    REQUIRE(again.is_object());
    bool quarantined = false;
    for (const auto& f : again.at("failed_items").as_array()) {
      if (f.at("url").as_string() == site.url("/segv") &&
          std::string(f.at("error").as_string()).find("quarantined") != std::string::npos) {
        quarantined = true;
      }
    }
    CHECK(quarantined);
    CHECK(call("GET", d.url("/healthz")).status == 200);
    CHECK(d.terminate() == 0);
  }
  fs::remove_all(dir);
}

TEST_CASE("serve: a plugin that keeps crashing workers pauses its job: not scheduled again, shown in /v1/jobs and /readyz",
          "[worker][process][daemon]") {
  REQUIRE(g_plain_segv);
  conventiond::test::TestHttpServer site;
  for (const char* p : {"/a/segv", "/b/segv", "/c/segv", "/d/segv"}) {
    site.route(p, conventiond::test::TestResponse{200, {{"Content-Type", "text/plain"}}, std::string("page ") + p});
  }
  const fs::path dir = fs::temp_directory_path() / ("cvd-paused-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "plugins");
  fs::copy_file(fs::path(CONVENTIOND_WORKER_TEST_PLUGIN_DIR) / "test_crashy.so", dir / "plugins" / "test_crashy.so");
  {
    std::string urls;
    for (const char* p : {"/a/segv", "/b/segv", "/c/segv", "/d/segv"}) {
      urls += (urls.empty() ? "\"" : ", \"") + site.url(p) + "\"";
    }
    std::ofstream c(dir / "c.toml");
    c << "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n"
      << "[plugins]\ndir = \"" << (dir / "plugins").string() << "\"\n"
      << "[daemon]\nshutdown_grace = \"1s\"\n"
      << "[workers]\ncount = 1\n"
      // Every second: without the pause, a run would start again each second.
      << "[jobs.sick]\nconnector = \"test_crashy\"\nevery = \"1s\"\nmax_in_flight = 1\n"
      << "[jobs.sick.fetch]\nper_host_delay = \"0ms\"\n[jobs.sick.config]\nurls = [" << urls << "]\n";
  }
  DaemonProcess d(dir / "c.toml", dir / "d.log");
  const json::value first = finished_run(d, "sick");
  INFO(read_all(d.log));
  REQUIRE(first.is_object());
  const std::string errors = json::serialize(first);
  CHECK(errors.find("paused: plugin test_crashy crashed") != std::string::npos);
  // Three schedule periods later, still one run, and the job says why.
  std::this_thread::sleep_for(3500ms);
  auto jr = call("GET", d.url("/v1/jobs/sick"));
  REQUIRE(jr.status == 200);
  const json::value job = jr.json();
  CHECK(job.at("runs").as_array().size() == 1);
  REQUIRE(job.at("paused").is_string());
  CHECK(std::string(job.at("paused").as_string()).find("test_crashy") != std::string::npos);
  CHECK(job.at("next_run_at").is_null());
  auto ready = call("GET", d.url("/readyz"));
  CHECK(ready.status == 503);
  CHECK(ready.body.find("test_crashy") != std::string::npos);
  CHECK(read_all(d.log).find("is not scheduled until the daemon restarts") != std::string::npos);
  CHECK(call("GET", d.url("/healthz")).status == 200);
  CHECK(d.terminate() == 0);
  fs::remove_all(dir);
}
