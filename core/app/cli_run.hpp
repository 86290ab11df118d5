#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace conventiond::app {
// `conventiond run JOB_FILE_OR_NAME [--config FILE] [--store URL] [--plugin-dir DIR]
//  [--no-progress] [--retry-failed RUN_ID]`: one run of one job, from the command line.
int run_run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
}  // namespace conventiond::app
