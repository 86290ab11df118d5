#include <conventiond/plugin_host/plugin_instance.hpp>

#include <exception>
#include <iostream>
#include <utility>

namespace conventiond {

// The cvd_host_api handed to one instance; host_ctx points back to this struct. Heap-allocated
// so that its address stays valid (the plugin keeps the pointer) when the instance moves.
struct PluginInstance::HostBinding {
  cvd_host_api api{};
  std::string plugin_name;
  std::shared_ptr<const HostServices> services;
};

namespace {

using Binding = PluginInstance::HostBinding;

void log_to_host(void* host_ctx, int level, const char* message, std::size_t len) noexcept {
  try {
    const auto& self = *static_cast<const Binding*>(host_ctx);
    const std::string_view text(message, len);
    const auto lvl = static_cast<sdk::LogLevel>(level);
    if (self.services->log) {
      self.services->log(self.plugin_name, lvl, text);
    } else {
      std::clog << "plugin " << self.plugin_name << ": " << text << '\n';
    }
  } catch (...) {  // a failing logger must not unwind into the plugin
  }
}

int extract_for_plugin(void* host_ctx, const char* bytes, std::size_t len, const char* media_type,
                       const char* url, cvd_emit_fn emit, void* ctx) noexcept {
  try {
    const auto& self = *static_cast<const Binding*>(host_ctx);
    const auto result =
        self.services->extract(std::string_view(bytes, len),
                               media_type != nullptr ? media_type : "", url != nullptr ? url : "");
    const std::string& text = result ? *result : result.error().message;
    emit(ctx, text.data(), text.size());
    return result ? CVD_OK : CVD_ERROR;
  } catch (const std::exception& e) {
    const std::string_view text = e.what();
    emit(ctx, text.data(), text.size());
  } catch (...) {
  }
  return CVD_ERROR;
}

std::unique_ptr<Binding> make_binding(const PluginInfo& info,
                                      std::shared_ptr<const HostServices> services) {
  auto binding = std::make_unique<Binding>();
  binding->plugin_name = info.name;
  binding->services = std::move(services);
  binding->api.struct_size = sizeof(cvd_host_api);
  binding->api.abi_version = CONVENTIOND_ABI_VERSION;
  binding->api.host_ctx = binding.get();
  binding->api.log = &log_to_host;
  binding->api.extract = binding->services->extract ? &extract_for_plugin : nullptr;
  return binding;
}

// Collects what a plugin emits during one call.
struct Collector {
  std::vector<std::string> texts;
  std::size_t bytes = 0;
  bool overflow = false;

  static void emit(void* ctx, const char* data, std::size_t len) noexcept {
    auto& self = *static_cast<Collector*>(ctx);
    if (self.overflow) return;
    self.bytes += len;
    if (self.bytes > PluginInstance::kMaxEmittedBytes) {
      self.overflow = true;
      return;
    }
    try {
      self.texts.emplace_back(data, len);
    } catch (...) {
      self.overflow = true;
    }
  }
};

// "threw" or "failed", from the SDK's return codes.
std::string_view failure_verb(int rc) { return rc == CVD_EXCEPTION ? "threw" : "failed"; }

// The text of the last error message emitted, which is why the call failed.
std::string last_error_text(const std::vector<sdk::Message>& messages, int rc) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (const auto* e = std::get_if<sdk::ErrorMessage>(&*it)) return e->message;
  }
  return "returned code " + std::to_string(rc);
}

}  // namespace

Result<PluginInstance> PluginInstance::create(std::shared_ptr<const LoadedPlugin> plugin,
                                              std::string_view config_json,
                                              std::shared_ptr<const HostServices> services) {
  auto binding = make_binding(plugin->info, std::move(services));
  std::string message;
  void* instance = nullptr;
  const int rc = plugin->abi->create(&binding->api, config_json.data(), config_json.size(),
                                     &instance, &sdk::Host::append_to_string, &message);
  const std::string name = "plugin '" + plugin->info.name + "': ";
  if (rc != CVD_OK) {
    return Error::make("plugin", name + "create " + std::string(failure_verb(rc)) + ": " +
                                     (message.empty() ? "no reason given" : message));
  }
  if (instance == nullptr) return Error::make("plugin", name + "create returned no instance");
  return PluginInstance(std::move(plugin), std::move(binding), instance);
}

PluginInstance::PluginInstance(std::shared_ptr<const LoadedPlugin> plugin,
                               std::unique_ptr<HostBinding> host, void* instance)
    : plugin_(std::move(plugin)), host_(std::move(host)), instance_(instance) {}

PluginInstance::PluginInstance(PluginInstance&& other) noexcept
    : plugin_(std::move(other.plugin_)),
      host_(std::move(other.host_)),
      instance_(std::exchange(other.instance_, nullptr)) {}

PluginInstance& PluginInstance::operator=(PluginInstance&& other) noexcept {
  if (this != &other) {
    reset();
    plugin_ = std::move(other.plugin_);
    host_ = std::move(other.host_);
    instance_ = std::exchange(other.instance_, nullptr);
  }
  return *this;
}

PluginInstance::~PluginInstance() { reset(); }

void PluginInstance::reset() noexcept {
  if (instance_ != nullptr) plugin_->abi->destroy(instance_);
  instance_ = nullptr;
}

Error PluginInstance::call_error(std::string_view what, std::string_view problem) const {
  return Error::make(
      "plugin", "plugin '" + info().name + "': " + std::string(what) + " " + std::string(problem));
}

template <class Call>
Result<std::vector<sdk::Message>> PluginInstance::run(std::string_view what, Call&& call) {
  Collector collector;
  const int rc = call(&Collector::emit, &collector);
  if (collector.overflow) {
    return call_error(what, "emitted more than " + std::to_string(kMaxEmittedBytes) + " bytes");
  }
  std::vector<sdk::Message> messages;
  messages.reserve(collector.texts.size());
  for (const std::string& text : collector.texts) {
    try {
      messages.push_back(sdk::message_from_json(text));
    } catch (const std::exception& e) {
      return call_error(what, std::string("emitted an invalid message: ") + e.what());
    }
  }
  if (rc != CVD_OK) {
    return call_error(what, std::string(failure_verb(rc)) + ": " + last_error_text(messages, rc));
  }
  return messages;
}

Result<std::vector<sdk::Message>> PluginInstance::start() {
  if (info().kind != PluginKind::source) return call_error("start", "failed: not a source");
  return run("start", [&](cvd_emit_fn emit, void* ctx) {
    return plugin_->abi->start(instance_, emit, ctx);
  });
}

Result<std::vector<sdk::Message>> PluginInstance::parse(const sdk::Response& response) {
  if (info().kind != PluginKind::source) return call_error("parse", "failed: not a source");
  const std::string json = sdk::to_json(response);
  return run("parse", [&](cvd_emit_fn emit, void* ctx) {
    return plugin_->abi->parse(instance_, json.data(), json.size(), emit, ctx);
  });
}

Result<std::vector<sdk::Message>> PluginInstance::deliver(std::string_view events_json_array) {
  if (info().kind != PluginKind::sink) return call_error("deliver", "failed: not a sink");
  return run("deliver", [&](cvd_emit_fn emit, void* ctx) {
    return plugin_->abi->deliver(instance_, events_json_array.data(), events_json_array.size(),
                                 emit, ctx);
  });
}

}  // namespace conventiond
