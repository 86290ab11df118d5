#pragma once
// A plugin's configuration: the schema it declares (data the host validates and prints) and
// the validated values it receives.
//
//   constexpr conventiond::sdk::ConfigKey kConfig[] = {
//       conventiond::sdk::string_list_key("start_urls", "Pages to start from").required(),
//       conventiond::sdk::integer_key("max_pages", "Most pages per run")
//           .default_json("100").range(1, 100000),
//   };
//
// The host checks every operator-supplied value against this schema (unknown key, wrong type,
// missing required key, out of range) and fills in defaults before the plugin is created, so
// the getters of Config only fail on a schema/code mismatch.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/sdk/plugin_abi.h>
#include <conventiond/sdk/json.hpp>

namespace conventiond::sdk {

class ConfigKey {
 public:
  constexpr ConfigKey(const char* name, std::uint32_t type, const char* description)
      : key_{name, type, 0, nullptr, description, 0.0, 0.0} {}

  constexpr ConfigKey required() const { return with_flag(CVD_KEY_REQUIRED); }
  // JSON text of the default: default_json("100"), default_json("\"*\""), default_json("[]").
  constexpr ConfigKey default_json(const char* json) const {
    ConfigKey k = *this;
    k.key_.default_json = json;
    return k;
  }
  constexpr ConfigKey min(double lowest) const {
    ConfigKey k = with_flag(CVD_KEY_HAS_MIN);
    k.key_.min = lowest;
    return k;
  }
  constexpr ConfigKey max(double highest) const {
    ConfigKey k = with_flag(CVD_KEY_HAS_MAX);
    k.key_.max = highest;
    return k;
  }
  constexpr ConfigKey range(double lowest, double highest) const {
    return min(lowest).max(highest);
  }

  constexpr const cvd_config_key& c_key() const { return key_; }

 private:
  constexpr ConfigKey with_flag(std::uint32_t flag) const {
    ConfigKey k = *this;
    k.key_.flags |= flag;
    return k;
  }

  cvd_config_key key_;
};

constexpr ConfigKey string_key(const char* name, const char* description) {
  return ConfigKey(name, CVD_TYPE_STRING, description);
}
constexpr ConfigKey integer_key(const char* name, const char* description) {
  return ConfigKey(name, CVD_TYPE_INTEGER, description);
}
constexpr ConfigKey number_key(const char* name, const char* description) {
  return ConfigKey(name, CVD_TYPE_NUMBER, description);
}
constexpr ConfigKey boolean_key(const char* name, const char* description) {
  return ConfigKey(name, CVD_TYPE_BOOLEAN, description);
}
constexpr ConfigKey string_list_key(const char* name, const char* description) {
  return ConfigKey(name, CVD_TYPE_STRING_LIST, description);
}
constexpr ConfigKey table_key(const char* name, const char* description) {
  return ConfigKey(name, CVD_TYPE_TABLE, description);
}

// Pass as the CONFIG_KEYS argument of the plugin macros when a plugin takes no config.
struct NoConfig {};
inline constexpr NoConfig no_config{};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The validated config object handed to the plugin's constructor.
class Config {
 public:
  explicit Config(std::string_view json_text) : text_(json_text), root_(json::parse(text_)) {
    if (!root_.is_object()) throw ConfigError("config is not a JSON object");
  }

  const std::string& json_text() const { return text_; }
  const json::Value& root() const { return root_; }
  // The value of key, or nullptr when absent (an optional key without default).
  const json::Value* find(std::string_view key) const { return root_.find(key); }
  bool has(std::string_view key) const { return find(key) != nullptr; }

  // Typed getters: throw ConfigError when the key is absent or of another type.
  std::string string(std::string_view key) const {
    return get(key, "string", &json::Value::is_string).as_string();
  }
  std::int64_t integer(std::string_view key) const {
    return get(key, "integer", &json::Value::is_integer).as_integer();
  }
  double number(std::string_view key) const {
    return get(key, "number", &json::Value::is_number).as_number();
  }
  bool boolean(std::string_view key) const {
    return get(key, "boolean", &json::Value::is_bool).as_bool();
  }
  std::vector<std::string> string_list(std::string_view key) const {
    std::vector<std::string> out;
    for (const json::Value& item : get(key, "string_list", &json::Value::is_array).as_array()) {
      if (!item.is_string()) throw type_error(key, "string_list");
      out.push_back(item.as_string());
    }
    return out;
  }
  // A string key that may be absent.
  std::optional<std::string> optional_string(std::string_view key) const {
    if (!has(key)) return std::nullopt;
    return string(key);
  }

 private:
  const json::Value& get(std::string_view key, const char* type,
                         bool (json::Value::*is_type)() const) const {
    const json::Value* v = find(key);
    if (v == nullptr) throw ConfigError("config key '" + std::string(key) + "' is not set");
    if (!(v->*is_type)()) throw type_error(key, type);
    return *v;
  }

  static ConfigError type_error(std::string_view key, const char* type) {
    return ConfigError("config key '" + std::string(key) + "' is not a " + type);
  }

  std::string text_;
  json::Value root_;
};

// Every problem of a config, for a plugin's static validate() (ABI 2): the host's
// `check-config` calls it without creating the plugin, so that all problems are reported in
// one pass. A plugin class may declare
//
//   static void validate(const conventiond::sdk::Config& config,
//                        conventiond::sdk::ConfigProblems& problems);
//
// which must not have side effects (no file written, no connection). Without it, a source's
// validation is the construction of an instance (sources never touch the outside world),
// and a sink's is the host's schema check only.
class ConfigProblems {
 public:
  // "config key 'KEY' PROBLEM", e.g. add("rank", "must be news or ..., not 'x'").
  void add(std::string_view key, std::string_view problem) {
    lines_.push_back("config key '" + std::string(key) + "' " + std::string(problem));
  }
  // A problem not tied to one key.
  void add(std::string_view problem) { lines_.emplace_back(problem); }
  // Runs fn(); what it throws (a Failure, a ConfigError...) becomes one problem, so that one
  // check that fails does not hide the next.
  template <class Fn>
  void check(Fn&& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      lines_.emplace_back(e.what());
    }
  }

  bool empty() const noexcept { return lines_.empty(); }
  const std::vector<std::string>& lines() const noexcept { return lines_; }

 private:
  std::vector<std::string> lines_;
};

namespace detail {
// The C array of a plugin's keys, built at compile time from ConfigKey declarations.
template <std::size_t N>
constexpr std::array<cvd_config_key, N> c_keys(const std::array<ConfigKey, N>& keys) {
  std::array<cvd_config_key, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = keys[i].c_key();
  return out;
}
template <std::size_t N>
constexpr std::array<cvd_config_key, N> c_keys(const ConfigKey (&keys)[N]) {
  return c_keys(std::to_array(keys));
}
constexpr std::array<cvd_config_key, 0> c_keys(NoConfig) { return {}; }
}  // namespace detail

}  // namespace conventiond::sdk
