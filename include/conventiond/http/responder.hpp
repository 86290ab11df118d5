#pragma once
// How a handler answers: now, later, or as a stream.
//
//   router.add("GET", "/v1/changes", [](const Request& req, Responder r) {
//     if (!req.query_param("wait")) return (void)r.send(json_response(200, feed()));
//     waiters.push_back(r);                       // long poll: answered from another callback
//     r.on_close([](const Error&) { /* client gone: forget the waiter */ });
//   });
//   router.add("GET", "/v1/stream", [](const Request&, Responder r) {
//     Stream s = r.start_stream(200, {{"Content-Type", "text/event-stream"}});
//     s.on_close([](const Error& why) { /* why.code: close_reason::... */ });
//     subscribers.push_back(s);                   // s.write("data: ...\n\n") on each change
//   });
//
// Responder and Stream are cheap handles (copyable) on one exchange: the request, its
// connection and its answer. The Request passed to the handler lives as long as any handle.
// Every member must be called on the thread running the server's io_context (post to it
// from other threads). No callback is ever called from inside the call that registers or
// triggers it: they all run later on the io_context.
//
// When every handle of an exchange is gone: an unanswered request gets a 500 (and a log
// line), an open stream is ended normally.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <conventiond/http/request.hpp>
#include <conventiond/http/response.hpp>
#include <conventiond/result.hpp>

namespace conventiond::http {

namespace detail {
class Exchange;
}

// Error::code given to a CloseCallback: why an exchange ended before its handler finished it.
namespace close_reason {
inline constexpr const char* disconnected = "disconnected";  // the client closed or reset
inline constexpr const char* overflow = "overflow";  // stream: more than max_buffered_bytes queued
inline constexpr const char* timeout = "timeout";    // a write took longer than write_timeout
inline constexpr const char* shutdown = "shutdown";  // HttpServer::stop(), drain's deadline
}  // namespace close_reason

using CloseCallback = std::function<void(const Error& reason)>;

struct StreamOptions {
  // Bytes written by the handler and not yet taken by the client's socket. A write that
  // would exceed it closes the stream (reason "overflow"): a slow consumer costs at most this.
  std::size_t max_buffered_bytes = 1u << 20;
};

class Stream {
 public:
  Stream() = default;  // not attached: writes fail

  // Queues `chunk` (sent as one HTTP chunk; an empty chunk is ignored). Returns false and
  // queues nothing when the stream is not open, or when the chunk would bring the queued
  // bytes over max_buffered_bytes: the stream is then closed with reason "overflow".
  // `on_done`, when given, is called once: success when the chunk was handed to the socket,
  // an error (a close_reason code) when it never will be.
  bool write(std::string chunk, std::function<void(Status)> on_done = {});
  // Ends the response (terminating chunk) once the queued chunks are written. Idempotent.
  void close();
  bool is_open() const;
  std::size_t buffered_bytes() const;
  // Called at most once, when the stream ends other than by close(): client gone, overflow,
  // write timeout, server shutdown. Replaces a previously set callback.
  void on_close(CloseCallback callback);

 private:
  friend class Responder;
  explicit Stream(std::shared_ptr<detail::Exchange> exchange) : x_(std::move(exchange)) {}
  std::shared_ptr<detail::Exchange> x_;
};

class Responder {
 public:
  Responder() = default;  // not attached: send fails
  explicit Responder(std::shared_ptr<detail::Exchange> exchange) : x_(std::move(exchange)) {}

  // Sends `response`. Returns false (and sends nothing) when the exchange was already
  // answered or its client is gone.
  bool send(Response response);
  // Starts a chunked response with that status and headers (Content-Type included there;
  // the default is none). Returns a detached Stream when already answered or client gone.
  Stream start_stream(int status, Headers headers, StreamOptions options = {});
  // Not yet answered, and the client still there.
  bool is_open() const;
  // Called at most once, when the client goes away (or the server shuts down) before the
  // response was sent. Replaces a previously set callback; shared with the Stream.
  void on_close(CloseCallback callback);
  // The request this responder answers.
  const Request& request() const;

 private:
  std::shared_ptr<detail::Exchange> x_;
};

}  // namespace conventiond::http
