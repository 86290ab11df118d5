// WebhookDispatcher against loopback receivers: signed, ordered deliveries; a receiver that is
// down, slow, answers 500 or closes the connection; retries over a window, dead letters, resume
// and replay; a restart; filters; leases between two dispatchers; private targets refused at
// subscription and at connect time (DNS rebinding, with a resolver override); secrets sealed
// at rest and key rotation.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <conventiond/publish/change_event_json.hpp>
#include <conventiond/publish/webhook_dispatcher.hpp>
#include <conventiond/publish/webhook_signature.hpp>
#include <conventiond/store/sqlite_store.hpp>

#include "publish_test_support.hpp"
#include "support/test_http_server.hpp"

using namespace conventiond;
using namespace conventiond::test;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

std::unique_ptr<SqliteStore> memory_store() {
  auto s = SqliteStore::open(":memory:");
  REQUIRE(s);
  return std::move(*s);
}

// A fixed test key (64 hex digits); kOtherKey is the key a rotation brings in.
constexpr const char* kTestKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* kOtherKey = "f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff";

SecretKeyring keyring(const std::string& keys) {
  auto k = SecretKeyring::parse(keys, "test");
  REQUIRE(k);
  return *k;
}

WebhookOptions fast_options() {
  WebhookOptions o;
  o.timeout = 1500ms;
  o.max_attempts = 10;
  o.keyring = keyring(kTestKey);
  o.backoff_base = 10ms;
  o.backoff_max = 40ms;
  o.poll_interval = 50ms;
  o.batch_size = 4;
  o.allow_private_targets = true;
  o.proxy = "";
  return o;
}

Subscription subscribe(WebhookDispatcher& d, const std::string& url, std::int64_t from_seq = 0,
                       const std::string& secret = "s3cret") {
  NewSubscription n;
  n.url = url;
  n.secret = secret;
  n.from_seq = from_seq;
  auto s = d.subscribe(n);
  if (!s) FAIL("subscribe: " << s.error().code << ": " << s.error().message);
  return *s;
}

// The seq of every request the server received on `path`, in arrival order.
std::vector<std::int64_t> received(const TestHttpServer& server, const std::string& path) {
  std::vector<std::int64_t> out;
  for (const TestRequest& r : server.requests())
    if (r.path == path) out.push_back(seq_of(r.body));
  return out;
}

Subscription row(Store& store, std::int64_t id) {
  auto s = store.subscription(id);
  REQUIRE(s);
  REQUIRE(*s);
  return **s;
}

// A receiver that refuses connections (bound, not listening) until up(); then answers 200 to
// each request, one per connection.
class LateReceiver {
 public:
  LateReceiver() : acceptor_(io_) {
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.bind({asio::ip::address_v4::loopback(), 0});
    port_ = acceptor_.local_endpoint().port();
  }
  ~LateReceiver() {
    stop_ = true;
    if (thread_.joinable()) {
      // Wakes the blocking accept.
      asio::io_context io;
      asio::ip::tcp::socket s(io);
      boost::system::error_code ec;
      s.connect({asio::ip::address_v4::loopback(), port_}, ec);
      thread_.join();
    }
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  void up() {
    acceptor_.listen();
    thread_ = std::thread([this] { serve(); });
  }
  std::vector<std::int64_t> seqs() const {
    std::lock_guard lock(mu_);
    return seqs_;
  }

 private:
  void serve() {
    while (!stop_) {
      asio::ip::tcp::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_) return;
      asio::streambuf buf;
      const std::size_t head = asio::read_until(s, buf, "\r\n\r\n", ec);
      if (ec) continue;
      std::string data(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
      std::string headers = data.substr(0, head);
      std::string lower;
      for (char c : headers) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::size_t length = 0;
      if (auto p = lower.find("content-length:"); p != std::string::npos)
        length = std::stoul(lower.substr(p + 15));
      std::string body = data.substr(head);
      if (body.size() < length) {
        std::string rest(length - body.size(), '\0');
        asio::read(s, asio::buffer(rest), ec);
        body += rest;
      }
      {
        std::lock_guard lock(mu_);
        seqs_.push_back(seq_of(body));
      }
      const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      asio::write(s, asio::buffer(answer), ec);
    }
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<std::int64_t> seqs_;
};

}  // namespace

TEST_CASE("webhooks: signed deliveries, every header, in order, cursor persisted", "[publish]") {
  auto store = memory_store();
  TestHttpServer server;
  server.route("/hook", TestResponse{204, {}, ""});
  const auto first = add_events(*store, 5);
  asio::io_context io;
  WebhookOptions options = fast_options();
  options.poll_interval = 3600s;  // only notify() wakes it up
  WebhookDispatcher d(io, *store, options);
  const Subscription sub = subscribe(d, server.url("/hook"));
  d.start();
  REQUIRE(run_until(io, [&] { return server.hits("/hook") == 5; }));
  check_in_order(received(server, "/hook"), first);

  for (const TestRequest& r : server.requests()) {
    CHECK(r.method == "POST");
    CHECK(r.header("content-type") == "application/json");
    const std::string ts = r.header("x-conventiond-timestamp");
    CHECK(r.header("x-conventiond-event-id") == std::to_string(seq_of(r.body)));
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    CHECK(std::abs(std::stoll(ts) - now) < 60);
    CHECK(verify_webhook_signature("s3cret", ts, r.body, r.header("x-conventiond-signature")));
    CHECK_FALSE(verify_webhook_signature("other", ts, r.body, r.header("x-conventiond-signature")));
    CHECK(r.header("expect").empty());
  }
  // The body is the event's JSON.
  auto events = store->changes_since(0, 1);
  REQUIRE(events);
  CHECK(server.requests().front().body == change_event_json(events->front()));
  // The cursor is persisted once the answer is handled (just after the receiver saw it).
  CHECK(run_until(io, [&] { return row(*store, sub.id).cursor == first.back(); }, 5s));

  // New events: notify() delivers them without waiting for the poll.
  const auto more = add_events(*store, 3);
  d.notify();
  REQUIRE(run_until(io, [&] { return server.hits("/hook") == 8; }, 5s));
  CHECK(run_until(io, [&] { return row(*store, sub.id).cursor == more.back(); }, 5s));
  CHECK(d.metrics().delivered == 8);
  CHECK(d.metrics().failed_attempts == 0);
}

TEST_CASE("webhooks: a failing receiver is retried until it succeeds, no gap, no reordering",
          "[publish]") {
  auto store = memory_store();
  TestHttpServer server;
  const auto seqs = add_events(*store, 6);
  std::vector<TestResponse> faults;
  SECTION("answers 500") {
    faults = {TestResponse{500, {}, "boom"}, TestResponse{503, {}, ""}};
  }
  SECTION("slow: over the timeout") {
    TestResponse slow{200, {}, ""};
    slow.delay = 1000ms;
    faults = {slow};
  }
  SECTION("closes the connection") {
    TestResponse drop;
    drop.drop = true;
    faults = {drop, drop};
  }
  SECTION("all of them, between successes") {
    TestResponse slow{200, {}, ""};
    slow.delay = 1000ms;
    TestResponse drop;
    drop.drop = true;
    // (A drop right after a success would hit a reused connection, which libcurl itself
    // transparently retries: here it follows a timeout, on a new connection.)
    faults = {TestResponse{200, {}, ""}, TestResponse{500, {}, ""}, slow, drop};
  }
  std::size_t failures = 0;
  for (const auto& f : faults)
    if (f.status != 200 || f.drop || f.delay.count() > 0) ++failures;
  std::vector<TestResponse> sequence = faults;
  sequence.push_back(TestResponse{200, {}, ""});
  server.route_sequence("/hook", sequence);

  asio::io_context io;
  WebhookOptions options = fast_options();
  options.timeout = 400ms;
  WebhookDispatcher d(io, *store, options);
  const Subscription sub = subscribe(d, server.url("/hook"));
  d.start();
  REQUIRE(run_until(io, [&] { return row(*store, sub.id).cursor == seqs.back(); }));
  run_for(io, 100ms);  // nothing more comes
  check_in_order(received(server, "/hook"), seqs);
  CHECK(server.hits("/hook") == seqs.size() + failures);
  CHECK(d.metrics().delivered == seqs.size());
  CHECK(d.metrics().failed_attempts == failures);
  const Subscription after = row(*store, sub.id);
  CHECK(after.status == SubscriptionStatus::active);
  CHECK(after.consecutive_failures == 0);
  // A delivery after the failures clears the last error (the failures are in the metrics).
  CHECK(after.last_error.empty());
  CHECK(after.last_error_at.empty());
}

TEST_CASE("webhooks: a receiver that is down (connection refused) gets everything once up",
          "[publish]") {
  auto store = memory_store();
  LateReceiver receiver;
  const auto seqs = add_events(*store, 4);
  asio::io_context io;
  WebhookDispatcher d(io, *store, fast_options());
  const Subscription sub = subscribe(d, receiver.url());
  d.start();
  REQUIRE(run_until(io, [&] { return d.metrics().failed_attempts >= 3; }));
  const Subscription failing = row(*store, sub.id);
  CHECK(failing.consecutive_failures >= 3);
  CHECK(failing.last_error.find("connect") != std::string::npos);
  CHECK(failing.cursor == 0);
  receiver.up();
  REQUIRE(run_until(io, [&] { return row(*store, sub.id).cursor == seqs.back(); }));
  check_in_order(receiver.seqs(), seqs);
  CHECK(receiver.seqs().size() == seqs.size());
  CHECK(row(*store, sub.id).consecutive_failures == 0);
}

TEST_CASE("webhooks: max_attempts makes a dead letter and pauses, the others go on, replay",
          "[publish]") {
  auto store = memory_store();
  TestHttpServer server;
  server.route("/bad", TestResponse{500, {}, "no"});
  server.route("/good", TestResponse{200, {}, ""});
  const auto seqs = add_events(*store, 3);
  asio::io_context io;
  WebhookOptions options = fast_options();
  options.max_attempts = 3;
  WebhookDispatcher d(io, *store, options);
  const Subscription bad = subscribe(d, server.url("/bad"));
  const Subscription good = subscribe(d, server.url("/good"));
  d.start();
  REQUIRE(run_until(io, [&] {
    return row(*store, bad.id).status == SubscriptionStatus::paused &&
           row(*store, good.id).cursor == seqs.back();
  }));
  run_for(io, 150ms);  // a paused subscription gets nothing more
  CHECK(server.hits("/bad") == 3);
  CHECK(received(server, "/bad") == std::vector<std::int64_t>(3, seqs[0]));
  check_in_order(received(server, "/good"), seqs);
  const Subscription paused = row(*store, bad.id);
  CHECK(paused.cursor == 0);  // before the dead letter: a resume would send it first
  CHECK(paused.last_error.find("500") != std::string::npos);
  CHECK(paused.consecutive_failures == 3);
  auto letters = store->dead_letters(bad.id, 0, 10);
  REQUIRE(letters);
  REQUIRE(letters->size() == 1);
  const DeadLetter letter = letters->front();
  CHECK(letter.seq == seqs[0]);
  CHECK(letter.attempts == 3);
  CHECK(seq_of(letter.event_json) == seqs[0]);
  CHECK(d.metrics().dead_lettered == 1);

  // A replay while the receiver still fails keeps the dead letter.
  std::optional<Status> outcome;
  d.replay_dead_letter(letter.id, [&](Status st) { outcome = st; });
  REQUIRE(run_until(io, [&] { return outcome.has_value(); }));
  REQUIRE_FALSE(*outcome);
  CHECK(outcome->error().code == "delivery");
  CHECK(*store->dead_letter_count(bad.id) == 1);

  // The receiver is fixed: the replay delivers the same body, signed anew.
  server.route("/bad", TestResponse{200, {}, ""});
  outcome.reset();
  d.replay_dead_letter(letter.id, [&](Status st) { outcome = st; });
  REQUIRE(run_until(io, [&] { return outcome.has_value(); }));
  CHECK(*outcome);
  CHECK(*store->dead_letter_count(bad.id) == 0);
  CHECK(row(*store, bad.id).cursor == seqs[0]);  // replayed: a resume does not send it again
  auto last = server.last_request("/bad");
  REQUIRE(last);
  CHECK(last->body == letter.event_json);
  CHECK(verify_webhook_signature("s3cret", last->header("x-conventiond-timestamp"), last->body,
                                 last->header("x-conventiond-signature")));
  CHECK(d.metrics().replayed == 1);
  outcome.reset();
  d.replay_dead_letter(letter.id, [&](Status st) { outcome = st; });
  REQUIRE(run_until(io, [&] { return outcome.has_value(); }));
  CHECK(outcome->error().code == "not_found");

  // Resumed: the rest follows, in order.
  REQUIRE(d.resume(bad.id));
  REQUIRE(run_until(io, [&] { return row(*store, bad.id).cursor == seqs.back(); }));
  const auto bad_seqs = received(server, "/bad");
  CHECK(std::vector<std::int64_t>(bad_seqs.end() - 2, bad_seqs.end()) ==
        std::vector<std::int64_t>{seqs[1], seqs[2]});
}

TEST_CASE("webhooks: after a restart deliveries resume from the cursor, each event at least once",
          "[publish]") {
  const TempPath db;
  auto store = SqliteStore::open(db.path);
  REQUIRE(store);
  TestHttpServer server;
  TestResponse slowish{200, {}, ""};
  slowish.delay = 15ms;
  server.route("/hook", slowish);
  const auto seqs = add_events(**store, 20);
  const std::int64_t id = [&] {
    asio::io_context io;
    WebhookDispatcher d(io, **store, fast_options());
    const Subscription sub = subscribe(d, server.url("/hook"));
    d.start();
    REQUIRE(run_until(io, [&] { return server.hits("/hook") >= 7; }));
    return sub.id;
    // Destroyed mid-stream (a delivery may be in flight), with its io_context.
  }();
  const std::size_t before = server.hits("/hook");
  CHECK(before < seqs.size());
  // A new process: the store re-opened, a new dispatcher.
  store->reset();
  auto reopened = SqliteStore::open(db.path);
  REQUIRE(reopened);
  const std::int64_t cursor = row(**reopened, id).cursor;
  CHECK(cursor >= seqs[before - 2]);
  asio::io_context io;
  WebhookDispatcher d(io, **reopened, fast_options());
  d.start();
  REQUIRE(run_until(io, [&] { return row(**reopened, id).cursor == seqs.back(); }));
  const auto got = received(server, "/hook");
  check_in_order(got, seqs);
  CHECK(got.size() <= seqs.size() + 1);  // at most the event in flight comes twice
}

TEST_CASE("webhooks: filters by departement and kind skip events and move the cursor",
          "[publish]") {
  auto store = memory_store();
  TestHttpServer server;
  server.route("/hook", TestResponse{200, {}, ""});
  add_event(*store, "67");                           // created 67
  add_event(*store, "13");                           // created 13
  const std::int64_t wanted = add_event(*store, "67");  // updated 67
  add_event(*store, "13");                           // updated 13
  Indicator ind;
  ind.departement = "67";
  ind.name = "caf.foyers_rsa";
  ind.period = "2024-11";
  ind.value = 12.0;
  REQUIRE(store->save_indicator(ind));  // indicators_updated 67
  for (int i = 0; i < 9; ++i) add_event(*store, "13");  // more batches to skip
  auto latest = store->latest_seq();
  REQUIRE(latest);
  asio::io_context io;
  WebhookDispatcher d(io, *store, fast_options());
  NewSubscription n;
  n.url = server.url("/hook");
  n.from_seq = 0;
  n.filter.departements = {"67"};
  n.filter.kinds = {"updated"};
  auto sub = d.subscribe(n);
  REQUIRE(sub);
  d.start();
  REQUIRE(run_until(io, [&] { return row(*store, sub->id).cursor == *latest; }));
  run_for(io, 100ms);
  CHECK(received(server, "/hook") == std::vector<std::int64_t>{wanted});
  CHECK(d.metrics().filtered == static_cast<std::uint64_t>(*latest - 1));
}

TEST_CASE("webhooks: with leases one dispatcher delivers, the other takes over when it stops",
          "[publish]") {
  auto store = memory_store();
  TestHttpServer server;
  server.route("/hook", TestResponse{200, {}, ""});
  const auto seqs = add_events(*store, 6);
  asio::io_context io;
  WebhookOptions a_options = fast_options();
  a_options.leases = LeaseOptions{"daemon-a", 60s};
  WebhookOptions b_options = fast_options();
  b_options.leases = LeaseOptions{"daemon-b", 60s};
  auto a = std::make_unique<WebhookDispatcher>(io, *store, a_options);
  WebhookDispatcher b(io, *store, b_options);
  const Subscription sub = subscribe(*a, server.url("/hook"));
  a->start();
  b.start();
  REQUIRE(run_until(io, [&] { return row(*store, sub.id).cursor == seqs.back(); }));
  run_for(io, 150ms);
  CHECK(server.hits("/hook") == seqs.size());  // one of them, never both
  auto owner = store->lease_owner("webhook:" + std::to_string(sub.id));
  REQUIRE(owner);
  REQUIRE(*owner);
  CHECK((**owner == "daemon-a" || **owner == "daemon-b"));
  const bool a_owns = **owner == "daemon-a";

  // The owner stops (releasing its lease): the other delivers what follows.
  const auto more = add_events(*store, 3);
  if (a_owns) a->stop(); else b.stop();
  if (a_owns) b.notify(); else a->notify();
  REQUIRE(run_until(io, [&] { return row(*store, sub.id).cursor == more.back(); }));
  std::vector<std::int64_t> all = seqs;
  all.insert(all.end(), more.begin(), more.end());
  check_in_order(received(server, "/hook"), all);
  owner = store->lease_owner("webhook:" + std::to_string(sub.id));
  REQUIRE(owner);
  REQUIRE(*owner);
  CHECK(**owner == (a_owns ? "daemon-b" : "daemon-a"));
}

TEST_CASE("webhooks: private and non-http targets are refused at subscription", "[publish]") {
  auto store = memory_store();
  asio::io_context io;
  WebhookOptions options = fast_options();
  options.allow_private_targets = false;
  WebhookDispatcher d(io, *store, options);
  for (const char* url : {"http://127.0.0.1:8080/hook", "http://localhost/hook",
                          "https://10.1.2.3/hook", "http://[::1]/hook",
                          "http://169.254.169.254/latest/meta-data", "http://0.0.0.0/"}) {
    NewSubscription n;
    n.url = url;
    auto r = d.subscribe(n);
    INFO(url);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "forbidden");
  }
  for (const char* url : {"ftp://example.org/x", "file:///etc/passwd", "not a url", ""}) {
    NewSubscription n;
    n.url = url;
    auto r = d.subscribe(n);
    INFO(url);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid");
  }
  auto none = store->subscriptions();
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE("webhooks: nothing is called after stop, destroying with deliveries in flight is safe",
          "[publish]") {
  auto store = memory_store();
  TestHttpServer server;
  TestResponse slow{200, {}, ""};
  slow.delay = 200ms;
  server.route("/hook", slow);
  add_events(*store, 3);
  asio::io_context io;
  auto d = std::make_unique<WebhookDispatcher>(io, *store, fast_options());
  const Subscription sub = subscribe(*d, server.url("/hook"));
  d->start();
  REQUIRE(run_until(io, [&] { return server.hits("/hook") == 1; }));
  bool called = false;
  auto letter = store->add_dead_letter(sub.id, 1, "{\"seq\":1}", "x", 1);
  REQUIRE(letter);
  d->replay_dead_letter(letter->id, [&](Status) { called = true; });
  d->stop();
  run_for(io, 400ms);
  CHECK_FALSE(called);
  CHECK(server.hits("/hook") <= 2);
  d.reset();
  run_for(io, 50ms);
}

// --- DNS rebinding: the address is checked when the connection opens ---------------------------

namespace {

// A subscription created straight in the store: as if its name resolved to a public address
// when it was checked, and resolves inside now (the resolver override below).
Subscription stored_subscription(Store& store, const std::string& url, std::string secret = {}) {
  NewSubscription n;
  n.url = url;
  n.secret = std::move(secret);
  n.from_seq = 0;
  auto s = store.create_subscription(n);
  REQUIRE(s);
  return *s;
}

}  // namespace

TEST_CASE("webhooks: a name that resolves to an internal address at delivery is refused at "
          "connect time (DNS rebinding)",
          "[publish]") {
  auto store = memory_store();
  TestHttpServer server;
  server.route("/hook", TestResponse{200, {}, ""});
  const auto seqs = add_events(*store, 2);
  const std::string port = std::to_string(server.port());
  asio::io_context io;
  WebhookOptions options = fast_options();
  options.allow_private_targets = false;
  options.resolve = {"rebind.example:" + port + ":127.0.0.1", "rebind6.example:" + port + ":[::1]",
                     "mapped.example:" + port + ":[::ffff:127.0.0.1]"};
  std::string host = "rebind.example";
  std::string range = "127.0.0.0/8 (loopback)";
  SECTION("IPv4 loopback") {}
  SECTION("IPv6 loopback") {
    host = "rebind6.example";
    range = "::1/128 (loopback)";
  }
  SECTION("IPv4-mapped IPv6") {
    host = "mapped.example";
    range = "::ffff:0:0/96 (IPv4-mapped) embedding 127.0.0.1";
  }
  const Subscription sub = stored_subscription(*store, "http://" + host + ":" + port + "/hook");
  WebhookDispatcher d(io, *store, options);
  d.start();
  REQUIRE(run_until(io, [&] { return row(*store, sub.id).status == SubscriptionStatus::paused; }));
  run_for(io, 100ms);
  CHECK(server.hits("/hook") == 0);  // not a byte sent
  const Subscription paused = row(*store, sub.id);
  INFO(paused.last_error);
  CHECK(paused.last_error.rfind("forbidden: http://" + host + ":" + port + "/hook: ", 0) == 0);
  CHECK(paused.last_error.find("connection refused by the address check: ") != std::string::npos);
  CHECK(paused.last_error.find(range) != std::string::npos);
  CHECK(paused.cursor == 0);
  auto letters = store->dead_letters(sub.id, 0, 10);
  REQUIRE(letters);
  REQUIRE(letters->size() == 1);  // refused at once: not retried for the whole window
  CHECK(letters->front().seq == seqs[0]);
  CHECK(letters->front().error == paused.last_error);
  CHECK(d.metrics().refused == 1);
  CHECK(d.metrics().delivered == 0);
}

TEST_CASE("webhooks: the resolver override reaches the receiver when private targets are allowed",
          "[publish]") {
  // The control of the test above: the same name and override, with the check off, delivers.
  auto store = memory_store();
  TestHttpServer server;
  server.route("/hook", TestResponse{200, {}, ""});
  const auto seqs = add_events(*store, 2);
  const std::string port = std::to_string(server.port());
  asio::io_context io;
  WebhookOptions options = fast_options();
  options.allow_private_targets = true;
  options.resolve = {"rebind.example:" + port + ":127.0.0.1"};
  const Subscription sub =
      stored_subscription(*store, "http://rebind.example:" + port + "/hook");
  WebhookDispatcher d(io, *store, options);
  d.start();
  REQUIRE(run_until(io, [&] { return row(*store, sub.id).cursor == seqs.back(); }));
  check_in_order(received(server, "/hook"), seqs);
  CHECK(server.requests().front().header("host") == "rebind.example:" + port);
  CHECK(d.metrics().refused == 0);
}

// --- Retries over a window ---------------------------------------------------------------------

TEST_CASE("webhooks: a receiver down for a while gets everything in order, without operator "
          "action",
          "[publish]") {
  auto store = memory_store();
  LateReceiver receiver;
  const auto seqs = add_events(*store, 5);
  asio::io_context io;
  WebhookOptions options = fast_options();
  options.max_attempts = 0;  // the window decides
  options.retry_window = 20s;
  options.backoff_base = 5ms;
  options.backoff_max = 40ms;
  WebhookDispatcher d(io, *store, options);
  const Subscription sub = subscribe(d, receiver.url());
  d.start();
  // Far more failures than the old max_attempts (8) allowed: still retrying, nothing skipped.
  REQUIRE(run_until(io, [&] { return d.metrics().failed_attempts >= 25; }));
  const Subscription failing = row(*store, sub.id);
  CHECK(failing.status == SubscriptionStatus::active);
  CHECK(failing.cursor == 0);
  CHECK(failing.consecutive_failures >= 25);
  CHECK(*store->dead_letter_count(sub.id) == 0);
  receiver.up();
  REQUIRE(run_until(io, [&] { return row(*store, sub.id).cursor == seqs.back(); }));
  CHECK(receiver.seqs() == seqs);  // each once, in order
  const Subscription after = row(*store, sub.id);
  CHECK(after.status == SubscriptionStatus::active);
  CHECK(after.consecutive_failures == 0);
  CHECK(d.metrics().dead_lettered == 0);
}

TEST_CASE("webhooks: down past the retry window: dead letter and pause: resume delivers it and "
          "what was held, in order",
          "[publish]") {
  auto store = memory_store();
  LateReceiver receiver;
  const auto seqs = add_events(*store, 4);
  asio::io_context io;
  WebhookOptions options = fast_options();
  options.max_attempts = 0;
  options.retry_window = 400ms;
  options.backoff_base = 10ms;
  options.backoff_max = 1h;  // capped by the window's end: the last attempt is made at its end
  WebhookDispatcher d(io, *store, options);
  const Subscription sub = subscribe(d, receiver.url());
  const auto started = std::chrono::steady_clock::now();
  d.start();
  REQUIRE(run_until(io, [&] { return row(*store, sub.id).status == SubscriptionStatus::paused; }));
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(took >= 400ms);
  CHECK(took < 5s);
  const Subscription paused = row(*store, sub.id);
  INFO(paused.last_error);
  CHECK(paused.cursor == 0);  // held before the event that could not be delivered
  CHECK(paused.last_error.find("connect") != std::string::npos);
  CHECK(paused.last_error.find("gave up after") != std::string::npos);
  auto letters = store->dead_letters(sub.id, 0, 10);
  REQUIRE(letters);
  REQUIRE(letters->size() == 1);
  CHECK(letters->front().seq == seqs[0]);
  CHECK(letters->front().attempts >= 3);

  // Still paused a while later: nothing is sent.
  receiver.up();
  run_for(io, 200ms);
  CHECK(receiver.seqs().empty());

  // Resumed: the dead-lettered event first, then the rest, in order; its dead letter is gone.
  REQUIRE(d.resume(sub.id));
  REQUIRE(run_until(io, [&] { return row(*store, sub.id).cursor == seqs.back(); }));
  CHECK(receiver.seqs() == seqs);
  CHECK(*store->dead_letter_count(sub.id) == 0);
  CHECK(row(*store, sub.id).status == SubscriptionStatus::active);
}

// --- Secrets at rest -----------------------------------------------------------------------------

namespace {

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  if (in) out << in.rdbuf();
  return out.str();
}

bool in_database_files(const std::string& db, const std::string& needle) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    if (file_bytes(db + suffix).find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("webhooks: secrets are sealed in the store, deliveries still signed, key rotation",
          "[publish]") {
  const TempPath db;
  auto store = SqliteStore::open(db.path);
  REQUIRE(store);
  TestHttpServer server;
  server.route("/a", TestResponse{200, {}, ""});
  server.route("/b", TestResponse{200, {}, ""});
  const std::string secret_a = "whsec_7Hq2pLr9ZxKv4NsA";
  const std::string secret_b = "whsec_Bm3Tq8WcYe5RuJ1o";
  const auto seqs = add_events(**store, 2);
  const SecretKeyring old_ring = keyring(kTestKey);
  const SecretKeyring rotated = keyring(std::string(kOtherKey) + "\n" + kTestKey);
  const std::string old_id = old_ring.ids().front();
  const std::string new_id = rotated.ids().front();
  REQUIRE(old_id != new_id);

  std::int64_t a_id = 0;
  {
    asio::io_context io;
    WebhookOptions options = fast_options();
    options.keyring = old_ring;
    WebhookDispatcher d(io, **store, options);
    a_id = subscribe(d, server.url("/a"), 0, secret_a).id;
    d.start();
    REQUIRE(run_until(io, [&] { return row(**store, a_id).cursor == seqs.back(); }));
  }
  for (const TestRequest& r : server.requests()) {
    CHECK(verify_webhook_signature(secret_a, r.header("x-conventiond-timestamp"), r.body,
                                   r.header("x-conventiond-signature")));
  }
  auto stored = (*store)->subscription_secrets(a_id);
  REQUIRE(stored);
  CHECK(stored->current.rfind("cvd1:" + old_id + ":", 0) == 0);
  CHECK(stored->current.find(secret_a) == std::string::npos);
  CHECK(row(**store, a_id).has_secret);

  // Rotation: a new current key, the old one kept. The old subscription still signs with its
  // secret; a new one is sealed under the new key.
  const auto more = add_events(**store, 2);
  std::int64_t b_id = 0;
  {
    asio::io_context io;
    WebhookOptions options = fast_options();
    options.keyring = rotated;
    WebhookDispatcher d(io, **store, options);
    b_id = subscribe(d, server.url("/b"), seqs.back(), secret_b).id;
    d.start();
    REQUIRE(run_until(io, [&] {
      return row(**store, a_id).cursor == more.back() && row(**store, b_id).cursor == more.back();
    }));
  }
  for (const TestRequest& r : server.requests()) {
    const std::string& secret = r.path == "/a" ? secret_a : secret_b;
    INFO(r.path << " " << r.body);
    CHECK(verify_webhook_signature(secret, r.header("x-conventiond-timestamp"), r.body,
                                   r.header("x-conventiond-signature")));
  }
  CHECK(server.hits("/a") == 4);
  CHECK(server.hits("/b") == 2);
  auto stored_b = (*store)->subscription_secrets(b_id);
  REQUIRE(stored_b);
  CHECK(stored_b->current.rfind("cvd1:" + new_id + ":", 0) == 0);

  // Neither secret is in any byte of the database files.
  store->reset();  // closed: the WAL is checkpointed into the main file
  CHECK_FALSE(in_database_files(db.path, secret_a));
  CHECK_FALSE(in_database_files(db.path, secret_b));
  CHECK(file_bytes(db.path).find("cvd1:" + old_id) != std::string::npos);  // the sealed form is

  // The old key dropped too early: the old subscription pauses, saying which key it needs;
  // nothing is sent unsigned.
  auto reopened = SqliteStore::open(db.path);
  REQUIRE(reopened);
  add_events(**reopened, 1);
  const std::size_t before = server.hits("/a");
  asio::io_context io;
  WebhookOptions options = fast_options();
  options.keyring = keyring(kOtherKey);
  WebhookDispatcher d(io, **reopened, options);
  d.start();
  REQUIRE(run_until(io, [&] { return row(**reopened, a_id).status == SubscriptionStatus::paused; }));
  CHECK(row(**reopened, a_id).last_error.find("key id " + old_id) != std::string::npos);
  CHECK(server.hits("/a") == before);
  REQUIRE(run_until(io, [&] { return server.hits("/b") == 3; }));
}

TEST_CASE("webhooks: without a key, a subscription with a secret is refused, one without is not",
          "[publish]") {
  auto store = memory_store();
  asio::io_context io;
  WebhookOptions options = fast_options();
  options.keyring = SecretKeyring{};
  WebhookDispatcher d(io, *store, options);
  NewSubscription n;
  n.url = "http://127.0.0.1:9/hook";
  n.secret = "s3cret";
  auto refused = d.subscribe(n);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == "unavailable");
  CHECK(refused.error().message.find("CONVENTIOND_SECRET_KEY") != std::string::npos);
  CHECK(store->subscriptions()->empty());
  n.secret.clear();
  CHECK(d.subscribe(n));
}

TEST_CASE("webhooks: a dispatcher waiting out a long backoff keeps its lease: the other daemon "
          "does not start the retries over",
          "[publish]") {
  auto store = memory_store();
  TestHttpServer server;
  server.route("/hook", TestResponse{500, {}, "down"});
  add_events(*store, 2);
  asio::io_context io;
  WebhookOptions options = fast_options();
  options.max_attempts = 0;
  options.retry_window = 1h;
  options.backoff_base = 1500ms;
  options.backoff_max = 1500ms;
  options.jitter = 0;
  WebhookOptions a_options = options;
  a_options.leases = LeaseOptions{"daemon-a", 150ms};
  WebhookOptions b_options = options;
  b_options.leases = LeaseOptions{"daemon-b", 150ms};
  WebhookDispatcher a(io, *store, a_options);
  WebhookDispatcher b(io, *store, b_options);
  subscribe(a, server.url("/hook"));
  a.start();
  b.start();
  REQUIRE(run_until(io, [&] { return server.hits("/hook") == 1; }));
  // Ten lease lifetimes within the first wait: still one attempt, by one daemon.
  run_for(io, 1200ms);
  CHECK(server.hits("/hook") == 1);
  CHECK(a.metrics().failed_attempts + b.metrics().failed_attempts == 1);
  // The server counts the hit before the dispatcher has read the answer: wait for both.
  REQUIRE(run_until(io, [&] {
    return server.hits("/hook") == 2 &&
           a.metrics().failed_attempts + b.metrics().failed_attempts == 2;
  }, 3s));
  CHECK(server.hits("/hook") == 2);
  CHECK((a.metrics().failed_attempts == 2 || b.metrics().failed_attempts == 2));
}

TEST_CASE("webhooks: a ping is a signed test delivery that moves nothing", "[publish]") {
  auto store = memory_store();
  TestHttpServer server;
  server.route("/hook", TestResponse{204, {}, ""});
  server.route("/broken", TestResponse{500, {}, "no"});
  asio::io_context io;
  WebhookOptions options = fast_options();
  options.poll_interval = 3600s;
  WebhookDispatcher d(io, *store, options);
  const Subscription ok = subscribe(d, server.url("/hook"));
  const Subscription bad = subscribe(d, server.url("/broken"));
  std::optional<Result<WebhookDispatcher::PingOutcome>> answer;
  d.ping(ok.id, [&](Result<WebhookDispatcher::PingOutcome> o) { answer = std::move(o); });
  REQUIRE(run_until(io, [&] { return answer.has_value(); }));
  REQUIRE(*answer);
  CHECK((*answer)->delivered);
  CHECK((*answer)->http_status == 204);
  CHECK((*answer)->error.empty());
  REQUIRE(server.requests().size() == 1);
  const TestRequest r = server.requests().front();
  CHECK(r.header("x-conventiond-event-id") == "0");
  const std::string ts = r.header("x-conventiond-timestamp");
  CHECK(verify_webhook_signature("s3cret", ts, r.body, r.header("x-conventiond-signature")));
  const auto body = boost::json::parse(r.body);
  CHECK(body.at("kind").as_string() == "ping");
  CHECK(body.at("subscription_id").as_int64() == ok.id);

  answer.reset();
  d.ping(bad.id, [&](Result<WebhookDispatcher::PingOutcome> o) { answer = std::move(o); });
  REQUIRE(run_until(io, [&] { return answer.has_value(); }));
  REQUIRE(*answer);
  CHECK_FALSE((*answer)->delivered);
  CHECK((*answer)->http_status == 500);
  CHECK_THAT((*answer)->error, Catch::Contains("500"));
  // A ping is not an attempt: no failure recorded, cursor unchanged.
  const Subscription after = row(*store, bad.id);
  CHECK(after.consecutive_failures == 0);
  CHECK(after.last_error.empty());
  CHECK(after.cursor == bad.cursor);

  answer.reset();
  d.ping(987654, [&](Result<WebhookDispatcher::PingOutcome> o) { answer = std::move(o); });
  REQUIRE(run_until(io, [&] { return answer.has_value(); }));
  REQUIRE_FALSE(*answer);
  CHECK(answer->error().code == "not_found");
}

TEST_CASE("webhooks: a rotated secret signs with both during the overlap, then the new one alone",
          "[publish]") {
  auto store = memory_store();
  TestHttpServer server;
  server.route("/hook", TestResponse{204, {}, ""});
  asio::io_context io;
  WebhookOptions options = fast_options();
  WebhookDispatcher d(io, *store, options);
  const Subscription sub = subscribe(d, server.url("/hook"), 0, "old-secret");
  d.start();
  add_events(*store, 1);
  d.notify();
  REQUIRE(run_until(io, [&] { return row(*store, sub.id).cursor >= 1; }, 5s));

  // With an overlap: every delivery carries two signatures; a receiver that still knows only
  // the old secret, and one that already has the new one, both verify it.
  auto until = d.rotate_secret(sub.id, "new-secret", 1h);
  REQUIRE(until);
  CHECK_FALSE(until->empty());
  CHECK(row(*store, sub.id).previous_secret_until == *until);
  auto stored = store->subscription_secrets(sub.id);
  REQUIRE(stored);
  CHECK(stored->current.find("new-secret") == std::string::npos);  // sealed, as the first one
  CHECK(stored->previous.find("old-secret") == std::string::npos);
  add_events(*store, 2);
  d.notify();
  REQUIRE(run_until(io, [&] { return server.hits("/hook") == 3; }, 5s));
  const std::vector<TestRequest> during = server.requests();  // a copy: requests() is by value
  for (std::size_t i = 1; i < 3; ++i) {
    const TestRequest& r = during.at(i);
    const std::string sig = r.header("x-conventiond-signature");
    INFO(sig);
    CHECK(std::count(sig.begin(), sig.end(), ',') == 1);
    CHECK(verify_webhook_signature("new-secret", r.header("x-conventiond-timestamp"), r.body, sig));
    CHECK(verify_webhook_signature("old-secret", r.header("x-conventiond-timestamp"), r.body, sig));
  }

  // Without an overlap (or once it is over): the new secret alone.
  REQUIRE(d.rotate_secret(sub.id, "newest-secret", 0s));
  CHECK(row(*store, sub.id).previous_secret_until.empty());
  add_events(*store, 1);
  d.notify();
  REQUIRE(run_until(io, [&] { return server.hits("/hook") == 4; }, 5s));
  const TestRequest last = server.requests().back();
  const std::string sig = last.header("x-conventiond-signature");
  CHECK(sig.find(',') == std::string::npos);
  CHECK(verify_webhook_signature("newest-secret", last.header("x-conventiond-timestamp"), last.body, sig));
  CHECK_FALSE(verify_webhook_signature("new-secret", last.header("x-conventiond-timestamp"), last.body, sig));

  CHECK(d.rotate_secret(sub.id, "", 1h).error().code == "invalid");
  CHECK(d.rotate_secret(sub.id, "x", -1s).error().code == "invalid");
  CHECK(d.rotate_secret(987654, "x", 1h).error().code == "not_found");
}
