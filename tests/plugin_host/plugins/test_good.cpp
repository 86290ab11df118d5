// A well-formed source plugin exercising every config type and every host service.
// Built twice: as test_good.so and, with the same name, as test_good_duplicate.so.
#include <cstdint>
#include <stdexcept>
#include <string>

#include <conventiond/sdk/connector.hpp>

namespace sdk = conventiond::sdk;

namespace {

constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_key("label", "Label of the run").required(),
    sdk::integer_key("count", "How many").default_json("3").range(1, 10),
    sdk::number_key("ratio", "A fraction").default_json("0.5").range(0, 1),
    sdk::boolean_key("enabled", "Whether it runs").default_json("true"),
    sdk::string_list_key("tags", "Free tags").default_json("[]"),
    sdk::table_key("extra", "Anything"),
};

class TestGood final : public sdk::SourceConnector {
 public:
  explicit TestGood(const sdk::Config& config)
      : label_(config.string("label")), count_(config.integer("count")) {}

  void start(sdk::Context& ctx) override {
    ctx.log(sdk::LogLevel::info, "starting " + label_);
    sdk::Request r;
    r.url = "https://example.org/" + label_;
    r.meta = "count=" + std::to_string(count_);
    ctx.request(r);
  }

  void parse(const sdk::Response& response, sdk::Context& ctx) override {
    if (response.body == "throw") throw std::runtime_error("parse exploded");
    if (response.body == "fail") throw sdk::Failure("page layout changed");
    if (response.status >= 400)
      ctx.error("HTTP status " + std::to_string(response.status), response.url);
    if (auto extracted = ctx.host().extract(response.body, response.media_type(), response.url)) {
      ctx.observation_json(*extracted);
    } else {
      ctx.document(sdk::Document::from_response(response));
    }
  }

 private:
  std::string label_;
  std::int64_t count_;
};

}  // namespace

CONVENTIOND_SOURCE_PLUGIN(TestGood, "test_good", "2.5.0", "Well-formed test plugin", kConfig);
