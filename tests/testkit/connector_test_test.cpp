#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/testkit/connector_test.hpp>
#include <conventiond/testkit/fetch_responder.hpp>
#include <conventiond/testkit/replay.hpp>

#include "support/test_http_server.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using conventiond::PluginRegistry;
using conventiond::test::TempDir;
using conventiond::testkit::ConnectorTest;
using conventiond::testkit::ConnectorTestOptions;
using conventiond::testkit::ConnectorTestReport;
using conventiond::testkit::ReplaySet;

namespace {

const fs::path kFolder = fs::path(CONVENTIOND_REPLAY_FIXTURES) / "press_releases";
const std::string kSite = "https://prefecture.example";

struct Outcome {
  ConnectorTestReport report;
  std::vector<std::string> lines;

  std::vector<json::object> of_type(std::string_view type) const {
    std::vector<json::object> out;
    for (const std::string& l : lines) {
      json::object o = json::parse(l).as_object();
      if (o.at("type").as_string() == type) out.push_back(std::move(o));
    }
    return out;
  }
};

// Runs plugin `name` with config_json, answering with respond (or the replay set `replay`).
Outcome run(std::string_view name, std::string_view config_json,
            const conventiond::testkit::Responder& respond, ConnectorTestOptions options = {}) {
  Outcome out;
  ConnectorTest test([&out](std::string_view line) { out.lines.emplace_back(line); }, options);
  const PluginRegistry registry =
      PluginRegistry::load_directory(CONVENTIOND_PLUGIN_DIR, test.host_services());
  auto instance = registry.create_instance(name, config_json);
  if (!instance) FAIL(instance.error().message);
  out.report = test.run(*instance, respond);
  return out;
}

conventiond::testkit::Responder replaying(const ReplaySet& set) {
  return [&set](const conventiond::sdk::Request& r) { return set.answer(r.method, r.url, r.body); };
}

ReplaySet press_fixture() {
  auto set = ReplaySet::load(kFolder);
  if (!set) FAIL(set.error().message);
  return std::move(*set);
}

}  // namespace

TEST_CASE("connector test: press_releases replayed gives its requests, documents, observations") {
  const ReplaySet set = press_fixture();
  const Outcome o =
      run("press_releases", R"({"feeds":["https://prefecture.example/rss.xml"]})", replaying(set));
  CHECK(o.report.ok());
  CHECK(o.report.requests == 6);  // the feed and its five articles
  CHECK(o.report.documents == 4);
  CHECK(o.report.fetch_failed == 1);  // the saved 404
  CHECK(o.report.missing == 0);
  CHECK(o.report.call_failures == 0);

  const auto requests = o.of_type("request");
  REQUIRE(requests.size() == 6);
  CHECK(requests[0].at("from").as_string() == "start");
  CHECK(requests[0].at("url").as_string() == kSite + "/rss.xml");
  CHECK(requests[0].at("meta").as_string() == "feed");
  CHECK(requests[1].at("from").as_string() == kSite + "/rss.xml");
  CHECK(requests[1].at("meta").as_string() == "article");

  // The redirected article is given to parse() under its final URL.
  bool redirected = false;
  for (const auto& r : o.of_type("response")) {
    if (r.if_contains("requested") != nullptr) {
      redirected = true;
      CHECK(r.at("requested").as_string() == kSite + "/communiques/ancien-lien-gironde.html");
      CHECK(r.at("url").as_string() == kSite + "/communiques/gironde-convention.html");
    }
  }
  CHECK(redirected);

  // The press releases about a convention are extracted into observations, with the
  // connector's name and rank; the fête de la musique is not.
  const auto observations = o.of_type("observation");
  REQUIRE(o.report.observations == observations.size());
  REQUIRE(observations.size() >= 3);
  for (const auto& obs : observations) {
    CHECK(obs.at("origin").as_string() == "extraction");
    const auto& source = obs.at("observation").at("source").as_object();
    CHECK(source.at("connector").as_string() == "press_releases");
    CHECK(source.at("rank").as_string() == "official_release");
    CHECK(source.at("url").as_string().find("fete-de-la-musique") == json::string::npos);
  }
  const auto failed = o.of_type("fetch_failed");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].at("url").as_string() == kSite + "/communiques/retire.html");
  CHECK(failed[0].at("status").as_int64() == 404);

  const auto summary = o.of_type("summary");
  REQUIRE(summary.size() == 1);
  CHECK(json::parse(o.lines.back()).as_object().at("type").as_string() == "summary");
}

TEST_CASE("connector test: the output of a replay is the same at every run") {
  const ReplaySet set = press_fixture();
  const std::string config = R"({"feeds":["https://prefecture.example/rss.xml"]})";
  const Outcome a = run("press_releases", config, replaying(set));
  const Outcome b = run("press_releases", config, replaying(set));
  CHECK(a.lines == b.lines);
}

TEST_CASE("connector test: a request without a saved response fails, named, and the run goes on") {
  const ReplaySet set = press_fixture();
  const Outcome o = run(
      "press_releases",
      R"({"feeds":["https://prefecture.example/autre-flux.xml","https://prefecture.example/rss.xml"]})",
      replaying(set));
  CHECK_FALSE(o.report.ok());
  CHECK(o.report.missing == 1);
  const auto failed = o.of_type("fetch_failed");
  REQUIRE(failed.size() == 2);
  CHECK(failed[0].at("url").as_string() == kSite + "/autre-flux.xml");
  CHECK(failed[0].at("status").as_int64() == 404);
  CHECK(failed[0].at("message").as_string() ==
        "no saved response for GET " + kSite + "/autre-flux.xml in " + kFolder.string());
  CHECK(o.report.documents == 4);
}

TEST_CASE("connector test: max_requests stops a connector that never ends") {
  const ReplaySet set = press_fixture();
  ConnectorTestOptions options;
  options.max_requests = 2;
  const Outcome o = run("press_releases", R"({"feeds":["https://prefecture.example/rss.xml"]})",
                        replaying(set), options);
  CHECK(o.report.requests == 2);
  const auto limit = o.of_type("limit");
  REQUIRE(limit.size() == 1);
  CHECK(limit[0].at("message").as_string() == "max_requests (2) reached: 4 request(s) not made");
}

TEST_CASE("connector test: --record saves a live run that replays to the same output") {
  conventiond::test::TestHttpServer server;
  server.route("/index.html", {200,
                               {{"Content-Type", "text/html; charset=utf-8"}},
                               R"(<a href="/a.html">A</a> <a href="b.html">B</a>)"});
  server.route("/a.html", {200, {{"Content-Type", "text/html"}}, "<h1>A</h1>"});
  server.route("/b.html", {301, {{"Location", "/c.html"}}, ""});
  server.route("/c.html", {200, {{"Content-Type", "text/plain"}}, "C"});
  const std::string config = R"({"start_urls":[")" + server.url("/index.html") + R"("]})";

  TempDir dir;
  const fs::path folder = dir.path() / "recorded";
  auto recorder = conventiond::testkit::ReplayRecorder::create(folder);
  REQUIRE(recorder.ok());
  boost::asio::io_context io;
  conventiond::FetchPolicy policy;
  policy.per_host_min_delay = std::chrono::milliseconds(0);
  policy.honour_robots = false;
  policy.max_attempts = 1;
  policy.total_timeout = std::chrono::milliseconds(10'000);
  conventiond::Fetcher fetcher(io, policy);
  std::vector<std::string> record_errors;
  const Outcome live = run("template_connector", config,
                           conventiond::testkit::fetch_responder(
                               io, fetcher, &*recorder, [&](const conventiond::Error& e) {
                                 record_errors.push_back(e.message);
                               }));
  REQUIRE(recorder->finish().ok());
  CHECK(record_errors.empty());
  CHECK(live.report.ok());
  CHECK(live.report.documents == 3);  // index, a, c (b redirects to c)
  CHECK(recorder->size() == 3);       // the redirect is followed by the fetcher: saved as c's

  const std::size_t hits = server.total_hits();
  auto set = ReplaySet::load(folder);
  REQUIRE(set.ok());
  const Outcome replayed = run("template_connector", config, replaying(*set));
  CHECK(replayed.lines == live.lines);
  CHECK(server.total_hits() == hits);  // a replay never touches the network
}
