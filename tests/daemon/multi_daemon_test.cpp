// Several `conventiond serve` processes on one PostgreSQL (a private server started on
// loopback by scripts/pg-test-server.sh): a run is done by one daemon, and when that daemon
// is killed (SIGKILL) another takes the run over once its lease expires; each change is
// written once. Skipped with a visible message when no PostgreSQL server can be started.
#include <catch2/catch.hpp>

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <atomic>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include <conventiond/publish/webhook_signature.hpp>

#include "../harvest/test_site.hpp"
#include "pg_server.hpp"
#include "../support/daemon_process.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using conventiond::test::DaemonProcess;
using conventiond::test::read_all;

namespace {

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::pair<long, json::value> get(const std::string& url) {
  CURL* c = curl_easy_init();
  std::string body;
  long status = 0;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  return {status, ec ? json::value() : v};
}



}  // namespace

namespace {

std::pair<long, json::value> send(const std::string& method, const std::string& url,
                                  const std::string& token, const std::string& body) {
  CURL* c = curl_easy_init();
  std::string out;
  long status = 0;
  curl_slist* headers = curl_slist_append(nullptr, ("Authorization: Bearer " + token).c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  boost::system::error_code ec;
  json::value v = json::parse(out, ec);
  return {status, ec ? json::value() : v};
}

}  // namespace

TEST_CASE("daemons on one PostgreSQL share runs and take over a killed one's run", "[daemon][postgres]") {
  ::setenv("CVD_MULTI_TEST_TOKENS", "tok", 1);
  conventiond::test::PgServer pg;
  if (pg.url.empty()) {
    std::cout << "SKIPPED: multi-daemon PostgreSQL test: " << pg.reason << std::endl;
    WARN("SKIPPED: multi-daemon PostgreSQL test: " << pg.reason);
    return;
  }
  conventiond::test::TestSite site;
  site.article_delay = 300ms;
  const fs::path dir = fs::temp_directory_path() / ("cvd-multi-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream c(dir / "c.toml");
    c << "[store]\nurl = \"" << pg.url << "\"\n[http]\nlisten = \"127.0.0.1:0\"\ntokens_env = \"CVD_MULTI_TEST_TOKENS\"\n"
      << "[daemon]\nlease_ttl = \"2s\"\nshutdown_grace = \"2s\"\n"
      << "[webhooks]\nallow_private_targets = true\nbackoff = \"50ms\"\n"
      << "[jobs.shared]\nconnector = \"press_releases\"\nevery = \"1h\"\nmax_in_flight = 1\n"
      << "[jobs.shared.fetch]\nper_host_delay = \"0ms\"\ntimeout = \"1s\"\nmax_body_bytes = 500000\n"
      << "max_redirects = 3\nmax_attempts = 2\nbackoff = \"10ms\"\nmax_retry_after = \"5s\"\n"
      << "[jobs.shared.config]\nfeeds = [\"" << site.server.url("/rss.xml") << "\"]\n"
      << "listing_pages = [\"" << site.server.url("/actualites") << "\"]\n"
      << "include_linked_documents = true\n";
  }
  std::vector<std::unique_ptr<DaemonProcess>> daemons;
  for (int i = 0; i < 3; ++i) {
    daemons.push_back(std::make_unique<DaemonProcess>(dir / "c.toml", dir / ("d" + std::to_string(i) + ".log")));
  }
  // A webhook subscription, from the start of the log: whichever daemon writes a change and
  // whichever holds the subscription's lease, the receiver gets every event.
  std::mutex mu;
  std::vector<std::int64_t> received;
  conventiond::test::TestHttpServer receiver;
  receiver.route("/hook", [&](const conventiond::test::TestRequest& r) {
    std::lock_guard lock(mu);
    received.push_back(std::stoll(r.header("x-conventiond-event-id")));
    return conventiond::test::TestResponse{204, {}, ""};
  });
  auto [sub_status, sub] = send("POST", daemons[1]->url("/v1/subscriptions"), "tok",
                                "{\"url\": \"" + receiver.url("/hook") + "\", \"from_seq\": 0}");
  REQUIRE(sub_status == 201);
  // Exactly one of them starts the scheduled run.
  std::int64_t run_id = 0;
  for (int i = 0; i < 200 && run_id == 0; ++i) {
    auto [status, v] = get(daemons[0]->url("/v1/jobs/shared"));
    if (status == 200 && !v.at("runs").as_array().empty()) run_id = v.at("runs").as_array().at(0).at("id").as_int64();
    else std::this_thread::sleep_for(50ms);
  }
  REQUIRE(run_id != 0);
  std::size_t runner = daemons.size();
  for (int i = 0; i < 100 && runner == daemons.size(); ++i) {
    for (std::size_t d = 0; d < daemons.size(); ++d) {
      if (read_all(daemons[d]->log).find("run " + std::to_string(run_id) + " of job 'shared' started") != std::string::npos) runner = d;
    }
    if (runner == daemons.size()) std::this_thread::sleep_for(50ms);
  }
  REQUIRE(runner < daemons.size());
  // Kill it once a few items are committed.
  for (int i = 0; i < 200; ++i) {
    auto [status, v] = get(daemons[(runner + 1) % 3]->url("/v1/runs/" + std::to_string(run_id)));
    if (status == 200 && v.at("counts").at("total").as_int64() >= 3) break;
    std::this_thread::sleep_for(50ms);
  }
  daemons[runner]->kill9();
  // Another daemon takes the run over after the lease expires, and finishes it.
  const auto& survivor = daemons[(runner + 1) % 3];
  json::value run;
  for (int i = 0; i < 600; ++i) {
    auto [status, v] = get(survivor->url("/v1/runs/" + std::to_string(run_id)));
    if (status == 200 && v.at("status").as_string() != "running") {
      run = v;
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  REQUIRE(run.is_object());
  CHECK(run.at("status").as_string() == "done_with_errors");
  CHECK(run.at("resumed").as_int64() >= 1);
  CHECK(run.at("counts").at("failed").as_int64() == 4);
  int takeovers = 0;
  for (std::size_t d = 0; d < daemons.size(); ++d) {
    if (d != runner && read_all(daemons[d]->log).find("took over interrupted run " + std::to_string(run_id)) != std::string::npos) ++takeovers;
  }
  CHECK(takeovers == 1);
  // Still one run of the job: no daemon started a second.
  auto [js, job] = get(survivor->url("/v1/jobs/shared"));
  REQUIRE(js == 200);
  CHECK(job.at("runs").as_array().size() == 1);
  // Each convention created once in the change log, whichever daemon wrote it.
  auto [cs, changes] = get(survivor->url("/v1/changes?since=0&limit=1000"));
  REQUIRE(cs == 200);
  std::map<std::string, int> created;
  for (const auto& e : changes.at("events").as_array()) {
    if (e.at("kind").as_string() == "created") ++created[std::string(e.at("convention_id").as_string())];
  }
  CHECK(created.size() >= 2);
  for (const auto& [id, n] : created) {
    INFO(id);
    CHECK(n == 1);
  }
  // Every event reached the webhook receiver, in order, once (a duplicate is allowed only
  // right after the killed daemon's last delivery).
  const std::int64_t latest = changes.at("next_cursor").as_int64();
  for (int i = 0; i < 300; ++i) {
    {
      std::lock_guard lock(mu);
      if (!received.empty() && received.back() >= latest) break;
    }
    std::this_thread::sleep_for(50ms);
  }
  {
    std::lock_guard lock(mu);
    std::int64_t next = 1;
    std::size_t duplicates = 0;
    for (std::int64_t seq : received) {
      CHECK(seq <= next);
      if (seq == next) ++next;
      else ++duplicates;
    }
    CHECK(next == latest + 1);
    CHECK(duplicates <= 1);
  }
  for (std::size_t d = 0; d < daemons.size(); ++d) {
    if (d != runner) CHECK(daemons[d]->terminate() == 0);
  }
  fs::remove_all(dir);
}

TEST_CASE("serve: SIGHUP reloads the jobs, a bad config is refused, SIGTERM exits 0", "[daemon]") {
  const fs::path dir = fs::temp_directory_path() / ("cvd-signals-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string head = "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n";
  std::ofstream(dir / "c.toml") << head << "[jobs.one]\nconnector = \"template_connector\"\n"
                                << "[jobs.one.config]\nstart_urls = [\"http://127.0.0.1:9/\"]\n";
  DaemonProcess d(dir / "c.toml", dir / "d.log");
  CHECK(get(d.url("/v1/jobs/one")).first == 200);
  // An invalid new config: refused, the old jobs kept.
  std::ofstream(dir / "c.toml") << head << "[jobs.two]\nconnector = 42\n";
  ::kill(d.pid, SIGHUP);
  for (int i = 0; i < 100 && read_all(d.log).find("old one is kept") == std::string::npos; ++i) std::this_thread::sleep_for(20ms);
  CHECK_THAT(read_all(d.log), Catch::Contains("jobs.two.connector: expected a string"));
  CHECK(get(d.url("/v1/jobs/one")).first == 200);
  // A valid one: applied.
  std::ofstream(dir / "c.toml") << head << "[jobs.two]\nconnector = \"template_connector\"\n"
                                << "[jobs.two.config]\nstart_urls = [\"http://127.0.0.1:9/\"]\n";
  ::kill(d.pid, SIGHUP);
  for (int i = 0; i < 100 && get(d.url("/v1/jobs/two")).first != 200; ++i) std::this_thread::sleep_for(20ms);
  CHECK(get(d.url("/v1/jobs/two")).first == 200);
  CHECK(get(d.url("/v1/jobs/one")).first == 404);
  CHECK(d.terminate() == 0);
  CHECK_THAT(read_all(d.log), Catch::Contains("stopped"));
  fs::remove_all(dir);
}

TEST_CASE("serve refuses an invalid config with status 2 and starts nothing", "[daemon]") {
  const fs::path dir = fs::temp_directory_path() / ("cvd-badcfg-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "c.toml") << "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"nowhere\"\n"
                                << "[jobs.a]\nevery = \"soon\"\n";
  const std::string exe = std::string(CONVENTIOND_BINARY_DIR) + "/conventiond";
  const std::string cmd = "'" + exe + "' serve --config '" + (dir / "c.toml").string() + "' 2>'" +
                          (dir / "err.log").string() + "'";
  const int status = std::system(cmd.c_str());
  CHECK(WEXITSTATUS(status) == 2);
  const std::string err = read_all(dir / "err.log");
  CHECK_THAT(err, Catch::Contains("c.toml:4:10: http.listen"));
  CHECK_THAT(err, Catch::Contains("jobs.a.every: bad duration 'soon'"));
  CHECK_THAT(err, Catch::Contains("jobs.a.connector: missing"));
  CHECK_FALSE(fs::exists(dir / "state.db"));
  const std::string check = "'" + exe + "' check-config '" + (dir / "c.toml").string() + "' 2>/dev/null";
  CHECK(WEXITSTATUS(std::system(check.c_str())) == 2);
  fs::remove_all(dir);
}


TEST_CASE("webhooks: a daemon killed before delivering delivers every event after a restart",
          "[daemon][webhooks]") {
  conventiond::test::TestSite site;
  conventiond::test::TestHttpServer receiver;
  std::atomic<bool> up{false};
  std::mutex mu;
  std::vector<std::int64_t> received;
  bool signatures_ok = true;
  receiver.route("/hook", [&](const conventiond::test::TestRequest& r) {
    if (!up) return conventiond::test::TestResponse{503, {}, "down"};
    std::lock_guard lock(mu);
    received.push_back(std::stoll(r.header("x-conventiond-event-id")));
    signatures_ok = signatures_ok && conventiond::verify_webhook_signature(
        "hook-secret", r.header("x-conventiond-timestamp"), r.body, r.header("x-conventiond-signature"));
    return conventiond::test::TestResponse{204, {}, ""};
  });
  const fs::path dir = fs::temp_directory_path() / ("cvd-webhooks-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  ::setenv("CVD_WEBHOOK_TEST_TOKENS", "tok", 1);
  // Webhook secrets are sealed at rest: the daemons need the key (docs/webhooks.md).
  ::setenv("CONVENTIOND_SECRET_KEY", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 1);
  {
    std::ofstream c(dir / "c.toml");
    c << "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\ntokens_env = \"CVD_WEBHOOK_TEST_TOKENS\"\n"
      << "[daemon]\nlease_ttl = \"2s\"\n[webhooks]\nallow_private_targets = true\nmax_attempts = 100\nbackoff = \"50ms\"\ntimeout = \"2s\"\n"
      << "[jobs.site]\nconnector = \"press_releases\"\nmax_in_flight = 4\n"
      << "[jobs.site.fetch]\nper_host_delay = \"0ms\"\nmax_concurrent_per_host = 4\ntimeout = \"1s\"\n"
      << "max_body_bytes = 500000\nmax_redirects = 3\nmax_attempts = 2\nbackoff = \"10ms\"\nmax_retry_after = \"5s\"\n"
      << "[jobs.site.config]\nfeeds = [\"" << site.server.url("/rss.xml") << "\"]\ninclude_linked_documents = true\n";
  }
  std::int64_t latest = 0;
  {
    DaemonProcess a(dir / "c.toml", dir / "a.log");
    CHECK(send("POST", a.url("/v1/subscriptions"), "wrong", "{}").first == 401);
    CHECK(send("POST", a.url("/v1/subscriptions"), "tok", "{\"url\": \"ftp://x\"}").first == 400);
    auto [st, sub] = send("POST", a.url("/v1/subscriptions"), "tok",
                          "{\"url\": \"" + receiver.url("/hook") + "\", \"secret\": \"hook-secret\", \"from_seq\": 0}");
    REQUIRE(st == 201);
    CHECK_FALSE(sub.as_object().contains("secret"));
    CHECK(sub.at("has_secret").as_bool());
    auto [rs, run] = send("POST", a.url("/v1/jobs/site/run"), "tok", "");
    REQUIRE(rs == 202);
    for (int i = 0; i < 600; ++i) {
      auto [s, v] = get(a.url("/v1/runs/" + std::to_string(run.at("run_id").as_int64())));
      if (s == 200 && v.at("status").as_string() != "running") break;
      std::this_thread::sleep_for(50ms);
    }
    latest = get(a.url("/v1/changes?since=0&limit=1000")).second.at("next_cursor").as_int64();
    REQUIRE(latest >= 2);
    // The receiver has been down all along: nothing delivered; then the daemon dies.
    a.kill9();
  }
  CHECK(received.empty());
  up = true;
  DaemonProcess b(dir / "c.toml", dir / "b.log");
  for (int i = 0; i < 400; ++i) {
    {
      std::lock_guard lock(mu);
      if (!received.empty() && received.back() >= latest) break;
    }
    std::this_thread::sleep_for(50ms);
  }
  std::unique_lock lock(mu);
  INFO(read_all(dir / "b.log"));
  REQUIRE_FALSE(received.empty());
  // Every event at least once, in order (a duplicate may follow an interrupted delivery).
  std::int64_t next = 1;
  for (std::int64_t seq : received) {
    CHECK(seq <= next);
    if (seq == next) ++next;
  }
  CHECK(next == latest + 1);
  CHECK(signatures_ok);
  lock.unlock();  // the receiver may be called again (at least once) while we wait below
  // The cursor is persisted once the receiver's answer is handled, just after the receiver
  // saw the event: wait for it (under sanitizers on a busy machine this takes a moment).
  std::int64_t cursor = -1;
  for (int i = 0; i < 200 && cursor != latest; ++i) {
    auto [ls, list] = send("GET", b.url("/v1/subscriptions"), "tok", "");
    REQUIRE(ls == 200);
    cursor = list.at("items").as_array().at(0).at("cursor").as_int64();
    if (cursor != latest) std::this_thread::sleep_for(50ms);
  }
  CHECK(cursor == latest);

  // The secret rotated through the API: made by the daemon and shown once, with an overlap
  // (24 h by default); or chosen by the operator, not echoed; bad bodies named.
  const std::string rotate = b.url("/v1/subscriptions/1/rotate-secret");
  CHECK(send("POST", rotate, "wrong", "{}").first == 401);
  auto [r1, made] = send("POST", rotate, "tok", "");
  INFO(json::serialize(made));
  REQUIRE(r1 == 200);
  REQUIRE(made.as_object().contains("secret"));
  CHECK(made.at("secret").as_string().size() == 64);
  REQUIRE(made.at("previous_secret_expires_at").is_string());
  CHECK(made.at("has_secret").as_bool());
  auto [r2, chosen] = send("POST", rotate, "tok", "{\"secret\": \"operator-secret\", \"overlap\": \"0s\"}");
  REQUIRE(r2 == 200);
  CHECK_FALSE(chosen.as_object().contains("secret"));
  CHECK(chosen.at("previous_secret_expires_at").is_null());
  CHECK(send("POST", rotate, "tok", "{\"overlap\": \"8d\"}").first == 400);
  CHECK(send("POST", rotate, "tok", "{\"colour\": 1}").first == 400);
  CHECK(send("POST", rotate, "tok", "not json").first == 400);
  CHECK(send("POST", b.url("/v1/subscriptions/999/rotate-secret"), "tok", "{}").first == 404);
  CHECK(b.terminate() == 0);
  fs::remove_all(dir);
}
