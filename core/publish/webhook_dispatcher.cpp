#include <conventiond/publish/webhook_dispatcher.hpp>
#include <conventiond/model/timestamp.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
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
constexpr std::size_t kMaxLetterScan = 1000;  // dead letters read back when a sub starts
constexpr std::chrono::milliseconds kMaxStoreBackoff{30'000};  // between store retries

// Whether libcurl would send the deliveries through a proxy: then the daemon connects to the
// proxy only, and the connect-time address check would see the proxy's address.
bool proxy_in_effect(const WebhookOptions& o) {
  if (o.proxy) return !o.proxy->empty();
  for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') return true;
  }
  return false;
}

std::string connect_refusal(std::string_view address) {
  std::string why = forbidden_webhook_range(address);
  if (why.empty()) return why;
  return std::string(address) + " is in " + why;
}

std::string format_span(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms < 10'000) return std::to_string(ms) + "ms";
  const auto sec = ms / 1000;
  if (sec < 3600) return std::to_string(sec / 60) + "m" + std::to_string(sec % 60) + "s";
  return std::to_string(sec / 3600) + "h" + std::to_string((sec % 3600) / 60) + "m";
}

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
  if (!o.allow_private_targets && !proxy_in_effect(o)) p.connect_check = &connect_refusal;
  p.resolve = o.resolve;
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
    options_.max_attempts = std::max(0, options_.max_attempts);
    options_.retry_window = std::max(options_.retry_window, std::chrono::milliseconds(0));
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
    NewSubscription sealed = s;
    if (!s.secret.empty()) {
      auto box = options_.keyring.seal(s.secret);
      if (!box) return box.error();
      sealed.secret = std::move(*box);
    }
    auto created = store_.create_subscription(sealed);
    if (created) notify();
    return created;
  }

  Status resume(std::int64_t id) {
    Status st = store_.resume_subscription(id);
    if (st) notify();
    return st;
  }

  Result<std::string> rotate_secret(std::int64_t id, const std::string& secret,
                                    std::chrono::seconds overlap) {
    if (secret.empty()) return Error::make("invalid", "webhooks: a new secret may not be empty");
    if (overlap.count() < 0) return Error::make("invalid", "webhooks: a negative overlap");
    auto box = options_.keyring.seal(secret);
    if (!box) return box.error();
    const std::string until =
        overlap.count() == 0 ? std::string()
                             : format_rfc3339(std::chrono::floor<std::chrono::seconds>(
                                   std::chrono::system_clock::now() + overlap));
    if (Status st = store_.rotate_subscription_secret(id, *box, until); !st) return st.error();
    notify();
    return until;
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
    auto secret = open_secret((*sub)->id);
    if (!secret) return finish(secret.error());
    FetchRequest request = make_request((*sub)->url, *secret, (*letter)->seq,
                                        (*letter)->event_json);
    fetcher_.fetch(std::move(request), [weak = weak_from_this(), id, sub_id = (*sub)->id,
                                        seq = (*letter)->seq,
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
        else self->skip_if_stopped_at(sub_id, seq);
      }
      if (done) done(st);
    });
  }

  void ping(std::int64_t id, std::function<void(Result<WebhookDispatcher::PingOutcome>)> done) {
    using Outcome = WebhookDispatcher::PingOutcome;
    auto finish = [this, &done](Result<Outcome> r) {
      asio::post(io_, [weak = weak_from_this(), done = std::move(done), r = std::move(r)] {
        if (auto self = weak.lock(); self && !self->stopped_ && done) done(r);
      });
    };
    if (stopped_) return;
    auto sub = store_.subscription(id);
    if (!sub) return finish(sub.error());
    if (!*sub) {
      return finish(Error::make("not_found", "webhooks: no subscription " + std::to_string(id)));
    }
    auto secret = open_secret(id);
    if (!secret) return finish(secret.error());
    const std::string body = "{\"kind\":\"ping\",\"subscription_id\":" + std::to_string(id) +
                             ",\"created_at\":\"" + now_rfc3339() + "\"}";
    fetcher_.fetch(make_request((*sub)->url, *secret, 0, body),
                   [weak = weak_from_this(), done = std::move(done)](FetchResult r) {
                     auto self = weak.lock();
                     if (!self || self->stopped_ || !done) return;
                     Outcome o;
                     o.delivered = delivered(r);
                     o.http_status = r.status;
                     o.elapsed = r.elapsed;
                     if (!o.delivered) o.error = describe_failure(r);
                     done(o);
                   });
  }

  WebhookMetrics metrics() const { return metrics_; }

 private:
  enum class Phase { idle, busy, waiting };

  struct Sub {
    std::map<std::int64_t, std::int64_t> letters;  // seq -> id: dead letters after the cursor
    bool letters_loaded = false;
    Clock::time_point failing_since{};  // the first failure of the event at the queue's head
    Clock::time_point due{};            // the end of the current wait
    std::string url;
    std::vector<std::string> secrets;  // current first; the previous one during an overlap
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

  // The secrets a delivery is signed with, opened with the keyring: the current one, then the
  // previous one while its overlap lasts.
  Result<std::vector<std::string>> open_secret(std::int64_t id) {
    auto stored = store_.subscription_secrets(id);
    if (!stored) return stored.error();
    std::vector<std::string> out;
    auto open = [&](const std::string& sealed) -> Status {
      auto plain = options_.keyring.open(sealed);
      if (!plain) {
        return Error::make(plain.error().code, "webhooks: subscription " + std::to_string(id) +
                                                   ": " + plain.error().message);
      }
      if (!plain->empty()) out.push_back(std::move(*plain));
      return Status::success();
    };
    if (Status st = open(stored->current); !st) return st.error();
    const auto until = parse_rfc3339(stored->previous_until);
    if (!stored->previous.empty() && until && std::chrono::system_clock::now() < *until) {
      if (Status st = open(stored->previous); !st) return st.error();
    }
    return out;
  }

  // A dead letter of `sub_id` at `seq` was delivered by a replay: when it is the event the
  // (paused) subscription stopped at — no event its filter takes lies between its cursor and
  // `seq` — the cursor moves past it, so that a resume does not send it again.
  void skip_if_stopped_at(std::int64_t sub_id, std::int64_t seq) {
    auto row = store_.subscription(sub_id);
    if (!row || !*row || (*row)->cursor >= seq) return;
    if (seq - (*row)->cursor > static_cast<std::int64_t>(kMaxLetterScan)) return;
    auto events = store_.changes_since((*row)->cursor, static_cast<std::size_t>(seq - (*row)->cursor));
    if (!events) return;
    for (const ChangeEvent& e : *events) {
      if (e.seq >= seq) break;
      if (filter_accepts((*row)->filter, e)) return;  // not the head: leave the cursor
    }
    (void)store_.set_subscription_cursor(sub_id, seq);
  }

  // Reads back the dead letters after the cursor (those a resume delivers in order), once per
  // activation of the subscription.
  void load_letters(std::int64_t id, Sub& sub, std::int64_t cursor) {
    if (sub.letters_loaded) return;
    sub.letters.clear();
    std::int64_t after = 0;
    while (sub.letters.size() < kMaxLetterScan) {
      auto page = store_.dead_letters(id, after, 100);
      if (!page) return;  // tried again at the next refill
      for (const DeadLetter& d : *page) {
        if (d.seq > cursor) sub.letters[d.seq] = d.id;
        after = d.id;
      }
      if (page->size() < 100) break;
    }
    sub.letters_loaded = true;
  }

  // The event at the queue's head is given up: a dead letter, the subscription paused with its
  // cursor left before the event (a resume delivers it first, then those held after it).
  void give_up(std::int64_t id, Sub& sub, std::int64_t seq, const std::string& body,
               const std::string& error) {
    auto letter = store_.add_dead_letter(id, seq, body, error, sub.attempts);
    if (!letter) {
      if (letter.error().code == "not_found") {
        drop(id);
        return;
      }
      store_failed(id, sub);  // tried again, then dead-lettered once the store answers
      return;
    }
    ++metrics_.dead_lettered;
    drop(id);  // paused
  }

  FetchRequest make_request(const std::string& url, const std::vector<std::string>& secrets,
                            std::int64_t seq, const std::string& body) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const std::string timestamp =
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
    FetchRequest r(url, HttpMethod::post);
    r.body = body;
    r.headers = {{"Content-Type", "application/json"},
                 {"X-Conventiond-Event-Id", std::to_string(seq)},
                 {"X-Conventiond-Timestamp", timestamp},
                 {"Expect", ""}};  // no "100-continue" round trip
    // One signature per secret, comma-separated: during a rotation's overlap a receiver that
    // knows either secret finds its own.
    std::string signatures;
    for (const std::string& secret : secrets) {
      if (!signatures.empty()) signatures += ',';
      signatures += webhook_signature(secret, timestamp, body);
    }
    if (!signatures.empty()) r.headers.emplace_back("X-Conventiond-Signature", signatures);
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
    sub.due = Clock::now() + wait;
    arm_wait(id, sub);
  }

  // Sleeps until sub.due. Under leases it wakes up every ttl/3 to keep the lease, so that a
  // long backoff does not hand the subscription to another daemon (whose retries would start
  // over at once).
  void arm_wait(std::int64_t id, Sub& sub) {
    if (!sub.timer) sub.timer = std::make_shared<asio::steady_timer>(io_);
    auto until = sub.due;
    if (options_.leases) {
      const auto beat = std::max<std::chrono::milliseconds>(
          std::chrono::duration_cast<std::chrono::milliseconds>(options_.leases->ttl / 3),
          std::chrono::milliseconds(1));
      until = std::min(until, Clock::now() + beat);
    }
    sub.timer->expires_at(until);
    sub.timer->async_wait([weak = weak_from_this(), id](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock(); self && !self->stopped_) self->waited(id);
    });
  }

  void waited(std::int64_t id) {
    auto it = subs_.find(id);
    if (it == subs_.end()) return;
    Sub& sub = it->second;
    if (sub.phase == Phase::waiting && Clock::now() < sub.due) {
      if (!hold_lease(id, sub)) {
        sub.queue.clear();  // another daemon has it now
        sub.attempts = 0;
        sub.phase = Phase::idle;
        return;
      }
      arm_wait(id, sub);
      return;
    }
    pump(id);
  }

  // A store call failed: try again later, nothing skipped.
  void store_failed(std::int64_t id, Sub& sub) {
    ++sub.store_failures;
    wait_then_pump(id, sub, std::min(backoff(sub.store_failures), kMaxStoreBackoff));
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
      auto secret = open_secret(id);
      if (!secret) {
        if (secret.error().code == "unavailable" || secret.error().code == "invalid") {
          // A key is missing or the stored secret is damaged: nothing to retry until the
          // operator acts. Paused with the reason; the cursor stays.
          (void)store_.pause_subscription(id, secret.error().message);
          drop(id);
          return false;
        }
        store_failed(id, sub);
        return false;
      }
      load_letters(id, sub, (*row)->cursor);
      if (sub.attempts == 0 && (*row)->consecutive_failures > 0) {
        // Failing before this dispatcher took it (a restart, a lease taken over): the backoff
        // goes on from there; the window is counted from now.
        sub.attempts = static_cast<int>(std::min<std::int64_t>((*row)->consecutive_failures, 1'000'000));
        sub.failing_since = Clock::now();
      }
      sub.url = (*row)->url;
      sub.filter = (*row)->filter;
      sub.secrets = std::move(*secret);
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
    FetchRequest request = make_request(sub.url, sub.secrets, e.seq, body);
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
      if (auto letter = sub.letters.find(seq); letter != sub.letters.end()) {
        // The dead letter a resume has now delivered, in order.
        (void)store_.take_dead_letter(letter->second);
        sub.letters.erase(letter);
      }
      post_pump(id);
      return;
    }
    ++metrics_.failed_attempts;
    const auto now = Clock::now();
    if (sub.attempts == 0) sub.failing_since = now;
    ++sub.attempts;
    std::string error = describe_failure(r);
    const auto failing_for =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - sub.failing_since);
    if (r.error && r.error->code == fetch_error::forbidden) {
      ++metrics_.refused;
      give_up(id, sub, seq, body, error);  // not retried: the name points inside
      return;
    }
    if (failing_for >= options_.retry_window ||
        (options_.max_attempts > 0 && sub.attempts >= options_.max_attempts)) {
      give_up(id, sub, seq, body,
              error + " (gave up after " + std::to_string(sub.attempts) + " attempts in " +
                  format_span(failing_for) + ")");
      return;
    }
    if (Status st = store_.record_subscription_failure(id, error);
        !st && st.error().code == "not_found") {
      drop(id);
      return;
    }
    // The last attempt is made when the window ends, not after it.
    const auto left = options_.retry_window - failing_for;
    wait_then_pump(id, sub, std::clamp(backoff(sub.attempts), std::chrono::milliseconds(1), left));
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
Result<std::string> WebhookDispatcher::rotate_secret(std::int64_t id, const std::string& secret,
                                                     std::chrono::seconds overlap) {
  return impl_->rotate_secret(id, secret, overlap);
}
void WebhookDispatcher::replay_dead_letter(std::int64_t id, std::function<void(Status)> done) {
  impl_->replay(id, std::move(done));
}
void WebhookDispatcher::ping(std::int64_t id, std::function<void(Result<PingOutcome>)> done) {
  impl_->ping(id, std::move(done));
}
WebhookMetrics WebhookDispatcher::metrics() const { return impl_->metrics(); }

}  // namespace conventiond
