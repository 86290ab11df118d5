#pragma once
// `conventiond connector test`: one connector instance run on its own, every message it emits
// printed as one JSON object a line (docs/writing-a-connector.md, "Test"). Requests are
// answered by a Responder (saved responses, or the fetcher in a live run), one at a time, in
// the order they were emitted (GET requests once per URL, as a harvest does), so the output
// of a replay is the same at every run and can be compared with a saved one.
//
// Lines, each an object with a "type": "request", "document", "observation" (from the core
// extraction of a document, "origin":"extraction", or built by the connector,
// "origin":"connector"), "indicator", "error" (emitted by the connector), "log", "response"
// (what parse() is given), "fetch_failed" (a request without an answer: no saved response,
// HTTP status >= 400, network), "call_failed" (start() or parse() failed), "limit", and a
// last "summary". Each message of the connector says "from": "start" or the URL of the
// response it answered.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/plugin_host/plugin_instance.hpp>
#include <conventiond/result.hpp>
#include <conventiond/sdk/messages.hpp>

namespace conventiond::testkit {

// The answer to one request: a response, or why there is none (code "missing" for a request
// without a saved response, a fetch error code otherwise). A response with status >= 400
// (but 401, which a connector may answer by renewing a token) fails the item as in a harvest.
using Responder = std::function<Result<sdk::Response>(const sdk::Request&)>;

struct ConnectorTestOptions {
  std::size_t max_requests = 1000;  // requests answered at most (a runaway connector stops)
  bool extract = true;              // run the core extraction on documents, as a harvest does
  std::string rank;                 // the job's default source rank ("" = none)
};

struct ConnectorTestReport {
  std::size_t requests = 0;  // answered or failed
  std::size_t documents = 0;
  std::size_t observations = 0;  // extracted and built by the connector
  std::size_t indicators = 0;
  std::size_t errors = 0;                 // emitted by the connector
  std::size_t missing = 0;                // requests without a saved response
  std::vector<std::string> missing_urls;  // their "METHOD URL", in order
  std::size_t fetch_failed = 0;           // of which `missing`
  std::size_t call_failures = 0;

  // A replay with every request answered and every call successful.
  bool ok() const { return missing == 0 && call_failures == 0; }
};

class ConnectorTest {
 public:
  // `out` receives each line (without its newline).
  explicit ConnectorTest(std::function<void(std::string_view line)> out,
                         ConnectorTestOptions options = {});

  // The services to load plugins with: plugin log lines become "log" lines of the output,
  // and the host's extraction is offered.
  HostServices host_services() const;

  // Runs the instance: start(), then every request through `respond` until none is left.
  ConnectorTestReport run(PluginInstance& instance, const Responder& respond);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace conventiond::testkit
