#pragma once
// Limits on what a client may send, applied while parsing (see docs/http-server.md).

#include <cstddef>

namespace conventiond::http {

struct ServerLimits {
  std::size_t max_header_bytes = 8u << 10;  // request line + header fields; over it: 431
  std::size_t max_body_bytes = 1u << 20;    // over it (announced or received): 413
  std::size_t max_target_length = 4096;     // the request target as sent; over it: 414
  std::size_t max_query_length = 2048;      // the encoded query string; over it: 414
  std::size_t max_query_params = 100;       // more parameters: 400
};

}  // namespace conventiond::http
