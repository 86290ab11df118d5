#pragma once
// Plugin config written in TOML (the daemon's config file) as the JSON object that
// validate_config() and PluginRegistry::create_instance() take. Dates and times become
// strings in TOML's own notation.

#include <toml++/toml.h>
#include <boost/json/object.hpp>

namespace conventiond {

boost::json::object toml_to_json(const toml::table& table);

}  // namespace conventiond
