// jsonl_sink: appends every change-log event to a file, one JSON object per line.
//
// A batch is checked whole (each event a JSON object with an integer "seq") before anything is
// written, then written with one write() sequence and fsync()ed before deliver() returns, so an
// event the host considers delivered is on disk; on a failure the file is cut back to its
// previous size, so no partial batch remains. Rotation: before a batch that would take the file
// past `max_bytes`, or (with `rotate_daily`) before the first batch of a new UTC day, the file
// is renamed to `<path>.N`, N one more than the highest existing suffix (so `.1` is the oldest
// and a rotated file never changes name again), and only the `max_files` newest rotated files
// are kept. Delivery is at least once: after a failure the host delivers the batch again, so a
// line may appear twice; each event carries its `seq` to de-duplicate.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <conventiond/sdk/json.hpp>
#include <conventiond/sdk/sink.hpp>

namespace sdk = conventiond::sdk;
namespace fs = std::filesystem;

namespace {

constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_key("path", "File the events are appended to, one JSON object per line").required(),
    sdk::integer_key("max_bytes",
                     "Size beyond which the file is rotated (renamed to <path>.N) before a batch")
        .default_json("67108864")
        .min(1024),
    sdk::boolean_key("rotate_daily",
                     "Also rotate before the first batch of each UTC day (one file per day)")
        .default_json("false"),
    sdk::integer_key("max_files", "Rotated files kept (the oldest are deleted); 0 keeps them all")
        .default_json("10")
        .range(0, 1000000),
};

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw sdk::Failure(what + " " + path + ": " + std::strerror(errno));
}

// Checks that event (the index-th of the batch, from 0) is a change-log event and returns it
// on one line (the host sends compact JSON; anything else is re-written).
std::string checked_line(std::string_view event, std::size_t index) {
  const sdk::json::Value value = sdk::json::parse(event);
  const std::string where = "event " + std::to_string(index + 1) + " of the batch";
  if (!value.is_object()) throw sdk::Failure(where + " is not a JSON object");
  const sdk::json::Value* seq = value.find("seq");
  if (seq == nullptr) throw sdk::Failure(where + " has no \"seq\"");
  if (!seq->is_integer()) throw sdk::Failure(where + ": \"seq\" is not an integer");
  if (event.find_first_of("\r\n") == std::string_view::npos) return std::string(event);
  return sdk::json::serialize(value);
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

// Makes the directory's entries (a created or renamed file) durable.
void sync_directory(const std::string& dir) {
  const FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) fail("cannot open the directory", dir);
  if (::fsync(fd.get()) != 0 && errno != EINVAL) fail("cannot sync the directory", dir);
}

class JsonlSink final : public sdk::SinkConnector {
 public:
  // check-config's dry run (ABI 2): the constructor only reads the config, no file is touched.
  static void validate(const sdk::Config& config, sdk::ConfigProblems& problems) {
    problems.check([&] { const JsonlSink sink(config); });
  }

  explicit JsonlSink(const sdk::Config& config)
      : path_(config.string("path")),
        max_bytes_(config.integer("max_bytes")),
        rotate_daily_(config.boolean("rotate_daily")),
        max_files_(config.integer("max_files")) {
    if (path_.empty()) throw sdk::Failure("config key 'path' is empty");
    const fs::path p(path_);
    dir_ = p.has_parent_path() ? p.parent_path().string() : ".";
    base_ = p.filename().string();
    if (base_.empty()) throw sdk::Failure("config key 'path' names a directory: " + path_);
  }

  void deliver(const std::vector<std::string_view>& events, sdk::SinkContext& ctx) override {
    std::string batch;
    for (std::size_t i = 0; i < events.size(); ++i) batch += checked_line(events[i], i) + '\n';
    if (batch.empty()) return;
    const bool exists = rotate_if_needed(batch.size(), ctx);
    append(batch, !exists);
  }

 private:
  // Rotates the file when the batch may not go into it; returns whether the file exists now.
  bool rotate_if_needed(std::size_t incoming, sdk::SinkContext& ctx) const {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
      if (errno == ENOENT) return false;
      fail("cannot stat", path_);
    }
    if (!S_ISREG(st.st_mode)) {
      throw sdk::Failure("cannot append to " + path_ + ": " +
                         (S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file"));
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size == 0) return true;
    const bool too_big = size + incoming > static_cast<std::uint64_t>(max_bytes_);
    const bool new_day = rotate_daily_ && st.st_mtim.tv_sec / 86400 < std::time(nullptr) / 86400;
    if (!too_big && !new_day) return true;
    rotate(ctx);
    return false;
  }

  // The numbers N of the existing `<path>.N` files, in increasing order.
  std::vector<std::uint64_t> rotated_numbers() const {
    std::vector<std::uint64_t> numbers;
    std::error_code ec;
    const std::string prefix = base_ + ".";
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
      const char* first = name.data() + prefix.size();
      const char* last = name.data() + name.size();
      std::uint64_t n = 0;
      auto [ptr, err] = std::from_chars(first, last, n);
      if (err == std::errc() && ptr == last && *first != '0') numbers.push_back(n);
    }
    if (ec) {
      errno = ec.value();
      fail("cannot list the directory", dir_);
    }
    std::sort(numbers.begin(), numbers.end());
    return numbers;
  }

  void rotate(sdk::SinkContext& ctx) const {
    std::vector<std::uint64_t> numbers = rotated_numbers();
    const std::uint64_t next = numbers.empty() ? 1 : numbers.back() + 1;
    const std::string target = path_ + "." + std::to_string(next);
    if (std::rename(path_.c_str(), target.c_str()) != 0)
      fail("cannot rotate " + path_ + " to", target);
    sync_directory(dir_);
    numbers.push_back(next);
    if (max_files_ <= 0) return;
    const auto keep = static_cast<std::size_t>(max_files_);
    for (std::size_t i = 0; i + keep < numbers.size(); ++i) {
      const std::string old = path_ + "." + std::to_string(numbers[i]);
      if (std::remove(old.c_str()) != 0) {  // the delivery goes on: the data is safe
        ctx.log(sdk::LogLevel::warn,
                "cannot delete the old rotated file " + old + ": " + std::strerror(errno));
      }
    }
  }

  // Appends batch durably; on failure, cuts the file back so that no partial line remains.
  void append(const std::string& batch, bool creating) const {
    const FileDescriptor fd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
    if (fd.get() < 0) fail("cannot open", path_);
    if (creating) sync_directory(dir_);
    const off_t start = ::lseek(fd.get(), 0, SEEK_END);
    if (start < 0) fail("cannot seek", path_);
    if (!write_all(fd.get(), batch) || ::fsync(fd.get()) != 0) {
      const int saved = errno;
      if (::ftruncate(fd.get(), start) == 0) static_cast<void>(::fsync(fd.get()));  // best effort
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
  std::string dir_;
  std::string base_;
  std::int64_t max_bytes_;
  bool rotate_daily_;
  std::int64_t max_files_;
};

}  // namespace

CONVENTIOND_SINK_PLUGIN(JsonlSink, "jsonl_sink", "1.1.0",
                        "Appends change-log events to a JSON Lines file, fsynced, with rotation",
                        kConfig);
