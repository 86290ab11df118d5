#pragma once
// One HTTP request as a handler sees it: method, decoded path, query parameters, headers,
// body, the route's path parameters, the peer's address and a request id.
// Built by the server (core/http/server.cpp) from what Beast parsed; never includes Beast.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace conventiond::http {

// Name/value pairs in order. Request header names are in lower case.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;                // "GET", "POST", ... as sent (upper case for known verbs)
  std::string target;                // as sent: path and query, still percent-encoded
  std::string path;                  // the encoded path, without the query
  std::vector<std::string> segments; // the path's segments, percent-decoded ("/a/b%2Fc" -> a, b/c)
  Headers query;                     // decoded query parameters in order ('+' is a space)
  Headers headers;                   // names in lower case, values as sent
  std::string body;
  Headers params;                    // the route's {name} parameters, decoded
  std::string route;                 // the matched route's pattern ("/v1/jobs/{name}/run"), or ""
  std::string remote_address;        // the peer's IP address
  std::uint16_t remote_port = 0;
  std::string request_id;            // the client's X-Request-Id when sane, else generated
  std::chrono::steady_clock::time_point received{};  // when its first byte arrived

  // First value of header `name` (any case), or nullopt. Repeated headers: see header_values.
  std::optional<std::string_view> header(std::string_view name) const;
  std::vector<std::string_view> header_values(std::string_view name) const;
  // First value of query parameter `name` (exact name), or nullopt; every value in order.
  std::optional<std::string_view> query_param(std::string_view name) const;
  std::vector<std::string_view> query_values(std::string_view name) const;
  // The route's path parameter `name`, or "" when the route has none of that name.
  std::string_view param(std::string_view name) const;
};

}  // namespace conventiond::http
