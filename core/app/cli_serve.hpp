#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace conventiond::app {
// `conventiond serve [--config FILE]`: the daemon, until SIGTERM / SIGINT.
int run_serve_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// `conventiond check-config FILE`: validates a config (and its jobs against the plugins).
int run_check_config_command(const std::vector<std::string>& args, std::ostream& out,
                             std::ostream& err);
}  // namespace conventiond::app
