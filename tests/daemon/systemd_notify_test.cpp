// systemd's notification protocol: SystemdNotifier alone, then `conventiond serve` as systemd
// runs a Type=notify service (NOTIFY_SOCKET, WATCHDOG_USEC): READY=1 once listening,
// WATCHDOG=1 pings, RELOADING=1 / READY=1 around SIGHUP, STOPPING=1 on SIGTERM.
#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <conventiond/daemon/systemd_notify.hpp>

#include "../support/daemon_process.hpp"

using namespace conventiond;
namespace fs = std::filesystem;

namespace {

// A unix datagram socket bound to a path (or to an abstract name), as systemd's.
struct NotifySocket {
  int fd = -1;
  std::string name;  // what NOTIFY_SOCKET says: the path, or "@name"

  explicit NotifySocket(std::string n) : name(std::move(n)) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(name.size() < sizeof addr.sun_path);
    std::memcpy(addr.sun_path, name.data(), name.size());
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + 1);
    if (name[0] == '@') {
      addr.sun_path[0] = '\0';
      len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    } else {
      ::unlink(name.c_str());
    }
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) == 0);
  }
  ~NotifySocket() {
    ::close(fd);
    if (name[0] != '@') ::unlink(name.c_str());
  }
  // The next datagram, or nullopt after timeout.
  std::optional<std::string> receive(std::chrono::milliseconds timeout) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
  }
  // Datagrams until one contains `what` (those before it are skipped, e.g. watchdog pings).
  std::optional<std::string> wait_for(const std::string& what, std::chrono::milliseconds timeout,
                                      std::string* seen = nullptr) const {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      auto m = receive(left);
      if (!m) return std::nullopt;
      if (seen != nullptr) *seen += *m + "|";
      if (m->find(what) != std::string::npos) return m;
    }
    return std::nullopt;
  }
};

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("cvd-notify-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("SystemdNotifier sends one datagram to a socket path or an abstract socket", "[systemd]") {
  const fs::path dir = temp_dir("unit");
  for (const std::string& name :
       {(dir / "notify").string(), "@cvd-notify-test-" + std::to_string(::getpid())}) {
    NotifySocket sock(name);
    const SystemdNotifier n(name, std::chrono::seconds(3));
    CHECK(n.enabled());
    CHECK(n.watchdog() == std::chrono::seconds(3));
    REQUIRE(n.notify("READY=1\nSTATUS=up"));
    CHECK(sock.receive(std::chrono::seconds(2)) == std::optional<std::string>("READY=1\nSTATUS=up"));
  }
  // No socket there: an error, as a value.
  const SystemdNotifier missing((dir / "nobody").string());
  const Status s = missing.notify("READY=1");
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error().message, Catch::Contains("nobody"));
  // Disabled: nothing to do, success.
  CHECK(SystemdNotifier().notify("READY=1"));
  CHECK_FALSE(SystemdNotifier().enabled());
  fs::remove_all(dir);
}

TEST_CASE("SystemdNotifier::from_environment takes the variables out of the environment", "[systemd]") {
  ::setenv("NOTIFY_SOCKET", "/run/x/notify", 1);
  ::setenv("WATCHDOG_USEC", "5000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  const SystemdNotifier n = SystemdNotifier::from_environment();
  CHECK(n.enabled());
  CHECK(n.watchdog() == std::chrono::seconds(5));
  CHECK(std::getenv("NOTIFY_SOCKET") == nullptr);
  CHECK(std::getenv("WATCHDOG_USEC") == nullptr);
  CHECK(std::getenv("WATCHDOG_PID") == nullptr);
  // A watchdog meant for another process is not ours.
  ::setenv("NOTIFY_SOCKET", "/run/x/notify", 1);
  ::setenv("WATCHDOG_USEC", "5000000", 1);
  ::setenv("WATCHDOG_PID", "1", 1);
  CHECK(SystemdNotifier::from_environment().watchdog().count() == 0);
  CHECK_FALSE(SystemdNotifier::from_environment().enabled());  // already taken out
}

TEST_CASE("conventiond serve notifies systemd: ready, watchdog, reloading, stopping", "[systemd][daemon]") {
  const fs::path dir = temp_dir("serve");
  const fs::path config = dir / "c.toml";
  std::ofstream(config) << "[store]\nurl = \"sqlite:" << (dir / "s.db").string()
                        << "\"\n[http]\nlisten = \"127.0.0.1:0\"\n";
  NotifySocket sock((dir / "notify").string());
  // The child inherits them (fork + exec), as from systemd.
  ::setenv("NOTIFY_SOCKET", sock.name.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "400000", 1);  // pings every 200 ms
  ::unsetenv("WATCHDOG_PID");
  {
    test::DaemonProcess daemon(config, dir / "log.txt");  // returns once it logged "listening"
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    std::string seen;  // every datagram received, for the failure message
    const auto expect = [&](const std::string& what) {
      auto m = sock.wait_for(what, std::chrono::seconds(10), &seen);
      INFO("waiting for " << what << "; datagrams: " << seen << "\nlog:\n" << test::read_all(dir / "log.txt"));
      REQUIRE(m);
      return *m;
    };
    CHECK_THAT(expect("READY=1"),
               Catch::Contains("STATUS=listening on 127.0.0.1:" + std::to_string(daemon.port)));
    // Pings, at half of WATCHDOG_USEC.
    expect("WATCHDOG=1");
    const auto t0 = std::chrono::steady_clock::now();
    expect("WATCHDOG=1");
    CHECK(std::chrono::steady_clock::now() - t0 > std::chrono::milliseconds(100));

    ::kill(daemon.pid, SIGHUP);
    CHECK_THAT(expect("RELOADING=1"), Catch::Contains("MONOTONIC_USEC="));
    expect("READY=1");

    ::kill(daemon.pid, SIGTERM);
    expect("STOPPING=1");
    int status = 0;
    REQUIRE(::waitpid(daemon.pid, &status, 0) == daemon.pid);
    daemon.pid = -1;
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  fs::remove_all(dir);
}
