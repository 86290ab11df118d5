#pragma once
// The parts of request parsing that do not need Beast: the request target (Boost.URL).
// The HTTP framing itself is parsed by Beast inside core/http/server.cpp; the fuzzing entry
// point below runs both on raw bytes.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/http/limits.hpp>
#include <conventiond/http/request.hpp>
#include <conventiond/result.hpp>

namespace conventiond::http {

struct ParsedTarget {
  std::string path;                   // encoded, as sent
  std::vector<std::string> segments;  // percent-decoded, valid UTF-8, no NUL
  Headers query;                      // decoded name/value pairs ('+' is a space)
};

// Error codes of parse_target: "uri_too_long" (answer 414), "bad_request" (answer 400).
// The message names the target (cut to 100 bytes) and the problem.
Result<ParsedTarget> parse_target(std::string_view target, const ServerLimits& limits);

namespace detail {
// Parses `raw` as one HTTP/1.1 request with Beast under `limits`, then its target; for the
// fuzzer. The bytes are handed over as two socket reads would (the first `split` bytes, then
// the rest; 0: all at once). Never throws; an error names the problem.
Result<Request> parse_request_for_fuzzing(std::string_view raw, const ServerLimits& limits,
                                          std::size_t split = 0);
}  // namespace detail

}  // namespace conventiond::http
