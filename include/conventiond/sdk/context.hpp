#pragma once
// What a plugin's code sees of the host during a call: logging, the core extraction, and the
// channel its messages go out through.

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <conventiond/sdk/plugin_abi.h>
#include <conventiond/sdk/messages.hpp>

namespace conventiond::sdk {

enum class LogLevel {
  debug = CVD_LOG_DEBUG,
  info = CVD_LOG_INFO,
  warn = CVD_LOG_WARN,
  error = CVD_LOG_ERROR
};

// Throw it to fail the current call (create, start, parse, deliver) with a message: the SDK
// returns CVD_ERROR. Any other exception is caught too and returns CVD_EXCEPTION.
class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The services of the host, as far as its cvd_host_api offers them.
class Host {
 public:
  explicit Host(const cvd_host_api* api) : api_(api) {}

  void log(LogLevel level, std::string_view message) const {
    if (offers(offsetof(cvd_host_api, log)) && api_->log != nullptr) {
      api_->log(api_->host_ctx, static_cast<int>(level), message.data(), message.size());
    }
  }

  bool can_extract() const {
    return offers(offsetof(cvd_host_api, extract)) && api_->extract != nullptr;
  }

  // The JSON the core extraction returns for a document, or nullopt when this host does not
  // offer extraction (then emit a Document and the host extracts it after the call).
  // Throws Failure when the extraction fails.
  std::optional<std::string> extract(std::string_view bytes, const std::string& media_type,
                                     const std::string& url) const {
    if (!can_extract()) return std::nullopt;
    std::string out;
    const int rc = api_->extract(api_->host_ctx, bytes.data(), bytes.size(), media_type.c_str(),
                                 url.c_str(), &append_to_string, &out);
    if (rc != CVD_OK) throw Failure("extraction of " + url + " failed: " + out);
    return out;
  }

  // An emit callback that appends to the std::string ctx points to.
  static void append_to_string(void* ctx, const char* data, std::size_t len) noexcept {
    try {
      static_cast<std::string*>(ctx)->append(data, len);
    } catch (...) {  // out of memory: the text is cut short, nothing crosses the boundary
    }
  }

 private:
  // Whether the host's struct is large enough to hold the pointer field at offset.
  bool offers(std::size_t offset) const {
    return api_ != nullptr && api_->struct_size >= offset + sizeof(void*);
  }

  const cvd_host_api* api_;
};

// What every plugin call gets: the host, and the emit channel of this call.
class BasicContext {
 public:
  BasicContext(const cvd_host_api* host, cvd_emit_fn emit_fn, void* emit_ctx)
      : host_(host), emit_(emit_fn), emit_ctx_(emit_ctx) {}

  const Host& host() const { return host_; }
  void log(LogLevel level, std::string_view message) const { host_.log(level, message); }

  // Reports a problem with one item; the call (and the run) goes on.
  void error(std::string_view message, std::string_view url = {}) {
    emit(to_json(ErrorMessage{std::string(message), std::string(url)}));
  }

 protected:
  void emit(std::string_view json_text) {
    if (emit_ != nullptr) emit_(emit_ctx_, json_text.data(), json_text.size());
  }

 private:
  Host host_;
  cvd_emit_fn emit_;
  void* emit_ctx_;
};

}  // namespace conventiond::sdk
