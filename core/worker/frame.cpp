#include <conventiond/worker/frame.hpp>

#include <cerrno>
#include <cstring>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace conventiond::worker {
namespace {

Error io_error(std::string_view what) {
  return Error::make("io", std::string(what) + ": " + std::strerror(errno));
}

Status write_all(int fd, const char* data, std::size_t len) {
  while (len > 0) {
    const ssize_t n = ::send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write to worker channel");
    }
    data += n;
    len -= static_cast<std::size_t>(n);
  }
  return {};
}

void put_le(char* out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint64_t get_le(const unsigned char* in, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | in[i];
  return v;
}

// Incremental reader of one frame.
class FrameReader {
 public:
  // Reads what is available (one read() call); true when the frame is complete.
  Result<bool> step(int fd) {
    char* dst = nullptr;
    std::size_t want = 0;
    if (got_prefix_ < sizeof(prefix_)) {
      dst = reinterpret_cast<char*>(prefix_) + got_prefix_;
      want = sizeof(prefix_) - got_prefix_;
    } else if (frame_.header.size() < header_len_) {
      dst = nullptr;
    }
    if (dst != nullptr) {
      const ssize_t n = ::read(fd, dst, want);
      if (n == 0) {
        if (got_prefix_ == 0) return Error::make("eof", "worker channel closed");
        return Error::make("io", "worker channel closed in the middle of a frame");
      }
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) return false;
        return io_error("read from worker channel");
      }
      got_prefix_ += static_cast<std::size_t>(n);
      if (got_prefix_ < sizeof(prefix_)) return false;
      header_len_ = static_cast<std::size_t>(get_le(prefix_, 4));
      body_len_ = get_le(prefix_ + 4, 8);
      if (header_len_ > kMaxHeaderBytes || body_len_ > kMaxBodyBytes) {
        return Error::make("io", "worker channel: frame too large");
      }
      frame_.header.resize(header_len_);
      frame_.body.resize(static_cast<std::size_t>(body_len_));
      return header_done_ >= header_len_ && body_done_ >= body_len_;
    }
    std::string& target = header_done_ < header_len_ ? frame_.header : frame_.body;
    std::size_t& done = header_done_ < header_len_ ? header_done_ : body_done_;
    const ssize_t n = ::read(fd, target.data() + done, target.size() - done);
    if (n == 0) return Error::make("io", "worker channel closed in the middle of a frame");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) return false;
      return io_error("read from worker channel");
    }
    done += static_cast<std::size_t>(n);
    return header_done_ >= header_len_ && body_done_ >= body_len_;
  }

  Frame take() { return std::move(frame_); }

 private:
  unsigned char prefix_[12] = {};
  std::size_t got_prefix_ = 0;
  std::size_t header_len_ = 0;
  std::uint64_t body_len_ = 0;
  std::size_t header_done_ = 0;
  std::uint64_t body_done_ = 0;
  Frame frame_;
};

}  // namespace

Status write_frame(int fd, std::string_view header, std::string_view body) {
  char prefix[12];
  put_le(prefix, header.size(), 4);
  put_le(prefix + 4, body.size(), 8);
  if (Status s = write_all(fd, prefix, sizeof(prefix)); !s) return s;
  if (Status s = write_all(fd, header.data(), header.size()); !s) return s;
  return write_all(fd, body.data(), body.size());
}

Result<Frame> read_frame(int fd) {
  FrameReader reader;
  while (true) {
    auto done = reader.step(fd);
    if (!done) return done.error();
    if (*done) return reader.take();
  }
}

Result<Frame> read_frame_watched(int fd, std::chrono::milliseconds tick,
                                 const std::function<Status()>& check) {
  FrameReader reader;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(tick.count()));
    if (r < 0 && errno != EINTR) return io_error("poll worker channel");
    if (r > 0) {
      auto done = reader.step(fd);
      if (!done) return done.error();
      if (*done) return reader.take();
      continue;  // more may be there already
    }
    if (check) {
      if (Status s = check(); !s) return s.error();
    }
  }
}

}  // namespace conventiond::worker
