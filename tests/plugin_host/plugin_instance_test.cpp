#include <catch2/catch.hpp>

#include <conventiond/plugin_host/plugin_registry.hpp>

#include "test_support.hpp"

using conventiond::HostServices;
using conventiond::PluginRegistry;
using conventiond::test::only;
namespace sdk = conventiond::sdk;

namespace {

const PluginRegistry& test_plugins() {
  static const PluginRegistry registry =
      PluginRegistry::load_directory(CONVENTIOND_TEST_PLUGIN_DIR);
  return registry;
}

sdk::Response html_response(std::string body, int status = 200) {
  return sdk::Response{
      "https://example.org/page", status, {{"content-type", "text/html"}}, std::move(body), {}};
}

}  // namespace

TEST_CASE("instance: a create that fails is an error naming the plugin and its reason") {
  const auto instance = test_plugins().create_instance("test_create_fails", "{}");
  REQUIRE_FALSE(instance.ok());
  CHECK(instance.error().code == "plugin");
  CHECK(instance.error().message ==
        "plugin 'test_create_fails': create failed: database unreachable");
}

TEST_CASE("instance: a create that throws is caught by the SDK and reported") {
  const auto instance = test_plugins().create_instance("test_create_throws", "{}");
  REQUIRE_FALSE(instance.ok());
  CHECK(instance.error().message ==
        "plugin 'test_create_throws': create threw: constructor exploded");
}

TEST_CASE("instance: a bad config never reaches the plugin") {
  const auto instance = test_plugins().create_instance("test_good", R"({"count":11,"colour":1})");
  REQUIRE_FALSE(instance.ok());
  CHECK(instance.error().code == "config");
  CHECK(instance.error().message ==
        "plugin 'test_good': config key 'count': 11 is above the maximum 10\n"
        "plugin 'test_good': unknown config key 'colour'\n"
        "plugin 'test_good': missing required config key 'label'");
  CHECK_FALSE(test_plugins().create_instance("test_good", "[1]").ok());
  CHECK_FALSE(test_plugins().create_instance("nope", "{}").ok());
}

TEST_CASE("instance: start emits requests and logs through the host") {
  std::vector<std::string> logged;
  HostServices services;
  services.log = [&](std::string_view plugin, sdk::LogLevel level, std::string_view message) {
    logged.push_back(std::string(plugin) + "/" + std::to_string(static_cast<int>(level)) + "/" +
                     std::string(message));
  };
  const auto registry = PluginRegistry::load_directory(CONVENTIOND_TEST_PLUGIN_DIR, services);
  auto instance = registry.create_instance("test_good", R"({"label":"nord"})");
  REQUIRE(instance.ok());
  const auto messages = instance->start();
  REQUIRE(messages.ok());
  const auto requests = only<sdk::Request>(*messages);
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].url == "https://example.org/nord");
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].meta == "count=3");  // the default, filled in by the host
  CHECK(logged == std::vector<std::string>{"test_good/1/starting nord"});
}

TEST_CASE("instance: parse returns the document with its bytes intact") {
  auto instance = test_plugins().create_instance("test_good", R"({"label":"x"})");
  REQUIRE(instance.ok());
  const std::string bytes("<p>\0\xff\xfe</p>", 9);
  const auto messages = instance->parse(html_response(bytes));
  REQUIRE(messages.ok());
  const auto docs = only<sdk::Document>(*messages);
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].body == bytes);
  CHECK(docs[0].media_type == "text/html");
  CHECK(docs[0].url == "https://example.org/page");
}

TEST_CASE("instance: item errors are messages, the call still succeeds") {
  auto instance = test_plugins().create_instance("test_good", R"({"label":"x"})");
  REQUIRE(instance.ok());
  const auto messages = instance->parse(html_response("gone", 404));
  REQUIRE(messages.ok());
  const auto errors = only<sdk::ErrorMessage>(*messages);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "HTTP status 404");
}

TEST_CASE("instance: an exception in parse fails the call, not the host") {
  auto instance = test_plugins().create_instance("test_good", R"({"label":"x"})");
  REQUIRE(instance.ok());
  const auto thrown = instance->parse(html_response("throw"));
  REQUIRE_FALSE(thrown.ok());
  CHECK(thrown.error().message == "plugin 'test_good': parse threw: parse exploded");
  const auto failed = instance->parse(html_response("fail"));
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message == "plugin 'test_good': parse failed: page layout changed");
  CHECK(instance->parse(html_response("fine")).ok());  // the instance is still usable
}

TEST_CASE("instance: the host's extraction is offered to plugins") {
  HostServices services;
  services.extract = [](std::string_view bytes, std::string_view media_type,
                        std::string_view url) -> conventiond::Result<std::string> {
    if (bytes == "bad") return conventiond::Error::make("extract", "unreadable");
    return "{\"media_type\":\"" + std::string(media_type) + "\",\"url\":\"" + std::string(url) +
           "\"}";
  };
  const auto registry = PluginRegistry::load_directory(CONVENTIOND_TEST_PLUGIN_DIR, services);
  auto instance = registry.create_instance("test_good", R"({"label":"x"})");
  REQUIRE(instance.ok());
  const auto messages = instance->parse(html_response("<p>ok</p>"));
  REQUIRE(messages.ok());
  const auto observations = only<sdk::ObservationMessage>(*messages);
  REQUIRE(observations.size() == 1);
  CHECK(observations[0].json == R"({"media_type":"text/html","url":"https://example.org/page"})");
  const auto failed = instance->parse(html_response("bad"));
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message ==
        "plugin 'test_good': parse failed: extraction of https://example.org/page failed: "
        "unreadable");
}

TEST_CASE("instance: calls of the wrong kind are refused") {
  auto source = test_plugins().create_instance("test_good", R"({"label":"x"})");
  REQUIRE(source.ok());
  CHECK(source->deliver("[]").error().message == "plugin 'test_good': deliver failed: not a sink");
}

TEST_CASE("instance: an instance can be moved and outlives its registry") {
  std::optional<conventiond::PluginInstance> kept;
  {
    const auto registry = PluginRegistry::load_directory(CONVENTIOND_TEST_PLUGIN_DIR);
    auto instance = registry.create_instance("test_good", R"({"label":"moved"})");
    REQUIRE(instance.ok());
    kept.emplace(std::move(*instance));
  }
  const auto messages = kept->start();
  REQUIRE(messages.ok());
  CHECK(conventiond::test::request_urls(*messages) ==
        std::vector<std::string>{"https://example.org/moved"});
}
