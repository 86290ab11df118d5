// The loopback test server: all the Beast code of the tests lives here (compile time).
#include "test_http_server.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace conventiond::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string TestRequest::header(std::string_view name) const {
  const std::string key = lowered(name);
  for (const auto& [k, v] : headers) {
    if (k == key) return v;
  }
  return {};
}

struct TestHttpServer::Impl {
  struct Route {
    std::vector<TestResponse> sequence;
    TestHandler handler;
    std::size_t served = 0;
  };

  std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>();
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
  std::uint16_t port = 0;

  mutable std::mutex mutex;
  std::map<std::string, Route, std::less<>> routes;
  std::vector<TestRequest> log;
  std::size_t in_flight = 0;
  std::size_t max_in_flight = 0;
  std::size_t connections = 0;

  // Decrements in_flight when a response is done (or abandoned).
  struct InFlight {
    Impl* impl;
    explicit InFlight(Impl* i) : impl(i) {
      const std::lock_guard lock(impl->mutex);
      ++impl->in_flight;
      impl->max_in_flight = std::max(impl->max_in_flight, impl->in_flight);
    }
    ~InFlight() {
      const std::lock_guard lock(impl->mutex);
      --impl->in_flight;
    }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;
  };

  TestResponse respond(const TestRequest& request) {
    TestHandler handler;
    TestResponse fixed;
    bool found = false;
    {
      const std::lock_guard lock(mutex);
      Route* route = nullptr;
      if (auto it = routes.find(request.path); it != routes.end()) {
        route = &it->second;
      } else {
        std::size_t best = 0;
        for (auto& [path, r] : routes) {
          if (path.empty() || path.back() != '*') continue;
          const std::string_view prefix(path.data(), path.size() - 1);
          if (request.path.compare(0, prefix.size(), prefix) == 0 && prefix.size() + 1 > best) {
            best = prefix.size() + 1;
            route = &r;
          }
        }
      }
      if (route != nullptr) {
        found = true;
        if (route->handler) {
          handler = route->handler;
        } else if (!route->sequence.empty()) {
          fixed = route->sequence[std::min(route->served, route->sequence.size() - 1)];
        }
        ++route->served;
      }
    }
    if (!found) return TestResponse{404, {{"Content-Type", "text/plain"}}, "not found"};
    if (!handler) return fixed;
    try {
      return handler(request);
    } catch (const std::exception& e) {
      return TestResponse{500, {{"Content-Type", "text/plain"}}, e.what()};
    }
  }

  void accept() {
    acceptor->async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        {
          const std::lock_guard lock(mutex);
          ++connections;
        }
        std::make_shared<Session>(this, std::move(socket))->read();
      }
      accept();
    });
  }

  // One connection: read a request, answer it (after its delay, chunk by chunk when asked),
  // read the next while keep-alive. Callbacks rather than coroutines: clang 14 cannot build
  // Asio coroutines with -fsanitize=undefined.
  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(Impl* impl, tcp::socket socket)
        : impl_(impl), stream_(std::move(socket)), timer_(stream_.get_executor()) {}

    void read() {
      parser_.emplace();
      parser_->body_limit(64u << 20);
      http::async_read(stream_, buffer_, *parser_,
                       [self = shared_from_this()](const boost::system::error_code& ec,
                                                   std::size_t) { self->on_read(ec); });
    }

   private:
    void on_read(const boost::system::error_code& ec) {
      if (ec) return;
      request_ = parser_->release();
      TestRequest tr;
      tr.method = std::string(request_.method_string());
      tr.target = std::string(request_.target());
      tr.path = tr.target.substr(0, tr.target.find('?'));
      for (const auto& field : request_) {
        tr.headers.emplace_back(lowered(field.name_string()), std::string(field.value()));
      }
      tr.body = request_.body();
      tr.received = std::chrono::steady_clock::now();
      {
        const std::lock_guard lock(impl_->mutex);
        impl_->log.push_back(tr);
      }
      counted_ = std::make_unique<InFlight>(impl_);
      response_ = impl_->respond(tr);
      if (response_.delay.count() > 0) {
        timer_.expires_after(response_.delay);
        timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
          self->answer();
        });
      } else {
        answer();
      }
    }

    void answer() {
      if (response_.drop) {
        boost::system::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.socket().close(ignored);
        counted_.reset();
        return;
      }
      keep_ = request_.keep_alive() && !response_.close_connection;
      const bool head = request_.method() == http::verb::head;
      const int status = response_.status;
      const bool no_body =
          head || status == 204 || status == 304 || (status >= 100 && status < 200);

      if (response_.chunk_size > 0 && !no_body) {
        head_.emplace();
        head_->version(request_.version());
        head_->result(static_cast<unsigned>(status));
        for (const auto& [name, value] : response_.headers) head_->insert(name, value);
        head_->keep_alive(keep_);
        head_->chunked(true);
        serializer_.emplace(*head_);
        http::async_write_header(stream_, *serializer_,
                                 [self = shared_from_this()](const boost::system::error_code& ec,
                                                             std::size_t) {
                                   if (ec) return self->done(ec);
                                   self->at_ = 0;
                                   self->next_chunk();
                                 });
        return;
      }
      full_.emplace();
      full_->version(request_.version());
      full_->result(static_cast<unsigned>(status));
      for (const auto& [name, value] : response_.headers) full_->insert(name, value);
      full_->keep_alive(keep_);
      if (head) {
        full_->content_length(response_.body.size());
      } else if (!no_body) {
        full_->body() = response_.body;
        full_->prepare_payload();
      }
      http::async_write(stream_, *full_,
                        [self = shared_from_this()](const boost::system::error_code& ec,
                                                    std::size_t) { self->done(ec); });
    }

    void next_chunk() {
      if (at_ >= response_.body.size()) {
        asio::async_write(stream_, http::make_chunk_last(),
                          [self = shared_from_this()](const boost::system::error_code& ec,
                                                      std::size_t) { self->done(ec); });
        return;
      }
      if (response_.chunk_delay.count() > 0) {
        timer_.expires_after(response_.chunk_delay);
        timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
          self->send_chunk();
        });
      } else {
        send_chunk();
      }
    }

    void send_chunk() {
      const std::size_t len = std::min(response_.chunk_size, response_.body.size() - at_);
      const auto piece = asio::buffer(response_.body.data() + at_, len);
      at_ += len;
      asio::async_write(stream_, http::make_chunk(piece),
                        [self = shared_from_this()](const boost::system::error_code& ec,
                                                    std::size_t) {
                          if (ec) return self->done(ec);
                          self->next_chunk();
                        });
    }

    void done(const boost::system::error_code& ec) {
      counted_.reset();
      full_.reset();
      serializer_.reset();
      head_.reset();
      if (ec) return;
      if (!keep_) {
        boost::system::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        return;
      }
      read();
    }

    Impl* impl_;
    beast::tcp_stream stream_;
    asio::steady_timer timer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::request<http::string_body> request_;
    TestResponse response_;
    std::unique_ptr<InFlight> counted_;
    bool keep_ = true;
    std::optional<http::response<http::string_body>> full_;
    std::optional<http::response<http::empty_body>> head_;
    std::optional<http::response_serializer<http::empty_body>> serializer_;
    std::size_t at_ = 0;
  };
};

TestHttpServer::TestHttpServer() : impl_(std::make_unique<Impl>()) {
  Impl& i = *impl_;
  i.acceptor.emplace(*i.io);
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  i.acceptor->open(endpoint.protocol());
  i.acceptor->set_option(asio::socket_base::reuse_address(true));
  i.acceptor->bind(endpoint);
  i.acceptor->listen(asio::socket_base::max_listen_connections);
  i.port = i.acceptor->local_endpoint().port();
  i.accept();
  i.thread = std::thread([&i] { i.io->run(); });
}

TestHttpServer::~TestHttpServer() {
  Impl& i = *impl_;
  i.io->stop();
  if (i.thread.joinable()) i.thread.join();
  // Destroy the suspended sessions (their sockets, their InFlight counters) while the rest
  // of Impl is still alive.
  i.acceptor.reset();
  i.io.reset();
}

std::uint16_t TestHttpServer::port() const { return impl_->port; }

std::string TestHttpServer::origin() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

std::string TestHttpServer::url(std::string_view target) const {
  return origin() + std::string(target);
}

void TestHttpServer::route(std::string path, TestResponse response) {
  route_sequence(std::move(path), {std::move(response)});
}

void TestHttpServer::route(std::string path, TestHandler handler) {
  const std::lock_guard lock(impl_->mutex);
  impl_->routes[std::move(path)] = Impl::Route{{}, std::move(handler), 0};
}

void TestHttpServer::route_sequence(std::string path, std::vector<TestResponse> responses) {
  const std::lock_guard lock(impl_->mutex);
  impl_->routes[std::move(path)] = Impl::Route{std::move(responses), {}, 0};
}

std::size_t TestHttpServer::hits(std::string_view path) const {
  const std::lock_guard lock(impl_->mutex);
  return static_cast<std::size_t>(std::count_if(impl_->log.begin(), impl_->log.end(),
                                                [&](const TestRequest& r) { return r.path == path; }));
}

std::size_t TestHttpServer::total_hits() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->log.size();
}

std::optional<TestRequest> TestHttpServer::last_request(std::string_view path) const {
  const std::lock_guard lock(impl_->mutex);
  for (auto it = impl_->log.rbegin(); it != impl_->log.rend(); ++it) {
    if (it->path == path) return *it;
  }
  return std::nullopt;
}

std::vector<TestRequest> TestHttpServer::requests() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->log;
}

std::vector<std::chrono::steady_clock::time_point> TestHttpServer::hit_times(
    std::string_view path) const {
  const std::lock_guard lock(impl_->mutex);
  std::vector<std::chrono::steady_clock::time_point> out;
  for (const TestRequest& r : impl_->log) {
    if (r.path == path) out.push_back(r.received);
  }
  return out;
}

std::size_t TestHttpServer::in_flight() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->in_flight;
}

std::size_t TestHttpServer::max_in_flight() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->max_in_flight;
}

std::size_t TestHttpServer::connections() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->connections;
}

void TestHttpServer::reset_counters() {
  const std::lock_guard lock(impl_->mutex);
  impl_->log.clear();
  impl_->max_in_flight = impl_->in_flight;
  impl_->connections = 0;
}

}  // namespace conventiond::test
