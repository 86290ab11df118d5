#include "change_hub.hpp"

#include <boost/json.hpp>

#include <conventiond/http/response.hpp>
#include <conventiond/publish/change_event_json.hpp>

namespace conventiond {

namespace json = boost::json;

struct ChangeHub::Waiter {
  std::int64_t since = 0;
  std::size_t limit = 100;
  http::Responder responder;
  std::unique_ptr<boost::asio::steady_timer> timer;
  bool done = false;
};

struct ChangeHub::Subscriber {
  std::int64_t cursor = 0;
  http::Stream stream;
  std::chrono::milliseconds heartbeat{15'000};
  std::chrono::steady_clock::time_point last_write = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> stalled_since;
  bool closed = false;
};

ChangeHub::ChangeHub(boost::asio::io_context& io, Store& store, ChangeHubOptions options,
                     std::function<void(std::string)> log)
    : io_(io), store_(store), options_(options), log_(std::move(log)), timer_(io) {}

ChangeHub::~ChangeHub() { *alive_ = false; }

void ChangeHub::start() {
  if (auto l = store_.latest_seq()) latest_ = *l;
  schedule_tick();
}

void ChangeHub::stop() {
  stopped_ = true;
  timer_.cancel();
  for (auto& w : waiters_) {
    if (w->done) continue;
    w->done = true;
    if (w->timer) w->timer->cancel();
    w->responder.send(http::json_response(
        200, json::object{{"events", json::array{}}, {"next_cursor", w->since}, {"latest_seq", latest_}}));
  }
  waiters_.clear();
  for (auto& s : streams_) {
    s->closed = true;
    s->stream.close();
  }
  streams_.clear();
}

void ChangeHub::schedule_tick() {
  if (stopped_) return;
  timer_.expires_after(options_.poll);
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    tick();
    schedule_tick();
  });
}

void ChangeHub::notify() {
  if (stopped_) return;
  tick();
}

std::optional<http::Response> ChangeHub::expired_cursor(std::int64_t since) {
  // A cursor ahead of the log (a store restored from an older backup, a typo): 400 with the
  // latest seq, as a field, so that a consumer can tell it from a cursor it may keep.
  auto latest = store_.latest_seq();
  if (latest && since > *latest) {
    auto r = http::json_error(400, "cursor_ahead",
                              "since " + std::to_string(since) + " is beyond the latest seq " +
                                  std::to_string(*latest) +
                                  ": resync from /v1/conventions (its as_of_seq), then follow");
    auto body = boost::json::parse(r.body).as_object();
    body["error"].as_object()["latest_seq"] = *latest;
    r.body = boost::json::serialize(body);
    return r;
  }
  auto oldest = store_.oldest_seq();
  if (!oldest || *oldest == 0) return std::nullopt;
  if (since + 1 < *oldest) {
    auto r = http::json_error(
        410, "cursor_expired",
        "events after seq " + std::to_string(since) + " are no longer retained (the oldest is " +
            std::to_string(*oldest) + "): resync from /v1/conventions, then follow from seq " +
            std::to_string(*oldest - 1));
    auto body = boost::json::parse(r.body).as_object();
    auto& error = body["error"].as_object();
    error["oldest_seq"] = *oldest;
    error["resume_from"] = *oldest - 1;  // the `since` that follows on from the oldest event
    r.body = boost::json::serialize(body);
    return r;
  }
  return std::nullopt;
}

void ChangeHub::answer(Waiter& w, std::vector<ChangeEvent> events) {
  if (w.done) return;
  w.done = true;
  if (w.timer) w.timer->cancel();
  // The events as every publisher writes them (change_event_json), the record verbatim.
  const std::int64_t next = events.empty() ? w.since : events.back().seq;
  http::Response r;
  r.body = "{\"events\":" + change_events_json_array(events) + ",\"next_cursor\":" +
           std::to_string(next) + ",\"latest_seq\":" + std::to_string(std::max(latest_, next)) + "}";
  w.responder.send(std::move(r));
}

void ChangeHub::wait_for_changes(std::int64_t since, std::size_t limit,
                                 std::chrono::milliseconds wait, http::Responder responder) {
  auto events = store_.changes_since(since, limit);
  if (!events) {
    responder.send(http::json_error(503, "store_unavailable", "changes: " + events.error().message));
    return;
  }
  auto w = std::make_shared<Waiter>();
  w->since = since;
  w->limit = limit;
  w->responder = responder;
  if (!events->empty() || wait.count() <= 0 || stopped_) {
    answer(*w, std::move(*events));
    return;
  }
  w->timer = std::make_unique<boost::asio::steady_timer>(io_);
  w->timer->expires_after(wait);
  std::weak_ptr<Waiter> weak = w;
  w->timer->async_wait([this, weak, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    if (auto sw = weak.lock()) {
      answer(*sw, {});
      waiters_.remove(sw);
    }
  });
  responder.on_close([this, weak, alive = alive_](const Error&) {
    if (!*alive) return;
    if (auto sw = weak.lock()) {
      sw->done = true;
      if (sw->timer) sw->timer->cancel();
      waiters_.remove(sw);
    }
  });
  waiters_.push_back(std::move(w));
}

void ChangeHub::add_stream(std::int64_t since, std::chrono::milliseconds heartbeat,
                           http::Responder responder) {
  http::StreamOptions so;
  so.max_buffered_bytes = options_.stream_buffer_bytes;
  auto s = std::make_shared<Subscriber>();
  s->cursor = since;
  s->heartbeat = heartbeat;
  s->stream = responder.start_stream(200, {{"Content-Type", "text/event-stream; charset=utf-8"},
                                           {"Cache-Control", "no-cache"},
                                           {"X-Accel-Buffering", "no"}},
                                     so);
  if (!s->stream.is_open()) return;
  std::weak_ptr<Subscriber> weak = s;
  s->stream.on_close([this, weak, alive = alive_](const Error& why) {
    if (!*alive) return;
    if (auto ss = weak.lock()) {
      ss->closed = true;
      if (why.code == http::close_reason::overflow) {
        ++dropped_;
        if (log_) log_("change stream dropped: the subscriber is too slow (" + why.message + ")");
      }
      streams_.remove(ss);
    }
  });
  s->stream.write("retry: 5000\n: conventiond change stream from seq " + std::to_string(since) + "\n\n");
  streams_.push_back(s);
  pump(*s);
  frames_read_.clear();
}

void ChangeHub::pump(Subscriber& s) {
  if (s.closed || !s.stream.is_open()) return;
  // Read the log in batches while the subscriber keeps up (its unread bytes stay under half
  // the buffer). One that leaves them above that for stall_timeout is told why and dropped,
  // so it never slows the others or grows memory.
  const std::size_t high_water = options_.stream_buffer_bytes / 2;
  const auto now = std::chrono::steady_clock::now();
  if (s.stream.buffered_bytes() > high_water) {
    if (!s.stalled_since) s.stalled_since = now;
    if (now - *s.stalled_since >= options_.stall_timeout) {
      ++dropped_;
      s.stream.write("event: dropped\ndata: {\"reason\":\"slow subscriber: more than " +
                     std::to_string(high_water) + " bytes unread for " +
                     std::to_string(options_.stall_timeout.count()) +
                     " ms; reconnect with Last-Event-ID " + std::to_string(s.cursor) + "\"}\n\n");
      s.closed = true;
      s.stream.close();
      if (log_) log_("change stream dropped at seq " + std::to_string(s.cursor) + ": slow subscriber");
    }
    return;
  }
  s.stalled_since.reset();
  for (int round = 0; round < 10 && s.stream.buffered_bytes() <= high_water; ++round) {
    const auto batch = frames_after(s.cursor);
    if (!batch || batch->frames.empty()) break;
    for (const auto& [seq, frame] : batch->frames) {
      if (!s.stream.write(frame)) return;
      s.cursor = seq;
      s.last_write = std::chrono::steady_clock::now();
      if (s.stream.buffered_bytes() > high_water) break;
    }
    if (!batch->full) break;
  }
  if (std::chrono::steady_clock::now() - s.last_write >= s.heartbeat) {
    s.stream.write(": heartbeat\n\n");
    s.last_write = std::chrono::steady_clock::now();
  }
}

std::shared_ptr<const ChangeHub::Frames> ChangeHub::frames_after(std::int64_t since) {
  if (auto it = frames_read_.find(since); it != frames_read_.end()) return it->second;
  auto events = store_.changes_since(since, options_.batch);
  if (!events) return nullptr;
  auto out = std::make_shared<Frames>();
  out->full = events->size() >= options_.batch;
  out->frames.reserve(events->size());
  for (const ChangeEvent& e : *events) {
    out->frames.emplace_back(e.seq, "id: " + std::to_string(e.seq) + "\nevent: " + e.kind + "\ndata: " +
                                        change_event_json(e) + "\n\n");
  }
  frames_read_.emplace(since, out);
  return out;
}

void ChangeHub::tick() {
  if (stopped_) return;
  frames_read_.clear();  // each tick reads the log afresh (once per cursor)
  auto latest = store_.latest_seq();
  if (latest) {
    if (*latest > latest_ && options_.on_new_events) options_.on_new_events();
    latest_ = *latest;
  }
  // Waiters with events now.
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    auto w = *it;
    if (w->done) {
      it = waiters_.erase(it);
      continue;
    }
    if (latest_ > w->since) {
      auto events = store_.changes_since(w->since, w->limit);
      if (events && !events->empty()) {
        answer(*w, std::move(*events));
        it = waiters_.erase(it);
        continue;
      }
    }
    ++it;
  }
  // Streams: copy, since pump may drop one.
  std::vector<std::shared_ptr<Subscriber>> all(streams_.begin(), streams_.end());
  for (auto& s : all) {
    if (s->closed) {
      streams_.remove(s);
      continue;
    }
    pump(*s);
    if (s->closed) streams_.remove(s);
  }
  frames_read_.clear();
}

}  // namespace conventiond
