#pragma once
// RFC 3339 UTC timestamps as the model, the store and the API write them:
// "2026-11-25T14:18:08Z" (second precision).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace conventiond {

std::string format_rfc3339(std::chrono::system_clock::time_point t);
inline std::string now_rfc3339() { return format_rfc3339(std::chrono::system_clock::now()); }

// "YYYY-MM-DDTHH:MM:SS" followed by anything (a "Z", fractions, an offset are not read: the
// store writes UTC); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace conventiond
