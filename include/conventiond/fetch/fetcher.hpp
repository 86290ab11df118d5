#pragma once
// The host's fetcher: every request a connector makes goes through it (see docs/fetcher.md).
// libcurl's multi interface driven by an Asio io_context: many transfers in flight on one
// thread, a global and a per-host limit on concurrent transfers, a per-host minimum delay
// between request starts, robots.txt, conditional GET, retries with backoff and limits.
//
//   boost::asio::io_context io;
//   conventiond::Fetcher fetcher(io, conventiond::FetchPolicy{});
//   fetcher.fetch(conventiond::FetchRequest("https://www.nord.gouv.fr/"),
//                 [](conventiond::FetchResult r) { ... });
//   io.run();
//
// Every callback runs on the io_context, never inside fetch() itself, exactly once per
// fetch() call (unless the Fetcher is destroyed first: see ~Fetcher).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <conventiond/result.hpp>

namespace boost::asio {
class io_context;
}

namespace conventiond {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct FetchPolicy {
  // "product/version (+contact)"; the product token is also the name looked up in robots.txt.
  std::string user_agent = default_user_agent();

  std::size_t max_concurrent = 32;          // transfers in flight, all hosts together
  std::size_t max_concurrent_per_host = 2;  // transfers in flight to one scheme://host:port
  std::chrono::milliseconds per_host_min_delay{500};  // between two request starts to a host

  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};  // per attempt
  std::size_t max_body_bytes = 50u << 20;           // decoded bytes; over it the item fails
  long max_redirects = 5;

  bool allow_http = true;
  bool allow_https = true;
  bool allow_file = false;  // file:// only when the job says so

  int max_attempts = 3;                        // 1 = no retry
  std::chrono::milliseconds backoff_base{1'000};  // wait before attempt n+1: base * 2^(n-1)
  std::chrono::milliseconds backoff_max{60'000};
  double jitter = 0.5;  // the wait is drawn uniformly in [wait * (1 - jitter), wait]
  std::chrono::milliseconds max_retry_after{120'000};  // a longer Retry-After is not waited

  bool honour_robots = true;
  std::chrono::milliseconds robots_ttl{24 * 3'600'000};         // a fetched robots.txt
  std::chrono::milliseconds robots_failure_ttl{10 * 60'000};    // host disallowed after 5xx
  std::chrono::milliseconds max_crawl_delay{60'000};            // a larger Crawl-delay is capped

  // nullopt: libcurl's default (the http_proxy / https_proxy / no_proxy environment);
  // "": no proxy at all; otherwise the proxy URL.
  std::optional<std::string> proxy;

  // When set, called (on the io_context) with the numeric address (IPv4 dotted or IPv6, no
  // zone) of every connection a transfer is about to open, after name resolution: each
  // address tried, redirects included (the proxy's when one is used). A non-empty answer
  // refuses that connection; when no address is left the result fails with
  // fetch_error::forbidden and that answer. Webhooks use it against DNS rebinding.
  std::function<std::string(std::string_view address)> connect_check;
  // CURLOPT_RESOLVE entries ("host:port:address"): names pinned to addresses (tests).
  std::vector<std::string> resolve;

  static std::string default_user_agent();
};

enum class HttpMethod { get, head, post };

struct FetchRequest {
  FetchRequest() = default;
  explicit FetchRequest(std::string u, HttpMethod m = HttpMethod::get)
      : url(std::move(u)), method(m) {}

  std::string url;
  HttpMethod method = HttpMethod::get;
  HttpHeaders headers;  // extra request headers
  std::string body;     // POST body
  std::string if_none_match;      // an ETag from a previous fetch: sends If-None-Match
  std::string if_modified_since;  // a Last-Modified from a previous fetch: If-Modified-Since
  std::string user_agent_note;    // appended to the User-Agent in parentheses
  std::string tag;                // opaque, copied to the result
};

struct FetchResult {
  std::string url;        // the URL asked for
  std::string final_url;  // after redirects
  int status = 0;         // HTTP status of the last response (200 for a file:// read); 0: none
  HttpHeaders headers;    // of the last response, names in lower case, in order
  std::string body;       // decoded bytes (Content-Encoding undone)
  std::string content_type;  // the Content-Type header as sent ("text/html; charset=utf-8")
  std::string media_type;    // sniffed from the bytes when they say it ("application/pdf"),
                             // else the header's type without parameters, in lower case
  std::string etag;           // the ETag header ("" when absent)
  std::string last_modified;  // the Last-Modified header
  bool not_modified = false;  // a 304 to a conditional request: success, empty body
  int attempts = 0;           // transfers made (0 when refused before any: robots, scheme)
  std::chrono::milliseconds elapsed{0};  // from fetch() to the callback, waits included
  std::string tag;                       // the request's
  std::optional<Error> error;  // set on failure; code is one of the FetchError constants

  bool ok() const noexcept { return !error.has_value(); }
  // The value of header `name` (lower case), or "" when absent.
  std::string_view header(std::string_view name) const;
};

// Error::code values of a FetchResult.
namespace fetch_error {
inline constexpr const char* url = "url";              // not a valid absolute URL
inline constexpr const char* scheme = "scheme";        // scheme not allowed by the policy
inline constexpr const char* robots = "robots";        // disallowed by robots.txt's rules
// robots.txt could not be read (5xx, 429, timeout, connection refused): RFC 9309 says assume
// complete disallow, so the request is refused for robots_failure_ttl; unlike "robots" this
// is a failure worth retrying later, not a rule.
inline constexpr const char* robots_unavailable = "robots_unavailable";
inline constexpr const char* http = "http";            // HTTP status >= 400 (after retries)
inline constexpr const char* timeout = "timeout";      // connect or total timeout
inline constexpr const char* connect = "connect";      // DNS, refused, reset, empty reply
inline constexpr const char* too_large = "too_large";  // body over max_body_bytes
inline constexpr const char* redirects = "redirects";  // more than max_redirects
inline constexpr const char* tls = "tls";              // certificate or handshake
inline constexpr const char* file = "file";            // file:// unreadable
inline constexpr const char* cancelled = "cancelled";  // stop() or destruction
inline constexpr const char* forbidden = "forbidden";  // refused by connect_check
inline constexpr const char* transfer = "transfer";    // any other libcurl failure
}  // namespace fetch_error

// Counters since construction; a plain struct the daemon can expose.
struct FetchMetrics {
  std::uint64_t requests = 0;        // fetch() calls
  std::uint64_t transfers = 0;       // attempts started (robots.txt included)
  std::uint64_t succeeded = 0;       // results without error (304 included)
  std::uint64_t failed = 0;          // results with an error
  std::uint64_t not_modified = 0;    // 304s
  std::uint64_t retries = 0;         // attempts after the first
  std::uint64_t bytes_received = 0;  // decoded body bytes
  std::uint64_t robots_fetches = 0;  // robots.txt transfers
  std::uint64_t robots_disallowed = 0;
  std::uint64_t cancelled = 0;
  std::map<int, std::uint64_t> by_status;          // final HTTP status -> results
  std::map<std::string, std::uint64_t> by_error;   // Error::code -> results
  std::size_t in_flight = 0;  // transfers running now
  std::size_t queued = 0;     // requests waiting (limits, delays, robots, backoff)
};

class Fetcher {
 public:
  Fetcher(boost::asio::io_context& io, FetchPolicy policy);
  // Pending callbacks are dropped without being called: call stop() first to have them
  // called with "cancelled". Must not be called from inside one of this Fetcher's callbacks
  // while the Fetcher is still needed by other code; it is safe otherwise.
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // Queues one request; `done` is called once, on the io_context, with the result.
  void fetch(FetchRequest request, std::function<void(FetchResult)> done);

  // Cancels every transfer, wait and queued request: each callback is called with a
  // "cancelled" error. Later fetch() calls are answered "cancelled" too.
  void stop();

  const FetchPolicy& policy() const noexcept;
  FetchMetrics metrics() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace conventiond
