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
// connection refused or closed, a timeout, a 3xx, 4xx or 5xx) is retried after a capped
// exponential backoff with jitter (backoff_base * 2^(n-1), at most backoff_max), the events
// after it held in order, for as long as retry_window from the event's first failure (and,
// when max_attempts > 0, at most that many attempts); only then the event becomes a dead
// letter and the subscription is paused (Store::add_dead_letter) while the others go on. The
// cursor of a paused subscription stays before its dead letter: resume() delivers that event
// first, then every event held after it, in order (its dead letter is then removed).
// Unless allow_private_targets, every address a delivery connects to is checked at connect
// time (forbidden_webhook_range): a name that now resolves to an internal address (DNS
// rebinding) is refused before any byte is sent, and the event is dead-lettered at once with
// the reason ("forbidden: connection refused by the address check: ..."). With a proxy (the
// option or libcurl's *_proxy environment) the daemon only connects to the proxy, which then
// has to enforce this; the check at subscription still applies.
// Secrets are sealed with options.keyring (publish/secret_box.hpp) before they are stored and
// opened to sign; a secret that cannot be opened (its key is not configured) pauses the
// subscription with the reason.
// Delivery is at least once: after a restart it resumes from the persisted cursor, so the
// event in flight at the time may come twice (receivers dedupe by X-Conventiond-Event-Id).
// The retry window of a failing event is counted by the dispatcher delivering it: it starts
// again after a restart or when another daemon takes the subscription's lease over.
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
#include <vector>

#include <conventiond/publish/lease_options.hpp>
#include <conventiond/publish/secret_box.hpp>
#include <conventiond/result.hpp>
#include <conventiond/store/store.hpp>

namespace boost::asio {
class io_context;
}

namespace conventiond {

struct WebhookOptions {
  std::chrono::milliseconds timeout{10'000};  // per attempt: the whole answer within it
  // How long a failing event is retried, from its first failure, before it is a dead letter.
  std::chrono::milliseconds retry_window{std::chrono::hours(72)};
  int max_attempts = 0;  // > 0: also a dead letter after that many consecutive failures
  std::chrono::milliseconds backoff_base{1'000};  // wait after failure n: base * 2^(n-1)...
  std::chrono::milliseconds backoff_max{3'600'000};  // ...capped here...
  double jitter = 0.5;  // ...drawn uniformly in [wait * (1 - jitter), wait]
  std::chrono::milliseconds poll_interval{5'000};  // idle subscriptions look for new events
  std::size_t batch_size = 32;    // events read from the store at once, per subscription
  std::size_t max_concurrent = 16;  // deliveries in flight, all subscriptions together
  bool allow_private_targets = false;  // loopback and private targets (tests, intranets)
  std::optional<LeaseOptions> leases;  // several daemons: deliver only under "webhook:<id>"
  std::string user_agent;              // "" : conventiond's default
  // nullopt: libcurl's default (http_proxy / https_proxy / no_proxy); "": no proxy.
  std::optional<std::string> proxy;
  // Seals new secrets and opens stored ones; empty: subscriptions with a secret are refused.
  SecretKeyring keyring;
  // Names pinned to addresses, as CURLOPT_RESOLVE "host:port:address" (tests).
  std::vector<std::string> resolve;
};

struct WebhookMetrics {
  std::uint64_t delivered = 0;        // events answered 2xx
  std::uint64_t failed_attempts = 0;  // attempts that failed (each retry counts)
  std::uint64_t dead_lettered = 0;    // events moved to the dead letters
  std::uint64_t filtered = 0;         // events a filter skipped
  std::uint64_t replayed = 0;         // dead letters delivered by replay_dead_letter()
  std::uint64_t refused = 0;          // attempts refused by the connect-time address check
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

  // Checks the URL (check_webhook_url with allow_private_targets), seals the secret with the
  // keyring ("unavailable" when a secret is given and there is no key), creates the
  // subscription and starts delivering it. Resolves the host: blocks for the DNS lookup.
  Result<Subscription> subscribe(const NewSubscription& subscription);
  // Resumes a paused subscription from its cursor: the event that was dead-lettered comes
  // first (unless it was replayed meanwhile), then those held after it, in order.
  Status resume(std::int64_t subscription);
  // A new signing secret (sealed with the keyring). During `overlap` after now, deliveries are
  // signed with both the new and the previous secret (docs/webhooks.md, "Rotating the secret"),
  // so a receiver can switch at its pace; 0 ends the previous one at once. Applies from the
  // subscription's next batch. Returns the end of the overlap (RFC 3339 UTC; "" for 0).
  // "invalid": an empty secret or a negative overlap; "not_found".
  Result<std::string> rotate_secret(std::int64_t subscription, const std::string& secret,
                                    std::chrono::seconds overlap);
  // Delivers one dead letter once more (its stored body, a new timestamp and signature), out
  // of the subscription's order and whatever its status; on a 2xx it is removed from the dead
  // letters, and when it was the event a paused subscription stopped at, that subscription's
  // cursor moves past it (a resume does not send it again). `done` is called on the io_context with the outcome: "not_found", "delivery"
  // (the receiver failed; the dead letter is kept), or a store error.
  void replay_dead_letter(std::int64_t dead_letter, std::function<void(Status)> done);

  // A test delivery to a subscription's URL, signed like the events and whatever its status:
  // the body {"kind":"ping","subscription_id":N,"created_at":"..."} with X-Conventiond-Event-Id
  // 0 (not a change event: a receiver answers 2xx and ignores it). Its cursor, failures and
  // last error are not touched. `done` is called on the io_context with what the receiver did,
  // or "not_found" / a store error.
  struct PingOutcome {
    bool delivered = false;  // a 2xx within the timeout
    int http_status = 0;     // 0: no answer
    std::string error;       // why not delivered ("" when delivered)
    std::chrono::milliseconds elapsed{0};
  };
  void ping(std::int64_t subscription, std::function<void(Result<PingOutcome>)> done);

  WebhookMetrics metrics() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace conventiond
