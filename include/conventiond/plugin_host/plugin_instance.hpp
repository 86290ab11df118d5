#pragma once
// One configured instance of a loaded plugin, and the calls the host makes on it.
//
// Every call turns what the plugin emitted into decoded messages, or into an Error naming the
// plugin when it failed (non-zero return code, invalid message, too much output). An instance
// is used by one thread at a time; different instances may run on different threads.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/sdk/plugin_abi.h>
#include <conventiond/plugin_host/plugin_info.hpp>
#include <conventiond/result.hpp>
#include <conventiond/sdk/context.hpp>
#include <conventiond/sdk/messages.hpp>

namespace conventiond {

// What the host offers plugins through cvd_host_api. Both may be empty: log then goes to
// std::clog, and plugins see no extraction function.
struct HostServices {
  std::function<void(std::string_view plugin, sdk::LogLevel level, std::string_view message)> log;
  // JSON text of the core extraction of a document (bytes, media type, URL).
  std::function<Result<std::string>(std::string_view bytes, std::string_view media_type,
                                    std::string_view url)>
      extract;
};

// A plugin loaded from its file. Shared by the registry and every instance made from it: the
// library stays loaded while any of them is alive (and in practice until the process ends).
struct LoadedPlugin {
  PluginInfo info;
  const cvd_plugin* abi = nullptr;      // points into the library
  std::shared_ptr<const void> library;  // the boost::dll::shared_library, type-erased
};

class PluginInstance {
 public:
  // Most bytes one call may emit before it is failed (a runaway plugin must not exhaust memory).
  static constexpr std::size_t kMaxEmittedBytes = std::size_t{256} << 20;

  // Creates an instance with config_json, which must already be validated (validate_config).
  static Result<PluginInstance> create(std::shared_ptr<const LoadedPlugin> plugin,
                                       std::string_view config_json,
                                       std::shared_ptr<const HostServices> services);

  PluginInstance(PluginInstance&& other) noexcept;
  PluginInstance& operator=(PluginInstance&& other) noexcept;
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;
  ~PluginInstance();

  const PluginInfo& info() const { return plugin_->info; }

  // Sources: the first requests of a run, then what each response gives.
  Result<std::vector<sdk::Message>> start();
  Result<std::vector<sdk::Message>> parse(const sdk::Response& response);
  // Sinks: delivers a JSON array of change-log events (all or nothing).
  Result<std::vector<sdk::Message>> deliver(std::string_view events_json_array);

  struct HostBinding;  // the cvd_host_api given to this instance, and what it points to

 private:
  PluginInstance(std::shared_ptr<const LoadedPlugin> plugin, std::unique_ptr<HostBinding> host,
                 void* instance);

  template <class Call>
  Result<std::vector<sdk::Message>> run(std::string_view what, Call&& call);
  Error call_error(std::string_view what, std::string_view problem) const;
  void reset() noexcept;

  std::shared_ptr<const LoadedPlugin> plugin_;  // declared first: destroyed last
  std::unique_ptr<HostBinding> host_;
  void* instance_ = nullptr;
};

}  // namespace conventiond
