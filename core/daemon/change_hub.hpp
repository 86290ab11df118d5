#pragma once
// The change feed's consumers inside the daemon: long-poll waiters of GET /v1/changes and the
// Server-Sent Events streams of GET /v1/changes/stream. Runs on the io thread. It polls the
// store's latest seq (other daemons may write the log too) and is poked when a local run ends.

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <conventiond/http/responder.hpp>
#include <conventiond/store/store.hpp>

namespace conventiond {

struct ChangeHubOptions {
  std::chrono::milliseconds poll{100};  // how often the store's latest seq is read
  std::size_t stream_buffer_bytes = 1u << 20;  // most bytes queued for one subscriber
  // A subscriber that leaves more than half of that unread for this long is dropped.
  std::chrono::milliseconds stall_timeout{10'000};
  std::size_t batch = 100;
  std::function<void()> on_new_events;  // the latest seq moved (webhooks, sinks)
};

class ChangeHub {
 public:
  ChangeHub(boost::asio::io_context& io, Store& store, ChangeHubOptions options,
            std::function<void(std::string)> log);
  ~ChangeHub();

  void start();
  void stop();    // answers waiters, ends streams
  void notify();  // new events may be in the log: check now

  // GET /v1/changes: answers now when events exist after `since`, else waits up to `wait`.
  void wait_for_changes(std::int64_t since, std::size_t limit, std::chrono::milliseconds wait,
                        http::Responder responder);
  // GET /v1/changes/stream: an SSE stream from `since`, with a heartbeat.
  void add_stream(std::int64_t since, std::chrono::milliseconds heartbeat, http::Responder responder);

  std::size_t streams() const { return streams_.size(); }
  std::size_t waiters() const { return waiters_.size(); }
  std::uint64_t dropped() const { return dropped_; }

  // The error answered to a cursor older than what the log retains (410, with oldest_seq and
  // resume_from) or beyond its latest seq (400 cursor_ahead, with latest_seq), or nullopt.
  std::optional<http::Response> expired_cursor(std::int64_t since);

 private:
  struct Waiter;
  struct Subscriber;
  void tick();
  void schedule_tick();
  void answer(Waiter& w, std::vector<ChangeEvent> events);
  void pump(Subscriber& s);
  // The SSE frames of the events after `since` (at most options_.batch), read once per tick
  // whatever the number of streams at that cursor; null when the store fails.
  struct Frames {
    std::vector<std::pair<std::int64_t, std::string>> frames;  // seq, "id: ...\n\n"
    bool full = false;  // a whole batch: more may follow
  };
  std::shared_ptr<const Frames> frames_after(std::int64_t since);

  boost::asio::io_context& io_;
  Store& store_;
  ChangeHubOptions options_;
  std::function<void(std::string)> log_;
  boost::asio::steady_timer timer_;
  std::list<std::shared_ptr<Waiter>> waiters_;
  std::list<std::shared_ptr<Subscriber>> streams_;
  std::map<std::int64_t, std::shared_ptr<const Frames>> frames_read_;  // this tick's, by cursor
  std::int64_t latest_ = 0;
  std::uint64_t dropped_ = 0;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace conventiond
