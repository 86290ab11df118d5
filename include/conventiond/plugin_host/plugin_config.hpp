#pragma once
// Validation of a plugin instance's config against the plugin's schema, by the host, before
// the plugin sees it: unknown keys, wrong types, missing required keys and out-of-range values
// are all reported at once, each on its own line naming the plugin and the key.

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <conventiond/plugin_host/plugin_info.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

// text made safe for one line of a terminal or a log: control characters (C0, DEL, C1)
// become \u00XX escapes ("\u001b[2J" prints as those 9 characters, not as a screen clear);
// everything else, UTF-8 included, is kept.
std::string printable(std::string_view text);

// A bound or value for people: "100" for 100.0, the shortest exact text otherwise ("0.25").
std::string format_number(double d);

// What is wrong with value as the value of key ("expected an integer, got a string",
// "0 is below the minimum 1"), or nullopt when it is acceptable.
std::optional<std::string> config_value_problem(const ConfigKeySpec& key,
                                                const boost::json::value& value);

// The JSON text of config with the defaults of absent keys filled in, ready for the plugin's
// create(); or an Error (code "config") whose message has one line per problem.
Result<std::string> validate_config(const PluginInfo& plugin, const boost::json::object& config);

}  // namespace conventiond
