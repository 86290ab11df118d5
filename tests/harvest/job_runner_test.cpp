// The job runner end to end: the press_releases connector harvesting the loopback test site
// (tests/harvest/test_site.hpp), the fetcher, the core extraction and the SQLite ledger.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <sqlite3.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <conventiond/harvest/conventions.hpp>
#include <conventiond/harvest/job_runner.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/store/sqlite_store.hpp>

#include "test_site.hpp"

namespace fs = std::filesystem;
using namespace conventiond;
using namespace std::chrono_literals;

namespace {

struct Item {
  std::string status;
  int http_status = 0;
  int attempts = 0;
  std::string error;
};

fs::path temp_db(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("cvd-harvest-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / (name + ".db");
  fs::remove(p);
  fs::remove(p.string() + "-wal");
  fs::remove(p.string() + "-shm");
  return p;
}

// The ledger of one run, read straight from the SQLite file: key -> item.
std::map<std::string, Item> ledger(const fs::path& db, RunId run, const std::string& origin) {
  std::map<std::string, Item> out;
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw,
                             "SELECT url, status, http_status, attempts, error FROM run_items "
                             "WHERE run_id = ?",
                             -1, &st, nullptr) == SQLITE_OK);
  sqlite3_bind_int64(st, 1, run);
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::string url = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    if (url.rfind(origin, 0) == 0) url = url.substr(origin.size());
    out[url] = Item{reinterpret_cast<const char*>(sqlite3_column_text(st, 1)),
                    sqlite3_column_int(st, 2), sqlite3_column_int(st, 3),
                    reinterpret_cast<const char*>(sqlite3_column_text(st, 4))};
  }
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return out;
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

// What the whole store holds, for comparing two harvests of the same site.
struct Snapshot {
  std::int64_t observations = 0;
  std::vector<std::string> conventions;  // id@revision
  std::map<std::string, std::string> statuses;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(SqliteStore& store, const fs::path& db, RunId run, const std::string& origin) {
  Snapshot s;
  s.observations = *store.observation_count();
  const auto conventions = store.conventions();
  REQUIRE(conventions.ok());
  for (const Convention& c : *conventions) {
    s.conventions.push_back(c.id + "@" + std::to_string(c.revision));
  }
  for (const auto& [url, item] : ledger(db, run, origin)) s.statuses[url] = item.status;
  return s;
}

}  // namespace

TEST_CASE("a first run records every URL of the test site with its outcome", "[harvest]") {
  REQUIRE(registry().find("press_releases") != nullptr);
  test::TestSite site;
  const fs::path db = temp_db("first");
  auto store = SqliteStore::open(db.string());
  REQUIRE(store.ok());

  auto outcome = run_job(site.job(), **store, registry(), merging_options());
  REQUIRE(outcome.ok());
  CHECK_FALSE(outcome->interrupted);
  CHECK(outcome->errors.empty());
  CHECK(outcome->summary.status == RunStatus::done_with_errors);

  const auto items = ledger(db, outcome->summary.id, site.server.origin());
  auto status = [&](const std::string& path) {
    auto it = items.find(path);
    return it == items.end() ? std::string("(absent)") : it->second.status;
  };
  CHECK(status("/rss.xml") == "new");
  CHECK(status("/actualites") == "new");
  CHECK(status("/actualites?page=2") == "new");
  CHECK(status("/actualites?page=3") == "new");
  CHECK(status("/actualites/convention.html") == "new");
  CHECK(status("/documents/convention.pdf") == "new");  // PDF bytes served as text/html
  CHECK(status("/actualites/fete.html") == "skipped_filter");
  CHECK(status("/actualites/liste-1.html") == "skipped_filter");
  CHECK(status("/actualites/liste-3.html") == "skipped_filter");
  CHECK(status("/private/secret.html") == "skipped_robots");
  CHECK(site.server.hits("/private/secret.html") == 0);
  CHECK(status("/actualites/missing.html") == "failed");
  CHECK(items.at("/actualites/missing.html").http_status == 404);
  CHECK(items.at("/actualites/missing.html").attempts == 1);  // a 404 is not retried
  CHECK(status("/actualites/flaky.html") == "skipped_filter");  // 500, then 200
  CHECK(items.at("/actualites/flaky.html").attempts == 2);
  CHECK(status("/actualites/busy.html") == "skipped_filter");  // 429 + Retry-After, then 200
  CHECK(items.at("/actualites/busy.html").attempts == 2);
  CHECK(status("/actualites/slow.html") == "failed");
  CHECK_THAT(items.at("/actualites/slow.html").error, Catch::Contains("time", Catch::CaseSensitive::No));
  CHECK(status("/actualites/huge.html") == "failed");
  CHECK_THAT(items.at("/actualites/huge.html").error, Catch::Contains("limit", Catch::CaseSensitive::No));
  CHECK(status("/actualites/loop.html") == "failed");
  CHECK_THAT(items.at("/actualites/loop.html").error, Catch::Contains("redirect", Catch::CaseSensitive::No));

  // Counts agree with the ledger.
  const RunCounts& c = outcome->summary.counts;
  CHECK(c.total == static_cast<std::int64_t>(items.size()));
  CHECK(c.failed == 4);
  CHECK(c.skipped_robots == 1);

  // The relevant article and the PDF gave observations, merged into conventions.
  CHECK(!(*store)->observations_for_url(site.server.url("/actualites/convention.html"))->empty());
  CHECK(!(*store)->observations_for_url(site.server.url("/documents/convention.pdf"))->empty());
  const auto conventions = *(*store)->conventions();
  REQUIRE(conventions.size() >= 2);  // Haute-Garonne (31) and Bas-Rhin (67)
  CHECK((*(*store)->convention(Convention::make_id(kProgrammePauvrete, "31"))).has_value());
  CHECK((*(*store)->convention(Convention::make_id(kProgrammePauvrete, "67"))).has_value());
}

TEST_CASE("a second run fetches conditionally and creates no new records", "[harvest]") {
  test::TestSite site;
  const fs::path db = temp_db("second");
  auto store = SqliteStore::open(db.string());
  REQUIRE(store.ok());
  auto first = run_job(site.job(), **store, registry(), merging_options());
  REQUIRE(first.ok());
  const Snapshot before = snapshot(**store, db, first->summary.id, site.server.origin());
  const auto seq_before = *(*store)->latest_seq();

  site.feed_version = 2;  // the feed changes, so its articles are visited again
  site.server.reset_counters();
  auto second = run_job(site.job(), **store, registry(), merging_options());
  REQUIRE(second.ok());
  const auto items = ledger(db, second->summary.id, site.server.origin());
  CHECK(items.at("/rss.xml").status == "updated");
  // Conditional requests: the pages with an ETag answered 304.
  const auto conv = site.server.last_request("/actualites/convention.html");
  REQUIRE(conv.has_value());
  CHECK(conv->header("if-none-match") == "\"conv-v1\"");
  CHECK(items.at("/actualites/convention.html").status == "unchanged");
  CHECK(items.at("/actualites/stable.html").status == "unchanged");
  // Pages without validators came back identical: unchanged by their content hash.
  CHECK(items.at("/actualites/fete.html").status == "unchanged");
  // The article answered 304, so it was not parsed again and its PDF link not followed.
  CHECK(items.count("/documents/convention.pdf") == 0);
  CHECK(items.at("/actualites/missing.html").status == "failed");  // still missing
  // No new records: same observations, same convention revisions, no change event.
  CHECK(*(*store)->observation_count() == before.observations);
  std::vector<std::string> revisions;
  const auto after = (*store)->conventions();
  REQUIRE(after.ok());
  for (const Convention& c : *after) revisions.push_back(c.id + "@" + std::to_string(c.revision));
  CHECK(revisions == before.conventions);
  CHECK(*(*store)->latest_seq() == seq_before);
}

TEST_CASE("a second run with an unchanged feed fetches only the feed and the failures again",
          "[harvest]") {
  test::TestSite site;
  const fs::path db = temp_db("unchanged");
  auto store = SqliteStore::open(db.string());
  REQUIRE(store.ok());
  REQUIRE(run_job(site.job(), **store, registry(), merging_options()).ok());
  site.server.reset_counters();
  auto second = run_job(site.job(), **store, registry(), merging_options());
  REQUIRE(second.ok());
  const auto items = ledger(db, second->summary.id, site.server.origin());
  CHECK(items.at("/rss.xml").status == "unchanged");
  CHECK(site.server.hits("/actualites/convention.html") == 0);
  // The failed items of the previous run are tried again.
  CHECK(items.count("/actualites/missing.html") == 1);
  CHECK(site.server.hits("/actualites/missing.html") == 1);
}

TEST_CASE("a run stopped midway resumes to the same final state as an uninterrupted one",
          "[harvest]") {
  test::TestSite site;
  site.article_delay = 50ms;
  // Reference: one uninterrupted run.
  const fs::path ref_db = temp_db("reference");
  auto ref_store = SqliteStore::open(ref_db.string());
  REQUIRE(ref_store.ok());
  auto ref = run_job(site.job(), **ref_store, registry(), merging_options());
  REQUIRE(ref.ok());
  const Snapshot expected = snapshot(**ref_store, ref_db, ref->summary.id, site.server.origin());

  const fs::path db = temp_db("stopped");
  auto store = SqliteStore::open(db.string());
  REQUIRE(store.ok());
  std::atomic<bool> stop{false};
  RunOptions options = merging_options();
  options.stop = &stop;
  options.grace = 5s;
  options.on_progress = [&](const RunProgress& p) {
    if (p.done >= 4) stop = true;
  };
  auto first = run_job(site.job(), **store, registry(), options);
  REQUIRE(first.ok());
  CHECK(first->interrupted);
  CHECK(first->summary.status == RunStatus::running);
  CHECK(static_cast<std::size_t>(first->summary.counts.total) < expected.statuses.size());

  auto second = run_job(site.job(), **store, registry(), merging_options());
  REQUIRE(second.ok());
  CHECK(second->resumed);
  CHECK(second->summary.id == first->summary.id);
  CHECK(snapshot(**store, db, second->summary.id, site.server.origin()) == expected);
}

TEST_CASE("a run killed with SIGKILL resumes without duplicating or losing records",
          "[harvest]") {
  test::TestSite site;
  site.article_delay = 150ms;
  const fs::path ref_db = temp_db("kill-reference");
  auto ref_store = SqliteStore::open(ref_db.string());
  REQUIRE(ref_store.ok());
  auto ref = run_job(site.job(), **ref_store, registry(), merging_options());
  REQUIRE(ref.ok());
  const Snapshot expected = snapshot(**ref_store, ref_db, ref->summary.id, site.server.origin());

  // The same job as a job file, run by the conventiond executable.
  const fs::path db = temp_db("killed");
  const fs::path job_file = db.parent_path() / "site.toml";
  {
    const JobConfig j = site.job();
    std::ofstream out(job_file);
    out << "name = \"site\"\nconnector = \"press_releases\"\nmax_in_flight = 1\n"
        << "[fetch]\nper_host_delay = \"0ms\"\ntimeout = \"1s\"\nmax_body_bytes = 500000\n"
        << "max_redirects = 3\nmax_attempts = 2\nbackoff = \"10ms\"\nmax_retry_after = \"5s\"\n"
        << "[config]\nfeeds = [\"" << site.server.url("/rss.xml") << "\"]\n"
        << "listing_pages = [\"" << site.server.url("/actualites") << "\"]\n"
        << "include_linked_documents = true\n";
  }
  const std::string exe = std::string(CONVENTIOND_BINARY_DIR) + "/conventiond";
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execl(exe.c_str(), exe.c_str(), "run", job_file.c_str(), "--store",
            ("sqlite:" + db.string()).c_str(), "--plugin-dir", CONVENTIOND_PLUGIN_DIR,
            "--no-progress", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Kill it once a few items are committed.
  bool killed = false;
  for (int i = 0; i < 400 && !killed; ++i) {
    std::this_thread::sleep_for(25ms);
    if (!fs::exists(db)) continue;
    sqlite3* raw = nullptr;
    if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      sqlite3_close(raw);
      continue;
    }
    sqlite3_stmt* st = nullptr;
    int done = 0;
    if (sqlite3_prepare_v2(raw, "SELECT count(*) FROM run_items", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      done = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(raw);
    if (done >= 3) {
      ::kill(child, SIGKILL);
      killed = true;
    }
  }
  int wstatus = 0;
  ::waitpid(child, &wstatus, 0);
  REQUIRE(killed);
  REQUIRE(WIFSIGNALED(wstatus));

  auto store = SqliteStore::open(db.string());
  REQUIRE(store.ok());
  auto interrupted = (*store)->interrupted_runs();
  REQUIRE(interrupted.ok());
  REQUIRE(interrupted->size() == 1);
  auto resumed = run_job(site.job(), **store, registry(), merging_options());
  REQUIRE(resumed.ok());
  CHECK(resumed->resumed);
  CHECK(snapshot(**store, db, resumed->summary.id, site.server.origin()) == expected);
}

TEST_CASE("request keys tell POST bodies apart and keep GET URLs as they are", "[harvest]") {
  CHECK(request_key("GET", "https://a.fr/x?y=1", "") == "https://a.fr/x?y=1");
  CHECK(request_key("", "https://a.fr/x", "") == "https://a.fr/x");
  const std::string a = request_key("POST", "https://a.fr/api", R"({"dep":"59"})");
  const std::string b = request_key("post", "https://a.fr/api", R"({"dep":"62"})");
  CHECK(a != b);
  CHECK(a.rfind("POST https://a.fr/api #", 0) == 0);
  CHECK(a == request_key("POST", "https://a.fr/api", R"({"dep":"59"})"));
}

TEST_CASE("an unknown connector or an invalid config is an error before any run starts",
          "[harvest]") {
  const fs::path db = temp_db("bad");
  auto store = SqliteStore::open(db.string());
  REQUIRE(store.ok());
  JobConfig job;
  job.name = "bad";
  job.connector = "no_such_plugin";
  auto r = run_job(job, **store, registry());
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("no_such_plugin"));
  job.connector = "press_releases";
  job.config["feedz"] = boost::json::array{};
  r = run_job(job, **store, registry());
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("feedz"));
  CHECK((*store)->runs("bad", 10)->empty());
}
