#pragma once
// A loopback HTTP/1.1 server for tests (Boost.Beast, on its own thread, 127.0.0.1 port 0).
// Tests register routes with canned or computed responses, then check what it saw: hits per
// path, the last request's headers, arrival times, the peak number of requests in flight.
//
//   conventiond::test::TestHttpServer server;
//   server.route("/a", {200, {{"Content-Type", "text/html"}}, "<p>x</p>"});
//   fetch(server.url("/a"));
//   CHECK(server.hits("/a") == 1);
//
// This header does not include Beast: all of it lives in test_http_server.cpp.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace conventiond::test {

using TestHeaders = std::vector<std::pair<std::string, std::string>>;

struct TestRequest {
  std::string method;
  std::string target;  // as sent: path and query
  std::string path;    // without the query
  TestHeaders headers; // names in lower case
  std::string body;
  std::chrono::steady_clock::time_point received;

  // The value of header `name` (any case), or "" when absent.
  std::string header(std::string_view name) const;
};

struct TestResponse {
  int status = 200;
  TestHeaders headers;  // sent as given (Content-Length is added)
  std::string body;
  std::chrono::milliseconds delay{0};  // before the status line
  bool close_connection = false;       // answer with Connection: close, then close
  bool drop = false;                   // close the connection without answering
  std::size_t chunk_size = 0;          // > 0: a chunked body, in chunks of this size...
  std::chrono::milliseconds chunk_delay{0};  // ...with this pause before each chunk
};

using TestHandler = std::function<TestResponse(const TestRequest&)>;

class TestHttpServer {
 public:
  TestHttpServer();   // listening when it returns
  ~TestHttpServer();  // stops at once, abandoning requests in progress
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  std::uint16_t port() const;
  std::string origin() const;                     // "http://127.0.0.1:PORT"
  std::string url(std::string_view target) const; // origin() + target

  // Routes match the path exactly; a path ending in '*' matches every path with that prefix
  // (the longest wins). Unknown paths get a 404. Handlers run on the server thread.
  void route(std::string path, TestResponse response);
  void route(std::string path, TestHandler handler);
  // One response per hit, in order; the last one repeats.
  void route_sequence(std::string path, std::vector<TestResponse> responses);

  std::size_t hits(std::string_view path) const;  // requests received for the exact path
  std::size_t total_hits() const;
  std::optional<TestRequest> last_request(std::string_view path) const;
  std::vector<TestRequest> requests() const;  // every request, in arrival order
  std::vector<std::chrono::steady_clock::time_point> hit_times(std::string_view path) const;
  std::size_t in_flight() const;      // requests received and not yet fully answered
  std::size_t max_in_flight() const;  // the peak of in_flight()
  std::size_t connections() const;    // connections accepted
  void reset_counters();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace conventiond::test
