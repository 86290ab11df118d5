#pragma once
// Helpers shared by the sink plugin tests: loading one sink plugin through the real host, and
// change-log events in the shape the daemon delivers them.

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/sdk/json.hpp>

namespace conventiond::test {

// The registry of one plugin file of the build's plugin directory (loaded once per process).
inline const PluginRegistry& sink_registry(const std::string& file_name) {
  static PluginRegistry registry;
  static std::vector<std::string> loaded;
  bool seen = false;
  for (const auto& f : loaded) seen = seen || f == file_name;
  if (!seen) {
    REQUIRE(registry.load_file(std::filesystem::path(CONVENTIOND_PLUGIN_DIR) / file_name));
    loaded.push_back(file_name);
  }
  return registry;
}

// An instance of plugin `name` (in `file_name`) with config_json; the test fails when it
// cannot be created.
inline PluginInstance make_sink(const std::string& file_name, std::string_view name,
                                const std::string& config_json) {
  auto instance = sink_registry(file_name).create_instance(name, config_json);
  if (!instance) FAIL("cannot create the sink: " << instance.error().message);
  return std::move(instance).value();
}

// The error creating an instance gives (the test fails when it is created).
inline std::string sink_creation_error(const std::string& file_name, std::string_view name,
                                       const std::string& config_json) {
  auto instance = sink_registry(file_name).create_instance(name, config_json);
  if (instance) FAIL("the sink was created with " << config_json);
  return instance.error().message;
}

inline std::string json_quoted(std::string_view s) {
  std::string out;
  sdk::json::append_string(out, s);
  return out;
}

// One change-log event as the daemon delivers it.
struct TestEvent {
  std::int64_t seq = 0;
  std::string kind = "updated";
  std::string convention_id;
  std::string departement = "13";
  std::int64_t revision = 1;
  std::string record_json = "{}";
  std::string created_at = "2024-05-01T10:00:00Z";

  // As the daemon writes it (core/publish): convention_id null when there is none.
  std::string json() const {
    return sdk::json::ObjectWriter()
        .field("seq", seq)
        .field("kind", kind)
        .raw_field("convention_id",
                   convention_id.empty() ? std::string("null") : json_quoted(convention_id))
        .field("departement", departement)
        .field("revision", revision)
        .field("created_at", created_at)
        .raw_field("record", record_json)
        .str();
  }
};

// The JSON array of events, as deliver() takes it.
inline std::string batch_json(const std::vector<TestEvent>& events) {
  std::string out = "[";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i != 0) out += ',';
    out += events[i].json();
  }
  return out + "]";
}

// A convention record as the merge writes it (the fields the sinks look at, and a few more).
inline std::string convention_record(const std::string& id, const std::string& departement,
                                     std::int64_t revision, std::string_view note = "") {
  return sdk::json::ObjectWriter()
      .field("id", id)
      .field("departement", departement)
      .field("revision", revision)
      .field("note", note)
      .str();
}

}  // namespace conventiond::test
