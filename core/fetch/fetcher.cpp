// The Fetcher: queues, politeness, robots.txt, retries and limits around CurlMulti.
// See include/conventiond/fetch/fetcher.hpp and docs/fetcher.md.
#include <conventiond/fetch/fetcher.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <list>
#include <unordered_map>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/url/parse.hpp>
#include <curl/curl.h>

#include <conventiond/fetch/http_util.hpp>
#include <conventiond/fetch/robots.hpp>
#include <conventiond/fetch/sniff.hpp>

#include "curl_multi.hpp"

#ifndef CONVENTIOND_VERSION
#define CONVENTIOND_VERSION "0"
#endif

namespace conventiond {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string FetchPolicy::default_user_agent() {
  return "conventiond/" CONVENTIOND_VERSION " (+https://github.com/conventiond/conventiond)";
}

std::string_view FetchResult::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string status_text(int status) {
  static const std::array<std::pair<int, const char*>, 16> names{{
      {400, "Bad Request"},          {401, "Unauthorized"},
      {403, "Forbidden"},            {404, "Not Found"},
      {405, "Method Not Allowed"},   {408, "Request Timeout"},
      {410, "Gone"},                 {413, "Content Too Large"},
      {429, "Too Many Requests"},    {451, "Unavailable For Legal Reasons"},
      {500, "Internal Server Error"}, {501, "Not Implemented"},
      {502, "Bad Gateway"},          {503, "Service Unavailable"},
      {504, "Gateway Timeout"},      {507, "Insufficient Storage"},
  }};
  std::string out = "HTTP " + std::to_string(status);
  for (const auto& [code, name] : names) {
    if (code == status) return out + " " + name;
  }
  return out;
}

bool retriable_status(int status) { return status >= 500 || status == 408 || status == 429; }

// Media type of a file:// read, from its extension, when the bytes say nothing.
std::string media_type_from_extension(std::string_view path) {
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos) return {};
  const std::string ext = lowered(path.substr(dot + 1));
  if (ext == "html" || ext == "htm") return "text/html";
  if (ext == "pdf") return "application/pdf";
  if (ext == "xml") return "application/xml";
  if (ext == "rss") return "application/rss+xml";
  if (ext == "atom") return "application/atom+xml";
  if (ext == "json") return "application/json";
  if (ext == "csv") return "text/csv";
  if (ext == "txt") return "text/plain";
  return {};
}

struct Failure {
  std::string code;
  std::string problem;  // without the URL
  bool retriable = false;
};

}  // namespace

class Fetcher::Impl : public std::enable_shared_from_this<Impl> {
 public:
  using Callback = std::function<void(FetchResult)>;

  Impl(asio::io_context& io, FetchPolicy policy)
      : io_(io), policy_(std::move(policy)), rng_(std::random_device{}()) {
    if (policy_.max_concurrent == 0) policy_.max_concurrent = 1;
    if (policy_.max_concurrent_per_host == 0) policy_.max_concurrent_per_host = 1;
    if (policy_.max_attempts < 1) policy_.max_attempts = 1;
    protocols_ = policy_.allow_http ? "http" : "";
    if (policy_.allow_https) protocols_ += protocols_.empty() ? "https" : ",https";
    redirect_protocols_ = protocols_;  // a redirect never leads to file://
    if (policy_.allow_file) protocols_ += protocols_.empty() ? "file" : ",file";
  }

  // Called right after construction (needs shared_from_this).
  void init() {
    multi_ = std::make_shared<detail::CurlMulti>(
        io_, [weak = weak_from_this()](CURL* easy, CURLcode result) {
          if (auto self = weak.lock()) self->on_transfer_done(easy, result);
        });
  }

  ~Impl() {
    // Drop everything without calling back (see ~Fetcher); results already posted still run.
    for (auto& [id, job] : jobs_) release_transfer(*job);
    jobs_.clear();
    hosts_.clear();
    multi_.reset();
  }

  const FetchPolicy& policy() const noexcept { return policy_; }

  FetchMetrics metrics() const {
    FetchMetrics m = metrics_;
    m.in_flight = active_total_;
    m.queued = 0;
    for (const auto& [id, job] : jobs_) {
      if (!job->robots && job->state != State::active) ++m.queued;
    }
    return m;
  }

  void fetch(FetchRequest request, Callback done) {
    ++metrics_.requests;
    auto job = std::make_unique<Job>();
    job->id = next_id_++;
    job->created = Clock::now();
    job->request = std::move(request);
    job->done = std::move(done);
    if (stopped_) {
      finish_early(*job, fetch_error::cancelled, "cancelled");
      return;
    }
    if (auto failure = locate(*job)) {
      finish_early(*job, failure->code, failure->problem);
      return;
    }
    Job& j = *job;
    jobs_.emplace(j.id, std::move(job));
    route(j);
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    std::vector<std::unique_ptr<Job>> all;
    for (auto& [id, job] : jobs_) all.push_back(std::move(job));
    jobs_.clear();
    for (auto& [key, host] : hosts_) {
      host.queue.clear();
      host.parked.clear();
      host.active = 0;
      host.timer.cancel();
      host.timer_armed = false;
      if (host.robots == RobotsState::fetching) host.robots = RobotsState::unknown;
    }
    active_total_ = 0;
    // In creation order, so that callers see their requests cancelled in the order made.
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a->id < b->id; });
    for (auto& job : all) {
      release_transfer(*job);
      if (job->backoff) job->backoff->cancel();
      if (!job->robots) {
        ++metrics_.cancelled;
        job->body.clear();
        job->headers.clear();
        job->status = 0;
        deliver(*job, Failure{fetch_error::cancelled, "cancelled", false});
      }
    }
  }

 private:
  enum class State { parked, queued, active, backoff };
  enum class RobotsState { unknown, fetching, ready };

  struct Job {
    std::uint64_t id = 0;
    FetchRequest request;
    Callback done;
    bool robots = false;  // the robots.txt fetch of its host
    std::string scheme;
    std::string host_key;
    std::string path_and_query;
    Clock::time_point created;
    Clock::time_point started;  // of the current or last attempt
    State state = State::parked;
    int attempts = 0;
    std::unique_ptr<asio::steady_timer> backoff;

    // the current or last attempt
    CURL* easy = nullptr;
    curl_slist* header_list = nullptr;
    std::string body;
    HttpHeaders headers;
    int status = 0;
    std::string final_url;
    bool over_limit = false;
    std::size_t body_limit = 0;
    bool truncate_ok = false;  // robots.txt: keep the first body_limit bytes
    std::array<char, CURL_ERROR_SIZE> errbuf{};
    curl_slist* resolve_list = nullptr;
    const std::function<std::string(std::string_view)>* connect_check = nullptr;
    std::string refused;  // connect_check's answer for an address of this attempt
  };

  struct Host {
    explicit Host(asio::io_context& io) : timer(io) {}
    std::string key;
    std::deque<std::uint64_t> queue;   // allowed, waiting for a slot or the delay
    std::deque<std::uint64_t> parked;  // waiting for robots.txt
    std::size_t active = 0;
    Clock::time_point next_start{};
    milliseconds delay{0};
    asio::steady_timer timer;
    bool timer_armed = false;
    Clock::time_point timer_at{};
    RobotsState robots = RobotsState::unknown;
    RobotsRules rules;
    Clock::time_point robots_expires{};
    std::string robots_failure;  // non-empty: robots.txt unavailable, host disallowed
  };

  // ---- request intake ----------------------------------------------------------------

  // Fills scheme, host key and path; a Failure when the URL cannot be fetched.
  std::optional<Failure> locate(Job& job) const {
    const auto parsed = boost::urls::parse_uri(job.request.url);
    if (!parsed) return Failure{fetch_error::url, "not a valid absolute URL", false};
    const boost::urls::url_view u = *parsed;
    job.scheme = lowered(u.scheme());
    const bool is_http = job.scheme == "http";
    const bool is_https = job.scheme == "https";
    const bool is_file = job.scheme == "file";
    if ((is_http && !policy_.allow_http) || (is_https && !policy_.allow_https) ||
        (is_file && !policy_.allow_file) || (!is_http && !is_https && !is_file)) {
      return Failure{fetch_error::scheme, "scheme " + job.scheme + " not allowed", false};
    }
    if (is_file) {
      job.host_key = "file://";
      job.path_and_query = std::string(u.encoded_path());
      return std::nullopt;
    }
    if (u.encoded_host().empty()) return Failure{fetch_error::url, "URL without a host", false};
    std::string port = u.has_port() ? std::string(u.port()) : (is_https ? "443" : "80");
    job.host_key = job.scheme + "://" + lowered(u.encoded_host()) + ":" + port;
    job.path_and_query = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
    if (u.has_query()) job.path_and_query += "?" + std::string(u.encoded_query());
    return std::nullopt;
  }

  Host& host(const std::string& key) {
    auto it = hosts_.find(key);
    if (it == hosts_.end()) {
      it = hosts_.emplace(key, Host(io_)).first;
      it->second.key = key;
      it->second.delay = policy_.per_host_min_delay;
    }
    return it->second;
  }

  void route(Job& job) {
    Host& h = host(job.host_key);
    if (job.robots || !policy_.honour_robots || job.scheme == "file") {
      enqueue(h, job, false);
      return;
    }
    if (h.robots == RobotsState::ready && Clock::now() < h.robots_expires) {
      decide(h, job);
      return;
    }
    job.state = State::parked;
    h.parked.push_back(job.id);
    if (h.robots != RobotsState::fetching) start_robots(h);
  }

  void decide(Host& h, Job& job) {
    if (!h.robots_failure.empty()) {
      ++metrics_.robots_disallowed;
      finish(job, Failure{fetch_error::robots_unavailable, h.robots_failure, false});
    } else if (!allowed(h.rules, job.path_and_query)) {
      ++metrics_.robots_disallowed;
      finish(job, Failure{fetch_error::robots, "disallowed by robots.txt", false});
    } else {
      enqueue(h, job, false);
    }
  }

  void start_robots(Host& h) {
    h.robots = RobotsState::fetching;
    auto job = std::make_unique<Job>();
    job->id = next_id_++;
    job->created = Clock::now();
    job->robots = true;
    job->request.url = h.key + "/robots.txt";
    job->scheme = h.key.substr(0, h.key.find(':'));
    job->host_key = h.key;
    job->path_and_query = "/robots.txt";
    Job& j = *job;
    jobs_.emplace(j.id, std::move(job));
    enqueue(h, j, true);
  }

  void robots_done(Job& job, const std::optional<Failure>& failure) {
    Host& h = host(job.host_key);
    const auto now = Clock::now();
    // RFC 9309 / Google: 2xx parse; 4xx (but 429) = no robots.txt, allow all; too many
    // redirects = allow all; 5xx, 429 or unreachable = disallow all for a while.
    h.rules = RobotsRules::allow_all();
    h.robots_failure.clear();
    h.robots_expires = now + policy_.robots_ttl;
    if (!failure && job.status >= 200 && job.status < 300) {
      h.rules = parse_robots(job.body, policy_.user_agent);
    } else if (failure && failure->code == fetch_error::too_large) {
      h.rules = parse_robots(job.body, policy_.user_agent);  // first 500 KiB (truncate_ok)
    } else if (failure && failure->code == fetch_error::redirects) {
      // allow all
    } else if (job.status >= 400 && job.status < 500 && job.status != 429) {
      // allow all
    } else if (!failure && job.status < 400) {
      // 1xx/3xx left after redirects: nothing usable, allow all
    } else {
      h.robots_failure = "robots.txt unavailable: " +
                         (failure ? failure->problem : status_text(job.status)) +
                         " (host treated as disallowed for " +
                         format_duration(policy_.robots_failure_ttl) + ")";
      h.robots_expires = now + policy_.robots_failure_ttl;
    }
    h.delay = policy_.per_host_min_delay;
    if (h.rules.crawl_delay) {
      h.delay = std::max(h.delay, std::min(*h.rules.crawl_delay, policy_.max_crawl_delay));
    }
    h.next_start = std::max(h.next_start, job.started + h.delay);  // robots.txt was a request
    h.robots = RobotsState::ready;
    std::deque<std::uint64_t> parked;
    parked.swap(h.parked);
    for (const std::uint64_t id : parked) {
      if (auto it = jobs_.find(id); it != jobs_.end()) decide(h, *it->second);
    }
  }

  // ---- dispatch --------------------------------------------------------------------------

  void enqueue(Host& h, Job& job, bool front) {
    job.state = State::queued;
    if (front) {
      h.queue.push_front(job.id);
    } else {
      h.queue.push_back(job.id);
    }
    pump();
  }

  void pump() {
    if (pumping_) {
      repump_ = true;
      return;
    }
    pumping_ = true;
    do {
      repump_ = false;
      pump_once();
    } while (repump_ && !stopped_);
    pumping_ = false;
  }

  void pump_once() {
    if (stopped_ || hosts_.empty()) return;
    bool progress = true;
    while (progress && active_total_ < policy_.max_concurrent) {
      progress = false;
      // Round robin: start after the host served last.
      auto it = hosts_.upper_bound(last_host_);
      for (std::size_t n = 0; n < hosts_.size(); ++n, ++it) {
        if (it == hosts_.end()) it = hosts_.begin();
        Host& h = it->second;
        if (h.queue.empty() || h.active >= policy_.max_concurrent_per_host) continue;
        if (active_total_ >= policy_.max_concurrent) break;
        const auto now = Clock::now();
        if (now < h.next_start) {
          arm_host_timer(h);
          continue;
        }
        const std::uint64_t id = h.queue.front();
        h.queue.pop_front();
        const auto jt = jobs_.find(id);
        if (jt == jobs_.end()) continue;
        last_host_ = h.key;
        start_transfer(h, *jt->second);
        progress = true;
      }
    }
  }

  void arm_host_timer(Host& h) {
    if (h.timer_armed && h.timer_at <= h.next_start) return;
    h.timer_armed = true;
    h.timer_at = h.next_start;
    h.timer.expires_at(h.next_start);
    h.timer.async_wait([weak = weak_from_this(), key = h.key](const boost::system::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      const auto self = weak.lock();
      if (!self) return;
      if (auto it = self->hosts_.find(key); it != self->hosts_.end()) {
        it->second.timer_armed = false;
      }
      self->pump();
    });
  }

  void start_transfer(Host& h, Job& job) {
    job.state = State::active;
    ++job.attempts;
    ++metrics_.transfers;
    if (job.robots) ++metrics_.robots_fetches;
    if (job.attempts > 1) ++metrics_.retries;
    ++h.active;
    ++active_total_;
    job.started = Clock::now();
    h.next_start = job.started + h.delay;

    job.body.clear();
    job.headers.clear();
    job.status = 0;
    job.final_url.clear();
    job.over_limit = false;
    job.errbuf[0] = '\0';
    job.refused.clear();
    job.body_limit = policy_.max_body_bytes;
    job.truncate_ok = false;
    if (job.robots) {
      job.body_limit = std::min(policy_.max_body_bytes, robots_max_bytes);
      job.truncate_ok = true;
    }

    CURL* e = curl_easy_init();
    if (e == nullptr) {
      transfer_failed(job, h, Failure{fetch_error::transfer, "curl_easy_init failed", false});
      return;
    }
    job.easy = e;
    configure(job, e);
    if (const CURLMcode rc = multi_->add(e); rc != CURLM_OK) {
      release_transfer(job);
      transfer_failed(job, h,
                      Failure{fetch_error::transfer,
                              std::string("cannot start transfer: ") + curl_multi_strerror(rc),
                              false});
    }
  }

  void configure(Job& job, CURL* e) {
    const FetchRequest& r = job.request;
    curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, static_cast<void*>(&job));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, job.errbuf.data());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, static_cast<void*>(&job));
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, static_cast<void*>(&job));
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protocols_.c_str());
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, redirect_protocols_.c_str());
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, policy_.max_redirects);
    curl_easy_setopt(e, CURLOPT_AUTOREFERER, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(policy_.connect_timeout.count()));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(policy_.total_timeout.count()));
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // every encoding curl can undo
    if (!job.truncate_ok) {
      // Refuses early when Content-Length announces too much; the write callback catches
      // the rest (chunked, compressed).
      curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(job.body_limit));
    }
    std::string agent = policy_.user_agent;
    if (!r.user_agent_note.empty()) agent += " (" + r.user_agent_note + ")";
    curl_easy_setopt(e, CURLOPT_USERAGENT, agent.c_str());  // curl copies strings
    if (policy_.proxy) curl_easy_setopt(e, CURLOPT_PROXY, policy_.proxy->c_str());
    if (policy_.connect_check) {
      job.connect_check = &policy_.connect_check;
      curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &Impl::on_open_socket);
      curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, static_cast<void*>(&job));
    }
    for (const std::string& entry : policy_.resolve) {
      if (curl_slist* next = curl_slist_append(job.resolve_list, entry.c_str()))
        job.resolve_list = next;
    }
    if (job.resolve_list != nullptr) curl_easy_setopt(e, CURLOPT_RESOLVE, job.resolve_list);

    curl_slist* list = nullptr;
    const auto add_header = [&list](const std::string& line) {
      if (curl_slist* next = curl_slist_append(list, line.c_str())) list = next;
    };
    for (const auto& [name, value] : r.headers) add_header(name + ": " + value);
    if (!r.if_none_match.empty()) add_header("If-None-Match: " + r.if_none_match);
    if (!r.if_modified_since.empty()) add_header("If-Modified-Since: " + r.if_modified_since);
    job.header_list = list;
    if (list != nullptr) curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);

    switch (r.method) {
      case HttpMethod::head:
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        break;
      case HttpMethod::post:
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, r.body.data());
        break;
      case HttpMethod::get:
        break;
    }
  }

  // CURLOPT_OPENSOCKETFUNCTION: the address is checked before the socket exists.
  static curl_socket_t on_open_socket(void* user, curlsocktype purpose, curl_sockaddr* a) {
    auto* job = static_cast<Job*>(user);
    if (purpose == CURLSOCKTYPE_IPCXN && job->connect_check != nullptr) {
      std::array<char, INET6_ADDRSTRLEN> text{};
      const void* raw = nullptr;
      if (a->family == AF_INET) {
        raw = &reinterpret_cast<const sockaddr_in*>(&a->addr)->sin_addr;
      } else if (a->family == AF_INET6) {
        raw = &reinterpret_cast<const sockaddr_in6*>(&a->addr)->sin6_addr;
      }
      std::string why = "address family " + std::to_string(a->family) + " not allowed";
      if (raw != nullptr && inet_ntop(a->family, raw, text.data(),
                                      static_cast<socklen_t>(text.size())) != nullptr) {
        why = (*job->connect_check)(text.data());
      }
      if (!why.empty()) {
        job->refused = why;
        return CURL_SOCKET_BAD;
      }
    }
    return ::socket(a->family, a->socktype, a->protocol);
  }

  static std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
    auto* job = static_cast<Job*>(user);
    const std::size_t n = size * count;
    if (job->body.size() + n > job->body_limit) {
      job->over_limit = true;
      if (job->truncate_ok) job->body.append(data, job->body_limit - job->body.size());
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    job->body.append(data, n);
    return n;
  }

  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* job = static_cast<Job*>(user);
    const std::size_t n = size * count;
    std::string_view line(data, n);
    if (line.substr(0, 5) == "HTTP/") {
      // A new response (after a redirect or a 100 Continue): forget the previous one.
      job->headers.clear();
      job->body.clear();
      return n;
    }
    const std::string_view content = trim(line);
    if (content.empty()) return n;
    if ((line.front() == ' ' || line.front() == '\t') && !job->headers.empty()) {
      job->headers.back().second += " ";
      job->headers.back().second += content;  // obsolete line folding
      return n;
    }
    const auto colon = content.find(':');
    if (colon == std::string_view::npos) return n;
    job->headers.emplace_back(lowered(trim(content.substr(0, colon))),
                              std::string(trim(content.substr(colon + 1))));
    return n;
  }

  // ---- completion --------------------------------------------------------------------

  void release_transfer(Job& job) {
    if (job.easy != nullptr) {
      if (multi_) multi_->remove(job.easy);
      curl_easy_cleanup(job.easy);
      job.easy = nullptr;
    }
    if (job.header_list != nullptr) {
      curl_slist_free_all(job.header_list);
      job.header_list = nullptr;
    }
    if (job.resolve_list != nullptr) {
      curl_slist_free_all(job.resolve_list);
      job.resolve_list = nullptr;
    }
  }

  void on_transfer_done(CURL* easy, CURLcode result) {
    void* priv = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    auto* job = static_cast<Job*>(priv);
    if (job == nullptr || job->easy != easy) {  // not ours any more: cannot happen
      curl_easy_cleanup(easy);
      return;
    }
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    job->status = static_cast<int>(status);
    char* effective = nullptr;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective);
    job->final_url = effective != nullptr ? effective : job->request.url;
    curl_off_t connect_time = 0;
    curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect_time);
    metrics_.bytes_received += job->body.size();

    std::optional<Failure> failure;
    if (result == CURLE_OK) {
      if (job->scheme == "file") {
        job->status = 200;
      } else if (job->status >= 400) {
        failure = Failure{fetch_error::http, status_text(job->status),
                          retriable_status(job->status)};
      }
    } else {
      failure = classify(*job, result, connect_time);
    }
    if (failure && failure->code != fetch_error::http && !job->truncate_ok) {
      job->body.clear();  // a partial body is no body; an HTTP error page is kept
    }
    release_transfer(*job);
    Host& h = host(job->host_key);
    if (h.active > 0) --h.active;
    if (active_total_ > 0) --active_total_;

    if (job->robots) {
      const std::uint64_t id = job->id;
      robots_done(*job, failure);
      jobs_.erase(id);
      pump();
      return;
    }
    if (failure && failure->retriable && job->attempts < policy_.max_attempts && !stopped_) {
      if (schedule_retry(h, *job, *failure)) {
        pump();
        return;
      }
    }
    if (failure) {
      finish(*job, *failure);
    } else {
      finish(*job, std::nullopt);
    }
    pump();
  }

  Failure classify(Job& job, CURLcode code, curl_off_t connect_time) const {
    const std::string detail = job.errbuf[0] != '\0' ? std::string(job.errbuf.data())
                                                     : std::string(curl_easy_strerror(code));
    if (!job.refused.empty() &&
        (code == CURLE_COULDNT_CONNECT || code == CURLE_OPERATION_TIMEDOUT)) {
      return {fetch_error::forbidden, "connection refused by the address check: " + job.refused,
              false};
    }
    switch (code) {
      case CURLE_OPERATION_TIMEDOUT:
        if (connect_time == 0 && job.scheme != "file" &&
            policy_.connect_timeout <= policy_.total_timeout) {
          return {fetch_error::timeout,
                  "connect timeout after " + format_duration(policy_.connect_timeout), true};
        }
        return {fetch_error::timeout, "timeout after " + format_duration(policy_.total_timeout),
                true};
      case CURLE_WRITE_ERROR:
      case CURLE_FILESIZE_EXCEEDED:
        if (job.over_limit || code == CURLE_FILESIZE_EXCEEDED) {
          return {fetch_error::too_large, "body over " + format_bytes(job.body_limit) + " limit",
                  false};
        }
        return {fetch_error::transfer, detail, false};
      case CURLE_TOO_MANY_REDIRECTS:
        return {fetch_error::redirects,
                "too many redirects (" + std::to_string(policy_.max_redirects) + ")", false};
      case CURLE_UNSUPPORTED_PROTOCOL:
        return {fetch_error::scheme, "scheme not allowed: " + detail, false};
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_COULDNT_CONNECT:
      case CURLE_GOT_NOTHING:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_PARTIAL_FILE:
      case CURLE_HTTP2:
      case CURLE_HTTP2_STREAM:
      case CURLE_HTTP3:
      case CURLE_QUIC_CONNECT_ERROR:
      case CURLE_SSL_CONNECT_ERROR:
        return {fetch_error::connect, "connection failed: " + detail, true};
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return {fetch_error::tls, "TLS: " + detail, false};
      case CURLE_FILE_COULDNT_READ_FILE:
      case CURLE_READ_ERROR:
        return {fetch_error::file, "cannot read: " + detail, false};
      default:
        return {fetch_error::transfer, detail, false};
    }
  }

  // Schedules the next attempt; false when Retry-After asks for more than the policy waits.
  bool schedule_retry(Host& h, Job& job, Failure& failure) {
    milliseconds wait = backoff_delay(job.attempts, policy_.backoff_base, policy_.backoff_max,
                                      policy_.jitter, rng_);
    if (job.status == 429 || job.status == 503) {
      const std::string_view value = header_of(job, "retry-after");
      if (!value.empty()) {
        if (const auto after = parse_retry_after(value, std::chrono::system_clock::now())) {
          if (*after > policy_.max_retry_after) {
            failure.problem += " (Retry-After " + format_duration(*after) + " over the " +
                               format_duration(policy_.max_retry_after) + " limit)";
            return false;
          }
          wait = std::max(wait, *after);
          // The whole host asked to slow down, not only this URL.
          h.next_start = std::max(h.next_start, Clock::now() + *after);
        }
      }
    }
    job.state = State::backoff;
    if (!job.backoff) job.backoff = std::make_unique<asio::steady_timer>(io_);
    job.backoff->expires_after(wait);
    job.backoff->async_wait([weak = weak_from_this(), id = job.id](const boost::system::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      const auto self = weak.lock();
      if (!self || self->stopped_) return;
      const auto it = self->jobs_.find(id);
      if (it == self->jobs_.end() || it->second->state != State::backoff) return;
      Job& j = *it->second;
      self->enqueue(self->host(j.host_key), j, true);
    });
    return true;
  }

  static std::string_view header_of(const Job& job, std::string_view name) {
    for (const auto& [key, value] : job.headers) {
      if (key == name) return value;
    }
    return {};
  }

  // Delivers the result of a job in jobs_ and forgets it.
  void finish(Job& job, const std::optional<Failure>& failure) {
    const std::uint64_t id = job.id;
    auto it = jobs_.find(id);
    std::unique_ptr<Job> owned = it != jobs_.end() ? std::move(it->second) : nullptr;
    if (it != jobs_.end()) jobs_.erase(it);
    deliver(job, failure);
  }

  // A job refused before being queued (it is not in jobs_).
  void finish_early(Job& job, const std::string& code, const std::string& problem) {
    deliver(job, Failure{code, problem, false});
  }

  void deliver(Job& job, const std::optional<Failure>& failure) {
    FetchResult r;
    r.url = job.request.url;
    r.final_url = job.final_url.empty() ? job.request.url : job.final_url;
    r.status = job.status;
    r.headers = std::move(job.headers);
    r.body = std::move(job.body);
    r.content_type = std::string(r.header("content-type"));
    r.media_type = sniff_media_type(r.body, r.content_type);
    if (job.scheme == "file" && r.content_type.empty() && sniff_bytes(r.body).empty()) {
      const std::string by_ext = media_type_from_extension(job.path_and_query);
      if (!by_ext.empty()) r.media_type = by_ext;
    }
    r.etag = std::string(r.header("etag"));
    r.last_modified = std::string(r.header("last-modified"));
    r.attempts = job.attempts;
    r.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - job.created);
    r.tag = std::move(job.request.tag);
    if (failure) {
      std::string message = r.url + ": " + failure->problem;
      if (job.attempts > 1) message += " (after " + std::to_string(job.attempts) + " attempts)";
      r.error = Error{failure->code, std::move(message)};
      ++metrics_.failed;
      ++metrics_.by_error[failure->code];
    } else {
      r.not_modified = r.status == 304;
      if (r.not_modified) ++metrics_.not_modified;
      ++metrics_.succeeded;
    }
    if (r.status > 0) ++metrics_.by_status[r.status];
    if (!job.done) return;
    asio::post(io_, [done = std::move(job.done), result = std::move(r)]() mutable {
      done(std::move(result));
    });
  }

  void transfer_failed(Job& job, Host& h, const Failure& failure) {
    if (h.active > 0) --h.active;
    if (active_total_ > 0) --active_total_;
    if (job.robots) {
      const std::uint64_t id = job.id;
      robots_done(job, failure);
      jobs_.erase(id);
      return;
    }
    finish(job, failure);
  }

  asio::io_context& io_;
  FetchPolicy policy_;
  std::string protocols_;
  std::string redirect_protocols_;
  std::mt19937_64 rng_;
  std::shared_ptr<detail::CurlMulti> multi_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Job>> jobs_;
  std::map<std::string, Host> hosts_;
  std::string last_host_;
  std::uint64_t next_id_ = 1;
  std::size_t active_total_ = 0;
  bool stopped_ = false;
  bool pumping_ = false;
  bool repump_ = false;
  FetchMetrics metrics_;
};

Fetcher::Fetcher(asio::io_context& io, FetchPolicy policy)
    : impl_(std::make_shared<Impl>(io, std::move(policy))) {
  impl_->init();
}

Fetcher::~Fetcher() = default;

void Fetcher::fetch(FetchRequest request, std::function<void(FetchResult)> done) {
  impl_->fetch(std::move(request), std::move(done));
}

void Fetcher::stop() { impl_->stop(); }

const FetchPolicy& Fetcher::policy() const noexcept { return impl_->policy(); }

FetchMetrics Fetcher::metrics() const { return impl_->metrics(); }

}  // namespace conventiond
