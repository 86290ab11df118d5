#pragma once
// Small HTTP helpers used by the Fetcher, public so that they can be tested.

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace conventiond {

// An HTTP date (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850, or asctime).
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);

// Formats a time as an IMF-fixdate.
std::string format_http_date(std::chrono::system_clock::time_point t);

// Retry-After: delta seconds or an HTTP date (relative to `now`); never negative.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// The wait before attempt `attempt + 1` after `attempt` failed (attempt >= 1):
// min(max, base * 2^(attempt-1)), then reduced by up to `jitter` (0..1) of itself.
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds max, double jitter,
                                        std::mt19937_64& rng);

// "10 s", "1.5 s", "250 ms", for messages.
std::string format_duration(std::chrono::milliseconds d);

// "5 MiB", "1.5 KiB", "512 bytes", for messages.
std::string format_bytes(std::size_t n);

}  // namespace conventiond
