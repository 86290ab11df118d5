#pragma once
// The daemon's HTTP/1.1 server: Boost.Beast on an Asio io_context (all of Beast lives in
// core/http/server.cpp). See docs/http-server.md.
//
//   boost::asio::io_context io;
//   conventiond::http::ServerOptions options;  // 127.0.0.1, port 0 (ephemeral)
//   conventiond::http::HttpServer server(io, options);
//   (void)server.router().add("GET", "/v1/conventions/{id}", [](const Request& req, Responder r) {
//     r.send(json_response(200, boost::json::object{{"id", req.param("id")}}));
//   });
//   if (Status s = server.listen(); !s) fail(s.error());
//   io.run();
//
// Threading: run the io_context on one thread; call every member (and every Responder /
// Stream member) on it, or before it runs. Handlers and callbacks run on it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/http/limits.hpp>
#include <conventiond/http/router.hpp>
#include <conventiond/result.hpp>

namespace boost::asio {
class io_context;
}

namespace conventiond::http {

// One answered request, for metrics and access logs (ServerOptions::on_request).
struct RequestRecord {
  std::string method;
  std::string route;  // the matched pattern, "" when none (404, 400, 413, 431, ...)
  int status = 0;
  std::chrono::steady_clock::duration duration{};  // first byte received -> last byte sent
  std::uint64_t bytes_sent = 0;                    // body bytes (stream chunks included)
  std::string request_id;
  std::string remote_address;
  bool streamed = false;  // a Stream response (recorded when it ends)
  bool completed = true;  // false: the client left, a limit or shutdown cut it
};

struct ServerOptions {
  std::string address = "127.0.0.1";  // an IPv4 or IPv6 literal; "0.0.0.0" for all
  std::uint16_t port = 0;             // 0: ephemeral (see HttpServer::port())
  ServerLimits limits;

  // Slow clients: the headers must arrive within header_timeout of the connection (first
  // request) or of their first byte (later ones), the whole request within request_timeout
  // of its first byte, the next request's first byte within idle_timeout of the previous
  // response, and every write (a response, a stream chunk) within write_timeout.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};

  // Connections open at once; one more is answered 503 and closed.
  std::size_t max_connections = 512;
  // Connections open at once from one client address (IPv4-mapped IPv6 counted as the IPv4
  // address); one more from that address is answered 503 (too_many_connections) and closed,
  // so that one client cannot take every connection. 0: no per-address limit.
  std::size_t max_connections_per_client = 32;

  // Bearer tokens (BearerAuth). Routes with Access::admin always need one; Access::read
  // routes need one unless reads_public.
  std::vector<std::string> tokens;
  bool reads_public = false;

  // Called once per answered request (including the server's own errors), on the io_context.
  std::function<void(const RequestRecord&)> on_request;
  // One line per notable event (handler exception, dropped header, ...). Default: stderr.
  std::function<void(std::string_view)> log;
  std::string server_header = default_server_header();  // "" sends none

  static std::string default_server_header();
};

struct ServerStats {
  std::size_t connections = 0;       // open now
  std::size_t in_flight = 0;         // requests read and not yet fully answered
  std::size_t streams = 0;           // streaming responses open now
  std::uint64_t accepted = 0;        // connections accepted since construction
  std::uint64_t rejected = 0;        // connections answered 503 (either limit)
  std::uint64_t rejected_per_client = 0;  // of which over max_connections_per_client
  std::size_t clients = 0;           // distinct client addresses with a connection open now
  std::uint64_t requests = 0;        // requests answered
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, ServerOptions options);
  // Closes everything at once; callbacks of pending exchanges are not called. The
  // io_context must outlive it.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Add routes before (or after) listen().
  Router& router() noexcept;

  // Binds and starts accepting. Errors: "listen" (bad address, port in use, ...).
  Status listen();
  std::uint16_t port() const noexcept;  // the bound port (after listen())
  std::string local_endpoint() const;   // "127.0.0.1:8080", "[::1]:8080"; "" before listen()

  // Stops accepting, closes idle keep-alive connections, and answers the requests in flight
  // with Connection: close. Open streams get on_close("shutdown") and are ended. Pending
  // responders may still answer (see drain).
  void stop();
  // stop(), then calls `done` (on the io_context) once every connection has closed, or at
  // `deadline`, when what is left is closed (pending responders get on_close("shutdown")).
  void drain(std::chrono::steady_clock::time_point deadline, std::function<void()> done);

  ServerStats stats() const;
  const ServerOptions& options() const noexcept;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace conventiond::http
