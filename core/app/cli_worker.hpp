#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace conventiond::app {

int run_worker_command(const std::vector<std::string>& args, std::ostream& err);

}  // namespace conventiond::app
