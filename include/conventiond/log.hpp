#pragma once
// The daemon's and the runner's log: one record per event, with a level and what it concerns
// (job, run, URL, plugin), written as one line of text or one JSON object a line
// (`--log-format json`, for journald and log shippers). Records below the level are dropped.
// docs/daemon.md, "Logs".
//
//   conventiond::Logger log(conventiond::LogFormat::json, conventiond::LogLevel::info);
//   log.write({conventiond::LogLevel::warn, "failed: https://a.fr/x: HTTP 404", "nord", 12,
//              "https://a.fr/x"});
//   {"time":"2026-11-25T14:18:08Z","level":"warn","message":"failed:
//   ...","job":"nord","run":12,"url":"https://a.fr/x"}

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace conventiond {

// From the most to the least severe; a logger at level L writes L and everything above it.
enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };
enum class LogFormat { text, json };

std::string_view to_string(LogLevel level) noexcept;
// "error", "warn" (or "warning"), "info", "debug"; nullopt otherwise.
std::optional<LogLevel> log_level_from_string(std::string_view text) noexcept;
// "text" or "json"; nullopt otherwise.
std::optional<LogFormat> log_format_from_string(std::string_view text) noexcept;

struct LogRecord {
  LogLevel level = LogLevel::info;
  std::string message;
  std::string job;       // "" when none
  std::int64_t run = 0;  // 0 when none
  std::string url;
  std::string plugin;
};

// A record as one line, without its newline. Text: "TIME LEVEL [job: ]message"; JSON: an
// object with time (RFC 3339 UTC), level, message, and job, run, url, plugin when known.
std::string format_log_line(const LogRecord& record, LogFormat format,
                            std::chrono::system_clock::time_point time);

class Logger {
 public:
  // Writes to `out` (default std::cerr) under a lock, so that threads' lines never mix.
  explicit Logger(LogFormat format = LogFormat::text, LogLevel level = LogLevel::info,
                  std::ostream* out = nullptr);

  bool enabled(LogLevel level) const noexcept { return level <= level_; }
  void write(const LogRecord& record) const;
  LogFormat format() const noexcept { return format_; }
  LogLevel level() const noexcept { return level_; }

  // A callable that writes records to this logger (which must outlive it).
  std::function<void(const LogRecord&)> sink() const {
    return [this](const LogRecord& r) { write(r); };
  }

 private:
  LogFormat format_;
  LogLevel level_;
  std::ostream* out_;
  std::shared_ptr<std::mutex> mu_;
};

}  // namespace conventiond
