// The job runner when what surrounds it fails: a store that is locked or down during a run,
// a robots.txt that cannot be read, a run that crashed the process twice, and pages that change
// while the feed linking them does not (recheck_after). Against real stores: a SQLite file
// locked by another connection, a private PostgreSQL server stopped and started again.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <sqlite3.h>
#include <unistd.h>

#include <conventiond/harvest/conventions.hpp>
#include <conventiond/harvest/job_runner.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/store/postgres_store.hpp>
#include <conventiond/store/sqlite_store.hpp>

#include "../daemon/pg_server.hpp"
#include "test_site.hpp"

namespace fs = std::filesystem;
using namespace conventiond;
using conventiond::test::TestHttpServer;
using conventiond::test::TestRequest;
using conventiond::test::TestResponse;
using namespace std::chrono_literals;

namespace {

fs::path temp_db(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("cvd-faults-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / (name + ".db");
  fs::remove(p);
  fs::remove(p.string() + "-wal");
  fs::remove(p.string() + "-shm");
  return p;
}

const PluginRegistry& registry() {
  static const PluginRegistry r =
      PluginRegistry::load_directory(CONVENTIOND_PLUGIN_DIR, make_host_services());
  return r;
}

RunOptions merging_options() {
  RunOptions o;
  o.finalize = merge_run_conventions_step;
  return o;
}

// url (without the origin) -> status, of one run, read from a SQLite file.
std::map<std::string, std::string> ledger(const fs::path& db, RunId run, const std::string& origin) {
  std::map<std::string, std::string> out;
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "SELECT url, status FROM run_items WHERE run_id = ?", -1, &st,
                             nullptr) == SQLITE_OK);
  sqlite3_bind_int64(st, 1, run);
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::string url = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    if (url.rfind(origin, 0) == 0) url = url.substr(origin.size());
    out[url] = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
  }
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return out;
}

std::vector<std::string> convention_ids(Store& store) {
  std::vector<std::string> out;
  auto all = store.conventions();
  REQUIRE(all.ok());
  for (const Convention& c : *all) out.push_back(c.id);
  return out;
}

// A reference harvest of the test site: one clean run on its own SQLite file.
struct Reference {
  std::map<std::string, std::string> statuses;
  std::vector<std::string> conventions;
  std::int64_t observations = 0;
};

Reference reference_run(test::TestSite& site, const JobConfig& job, const std::string& name) {
  const fs::path db = temp_db(name);
  auto store = SqliteStore::open(db.string());
  REQUIRE(store.ok());
  auto ref = run_job(job, **store, registry(), merging_options());
  REQUIRE(ref.ok());
  Reference r;
  r.statuses = ledger(db, ref->summary.id, site.server.origin());
  r.conventions = convention_ids(**store);
  r.observations = *(*store)->observation_count();
  REQUIRE(r.conventions.size() >= 2);
  site.server.reset_counters();
  return r;
}

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Log lines of a run, collected.
struct LogLines {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(std::string_view)> sink() {
    return [this](std::string_view l) {
      std::lock_guard lock(mu);
      lines.emplace_back(l);
    };
  }
  std::size_t count(std::string_view needle) {
    std::lock_guard lock(mu);
    std::size_t n = 0;
    for (const auto& l : lines) n += l.find(needle) != std::string::npos ? 1u : 0u;
    return n;
  }
};

// The site's job with a total timeout longer than the store retries (which hold the
// runner's thread): a fetch in flight meanwhile does not time out.
JobConfig patient_job(const test::TestSite& site) {
  JobConfig j = site.job();
  j.fetch.total_timeout = 10s;
  return j;
}

// Runs pg_ctl on the private server's cluster (as its owner when root).
int pg_ctl(const test::PgServer& pg, const std::string& args) {
  std::string bindir = test::PgServer::slurp(pg.dir / "bindir");
  while (!bindir.empty() && (bindir.back() == '\n' || bindir.back() == '\r')) bindir.pop_back();
  const std::string cmd = std::string(::getuid() == 0 ? "runuser -u postgres -- " : "") + "'" +
                          bindir + "/pg_ctl' " + args + " -D '" + (pg.dir / "data").string() +
                          "' >>'" + (pg.dir / "server.log").string() + "' 2>&1";
  return std::system(cmd.c_str());
}

std::string pg_port(const std::string& url) {
  // postgresql://user@127.0.0.1:PORT/db
  const auto colon = url.rfind(':');
  const auto slash = url.find('/', colon);
  return url.substr(colon + 1, slash - colon - 1);
}

}  // namespace

TEST_CASE("a SQLite write lock held by another connection during a run loses no item",
          "[harvest][faults]") {
  test::TestSite site;
  site.article_delay = 100ms;
  const JobConfig job = patient_job(site);
  const Reference expected = reference_run(site, job, "lock-reference");

  const fs::path db = temp_db("locked");
  SqliteOptions short_busy;
  short_busy.busy_timeout_ms = 200;  // shorter than the lock: commits fail and are retried
  auto store = SqliteStore::open(db.string(), short_busy);
  REQUIRE(store.ok());

  std::thread locker;
  LogLines logs;
  RunOptions o = merging_options();
  o.log = logs.sink();
  if (const char* a = std::getenv("CVD_TEST_STORE_ATTEMPTS"); a != nullptr && *a != 0) {
    o.store_attempts = std::atoi(a);  // 1: what a runner without retries does
  }
  // Once the feed is committed (its articles are being fetched), another connection takes
  // the write lock for 1.5 s, as the sqlite3 shell or a backup tool would.
  o.on_item = [&](const ItemEvent& e) {
    if (locker.joinable() || !ends_with(std::string(e.key), "/rss.xml")) return;
    std::promise<bool> taken;
    auto got = taken.get_future();
    locker = std::thread([&db, p = std::move(taken)]() mutable {
      sqlite3* c = nullptr;
      sqlite3_open(db.c_str(), &c);
      const bool ok = sqlite3_exec(c, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
      p.set_value(ok);
      std::this_thread::sleep_for(1500ms);
      sqlite3_exec(c, "COMMIT", nullptr, nullptr, nullptr);
      sqlite3_close(c);
    });
    REQUIRE(got.get());
  };
  auto outcome = run_job(job, **store, registry(), o);
  if (locker.joinable()) locker.join();
  REQUIRE(outcome.ok());
  CHECK(logs.count("failed (attempt") > 0);  // the lock was met, and waited out
  CHECK(outcome->summary.error.empty());
  CHECK(ledger(db, outcome->summary.id, site.server.origin()) == expected.statuses);
  CHECK(convention_ids(**store) == expected.conventions);
  CHECK(*(*store)->observation_count() == expected.observations);
}

TEST_CASE("PostgreSQL stopped for 2 s during a run loses no item", "[harvest][faults][postgres]") {
  test::PgServer pg;
  if (pg.url.empty()) {
    WARN("SKIPPED: " << pg.reason);
    return;
  }
  test::TestSite site;
  site.article_delay = 300ms;
  const JobConfig job = patient_job(site);
  const Reference expected = reference_run(site, job, "pg-reference");

  auto store = PostgresStore::open(pg.url);
  REQUIRE(store.ok());
  const std::string port = pg_port(pg.url);
  std::thread outage;
  std::atomic<int> restarted{-1};
  LogLines logs;
  RunOptions o = merging_options();
  o.log = logs.sink();
  if (const char* a = std::getenv("CVD_TEST_STORE_ATTEMPTS"); a != nullptr && *a != 0) {
    o.store_attempts = std::atoi(a);  // 1: what a runner without retries does
  }
  // Once the feed is committed, the server stops (its articles are in flight), and starts
  // again 2 s later.
  o.on_item = [&](const ItemEvent& e) {
    if (outage.joinable() || !ends_with(std::string(e.key), "/rss.xml")) return;
    REQUIRE(pg_ctl(pg, "stop -m fast -w -t 20") == 0);
    outage = std::thread([&] {
      std::this_thread::sleep_for(2s);
      restarted = pg_ctl(pg, "start -w -t 30 -l '" + (pg.dir / "server.log").string() +
                                 "' -o '-p " + port + "'");
    });
  };
  auto first = run_job(job, **store, registry(), o);
  if (outage.joinable()) outage.join();
  REQUIRE(restarted == 0);
  CHECK(logs.count("failed (attempt") > 0);  // the outage was met
  if (first.ok()) {
    INFO("first run: " << to_string(first->summary.status) << ", error: " << first->summary.error);
    // Never "done" with fewer items: done means every item of the site was committed.
    if (first->summary.status == RunStatus::done ||
        first->summary.status == RunStatus::done_with_errors) {
      CHECK(first->summary.counts.total == static_cast<std::int64_t>(expected.statuses.size()));
    }
    if (first->summary.status == RunStatus::done) CHECK(first->summary.error.empty());
  }
  // The next run fetches what the outage left failed or uncommitted: nothing is lost.
  auto second = run_job(job, **store, registry(), merging_options());
  REQUIRE(second.ok());
  CHECK(convention_ids(**store) == expected.conventions);
  CHECK(*(*store)->observation_count() == expected.observations);
}

TEST_CASE("items refused while robots.txt answers 503 are retried within the run",
          "[harvest][faults][robots]") {
  test::TestSite site;
  const Reference expected = reference_run(site, site.job(), "robots-reference");
  // Two 503s, then the site's robots.txt.
  site.server.route_sequence(
      "/robots.txt", {TestResponse{503, {}, "down"}, TestResponse{503, {}, "down"},
                      TestResponse{200, {{"Content-Type", "text/plain"}},
                                   "User-agent: *\nDisallow: /private/\n"}});
  const fs::path db = temp_db("robots-503");
  auto store = SqliteStore::open(db.string());
  REQUIRE(store.ok());
  JobConfig job = site.job();
  job.robots_retry = 5s;
  RunOptions o = merging_options();
  o.robots_retry_first = 100ms;
  auto outcome = run_job(job, **store, registry(), o);
  REQUIRE(outcome.ok());
  CHECK(site.server.hits("/robots.txt") >= 3);
  // The same items as a run that met no outage: only /private/ is skipped by robots.
  CHECK(ledger(db, outcome->summary.id, site.server.origin()) == expected.statuses);
  CHECK(convention_ids(**store) == expected.conventions);
}

TEST_CASE("items refused because robots.txt stays unavailable fail with the reason",
          "[harvest][faults][robots]") {
  test::TestSite site;
  site.server.route("/robots.txt", TestResponse{503, {}, "down"});
  const fs::path db = temp_db("robots-down");
  auto store = SqliteStore::open(db.string());
  REQUIRE(store.ok());
  JobConfig job = site.job();
  job.robots_retry = 600ms;
  RunOptions o = merging_options();
  o.robots_retry_first = 100ms;
  const auto t0 = std::chrono::steady_clock::now();
  auto outcome = run_job(job, **store, registry(), o);
  const auto took = std::chrono::steady_clock::now() - t0;
  REQUIRE(outcome.ok());
  CHECK(took < 10s);  // bounded by robots_retry
  CHECK(site.server.hits("/robots.txt") >= 2);  // asked again within the run
  CHECK(site.server.hits("/rss.xml") == 0);     // RFC 9309: nothing fetched meanwhile
  const auto items = ledger(db, outcome->summary.id, site.server.origin());
  REQUIRE(items.count("/rss.xml") == 1);
  CHECK(items.at("/rss.xml") == "failed");  // not skipped_robots
  CHECK(items.at("/actualites") == "failed");
  CHECK(outcome->summary.status == RunStatus::failed);
  CHECK(outcome->summary.counts.skipped_robots == 0);
  CHECK_THAT(outcome->summary.error,
             Catch::Contains("robots.txt unavailable for " + site.server.origin() +
                             ": HTTP 503 Service Unavailable"));
  auto report = (*store)->run_report(outcome->summary.id);
  REQUIRE(report.ok());
  REQUIRE(report->failed.size() == 2);
  for (const FailedItem& f : report->failed) {
    CHECK(f.error == "robots.txt unavailable: HTTP 503 Service Unavailable");
  }
  auto listed = (*store)->runs("site", 1);
  REQUIRE(listed.ok());
  CHECK(listed->front().error == outcome->summary.error);  // stored with the run

  // Once robots.txt answers, retry-failed harvests the site.
  site.server.route("/robots.txt", TestResponse{200, {}, "User-agent: *\nDisallow: /private/\n"});
  RunOptions retry = merging_options();
  retry.retry_failed_of = outcome->summary.id;
  auto again = run_job(job, **store, registry(), retry);
  REQUIRE(again.ok());
  CHECK(site.server.hits("/rss.xml") == 1);
  CHECK(ledger(db, again->summary.id, site.server.origin()).at("/rss.xml") == "new");
  CHECK(again->summary.error.empty());
}

TEST_CASE("a site that refuses connections fails its items as robots.txt unavailable",
          "[harvest][faults][robots]") {
  std::string origin;
  {
    TestHttpServer closed;  // a port nothing listens on once it is gone
    origin = closed.origin();
  }
  JobConfig job;
  job.name = "refused";
  job.connector = "press_releases";
  job.config["feeds"] = boost::json::array{boost::json::value(origin + "/rss.xml")};
  job.fetch.per_host_min_delay = 0ms;
  job.fetch.connect_timeout = 1000ms;
  job.fetch.total_timeout = 1000ms;
  job.fetch.max_attempts = 1;
  job.robots_retry = 300ms;
  const fs::path db = temp_db("refused");
  auto store = SqliteStore::open(db.string());
  REQUIRE(store.ok());
  RunOptions o;
  o.robots_retry_first = 100ms;
  auto outcome = run_job(job, **store, registry(), o);
  REQUIRE(outcome.ok());
  CHECK(outcome->summary.status == RunStatus::failed);
  CHECK(outcome->summary.counts.failed == 1);
  CHECK(outcome->summary.counts.skipped_robots == 0);
  CHECK_THAT(outcome->summary.error, Catch::StartsWith("robots.txt unavailable for " + origin +
                                                       ": connection failed"));
  auto report = (*store)->run_report(outcome->summary.id);
  REQUIRE(report.ok());
  REQUIRE(report->failed.size() == 1);
  CHECK_THAT(report->failed[0].error, Catch::StartsWith("robots.txt unavailable: connection failed"));
}

TEST_CASE("a run interrupted by a crash twice is not resumed but marked failed",
          "[harvest][faults]") {
  test::TestSite site;
  const fs::path db = temp_db("quarantine");
  auto store = SqliteStore::open(db.string());
  REQUIRE(store.ok());
  Store& s = **store;

  // A clean interruption (shutdown) is not a crash: the run is resumed.
  auto first = s.start_run("site");
  REQUIRE(first.ok());
  REQUIRE(s.resume_run(*first).ok());  // taken back after a first crash
  REQUIRE(s.mark_run_interrupted(*first, "interrupted: shutdown"));
  auto resumed = run_job(site.job(), s, registry(), merging_options());
  REQUIRE(resumed.ok());
  CHECK(resumed->resumed);
  CHECK_FALSE(resumed->quarantined);
  CHECK(resumed->summary.id == *first);
  CHECK(resumed->summary.status == RunStatus::done_with_errors);
  CHECK(resumed->summary.error.empty());

  // Crashed, resumed, crashed again: quarantined, nothing fetched.
  auto second = s.start_run("site");
  REQUIRE(second.ok());
  REQUIRE(s.resume_run(*second).ok());  // the process died while it ran; taken back once
  site.server.reset_counters();
  auto quarantined = run_job(site.job(), s, registry(), merging_options());
  REQUIRE(quarantined.ok());
  CHECK(quarantined->quarantined);
  CHECK_FALSE(quarantined->resumed);
  CHECK(quarantined->summary.id == *second);
  CHECK(quarantined->summary.status == RunStatus::failed);
  CHECK(quarantined->summary.error == "interrupted by a crash twice");
  CHECK(quarantined->summary.crashes == 2);
  CHECK(site.server.total_hits() == 0);
  auto stored = s.run_report(*second);
  REQUIRE(stored.ok());
  CHECK(stored->run.status == RunStatus::failed);
  CHECK(stored->run.error == "interrupted by a crash twice");

  // The next run is a fresh one.
  auto next = run_job(site.job(), s, registry(), merging_options());
  REQUIRE(next.ok());
  CHECK(next->summary.id > *second);
  CHECK(next->summary.status != RunStatus::failed);
}

TEST_CASE("a stopped run records why, and its resumption is not a crash", "[harvest][faults]") {
  test::TestSite site;
  site.article_delay = 50ms;
  const fs::path db = temp_db("stopped-error");
  auto store = SqliteStore::open(db.string());
  REQUIRE(store.ok());
  for (int i = 0; i < 2; ++i) {  // stopped twice: the third call is not quarantined
    std::atomic<bool> stop{true};   // seen within 50 ms: long before the site is harvested
    RunOptions options = merging_options();
    options.stop = &stop;
    options.grace = 5s;
    auto r = run_job(site.job(), **store, registry(), options);
    REQUIRE(r.ok());
    INFO("stop " << i << ": " << to_string(r->summary.status) << " " << r->summary.counts.total);
    CHECK(r->interrupted);
    CHECK_FALSE(r->quarantined);
    CHECK_THAT(r->summary.error, Catch::StartsWith("interrupted: stopped before the end"));
  }
  auto last = run_job(site.job(), **store, registry(), merging_options());
  REQUIRE(last.ok());
  CHECK(last->resumed);
  CHECK_FALSE(last->quarantined);
  CHECK(last->summary.crashes == 0);
  CHECK(last->summary.error.empty());
}

TEST_CASE("a page edited while its feed answers 304 is fetched again after recheck_after",
          "[harvest][recheck]") {
  TestHttpServer server;
  std::atomic<int> version{1};
  const std::string page =
      test::read_source_file("demo/site/communiques/haute-garonne-signature.html");
  server.route("/feed.xml", [&server](const TestRequest& r) {
    if (r.header("if-none-match") == "\"feed-1\"") return TestResponse{304, {{"ETag", "\"feed-1\""}}, ""};
    return TestResponse{200, {{"Content-Type", "application/rss+xml"}, {"ETag", "\"feed-1\""}},
                        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>P</title>"
                        "<item><title>A</title><link>" + server.url("/article.html") +
                            "</link></item></channel></rss>"};
  });
  server.route("/article.html", [&](const TestRequest& r) {
    const std::string etag = "\"a" + std::to_string(version.load()) + "\"";
    if (r.header("if-none-match") == etag) return TestResponse{304, {{"ETag", etag}}, ""};
    std::string body = page;
    if (version.load() > 1) body += "<p>Mise à jour : la convention a été modifiée.</p>";
    return TestResponse{200, {{"Content-Type", "text/html; charset=utf-8"}, {"ETag", etag}}, body};
  });
  JobConfig job;
  job.name = "recheck";
  job.connector = "press_releases";
  job.config["feeds"] = boost::json::array{boost::json::value(server.url("/feed.xml"))};
  job.fetch.per_host_min_delay = 0ms;
  CHECK(job.recheck_after == std::chrono::hours(72));  // the default: 3 days

  const fs::path db = temp_db("recheck");
  auto store = SqliteStore::open(db.string());
  REQUIRE(store.ok());
  auto one = run_job(job, **store, registry(), merging_options());
  REQUIRE(one.ok());
  CHECK(ledger(db, one->summary.id, server.origin()).at("/article.html") == "new");

  version = 2;  // edited; the feed does not change
  auto two = run_job(job, **store, registry(), merging_options());
  REQUIRE(two.ok());
  CHECK(ledger(db, two->summary.id, server.origin()).at("/feed.xml") == "unchanged");
  CHECK(server.hits("/article.html") == 1);  // fetched less than recheck_after ago

  // Three days later (the ledger says so): the article is checked again, conditionally.
  {
    sqlite3* c = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &c) == SQLITE_OK);
    REQUIRE(sqlite3_exec(c, "UPDATE items SET last_seen = '2020-01-01T00:00:00Z' "
                            "WHERE url LIKE '%/article.html'",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(c);
  }
  auto three = run_job(job, **store, registry(), merging_options());
  REQUIRE(three.ok());
  CHECK(server.hits("/article.html") == 2);
  auto last = server.last_request("/article.html");
  REQUIRE(last.has_value());
  CHECK(last->header("if-none-match") == "\"a1\"");
  const auto items = ledger(db, three->summary.id, server.origin());
  CHECK(items.at("/feed.xml") == "unchanged");
  CHECK(items.at("/article.html") == "updated");

  // Checked again now: the next run leaves it alone.
  auto four = run_job(job, **store, registry(), merging_options());
  REQUIRE(four.ok());
  CHECK(server.hits("/article.html") == 2);
}
