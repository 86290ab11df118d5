#include <catch2/catch.hpp>

#include <conventiond/plugin_host/plugin_registry.hpp>

#include "test_support.hpp"

using conventiond::PluginRegistry;
using conventiond::test::read_file;
using conventiond::test::TempDir;

namespace {

conventiond::PluginInstance sink(const std::string& config) {
  static const PluginRegistry registry = PluginRegistry::load_directory(CONVENTIOND_PLUGIN_DIR);
  auto instance = registry.create_instance("jsonl_sink", config);
  REQUIRE(instance.ok());
  return std::move(*instance);
}

}  // namespace

TEST_CASE("jsonl_sink: appends one line per event, batch after batch") {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  auto s = sink(R"({"path":")" + path.string() + R"("})");
  REQUIRE(s.deliver(R"([{"seq":1,"op":"upsert"},{"seq":2}])").ok());
  REQUIRE(s.deliver(R"([{"seq":3,
                         "multi":"line"}])")
              .ok());
  REQUIRE(s.deliver("[]").ok());
  CHECK(read_file(path) ==
        "{\"seq\":1,\"op\":\"upsert\"}\n{\"seq\":2}\n{\"seq\":3,\"multi\":\"line\"}\n");
}

TEST_CASE("jsonl_sink: rotates to path.1 past max_bytes") {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  auto s = sink(R"({"path":")" + path.string() + R"(","max_bytes":1024})");
  const std::string event = R"({"seq":1,"pad":")" + std::string(600, 'x') + R"("})";
  REQUIRE(s.deliver("[" + event + "]").ok());
  REQUIRE(s.deliver("[" + event + "]").ok());
  CHECK(read_file(path) == event + "\n");
  CHECK(read_file(dir.path() / "events.jsonl.1") == event + "\n");
}

TEST_CASE("jsonl_sink: a write failure fails the delivery with the path") {
  auto s = sink(R"({"path":"/nonexistent/dir/events.jsonl"})");
  const auto result = s.deliver(R"([{"seq":1}])");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().message ==
        "plugin 'jsonl_sink': deliver failed: cannot open "
        "/nonexistent/dir/events.jsonl: No such file or directory");
}

TEST_CASE("jsonl_sink: a malformed batch fails the delivery") {
  TempDir dir;
  auto s = sink(R"({"path":")" + (dir.path() / "e.jsonl").string() + R"("})");
  const auto result = s.deliver("[{\"seq\":1},");
  REQUIRE_FALSE(result.ok());
  CHECK_THAT(result.error().message,
             Catch::StartsWith("plugin 'jsonl_sink': deliver threw: invalid JSON"));
}
