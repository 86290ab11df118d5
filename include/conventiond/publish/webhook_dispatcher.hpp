#pragma once
// Delivers the change log to webhook subscriptions (docs/webhooks.md).
//
// Per subscription, in seq order, one delivery in flight at a time: the events after its
// cursor are read from the store in small batches; those its filter excludes are skipped (the
// cursor moves past them); each other one is POSTed as change_event_json() with the headers
//   Content-Type: application/json
//   X-Conventiond-Event-Id: <seq>
//   X-Conventiond-Timestamp: <Unix seconds>
//   X-Conventiond-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>  (when the
//                                                          subscription has a secret)
// A 2xx answer within `timeout` is a delivery: the cursor is persisted. Anything else (a
// connection refused or closed, a timeout, a 3xx, 4xx or 5xx) is retried after an exponential
// backoff with jitter; after max_attempts consecutive failures of one event it becomes a dead
// letter and the subscription is paused (Store::add_dead_letter) while the others go on.
// Delivery is at least once: after a restart it resumes from the persisted cursor, so the
// event in flight at the time may come twice (receivers dedupe by X-Conventiond-Event-Id).
//
// Runs on the io_context given; store calls are made on it (they are short). Call start(),
// stop(), subscribe(), resume(), replay_dead_letter() and the destructor from the io_context's
// thread (or while it is not running); notify() from any thread. No callback is called after
// stop() (a replay in flight then never completes).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <conventiond/publish/lease_options.hpp>
#include <conventiond/result.hpp>
#include <conventiond/store/store.hpp>

namespace boost::asio {
class io_context;
}

namespace conventiond {

struct WebhookOptions {
  std::chrono::milliseconds timeout{10'000};  // per attempt: the whole answer within it
  int max_attempts = 8;  // consecutive failures of one event before it is a dead letter
  std::chrono::milliseconds backoff_base{1'000};  // wait after failure n: base * 2^(n-1)...
  std::chrono::milliseconds backoff_max{300'000};  // ...capped here...
  double jitter = 0.5;  // ...drawn uniformly in [wait * (1 - jitter), wait]
  std::chrono::milliseconds poll_interval{5'000};  // idle subscriptions look for new events
  std::size_t batch_size = 32;    // events read from the store at once, per subscription
  std::size_t max_concurrent = 16;  // deliveries in flight, all subscriptions together
  bool allow_private_targets = false;  // loopback and private targets (tests, intranets)
  std::optional<LeaseOptions> leases;  // several daemons: deliver only under "webhook:<id>"
  std::string user_agent;              // "" : conventiond's default
  // nullopt: libcurl's default (http_proxy / https_proxy / no_proxy); "": no proxy.
  std::optional<std::string> proxy;
};

struct WebhookMetrics {
  std::uint64_t delivered = 0;        // events answered 2xx
  std::uint64_t failed_attempts = 0;  // attempts that failed (each retry counts)
  std::uint64_t dead_lettered = 0;    // events moved to the dead letters
  std::uint64_t filtered = 0;         // events a filter skipped
  std::uint64_t replayed = 0;         // dead letters delivered by replay_dead_letter()
};

class WebhookDispatcher {
 public:
  WebhookDispatcher(boost::asio::io_context& io, Store& store, WebhookOptions options = {});
  ~WebhookDispatcher();  // stop()
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  // Starts delivering every active subscription, then polls every poll_interval.
  void start();
  // Stops at once: deliveries in flight are abandoned (their events come again after a
  // restart), leases held are released. Idempotent; the dispatcher cannot be started again.
  void stop();
  // New events were appended, or subscriptions changed: look now instead of at the next poll.
  // Thread-safe; calls made before the look coalesce.
  void notify();

  // Checks the URL (check_webhook_url with allow_private_targets), creates the subscription
  // and starts delivering it. Resolves the host: blocks for the DNS lookup.
  Result<Subscription> subscribe(const NewSubscription& subscription);
  // Resumes a paused subscription from its cursor (the event that was dead-lettered stays a
  // dead letter: replay it).
  Status resume(std::int64_t subscription);
  // Delivers one dead letter once more (its stored body, a new timestamp and signature), out
  // of the subscription's order and whatever its status; on a 2xx it is removed from the dead
  // letters. `done` is called on the io_context with the outcome: "not_found", "delivery"
  // (the receiver failed; the dead letter is kept), or a store error.
  void replay_dead_letter(std::int64_t dead_letter, std::function<void(Status)> done);

  WebhookMetrics metrics() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace conventiond
