#pragma once
// Delivers the change log to sink plugins (kind "sink"): each binding is a named plugin
// instance with its own durable cursor, the store's consumer cursor "sink:<name>".
//
// Per sink, on a worker thread of its own (plugin calls may block): read the events after the
// cursor (at most batch_size), call deliver() with them as a JSON array of
// change_event_json() objects, and advance the cursor to the last one only when deliver()
// succeeded. A failure is retried after an exponential backoff with jitter, with the same
// events (never skipped). At least once: a batch delivered but not yet recorded when the
// daemon stops comes again. A new sink (no cursor yet) starts from the oldest retained event.
//
// No callback after stop(); stop() waits for the deliver() calls in progress to return.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/plugin_host/plugin_instance.hpp>
#include <conventiond/publish/lease_options.hpp>
#include <conventiond/result.hpp>
#include <conventiond/store/store.hpp>

namespace boost::asio {
class io_context;
}

namespace conventiond {

struct SinkBinding {
  std::string name;  // the consumer cursor is "sink:<name>"
  PluginInstance instance;
};

struct SinkOptions {
  std::size_t batch_size = 100;                   // events per deliver()
  std::chrono::milliseconds poll_interval{5'000};  // an idle sink looks for new events
  std::chrono::milliseconds backoff_base{1'000};   // wait after failure n: base * 2^(n-1)...
  std::chrono::milliseconds backoff_max{300'000};  // ...capped here...
  double jitter = 0.5;                             // ...drawn in [wait * (1 - jitter), wait]
  std::optional<LeaseOptions> leases;  // several daemons: deliver only under "sink:<name>"
  // Called on the io_context after each failed deliver() or store call (for the log).
  std::function<void(std::string_view sink, const Error& error)> on_error;
};

struct SinkState {
  std::string name;
  std::int64_t cursor = 0;         // the last seq delivered (as this process knows it)
  std::uint64_t delivered = 0;     // events delivered by this process
  std::uint64_t batches = 0;       // successful deliver() calls
  std::uint64_t failures = 0;      // failed deliver() or store calls
  std::int64_t consecutive_failures = 0;
  std::string last_error;
};

class SinkDispatcher {
 public:
  SinkDispatcher(boost::asio::io_context& io, Store& store, std::vector<SinkBinding> sinks,
                 SinkOptions options = {});
  ~SinkDispatcher();  // stop()
  SinkDispatcher(const SinkDispatcher&) = delete;
  SinkDispatcher& operator=(const SinkDispatcher&) = delete;

  // Starts one worker thread per sink.
  void start();
  // Stops the workers (after the deliver() calls in progress) and releases leases held.
  // Idempotent; the dispatcher cannot be started again.
  void stop();
  // New events were appended: idle sinks look now instead of at the next poll. Thread-safe.
  void notify();

  // A snapshot of every sink's state, in binding order. Thread-safe.
  std::vector<SinkState> states() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace conventiond
