// `conventiond worker`: a supervised worker process, started by the daemon or by
// `conventiond run` (docs/workers.md); not meant to be run by hand.
#include "cli_worker.hpp"

#include <string>

#include <conventiond/worker/worker_pool.hpp>

namespace conventiond::app {

int run_worker_command(const std::vector<std::string>& args, std::ostream& err) {
  int fd = -1;
  std::vector<std::string> plugin_dirs;
  worker::WorkerLimits limits;
  for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
    const std::string& a = args[i];
    const std::string& v = args[i + 1];
    try {
      if (a == "--fd") {
        fd = std::stoi(v);
      } else if (a == "--plugin-dir") {
        plugin_dirs.push_back(v);
      } else if (a == "--memory-mib") {
        limits.memory_bytes = static_cast<std::size_t>(std::stoull(v)) << 20;
      } else if (a == "--cpu-seconds") {
        limits.cpu_per_item = std::chrono::seconds(std::stoll(v));
      } else {
        err << "conventiond worker: unknown option '" << a << "'\n";
        return 2;
      }
    } catch (const std::exception&) {
      err << "conventiond worker: bad value for " << a << "\n";
      return 2;
    }
  }
  if (fd < 0 || plugin_dirs.empty()) {
    err << "conventiond worker: started by the daemon (--fd N --plugin-dir DIR...)\n";
    return 2;
  }
  return worker::run_worker_process(fd, plugin_dirs, limits);
}

}  // namespace conventiond::app
