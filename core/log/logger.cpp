#include <conventiond/log.hpp>

#include <iostream>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <conventiond/model/timestamp.hpp>

namespace conventiond {

std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::error:
      return "error";
    case LogLevel::warn:
      return "warn";
    case LogLevel::info:
      return "info";
    case LogLevel::debug:
      return "debug";
  }
  return "info";
}

std::optional<LogLevel> log_level_from_string(std::string_view text) noexcept {
  if (text == "error") return LogLevel::error;
  if (text == "warn" || text == "warning") return LogLevel::warn;
  if (text == "info") return LogLevel::info;
  if (text == "debug") return LogLevel::debug;
  return std::nullopt;
}

std::optional<LogFormat> log_format_from_string(std::string_view text) noexcept {
  if (text == "text") return LogFormat::text;
  if (text == "json") return LogFormat::json;
  return std::nullopt;
}

std::string format_log_line(const LogRecord& r, LogFormat format,
                            std::chrono::system_clock::time_point time) {
  if (format == LogFormat::json) {
    boost::json::object o;
    o["time"] = format_rfc3339(time);
    o["level"] = to_string(r.level);
    o["message"] = r.message;
    if (!r.job.empty()) o["job"] = r.job;
    if (r.run != 0) o["run"] = r.run;
    if (!r.url.empty()) o["url"] = r.url;
    if (!r.plugin.empty()) o["plugin"] = r.plugin;
    return boost::json::serialize(o);
  }
  std::string line = format_rfc3339(time);
  line += ' ';
  line += to_string(r.level);
  line += ' ';
  if (!r.job.empty()) line += r.job + ": ";
  if (!r.plugin.empty()) line += r.plugin + ": ";
  // One record, one line: a message never breaks the text format.
  for (const char c : r.message) line += (c == '\n' || c == '\r') ? ' ' : c;
  return line;
}

Logger::Logger(LogFormat format, LogLevel level, std::ostream* out)
    : format_(format), level_(level), out_(out), mu_(std::make_shared<std::mutex>()) {}

void Logger::write(const LogRecord& record) const {
  if (!enabled(record.level)) return;
  const std::string line = format_log_line(record, format_, std::chrono::system_clock::now());
  std::lock_guard lock(*mu_);
  std::ostream& out = out_ != nullptr ? *out_ : std::cerr;
  out << line << '\n' << std::flush;
}

}  // namespace conventiond
