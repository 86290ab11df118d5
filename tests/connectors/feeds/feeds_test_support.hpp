#pragma once
// Helpers of the feed connector tests: the plugins loaded through the real host, fixtures,
// and the indicators a call emitted, read back with the model's own parser.

#include <catch2/catch.hpp>

#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <conventiond/model/model_json.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/sdk/messages.hpp>

namespace conventiond::feeds_test {

namespace sdk = conventiond::sdk;

// Log lines the plugins wrote, for the tests that check what they say.
inline std::vector<std::string>& logged() {
  static std::vector<std::string> lines;
  return lines;
}

inline const PluginRegistry& registry() {
  static const PluginRegistry r = PluginRegistry::load_directory(
      CONVENTIOND_PLUGIN_DIR,
      HostServices{[](std::string_view, sdk::LogLevel, std::string_view message) {
                     logged().emplace_back(message);
                   },
                   {}});
  return r;
}

inline PluginInstance instance(std::string_view plugin, const std::string& config) {
  auto made = registry().create_instance(plugin, config);
  if (!made.ok()) FAIL(made.error().message);
  return std::move(*made);
}

inline std::string fixture(std::string_view name) {
  std::ifstream in(std::string(CONVENTIOND_FEEDS_FIXTURES) + "/" + std::string(name),
                   std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

template <class T>
std::vector<T> only(const std::vector<sdk::Message>& messages) {
  std::vector<T> out;
  for (const auto& m : messages) {
    if (const T* t = std::get_if<T>(&m)) out.push_back(*t);
  }
  return out;
}

// The indicators among messages, each checked by the model's parser (what the host does).
inline std::vector<Indicator> indicators(const std::vector<sdk::Message>& messages) {
  std::vector<Indicator> out;
  for (const auto& m : only<sdk::IndicatorMessage>(messages)) {
    auto value = parse_json(m.json);
    REQUIRE(value.ok());
    auto indicator = indicator_from_json(*value);
    if (!indicator.ok()) FAIL(indicator.error().message + " in " + m.json);
    out.push_back(std::move(*indicator));
  }
  return out;
}

inline const Indicator* find(const std::vector<Indicator>& all, std::string_view departement,
                             std::string_view name, std::string_view period) {
  for (const Indicator& i : all) {
    if (i.departement == departement && i.name == name && i.period == period) return &i;
  }
  return nullptr;
}

inline std::vector<std::string> errors(const std::vector<sdk::Message>& messages) {
  std::vector<std::string> out;
  for (const auto& e : only<sdk::ErrorMessage>(messages)) out.push_back(e.message);
  return out;
}

inline std::vector<sdk::Message> call_ok(Result<std::vector<sdk::Message>> r) {
  if (!r.ok()) FAIL(r.error().message);
  return std::move(*r);
}

inline sdk::Response response(const sdk::Request& request, int status, std::string body,
                              std::string content_type = "application/json") {
  return sdk::Response{request.url, status, {{"content-type", std::move(content_type)}},
                       std::move(body), request.meta};
}

}  // namespace conventiond::feeds_test
