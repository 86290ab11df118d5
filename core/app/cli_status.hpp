#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace conventiond::app {
// `conventiond status [--url URL] [--config FILE] [--token T]`: a running daemon's readiness
// and jobs. Exit status 0 ready, 1 not ready, 2 unreachable or usage error.
int run_status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
}  // namespace conventiond::app
