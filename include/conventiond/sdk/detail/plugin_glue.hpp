#pragma once
// The glue between an author's C++ class and the C ABI, shared by sources and sinks.
// Every function here is noexcept: each catches what the author's code throws and turns it
// into a return code plus a message.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <vector>
#include <string>
#include <string_view>
#include <type_traits>

#include <conventiond/sdk/plugin_abi.h>
#include <conventiond/sdk/config.hpp>
#include <conventiond/sdk/context.hpp>

namespace conventiond::sdk::detail {

// What create() hands the host as the opaque instance.
template <class Plugin>
struct Instance {
  const cvd_host_api* host;
  Plugin plugin;
};

// Runs body; an exception becomes CVD_ERROR (Failure) or CVD_EXCEPTION (anything else) with
// its text passed to report.
template <class Body, class Report>
int guarded(Body&& body, Report&& report) noexcept {
  int code = CVD_EXCEPTION;
  std::string message;
  try {
    body();
    return CVD_OK;
  } catch (const Failure& e) {
    code = CVD_ERROR;
    message = e.what();
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
    message = "unknown exception";
  }
  try {
    report(std::string_view(message));
  } catch (...) {  // nothing may cross the boundary, not even a failed report
  }
  return code;
}

template <class Plugin>
int create(const cvd_host_api* host, const char* config_json, std::size_t len, void** instance,
           cvd_emit_fn err_out, void* err_ctx) noexcept {
  static_assert(std::is_constructible_v<Plugin, const Config&>,
                "a plugin class needs a constructor taking (const conventiond::sdk::Config&)");
  return guarded(
      [&] {
        const Config config(std::string_view(config_json, len));
        *instance = new Instance<Plugin>{host, Plugin(config)};
      },
      [&](std::string_view message) {
        if (err_out != nullptr) err_out(err_ctx, message.data(), message.size());
      });
}

template <class Plugin>
void destroy(void* instance) noexcept {
  delete static_cast<Instance<Plugin>*>(instance);
}

// The ABI 2 validate(): Plugin::validate(config, problems) when the class declares it; else,
// when construct_by_default (sources), the construction of an instance; else nothing. Each
// problem is one err_out call.
template <class Plugin, bool construct_by_default>
int validate(const char* config_json, std::size_t len, cvd_emit_fn err_out,
             void* err_ctx) noexcept {
  int code = CVD_OK;
  const auto report = [&](std::string_view message) {
    if (err_out != nullptr) err_out(err_ctx, message.data(), message.size());
  };
  const int rc = guarded(
      [&] {
        const Config config(std::string_view(config_json, len));
        ConfigProblems problems;
        if constexpr (requires { Plugin::validate(config, problems); }) {
          Plugin::validate(config, problems);
        } else if constexpr (construct_by_default) {
          problems.check([&] { const Plugin made(config); });
        }
        for (const std::string& line : problems.lines()) report(line);
        if (!problems.empty()) code = CVD_ERROR;
      },
      report);
  return rc != CVD_OK ? rc : code;
}

// Runs fn(plugin, context) for one call; a failure is emitted as an "error" message.
template <class Plugin, class Context, class Fn>
int call(void* instance, cvd_emit_fn emit, void* emit_ctx, Fn&& fn) noexcept {
  auto& self = *static_cast<Instance<Plugin>*>(instance);
  return guarded(
      [&] {
        Context context(self.host, emit, emit_ctx);
        fn(self.plugin, context);
      },
      [&](std::string_view message) {
        const std::string text = to_json(ErrorMessage{std::string(message), {}});
        if (emit != nullptr) emit(emit_ctx, text.data(), text.size());
      });
}

// A cvd_plugin with its header, metadata and the functions common to every kind filled in.
template <class Plugin>
constexpr cvd_plugin plugin_base(std::uint32_t kind, const char* name, const char* version,
                                 const char* description, const cvd_config_key* keys,
                                 std::size_t key_count) {
  cvd_plugin p{};
  p.struct_size = sizeof(cvd_plugin);
  p.abi_version = CONVENTIOND_ABI_VERSION;
  p.name = name;
  p.version = version;
  p.kind = kind;
  p.description = description;
  p.config_keys = keys;
  p.config_key_count = key_count;
  p.create = &create<Plugin>;
  p.destroy = &destroy<Plugin>;
  return p;
}

}  // namespace conventiond::sdk::detail

// Defines the static cvd_plugin made by make(name, version, description, keys, count) and
// the exported entry symbol. Used by CONVENTIOND_SOURCE_PLUGIN and CONVENTIOND_SINK_PLUGIN.
#define CONVENTIOND_DEFINE_PLUGIN_(make, name, version, description, config_keys)            \
  namespace {                                                                                \
  constexpr auto conventiond_plugin_keys_ = ::conventiond::sdk::detail::c_keys(config_keys); \
  constinit const cvd_plugin conventiond_plugin_ =                                           \
      make(name, version, description, conventiond_plugin_keys_.data(),                      \
           conventiond_plugin_keys_.size());                                                 \
  }                                                                                          \
  extern "C" CONVENTIOND_EXPORT const cvd_plugin* conventiond_plugin_entry(void) {           \
    return &conventiond_plugin_;                                                             \
  }                                                                                          \
  static_assert(sizeof(cvd_plugin) > 0, "end CONVENTIOND_*_PLUGIN(...) with a semicolon")
