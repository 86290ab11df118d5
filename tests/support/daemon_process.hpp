#pragma once
// `conventiond serve --config CONFIG`, the real binary, as a child process: its output goes to
// a log file, where the port it listens on is read; killed (SIGKILL) at the end of the scope
// unless terminate() or kill9() ended it first.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

namespace conventiond::test {

// The whole text of a file ("" when it cannot be read).
inline std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct DaemonProcess {
  pid_t pid = -1;
  std::filesystem::path log;
  std::uint16_t port = 0;

  DaemonProcess(const std::filesystem::path& config, std::filesystem::path log_file) : log(std::move(log_file)) {
    const std::string exe = std::string(CONVENTIOND_BINARY_DIR) + "/conventiond";
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 2);
      ::dup2(fd, 1);
      ::execl(exe.c_str(), exe.c_str(), "serve", "--config", config.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
    for (int i = 0; i < 200 && port == 0; ++i) {
      std::smatch m;
      const std::string text = read_all(log);
      if (std::regex_search(text, m, listening)) port = static_cast<std::uint16_t>(std::stoi(m[1]));
      else std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    INFO(read_all(log));
    REQUIRE(port != 0);
  }
  ~DaemonProcess() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  int terminate() {
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  void kill9() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }
};

}  // namespace conventiond::test
