#pragma once
// --log-level and --log-format, as `serve` and `run` read them.
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <conventiond/log.hpp>

namespace conventiond::app {

struct LogOptionArgs {
  std::optional<LogLevel> level;
  std::optional<LogFormat> format;

  // Reads args[i] (and its value) when it is a log option: -1 when read (i is moved past its
  // value), 2 when it is one with a missing or invalid value (said on err), 0 when it is not
  // one of them. Both "--log-level debug" and "--log-level=debug" are read.
  int parse(const std::vector<std::string>& args, std::size_t& i, const char* command,
            std::ostream& err) {
    const std::string& a = args[i];
    for (const char* name : {"--log-level", "--log-format"}) {
      const std::string n(name);
      std::string value;
      if (a == n) {
        if (i + 1 >= args.size()) {
          err << "conventiond " << command << ": " << n << " needs a value\n";
          return 2;
        }
        value = args[++i];
      } else if (a.rfind(n + "=", 0) == 0) {
        value = a.substr(n.size() + 1);
      } else {
        continue;
      }
      if (n == "--log-level") {
        level = log_level_from_string(value);
        if (!level) {
          err << "conventiond " << command << ": --log-level: '" << value
              << "' is not one of error, warn, info, debug\n";
          return 2;
        }
      } else {
        format = log_format_from_string(value);
        if (!format) {
          err << "conventiond " << command << ": --log-format: '" << value
              << "' is not one of text, json\n";
          return 2;
        }
      }
      return -1;
    }
    return 0;
  }
};

}  // namespace conventiond::app
