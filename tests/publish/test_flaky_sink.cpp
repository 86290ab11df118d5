// A sink for the tests: appends each event to `path` (one line each, like jsonl_sink), and
// fails every deliver() while the file `fail_file` exists.

#include <fstream>
#include <string>
#include <vector>

#include <conventiond/sdk/sink.hpp>

namespace sdk = conventiond::sdk;

namespace {

constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_key("path", "File the events are appended to, one per line").required(),
    sdk::string_key("fail_file", "While this file exists, every deliver() fails").required(),
};

class FlakySink final : public sdk::SinkConnector {
 public:
  explicit FlakySink(const sdk::Config& config)
      : path_(config.string("path")), fail_file_(config.string("fail_file")) {}

  void deliver(const std::vector<std::string_view>& events, sdk::SinkContext&) override {
    if (std::ifstream(fail_file_).good()) throw sdk::Failure("failing on demand");
    std::ofstream out(path_, std::ios::app | std::ios::binary);
    for (std::string_view e : events) out << e << '\n';
    out.flush();
    if (!out) throw sdk::Failure("cannot write " + path_);
  }

 private:
  std::string path_;
  std::string fail_file_;
};

}  // namespace

CONVENTIOND_SINK_PLUGIN(FlakySink, "test_flaky_sink", "1.0.0",
                        "Test sink: appends events, fails while a file exists", kConfig);
