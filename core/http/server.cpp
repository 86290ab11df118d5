// The HTTP server: connections, request reading under limits and timeouts, dispatch,
// responses and streams. All the Beast code of conventiond::http is here (compile time):
// Beast parses requests; responses are serialised by hand (they are simple, and it keeps the
// template instantiations to the parser's).
// See include/conventiond/http/server.hpp and docs/http-server.md.
#include <array>
#include <conventiond/http/server.hpp>

#include <conventiond/http/auth.hpp>
#include <conventiond/http/request_parser.hpp>
#include <conventiond/http/responder.hpp>
#include <conventiond/http/response.hpp>

#include <algorithm>
#include <deque>
#include <iostream>
#include <optional>
#include <random>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#ifndef CONVENTIOND_VERSION
#define CONVENTIOND_VERSION "0"
#endif

namespace conventiond::http {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

std::string ServerOptions::default_server_header() { return "conventiond/" CONVENTIOND_VERSION; }

namespace {

using Parser = bhttp::request_parser<bhttp::string_body>;

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) { return lowered(a) == lowered(b); }

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool safe_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// A client's X-Request-Id is kept when it is short and plain.
bool sane_request_id(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == ':';
  });
}

// The headers the server writes itself; a handler's copies are dropped.
bool reserved_header(std::string_view name) {
  const std::string n = lowered(name);
  return n == "content-length" || n == "transfer-encoding" || n == "connection" ||
         n == "x-request-id" || n == "content-type";
}

std::string hex(std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  if (n == 0) return "0";
  std::string out;
  while (n > 0) {
    out.insert(out.begin(), digits[n & 0xFu]);
    n >>= 4;
  }
  return out;
}

// The request as a handler sees it, from Beast's message; the target is parsed separately.
Request to_request(const bhttp::request<bhttp::string_body>& msg) {
  Request r;
  r.method = std::string(msg.method_string());
  r.target = std::string(msg.target());
  for (const auto& field : msg) {
    r.headers.emplace_back(lowered(field.name_string()), std::string(field.value()));
  }
  r.body = msg.body();
  return r;
}

// A request whose framing the server refuses (RFC 9112 §6.1, §6.3, §3.2): answered with
// `status`, then the connection is closed, so that no byte after its header is ever read
// as a request.
struct Refusal {
  int status = 400;
  std::string code;
  std::string message;
};

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string shown(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, 60)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  return out;
}

// RFC 3986 host (reg-name, IPv4, IP-literal) with an optional port: the characters only.
bool plausible_host(std::string_view h) {
  return std::all_of(h.begin(), h.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("-._~%!$&'()*+,;=:[]").find(c) != std::string_view::npos;
  });
}

// What Beast does not refuse by itself: Transfer-Encoding other than a final "chunked"
// (Beast reads such a request as bodiless, and its body as the next request: smuggling),
// Transfer-Encoding with Content-Length or in HTTP/1.0, and Host missing (HTTP/1.1),
// repeated or malformed. `chunked`: whether Beast reads the body as chunked; a request is
// accepted only when this reading and Beast's agree.
std::optional<Refusal> refuse_framing(const bhttp::request_header<>& msg, bool chunked) {
  std::vector<std::string> codings;
  bool has_te = false;
  bool has_params = false;
  bool has_empty = false;
  bool has_length = false;
  std::size_t hosts = 0;
  std::string_view host;
  for (const auto& field : msg) {
    const std::string name = lowered(field.name_string());
    if (name == "transfer-encoding") {
      has_te = true;
      std::string_view v = field.value();
      while (true) {
        const std::size_t comma = v.find(',');
        std::string_view element = trimmed(v.substr(0, comma));
        if (const std::size_t semi = element.find(';'); semi != std::string_view::npos) {
          element = trimmed(element.substr(0, semi));
          has_params = true;
        }
        if (!element.empty()) {
          codings.push_back(lowered(element));
        } else {
          has_empty = true;
        }
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
      }
    } else if (name == "content-length") {
      has_length = true;
    } else if (name == "host") {
      ++hosts;
      host = field.value();
    }
  }
  if (msg.version() >= 11 && hosts == 0) {
    return Refusal{400, "bad_request", "an HTTP/1.1 request needs a Host header"};
  }
  if (hosts > 1) return Refusal{400, "bad_request", "more than one Host header"};
  if (hosts == 1 && !plausible_host(host)) {
    return Refusal{400, "bad_request", "invalid Host header '" + shown(host) + "'"};
  }
  if (!has_te) return std::nullopt;
  if (msg.version() < 11) {
    return Refusal{400, "bad_request", "Transfer-Encoding in an HTTP/1.0 request"};
  }
  if (has_length) {
    return Refusal{400, "bad_request", "Transfer-Encoding together with Content-Length"};
  }
  if (codings.empty()) return Refusal{400, "bad_request", "empty Transfer-Encoding"};
  static constexpr std::string_view known[] = {"chunked", "gzip",     "x-gzip",
                                               "deflate", "compress", "x-compress"};
  for (const std::string& c : codings) {
    if (!is_token(c)) {
      return Refusal{400, "bad_request", "malformed Transfer-Encoding '" + shown(c) + "'"};
    }
    if (std::find(std::begin(known), std::end(known), c) == std::end(known)) {
      return Refusal{501, "not_implemented", "unknown transfer coding '" + shown(c) + "'"};
    }
  }
  const auto chunks = std::count(codings.begin(), codings.end(), "chunked");
  if (codings.back() != "chunked" || chunks > 1) {
    return Refusal{400, "bad_request",
                   "Transfer-Encoding must end with chunked, once (the body length cannot be "
                   "determined)"};
  }
  if (codings.size() > 1) {
    return Refusal{501, "not_implemented",
                   "transfer coding '" + codings.front() + "' is not supported (only chunked)"};
  }
  if (has_empty) {
    // RFC 9110 §5.6.1 lets a list carry empty elements, but a front proxy that does not
    // may frame "chunked," differently: refused, as for any other ambiguity.
    return Refusal{400, "bad_request", "malformed Transfer-Encoding (empty list element)"};
  }
  if (has_params) {
    // "chunked" defines no parameters (RFC 9112 §7.1): a proxy may read "chunked;x" as
    // another coding and frame the body differently.
    return Refusal{400, "bad_request", "Transfer-Encoding chunked takes no parameters"};
  }
  if (!chunked) {
    return Refusal{400, "bad_request", "malformed Transfer-Encoding (not read as chunked)"};
  }
  return std::nullopt;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Exchange: one request and its answer, shared by the Responder and Stream handles.

class Session;

namespace detail {

class Exchange {
 public:
  Exchange(std::shared_ptr<Session> s, Request r) : session(std::move(s)), request(std::move(r)) {}
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  std::shared_ptr<Session> session;
  Request request;
  bool answered = false;      // send() or start_stream() called
  bool streaming = false;
  bool stream_closing = false;  // close() called (or forced): no more writes
  bool finished = false;        // over: answered and written, or aborted
  CloseCallback on_close;
  StreamOptions stream_options;
  std::size_t buffered = 0;  // stream payload bytes queued and not yet written
};

}  // namespace detail

using detail::Exchange;

// ---------------------------------------------------------------------------------------
// The server's shared state.

class ServerState : public std::enable_shared_from_this<ServerState> {
 public:
  ServerState(asio::io_context& io, ServerOptions o)
      : io_(io),
        options_(std::move(o)),
        auth_(options_.tokens),
        acceptor_(io),
        retry_timer_(io),
        drain_timer_(io),
        rng_(std::random_device{}()) {
    if (options_.max_connections == 0) options_.max_connections = 1;
  }

  void log(std::string_view line) {
    try {
      if (options_.log) {
        options_.log(line);
      } else {
        std::cerr << "conventiond http: " << line << "\n";
      }
    } catch (...) {  // a logger that throws is not allowed to take the server down
    }
  }

  template <class F>
  void call_user(const char* what, F&& f) {
    if (destroyed_) return;
    try {
      f();
    } catch (const std::exception& e) {
      log(std::string(what) + " threw: " + e.what());
    } catch (...) {
      log(std::string(what) + " threw a non-standard exception");
    }
  }

  void record(const RequestRecord& r) {
    ++requests_;
    if (options_.on_request) call_user("on_request callback", [&] { options_.on_request(r); });
  }

  std::string new_request_id() {
    const std::uint64_t v = rng_();
    std::string out = hex(static_cast<std::size_t>(v));
    while (out.size() < 16) out.insert(out.begin(), '0');
    return out;
  }

  Status listen();
  void accept();
  void on_accept(const error_code& ec, tcp::socket socket);
  void reject(tcp::socket socket, std::string_view code, std::string_view message);
  void stop();
  void drain(Clock::time_point deadline, std::function<void()> done);
  void connection_closed(Session* s);
  void check_drained();
  void shutdown_now();

  asio::io_context& io_;
  ServerOptions options_;
  Router router_;
  BearerAuth auth_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  asio::steady_timer drain_timer_;
  std::mt19937_64 rng_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
  std::unordered_map<std::string, std::size_t> per_client_;  // open connections by address
  std::function<void()> drain_done_;
  std::uint16_t port_ = 0;
  std::string local_endpoint_;
  bool stopping_ = false;
  bool destroyed_ = false;
  std::size_t in_flight_ = 0;
  std::size_t streams_ = 0;
  std::uint64_t accepted_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t rejected_per_client_ = 0;
  std::uint64_t requests_ = 0;
};

namespace {
// The address a connection counts against: IPv4-mapped IPv6 as the IPv4 address.
std::string client_key(const tcp::socket& socket) {
  error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return {};
  asio::ip::address a = peer.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  }
  return a.to_string();
}
}  // namespace

// ---------------------------------------------------------------------------------------
// Session: one connection.

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<ServerState> server, tcp::socket socket, std::string client)
      : client_(std::move(client)),
        server_(std::move(server)),
        socket_(std::move(socket)),
        read_timer_(server_->io_),
        write_timer_(server_->io_),
        buffer_(server_->options_.limits.max_header_bytes + 65536),
        accepted_at_(Clock::now()) {
    error_code ec;
    const tcp::endpoint peer = socket_.remote_endpoint(ec);
    if (!ec) {
      remote_address_ = peer.address().to_string();
      remote_port_ = peer.port();
    }
  }

  void start() { next_request(); }
  asio::io_context& get_io() { return server_->io_; }

  // ---- called by the server ----

  void on_server_stop() {
    keep_alive_ = false;
    if (phase_ == Phase::idle) return close_socket(close_reason::shutdown);
    if (phase_ == Phase::streaming) {
      if (auto x = exchange_.lock()) {
        notify_close(*x, close_reason::shutdown);
        end_stream(*x);
      }
    }
  }

  void force_close() { close_socket(close_reason::shutdown); }
  const std::string& client() const noexcept { return client_; }

  // ---- called through Responder / Stream ----

  bool send(Exchange& x, Response response) {
    if (x.answered || x.finished || closed_) return false;
    x.answered = true;
    phase_ = Phase::responding;
    write_response(std::move(response));
    return true;
  }

  bool start_stream(Exchange& x, int status, Headers headers, StreamOptions options) {
    if (x.answered || x.finished || closed_) return false;
    x.answered = true;
    if (status < 200 || status > 599 || status == 204 || status == 304) {
      server_->log("stream with status " + std::to_string(status) + " for " + x.request.method +
                   " " + x.request.route + ": answered 500");
      phase_ = Phase::responding;
      write_response(json_error(500, "internal", "internal error"));
      return false;
    }
    x.streaming = true;
    x.stream_options = options;
    status_ = status;
    streamed_ = true;
    stream_counted_ = true;
    phase_ = Phase::streaming;
    ++server_->streams_;
    chunked_ = version_ >= 11;
    if (!chunked_) keep_alive_ = false;  // HTTP/1.0: the body ends with the connection
    std::string content_type;
    for (auto it = headers.begin(); it != headers.end();) {
      if (iequals(it->first, "content-type")) {
        content_type = it->second;
        it = headers.erase(it);
      } else {
        ++it;
      }
    }
    std::string head = serialize_head(status, headers, content_type, std::nullopt);
    if (head_only_) {
      queue_write(std::move(head), 0, {}, WriteKind::last);
      x.finished = true;
      return true;
    }
    queue_write(std::move(head), 0, {}, WriteKind::data);
    return true;
  }

  bool stream_write(Exchange& x, std::string chunk, std::function<void(Status)> on_done) {
    if (!x.streaming || x.stream_closing || x.finished || closed_) return false;
    if (chunk.empty()) {
      if (on_done) post_done(std::move(on_done), {}, {});
      return true;
    }
    if (x.buffered + chunk.size() > x.stream_options.max_buffered_bytes) {
      const std::string message = "stream of " + x.request.method + " " + x.request.target +
                                  ": the client is too slow (" +
                                  std::to_string(x.buffered + chunk.size()) +
                                  " bytes would be queued, limit " +
                                  std::to_string(x.stream_options.max_buffered_bytes) + ")";
      notify_close(x, close_reason::overflow, message);
      completed_ = false;
      close_socket(close_reason::overflow);
      return false;
    }
    const std::size_t payload = chunk.size();
    x.buffered += payload;
    bytes_sent_ += payload;
    std::string framed;
    if (chunked_) {
      framed.reserve(payload + 16);
      framed += hex(payload);
      framed += "\r\n";
      framed += chunk;
      framed += "\r\n";
    } else {
      framed = std::move(chunk);
    }
    queue_write(std::move(framed), payload, std::move(on_done), WriteKind::data);
    return true;
  }

  void stream_close(Exchange& x) {
    if (!x.streaming || x.stream_closing || x.finished || closed_) return;
    end_stream(x);
  }

  void set_on_close(Exchange& x, CloseCallback cb) { x.on_close = std::move(cb); }

  bool exchange_open(const Exchange& x) const {
    return !closed_ && !x.finished && (!x.answered || (x.streaming && !x.stream_closing));
  }

  // The last handle is gone (from ~Exchange, posted).
  void exchange_dropped(bool answered, bool streaming, bool stream_closing, bool finished,
                        const std::string& what) {
    if (closed_ || finished) return;
    if (!answered) {
      server_->log("the handler of " + what + " dropped its responder without answering: 500");
      phase_ = Phase::responding;
      write_response(json_error(500, "internal", "the request was not answered"));
    } else if (streaming && !stream_closing) {
      stream_closing_ = true;
      queue_write(chunked_ ? std::string("0\r\n\r\n") : std::string(), 0, {}, WriteKind::last);
    }
  }

 private:
  enum class Phase { idle, reading, handling, responding, streaming, lingering, closed };
  enum class WriteKind { data, last };  // last: the response is complete once written

  struct Out {
    std::string bytes;
    std::shared_ptr<const std::string> tail;  // written after `bytes`, not copied
    std::size_t payload = 0;  // stream payload bytes (for the buffered count)
    std::function<void(Status)> done;
    WriteKind kind = WriteKind::data;
  };

  const ServerOptions& opts() const { return server_->options_; }

  // ---- timers: an id per arming, so that a late expiry of an old arming does nothing ----

  void arm_read(Clock::time_point deadline) {
    const std::uint64_t id = ++read_arm_;
    read_timer_.expires_at(deadline);
    read_timer_.async_wait([self = shared_from_this(), id](const error_code& ec) {
      if (ec || id != self->read_arm_ || self->closed_) return;
      self->read_timed_out_ = true;
      error_code ignored;
      self->socket_.cancel(ignored);
    });
  }
  void disarm_read() {
    ++read_arm_;
    read_timer_.cancel();
  }

  void arm_write() {
    const std::uint64_t id = ++write_arm_;
    write_timer_.expires_after(opts().write_timeout);
    write_timer_.async_wait([self = shared_from_this(), id](const error_code& ec) {
      if (ec || id != self->write_arm_ || self->closed_) return;
      self->server_->log("a write to " + self->remote_address_ + " took longer than " +
                         std::to_string(self->opts().write_timeout.count()) + " ms: closed");
      self->completed_ = false;
      if (auto x = self->exchange_.lock()) self->notify_close(*x, close_reason::timeout);
      self->close_socket(close_reason::timeout);
    });
  }
  void disarm_write() {
    ++write_arm_;
    write_timer_.cancel();
  }

  // ---- reading ----

  void next_request() {
    if (closed_) return;
    if (server_->stopping_ && requests_ > 0) return linger_close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(opts().limits.max_header_bytes, 0xFFFFFFFFu)));
    parser_->body_limit(static_cast<std::uint64_t>(opts().limits.max_body_bytes));
    reset_request_state();
    if (buffer_.size() > 0) return read_header(Clock::now());
    phase_ = Phase::idle;
    const auto wait = requests_ == 0 ? opts().header_timeout : opts().idle_timeout;
    arm_read(Clock::now() + wait);
    socket_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](
                                                       const error_code& ec, std::size_t n) {
      self->disarm_read();
      if (ec) return self->close_socket(close_reason::disconnected);
      self->buffer_.commit(n);
      if (self->server_->stopping_ && self->requests_ > 0) return self->linger_close();
      self->read_header(Clock::now());
    });
  }

  void reset_request_state() {
    read_timed_out_ = false;
    method_.clear();
    route_.clear();
    request_id_.clear();
    status_ = 0;
    bytes_sent_ = 0;
    streamed_ = false;
    completed_ = true;
    head_only_ = false;
    chunked_ = false;
    stream_closing_ = false;
    recorded_ = true;
    counted_ = false;
  }

  void read_header(Clock::time_point start) {
    phase_ = Phase::reading;
    request_start_ = start;
    recorded_ = false;  // from here on, this request ends in exactly one record
    arm_read(start + opts().header_timeout);
    bhttp::async_read_header(socket_, buffer_, *parser_,
                             [self = shared_from_this()](const error_code& ec, std::size_t n) {
                               self->disarm_read();
                               self->on_header(ec, n);
                             });
  }

  void on_header(const error_code& ec, std::size_t header_bytes) {
    if (ec) return on_read_error(ec);
    if (header_bytes > opts().limits.max_header_bytes) return fail_header_too_large();
    const auto& msg = parser_->get();
    method_ = std::string(msg.method_string());
    version_ = msg.version();
    if (msg.target().size() > opts().limits.max_target_length) {
      return fail(414, "uri_too_long",
                  "request target of " + std::to_string(msg.target().size()) +
                      " bytes is over the limit of " +
                      std::to_string(opts().limits.max_target_length));
    }
    if (auto refusal = refuse_framing(msg, parser_->chunked())) {
      return fail(refusal->status, refusal->code, refusal->message);
    }
    if (!parser_->is_done()) {
      const auto expect = msg[bhttp::field::expect];
      if (iequals(expect, "100-continue")) {
        // Written while the body is read (one read and one write may run together).
        queue_write("HTTP/1.1 100 Continue\r\n\r\n", 0, {}, WriteKind::data);
      }
      arm_read(request_start_ + opts().request_timeout);
      bhttp::async_read(socket_, buffer_, *parser_,
                        [self = shared_from_this()](const error_code& e, std::size_t) {
                          self->disarm_read();
                          if (e) return self->on_read_error(e);
                          self->on_request();
                        });
      return;
    }
    on_request();
  }

  // Beast's header limit is exact when the header arrives in one read but lets a few bytes
  // more through when the request line came in an earlier read: the size read is checked too.
  void fail_header_too_large() {
    fail(431, "header_too_large", "request headers over the limit of " +
                                      std::to_string(opts().limits.max_header_bytes) + " bytes");
  }

  void on_read_error(const error_code& ec) {
    if (read_timed_out_) {
      return fail(408, "timeout", "the request did not arrive in time");
    }
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      // A request line too long for the header limit is a target too long. Beast consumes
      // the request line once it is whole: then the target is known.
      std::size_t line = parser_->get().target().size();
      if (line == 0) {
        const auto data = buffer_.cdata();
        const std::string_view seen(static_cast<const char*>(data.data()), data.size());
        const std::size_t eol = seen.find("\r\n");
        line = eol == std::string_view::npos ? seen.size() : eol;
      }
      if (line > opts().limits.max_target_length) {
        return fail(414, "uri_too_long", "request target over the limit of " +
                                             std::to_string(opts().limits.max_target_length) +
                                             " bytes");
      }
      return fail_header_too_large();
    }
    if (ec == bhttp::error::body_limit) {
      return fail(413, "body_too_large", "request body over the limit of " +
                                             std::to_string(opts().limits.max_body_bytes) +
                                             " bytes");
    }
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
        ec == asio::error::broken_pipe || ec == bhttp::error::partial_message) {
      recorded_ = true;  // nothing complete arrived: nothing to answer or record
      return close_socket(close_reason::disconnected);
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
      return fail(400, "bad_request", "malformed request: " + ec.message());
    }
    recorded_ = true;  // a socket error: nobody to answer
    close_socket(close_reason::disconnected);
  }

  // A request the server answers itself, then closes the connection (its framing is unsure).
  void fail(int status, std::string_view code, const std::string& message) {
    keep_alive_ = false;
    if (request_id_.empty()) request_id_ = server_->new_request_id();
    phase_ = Phase::responding;
    write_response(json_error(status, code, message));
  }

  void on_request() {
    ++requests_;
    auto msg = parser_->release();
    keep_alive_ = keep_alive_ && msg.keep_alive() && !server_->stopping_;
    version_ = msg.version();
    head_only_ = msg.method() == bhttp::verb::head;
    Request req = to_request(msg);
    req.remote_address = remote_address_;
    req.remote_port = remote_port_;
    req.received = request_start_;
    const auto id = req.header("x-request-id");
    req.request_id = id && sane_request_id(*id) ? std::string(*id) : server_->new_request_id();
    request_id_ = req.request_id;
    ++server_->in_flight_;
    counted_ = true;
    phase_ = Phase::handling;
    monitor();

    auto target = parse_target(req.target, opts().limits);
    if (!target) {
      const int status = target.error().code == "uri_too_long" ? 414 : 400;
      return respond(json_error(status, target.error().code, target.error().message));
    }
    req.path = std::move(target->path);
    req.segments = std::move(target->segments);
    req.query = std::move(target->query);

    Router::Match m = server_->router_.match(req.method, req.segments);
    if (m.route == nullptr) {
      if (m.allowed.empty()) {
        return respond(json_error(404, "not_found", "no resource at " + req.path.substr(0, 200)));
      }
      std::string allow;
      for (const std::string& a : m.allowed) allow += (allow.empty() ? "" : ", ") + a;
      Response r = json_error(405, "method_not_allowed",
                              "method " + req.method.substr(0, 20) + " is not allowed on " +
                                  req.path.substr(0, 200) + " (allowed: " + allow + ")");
      r.headers.emplace_back("Allow", allow);
      return respond(std::move(r));
    }
    const Route& route = *m.route;
    route_ = route.pattern;
    req.route = route.pattern;
    req.params = std::move(m.params);

    const bool needs_token = route.access == Access::admin ||
                             (route.access == Access::read && !opts().reads_public);
    if (needs_token) {
      const auto authorization = req.header("authorization");
      if (!authorization || !server_->auth_.check(*authorization)) {
        Response r = json_error(401, "unauthorized",
                                authorization ? "the bearer token is not valid"
                                              : "this resource needs a bearer token");
        r.headers.emplace_back("WWW-Authenticate", authorization
                                                       ? "Bearer error=\"invalid_token\""
                                                       : "Bearer");
        return respond(std::move(r));
      }
    }

    auto x = std::make_shared<Exchange>(shared_from_this(), std::move(req));
    exchange_ = x;
    const Handler& handler = route.handler;
    try {
      handler(x->request, Responder(x));
    } catch (const std::exception& e) {
      server_->log("handler of " + x->request.method + " " + route.pattern + " (request " +
                   request_id_ + ") threw: " + e.what());
      if (!x->answered) send(*x, json_error(500, "internal", "internal error"));
    } catch (...) {
      server_->log("handler of " + x->request.method + " " + route.pattern + " (request " +
                   request_id_ + ") threw a non-standard exception");
      if (!x->answered) send(*x, json_error(500, "internal", "internal error"));
    }
  }

  // A response to a complete request, not through a handler.
  void respond(Response r) {
    phase_ = Phase::responding;
    write_response(std::move(r));
  }

  // While a request is handled or a stream is open: read, to see the client leave. What a
  // pipelining client sends meanwhile stays in the buffer for the next request.
  void monitor() {
    if (monitoring_ || closed_) return;
    const std::size_t room = buffer_.max_size() - buffer_.size();
    if (room == 0) return;  // a client that pipelines that much is not watched any more
    monitoring_ = true;
    socket_.async_read_some(buffer_.prepare(std::min<std::size_t>(room, 4096)),
                            [self = shared_from_this()](const error_code& ec, std::size_t n) {
                              self->on_monitor(ec, n);
                            });
  }

  void on_monitor(const error_code& ec, std::size_t n) {
    monitoring_ = false;
    if (closed_) return;
    if (!ec) buffer_.commit(n);
    if (phase_ == Phase::lingering) {
      if ((ec && ec != asio::error::operation_aborted) || read_timed_out_) {
        return close_socket(close_reason::disconnected);
      }
      return linger_read();
    }
    if (ec && ec != asio::error::operation_aborted) {
      // The client closed or reset: whatever is pending will never reach it.
      completed_ = false;
      if (auto x = exchange_.lock()) notify_close(*x, close_reason::disconnected);
      return close_socket(close_reason::disconnected);
    }
    if (phase_ == Phase::handling || phase_ == Phase::responding || phase_ == Phase::streaming) {
      if (!ec) monitor();
      return;
    }
    if (resume_after_monitor_) {
      resume_after_monitor_ = false;
      next_request();
    }
  }

  // ---- writing ----

  std::string serialize_head(int status, const Headers& headers, std::string_view content_type,
                             std::optional<std::size_t> content_length) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
    out += status_reason(status);
    out += "\r\n";
    if (!opts().server_header.empty() && safe_value(opts().server_header)) {
      out += "Server: " + opts().server_header + "\r\n";
    }
    if (!content_type.empty()) {
      if (safe_value(content_type)) {
        out += "Content-Type: " + std::string(content_type) + "\r\n";
      } else {
        server_->log("dropped a Content-Type with CR, LF or NUL (route " + route_ + ")");
      }
    }
    for (const auto& [name, value] : headers) {
      if (!is_token(name) || !safe_value(value)) {
        server_->log("dropped an invalid response header (route " + route_ + ")");
        continue;
      }
      if (reserved_header(name)) continue;
      out += name + ": " + value + "\r\n";
    }
    if (!request_id_.empty()) out += "X-Request-Id: " + request_id_ + "\r\n";
    if (content_length) {
      out += "Content-Length: " + std::to_string(*content_length) + "\r\n";
    } else if (chunked_) {
      out += "Transfer-Encoding: chunked\r\n";
    }
    out += keep_alive_ ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    return out;
  }

  void write_response(Response r) {
    if (r.status < 200 || r.status > 599) {
      server_->log("invalid status " + std::to_string(r.status) + " from " + method_ + " " +
                   route_ + ": answered 500");
      r = json_error(500, "internal", "internal error");
    }
    if (server_->stopping_) keep_alive_ = false;
    status_ = r.status;
    const bool no_body = r.status == 204 || r.status == 304;
    if (no_body) {
      r.body.clear();
      r.shared_body.reset();
    }
    const std::size_t size = r.payload().size();
    std::string out = serialize_head(r.status, r.headers, no_body ? std::string() : r.content_type,
                                     no_body ? std::nullopt : std::optional(size));
    std::shared_ptr<const std::string> tail;
    if (!head_only_) {
      bytes_sent_ = size;
      if (r.shared_body) {
        tail = std::move(r.shared_body);  // a cached body: written from where it lies
      } else {
        out += r.body;
      }
    }
    outbox_.push_back(Out{std::move(out), std::move(tail), 0, {}, WriteKind::last});
    write_next();
  }

  void queue_write(std::string bytes, std::size_t payload, std::function<void(Status)> done,
                   WriteKind kind) {
    outbox_.push_back(Out{std::move(bytes), nullptr, payload, std::move(done), kind});
    write_next();
  }

  void write_next() {
    if (writing_ || outbox_.empty() || closed_) return;
    writing_ = true;
    arm_write();
    const Out& front = outbox_.front();
    const std::array<asio::const_buffer, 2> buffers{
        asio::buffer(front.bytes),
        front.tail ? asio::buffer(*front.tail) : asio::const_buffer()};
    asio::async_write(socket_, buffers,
                      [self = shared_from_this()](const error_code& ec, std::size_t) {
                        self->on_written(ec);
                      });
  }

  void on_written(const error_code& ec) {
    writing_ = false;
    disarm_write();
    if (closed_) return;
    if (ec) {
      completed_ = false;
      if (auto x = exchange_.lock()) notify_close(*x, close_reason::disconnected);
      return close_socket(close_reason::disconnected);
    }
    Out out = std::move(outbox_.front());
    outbox_.pop_front();
    auto x = exchange_.lock();
    if (x && out.payload > 0) x->buffered -= std::min(x->buffered, out.payload);
    if (out.done) {
      server_->call_user("stream write callback", [&] { out.done(Status::success()); });
      if (closed_) return;
    }
    if (out.kind == WriteKind::last) return response_done();
    write_next();
  }

  void end_stream(Exchange& x) {
    x.stream_closing = true;
    stream_closing_ = true;
    queue_write(chunked_ ? std::string("0\r\n\r\n") : std::string(), 0, {}, WriteKind::last);
  }

  // The whole response is written.
  void response_done() {
    if (auto x = exchange_.lock()) x->finished = true;
    exchange_.reset();
    finish_record();
    if (!keep_alive_ || server_->stopping_) return linger_close();
    phase_ = Phase::reading;  // for on_monitor
    if (monitoring_) {
      // Wait for the monitoring read to give the socket back, then read the next request.
      resume_after_monitor_ = true;
      error_code ignored;
      socket_.cancel(ignored);
      return;
    }
    next_request();
  }

  // Ends the current request's accounting: counters, and its one record when it has one.
  void finish_record() {
    if (counted_) {
      counted_ = false;
      --server_->in_flight_;
    }
    if (stream_counted_) {
      stream_counted_ = false;
      --server_->streams_;
    }
    if (recorded_) return;
    recorded_ = true;
    RequestRecord r;
    r.method = method_;
    r.route = route_;
    r.status = status_ == 0 ? 499 : status_;
    r.duration = Clock::now() - request_start_;
    r.bytes_sent = bytes_sent_;
    r.request_id = request_id_;
    r.remote_address = remote_address_;
    r.streamed = streamed_;
    r.completed = completed_;
    server_->record(r);
  }

  // Half-close, then read what the client still sends for a moment before closing, so that
  // an error answered before the body arrived is not lost to a reset.
  void linger_close() {
    if (closed_) return;
    phase_ = Phase::lingering;
    resume_after_monitor_ = false;
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    arm_read(Clock::now() + std::min<std::chrono::milliseconds>(opts().header_timeout,
                                                                std::chrono::milliseconds(1000)));
    if (monitoring_) {
      socket_.cancel(ignored);  // on_monitor continues with linger_read
      return;
    }
    linger_read();
  }

  void linger_read() {
    socket_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](
                                                        const error_code& ec, std::size_t n) {
      self->lingered_ += n;
      if (ec || self->lingered_ > (1u << 20)) {
        self->disarm_read();
        return self->close_socket(close_reason::disconnected);
      }
      self->linger_read();
    });
  }

  // ---- closing ----

  void notify_close(Exchange& x, const char* reason, std::string message = {}) {
    if (x.finished) return;
    x.finished = true;
    if (!x.on_close) return;
    if (message.empty()) {
      message = std::string("request ") + request_id_ + " (" + x.request.method + " " +
                x.request.route + "): " + reason;
    }
    auto cb = std::move(x.on_close);
    x.on_close = nullptr;
    asio::post(server_->io_, [server = server_, cb = std::move(cb),
                              err = Error::make(reason, std::move(message))] {
      server->call_user("on_close callback", [&] { cb(err); });
    });
  }

  void post_done(std::function<void(Status)> done, const char* code, std::string message) {
    asio::post(server_->io_, [server = server_, done = std::move(done),
                              st = code == nullptr ? Status::success()
                                                   : Status(Error::make(code, message))] {
      server->call_user("stream write callback", [&] { done(st); });
    });
  }

  void close_socket(const char* reason) {
    if (closed_) return;
    closed_ = true;
    phase_ = Phase::closed;
    if (auto x = exchange_.lock()) {
      completed_ = false;
      notify_close(*x, reason);
    }
    exchange_.reset();
    for (Out& out : outbox_) {
      if (out.done) post_done(std::move(out.done), reason, "the connection closed");
    }
    outbox_.clear();
    if (method_.empty() && status_ == 0) recorded_ = true;  // no request line: no record
    if (!recorded_) completed_ = false;
    finish_record();
    error_code ignored;
    read_timer_.cancel();
    write_timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    server_->connection_closed(this);
  }

  std::string client_;  // the address counted in ServerState::per_client_
  std::shared_ptr<ServerState> server_;
  tcp::socket socket_;
  asio::steady_timer read_timer_;
  asio::steady_timer write_timer_;
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  std::weak_ptr<Exchange> exchange_;
  std::deque<Out> outbox_;
  std::array<char, 4096> discard_{};
  std::string remote_address_;
  std::uint16_t remote_port_ = 0;
  Clock::time_point accepted_at_;
  Clock::time_point request_start_{};
  Phase phase_ = Phase::idle;
  std::uint64_t read_arm_ = 0;
  std::uint64_t write_arm_ = 0;
  std::size_t requests_ = 0;
  std::size_t lingered_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool closed_ = false;
  bool writing_ = false;
  bool monitoring_ = false;
  bool resume_after_monitor_ = false;
  bool read_timed_out_ = false;
  bool head_only_ = false;
  bool chunked_ = false;
  bool stream_closing_ = false;
  // The record of the current request.
  std::string method_;
  std::string route_;
  std::string request_id_;
  int status_ = 0;
  std::uint64_t bytes_sent_ = 0;
  bool streamed_ = false;
  bool stream_counted_ = false;
  bool completed_ = true;
  bool recorded_ = true;
  bool counted_ = false;
};

// ---------------------------------------------------------------------------------------
// Exchange, Responder, Stream.

detail::Exchange::~Exchange() {
  if (finished || !session) return;
  if (answered && (!streaming || stream_closing)) return;
  const std::string what = request.method + " " + request.route;
  auto s = std::move(session);
  const bool a = answered;
  const bool st = streaming;
  const bool sc = stream_closing;
  // Posted: the destructor may run inside any callback, the session's own included.
  asio::post(s->get_io(), [s, a, st, sc, what] { s->exchange_dropped(a, st, sc, false, what); });
}

bool Responder::send(Response response) {
  if (!x_ || !x_->session) return false;
  return x_->session->send(*x_, std::move(response));
}

Stream Responder::start_stream(int status, Headers headers, StreamOptions options) {
  if (!x_ || !x_->session) return Stream();
  if (!x_->session->start_stream(*x_, status, std::move(headers), options)) return Stream();
  return Stream(x_);
}

bool Responder::is_open() const {
  return x_ && x_->session && !x_->answered && x_->session->exchange_open(*x_);
}

void Responder::on_close(CloseCallback callback) {
  if (x_) x_->on_close = std::move(callback);
}

const Request& Responder::request() const {
  static const Request empty;
  return x_ ? x_->request : empty;
}

bool Stream::write(std::string chunk, std::function<void(Status)> on_done) {
  if (!x_ || !x_->session) return false;
  return x_->session->stream_write(*x_, std::move(chunk), std::move(on_done));
}

void Stream::close() {
  if (x_ && x_->session) x_->session->stream_close(*x_);
}

bool Stream::is_open() const { return x_ && x_->session && x_->session->exchange_open(*x_); }

std::size_t Stream::buffered_bytes() const { return x_ ? x_->buffered : 0; }

void Stream::on_close(CloseCallback callback) {
  if (x_) x_->on_close = std::move(callback);
}

// ---------------------------------------------------------------------------------------
// The server.

Status ServerState::listen() {
  if (acceptor_.is_open()) return Error::make("listen", "the server is already listening");
  error_code ec;
  const auto address = asio::ip::make_address(options_.address, ec);
  const std::string where = options_.address + ":" + std::to_string(options_.port);
  if (ec) return Error::make("listen", "'" + options_.address + "' is not an IP address");
  const tcp::endpoint endpoint(address, options_.port);
  auto failed = [&](const char* step) {
    error_code ignored;
    acceptor_.close(ignored);
    return Error::make("listen", where + ": " + step + ": " + ec.message());
  };
  if (acceptor_.open(endpoint.protocol(), ec)) return failed("open");
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec)) return failed("option");
  if (acceptor_.bind(endpoint, ec)) return failed("bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) return failed("listen");
  const tcp::endpoint bound = acceptor_.local_endpoint(ec);
  if (ec) return failed("local endpoint");
  port_ = bound.port();
  local_endpoint_ = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                            : bound.address().to_string();
  local_endpoint_ += ":" + std::to_string(port_);
  stopping_ = false;
  accept();
  return Status::success();
}

void ServerState::accept() {
  acceptor_.async_accept([self = shared_from_this()](const error_code& ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void ServerState::on_accept(const error_code& ec, tcp::socket socket) {
  if (destroyed_ || stopping_ || !acceptor_.is_open()) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    // Out of descriptors and the like: wait a little rather than spin.
    log("accept failed: " + ec.message());
    retry_timer_.expires_after(std::chrono::milliseconds(100));
    retry_timer_.async_wait([self = shared_from_this()](const error_code& e) {
      if (!e && !self->destroyed_ && !self->stopping_) self->accept();
    });
    return;
  }
  std::string client = client_key(socket);
  const auto held = per_client_.find(client);
  if (sessions_.size() >= options_.max_connections) {
    reject(std::move(socket), "overloaded", "too many connections; retry later");
  } else if (options_.max_connections_per_client > 0 && held != per_client_.end() &&
             held->second >= options_.max_connections_per_client) {
    ++rejected_per_client_;
    // Logged once per burst, not once per connection.
    if (rejected_per_client_ == 1 || rejected_per_client_ % 1000 == 0) {
      log("client " + client + " holds " + std::to_string(held->second) +
          " connections (max_connections_per_client); more are answered 503 (" +
          std::to_string(rejected_per_client_) + " so far)");
    }
    reject(std::move(socket), "too_many_connections",
           "too many connections from your address (limit " +
               std::to_string(options_.max_connections_per_client) +
               "); close some or retry later");
  } else {
    ++accepted_;
    ++per_client_[client];
    auto session = std::make_shared<Session>(shared_from_this(), std::move(socket), client);
    sessions_.emplace(session.get(), session);
    session->start();
  }
  accept();
}

// One connection too many: a 503, written within a second, then closed.
void ServerState::reject(tcp::socket socket, std::string_view code, std::string_view message) {
  ++rejected_;
  struct Rejected {
    tcp::socket socket;
    asio::steady_timer timer;
    std::string bytes;
  };
  const std::string body = R"({"error":{"code":")" + std::string(code) + R"(","message":")" +
                           std::string(message) + R"("}})";
  auto r = std::make_shared<Rejected>(Rejected{
      std::move(socket), asio::steady_timer(io_),
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
      "Content-Length: " +
          std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body});
  r->timer.expires_after(std::chrono::seconds(1));
  r->timer.async_wait([r](const error_code& e) {
    if (e) return;
    error_code ignored;
    r->socket.close(ignored);
  });
  asio::async_write(r->socket, asio::buffer(r->bytes), [r](const error_code&, std::size_t) {
    error_code ignored;
    r->socket.shutdown(tcp::socket::shutdown_both, ignored);
    r->socket.close(ignored);
    r->timer.cancel();
  });
}

void ServerState::stop() {
  if (stopping_) return;
  stopping_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  std::vector<std::shared_ptr<Session>> live;
  for (auto& [ptr, weak] : sessions_) {
    if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->on_server_stop();
}

void ServerState::drain(Clock::time_point deadline, std::function<void()> done) {
  stop();
  drain_done_ = std::move(done);
  drain_timer_.expires_at(deadline);
  drain_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->destroyed_) return;
    std::vector<std::shared_ptr<Session>> live;
    for (auto& [ptr, weak] : self->sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
    for (auto& s : live) s->force_close();
    self->sessions_.clear();
    self->per_client_.clear();
    self->check_drained();
  });
  // Called later even when nothing is open: never from inside drain().
  asio::post(io_, [self = shared_from_this()] { self->check_drained(); });
}

void ServerState::connection_closed(Session* s) {
  if (sessions_.erase(s) > 0) {
    if (auto it = per_client_.find(s->client()); it != per_client_.end()) {
      if (--it->second == 0) per_client_.erase(it);
    }
  }
  if (drain_done_) check_drained();
}

void ServerState::check_drained() {
  if (!drain_done_ || !sessions_.empty() || destroyed_) return;
  drain_timer_.cancel();
  auto done = std::move(drain_done_);
  drain_done_ = nullptr;
  asio::post(io_, [self = shared_from_this(), done = std::move(done)] {
    self->call_user("drain callback", [&] { done(); });
  });
}

void ServerState::shutdown_now() {
  stopping_ = true;
  destroyed_ = true;
  drain_done_ = nullptr;
  error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  drain_timer_.cancel();
  std::vector<std::shared_ptr<Session>> live;
  for (auto& [ptr, weak] : sessions_) {
    if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->force_close();
  sessions_.clear();
  per_client_.clear();
}

class HttpServer::Impl : public ServerState {
 public:
  using ServerState::ServerState;
};

HttpServer::HttpServer(asio::io_context& io, ServerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

HttpServer::~HttpServer() { impl_->shutdown_now(); }

Router& HttpServer::router() noexcept { return impl_->router_; }
Status HttpServer::listen() { return impl_->listen(); }
std::uint16_t HttpServer::port() const noexcept { return impl_->port_; }
std::string HttpServer::local_endpoint() const { return impl_->local_endpoint_; }
void HttpServer::stop() { impl_->stop(); }

void HttpServer::drain(Clock::time_point deadline, std::function<void()> done) {
  impl_->drain(deadline, std::move(done));
}

ServerStats HttpServer::stats() const {
  ServerStats s;
  s.connections = impl_->sessions_.size();
  s.in_flight = impl_->in_flight_;
  s.streams = impl_->streams_;
  s.accepted = impl_->accepted_;
  s.rejected = impl_->rejected_;
  s.rejected_per_client = impl_->rejected_per_client_;
  s.clients = impl_->per_client_.size();
  s.requests = impl_->requests_;
  return s;
}

const ServerOptions& HttpServer::options() const noexcept { return impl_->options_; }

// ---------------------------------------------------------------------------------------
// The fuzzing entry point: the same parser settings as a connection.

Result<Request> detail::parse_request_for_fuzzing(std::string_view raw, const ServerLimits& limits,
                                                  std::size_t split) {
  Parser parser;
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits.max_header_bytes, 0xFFFFFFFFu)));
  parser.body_limit(static_cast<std::uint64_t>(limits.max_body_bytes));
  error_code ec;
  // Like a connection's reads: the bytes arrive in two parts; after each arrival the parser is
  // given everything not yet consumed, as long as it makes progress.
  std::string pending;
  std::size_t header_bytes = 0;
  const std::size_t first = std::min(split == 0 ? raw.size() : split, raw.size());
  for (const std::string_view part : {raw.substr(0, first), raw.substr(first)}) {
    if (part.empty()) continue;
    pending.append(part);
    while (!pending.empty() && !parser.is_done()) {
      const bool in_header = !parser.is_header_done();
      const std::size_t used = parser.put(asio::buffer(pending), ec);
      if (in_header) header_bytes += used;  // put() stops after the header (not eager)
      pending.erase(0, used);
      if (ec == bhttp::error::need_more) {
        ec = {};
        break;  // wait for more bytes
      }
      if (ec || used == 0) break;
    }
    if (ec || parser.is_done()) break;
  }
  if (!ec && !parser.is_done()) {
    if (parser.is_header_done()) parser.put_eof(ec);  // the client closed: end of the body?
    if (!ec && !parser.is_done()) ec = bhttp::error::partial_message;
  }
  if (ec) return Error::make("bad_request", "HTTP request: " + ec.message());
  if (header_bytes > limits.max_header_bytes) {
    return Error::make("bad_request", "HTTP request: header limit exceeded");
  }
  const auto& msg = parser.get();
  if (msg.target().size() > limits.max_target_length) {
    return Error::make("uri_too_long", "HTTP request: target over the limit");
  }
  if (auto refusal = refuse_framing(msg, parser.chunked())) {
    return Error::make(refusal->status == 501 ? "not_implemented" : "bad_request",
                       "HTTP request: " + refusal->message);
  }
  Request r = to_request(msg);
  auto target = parse_target(r.target, limits);
  if (!target) return std::move(target).error();
  r.path = std::move(target->path);
  r.segments = std::move(target->segments);
  r.query = std::move(target->query);
  return r;
}

}  // namespace conventiond::http
