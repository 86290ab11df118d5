#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace conventiond::app {
// `conventiond plugins list|describe ... [--config FILE]`: the plugin host's command, with the
// [plugins] dirs of a config added after the shipped directory (or --plugin-dir): of FILE, or
// of the default config when it exists and the binary is installed (a default config that does not load is named in a
// note, and the shipped plugins are listed alone). An explicit FILE that does not load is a
// usage error (exit 2).
int run_plugins_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
}  // namespace conventiond::app
