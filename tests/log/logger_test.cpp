#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/log.hpp>
#include <conventiond/model/timestamp.hpp>

using conventiond::format_log_line;
using conventiond::LogFormat;
using conventiond::Logger;
using conventiond::LogLevel;
using conventiond::LogRecord;
namespace json = boost::json;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("log: the JSON form is one object a line with time, level, message and what is known") {
  std::ostringstream out;
  const Logger log(LogFormat::json, LogLevel::debug, &out);
  log.write({LogLevel::warn,
             "failed: https://a.fr/x: HTTP status 404\nsecond line",
             "nord",
             12,
             "https://a.fr/x",
             {}});
  log.write({LogLevel::info, "listening on http://127.0.0.1:8080", {}, 0, {}, {}});
  log.write({LogLevel::debug, "3 page(s)", {}, 0, {}, "press_releases"});
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 3);

  const json::object first = json::parse(lines[0]).as_object();
  CHECK(first.at("level").as_string() == "warn");
  CHECK(first.at("message").as_string() == "failed: https://a.fr/x: HTTP status 404\nsecond line");
  CHECK(first.at("job").as_string() == "nord");
  CHECK(first.at("run").as_int64() == 12);
  CHECK(first.at("url").as_string() == "https://a.fr/x");
  CHECK(first.if_contains("plugin") == nullptr);
  // RFC 3339, UTC, and now.
  const std::string time(first.at("time").as_string());
  CHECK(time.size() == 20);
  CHECK(time.back() == 'Z');
  const auto parsed = conventiond::parse_rfc3339(time);
  REQUIRE(parsed);
  CHECK(std::chrono::abs(std::chrono::system_clock::now() - *parsed) < std::chrono::minutes(1));

  const json::object second = json::parse(lines[1]).as_object();
  CHECK(second.size() == 3);  // time, level, message: nothing unknown is written
  const json::object third = json::parse(lines[2]).as_object();
  CHECK(third.at("plugin").as_string() == "press_releases");
  CHECK(third.at("level").as_string() == "debug");
}

TEST_CASE("log: records below the level are dropped") {
  const std::vector<std::pair<LogLevel, std::size_t>> expected = {
      {LogLevel::error, 1}, {LogLevel::warn, 2}, {LogLevel::info, 3}, {LogLevel::debug, 4}};
  for (const auto& [level, count] : expected) {
    std::ostringstream out;
    const Logger log(LogFormat::json, level, &out);
    for (const LogLevel l : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
      log.write({l, std::string(conventiond::to_string(l)), {}, 0, {}, {}});
    }
    const auto lines = lines_of(out.str());
    CHECK(lines.size() == count);
    for (const std::string& line : lines) {
      const auto written = conventiond::log_level_from_string(
          std::string(json::parse(line).as_object().at("level").as_string()));
      REQUIRE(written);
      CHECK(*written <= level);
    }
  }
}

TEST_CASE("log: the text form is one line: time, level, job or plugin, message") {
  const auto t = conventiond::parse_rfc3339("2026-11-25T14:18:08Z");
  REQUIRE(t);
  CHECK(format_log_line({LogLevel::info, "run 3 started", "nord", 3, {}, {}}, LogFormat::text,
                        *t) == "2026-11-25T14:18:08Z info nord: run 3 started");
  CHECK(format_log_line({LogLevel::warn, "a\nb", {}, 0, {}, "my_source"}, LogFormat::text, *t) ==
        "2026-11-25T14:18:08Z warn my_source: a b");
}

TEST_CASE("log: levels and formats by name, lines of threads never mixed") {
  CHECK(conventiond::log_level_from_string("warning") == LogLevel::warn);
  CHECK_FALSE(conventiond::log_level_from_string("verbose"));
  CHECK(conventiond::log_format_from_string("json") == LogFormat::json);
  CHECK_FALSE(conventiond::log_format_from_string("xml"));

  std::ostringstream out;
  const Logger log(LogFormat::json, LogLevel::info, &out);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 200; ++i)
        log.write({LogLevel::info, std::string(100, static_cast<char>('a' + t)), {}, 0, {}, {}});
    });
  }
  for (auto& th : threads) th.join();
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 800);
  for (const std::string& line : lines) CHECK_NOTHROW(json::parse(line));
}

TEST_CASE("log: [log] level and format in the config, checked") {
  const std::string base = "[store]\nurl = \"sqlite:x.db\"\n";
  auto ok = conventiond::parse_daemon_config(base + "[log]\nlevel = \"debug\"\nformat = \"json\"\n",
                                             "c.toml", ".");
  REQUIRE(ok.ok());
  CHECK(ok->log_level == LogLevel::debug);
  CHECK(ok->log_format == LogFormat::json);
  auto defaults = conventiond::parse_daemon_config(base, "c.toml", ".");
  REQUIRE(defaults.ok());
  CHECK(defaults->log_level == LogLevel::info);
  CHECK(defaults->log_format == LogFormat::text);
  auto bad = conventiond::parse_daemon_config(
      base + "[log]\nlevel = \"loud\"\nformat = \"xml\"\nfile = \"x\"\n", "c.toml", ".");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message,
             Catch::Contains("log.level") &&
                 Catch::Contains("'loud' is not one of error, warn, info, debug"));
  CHECK_THAT(bad.error().message, Catch::Contains("'xml' is not one of text, json"));
  CHECK_THAT(bad.error().message, Catch::Contains("log.file: unknown key"));
}
