// The HTTP server on loopback (127.0.0.1, port 0), its io_context on a thread of its own, a
// plain POSIX client whose reads time out (Beast's parser reads the responses). Every wait is
// bounded; every server stops by itself.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <conventiond/http/server.hpp>

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;
using namespace conventiond::http;
using Clock = std::chrono::steady_clock;

namespace {

ServerOptions test_options() {
  ServerOptions o;
  o.header_timeout = 2s;
  o.request_timeout = 4s;
  o.idle_timeout = 4s;
  o.write_timeout = 4s;
  o.reads_public = true;
  o.log = [](std::string_view) {};
  return o;
}

// Polls `pred` every 5 ms for at most `limit`.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = 5000ms) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

struct ClientResponse {
  int status = 0;
  std::string body;
  bhttp::response<bhttp::string_body> message;
  std::string header(bhttp::field f) const { return std::string(message[f]); }
  std::string header(std::string_view name) const { return std::string(message[name]); }
  boost::json::value json() const { return boost::json::parse(body); }
};

// A blocking POSIX client with a receive timeout.
class Client {
 public:
  // `source`: the local address to connect from (Linux routes all of 127.0.0.0/8 to the
  // loopback interface, so 127.0.0.2 is a second client on the same machine).
  explicit Client(std::uint16_t port, std::chrono::milliseconds timeout = 5000ms,
                  const char* source = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    if (source != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      local.sin_port = 0;
      REQUIRE(::inet_pton(AF_INET, source, &local.sin_addr) == 1);
      REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&local), sizeof local) == 0);
    }
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) close();
  }
  bool connected() const { return fd_ >= 0; }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool send(std::string_view data) {
    if (fd_ < 0) return false;
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Receives some bytes into pending_: false on timeout, close or error.
  bool receive() {
    if (fd_ < 0) {
      eof_ = true;
      return false;
    }
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = n == 0 || errno == ECONNRESET;
      return false;
    }
    pending_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  // Starts reading a response: parses until its header is done.
  bool read_head(bool head_request = false) {
    parser_.emplace();
    parser_->body_limit(boost::none);
    parser_->eager(true);
    if (head_request) parser_->skip(true);
    return feed_until([&] { return parser_->is_header_done(); });
  }

  // Reads until the body read so far contains `needle`.
  bool read_body_until(std::string_view needle) {
    return feed_until([&] { return parser_->get().body().find(needle) != std::string::npos; });
  }

  std::optional<ClientResponse> read_response(bool head_request = false) {
    if (!read_head(head_request)) return std::nullopt;
    return finish_response();
  }

  // Reads the rest of the response begun by read_head().
  std::optional<ClientResponse> finish_response() {
    if (!feed_until([&] { return parser_->is_done(); })) return std::nullopt;
    ClientResponse r;
    r.message = parser_->release();
    r.status = static_cast<int>(r.message.result_int());
    r.body = r.message.body();
    return r;
  }

  // True when the server closes the connection (EOF or reset) before `limit`.
  bool closed_by_server(std::chrono::milliseconds limit = 5000ms) {
    const auto end = Clock::now() + limit;
    while (Clock::now() < end) {
      if (!receive()) {
        if (eof_) return true;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return true;
      }
    }
    return false;
  }

  std::string& pending() { return pending_; }

 private:
  bool feed_until(const std::function<bool()>& done) {
    while (true) {
      while (!pending_.empty() && !parser_->is_done()) {
        boost::system::error_code ec;
        const std::size_t n = parser_->put(asio::buffer(pending_), ec);
        if (ec && ec != bhttp::error::need_more) return false;
        pending_.erase(0, n);
        if (n == 0) break;
      }
      if (done()) return true;
      if (!receive()) {
        if (eof_ && parser_->is_header_done() && !parser_->is_done()) {
          boost::system::error_code ec;
          parser_->put_eof(ec);
          return !ec && done();
        }
        return false;
      }
    }
  }

  int fd_ = -1;
  std::string pending_;
  bool eof_ = false;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
};

std::string get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra) + "\r\n";
}

// A server on its own io_context thread, with the records of what it answered.
struct Harness {
  asio::io_context io;
  std::mutex mutex;
  std::vector<RequestRecord> records;
  std::vector<std::string> logs;
  HttpServer server;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;

  explicit Harness(ServerOptions o = test_options()) : server(io, with_hooks(std::move(o))) {}

  ServerOptions with_hooks(ServerOptions o) {
    o.on_request = [this](const RequestRecord& r) {
      const std::lock_guard lock(mutex);
      records.push_back(r);
    };
    o.log = [this](std::string_view line) {
      const std::lock_guard lock(mutex);
      logs.emplace_back(line);
    };
    return o;
  }

  void route(std::string_view method, std::string_view pattern, Handler h,
             Access access = Access::read) {
    REQUIRE(server.router().add(method, pattern, std::move(h), access));
  }

  void start() {
    REQUIRE(server.listen());
    REQUIRE(server.port() != 0);
    work.emplace(io.get_executor());
    thread = std::thread([this] { io.run(); });
  }

  // Runs f on the io_context thread and waits for it.
  template <class F>
  auto on_io(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io, [&task] { task(); });
    REQUIRE(result.wait_for(5s) == std::future_status::ready);
    return result.get();
  }

  std::vector<RequestRecord> snapshot() {
    const std::lock_guard lock(mutex);
    return records;
  }

  ~Harness() {
    if (thread.joinable()) {
      asio::post(io, [this] { server.stop(); });
      work.reset();
      io.stop();
      thread.join();
    }
  }
};

Handler echo() {
  return [](const Request& req, Responder r) {
    boost::json::object o;
    o["method"] = req.method;
    o["route"] = req.route;
    boost::json::object params;
    for (const auto& [k, v] : req.params) params[k] = v;
    o["params"] = std::move(params);
    boost::json::array query;
    for (const auto& [k, v] : req.query) query.push_back(boost::json::array{k.c_str(), v.c_str()});
    o["query"] = std::move(query);
    o["body"] = req.body;
    o["id"] = req.request_id;
    o["remote"] = req.remote_address;
    r.send(json_response(200, o));
  };
}

}  // namespace

TEST_CASE("server: routing with decoded parameters and 404 and 405 JSON errors", "[http][server]") {
  Harness h;
  h.route("GET", "/v1/conventions/{id}", echo());
  h.route("POST", "/v1/jobs/{name}/run", echo());
  h.route("GET", "/v1/jobs/stats", echo());
  h.start();
  Client c(h.server.port());

  REQUIRE(c.send(get("/v1/conventions/59%20nord%2Fx")));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header(bhttp::field::content_type) == "application/json");
  CHECK(!r->header("X-Request-Id").empty());
  auto v = r->json();
  CHECK(v.at("params").at("id").as_string() == "59 nord/x");
  CHECK(v.at("route").as_string() == "/v1/conventions/{id}");
  CHECK(v.at("remote").as_string() == "127.0.0.1");

  REQUIRE(c.send("POST /v1/jobs/nord/run HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
                 "X-Request-Id: abc-123\r\n\r\n{\"a\"}"));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->json().at("body").as_string() == "{\"a\"");
  CHECK(r->json().at("id").as_string() == "abc-123");
  CHECK(r->header("X-Request-Id") == "abc-123");
  // The 5th body byte was the start of a next "request": it is answered 400 and closed.
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 400);

  Client c2(h.server.port());
  REQUIRE(c2.send(get("/v1/nothing")));
  r = c2.read_response();
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(r->json().at("error").at("code").as_string() == "not_found");

  REQUIRE(c2.send("DELETE /v1/conventions/x HTTP/1.1\r\nHost: t\r\n\r\n"));
  r = c2.read_response();
  REQUIRE(r);
  CHECK(r->status == 405);
  CHECK(r->header(bhttp::field::allow) == "GET, HEAD");
  CHECK(r->json().at("error").at("code").as_string() == "method_not_allowed");

  // HEAD: the GET route's headers, no body.
  REQUIRE(c2.send("HEAD /v1/jobs/stats HTTP/1.1\r\nHost: t\r\n\r\n"));
  r = c2.read_response(true);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.empty());
  CHECK(std::stoul(r->header(bhttp::field::content_length)) > 0);
  REQUIRE(c2.send(get("/v1/jobs/stats")));  // the connection is still in step
  r = c2.read_response();
  REQUIRE(r);
  CHECK(r->json().at("route").as_string() == "/v1/jobs/stats");

  // One record per answered request, with the route pattern (empty when none matched).
  REQUIRE(wait_until([&] { return h.snapshot().size() >= 7; }));
  const auto records = h.snapshot();
  CHECK(records[0].method == "GET");
  CHECK(records[0].route == "/v1/conventions/{id}");
  CHECK(records[0].status == 200);
  CHECK(records[0].duration > Clock::duration::zero());
  CHECK(records[1].route == "/v1/jobs/{name}/run");
  bool saw_404 = false;
  for (const auto& rec : records) saw_404 = saw_404 || (rec.status == 404 && rec.route.empty());
  CHECK(saw_404);
}

TEST_CASE("server: query parameters and bad percent-encoding is a 400", "[http][server]") {
  Harness h;
  h.route("GET", "/q", echo());
  h.start();
  Client c(h.server.port());
  REQUIRE(c.send(get("/q?a=1&b=x+y%21&c=%C3%A9&a=2")));
  auto r = c.read_response();
  REQUIRE(r);
  REQUIRE(r->status == 200);
  const auto v = r->json();
  const auto& q = v.at("query").as_array();
  REQUIRE(q.size() == 4);
  CHECK(q[1].as_array()[1].as_string() == "x y!");
  CHECK(q[2].as_array()[1].as_string() == "\xC3\xA9");

  for (const char* bad : {"/q?a=%zz", "/q?a=%C3", "/q%", "/q?%00=1"}) {
    INFO(bad);
    REQUIRE(c.send(get(bad)));
    r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->json().at("error").at("code").as_string() == "bad_request");
  }
}

TEST_CASE("server: limits give 413 431 and 414", "[http][server]") {
  ServerOptions o = test_options();
  o.limits.max_body_bytes = 1000;
  o.limits.max_header_bytes = 2048;
  o.limits.max_target_length = 256;
  o.limits.max_query_length = 64;
  Harness h(o);
  h.route("POST", "/up", echo());
  h.route("GET", "/t", echo());
  h.start();

  SECTION("announced body over the limit") {
    Client c(h.server.port());
    REQUIRE(c.send("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\nabc"));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(r->json().at("error").at("code").as_string() == "body_too_large");
    CHECK(c.closed_by_server());
  }
  SECTION("chunked body growing over the limit") {
    Client c(h.server.port());
    std::string req = "POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i) req += "200\r\n" + std::string(512, 'x') + "\r\n";
    REQUIRE(c.send(req));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 413);
  }
  SECTION("a body within the limit passes") {
    Client c(h.server.port());
    REQUIRE(c.send("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" +
                   std::string(1000, 'b')));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  SECTION("headers over the limit") {
    Client c(h.server.port());
    REQUIRE(c.send("GET /t HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(3000, 'h') + "\r\n\r\n"));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 431);
    CHECK(r->json().at("error").at("code").as_string() == "header_too_large");
  }
  SECTION("headers just over the limit, the request line sent first") {
    // Beast alone lets a few bytes more through when the header arrives in parts.
    const std::string line = "GET /t HTTP/1.1\r\n";
    const std::string head = "Host: t\r\nX-Big: ";
    for (const std::size_t over : {0u, 1u, 40u}) {
      INFO("bytes over the limit: " << over);
      const std::size_t pad = 2048 - line.size() - head.size() - 4 + over;
      Client c(h.server.port());
      REQUIRE(c.send(line));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a read of its own
      REQUIRE(c.send(head + std::string(pad, 'h') + "\r\n\r\n"));
      auto r = c.read_response();
      REQUIRE(r);
      CHECK(r->status == (over == 0 ? 200 : 431));
    }
  }
  SECTION("target over the limit, within and beyond the header limit") {
    for (const std::size_t n : {300u, 5000u}) {
      Client c(h.server.port());
      REQUIRE(c.send(get("/t/" + std::string(n, 'a'))));
      auto r = c.read_response();
      REQUIRE(r);
      CHECK(r->status == 414);
    }
    Client c(h.server.port());
    REQUIRE(c.send(get("/t?x=" + std::string(100, 'q'))));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 414);
  }
  SECTION("garbage is a 400, and the server goes on") {
    Client c(h.server.port());
    static const char tls_hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 tls hello\r\n\r\n";
    REQUIRE(c.send(std::string_view(tls_hello, sizeof tls_hello - 1)));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    Client c2(h.server.port());
    REQUIRE(c2.send(get("/t")));
    r = c2.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
}

// RFC 9112 §6.1, §6.3, §3.2. Each request below carries, in what would be its body, a
// second complete request for /smuggled; the server answers the first with an error and
// closes, and the second is never answered (nor handled).
TEST_CASE("server: request smuggling through Transfer-Encoding is refused and closes", "[http][server]") {
  Harness h;
  std::atomic<int> smuggled{0};
  h.route("POST", "/up", echo());
  h.route("GET", "/smuggled", [&](const Request&, Responder r) {
    ++smuggled;
    r.send(json_response(200, boost::json::object{{"smuggled", true}}));
  });
  h.start();
  const std::string hidden = get("/smuggled");
  struct Case {
    const char* name;
    std::string headers;
    int status;
  };
  const std::vector<Case> cases = {
      {"gzip", "Transfer-Encoding: gzip\r\n", 400},
      {"chunked, gzip", "Transfer-Encoding: chunked, gzip\r\n", 400},
      {"chunked then gzip on two lines", "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", 400},
      {"chunked twice", "Transfer-Encoding: chunked, chunked\r\n", 400},
      {"chunked on two lines", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 400},
      {"identity", "Transfer-Encoding: identity\r\n", 501},
      {"unknown coding", "Transfer-Encoding: xchunked\r\n", 501},
      {"gzip, chunked (not decoded)", "Transfer-Encoding: gzip, chunked\r\n", 501},
      {"empty", "Transfer-Encoding: \r\n", 400},
      {"chunked with a parameter", "Transfer-Encoding: chunked; gzi`\r\n", 400},
      {"chunked with an empty parameter", "Transfer-Encoding: chunked;\r\n", 400},
      {"chunked then an empty element", "Transfer-Encoding: chunked,\r\n", 400},
      {"an empty element then chunked", "Transfer-Encoding: , chunked\r\n", 400},
      {"gzip with Content-Length", "Transfer-Encoding: gzip\r\nContent-Length: " +
                                       std::to_string(hidden.size()) + "\r\n", 400},
      {"Content-Length then chunked", "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", 400},
      {"chunked then Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", 400},
  };
  for (const Case& k : cases) {
    INFO(k.name);
    Client c(h.server.port());
    REQUIRE(c.send("POST /up HTTP/1.1\r\nHost: t\r\n" + k.headers + "\r\n" + hidden));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == k.status);
    CHECK(r->header(bhttp::field::connection) == "close");
    CHECK(r->json().at("error").at("code").as_string() ==
          (k.status == 501 ? "not_implemented" : "bad_request"));
    // Nothing more comes: no second response, and the server closes.
    CHECK(c.closed_by_server(3000ms));
    CHECK(c.pending().find("HTTP/1.1") == std::string::npos);
  }
  SECTION("an HTTP/1.0 request with Transfer-Encoding") {
    Client c(h.server.port());
    REQUIRE(c.send("POST /up HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(c.closed_by_server(3000ms));
    CHECK(c.pending().find("HTTP/1.1") == std::string::npos);
  }
  SECTION("chunked alone is read as the body, and the connection stays usable") {
    Client c(h.server.port());
    REQUIRE(c.send("POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n"
                   "5\r\nhello\r\n0\r\n\r\n"));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->json().at("body").as_string() == "hello");
    REQUIRE(c.send(get("/smuggled")));  // an honest second request is answered
    r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(smuggled.load() == 1);
    smuggled = 0;
  }
  CHECK(smuggled.load() == 0);
  // Every refusal was recorded with its status.
  int refused = 0;
  for (const RequestRecord& rec : h.snapshot()) refused += rec.status == 400 || rec.status == 501;
  CHECK(refused >= static_cast<int>(cases.size()));
}

TEST_CASE("server: Host is required once in HTTP/1.1", "[http][server]") {
  Harness h;
  std::atomic<int> handled{0};
  h.route("GET", "/", [&](const Request&, Responder r) {
    ++handled;
    r.send(json_response(200, boost::json::object{}));
  });
  h.start();
  for (const std::string& req : {std::string("GET / HTTP/1.1\r\n\r\n"),
                                 std::string("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
                                 std::string("GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n")}) {
    INFO(req);
    Client c(h.server.port());
    REQUIRE(c.send(req + get("/")));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(c.closed_by_server(3000ms));
    CHECK(c.pending().find("HTTP/1.1") == std::string::npos);
  }
  CHECK(handled.load() == 0);
  // HTTP/1.0 without Host, HTTP/1.1 with an IPv6 literal and a port: served.
  for (const std::string& req : {std::string("GET / HTTP/1.0\r\n\r\n"),
                                 std::string("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")}) {
    Client c(h.server.port());
    REQUIRE(c.send(req));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  CHECK(handled.load() == 2);
}

TEST_CASE("server: a client sending its headers too slowly is cut", "[http][server]") {
  ServerOptions o = test_options();
  o.header_timeout = 300ms;
  Harness h(o);
  h.route("GET", "/", echo());
  h.start();
  Client c(h.server.port());
  const std::string req = get("/", "X-Slow: " + std::string(40, 's') + "\r\n");
  const auto start = Clock::now();
  bool cut = false;
  for (const char ch : req) {  // one byte per 50 ms: 3 s in all, 10 times the timeout
    if (!c.send(std::string_view(&ch, 1))) {
      cut = true;
      break;
    }
    std::this_thread::sleep_for(50ms);
    if (Clock::now() - start > 1500ms) break;
  }
  // Answered 408 then closed, well before the request could have been complete.
  auto r = c.read_response();
  if (r) CHECK(r->status == 408);
  CHECK((cut || c.closed_by_server(2000ms) || r));
  CHECK(Clock::now() - start < 4s);

  // A connection that sends nothing at all is closed too.
  Client idle(h.server.port());
  CHECK(idle.closed_by_server(3000ms));
}

TEST_CASE("server: keep-alive serves several requests on one connection", "[http][server]") {
  ServerOptions o = test_options();
  o.idle_timeout = 300ms;
  Harness h(o);
  h.route("GET", "/n/{i}", echo());
  h.start();
  Client c(h.server.port());
  for (int i = 0; i < 5; ++i) {
    REQUIRE(c.send(get("/n/" + std::to_string(i))));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->header(bhttp::field::connection) == "keep-alive");
    CHECK(r->json().at("params").at("i").as_string() == std::to_string(i));
  }
  // Pipelined: two requests in one write, two answers in order.
  REQUIRE(c.send(get("/n/a") + get("/n/b")));
  auto a = c.read_response();
  auto b = c.read_response();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->json().at("params").at("i").as_string() == "a");
  CHECK(b->json().at("params").at("i").as_string() == "b");
  CHECK(h.on_io([&] { return h.server.stats().accepted; }) == 1);
  // Idle longer than idle_timeout: closed.
  CHECK(c.closed_by_server(2000ms));
  // Connection: close is honoured.
  Client c2(h.server.port());
  REQUIRE(c2.send(get("/n/z", "Connection: close\r\n")));
  auto r = c2.read_response();
  REQUIRE(r);
  CHECK(r->header(bhttp::field::connection) == "close");
  CHECK(c2.closed_by_server());
}

TEST_CASE("server: a shared body is sent whole without a copy, and outlives its owner", "[http][server]") {
  Harness h(test_options());
  std::weak_ptr<const std::string> watch;
  // 3 MiB, more than a socket buffer: the write completes in several parts.
  std::string expected(3u << 20, '\0');
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<char>('a' + i % 26);
  h.route("GET", "/big", [&](const Request&, Responder r) {
    auto body = std::make_shared<const std::string>(expected);
    watch = body;
    Response resp;
    resp.body = "ignored when a shared body is set";
    resp.shared_body = std::move(body);  // the handler keeps no reference
    r.send(std::move(resp));
  });
  h.route("GET", "/not-modified", [](const Request&, Responder r) {
    Response resp;
    resp.status = 304;
    resp.shared_body = std::make_shared<const std::string>("never sent");
    r.send(std::move(resp));
  });
  h.start();
  Client c(h.server.port());
  for (int i = 0; i < 2; ++i) {
    REQUIRE(c.send(get("/big")));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->header(bhttp::field::content_length) == std::to_string(expected.size()));
    CHECK(r->body.size() == expected.size());
    CHECK(r->body == expected);
  }
  // Once written, the server let the bytes go.
  CHECK(wait_until([&] { return watch.expired(); }));
  // A 304 carries no body, shared or not, and the connection stays usable.
  REQUIRE(c.send(get("/not-modified")));
  auto nm = c.read_response();
  REQUIRE(nm);
  CHECK(nm->status == 304);
  CHECK(nm->body.empty());
  // HEAD: the length of the shared body, none of its bytes.
  REQUIRE(c.send("HEAD /big HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = c.read_response(true);
  REQUIRE(head);
  CHECK(head->header(bhttp::field::content_length) == std::to_string(expected.size()));
  CHECK(head->body.empty());
  REQUIRE(c.send(get("/big")));
  auto again = c.read_response();
  REQUIRE(again);
  CHECK(again->body == expected);
}

TEST_CASE("server: a responder answered later from a timer (long poll)", "[http][server]") {
  Harness h;
  std::shared_ptr<asio::steady_timer> timer;
  h.route("GET", "/wait", [&](const Request&, Responder r) {
    timer = std::make_shared<asio::steady_timer>(h.io, 200ms);
    timer->async_wait([r](const boost::system::error_code&) mutable {
      r.send(json_response(200, boost::json::value{{"late", true}}));
    });
  });
  h.route("GET", "/dropped", [](const Request&, Responder) {});  // never answers
  h.start();
  Client c(h.server.port());
  const auto start = Clock::now();
  REQUIRE(c.send(get("/wait")));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(Clock::now() - start >= 190ms);
  CHECK(r->json().at("late").as_bool());
  // The connection goes on after an async answer.
  REQUIRE(c.send(get("/dropped")));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(r->json().at("error").at("code").as_string() == "internal");
}

TEST_CASE("server: a handler that throws gives a 500 and the server goes on", "[http][server]") {
  Harness h;
  h.route("GET", "/boom", [](const Request&, Responder) -> void {
    throw std::runtime_error("kaput");
  });
  h.route("GET", "/bad-status", [](const Request&, Responder r) {
    Response resp = text_response(42, "x");
    resp.headers.emplace_back("X-Evil", "a\r\nSet-Cookie: y");
    r.send(resp);
  });
  h.route("GET", "/ok", echo());
  h.start();
  Client c(h.server.port());
  REQUIRE(c.send(get("/boom")));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(r->json().at("error").at("code").as_string() == "internal");
  REQUIRE(c.send(get("/bad-status")));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(r->header("Set-Cookie").empty());
  REQUIRE(c.send(get("/ok")));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  const std::lock_guard lock(h.mutex);
  bool logged = false;
  for (const auto& l : h.logs) logged = logged || l.find("kaput") != std::string::npos;
  CHECK(logged);
}

TEST_CASE("server: a streaming response arrives chunk by chunk", "[http][server]") {
  Harness h;
  std::shared_ptr<asio::steady_timer> timer;
  std::atomic<int> done_ok{0};
  h.route("GET", "/events", [&](const Request&, Responder r) {
    Stream s = r.start_stream(200, {{"Content-Type", "text/event-stream"},
                                    {"Cache-Control", "no-store"}});
    s.write("data: one\n\n", [&](conventiond::Status st) { done_ok += st.ok() ? 1 : 0; });
    timer = std::make_shared<asio::steady_timer>(h.io, 300ms);
    timer->async_wait([s](const boost::system::error_code&) mutable {
      s.write("data: two\n\n");
      s.close();
    });
  });
  h.start();
  Client c(h.server.port());
  REQUIRE(c.send(get("/events")));
  REQUIRE(c.read_head());
  const auto start = Clock::now();
  REQUIRE(c.read_body_until("data: one\n\n"));
  CHECK(Clock::now() - start < 250ms);  // the first chunk came before the second was written
  REQUIRE(c.read_body_until("data: two\n\n"));
  auto r = c.finish_response();  // the terminating chunk
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header(bhttp::field::content_type) == "text/event-stream");
  CHECK(r->header(bhttp::field::transfer_encoding) == "chunked");
  CHECK(r->body == "data: one\n\ndata: two\n\n");
  CHECK(done_ok == 1);
  // Keep-alive goes on after a closed stream.
  REQUIRE(c.send(get("/nothing")));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 404);
  REQUIRE(wait_until([&] {
    for (const auto& rec : h.snapshot()) {
      if (rec.streamed && rec.completed && rec.bytes_sent == 22) return true;
    }
    return false;
  }));
}

TEST_CASE("server: a stream whose client does not read is closed with a reason", "[http][server]") {
  ServerOptions o = test_options();
  o.write_timeout = 10s;  // the buffer limit, not the timeout, must end it
  Harness h(o);
  std::mutex m;
  std::optional<conventiond::Error> reason;
  std::size_t written = 0;
  std::shared_ptr<asio::steady_timer> timer;
  std::function<void(Stream)> pump;
  pump = [&](Stream s) {
    // 32 KiB each millisecond until a write is refused (bounded: 200 MiB).
    if (!s.write(std::string(32768, 'e')) || written > 6400) return;
    ++written;
    timer->expires_after(1ms);
    timer->async_wait([&, s](const boost::system::error_code&) { pump(s); });
  };
  h.route("GET", "/firehose", [&](const Request&, Responder r) {
    Stream s = r.start_stream(200, {{"Content-Type", "text/event-stream"}},
                              StreamOptions{64u << 10});
    s.on_close([&](const conventiond::Error& e) {
      const std::lock_guard lock(m);
      reason = e;
    });
    timer = std::make_shared<asio::steady_timer>(h.io);
    pump(s);
  });
  h.start();
  Client c(h.server.port());
  REQUIRE(c.send(get("/firehose")));  // and never read
  REQUIRE(wait_until([&] {
    const std::lock_guard lock(m);
    return reason.has_value();
  }, 15000ms));
  {
    const std::lock_guard lock(m);
    CHECK(reason->code == close_reason::overflow);
    CHECK(reason->message.find("too slow") != std::string::npos);
  }
  CHECK(h.on_io([&] { return h.server.stats().streams; }) == 0);
  CHECK(c.closed_by_server(5000ms));
}

TEST_CASE("server: a client leaving during a long poll is detected", "[http][server]") {
  Harness h;
  std::atomic<bool> closed{false};
  std::string code;
  std::optional<Responder> kept;
  h.route("GET", "/poll", [&](const Request&, Responder r) {
    r.on_close([&](const conventiond::Error& e) {
      code = e.code;
      closed = true;
    });
    kept = r;  // answered never: the client leaves first
  });
  h.start();
  {
    Client c(h.server.port());
    REQUIRE(c.send(get("/poll?wait=30s")));
    REQUIRE(wait_until([&] { return h.on_io([&] { return kept.has_value(); }); }));
  }  // closes
  REQUIRE(wait_until([&] { return closed.load(); }));
  CHECK(code == close_reason::disconnected);
  CHECK_FALSE(h.on_io([&] { return kept->is_open(); }));
  CHECK_FALSE(h.on_io([&] { return kept->send(json_response(200, nullptr)); }));
  h.on_io([&] { kept.reset(); });
  REQUIRE(wait_until([&] { return !h.snapshot().empty(); }));
  CHECK(h.snapshot()[0].status == 499);
  CHECK_FALSE(h.snapshot()[0].completed);
}

TEST_CASE("server: bearer tokens on admin routes and on reads", "[http][server]") {
  ServerOptions o = test_options();
  o.tokens = {"t0ken-admin"};
  o.reads_public = false;
  Harness h(o);
  h.route("POST", "/v1/jobs/{name}/run", echo(), Access::admin);
  h.route("GET", "/v1/conventions", echo());
  h.route("GET", "/healthz", echo(), Access::open);
  h.start();
  Client c(h.server.port());
  const auto post = [](std::string_view auth) {
    return "POST /v1/jobs/x/run HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n" + std::string(auth) +
           "\r\n";
  };
  REQUIRE(c.send(post("")));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(r->header(bhttp::field::www_authenticate) == "Bearer");
  CHECK(r->json().at("error").at("code").as_string() == "unauthorized");
  REQUIRE(c.send(post("Authorization: Bearer wrong\r\n")));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(r->header(bhttp::field::www_authenticate).rfind("Bearer", 0) == 0);
  REQUIRE(c.send(post("Authorization: Bearer t0ken-admin\r\n")));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  REQUIRE(c.send(get("/v1/conventions")));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 401);  // reads are not public here
  REQUIRE(c.send(get("/v1/conventions", "Authorization: bearer t0ken-admin\r\n")));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  REQUIRE(c.send(get("/healthz")));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("server: connections over the limit get a 503 and are closed", "[http][server]") {
  ServerOptions o = test_options();
  o.max_connections = 2;
  Harness h(o);
  h.route("GET", "/", echo());
  h.start();
  Client a(h.server.port());
  Client b(h.server.port());
  REQUIRE(wait_until([&] { return h.on_io([&] { return h.server.stats().connections; }) == 2; }));
  Client extra(h.server.port());
  auto r = extra.read_response();
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->json().at("error").at("code").as_string() == "overloaded");
  CHECK(extra.closed_by_server());
  // The two admitted ones are served.
  REQUIRE(a.send(get("/")));
  r = a.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(h.on_io([&] { return h.server.stats().rejected; }) == 1);
  // One leaves: room for a new one.
  b.close();
  REQUIRE(wait_until([&] { return h.on_io([&] { return h.server.stats().connections; }) == 1; }));
  Client d(h.server.port());
  REQUIRE(d.send(get("/")));
  r = d.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
}

// One address holding many idle connections does not deny the server to another one; its
// extra connections get a 503 and are closed; its idle ones are reaped by header_timeout.
TEST_CASE("server: a per-client connection limit keeps one address from taking the server", "[http][server]") {
  ServerOptions o = test_options();
  o.max_connections = 64;
  o.max_connections_per_client = 8;
  o.header_timeout = 1500ms;
  Harness h(o);
  h.route("GET", "/", echo());
  h.start();
  // 127.0.0.2 opens 40 connections and sends nothing (the attack of issue 11 with 256).
  std::vector<std::unique_ptr<Client>> hog;
  for (int i = 0; i < 40; ++i) {
    hog.push_back(std::make_unique<Client>(h.server.port(), 5000ms, "127.0.0.2"));
    REQUIRE(hog.back()->connected());
  }
  REQUIRE(wait_until([&] {
    return h.on_io([&] { return h.server.stats().rejected_per_client; }) == 32;
  }));
  auto stats = h.on_io([&] { return h.server.stats(); });
  CHECK(stats.connections == 8);
  CHECK(stats.clients == 1);
  // The extra ones were told why, then closed.
  int told = 0;
  for (std::size_t i = 8; i < hog.size(); ++i) {
    auto r = hog[i]->read_response();
    REQUIRE(r);
    CHECK(r->status == 503);
    told += r->json().at("error").at("code").as_string() == "too_many_connections";
    CHECK(hog[i]->closed_by_server(2000ms));
  }
  CHECK(told == 32);
  // Meanwhile 127.0.0.1 is served: 20 probes, each on a connection of its own, all answered.
  int served = 0;
  for (int i = 0; i < 20; ++i) {
    Client probe(h.server.port());
    REQUIRE(probe.send(get("/")));
    auto r = probe.read_response();
    served += r && r->status == 200 && r->json().at("remote").as_string() == "127.0.0.1";
  }
  CHECK(served == 20);
  // The 8 idle ones are closed by header_timeout; then 127.0.0.2 is served again.
  for (std::size_t i = 0; i < 8; ++i) CHECK(hog[i]->closed_by_server(4000ms));
  REQUIRE(wait_until([&] { return h.on_io([&] { return h.server.stats().clients; }) == 0; }));
  Client back(h.server.port(), 5000ms, "127.0.0.2");
  REQUIRE(back.send(get("/")));
  auto r = back.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->json().at("remote").as_string() == "127.0.0.2");
}

TEST_CASE("server: max_connections_per_client 0 means no per-address limit", "[http][server]") {
  ServerOptions o = test_options();
  o.max_connections = 4;
  o.max_connections_per_client = 0;
  Harness h(o);
  h.route("GET", "/", echo());
  h.start();
  std::vector<std::unique_ptr<Client>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<Client>(h.server.port()));
  REQUIRE(wait_until([&] { return h.on_io([&] { return h.server.stats().connections; }) == 4; }));
  Client extra(h.server.port());
  auto r = extra.read_response();
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->json().at("error").at("code").as_string() == "overloaded");  // the global limit
  CHECK(h.on_io([&] { return h.server.stats().rejected_per_client; }) == 0);
}

TEST_CASE("server: drain lets a pending request finish and closes idle ones", "[http][server]") {
  Harness h;
  std::optional<Responder> pending;
  std::optional<Stream> stream;
  std::atomic<bool> stream_shutdown{false};
  h.route("GET", "/slow", [&](const Request&, Responder r) { pending = r; });
  h.route("GET", "/events", [&](const Request&, Responder r) {
    stream = r.start_stream(200, {{"Content-Type", "text/event-stream"}});
    stream->on_close([&](const conventiond::Error& e) {
      stream_shutdown = e.code == close_reason::shutdown;
    });
    stream->write("data: x\n\n");
  });
  h.route("GET", "/", echo());
  h.start();
  Client idle(h.server.port());
  REQUIRE(idle.send(get("/")));
  REQUIRE(idle.read_response());
  Client busy(h.server.port());
  REQUIRE(busy.send(get("/slow")));
  Client streamer(h.server.port());
  REQUIRE(streamer.send(get("/events")));
  REQUIRE(streamer.read_head());
  REQUIRE(wait_until([&] { return h.on_io([&] { return pending.has_value(); }); }));

  std::atomic<bool> drained{false};
  h.on_io([&] {
    h.server.drain(Clock::now() + 3s, [&] { drained = true; });
    return 0;
  });
  CHECK(idle.closed_by_server(2000ms));
  REQUIRE(wait_until([&] { return stream_shutdown.load(); }));
  auto sr = streamer.finish_response();  // ended cleanly
  REQUIRE(sr);
  CHECK(sr->body == "data: x\n\n");
  Client late(h.server.port(), 500ms);  // refused or never answered
  const bool late_answered = late.send(get("/")) && late.read_response().has_value();
  CHECK_FALSE(late_answered);
  CHECK_FALSE(drained);
  h.on_io([&] { return pending->send(json_response(200, boost::json::value{{"ok", true}})); });
  auto r = busy.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header(bhttp::field::connection) == "close");
  REQUIRE(wait_until([&] { return drained.load(); }));
  h.on_io([&] {
    pending.reset();
    stream.reset();
    return 0;
  });
}

TEST_CASE("server: drain's deadline closes what is left", "[http][server]") {
  Harness h;
  std::optional<Responder> pending;
  std::atomic<bool> shut{false};
  h.route("GET", "/never", [&](const Request&, Responder r) {
    r.on_close([&](const conventiond::Error& e) { shut = e.code == close_reason::shutdown; });
    pending = r;
  });
  h.start();
  Client c(h.server.port());
  REQUIRE(c.send(get("/never")));
  REQUIRE(wait_until([&] { return h.on_io([&] { return pending.has_value(); }); }));
  std::atomic<bool> drained{false};
  const auto start = Clock::now();
  h.on_io([&] {
    h.server.drain(Clock::now() + 300ms, [&] { drained = true; });
    return 0;
  });
  REQUIRE(wait_until([&] { return drained.load(); }));
  CHECK(Clock::now() - start >= 250ms);
  CHECK(shut);
  CHECK(c.closed_by_server(2000ms));
  h.on_io([&] {
    pending.reset();
    return 0;
  });
}

TEST_CASE("server: listen errors are values", "[http][server]") {
  asio::io_context io;
  ServerOptions o = test_options();
  o.address = "not-an-ip";
  HttpServer bad(io, o);
  const auto s = bad.listen();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == "listen");

  HttpServer first(io, test_options());
  REQUIRE(first.listen());
  CHECK(first.local_endpoint() == "127.0.0.1:" + std::to_string(first.port()));
  ServerOptions same = test_options();
  same.port = first.port();
  HttpServer second(io, same);
  CHECK_FALSE(second.listen().ok());
}
