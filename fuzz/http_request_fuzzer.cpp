// libFuzzer target for the HTTP server's request parsing: Beast's parser under the server's
// limits, then the request target (Boost.URL: percent-decoding, UTF-8, query parameters),
// then routing. Input: raw bytes of one request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <conventiond/http/request_parser.hpp>
#include <conventiond/http/router.hpp>

namespace {

const conventiond::http::Router& router() {
  static const conventiond::http::Router r = [] {
    conventiond::http::Router out;
    const auto noop = [](const conventiond::http::Request&, conventiond::http::Responder) {};
    (void)out.add("GET", "/v1/conventions/{id}", noop);
    (void)out.add("POST", "/v1/jobs/{name}/run", noop);
    (void)out.add("GET", "/v1/jobs/stats", noop);
    (void)out.add("GET", "/", noop);
    return out;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  conventiond::http::ServerLimits limits;
  limits.max_header_bytes = 4096;
  limits.max_body_bytes = 4096;
  limits.max_target_length = 1024;
  limits.max_query_length = 512;
  // Once in one read, once in two reads split where the first byte says: same outcome.
  const auto request = conventiond::http::detail::parse_request_for_fuzzing(input, limits);
  const std::size_t split = size > 1 ? 1 + data[0] % (size - 1) : 0;
  const auto again = conventiond::http::detail::parse_request_for_fuzzing(input, limits, split);
  if (request.ok() != again.ok()) std::abort();
  if (request.ok() && (request->body != again->body || request->target != again->target)) {
    std::abort();
  }
  if (!request) {
    if (request.error().message.empty()) std::abort();  // an error always says what
    return 0;
  }
  // Invariants of an accepted request.
  if (request->body.size() > limits.max_body_bytes) std::abort();
  if (request->target.size() > limits.max_target_length) std::abort();
  if (request->query.size() > limits.max_query_params) std::abort();
  for (const auto& seg : request->segments) {
    if (seg.find('\0') != std::string_view::npos) std::abort();
  }
  // No smuggling: an accepted request is framed by Content-Length or by "chunked" alone,
  // never both, and has at most one Host (RFC 9112 §6.3, §3.2).
  int hosts = 0;
  int codings = 0;
  bool length = false;
  for (const auto& [name, value] : request->headers) {
    for (const char c : name) {
      if (c >= 'A' && c <= 'Z') std::abort();  // names are lower case
    }
    if (name == "host") ++hosts;
    if (name == "content-length") length = true;
    if (name == "transfer-encoding") {
      ++codings;
      std::string v;
      for (const char c : value) {
        if (c != ' ' && c != '\t') v += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      }
      if (v != "chunked") std::abort();
    }
  }
  if (hosts > 1 || codings > 1 || (codings > 0 && length)) std::abort();
  const auto match = router().match(request->method, request->segments);
  if (match.route != nullptr && !match.allowed.empty()) std::abort();
  return 0;
}
