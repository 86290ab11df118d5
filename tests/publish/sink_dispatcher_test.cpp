// SinkDispatcher with the shipped jsonl sink and test_flaky_sink (fails while a file exists).

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/publish/sink_dispatcher.hpp>
#include <conventiond/store/sqlite_store.hpp>

#include "publish_test_support.hpp"

using namespace conventiond;
using namespace conventiond::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const PluginRegistry& registry() {
  static const PluginRegistry r = [] {
    PluginRegistry reg;
    REQUIRE(reg.load_file(fs::path(CONVENTIOND_PLUGIN_DIR) / "jsonl_sink.so"));
    REQUIRE(reg.load_file(fs::path(CONVENTIOND_TEST_PLUGIN_DIR) / "test_flaky_sink.so"));
    return reg;
  }();
  return r;
}

PluginInstance instance(const std::string& plugin, const std::string& config) {
  auto i = registry().create_instance(plugin, config);
  if (!i) FAIL(plugin << ": " << i.error().message);
  return std::move(*i);
}

struct Dir {
  fs::path path;
  Dir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("conventiond-sinks-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::vector<std::int64_t> lines_seqs(const fs::path& file) {
  std::vector<std::int64_t> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) out.push_back(seq_of(line));
  return out;
}

template <class Pred>
bool wait_until(boost::asio::io_context& io, Pred done, std::chrono::milliseconds limit = 20s) {
  return run_until(io, done, limit);
}

SinkOptions fast() {
  SinkOptions o;
  o.batch_size = 100;
  o.poll_interval = 50ms;
  o.backoff_base = 10ms;
  o.backoff_max = 40ms;
  return o;
}

std::string config(const fs::path& file, const fs::path& fail) {
  return R"({"path":")" + file.string() + R"(","fail_file":")" + fail.string() + R"("})";
}

}  // namespace

TEST_CASE("sinks: the jsonl sink receives every event in order, in batches", "[publish]") {
  auto store = SqliteStore::open(":memory:");
  REQUIRE(store);
  Dir dir;
  const fs::path file = dir.path / "changes.jsonl";
  const auto seqs = add_events(**store, 250);
  boost::asio::io_context io;
  std::vector<SinkBinding> sinks;
  sinks.push_back({"audit", instance("jsonl_sink", R"({"path":")" + file.string() + R"("})")});
  SinkDispatcher d(io, **store, std::move(sinks), fast());
  d.start();
  REQUIRE(wait_until(io, [&] { return *(*store)->consumer_cursor("sink:audit") == seqs.back(); }));
  CHECK(lines_seqs(file) == seqs);
  auto states = d.states();
  REQUIRE(states.size() == 1);
  CHECK(states[0].name == "audit");
  CHECK(states[0].delivered == 250);
  CHECK(states[0].batches == 3);  // 100 + 100 + 50
  CHECK(states[0].failures == 0);

  // More events: notify() hands them over.
  const auto more = add_events(**store, 2);
  d.notify();
  REQUIRE(wait_until(io, [&] { return *(*store)->consumer_cursor("sink:audit") == more.back(); },
                     5s));
  auto all = seqs;
  all.insert(all.end(), more.begin(), more.end());
  CHECK(lines_seqs(file) == all);
}

TEST_CASE("sinks: a failing sink is retried with the same events, never skipping", "[publish]") {
  auto store = SqliteStore::open(":memory:");
  REQUIRE(store);
  Dir dir;
  const fs::path file = dir.path / "out.txt";
  const fs::path fail = dir.path / "fail";
  std::ofstream(fail) << "x";
  const auto seqs = add_events(**store, 7);
  boost::asio::io_context io;
  std::vector<std::string> errors;
  SinkOptions options = fast();
  options.batch_size = 3;
  options.on_error = [&](std::string_view sink, const Error& e) {
    errors.push_back(std::string(sink) + ": " + e.message);
  };
  std::vector<SinkBinding> sinks;
  sinks.push_back({"flaky", instance("test_flaky_sink", config(file, fail))});
  SinkDispatcher d(io, **store, std::move(sinks), options);
  d.start();
  REQUIRE(wait_until(io, [&] { return errors.size() >= 3; }));
  CHECK(errors.front().find("flaky: ") == 0);
  CHECK(errors.front().find("failing on demand") != std::string::npos);
  CHECK(*(*store)->consumer_cursor("sink:flaky") == 0);
  CHECK(lines_seqs(file).empty());
  auto failing = d.states();
  CHECK(failing[0].consecutive_failures >= 3);
  CHECK(failing[0].last_error.find("failing on demand") != std::string::npos);

  fs::remove(fail);
  d.notify();
  REQUIRE(wait_until(io, [&] { return *(*store)->consumer_cursor("sink:flaky") == seqs.back(); }));
  CHECK(lines_seqs(file) == seqs);
  CHECK(d.states()[0].consecutive_failures == 0);
  CHECK(d.states()[0].batches == 3);  // 3 + 3 + 1
}

TEST_CASE("sinks: a new dispatcher resumes from the cursor, nothing twice", "[publish]") {
  TempPath db;
  Dir dir;
  const fs::path file = dir.path / "changes.jsonl";
  auto store = SqliteStore::open(db.path);
  REQUIRE(store);
  const auto first = add_events(**store, 5);
  {
    boost::asio::io_context io;
    std::vector<SinkBinding> sinks;
    sinks.push_back({"audit", instance("jsonl_sink", R"({"path":")" + file.string() + R"("})")});
    SinkDispatcher d(io, **store, std::move(sinks), fast());
    d.start();
    REQUIRE(wait_until(io, [&] { return *(*store)->consumer_cursor("sink:audit") == first.back(); }));
  }
  const auto second = add_events(**store, 5);
  boost::asio::io_context io;
  std::vector<SinkBinding> sinks;
  sinks.push_back({"audit", instance("jsonl_sink", R"({"path":")" + file.string() + R"("})")});
  SinkDispatcher d(io, **store, std::move(sinks), fast());
  d.start();
  REQUIRE(wait_until(io, [&] { return *(*store)->consumer_cursor("sink:audit") == second.back(); }));
  auto all = first;
  all.insert(all.end(), second.begin(), second.end());
  CHECK(lines_seqs(file) == all);
}

TEST_CASE("sinks: with leases one of two daemons delivers a sink, the other after it stops",
          "[publish]") {
  auto store = SqliteStore::open(":memory:");
  REQUIRE(store);
  Dir dir;
  const fs::path file = dir.path / "out.txt";
  const fs::path fail = dir.path / "never";
  const auto seqs = add_events(**store, 30);
  boost::asio::io_context io;
  SinkOptions a_options = fast();
  a_options.batch_size = 5;
  a_options.leases = LeaseOptions{"daemon-a", 60s};
  SinkOptions b_options = a_options;
  b_options.leases = LeaseOptions{"daemon-b", 60s};
  std::vector<SinkBinding> a_sinks;
  a_sinks.push_back({"shared", instance("test_flaky_sink", config(file, fail))});
  std::vector<SinkBinding> b_sinks;
  b_sinks.push_back({"shared", instance("test_flaky_sink", config(file, fail))});
  auto a = std::make_unique<SinkDispatcher>(io, **store, std::move(a_sinks), a_options);
  SinkDispatcher b(io, **store, std::move(b_sinks), b_options);
  a->start();
  b.start();
  REQUIRE(wait_until(io, [&] { return *(*store)->consumer_cursor("sink:shared") == seqs.back(); }));
  std::this_thread::sleep_for(100ms);
  CHECK(lines_seqs(file) == seqs);  // each once: only the lease holder delivered
  auto owner = (*store)->lease_owner("sink:shared");
  REQUIRE(owner);
  REQUIRE(*owner);
  const bool a_owns = **owner == "daemon-a";
  CHECK(a->states()[0].delivered + b.states()[0].delivered == 30);

  const auto more = add_events(**store, 4);
  if (a_owns) a->stop(); else b.stop();
  if (a_owns) b.notify(); else a->notify();
  REQUIRE(wait_until(io, [&] { return *(*store)->consumer_cursor("sink:shared") == more.back(); }));
  auto all = seqs;
  all.insert(all.end(), more.begin(), more.end());
  CHECK(lines_seqs(file) == all);
  owner = (*store)->lease_owner("sink:shared");
  REQUIRE(owner);
  REQUIRE(*owner);
  CHECK(**owner == (a_owns ? "daemon-b" : "daemon-a"));
}
