#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace conventiond::app {
// `conventiond connector test PLUGIN --config FILE [--replay DIR|FILE.har] [--record DIR]
//  [--plugin-dir DIR]` and `conventiond connector new NAME [--dir DIR]`.
int run_connector_command(const std::vector<std::string>& args, std::ostream& out,
                          std::ostream& err);
}  // namespace conventiond::app
