// jsonl_sink: appends every change-log event to a file, one JSON object per line.
//
// A batch is written with one write() and fsync()ed before deliver() returns, so an event the
// host considers delivered is on disk. When appending a batch would take the file past
// `max_bytes`, the file is first renamed to `<path>.1` (replacing the previous one).
// Delivery is at least once: after a failure the host delivers the batch again, so a line may
// appear twice; each event carries its `seq` to de-duplicate.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/sdk/json.hpp>
#include <conventiond/sdk/sink.hpp>

namespace sdk = conventiond::sdk;

namespace {

constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_key("path", "File the events are appended to, one JSON object per line").required(),
    sdk::integer_key("max_bytes",
                     "Size beyond which the file is renamed to <path>.1 (replacing it) and a new "
                     "file started")
        .default_json("67108864")
        .min(1024),
};

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw sdk::Failure(what + " " + path + ": " + std::strerror(errno));
}

// The event's JSON on one line (the host sends compact JSON; anything else is re-written).
std::string one_line(std::string_view event) {
  if (event.find_first_of("\r\n") == std::string_view::npos) return std::string(event);
  return sdk::json::serialize(sdk::json::parse(event));
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

class JsonlSink final : public sdk::SinkConnector {
 public:
  explicit JsonlSink(const sdk::Config& config)
      : path_(config.string("path")), max_bytes_(config.integer("max_bytes")) {}

  void deliver(const std::vector<std::string_view>& events, sdk::SinkContext&) override {
    std::string batch;
    for (const std::string_view event : events) batch += one_line(event) + '\n';
    if (batch.empty()) return;
    rotate_if_needed(batch.size());
    append(batch);
  }

 private:
  void rotate_if_needed(std::size_t incoming) const {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
      if (errno == ENOENT) return;
      fail("cannot stat", path_);
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size == 0 || size + incoming <= static_cast<std::uint64_t>(max_bytes_)) return;
    if (std::rename(path_.c_str(), (path_ + ".1").c_str()) != 0) fail("cannot rotate", path_);
  }

  // Appends batch durably; on failure, cuts the file back so that no partial line remains.
  void append(const std::string& batch) const {
    const FileDescriptor fd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
    if (fd.get() < 0) fail("cannot open", path_);
    const off_t start = ::lseek(fd.get(), 0, SEEK_END);
    if (start < 0) fail("cannot seek", path_);
    if (!write_all(fd.get(), batch) || ::fsync(fd.get()) != 0) {
      const int saved = errno;
      [[maybe_unused]] const int cut = ::ftruncate(fd.get(), start);  // best effort
      errno = saved;
      fail("cannot write", path_);
    }
  }

  static bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::write(fd, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  std::string path_;
  std::int64_t max_bytes_;
};

}  // namespace

CONVENTIOND_SINK_PLUGIN(JsonlSink, "jsonl_sink", "1.0.0",
                        "Appends change-log events to a JSON Lines file, with size rotation",
                        kConfig);
