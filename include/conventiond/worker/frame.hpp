#pragma once
// The frames exchanged by the daemon (or `conventiond run`) and its worker processes over a
// socketpair: a little-endian u32 header length, a u64 body length, the header (UTF-8 JSON
// text, one object) and the body (raw bytes: a response body travels as it was fetched, with
// no base64 and no JSON escaping). See docs/workers.md.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <conventiond/result.hpp>

namespace conventiond::worker {

inline constexpr std::size_t kMaxHeaderBytes = std::size_t{256} << 20;
inline constexpr std::uint64_t kMaxBodyBytes = std::uint64_t{1} << 31;

struct Frame {
  std::string header;  // JSON text
  std::string body;    // raw bytes
};

// Writes one frame (blocking, all of it). Error code "io".
Status write_frame(int fd, std::string_view header, std::string_view body);

// Reads one frame, blocking. Error code "eof" when the peer closed before a frame began,
// "io" otherwise.
Result<Frame> read_frame(int fd);

// Reads one frame, polling every `tick`; between polls `check()` may return an Error to give
// up (the frame is then lost: the caller kills the peer). Error codes: "eof", "io", or the
// code of check()'s error.
Result<Frame> read_frame_watched(int fd, std::chrono::milliseconds tick,
                                 const std::function<Status()>& check);

}  // namespace conventiond::worker
