#pragma once
// The C++ SDK for sinks: plugins that deliver change-log events somewhere (a file, Kafka...).
//
//   class MySink : public conventiond::sdk::SinkConnector {
//    public:
//     explicit MySink(const conventiond::sdk::Config& config);
//     void deliver(const std::vector<std::string_view>& events,
//                  conventiond::sdk::SinkContext& ctx) override;
//   };
//   CONVENTIOND_SINK_PLUGIN(MySink, "my_sink", "1.0.0", "Where it delivers", kConfig);
//
// deliver() is all or nothing: when it throws, the host keeps its cursor and delivers the
// same events again later, so a sink must tolerate seeing an event twice (each event carries
// its change-log seq).

#include <string_view>
#include <vector>

#include <conventiond/sdk/plugin_abi.h>
#include <conventiond/sdk/config.hpp>
#include <conventiond/sdk/context.hpp>
#include <conventiond/sdk/detail/plugin_glue.hpp>
#include <conventiond/sdk/json.hpp>

namespace conventiond::sdk {

// The channel of one deliver() call: log() and error().
class SinkContext : public BasicContext {
 public:
  using BasicContext::BasicContext;
};

class SinkConnector {
 public:
  virtual ~SinkConnector() = default;
  // events: the compact JSON text of each event of the batch, in change-log order.
  virtual void deliver(const std::vector<std::string_view>& events, SinkContext& ctx) = 0;
};

namespace detail {

template <class Sink>
struct SinkFunctions {
  static_assert(std::is_base_of_v<SinkConnector, Sink>,
                "CONVENTIOND_SINK_PLUGIN needs a class derived from SinkConnector");

  static int deliver(void* instance, const char* events_json, std::size_t len, cvd_emit_fn emit,
                     void* ctx) noexcept {
    return call<Sink, SinkContext>(instance, emit, ctx, [&](Sink& s, SinkContext& context) {
      s.deliver(json::array_element_texts(std::string_view(events_json, len)), context);
    });
  }
};

template <class Sink>
constexpr cvd_plugin sink_plugin(const char* name, const char* version, const char* description,
                                 const cvd_config_key* keys, std::size_t key_count) {
  cvd_plugin p = plugin_base<Sink>(CVD_KIND_SINK, name, version, description, keys, key_count);
  p.deliver = &SinkFunctions<Sink>::deliver;
  p.validate = &validate<Sink, false>;
  return p;
}

}  // namespace detail
}  // namespace conventiond::sdk

// Makes Class (derived from SinkConnector, constructible from const Config&) a plugin.
#define CONVENTIOND_SINK_PLUGIN(Class, name, version, description, config_keys)             \
  CONVENTIOND_DEFINE_PLUGIN_(::conventiond::sdk::detail::sink_plugin<Class>, name, version, \
                             description, config_keys)
