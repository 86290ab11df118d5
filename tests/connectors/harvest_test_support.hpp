#pragma once
// Helpers shared by the harvesting connector tests: the shipped plugins, fixtures, responses.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/testkit/replay.hpp>

#include "test_support.hpp"

namespace conventiond::test {

inline const PluginRegistry& shipped_plugins() {
  static const PluginRegistry registry = PluginRegistry::load_directory(CONVENTIOND_PLUGIN_DIR);
  return registry;
}

inline PluginInstance plugin(std::string_view name, std::string_view config) {
  auto instance = shipped_plugins().create_instance(name, config);
  if (!instance.ok()) FAIL(instance.error().message);
  return std::move(*instance);
}

// The message of the error creating an instance with config ("" when it succeeds).
inline std::string create_error(std::string_view name, std::string_view config) {
  auto instance = shipped_plugins().create_instance(name, config);
  return instance.ok() ? std::string() : instance.error().message;
}

inline std::string fixture(std::string_view file_name) {
  const std::string text =
      read_file(fs::path(CONVENTIOND_CONNECTOR_FIXTURES) / std::string(file_name));
  REQUIRE_FALSE(text.empty());
  return text;
}

// The responses saved in tests/fixtures/connectors (a replay folder: index.json names the
// URL, status and headers of each fixture file), read as `conventiond connector test --replay`
// reads them.
inline const testkit::ReplaySet& saved_responses() {
  static const testkit::ReplaySet set = [] {
    auto loaded = testkit::ReplaySet::load(CONVENTIOND_CONNECTOR_FIXTURES);
    if (!loaded) FAIL(loaded.error().message);
    return std::move(*loaded);
  }();
  return set;
}

// The saved response to a GET of url, with the request's meta.
inline sdk::Response saved(const std::string& url, std::string meta) {
  auto answer = saved_responses().answer("GET", url);
  if (!answer) FAIL(answer.error().message);
  answer->meta = std::move(meta);
  return std::move(*answer);
}

inline sdk::Response response(std::string url, std::string body, std::string meta,
                              std::string type = "text/html; charset=utf-8", int status = 200) {
  return sdk::Response{std::move(url),
                       status,
                       {{"content-type", std::move(type)}},
                       std::move(body),
                       std::move(meta)};
}

// The messages of a call that must succeed.
inline std::vector<sdk::Message> ok(Result<std::vector<sdk::Message>> messages) {
  if (!messages.ok()) FAIL(messages.error().message);
  return std::move(*messages);
}

// The (url, meta) of each request among messages.
inline std::vector<std::pair<std::string, std::string>> requests(
    const std::vector<sdk::Message>& messages) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : only<sdk::Request>(messages)) out.emplace_back(r.url, r.meta);
  return out;
}

inline std::vector<std::string> error_texts(const std::vector<sdk::Message>& messages) {
  std::vector<std::string> out;
  for (const auto& e : only<sdk::ErrorMessage>(messages)) out.push_back(e.url + " | " + e.message);
  return out;
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The seconds f() takes.
template <class F>
double seconds_of(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return seconds_since(start);
}

// Whether an input ten times bigger took at most 40 times longer (linear work takes about 10
// times longer, quadratic work 100 times): a check that holds in sanitizer builds on a busy
// machine, where absolute times mean little.
inline bool scales_linearly(double small_seconds, double large_seconds) {
  return large_seconds < 40 * small_seconds + 0.5;
}

}  // namespace conventiond::test
