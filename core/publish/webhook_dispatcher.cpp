#include <conventiond/publish/webhook_dispatcher.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <conventiond/fetch/fetcher.hpp>
#include <conventiond/publish/change_event_json.hpp>
#include <conventiond/publish/event_filter.hpp>
#include <conventiond/publish/webhook_signature.hpp>
#include <conventiond/publish/webhook_url.hpp>

namespace conventiond {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxErrorBytes = 500;
constexpr int kMaxFilterRounds = 16;  // batches skipped by a filter before yielding

FetchPolicy policy_for(const WebhookOptions& o) {
  FetchPolicy p;
  if (!o.user_agent.empty()) p.user_agent = o.user_agent;
  p.max_concurrent = std::max<std::size_t>(1, o.max_concurrent);
  p.max_concurrent_per_host = p.max_concurrent;
  p.per_host_min_delay = std::chrono::milliseconds(0);
  p.total_timeout = o.timeout;
  p.connect_timeout = std::min(o.timeout, std::chrono::milliseconds(10'000));
  p.max_body_bytes = std::size_t{1} << 20;  // the receiver's answer is not used
  p.max_redirects = 0;                      // a redirect is a failure (no SSRF by redirect)
  p.allow_http = true;
  p.allow_https = true;
  p.allow_file = false;
  p.max_attempts = 1;  // the dispatcher retries, with its own backoff
  p.honour_robots = false;
  p.proxy = o.proxy;
  return p;
}

std::string cut(std::string s) {
  if (s.size() > kMaxErrorBytes) s.resize(kMaxErrorBytes);
  return s;
}

// What a failed attempt says about itself, for last_error and the dead letters.
std::string describe_failure(const FetchResult& r) {
  if (r.error) {
    if (r.status > 0) return cut("HTTP " + std::to_string(r.status) + ": " + r.error->message);
    return cut(r.error->code + ": " + r.error->message);
  }
  return "HTTP " + std::to_string(r.status) + " (not 2xx)";
}

bool delivered(const FetchResult& r) { return !r.error && r.status >= 200 && r.status < 300; }

}  // namespace

class WebhookDispatcher::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, Store& store, WebhookOptions options)
      : io_(io),
        store_(store),
        options_(std::move(options)),
        fetcher_(io, policy_for(options_)),
        poll_(io),
        rng_(std::random_device{}()) {
    options_.max_attempts = std::max(1, options_.max_attempts);
    options_.batch_size = std::max<std::size_t>(1, options_.batch_size);
  }

  void start() {
    if (started_ || stopped_) return;
    started_ = true;
    scan();
    arm_poll();
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    poll_.cancel();
    for (auto& [id, sub] : subs_) {
      if (sub.timer) sub.timer->cancel();
      if (sub.lease_held && options_.leases)
        (void)store_.release_lease(lease_name(id), options_.leases->owner);
    }
    subs_.clear();
    fetcher_.stop();  // its callbacks find stopped_ (or this gone) and do nothing
  }

  void notify() {
    if (notify_pending_.exchange(true)) return;
    asio::post(io_, [weak = weak_from_this()] {
      if (auto self = weak.lock()) {
        self->notify_pending_ = false;
        if (self->started_ && !self->stopped_) self->scan();
      }
    });
  }

  Result<Subscription> subscribe(const NewSubscription& s) {
    if (Status st = check_webhook_url(s.url, options_.allow_private_targets); !st)
      return st.error();
    auto created = store_.create_subscription(s);
    if (created) notify();
    return created;
  }

  Status resume(std::int64_t id) {
    Status st = store_.resume_subscription(id);
    if (st) notify();
    return st;
  }

  void replay(std::int64_t id, std::function<void(Status)> done) {
    auto finish = [this, &done](Status st) {
      asio::post(io_, [weak = weak_from_this(), done = std::move(done), st = std::move(st)] {
        if (auto self = weak.lock(); self && !self->stopped_ && done) done(st);
      });
    };
    if (stopped_) return;
    auto letter = store_.dead_letter(id);
    if (!letter) return finish(letter.error());
    if (!*letter) {
      return finish(
          Error::make("not_found", "webhooks: dead letter " + std::to_string(id) + " not found"));
    }
    auto sub = store_.subscription((*letter)->subscription_id);
    if (!sub) return finish(sub.error());
    if (!*sub) {
      return finish(Error::make("not_found", "webhooks: the subscription of dead letter " +
                                                 std::to_string(id) + " is gone"));
    }
    auto secret = store_.subscription_secret((*sub)->id);
    if (!secret) return finish(secret.error());
    FetchRequest request = make_request((*sub)->url, *secret, (*letter)->seq,
                                        (*letter)->event_json);
    fetcher_.fetch(std::move(request), [weak = weak_from_this(), id,
                                        done = std::move(done)](FetchResult r) {
      auto self = weak.lock();
      if (!self || self->stopped_) return;
      Status st = Status::success();
      if (!delivered(r)) {
        st = Error::make("delivery", "webhooks: replay of dead letter " + std::to_string(id) +
                                         ": " + describe_failure(r));
      } else {
        ++self->metrics_.replayed;
        auto taken = self->store_.take_dead_letter(id);
        if (!taken) st = taken.error();
      }
      if (done) done(st);
    });
  }

  WebhookMetrics metrics() const { return metrics_; }

 private:
  enum class Phase { idle, busy, waiting };

  struct Sub {
    std::string url;
    std::string secret;
    SubscriptionFilter filter;
    std::deque<ChangeEvent> queue;  // events to deliver, in seq order
    std::int64_t batch_end = 0;     // the last seq read: the cursor once the queue is empty
    int attempts = 0;               // failures of the event at the queue's head
    int store_failures = 0;         // consecutive store errors
    Phase phase = Phase::idle;
    bool in_flight = false;  // a POST of the queue's head is in flight
    bool gone = false;  // deleted or paused while a delivery was in flight
    bool lease_held = false;
    Clock::time_point lease_renewed{};
    std::shared_ptr<asio::steady_timer> timer;
  };

  static std::string lease_name(std::int64_t id) { return "webhook:" + std::to_string(id); }

  FetchRequest make_request(const std::string& url, const std::string& secret, std::int64_t seq,
                            const std::string& body) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const std::string timestamp =
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
    FetchRequest r(url, HttpMethod::post);
    r.body = body;
    r.headers = {{"Content-Type", "application/json"},
                 {"X-Conventiond-Event-Id", std::to_string(seq)},
                 {"X-Conventiond-Timestamp", timestamp},
                 {"Expect", ""}};  // no "100-continue" round trip
    if (!secret.empty())
      r.headers.emplace_back("X-Conventiond-Signature", webhook_signature(secret, timestamp, body));
    return r;
  }

  std::chrono::milliseconds backoff(int failures) {
    const double base = static_cast<double>(options_.backoff_base.count());
    const double cap = static_cast<double>(options_.backoff_max.count());
    const double wait = std::min(cap, base * std::pow(2.0, std::max(0, failures - 1)));
    const double jitter = std::clamp(options_.jitter, 0.0, 1.0);
    std::uniform_real_distribution<double> d(wait * (1.0 - jitter), wait);
    return std::chrono::milliseconds(static_cast<std::int64_t>(jitter > 0 ? d(rng_) : wait));
  }

  void arm_poll() {
    if (stopped_) return;
    poll_.expires_after(options_.poll_interval);
    poll_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock(); self && !self->stopped_) {
        self->scan();
        self->arm_poll();
      }
    });
  }

  // Takes in every active subscription, drops the others, and pumps the idle ones.
  void scan() {
    if (stopped_) return;
    auto list = store_.subscriptions();
    if (!list) return;  // the next poll tries again
    std::set<std::int64_t> active;
    std::vector<std::int64_t> to_pump;
    for (const Subscription& s : *list) {
      if (s.status != SubscriptionStatus::active) continue;
      active.insert(s.id);
      Sub& sub = subs_[s.id];
      if (sub.phase == Phase::idle) to_pump.push_back(s.id);
    }
    std::vector<std::int64_t> gone;
    for (auto& [id, sub] : subs_) {
      if (active.count(id) == 0) gone.push_back(id);
    }
    for (std::int64_t id : gone) {
      Sub& sub = subs_[id];
      if (sub.phase == Phase::busy)
        sub.gone = true;  // dropped when its delivery (or pending step) ends
      else
        drop(id);
    }
    for (std::int64_t id : to_pump) pump(id);
  }

  void drop(std::int64_t id) {
    auto it = subs_.find(id);
    if (it == subs_.end()) return;
    if (it->second.timer) it->second.timer->cancel();
    if (it->second.lease_held && options_.leases)
      (void)store_.release_lease(lease_name(id), options_.leases->owner);
    subs_.erase(it);
  }

  void post_pump(std::int64_t id) {
    asio::post(io_, [weak = weak_from_this(), id] {
      if (auto self = weak.lock(); self && !self->stopped_) self->pump(id);
    });
  }

  void wait_then_pump(std::int64_t id, Sub& sub, std::chrono::milliseconds wait) {
    sub.phase = Phase::waiting;
    if (!sub.timer) sub.timer = std::make_shared<asio::steady_timer>(io_);
    sub.timer->expires_after(wait);
    sub.timer->async_wait([weak = weak_from_this(), id](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock(); self && !self->stopped_) self->pump(id);
    });
  }

  // A store call failed: try again later, nothing skipped.
  void store_failed(std::int64_t id, Sub& sub) {
    ++sub.store_failures;
    wait_then_pump(id, sub, backoff(sub.store_failures));
  }

  bool hold_lease(std::int64_t id, Sub& sub) {
    if (!options_.leases) return true;
    const auto now = Clock::now();
    if (sub.lease_held && now - sub.lease_renewed < options_.leases->ttl / 3) return true;
    auto held = store_.try_lease(lease_name(id), options_.leases->owner, options_.leases->ttl);
    sub.lease_held = held && *held;
    if (sub.lease_held) sub.lease_renewed = now;
    return sub.lease_held;
  }

  // Reads the next events after the subscription's cursor into its queue (skipping those its
  // filter excludes). False when it left the subscription idle, waiting, or dropped.
  bool refill(std::int64_t id, Sub& sub) {
    for (int round = 0; round < kMaxFilterRounds; ++round) {
      auto row = store_.subscription(id);
      if (!row) {
        store_failed(id, sub);
        return false;
      }
      if (!*row || (*row)->status != SubscriptionStatus::active) {
        drop(id);
        return false;
      }
      auto secret = store_.subscription_secret(id);
      if (!secret) {
        store_failed(id, sub);
        return false;
      }
      sub.url = (*row)->url;
      sub.filter = (*row)->filter;
      sub.secret = std::move(*secret);
      auto events = store_.changes_since((*row)->cursor, options_.batch_size);
      if (!events) {
        store_failed(id, sub);
        return false;
      }
      sub.store_failures = 0;
      if (events->empty()) {
        sub.phase = Phase::idle;
        return false;
      }
      sub.batch_end = events->back().seq;
      for (ChangeEvent& e : *events) {
        if (filter_accepts(sub.filter, e))
          sub.queue.push_back(std::move(e));
        else
          ++metrics_.filtered;
      }
      if (!sub.queue.empty()) return true;
      if (Status st = store_.set_subscription_cursor(id, sub.batch_end); !st) {
        store_failed(id, sub);
        return false;
      }
    }
    post_pump(id);  // a long run of filtered events: let others run, then go on
    sub.phase = Phase::busy;
    return false;
  }

  void pump(std::int64_t id) {
    if (stopped_) return;
    auto it = subs_.find(id);
    if (it == subs_.end()) return;
    Sub& sub = it->second;
    if (sub.in_flight) return;
    if (sub.gone) {
      drop(id);
      return;
    }
    sub.phase = Phase::busy;
    if (!hold_lease(id, sub)) {
      // Another daemon delivers it (or the store is down): look again at the next poll.
      sub.queue.clear();
      sub.attempts = 0;
      sub.phase = Phase::idle;
      return;
    }
    if (sub.queue.empty() && !refill(id, sub)) return;
    send(id, sub);
  }

  void send(std::int64_t id, Sub& sub) {
    const ChangeEvent& e = sub.queue.front();
    std::string body = change_event_json(e);
    FetchRequest request = make_request(sub.url, sub.secret, e.seq, body);
    sub.in_flight = true;
    fetcher_.fetch(std::move(request), [weak = weak_from_this(), id, seq = e.seq,
                                        body = std::move(body)](FetchResult r) {
      if (auto self = weak.lock(); self && !self->stopped_) self->on_result(id, seq, body, r);
    });
  }

  void on_result(std::int64_t id, std::int64_t seq, const std::string& body,
                 const FetchResult& r) {
    auto it = subs_.find(id);
    if (it == subs_.end()) return;
    Sub& sub = it->second;
    sub.in_flight = false;
    if (sub.gone) {
      drop(id);
      return;
    }
    if (sub.queue.empty() || sub.queue.front().seq != seq) return;  // not ours any more
    if (delivered(r)) {
      ++metrics_.delivered;
      sub.queue.pop_front();
      sub.attempts = 0;
      const std::int64_t cursor = sub.queue.empty() ? std::max(seq, sub.batch_end) : seq;
      if (Status st = store_.set_subscription_cursor(id, cursor); !st) {
        if (st.error().code == "not_found") {
          drop(id);
          return;
        }
        // Not recorded: the event may come again after a restart (at least once).
      }
      post_pump(id);
      return;
    }
    ++metrics_.failed_attempts;
    ++sub.attempts;
    const std::string error = describe_failure(r);
    if (sub.attempts >= options_.max_attempts) {
      auto letter = store_.add_dead_letter(id, seq, body, error, sub.attempts);
      if (letter) {
        ++metrics_.dead_lettered;
        drop(id);  // paused
        return;
      }
      if (letter.error().code == "not_found") {
        drop(id);
        return;
      }
      store_failed(id, sub);  // tried again, then dead-lettered once the store answers
      return;
    }
    if (Status st = store_.record_subscription_failure(id, error);
        !st && st.error().code == "not_found") {
      drop(id);
      return;
    }
    wait_then_pump(id, sub, backoff(sub.attempts));
  }

  asio::io_context& io_;
  Store& store_;
  WebhookOptions options_;
  Fetcher fetcher_;
  asio::steady_timer poll_;
  std::mt19937_64 rng_;
  std::map<std::int64_t, Sub> subs_;
  WebhookMetrics metrics_;
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<bool> notify_pending_{false};
};

WebhookDispatcher::WebhookDispatcher(asio::io_context& io, Store& store, WebhookOptions options)
    : impl_(std::make_shared<Impl>(io, store, std::move(options))) {}

WebhookDispatcher::~WebhookDispatcher() {
  if (impl_) impl_->stop();
}

void WebhookDispatcher::start() { impl_->start(); }
void WebhookDispatcher::stop() { impl_->stop(); }
void WebhookDispatcher::notify() { impl_->notify(); }
Result<Subscription> WebhookDispatcher::subscribe(const NewSubscription& s) {
  return impl_->subscribe(s);
}
Status WebhookDispatcher::resume(std::int64_t id) { return impl_->resume(id); }
void WebhookDispatcher::replay_dead_letter(std::int64_t id, std::function<void(Status)> done) {
  impl_->replay(id, std::move(done));
}
WebhookMetrics WebhookDispatcher::metrics() const { return impl_->metrics(); }

}  // namespace conventiond
