// A connector that misbehaves on purpose, for the worker process tests. start() requests the
// configured URLs (and crashes first when `start_fault` says so); parse() looks at the last
// path segment of the URL: "segv", "abort", "loop" (forever), "alloc" (without bound),
// "throw", or anything else: the body becomes a document.
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <conventiond/sdk/connector.hpp>

namespace sdk = conventiond::sdk;

namespace {

constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_list_key("urls", "URLs to request").required(),
    sdk::string_key("start_fault", "segv, abort, loop, alloc, throw or empty").default_json("\"\""),
};

volatile unsigned g_sink = 0;  // unsigned: the endless loop wraps, no UB

void misbehave(const std::string& how) {
  if (how == "segv") {
    std::raise(SIGSEGV);
  } else if (how == "abort") {
    std::abort();
  } else if (how == "loop") {
    for (;;) g_sink = g_sink + 1;
  } else if (how == "alloc") {
    std::vector<char*> blocks;
    for (;;) {
      char* b = new char[std::size_t{16} << 20];
      std::memset(b, 1, std::size_t{16} << 20);
      blocks.push_back(b);
    }
  } else if (how == "throw") {
    throw std::runtime_error("test_crashy threw");
  }
}

class TestCrashy final : public sdk::SourceConnector {
 public:
  explicit TestCrashy(const sdk::Config& config)
      : urls_(config.string_list("urls")), start_fault_(config.string("start_fault")) {}

  void start(sdk::Context& ctx) override {
    misbehave(start_fault_);
    for (const std::string& u : urls_) {
      sdk::Request r;
      r.url = u;
      ctx.request(r);
    }
  }

  void parse(const sdk::Response& response, sdk::Context& ctx) override {
    const std::string& url = response.url;
    misbehave(url.substr(url.find_last_of('/') + 1));
    ctx.document(sdk::Document::from_response(response));
  }

 private:
  std::vector<std::string> urls_;
  std::string start_fault_;
};

}  // namespace

CONVENTIOND_SOURCE_PLUGIN(TestCrashy, "test_crashy", "1.0.0", "Misbehaves on purpose", kConfig);
