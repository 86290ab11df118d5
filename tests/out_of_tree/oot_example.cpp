// The smallest useful connector, built against the installed SDK (tests/out_of_tree/run.sh).
#include <string>
#include <vector>

#include <conventiond/sdk/connector.hpp>

namespace sdk = conventiond::sdk;

namespace {

constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_list_key("urls", "Pages to fetch").required(),
};

class OutOfTree final : public sdk::SourceConnector {
 public:
  explicit OutOfTree(const sdk::Config& config) : urls_(config.string_list("urls")) {}

  void start(sdk::Context& ctx) override {
    for (const std::string& url : urls_) {
      sdk::Request request;
      request.url = url;
      ctx.request(request);
    }
  }

  void parse(const sdk::Response& response, sdk::Context& ctx) override {
    ctx.document(sdk::Document::from_response(response));
  }

 private:
  std::vector<std::string> urls_;
};

}  // namespace

CONVENTIOND_SOURCE_PLUGIN(OutOfTree, "oot_example", "0.1.0", "Out-of-tree example", kConfig);
