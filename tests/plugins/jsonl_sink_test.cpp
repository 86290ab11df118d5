// The jsonl_sink plugin through the real host: rotation (size, daily, numbered suffixes,
// max_files), all-or-nothing batches (a failed write leaves no partial line), and the errors
// for malformed batches and unusable paths. Its basic behaviour is also covered by
// tests/plugin_host/jsonl_sink_test.cpp.

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "sink_test_support.hpp"
#include "test_support.hpp"

using conventiond::PluginInstance;
using conventiond::test::batch_json;
using conventiond::test::read_file;
using conventiond::test::TempDir;
using conventiond::test::TestEvent;
namespace fs = std::filesystem;

namespace {

PluginInstance sink(const std::string& config) {
  return conventiond::test::make_sink("jsonl_sink.so", "jsonl_sink", config);
}

std::string config_for(const fs::path& path, const std::string& more = "") {
  return R"({"path":")" + path.string() + "\"" + (more.empty() ? "" : "," + more) + "}";
}

// An event of about 600 bytes (two do not fit in 1024).
std::string big_event(std::int64_t seq) {
  TestEvent e;
  e.seq = seq;
  e.convention_id = "c1";
  e.record_json = R"({"pad":")" + std::string(500, 'x') + R"("})";
  return e.json();
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("jsonl_sink: rotated files get increasing numbers and only max_files are kept") {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  auto s = sink(config_for(path, R"("max_bytes":1024,"max_files":2)"));
  for (std::int64_t seq = 1; seq <= 5; ++seq) REQUIRE(s.deliver("[" + big_event(seq) + "]").ok());
  CHECK(names_in(dir.path()) ==
        std::vector<std::string>{"events.jsonl", "events.jsonl.3", "events.jsonl.4"});
  CHECK(read_file(dir.path() / "events.jsonl.3") == big_event(3) + "\n");
  CHECK(read_file(dir.path() / "events.jsonl.4") == big_event(4) + "\n");
  CHECK(read_file(path) == big_event(5) + "\n");
}

TEST_CASE("jsonl_sink: a batch that fits is appended without rotating and max_files 0 keeps all") {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  auto s = sink(config_for(path, R"("max_bytes":2048,"max_files":0)"));
  REQUIRE(s.deliver("[" + big_event(1) + "," + big_event(2) + "]").ok());
  REQUIRE(s.deliver("[" + big_event(3) + "]").ok());  // 1800 bytes: still fits
  CHECK(names_in(dir.path()) == std::vector<std::string>{"events.jsonl"});
  // Three events a file: rotations before 4, 7, ..., 40, i.e. 13 rotated files, none deleted.
  for (std::int64_t seq = 4; seq <= 42; ++seq) REQUIRE(s.deliver("[" + big_event(seq) + "]").ok());
  CHECK(names_in(dir.path()).size() == 14);
  CHECK(read_file(dir.path() / "events.jsonl.1") ==
        big_event(1) + "\n" + big_event(2) + "\n" + big_event(3) + "\n");
  // A batch larger than max_bytes still goes whole into a fresh file.
  REQUIRE(s.deliver("[" + big_event(43) + "," + big_event(44) + "," + big_event(45) + "," +
                    big_event(46) + "]")
              .ok());
  CHECK(names_in(dir.path()).size() == 15);
  CHECK(read_file(path) ==
        big_event(43) + "\n" + big_event(44) + "\n" + big_event(45) + "\n" + big_event(46) + "\n");
}

TEST_CASE("jsonl_sink: numbering goes on after a restart from the highest existing suffix") {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  dir.write("events.jsonl.7", "old\n");
  dir.write("events.jsonl.07", "not ours\n");
  dir.write("events.jsonl.x", "not ours\n");
  dir.write("events.jsonl", big_event(1) + "\n");
  auto s = sink(config_for(path, R"("max_bytes":1024,"max_files":1)"));
  REQUIRE(s.deliver("[" + big_event(2) + "]").ok());
  CHECK(names_in(dir.path()) == std::vector<std::string>{"events.jsonl", "events.jsonl.07",
                                                         "events.jsonl.8", "events.jsonl.x"});
  CHECK(read_file(dir.path() / "events.jsonl.8") == big_event(1) + "\n");
}

TEST_CASE("jsonl_sink: rotate_daily starts a new file for the first batch of a new UTC day") {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  TestEvent e;
  e.seq = 1;
  {
    auto s = sink(config_for(path));  // without rotate_daily: yesterday's file goes on
    REQUIRE(s.deliver(batch_json({e})).ok());
    fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::hours(25));
    e.seq = 2;
    REQUIRE(s.deliver(batch_json({e})).ok());
    CHECK(names_in(dir.path()) == std::vector<std::string>{"events.jsonl"});
  }
  auto s = sink(config_for(path, R"("rotate_daily":true)"));
  e.seq = 3;
  REQUIRE(s.deliver(batch_json({e})).ok());  // written today: no rotation
  CHECK(names_in(dir.path()) == std::vector<std::string>{"events.jsonl"});
  fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::hours(25));
  e.seq = 4;
  REQUIRE(s.deliver(batch_json({e})).ok());
  CHECK(names_in(dir.path()) == std::vector<std::string>{"events.jsonl", "events.jsonl.1"});
  CHECK(read_file(path) == e.json() + "\n");
  CHECK(read_file(dir.path() / "events.jsonl.1").find("\"seq\":3") != std::string::npos);
}

TEST_CASE("jsonl_sink: a write that fails leaves the file as it was and the retry succeeds") {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  auto s = sink(config_for(path));
  REQUIRE(s.deliver("[" + big_event(1) + "]").ok());
  const std::string before = read_file(path);

  // The file may grow by 100 bytes only: the 2-event batch fails half-way through write().
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit limited = saved;
  limited.rlim_cur = static_cast<rlim_t>(before.size() + 100);
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
  auto r = s.deliver("[" + big_event(2) + "," + big_event(3) + "]");
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &saved) == 0);
  std::signal(SIGXFSZ, previous_handler);

  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "plugin 'jsonl_sink': deliver failed: cannot write " + path.string() + ": File too large");
  CHECK(read_file(path) == before);  // cut back: no partial line
  REQUIRE(s.deliver("[" + big_event(2) + "," + big_event(3) + "]").ok());
  CHECK(read_file(path) == before + big_event(2) + "\n" + big_event(3) + "\n");
}

TEST_CASE("jsonl_sink: a malformed batch writes nothing and names the problem") {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  auto s = sink(config_for(path));
  REQUIRE(s.deliver(R"([{"seq":1}])").ok());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"([{"seq":2},{"kind":"updated"}])",
       "plugin 'jsonl_sink': deliver failed: event 2 of the batch has no \"seq\""},
      {R"([{"seq":2.5}])",
       "plugin 'jsonl_sink': deliver failed: event 1 of the batch: \"seq\" is not an integer"},
      {R"([{"seq":2},"text"])",
       "plugin 'jsonl_sink': deliver failed: event 2 of the batch is not a JSON object"},
      {R"({"seq":2})",
       "plugin 'jsonl_sink': deliver threw: invalid JSON at offset 0: expected '['"},
      {R"([{"seq":2},{"seq":3)", "plugin 'jsonl_sink': deliver threw: invalid JSON at offset"},
      {"[{\"seq\":2,\"s\":\"\xff\"}]", "plugin 'jsonl_sink': deliver threw: invalid JSON"},
  };
  for (const auto& [batch, message] : cases) {
    INFO(batch);
    auto r = s.deliver(batch);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::StartsWith(message));
  }
  CHECK(read_file(path) == "{\"seq\":1}\n");
}

TEST_CASE("jsonl_sink: unusable paths fail the delivery with the path and the reason") {
  TempDir dir;
  dir.write("file", "x");
  fs::create_directory(dir.path() / "events.jsonl");
  {
    auto s = sink(config_for(dir.path() / "events.jsonl"));
    auto r = s.deliver(R"([{"seq":1}])");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "plugin 'jsonl_sink': deliver failed: cannot append to " +
                                   (dir.path() / "events.jsonl").string() + ": it is a directory");
  }
  {
    const auto path = dir.path() / "file" / "events.jsonl";
    auto s = sink(config_for(path));
    auto r = s.deliver(R"([{"seq":1}])");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "plugin 'jsonl_sink': deliver failed: cannot stat " + path.string() +
                                   ": Not a directory");
  }
  {
    auto s = sink(config_for("/dev/null"));
    auto r = s.deliver(R"([{"seq":1}])");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message ==
          "plugin 'jsonl_sink': deliver failed: cannot append to /dev/null: not a regular file");
  }
  CHECK_THAT(conventiond::test::sink_creation_error("jsonl_sink.so", "jsonl_sink",
                                                    config_for(dir.path() / "")),
             Catch::Contains("config key 'path' names a directory"));
}
