// The full command line: every subcommand, with everything they link (the store, the fetcher,
// the daemon). Built as libconventiond_cli.so, which the lean `conventiond` executable
// (main.cpp) loads for any command but `extract` of a local file. Each subcommand lives in its
// own file.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli_connector.hpp"
#include "cli_extract.hpp"
#include "commands.hpp"
#include "cli_main.hpp"
#include "cli_plugins.hpp"
#include "cli_run.hpp"
#include "cli_serve.hpp"
#include "cli_status.hpp"
#include "cli_worker.hpp"

namespace {

// The usage, from the one list of commands (commands.hpp), which also gives conventiond(1).
const std::string kUsage = conventiond::app::usage_text();

}  // namespace

extern "C" int conventiond_cli_main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + (argc > 1 ? 2 : 1), argv + argc);
    const std::string command = argc > 1 ? argv[1] : "";
    if (command == "extract") return conventiond::app::run_extract_command(args, std::cout, std::cerr);
    if (command == "run") return conventiond::app::run_run_command(args, std::cout, std::cerr);
    if (command == "worker") return conventiond::app::run_worker_command(args, std::cerr);
    if (command == "serve") return conventiond::app::run_serve_command(args, std::cout, std::cerr);
    if (command == "status") return conventiond::app::run_status_command(args, std::cout, std::cerr);
    if (command == "connector")
      return conventiond::app::run_connector_command(args, std::cout, std::cerr);
    if (command == "check-config")
      return conventiond::app::run_check_config_command(args, std::cout, std::cerr);
    if (command == "plugins") return conventiond::app::run_plugins_command(args, std::cout, std::cerr);
    if (command == "version" || command == "--version") {
      std::cout << "conventiond " << CONVENTIOND_VERSION << "\n";
      return 0;
    }
    if (command == "help" || command == "--help" || command == "-h") {
      std::cout << kUsage;
      return 0;
    }
    std::cerr << (command.empty() ? "conventiond: a command is needed\n" : "conventiond: unknown command '" + command + "'\n")
              << kUsage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "conventiond: " << e.what() << "\n";
    return 1;
  }
}
