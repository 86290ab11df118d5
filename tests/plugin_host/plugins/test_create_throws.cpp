// A plugin whose constructor throws: the SDK must catch it and report it through create().
#include <stdexcept>

#include <conventiond/sdk/connector.hpp>

namespace {

class Throws final : public conventiond::sdk::SourceConnector {
 public:
  explicit Throws(const conventiond::sdk::Config&) {
    throw std::runtime_error("constructor exploded");
  }
  void start(conventiond::sdk::Context&) override {}
  void parse(const conventiond::sdk::Response&, conventiond::sdk::Context&) override {}
};

}  // namespace

CONVENTIOND_SOURCE_PLUGIN(Throws, "test_create_throws", "0.1.0", "Throws in create",
                          conventiond::sdk::no_config);
