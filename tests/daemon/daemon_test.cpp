// The daemon end to end: config -> plugins -> store -> HTTP API -> job runs, on loopback.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include <conventiond/daemon/daemon.hpp>
#include <conventiond/store/sqlite_store.hpp>
#include "../support/http_call.hpp"
#include "../support/running_daemon.hpp"

#include "../harvest/test_site.hpp"
#include "pg_server.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace conventiond;
using namespace std::chrono_literals;
using conventiond::test::call;
using conventiond::test::Reply;

namespace {

fs::path temp_dir(const std::string& name) { return test::fresh_temp_dir("cvd-daemon", name); }

std::string site_job_toml(const test::TestSite& site, const std::string& name,
                          const std::string& schedule = "") {
  return "[jobs." + name + "]\nconnector = \"press_releases\"\n" + schedule +
         "max_in_flight = 4\n"
         "[jobs." + name + ".fetch]\nper_host_delay = \"0ms\"\nmax_concurrent_per_host = 4\n"
         "timeout = \"1s\"\nmax_body_bytes = 500000\nmax_redirects = 3\nmax_attempts = 2\n"
         "backoff = \"10ms\"\nmax_retry_after = \"5s\"\n"
         "[jobs." + name + ".config]\nfeeds = [\"" + site.server.url("/rss.xml") + "\"]\n"
         "listing_pages = [\"" + site.server.url("/actualites") + "\"]\n"
         "include_linked_documents = true\n";
}


json::object wait_for_run(const test::RunningDaemon& d, std::int64_t id) {
  for (int i = 0; i < 600; ++i) {
    auto r = call("GET", d.url("/v1/runs/" + std::to_string(id)));
    if (r.status == 200) {
      auto v = r.json().as_object();
      if (v.at("status").as_string() != "running") return v;
    }
    std::this_thread::sleep_for(50ms);
  }
  FAIL("run " << id << " did not finish within 30 s");
  return {};
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

}  // namespace

TEST_CASE("the daemon serves health, metrics and its OpenAPI document", "[daemon]") {
  const fs::path dir = temp_dir("health");
  write(dir / "c.toml", "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n");
  test::RunningDaemon d(dir / "c.toml");
  CHECK(call("GET", d.url("/healthz")).status == 200);
  auto ready = call("GET", d.url("/readyz"));
  CHECK(ready.status == 200);
  CHECK(ready.json().at("checks").at("store").as_string() == "ok");
  auto metrics = call("GET", d.url("/metrics"));
  CHECK(metrics.status == 200);
  CHECK_THAT(metrics.content_type, Catch::StartsWith("text/plain"));
  CHECK_THAT(metrics.body, Catch::Contains("# TYPE conventiond_runs_running gauge"));
  auto spec = call("GET", d.url("/v1/openapi.json"));
  REQUIRE(spec.status == 200);
  const auto paths = spec.json().at("paths").as_object();
  for (const char* p : {"/v1/conventions", "/v1/conventions/{id}", "/v1/departements/{code}",
                        "/v1/jobs", "/v1/jobs/{name}/run", "/v1/runs/{id}",
                        "/v1/runs/{id}/retry-failed", "/healthz", "/readyz", "/metrics",
                        "/v1/changes", "/v1/changes/stream", "/v1/subscriptions",
                        "/v1/subscriptions/{id}", "/v1/subscriptions/{id}/resume",
                        "/v1/subscriptions/{id}/dead-letters", "/v1/dead-letters/{id}/replay",
                        "/v1/sinks", "/v1/conventions/{id}/revisions", "/v1/jobs/{name}",
                        "/v1/schema/model.json", "/v1/subscriptions/{id}/rotate-secret"}) {
    CHECK(paths.contains(p));
  }
  // The JSON Schema of the records and of the change-event envelope, versioned by its $id.
  auto schema = call("GET", d.url("/v1/schema/model.json"));
  REQUIRE(schema.status == 200);
  CHECK(schema.content_type == "application/schema+json");
  CHECK(schema.json().at("$id").as_string() == "urn:conventiond:schema:model:1");
  CHECK(schema.json().at("$defs").at("change_event").at("required").as_array().size() == 7);
  auto missing = call("GET", d.url("/v1/nothing"));
  CHECK(missing.status == 404);
  CHECK(missing.json().at("error").at("code").is_string());
  CHECK(call("GET", d.url("/v1/metrics/../../etc/passwd")).status == 404);
}

namespace {

// The operators' end-to-end scenario, on the store at `store_url`.
void trigger_scenario(const std::string& store_url, const std::string& name) {
  test::TestSite site;
  const fs::path dir = temp_dir(name);
  ::setenv("CVD_DAEMON_TEST_TOKENS", "s3cret", 1);
  write(dir / "c.toml", "[store]\nurl = \"" + store_url + "\"\n[http]\nlisten = \"127.0.0.1:0\"\n"
                        "tokens_env = \"CVD_DAEMON_TEST_TOKENS\"\n" + site_job_toml(site, "site"));
  std::int64_t latest_seq = 0;
  std::vector<std::string> revisions;
  {
  test::RunningDaemon d(dir / "c.toml");

  // Writing needs the token.
  CHECK(call("POST", d.url("/v1/jobs/site/run")).status == 401);
  CHECK(call("POST", d.url("/v1/jobs/site/run"), "wrong").status == 401);
  CHECK(call("POST", d.url("/v1/jobs/nope/run"), "s3cret").status == 404);
  auto started = call("POST", d.url("/v1/jobs/site/run"), "s3cret");
  REQUIRE(started.status == 202);
  const auto run_id = started.json().at("run_id").as_int64();
  // A second trigger while it runs is refused (never two runs of one job).
  auto again = call("POST", d.url("/v1/jobs/site/run"), "s3cret");
  CHECK(again.status == 409);

  auto run = wait_for_run(d, run_id);
  CHECK(run.at("status").as_string() == "done_with_errors");
  CHECK(run.at("counts").at("failed").as_int64() == 4);
  CHECK(run.at("error").is_null());  // items failed, the run itself finished cleanly
  const json::array failed = run.at("failed_items").as_array();
  REQUIRE(failed.size() == 4);
  bool saw_404 = false;
  for (const auto& f : failed) saw_404 = saw_404 || f.at("http_status").as_int64() == 404;
  CHECK(saw_404);

  auto list = call("GET", d.url("/v1/conventions"));
  REQUIRE(list.status == 200);
  CHECK(list.json().at("total").as_int64() >= 2);
  auto one = call("GET", d.url("/v1/conventions?departement=31"));
  REQUIRE(one.status == 200);
  REQUIRE(one.json().at("items").as_array().size() == 1);
  auto record = call("GET", d.url("/v1/conventions/pauvrete-2019:31"));
  REQUIRE(record.status == 200);
  const auto rec = record.json().as_object();
  CHECK(rec.at("revision").as_int64() == 1);
  CHECK_FALSE(rec.at("provenance").as_array().empty());
  CHECK(rec.contains("indicators"));
  auto dep = call("GET", d.url("/v1/departements/31"));
  REQUIRE(dep.status == 200);
  CHECK(dep.json().at("name").as_string() == "Haute-Garonne");
  CHECK(dep.json().at("conventions").as_array().size() == 1);
  CHECK(call("GET", d.url("/v1/conventions/pauvrete-2019:99")).status == 404);
  CHECK(call("GET", d.url("/v1/departements/999")).status == 404);
  auto bad = call("GET", d.url("/v1/conventions?limit=0"));
  CHECK(bad.status == 400);
  CHECK_THAT(std::string(bad.json().at("error").at("message").as_string()), Catch::Contains("limit"));
  CHECK(call("GET", d.url("/v1/conventions?sort=bogus")).status == 400);

  // Pagination: one item per page, the cursor leads through all of them once.
  std::set<std::string> seen;
  std::string cursor;
  for (int i = 0; i < 10; ++i) {
    auto page = call("GET", d.url("/v1/conventions?limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    REQUIRE(page.status == 200);
    auto v = page.json().as_object();
    for (const auto& item : v.at("items").as_array()) seen.insert(std::string(item.at("id").as_string()));
    if (v.at("next_cursor").is_null()) break;
    cursor = std::string(v.at("next_cursor").as_string());
  }
  CHECK(static_cast<std::int64_t>(seen.size()) == list.json().at("total").as_int64());

  auto jobs = call("GET", d.url("/v1/jobs"));
  REQUIRE(jobs.status == 200);
  CHECK(jobs.json().at("items").as_array().at(0).at("last_run").at("id").as_int64() == run_id);

  // Retry the failed items as a new run.
  CHECK(call("POST", d.url("/v1/runs/" + std::to_string(run_id) + "/retry-failed")).status == 401);
  auto retry = call("POST", d.url("/v1/runs/" + std::to_string(run_id) + "/retry-failed"), "s3cret");
  REQUIRE(retry.status == 202);
  const auto retry_id = retry.json().at("run_id").as_int64();
  CHECK(retry_id != run_id);
  auto retried = wait_for_run(d, retry_id);
  CHECK(retried.at("counts").at("total").as_int64() == 4);
  CHECK(call("GET", d.url("/v1/runs/abc")).status == 400);
  CHECK(call("GET", d.url("/v1/runs/999999")).status == 404);

  auto metrics = call("GET", d.url("/metrics"));
  CHECK_THAT(metrics.body, Catch::Contains("conventiond_runs_total{job=\"site\",status=\"done_with_errors\"}"));
  CHECK_THAT(metrics.body, Catch::Contains("conventiond_items_total{job=\"site\",status=\"failed\"}"));
  CHECK_THAT(metrics.body, Catch::Contains("conventiond_fetch_duration_seconds_bucket"));
  latest_seq = call("GET", d.url("/v1/changes?since=0&limit=1000")).json().at("next_cursor").as_int64();
  const json::value listed = call("GET", d.url("/v1/conventions")).json();
  for (const auto& c : listed.at("items").as_array()) {
    revisions.push_back(std::string(c.at("id").as_string()) + "@" + std::to_string(c.at("revision").as_int64()));
  }
  }
  // Restart the daemon on the same store and harvest the same site again: nothing is
  // duplicated (same records and revisions, no new change event).
  test::RunningDaemon again(dir / "c.toml");
  auto rerun = call("POST", again.url("/v1/jobs/site/run"), "s3cret");
  REQUIRE(rerun.status == 202);
  auto second = wait_for_run(again, rerun.json().at("run_id").as_int64());
  CHECK(second.at("counts").at("new").as_int64() == 0);
  std::vector<std::string> after;
  const json::value relisted = call("GET", again.url("/v1/conventions")).json();
  for (const auto& c : relisted.at("items").as_array()) {
    after.push_back(std::string(c.at("id").as_string()) + "@" + std::to_string(c.at("revision").as_int64()));
  }
  CHECK(after == revisions);
  CHECK(call("GET", again.url("/v1/changes?since=0&limit=1000")).json().at("next_cursor").as_int64() == latest_seq);
}

}  // namespace

TEST_CASE("operators trigger a run, follow it, and read the merged conventions (SQLite)", "[daemon]") {
  trigger_scenario("sqlite:state.db", "trigger-sqlite");
}

TEST_CASE("operators trigger a run, follow it, and read the merged conventions (PostgreSQL)", "[daemon][postgres]") {
  test::PgServer pg;
  if (pg.url.empty()) {
    std::cout << "SKIPPED: daemon PostgreSQL test: " << pg.reason << std::endl;
    WARN("SKIPPED: daemon PostgreSQL test: " << pg.reason);
    return;
  }
  trigger_scenario(pg.url, "trigger-pg");
}

TEST_CASE("a scheduled job never run before runs once at start", "[daemon]") {
  test::TestSite site;
  const fs::path dir = temp_dir("schedule");
  write(dir / "c.toml", "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n" +
                            site_job_toml(site, "hourly", "every = \"1h\"\n"));
  test::RunningDaemon d(dir / "c.toml");
  std::int64_t run_id = 0;
  for (int i = 0; i < 200 && run_id == 0; ++i) {
    auto jobs = call("GET", d.url("/v1/jobs/hourly"));
    REQUIRE(jobs.status == 200);
    const json::value v = jobs.json();
    const auto& runs = v.at("runs").as_array();
    if (!runs.empty()) run_id = runs.at(0).at("id").as_int64();
    else std::this_thread::sleep_for(50ms);
  }
  REQUIRE(run_id != 0);
  wait_for_run(d, run_id);
  // Then the next one is an hour after that start, not now.
  std::this_thread::sleep_for(200ms);
  auto job = call("GET", d.url("/v1/jobs/hourly")).json();
  CHECK(job.at("runs").as_array().size() == 1);
  CHECK(job.at("next_run_at").is_string());
}

TEST_CASE("a reload keeps the old jobs when the new config is invalid", "[daemon]") {
  test::TestSite site;
  const fs::path dir = temp_dir("reload");
  const std::string head = "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n";
  write(dir / "c.toml", head + site_job_toml(site, "first"));
  test::RunningDaemon d(dir / "c.toml");
  write(dir / "c.toml", head + "[jobs.second]\nconnector = \"no_such_plugin\"\n");
  d.daemon->reload();
  for (int i = 0; i < 100 && !d.logged("old one is kept"); ++i) std::this_thread::sleep_for(20ms);
  CHECK(d.logged("no_such_plugin"));
  CHECK(call("GET", d.url("/v1/jobs/first")).status == 200);
  write(dir / "c.toml", head + site_job_toml(site, "second"));
  d.daemon->reload();
  for (int i = 0; i < 100 && call("GET", d.url("/v1/jobs/second")).status != 200; ++i) std::this_thread::sleep_for(20ms);
  CHECK(call("GET", d.url("/v1/jobs/second")).status == 200);
  CHECK(call("GET", d.url("/v1/jobs/first")).status == 404);
}

TEST_CASE("an invalid config starts nothing and names every problem", "[daemon]") {
  const fs::path dir = temp_dir("invalid");
  write(dir / "c.toml", "[store]\nurl = \"sqlite:state.db\"\n[jobs.a]\nconnector = \"nope\"\n"
                        "[jobs.b]\nconnector = \"press_releases\"\n[jobs.b.config]\nfeedz = 1\n");
  auto cfg = load_daemon_config(dir / "c.toml");
  REQUIRE(cfg.ok());
  auto d = Daemon::create(std::move(*cfg));
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().code == "config");
  CHECK_THAT(d.error().message, Catch::Contains("jobs.a.connector: no plugin named 'nope'"));
  CHECK_THAT(d.error().message, Catch::Contains("feedz"));
  CHECK_FALSE(fs::exists(dir / "state.db"));
}

TEST_CASE("serve refuses a plugin name found in two files of the plugin directories", "[daemon][plugins]") {
  const fs::path dir = temp_dir("duplicate-plugin");
  fs::create_directories(dir / "third-party");
  fs::copy_file(fs::path(CONVENTIOND_PLUGIN_DIR) / "press_releases.so", dir / "third-party" / "pr.so");
  write(dir / "c.toml", "[store]\nurl = \"sqlite:state.db\"\n[plugins]\ndirs = [\"third-party\"]\n");
  auto cfg = load_daemon_config(dir / "c.toml");
  REQUIRE(cfg.ok());
  auto d = Daemon::create(std::move(*cfg));
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().code == "config");
  CHECK_THAT(d.error().message,
             Catch::Contains("plugins: two plugins are named 'press_releases': " +
                             (fs::path(CONVENTIOND_PLUGIN_DIR) / "press_releases.so").string() + " and " +
                             (dir / "third-party" / "pr.so").string()));
  CHECK_FALSE(fs::exists(dir / "state.db"));
  // The same directory without the copy: it starts (the extra directory's plugins are loaded
  // beside the shipped ones).
  fs::remove(dir / "third-party" / "pr.so");
  auto again = load_daemon_config(dir / "c.toml");
  REQUIRE(again.ok());
  CHECK(Daemon::create(std::move(*again)).ok());
}

namespace {

// Reads an SSE stream until `events` events arrived (or a timeout); returns the raw text.
struct SseRead {
  std::string text;
  std::size_t events = 0;
  std::size_t want = 0;
};

size_t sse_collect(char* data, size_t size, size_t n, void* p) {
  auto* r = static_cast<SseRead*>(p);
  r->text.append(data, size * n);
  std::size_t count = 0;
  for (std::size_t pos = 0; (pos = r->text.find("\nid: ", pos)) != std::string::npos; ++pos) ++count;
  if (r->text.rfind("id: ", 0) == 0) ++count;
  r->events = count;
  return r->events >= r->want ? 0 : size * n;  // 0 aborts the transfer: enough read
}

SseRead read_sse(const std::string& url, std::size_t want, const std::string& last_event_id = "") {
  SseRead r;
  r.want = want;
  CURL* c = curl_easy_init();
  curl_slist* headers = nullptr;
  if (!last_event_id.empty()) headers = curl_slist_append(headers, ("Last-Event-ID: " + last_event_id).c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sse_collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_perform(c);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  return r;
}

}  // namespace

TEST_CASE("the change feed: pull, long poll and a resumable SSE stream", "[daemon]") {
  test::TestSite site;
  const fs::path dir = temp_dir("changes");
  ::setenv("CVD_DAEMON_TEST_TOKENS", "s3cret", 1);
  write(dir / "c.toml", "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n"
                        "tokens_env = \"CVD_DAEMON_TEST_TOKENS\"\n" + site_job_toml(site, "site"));
  test::RunningDaemon d(dir / "c.toml");

  // A long poll from seq 0 is answered as soon as the run's merge writes events.
  auto poll = std::async(std::launch::async, [&] { return call("GET", d.url("/v1/changes?since=0&wait=30s")); });
  std::this_thread::sleep_for(200ms);
  auto started = call("POST", d.url("/v1/jobs/site/run"), "s3cret");
  REQUIRE(started.status == 202);
  auto first = poll.get();
  REQUIRE(first.status == 200);
  const json::value page = first.json();
  const auto& events = page.at("events").as_array();
  REQUIRE_FALSE(events.empty());
  CHECK(events.at(0).at("seq").as_int64() == 1);
  CHECK(events.at(0).at("kind").as_string() == "created");
  CHECK(events.at(0).at("record").at("id").is_string());
  wait_for_run(d, started.json().at("run_id").as_int64());

  auto all = call("GET", d.url("/v1/changes?since=0&limit=1000")).json();
  const auto total = all.at("events").as_array().size();
  REQUIRE(total >= 2);
  CHECK(all.at("next_cursor").as_int64() == static_cast<std::int64_t>(total));
  auto limited = call("GET", d.url("/v1/changes?since=0&limit=1")).json();
  CHECK(limited.at("events").as_array().size() == 1);
  CHECK(limited.at("next_cursor").as_int64() == 1);
  // Nothing new: a long poll times out with no events and the same cursor.
  const auto t0 = std::chrono::steady_clock::now();
  auto idle = call("GET", d.url("/v1/changes?since=" + std::to_string(total) + "&wait=1s"));
  CHECK(std::chrono::steady_clock::now() - t0 >= 900ms);
  CHECK(idle.json().at("events").as_array().empty());
  CHECK(idle.json().at("next_cursor").as_int64() == static_cast<std::int64_t>(total));
  CHECK(call("GET", d.url("/v1/changes?since=-1")).status == 400);
  CHECK(call("GET", d.url("/v1/changes?wait=2h")).status == 400);

  // SSE from the start, then resumed with Last-Event-ID: every event once, in order.
  auto sse = read_sse(d.url("/v1/changes/stream"), total);
  CHECK(sse.events == total);
  CHECK_THAT(sse.text, Catch::StartsWith("retry: 5000"));
  CHECK_THAT(sse.text, Catch::Contains("id: 1\nevent: created\ndata: {"));
  auto resumed = read_sse(d.url("/v1/changes/stream"), total - 1, "1");
  CHECK(resumed.events == total - 1);
  CHECK(resumed.text.find("id: 1\n") == std::string::npos);
  CHECK_THAT(resumed.text, Catch::Contains("id: 2\n"));
  CHECK(call("GET", d.url("/v1/changes/stream?since=abc")).status == 400);
}

TEST_CASE("a cursor older than the retained change log gets 410 and where to resync, one beyond it a 400", "[daemon]") {
  const fs::path dir = temp_dir("retention");
  {
    auto store = SqliteStore::open((dir / "state.db").string());
    REQUIRE(store.ok());
    for (const char* dep : {"67", "68"}) {
      Convention c;
      c.id = Convention::make_id(kProgrammePauvrete, dep);
      c.facts.departement = dep;
      REQUIRE((*store)->save_convention(c).ok());
    }
  }
  std::this_thread::sleep_for(2100ms);  // both events are now older than the retention
  write(dir / "c.toml", "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n"
                        "[changes]\nretention = \"1s\"\n");
  test::RunningDaemon d(dir / "c.toml");  // prunes at start, keeping the latest event
  auto old = call("GET", d.url("/v1/changes?since=0"));
  CHECK(old.status == 410);
  CHECK(old.json().at("error").at("code").as_string() == "cursor_expired");
  CHECK_THAT(std::string(old.json().at("error").at("message").as_string()), Catch::Contains("/v1/conventions"));
  // Where to go on, as fields: the oldest retained event and the `since` that follows from it.
  CHECK(old.json().at("error").at("oldest_seq").as_int64() == 2);
  CHECK(old.json().at("error").at("resume_from").as_int64() == 1);
  CHECK(call("GET", d.url("/v1/changes/stream?since=0")).status == 410);
  auto fresh = call("GET", d.url("/v1/changes?since=1"));
  CHECK(fresh.status == 200);
  CHECK(fresh.json().at("events").as_array().size() == 1);
  // The list says which seq its records reflect: resync from it, then follow from as_of_seq.
  auto list = call("GET", d.url("/v1/conventions"));
  REQUIRE(list.status == 200);
  CHECK(list.json().at("as_of_seq").as_int64() == 2);
  CHECK(call("GET", d.url("/v1/changes?since=2")).status == 200);
  // A cursor beyond the latest seq (a store restored from an older backup) is a 400 naming it.
  for (const char* route : {"/v1/changes?since=3", "/v1/changes/stream?since=99"}) {
    INFO(route);
    auto ahead = call("GET", d.url(route));
    CHECK(ahead.status == 400);
    CHECK(ahead.json().at("error").at("code").as_string() == "cursor_ahead");
    CHECK(ahead.json().at("error").at("latest_seq").as_int64() == 2);
  }
}

TEST_CASE("a configured sink receives every change in order, from its persisted cursor", "[daemon]") {
  test::TestSite site;
  const fs::path dir = temp_dir("sink");
  ::setenv("CVD_DAEMON_TEST_TOKENS", "s3cret", 1);
  const fs::path out = dir / "events.jsonl";
  write(dir / "c.toml", "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n"
                        "tokens_env = \"CVD_DAEMON_TEST_TOKENS\"\n"
                        "[sinks.archive]\nplugin = \"jsonl_sink\"\nbatch = 3\n[sinks.archive.config]\npath = \"" +
                        out.string() + "\"\n" + site_job_toml(site, "site"));
  std::int64_t latest = 0;
  {
    test::RunningDaemon d(dir / "c.toml");
    auto started = call("POST", d.url("/v1/jobs/site/run"), "s3cret");
    REQUIRE(started.status == 202);
    wait_for_run(d, started.json().at("run_id").as_int64());
    latest = call("GET", d.url("/v1/changes?since=0&limit=1000")).json().at("next_cursor").as_int64();
    REQUIRE(latest >= 2);
    for (int i = 0; i < 200; ++i) {
      const json::value sinks = call("GET", d.url("/v1/sinks")).json();
      if (sinks.at("items").as_array().at(0).at("cursor").as_int64() == latest) break;
      std::this_thread::sleep_for(50ms);
    }
  }
  std::ifstream in(out);
  std::string line;
  std::int64_t expected = 1;
  while (std::getline(in, line)) {
    const json::value e = json::parse(line);
    CHECK(e.at("seq").as_int64() == expected);
    ++expected;
  }
  CHECK(expected == latest + 1);
  // A restart does not deliver them again: the cursor was persisted.
  {
    test::RunningDaemon again(dir / "c.toml");
    std::this_thread::sleep_for(1500ms);
  }
  std::ifstream again_in(out);
  std::size_t lines = 0;
  while (std::getline(again_in, line)) ++lines;
  CHECK(static_cast<std::int64_t>(lines) == latest);
}

TEST_CASE("an SSE subscriber that does not read is dropped without slowing the others", "[daemon]") {
  const fs::path dir = temp_dir("slow-sse");
  std::int64_t events = 0;
  {
    auto store = SqliteStore::open((dir / "state.db").string());
    REQUIRE(store.ok());
    // About 8 MB of events: more than the kernel's socket buffers and what a subscriber may
    // leave unread.
    for (int i = 0; i < 1600; ++i) {
      Convention c;
      c.facts.departement = i % 2 == 0 ? "67" : "68";
      c.id = Convention::make_id(kProgrammePauvrete, c.facts.departement);
      for (int a = 0; a < 40; ++a) {
        c.facts.actions.push_back(Action{std::to_string(i) + "-" + std::to_string(a),
                                         "Action de lutte contre la pauvreté numéro " + std::to_string(a) +
                                             " : accompagnement renforcé des allocataires du RSA",
                                         {}});
      }
      auto saved = (*store)->save_convention(c);
      REQUIRE(saved.ok());
      events = saved->seq;
    }
  }
  write(dir / "c.toml", "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n"
                        "[changes]\nstream_stall_timeout = \"1s\"\n");
  test::RunningDaemon d(dir / "c.toml");
  // A client with a tiny receive buffer that never reads.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(d.daemon->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string request = "GET /v1/changes/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
  // A reading subscriber gets everything meanwhile.
  auto sse = read_sse(d.url("/v1/changes/stream"), static_cast<std::size_t>(events));
  CHECK(static_cast<std::int64_t>(sse.events) == events);
  bool dropped = false;
  for (int i = 0; i < 200 && !dropped; ++i) {
    dropped = d.logged("change stream dropped");
    if (!dropped) std::this_thread::sleep_for(50ms);
  }
  CHECK(dropped);
  CHECK(call("GET", d.url("/healthz")).status == 200);
  ::close(fd);
}
