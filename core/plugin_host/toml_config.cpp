#include <conventiond/plugin_host/toml_config.hpp>

#include <sstream>
#include <type_traits>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

namespace conventiond {
namespace {

boost::json::value to_json(const toml::node& node) {
  return node.visit([](const auto& n) -> boost::json::value {
    using Node = std::decay_t<decltype(n)>;
    if constexpr (toml::is_table<Node>) {
      return toml_to_json(n);
    } else if constexpr (toml::is_array<Node>) {
      boost::json::array items;
      for (const toml::node& item : n) items.push_back(to_json(item));
      return items;
    } else if constexpr (toml::is_string<Node> || toml::is_integer<Node> ||
                         toml::is_floating_point<Node> || toml::is_boolean<Node>) {
      return boost::json::value(n.get());
    } else {  // date, time, date-time
      std::ostringstream text;
      text << n;
      return boost::json::value(text.str());
    }
  });
}

}  // namespace

boost::json::object toml_to_json(const toml::table& table) {
  boost::json::object out;
  for (const auto& [key, node] : table) out[key.str()] = to_json(node);
  return out;
}

}  // namespace conventiond
