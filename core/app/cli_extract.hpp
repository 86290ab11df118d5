#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace conventiond::app {
// `conventiond extract PATH_OR_URL [--text] [--content-type TYPE] [--compact]`
int run_extract_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
}  // namespace conventiond::app
