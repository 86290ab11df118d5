#pragma once
// The C++ SDK for source connectors. Header-only; a plugin links only conventiond::sdk.
//
//   #include <conventiond/sdk/connector.hpp>
//   namespace sdk = conventiond::sdk;
//
//   class MyConnector : public sdk::SourceConnector {
//    public:
//     explicit MyConnector(const sdk::Config& config) : urls_(config.string_list("start_urls")) {}
//     void start(sdk::Context& ctx) override { for (auto& u : urls_) ctx.request({.url = u}); }
//     void parse(const sdk::Response& r, sdk::Context& ctx) override {
//       ctx.document(sdk::Document::from_response(r));
//     }
//    private:
//     std::vector<std::string> urls_;
//   };
//
//   constexpr sdk::ConfigKey kConfig[] = {
//       sdk::string_list_key("start_urls", "Pages to start from").required()};
//   CONVENTIOND_SOURCE_PLUGIN(MyConnector, "my_connector", "1.0.0", "What it harvests", kConfig);
//
// A connector never touches the network: it asks for requests and reads responses. Its
// methods may throw: the SDK turns any exception into an error for the current call.
// See docs/writing-a-connector.md.

#include <string>
#include <string_view>

#include <conventiond/sdk/plugin_abi.h>
#include <conventiond/sdk/config.hpp>
#include <conventiond/sdk/context.hpp>
#include <conventiond/sdk/detail/plugin_glue.hpp>
#include <conventiond/sdk/messages.hpp>

namespace conventiond::sdk {

// The channel of one start() or parse() call.
class Context : public BasicContext {
 public:
  using BasicContext::BasicContext;

  // Asks the host to fetch something; its Response comes back through parse().
  void request(const Request& r) { emit(to_json(r)); }
  // Hands the host a document to extract into observations.
  void document(const Document& d) { emit(to_json(d)); }
  // An observation the connector built itself (JSON text of a model Observation object).
  void observation_json(std::string_view json_text) {
    emit(to_json(ObservationMessage{std::string(json_text)}));
  }
  // An indicator (JSON text of a model Indicator object), e.g. from a CSV feed.
  void indicator_json(std::string_view json_text) {
    emit(to_json(IndicatorMessage{std::string(json_text)}));
  }
};

class SourceConnector {
 public:
  virtual ~SourceConnector() = default;
  // Called once per run: emit the first requests.
  virtual void start(Context& ctx) = 0;
  // Called for every response to a request this connector made.
  virtual void parse(const Response& response, Context& ctx) = 0;
};

namespace detail {

template <class Connector>
struct SourceFunctions {
  static_assert(std::is_base_of_v<SourceConnector, Connector>,
                "CONVENTIOND_SOURCE_PLUGIN needs a class derived from SourceConnector");

  static int start(void* instance, cvd_emit_fn emit, void* ctx) noexcept {
    return call<Connector, Context>(instance, emit, ctx,
                                    [](Connector& c, Context& context) { c.start(context); });
  }

  static int parse(void* instance, const char* response_json, std::size_t len, cvd_emit_fn emit,
                   void* ctx) noexcept {
    return call<Connector, Context>(instance, emit, ctx, [&](Connector& c, Context& context) {
      c.parse(response_from_json(std::string_view(response_json, len)), context);
    });
  }
};

template <class Connector>
constexpr cvd_plugin source_plugin(const char* name, const char* version, const char* description,
                                   const cvd_config_key* keys, std::size_t key_count) {
  cvd_plugin p =
      plugin_base<Connector>(CVD_KIND_SOURCE, name, version, description, keys, key_count);
  p.start = &SourceFunctions<Connector>::start;
  p.parse = &SourceFunctions<Connector>::parse;
  p.validate = &validate<Connector, true>;
  return p;
}

}  // namespace detail
}  // namespace conventiond::sdk

// Makes Class (derived from SourceConnector, constructible from const Config&) a plugin.
// Use once, at global scope, followed by a semicolon. CONFIG_KEYS: a constexpr array of
// ConfigKey, or conventiond::sdk::no_config.
#define CONVENTIOND_SOURCE_PLUGIN(Class, name, version, description, config_keys)             \
  CONVENTIOND_DEFINE_PLUGIN_(::conventiond::sdk::detail::source_plugin<Class>, name, version, \
                             description, config_keys)
