#include <conventiond/daemon/systemd_notify.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace conventiond {

SystemdNotifier::SystemdNotifier(std::string socket, std::chrono::microseconds watchdog)
    : socket_(std::move(socket)), watchdog_(watchdog) {}

SystemdNotifier SystemdNotifier::from_environment() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  std::chrono::microseconds watchdog{0};
  if (usec != nullptr) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(usec, &end, 10);
    const bool ours = pid == nullptr || std::strtoll(pid, nullptr, 10) == ::getpid();
    if (end != usec && *end == '\0' && ours && v > 0) {
      watchdog = std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(v));
    }
  }
  SystemdNotifier n(socket != nullptr ? std::string(socket) : std::string(), watchdog);
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  return n;
}

Status SystemdNotifier::notify(std::string_view state) const {
  if (socket_.empty()) return Status::success();
  if ((socket_[0] != '/' && socket_[0] != '@') || socket_.size() < 2) {
    return Error::make("systemd", "NOTIFY_SOCKET '" + socket_ +
                                      "' is neither a path nor an abstract socket (@name)");
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_.size() >= sizeof addr.sun_path) {
    return Error::make("systemd", "NOTIFY_SOCKET is too long");
  }
  std::memcpy(addr.sun_path, socket_.data(), socket_.size());
  if (socket_[0] == '@') addr.sun_path[0] = '\0';  // the abstract namespace
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size() +
                                          (socket_[0] == '@' ? 0 : 1));
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::make("systemd", std::string("socket: ") + std::strerror(errno));
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&addr), len);
  const int saved = errno;
  ::close(fd);
  if (sent < 0 || static_cast<std::size_t>(sent) != state.size()) {
    return Error::make("systemd", "notify " + socket_ + ": " +
                                      (sent < 0 ? std::strerror(saved) : "short write"));
  }
  return Status::success();
}

}  // namespace conventiond
