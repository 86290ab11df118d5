#pragma once
// A daemon of the tests: started in-process from a config file on its own thread, ready when
// its API listens, stopped and joined at the end of the scope; its log lines are kept.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/daemon/daemon.hpp>

namespace conventiond::test {

// An empty folder <tmp>/<prefix>-<pid>/<name>, made anew.
inline std::filesystem::path fresh_temp_dir(std::string_view prefix, const std::string& name) {
  const std::filesystem::path d = std::filesystem::temp_directory_path() /
                                  (std::string(prefix) + "-" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

struct RunningDaemon {
  std::unique_ptr<Daemon> daemon;
  std::thread thread;
  std::promise<void> ready;
  int exit_code = -1;
  std::vector<std::string> logs;
  std::mutex mu;

  explicit RunningDaemon(const std::filesystem::path& config_file) {
    auto cfg = load_daemon_config(config_file);
    INFO((cfg ? std::string() : cfg.error().message));
    REQUIRE(cfg.ok());
    DaemonOptions o;
    o.handle_signals = false;
    o.log = [this](std::string_view l) {
      std::lock_guard lock(mu);
      logs.emplace_back(l);
    };
    o.on_ready = [this] { ready.set_value(); };
    auto d = Daemon::create(std::move(*cfg), o);
    INFO((d ? std::string() : d.error().message));
    REQUIRE(d.ok());
    daemon = std::move(*d);
    auto f = ready.get_future();
    thread = std::thread([this] { exit_code = daemon->run(); });
    REQUIRE(f.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  }
  RunningDaemon(const RunningDaemon&) = delete;
  RunningDaemon& operator=(const RunningDaemon&) = delete;
  ~RunningDaemon() {
    daemon->stop();
    thread.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(daemon->port()) + path;
  }
  bool logged(const std::string& what) {
    std::lock_guard lock(mu);
    for (const auto& l : logs) {
      if (l.find(what) != std::string::npos) return true;
    }
    return false;
  }
};

}  // namespace conventiond::test
