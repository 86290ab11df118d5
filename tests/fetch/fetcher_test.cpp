// The Fetcher against the loopback test server (127.0.0.1, port 0). Every wait is bounded.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <conventiond/fetch/fetcher.hpp>

#include "support/test_http_server.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using conventiond::FetchPolicy;
using conventiond::FetchRequest;
using conventiond::FetchResult;
using conventiond::Fetcher;
using conventiond::test::TestHttpServer;
using conventiond::test::TestRequest;
using conventiond::test::TestResponse;
using Clock = std::chrono::steady_clock;

namespace {

FetchPolicy test_policy() {
  FetchPolicy p;
  p.user_agent = "conventiond-test/1.0 (+test@example.org)";
  p.max_concurrent = 16;
  p.max_concurrent_per_host = 8;
  p.per_host_min_delay = 0ms;
  p.connect_timeout = 2s;
  p.total_timeout = 5s;
  p.backoff_base = 20ms;
  p.backoff_max = 200ms;
  p.honour_robots = false;
  p.proxy = "";  // loopback: never through an environment proxy
  return p;
}

TestResponse html(std::string body) {
  return TestResponse{200, {{"Content-Type", "text/html; charset=utf-8"}}, std::move(body)};
}

struct Harness {
  asio::io_context io;
  std::optional<Fetcher> fetcher;
  std::vector<FetchResult> results;
  std::size_t peak_in_flight = 0;

  explicit Harness(FetchPolicy policy = test_policy()) { fetcher.emplace(io, std::move(policy)); }

  void fetch(FetchRequest request) {
    fetcher->fetch(std::move(request),
                   [this](FetchResult r) { results.push_back(std::move(r)); });
  }
  void fetch(std::string url) { fetch(FetchRequest(std::move(url))); }

  // Runs the loop until `done` or the time limit; false on time-out.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 15s) {
    const auto deadline = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      if (io.stopped()) io.restart();
      io.run_one_for(10ms);
      if (fetcher) peak_in_flight = std::max(peak_in_flight, fetcher->metrics().in_flight);
    }
    return true;
  }
  bool wait_results(std::size_t n, std::chrono::milliseconds limit = 15s) {
    return run_until([&] { return results.size() >= n; }, limit);
  }

  FetchResult get(FetchRequest request) {
    const std::size_t before = results.size();
    fetch(std::move(request));
    REQUIRE(wait_results(before + 1));
    return results.back();
  }
  FetchResult get(std::string url) { return get(FetchRequest(std::move(url))); }
};

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string error_message(const FetchResult& r) { return r.error ? r.error->message : ""; }
std::string error_code(const FetchResult& r) { return r.error ? r.error->code : ""; }

}  // namespace

TEST_CASE("fetcher: 200 OK with headers, body and user agent", "[fetcher]") {
  TestHttpServer server;
  server.route("/hello", TestResponse{200,
                                      {{"Content-Type", "text/html; charset=utf-8"},
                                       {"X-Custom", "yes"}},
                                      "<html><body>Bonjour</body></html>"});
  Harness h;
  FetchRequest request(server.url("/hello"));
  request.user_agent_note = "job 7";
  request.tag = "t1";
  const FetchResult r = h.get(request);
  INFO(error_message(r));
  CHECK(r.ok());
  CHECK(r.status == 200);
  CHECK(r.body == "<html><body>Bonjour</body></html>");
  CHECK(r.content_type == "text/html; charset=utf-8");
  CHECK(r.media_type == "text/html");
  CHECK(r.header("x-custom") == "yes");
  CHECK(r.final_url == server.url("/hello"));
  CHECK(r.attempts == 1);
  CHECK(r.tag == "t1");
  CHECK_FALSE(r.not_modified);
  const auto seen = server.last_request("/hello");
  REQUIRE(seen);
  CHECK(seen->header("user-agent") == "conventiond-test/1.0 (+test@example.org) (job 7)");
  CHECK_FALSE(seen->header("accept-encoding").empty());  // gzip/deflate handled by curl
  const auto m = h.fetcher->metrics();
  CHECK(m.requests == 1);
  CHECK(m.succeeded == 1);
  CHECK(m.by_status.at(200) == 1);
  CHECK(m.bytes_received == r.body.size());
}

TEST_CASE("fetcher: 50 transfers in flight at once", "[fetcher]") {
  TestHttpServer server;
  server.route("/slow/*", TestResponse{200, {{"Content-Type", "text/plain"}}, "ok", 400ms});
  FetchPolicy p = test_policy();
  p.max_concurrent = 64;
  p.max_concurrent_per_host = 64;
  Harness h(p);
  const auto start = Clock::now();
  for (int i = 0; i < 50; ++i) h.fetch(server.url("/slow/" + std::to_string(i)));
  REQUIRE(h.wait_results(50));
  const auto took = Clock::now() - start;
  CHECK(std::all_of(h.results.begin(), h.results.end(), [](const FetchResult& r) { return r.ok(); }));
  CHECK(server.total_hits() == 50);
  CHECK(server.max_in_flight() >= 40);
  CHECK(took < 5s);  // 50 x 400 ms one after the other would take 20 s
}

TEST_CASE("fetcher: per-host concurrency limit", "[fetcher]") {
  TestHttpServer server;
  server.route("/p/*", TestResponse{200, {}, "ok", 150ms});
  FetchPolicy p = test_policy();
  p.max_concurrent = 10;
  p.max_concurrent_per_host = 3;
  Harness h(p);
  for (int i = 0; i < 12; ++i) h.fetch(server.url("/p/" + std::to_string(i)));
  REQUIRE(h.wait_results(12));
  CHECK(server.max_in_flight() == 3);
  CHECK(h.peak_in_flight <= 3);
}

TEST_CASE("fetcher: global concurrency limit across hosts", "[fetcher]") {
  TestHttpServer a;
  TestHttpServer b;
  a.route("/x/*", TestResponse{200, {}, "a", 150ms});
  b.route("/x/*", TestResponse{200, {}, "b", 150ms});
  FetchPolicy p = test_policy();
  p.max_concurrent = 2;
  p.max_concurrent_per_host = 4;
  Harness h(p);
  const auto start = Clock::now();
  for (int i = 0; i < 4; ++i) {
    h.fetch(a.url("/x/" + std::to_string(i)));
    h.fetch(b.url("/x/" + std::to_string(i)));
  }
  REQUIRE(h.wait_results(8));
  CHECK(h.peak_in_flight <= 2);
  CHECK(a.max_in_flight() <= 2);
  CHECK(b.max_in_flight() <= 2);
  CHECK(Clock::now() - start >= 550ms);  // 8 requests, 2 at a time, 150 ms each
  CHECK(a.total_hits() == 4);
  CHECK(b.total_hits() == 4);
}

TEST_CASE("fetcher: per-host minimum delay between request starts", "[fetcher]") {
  TestHttpServer server;
  server.route("/d/*", TestResponse{200, {}, "ok"});
  FetchPolicy p = test_policy();
  p.per_host_min_delay = 200ms;
  Harness h(p);
  // Arrival times at the server also include connection set-up, which a loaded machine
  // can slow by tens of milliseconds: a warm-up request opens the connection first, and
  // the bound leaves a margin (without the delay the gaps would be about 1 ms).
  CHECK(h.get(server.url("/d/warm-up")).ok());
  server.reset_counters();
  for (int i = 0; i < 4; ++i) h.fetch(server.url("/d/" + std::to_string(i)));
  REQUIRE(h.wait_results(5));
  std::vector<Clock::time_point> times;
  for (const auto& req : server.requests()) times.push_back(req.received);
  REQUIRE(times.size() == 4);
  std::sort(times.begin(), times.end());
  for (std::size_t i = 1; i < times.size(); ++i) {
    INFO("gap " << i << ": "
                << std::chrono::duration_cast<std::chrono::milliseconds>(times[i] - times[i - 1]).count()
                << " ms");
    CHECK(times[i] - times[i - 1] >= 150ms);
  }
  CHECK(times.back() - times.front() >= 540ms);
}

TEST_CASE("fetcher: 404 is an error and is not retried", "[fetcher]") {
  TestHttpServer server;
  server.route("/gone", TestResponse{404, {{"Content-Type", "text/plain"}}, "no such page"});
  Harness h;
  const FetchResult r = h.get(server.url("/gone"));
  CHECK_FALSE(r.ok());
  CHECK(error_code(r) == "http");
  CHECK(contains(error_message(r), "HTTP 404 Not Found"));
  CHECK(contains(error_message(r), server.url("/gone")));
  CHECK(r.status == 404);
  CHECK(r.attempts == 1);
  CHECK(r.body == "no such page");
  CHECK(server.hits("/gone") == 1);
}

TEST_CASE("fetcher: 500 then 200 is retried and succeeds", "[fetcher]") {
  TestHttpServer server;
  server.route_sequence("/flaky", {TestResponse{500, {}, "oops"}, html("fine")});
  Harness h;
  const FetchResult r = h.get(server.url("/flaky"));
  INFO(error_message(r));
  CHECK(r.ok());
  CHECK(r.status == 200);
  CHECK(r.body == "fine");
  CHECK(r.attempts == 2);
  CHECK(server.hits("/flaky") == 2);
  CHECK(h.fetcher->metrics().retries == 1);
}

TEST_CASE("fetcher: 5xx on every attempt fails after max attempts", "[fetcher]") {
  TestHttpServer server;
  server.route("/down", TestResponse{503, {}, "down"});
  FetchPolicy p = test_policy();
  p.max_attempts = 3;
  Harness h(p);
  const FetchResult r = h.get(server.url("/down"));
  CHECK(error_code(r) == "http");
  CHECK(contains(error_message(r), "HTTP 503 Service Unavailable (after 3 attempts)"));
  CHECK(r.attempts == 3);
  CHECK(server.hits("/down") == 3);
}

TEST_CASE("fetcher: 429 with Retry-After: 1 is waited", "[fetcher]") {
  TestHttpServer server;
  server.route_sequence("/busy", {TestResponse{429, {{"Retry-After", "1"}}, "slow down"},
                                  html("ok now")});
  Harness h;
  const FetchResult r = h.get(server.url("/busy"));
  INFO(error_message(r));
  CHECK(r.ok());
  CHECK(r.attempts == 2);
  const auto times = server.hit_times("/busy");
  REQUIRE(times.size() == 2);
  CHECK(times[1] - times[0] >= 950ms);
}

TEST_CASE("fetcher: a Retry-After over the cap is not waited", "[fetcher]") {
  TestHttpServer server;
  server.route("/later", TestResponse{429, {{"Retry-After", "3600"}}, ""});
  FetchPolicy p = test_policy();
  p.max_retry_after = 2s;
  Harness h(p);
  const auto start = Clock::now();
  const FetchResult r = h.get(server.url("/later"));
  CHECK(error_code(r) == "http");
  CHECK(contains(error_message(r), "HTTP 429 Too Many Requests (Retry-After 3600 s over the 2 s limit)"));
  CHECK(r.attempts == 1);
  CHECK(Clock::now() - start < 2s);
}

TEST_CASE("fetcher: a response slower than the timeout fails with a timeout", "[fetcher]") {
  TestHttpServer server;
  server.route("/slow", TestResponse{200, {}, "late", 5s});
  FetchPolicy p = test_policy();
  p.total_timeout = 1s;
  p.max_attempts = 2;
  Harness h(p);
  const auto start = Clock::now();
  const FetchResult r = h.get(server.url("/slow"));
  CHECK(error_code(r) == "timeout");
  CHECK(contains(error_message(r), "timeout after 1 s (after 2 attempts)"));
  CHECK(r.attempts == 2);
  CHECK(Clock::now() - start < 4s);
}

TEST_CASE("fetcher: a slow chunked body hits the total timeout", "[fetcher]") {
  TestHttpServer server;
  TestResponse slow{200, {{"Content-Type", "text/plain"}}, std::string(10, 'x')};
  slow.chunk_size = 1;
  slow.chunk_delay = 200ms;
  server.route("/trickle", slow);
  FetchPolicy p = test_policy();
  p.total_timeout = 700ms;
  p.max_attempts = 1;
  Harness h(p);
  const FetchResult r = h.get(server.url("/trickle"));
  CHECK(error_code(r) == "timeout");
  CHECK(contains(error_message(r), "timeout after 700 ms"));
  CHECK(r.body.empty());
}

TEST_CASE("fetcher: a body over the limit fails with a clear error", "[fetcher]") {
  TestHttpServer server;
  server.route("/big", TestResponse{200, {{"Content-Type", "application/pdf"}},
                                    std::string(200'000, 'x')});
  TestResponse chunked{200, {}, std::string(200'000, 'y')};
  chunked.chunk_size = 16'384;  // no Content-Length: cut while streaming
  server.route("/big-chunked", chunked);
  FetchPolicy p = test_policy();
  p.max_body_bytes = 64 * 1024;
  Harness h(p);
  for (const char* path : {"/big", "/big-chunked"}) {
    const FetchResult r = h.get(server.url(path));
    INFO(path);
    CHECK(error_code(r) == "too_large");
    CHECK(contains(error_message(r), "body over 64 KiB limit"));
    CHECK(r.attempts == 1);  // not retried
    CHECK(r.body.empty());
  }
}

TEST_CASE("fetcher: redirects are followed, a loop fails", "[fetcher]") {
  TestHttpServer server;
  server.route("/old", TestResponse{301, {{"Location", "/new"}}, ""});
  server.route("/new", html("moved here"));
  server.route("/loop-a", TestResponse{302, {{"Location", "/loop-b"}}, ""});
  server.route("/loop-b", TestResponse{302, {{"Location", "/loop-a"}}, ""});
  FetchPolicy p = test_policy();
  p.max_redirects = 5;
  Harness h(p);
  const FetchResult moved = h.get(server.url("/old"));
  CHECK(moved.ok());
  CHECK(moved.final_url == server.url("/new"));
  CHECK(moved.body == "moved here");
  const FetchResult loop = h.get(server.url("/loop-a"));
  CHECK(error_code(loop) == "redirects");
  CHECK(contains(error_message(loop), "too many redirects (5)"));
  CHECK(loop.attempts == 1);
}

TEST_CASE("fetcher: a PDF served as text/html is sniffed as a PDF", "[fetcher]") {
  TestHttpServer server;
  server.route("/convention", TestResponse{200, {{"Content-Type", "text/html"}},
                                           "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\n"});
  Harness h;
  const FetchResult r = h.get(server.url("/convention"));
  CHECK(r.ok());
  CHECK(r.content_type == "text/html");
  CHECK(r.media_type == "application/pdf");
}

TEST_CASE("fetcher: robots.txt disallowing a path is honoured and cached", "[fetcher][robots]") {
  TestHttpServer server;
  server.route("/robots.txt", TestResponse{200, {{"Content-Type", "text/plain"}},
                                           "User-agent: *\nDisallow: /private\n"});
  server.route("/private/*", html("secret"));
  server.route("/public/*", html("public"));
  FetchPolicy p = test_policy();
  p.honour_robots = true;
  Harness h(p);
  h.fetch(server.url("/private/a"));
  h.fetch(server.url("/public/b"));
  h.fetch(server.url("/public/c"));
  REQUIRE(h.wait_results(3));
  const FetchResult later = h.get(server.url("/private/d?x=1"));
  for (const FetchResult& r : h.results) {
    INFO(r.url << " " << error_message(r));
    if (contains(r.url, "/private/")) {
      CHECK(error_code(r) == "robots");
      CHECK(contains(error_message(r), "disallowed by robots.txt"));
      CHECK(r.attempts == 0);
    } else {
      CHECK(r.ok());
    }
  }
  CHECK(server.hits("/private/a") == 0);
  CHECK(server.hits("/private/d") == 0);
  CHECK(server.hits("/robots.txt") == 1);
  const auto robots_request = server.last_request("/robots.txt");
  REQUIRE(robots_request);
  CHECK(contains(robots_request->header("user-agent"), "conventiond-test/1.0"));
  CHECK(h.fetcher->metrics().robots_disallowed == 2);
}

TEST_CASE("fetcher: a missing robots.txt allows everything", "[fetcher][robots]") {
  TestHttpServer server;  // /robots.txt -> 404
  server.route("/page", html("x"));
  FetchPolicy p = test_policy();
  p.honour_robots = true;
  Harness h(p);
  CHECK(h.get(server.url("/page")).ok());
  CHECK(server.hits("/robots.txt") == 1);
}

TEST_CASE("fetcher: robots.txt answering 5xx disallows the host for a while", "[fetcher][robots]") {
  TestHttpServer server;
  server.route("/robots.txt", TestResponse{500, {}, "broken"});
  server.route("/page", html("x"));
  FetchPolicy p = test_policy();
  p.honour_robots = true;
  Harness h(p);
  const FetchResult r = h.get(server.url("/page"));
  // Not "robots" (a rule): the runner defers and retries such items instead of skipping them.
  CHECK(error_code(r) == "robots_unavailable");
  CHECK(contains(error_message(r), "robots.txt unavailable: HTTP 500 Internal Server Error"));
  CHECK(server.hits("/page") == 0);
  CHECK(h.get(server.url("/page")).error);  // cached: no second robots.txt request
  CHECK(server.hits("/robots.txt") == 1);
}

TEST_CASE("fetcher: robots.txt Crawl-delay spaces the requests", "[fetcher][robots]") {
  TestHttpServer server;
  server.route("/robots.txt", TestResponse{200, {}, "User-agent: *\nCrawl-delay: 0.3\n"});
  server.route("/c/*", html("x"));
  FetchPolicy p = test_policy();
  p.honour_robots = true;
  Harness h(p);
  for (int i = 0; i < 3; ++i) h.fetch(server.url("/c/" + std::to_string(i)));
  REQUIRE(h.wait_results(3));
  std::vector<Clock::time_point> times;
  for (const auto& req : server.requests()) times.push_back(req.received);
  REQUIRE(times.size() == 4);  // robots.txt + 3
  for (std::size_t i = 1; i < times.size(); ++i) {
    INFO("gap " << i << ": "
                << std::chrono::duration_cast<std::chrono::milliseconds>(times[i] - times[i - 1]).count()
                << " ms");
    CHECK(times[i] - times[i - 1] >= 225ms);  // 300 ms, less a margin for connection set-up
  }
  CHECK(times.back() - times.front() >= 800ms);
}

TEST_CASE("fetcher: ETag and Last-Modified round trip to a 304", "[fetcher]") {
  TestHttpServer server;
  const std::string etag = "\"v1\"";
  const std::string modified = "Mon, 04 Mar 2019 13:05:09 GMT";
  server.route("/doc", [&](const TestRequest& req) {
    if (req.header("if-none-match") == etag || req.header("if-modified-since") == modified) {
      return TestResponse{304, {{"ETag", etag}}, ""};
    }
    return TestResponse{200, {{"ETag", etag}, {"Last-Modified", modified}}, "content"};
  });
  Harness h;
  const FetchResult first = h.get(server.url("/doc"));
  CHECK(first.ok());
  CHECK(first.etag == etag);
  CHECK(first.last_modified == modified);
  CHECK(first.body == "content");

  FetchRequest conditional(server.url("/doc"));
  conditional.if_none_match = first.etag;
  const FetchResult again = h.get(conditional);
  CHECK(again.ok());
  CHECK(again.not_modified);
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(server.last_request("/doc")->header("if-none-match") == etag);

  FetchRequest by_date_request(server.url("/doc"));
  by_date_request.if_modified_since = first.last_modified;
  const FetchResult by_date = h.get(by_date_request);
  CHECK(by_date.not_modified);
  CHECK(server.last_request("/doc")->header("if-modified-since") == modified);
  CHECK(h.fetcher->metrics().not_modified == 2);
}

TEST_CASE("fetcher: file:// is refused unless allowed and other schemes always", "[fetcher]") {
  const auto path = std::filesystem::temp_directory_path() /
                    ("conventiond-fetch-test-" + std::to_string(::getpid()) + ".html");
  {
    std::ofstream out(path);
    out << "<p>local</p>";
  }
  const std::string url = "file://" + path.string();
  {
    Harness h;
    const FetchResult r = h.get(url);
    CHECK(error_code(r) == "scheme");
    CHECK(contains(error_message(r), "scheme file not allowed"));
    const FetchResult ftp = h.get("ftp://example.org/file.pdf");
    CHECK(contains(error_message(ftp), "scheme ftp not allowed"));
    const FetchResult bad = h.get("not a url");
    CHECK(error_code(bad) == "url");
  }
  {
    FetchPolicy p = test_policy();
    p.allow_file = true;
    p.honour_robots = true;  // not applicable to files
    Harness h(p);
    const FetchResult r = h.get(url);
    INFO(error_message(r));
    CHECK(r.ok());
    CHECK(r.status == 200);
    CHECK(r.body == "<p>local</p>");
    CHECK(r.media_type == "text/html");
    const FetchResult missing = h.get("file:///nonexistent/conventiond/x.html");
    CHECK(error_code(missing) == "file");
  }
  std::filesystem::remove(path);
}

TEST_CASE("fetcher: a redirect to file:// is refused even when file:// is allowed", "[fetcher]") {
  TestHttpServer server;
  server.route("/to-file", TestResponse{302, {{"Location", "file:///etc/passwd"}}, ""});
  FetchPolicy p = test_policy();
  p.allow_file = true;
  Harness h(p);
  const FetchResult r = h.get(server.url("/to-file"));
  CHECK_FALSE(r.ok());
  CHECK(r.body.find("root:") == std::string::npos);
}

TEST_CASE("fetcher: stop() mid-flight calls every callback with cancelled", "[fetcher]") {
  TestHttpServer server;
  server.route("/s/*", TestResponse{200, {}, "late", 5s});
  server.route("/retry", TestResponse{500, {}, ""});
  FetchPolicy p = test_policy();
  p.max_concurrent_per_host = 4;  // some transfers running, some queued
  p.backoff_base = 5s;
  p.backoff_max = 5s;
  Harness h(p);
  h.fetch(server.url("/retry"));  // will be waiting in backoff
  for (int i = 0; i < 10; ++i) h.fetch(server.url("/s/" + std::to_string(i)));
  REQUIRE(h.run_until([&] { return server.hits("/retry") == 1 && server.in_flight() >= 3; }, 5s));
  h.run_until([] { return false; }, 100ms);
  const auto start = Clock::now();
  h.fetcher->stop();
  CHECK(h.results.empty());  // callbacks never run inside stop()
  REQUIRE(h.wait_results(11, 2s));
  CHECK(Clock::now() - start < 1s);
  for (const FetchResult& r : h.results) {
    CHECK(error_code(r) == "cancelled");
    CHECK(r.body.empty());
  }
  CHECK(h.fetcher->metrics().in_flight == 0);
  const FetchResult after = h.get(server.url("/s/late"));
  CHECK(error_code(after) == "cancelled");
  h.run_until([] { return false; }, 50ms);
  CHECK(h.results.size() == 12);
}

TEST_CASE("fetcher: connection errors are retried", "[fetcher]") {
  TestHttpServer server;
  TestResponse drop;
  drop.drop = true;
  server.route_sequence("/drop", {drop, html("second time lucky")});
  Harness h;
  const FetchResult r = h.get(server.url("/drop"));
  INFO(error_message(r));
  CHECK(r.ok());
  CHECK(r.attempts == 2);

  std::string closed;
  {
    TestHttpServer gone;
    closed = gone.url("/nothing");
  }
  FetchPolicy p = test_policy();
  p.max_attempts = 2;
  Harness h2(p);
  const FetchResult refused = h2.get(closed);
  CHECK(error_code(refused) == "connect");
  CHECK(contains(error_message(refused), "connection failed"));
  CHECK(refused.attempts == 2);
}

TEST_CASE("fetcher: POST with a body and headers, HEAD", "[fetcher]") {
  TestHttpServer server;
  server.route("/api", [](const TestRequest& req) {
    return TestResponse{201, {{"Content-Type", "application/json"}},
                        "{\"method\":\"" + req.method + "\",\"got\":\"" + req.body + "\"}"};
  });
  Harness h;
  FetchRequest post(server.url("/api"), conventiond::HttpMethod::post);
  post.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-Job", "42"}};
  post.body = "a=1&b=2";
  const FetchResult r = h.get(post);
  CHECK(r.ok());
  CHECK(r.status == 201);
  CHECK(r.body == "{\"method\":\"POST\",\"got\":\"a=1&b=2\"}");
  CHECK(r.media_type == "application/json");
  const auto seen = server.last_request("/api");
  REQUIRE(seen);
  CHECK(seen->header("x-job") == "42");
  CHECK(seen->header("content-type") == "application/x-www-form-urlencoded");

  const FetchResult head =
      h.get(FetchRequest(server.url("/api"), conventiond::HttpMethod::head));
  CHECK(head.ok());
  CHECK(head.body.empty());
  CHECK(server.last_request("/api")->method == "HEAD");
}

TEST_CASE("fetcher: destroying it with transfers in flight drops them safely", "[fetcher]") {
  TestHttpServer server;
  server.route("/s/*", TestResponse{200, {}, "late", 2s});
  asio::io_context io;
  std::size_t called = 0;
  {
    Fetcher fetcher(io, test_policy());
    for (int i = 0; i < 5; ++i) {
      fetcher.fetch(FetchRequest(server.url("/s/" + std::to_string(i))),
                    [&](FetchResult) { ++called; });
    }
    io.run_for(200ms);
  }
  io.restart();
  io.run_for(100ms);
  CHECK(called == 0);
}

TEST_CASE("fetcher: callbacks may queue more requests", "[fetcher]") {
  TestHttpServer server;
  server.route("/chain/*", html("link"));
  Harness h;
  int remaining = 20;
  std::function<void(FetchResult)> next;
  next = [&](FetchResult r) {
    h.results.push_back(std::move(r));
    if (--remaining > 0) {
      h.fetcher->fetch(FetchRequest(server.url("/chain/" + std::to_string(remaining))),
                       next);
    }
  };
  h.fetcher->fetch(FetchRequest(server.url("/chain/start")), next);
  REQUIRE(h.wait_results(20));
  CHECK(std::all_of(h.results.begin(), h.results.end(), [](const FetchResult& r) { return r.ok(); }));
}

namespace {
std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}
}  // namespace

TEST_CASE("fetcher: curl keeps its connections (Asio never closes curl's fds)", "[fetcher]") {
  TestHttpServer server;
  server.route("/k/*", html("keep-alive"));
  Harness h;
  for (int i = 0; i < 5; ++i) CHECK(h.get(server.url("/k/" + std::to_string(i))).ok());
  CHECK(server.connections() == 1);  // one connection, reused: its fd stayed valid
}

TEST_CASE("fetcher: no file descriptor outlives the Fetcher", "[fetcher]") {
  TestHttpServer server;  // its own fds are opened before counting
  server.route("/f/*", TestResponse{200, {}, "x", 50ms});
  TestResponse trickle{200, {}, std::string(100, 'x')};
  trickle.chunk_size = 1;
  trickle.chunk_delay = 100ms;  // the server notices a closed connection at its next write
  server.route("/slow", trickle);
  const std::size_t before = open_fds();
  {
    Harness h;
    for (int i = 0; i < 20; ++i) h.fetch(server.url("/f/" + std::to_string(i)));
    h.fetch(server.url("/slow"));  // still running when the Fetcher goes
    REQUIRE(h.wait_results(20));
    CHECK(open_fds() > before);  // cached connections and the running transfer
  }
  // The server's ends of the connections (same process) close once it sees the client's
  // close: wait for that, bounded.
  const auto deadline = Clock::now() + 3s;
  while (open_fds() != before && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  CHECK(open_fds() == before);
}

TEST_CASE("fetcher: a host name is resolved without blocking the loop", "[fetcher]") {
  TestHttpServer server;
  server.route("/named", html("by name"));
  Harness h;
  const FetchResult r = h.get("http://localhost:" + std::to_string(server.port()) + "/named");
  INFO(error_message(r));
  CHECK(r.ok());
  CHECK(r.body == "by name");
}
