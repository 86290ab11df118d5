#include <conventiond/plugin_host/plugin_config.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace conventiond {
namespace {

namespace json = boost::json;

// What a value is, with its article, for messages.
std::string_view kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "an integer";
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "a table";
  }
  return "a value";
}

std::string_view expected_kind(ConfigType type) {
  switch (type) {
    case ConfigType::string:
      return "a string";
    case ConfigType::integer:
      return "an integer";
    case ConfigType::number:
      return "a number";
    case ConfigType::boolean:
      return "a boolean";
    case ConfigType::string_list:
      return "a list of strings";
    case ConfigType::table:
      return "a table";
  }
  return "a value";
}

bool has_type(ConfigType type, const json::value& v) {
  switch (type) {
    case ConfigType::string:
      return v.is_string();
    case ConfigType::integer:
      return v.is_int64() || v.is_uint64();
    case ConfigType::number:
      return v.is_number();
    case ConfigType::boolean:
      return v.is_bool();
    case ConfigType::string_list:
      return v.is_array();
    case ConfigType::table:
      return v.is_object();
  }
  return false;
}

// The problem with a value that has the right JSON kind but not an acceptable content.
std::optional<std::string> content_problem(ConfigType type, const json::value& v) {
  if (type == ConfigType::integer && v.is_uint64()) return "is too large for a 64-bit integer";
  if (type == ConfigType::number && v.is_double() && !std::isfinite(v.get_double())) {
    return std::string("must be a finite number");
  }
  if (type == ConfigType::string_list) {
    const json::array& items = v.get_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) {
        return "expected a list of strings, element " + std::to_string(i + 1) + " is " +
               std::string(kind_of(items[i]));
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> range_problem(const ConfigKeySpec& key, const json::value& v) {
  if (!v.is_number()) return std::nullopt;
  const double x = v.to_number<double>();
  const std::string text = v.is_double() ? format_number(x) : json::serialize(v);
  if (key.min && x < *key.min) return text + " is below the minimum " + format_number(*key.min);
  if (key.max && x > *key.max) return text + " is above the maximum " + format_number(*key.max);
  return std::nullopt;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknown_key_problem(const PluginInfo& plugin, std::string_view key) {
  std::string line = "plugin '" + plugin.name + "': unknown config key '" + printable(key) + "'";
  const auto closest = std::min_element(
      plugin.config.begin(), plugin.config.end(), [&](const auto& a, const auto& b) {
        return edit_distance(key, a.name) < edit_distance(key, b.name);
      });
  if (closest != plugin.config.end() && edit_distance(key, closest->name) <= 2) {
    line += " (did you mean '" + closest->name + "'?)";
  }
  return line;
}

std::string key_problem(const PluginInfo& plugin, std::string_view key, std::string_view problem) {
  return "plugin '" + plugin.name + "': config key '" + printable(key) +
         "': " + std::string(problem);
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += (out.empty() ? "" : "\n") + line;
  return out;
}

}  // namespace

std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  const auto escape = [&](unsigned code) {
    out += "\\u00";
    out += kHex[(code >> 4) & 0xF];
    out += kHex[code & 0xF];
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      escape(c);
    } else if (c == 0xC2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      escape(static_cast<unsigned char>(text[i + 1]));  // a C1 control such as U+009B (CSI)
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string format_number(double d) {
  if (std::trunc(d) == d && std::fabs(d) < 1e15) {
    return std::to_string(static_cast<long long>(d));
  }
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, ec == std::errc() ? end : buf);
}

std::optional<std::string> config_value_problem(const ConfigKeySpec& key, const json::value& v) {
  if (!has_type(key.type, v)) {
    return "expected " + std::string(expected_kind(key.type)) + ", got " + std::string(kind_of(v));
  }
  if (auto problem = content_problem(key.type, v)) return problem;
  return range_problem(key, v);
}

Result<std::string> validate_config(const PluginInfo& plugin, const json::object& config) {
  std::vector<std::string> problems;
  json::object out;
  for (const auto& [key, value] : config) {
    const ConfigKeySpec* spec = plugin.find_key(key);
    if (spec == nullptr) {
      problems.push_back(unknown_key_problem(plugin, key));
    } else if (auto problem = config_value_problem(*spec, value)) {
      problems.push_back(key_problem(plugin, key, *problem));
    } else {
      out[key] = value;
    }
  }
  for (const ConfigKeySpec& spec : plugin.config) {
    if (config.contains(spec.name)) continue;
    if (spec.required) {
      problems.push_back("plugin '" + plugin.name + "': missing required config key '" + spec.name +
                         "'");
    } else if (spec.default_json) {
      json::error_code ec;
      json::value v = json::parse(*spec.default_json, ec);
      if (ec) problems.push_back(key_problem(plugin, spec.name, "invalid default"));
      out[spec.name] = std::move(v);
    }
  }
  if (!problems.empty()) return Error::make("config", join_lines(problems));
  return json::serialize(out);
}

}  // namespace conventiond
