#pragma once
// systemd's notification protocol (sd_notify(3)), for `Type=notify` services: one datagram
// of "KEY=VALUE" lines per notification, sent to the unix socket named by $NOTIFY_SOCKET (a
// path, or "@name" in the abstract namespace). No libsystemd: the protocol is this datagram.
//
// `conventiond serve` sends READY=1 once the API listens and the jobs are scheduled,
// WATCHDOG=1 every half of $WATCHDOG_USEC (from the io thread, so a stuck daemon is
// restarted), RELOADING=1 then READY=1 around a SIGHUP reload, STOPPING=1 when it stops
// (docs/install.md).

#include <chrono>
#include <string>
#include <string_view>

#include <conventiond/result.hpp>

namespace conventiond {

class SystemdNotifier {
 public:
  SystemdNotifier() = default;  // disabled: notify() does nothing
  explicit SystemdNotifier(std::string socket, std::chrono::microseconds watchdog = {});

  // From $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID (the watchdog is ours only when
  // WATCHDOG_PID is unset or our pid). The three are then removed from the environment, so
  // that processes started later (workers) do not notify in our name. Call it at start-up,
  // before any thread exists.
  static SystemdNotifier from_environment();

  bool enabled() const noexcept { return !socket_.empty(); }
  // The watchdog period systemd expects pings within; 0 when there is none.
  std::chrono::microseconds watchdog() const noexcept { return watchdog_; }
  // Sends state (e.g. "READY=1\nSTATUS=listening") as one datagram; success when disabled.
  Status notify(std::string_view state) const;

 private:
  std::string socket_;
  std::chrono::microseconds watchdog_{0};
};

}  // namespace conventiond
