#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include <boost/json/serialize.hpp>

#include <conventiond/model/model_json.hpp>

#include <conventiond/store/sqlite_store.hpp>

#include "store_conformance.hpp"

using namespace conventiond;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp dir, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path = fs::temp_directory_path() /
           ("conventiond-store-test-" + std::to_string(stamp) + "-" + std::to_string(++counter));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::unique_ptr<SqliteStore> open_ok(const std::string& path) {
  auto r = SqliteStore::open(path);
  if (!r) FAIL("open " << path << ": " << r.error().code << ": " << r.error().message);
  return std::move(r).value();
}

Observation observation(const std::string& url, const std::string& departement,
                        std::int64_t amount = 100000) {
  Observation o;
  o.facts.departement = departement;
  o.facts.signatories.push_back(Signatory{"Préfet de la région", Role::other});
  FundingLine f;
  f.amount_eur = amount;
  f.year = 2019;
  o.facts.funding.push_back(f);
  o.source.url = url;
  o.source.title = "Convention";
  o.source.media_type = "application/pdf";
  o.source.fetched_at = "2024-01-02T03:04:05Z";
  o.source.content_hash = "sha256:" + url;
  o.source.connector = "convention_documents";
  o.source.rank = SourceRank::convention_text;
  o.warnings.push_back("a warning");
  return o;
}

ItemRecord fetched(const std::string& url, const std::string& hash = "sha256:h1",
                   const std::string& etag = "\"e1\"") {
  ItemRecord it;
  it.url = url;
  it.status = ItemStatus::new_item;
  it.http_status = 200;
  it.content_hash = hash;
  it.etag = etag;
  it.last_modified = "Tue, 02 Jan 2024 03:04:05 GMT";
  it.document = DocumentRecord{url, hash, "application/pdf", "Convention", "2024-01-02T03:04:05Z"};
  return it;
}

ItemRecord failed_item(const std::string& url, const std::string& error, int http = 500) {
  ItemRecord it;
  it.url = url;
  it.status = ItemStatus::failed;
  it.http_status = http;
  it.error = error;
  it.attempts = 3;
  return it;
}

void commit_ok(Store& s, RunId run, const ItemRecord& it,
               const std::vector<Observation>& obs = {}) {
  Status st = s.commit_item(run, it, obs);
  if (!st) FAIL("commit " << it.url << ": " << st.error().message);
}

void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* msg = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
  const std::string error = msg != nullptr ? msg : "";
  sqlite3_free(msg);
  sqlite3_close(db);
  INFO(error);
  REQUIRE(rc == SQLITE_OK);
}

std::int64_t count_rows(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const std::int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

}  // namespace

TEST_CASE("status names round-trip", "[store]") {
  for (auto s :
       {RunStatus::running, RunStatus::done, RunStatus::done_with_errors, RunStatus::failed})
    CHECK(run_status_from_string(to_string(s)) == s);
  for (auto s : {ItemStatus::new_item, ItemStatus::updated, ItemStatus::unchanged,
                 ItemStatus::failed, ItemStatus::skipped_robots, ItemStatus::skipped_filter})
    CHECK(item_status_from_string(to_string(s)) == s);
  CHECK(to_string(ItemStatus::new_item) == "new");
  CHECK_FALSE(run_status_from_string("bogus").has_value());
}

TEST_CASE("fresh file gets every migration, WAL and a schema_migrations row each", "[store]") {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  auto store = open_ok(path);
  CHECK(store->migrations_applied_at_open() == static_cast<int>(sqlite_migrations().size()));
  CHECK(store->schema_version() == static_cast<int>(sqlite_migrations().size()));
  CHECK(store->journal_mode() == "wal");
  CHECK(count_rows(path, "SELECT COUNT(*) FROM schema_migrations") ==
        static_cast<std::int64_t>(sqlite_migrations().size()));
  for (const char* table :
       {"jobs", "runs", "items", "documents", "observations", "job_cursor", "frontier",
        "document_heads", "run_conventions", "conventions", "convention_revisions", "indicators",
        "change_log", "consumer_cursors"}) {
    INFO(table);
    CHECK(count_rows(path, std::string("SELECT COUNT(*) FROM sqlite_master WHERE type='table' "
                                       "AND name='") +
                               table + "'") == 1);
  }
}

TEST_CASE("re-opening an up-to-date file applies nothing and keeps the data", "[store]") {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  RunId run = 0;
  {
    auto store = open_ok(path);
    auto r = store->start_run("job");
    REQUIRE(r);
    run = *r;
    commit_ok(*store, run, fetched("https://a.example/1"),
              {observation("https://a.example/1", "67")});
    REQUIRE(store->finish_run(run));
  }
  auto again = open_ok(path);
  CHECK(again->migrations_applied_at_open() == 0);
  CHECK(count_rows(path, "SELECT COUNT(*) FROM schema_migrations") ==
        static_cast<std::int64_t>(sqlite_migrations().size()));
  auto report = again->run_report(run);
  REQUIRE(report);
  CHECK(report->run.status == RunStatus::done);
  CHECK(report->run.counts.new_items == 1);
  auto obs = again->observations_for_url("https://a.example/1");
  REQUIRE(obs);
  REQUIRE(obs->size() == 1);
  CHECK((*obs)[0] == observation("https://a.example/1", "67"));
  auto prev = again->previous_item("job", "https://a.example/1");
  REQUIRE(prev);
  CHECK(prev->has_value());
}

TEST_CASE("a file from a future schema version is refused with a clear error", "[store]") {
  TempDir dir;
  const std::string path = dir.file("future.db");
  { auto store = open_ok(path); }
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "INSERT INTO schema_migrations(version, applied_at) VALUES (999, 'x')",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto r = SqliteStore::open(path);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "schema");
  CHECK_THAT(r.error().message,
             Catch::Contains(path) && Catch::Contains("999") && Catch::Contains("newer"));
}

TEST_CASE("a path in a directory that does not exist is a clear io error", "[store]") {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/ledger.db");
  auto r = SqliteStore::open(path);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "io");
  CHECK_THAT(r.error().message, Catch::Contains(path) && Catch::Contains("cannot open"));
}

TEST_CASE("a file of random bytes is a clear corrupt error naming the file", "[store]") {
  TempDir dir;
  const std::string path = dir.file("random.db");
  {
    std::ofstream out(path, std::ios::binary);
    std::mt19937 gen(42);
    for (int i = 0; i < 8192; ++i) out.put(static_cast<char>(gen() & 0xff));
  }
  auto r = SqliteStore::open(path);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "corrupt");
  CHECK_THAT(r.error().message, Catch::Contains(path) && Catch::Contains("not a usable SQLite"));
}

TEST_CASE("commit_item is atomic: a failing observation leaves nothing of the item", "[store]") {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  auto store = open_ok(path);
  auto run = store->start_run("job");
  REQUIRE(run);
  ItemRecord a = fetched("https://a.example/1", "sha256:a");
  a.cursor = "after-1";
  commit_ok(*store, *run, a, {observation(a.url, "67")});

  ItemRecord b = fetched("https://a.example/2", "sha256:b");
  b.cursor = "after-2";
  // The second observation has no département: the CHECK constraint fails mid-transaction.
  Status st = store->commit_item(*run, b, {observation(b.url, "13"), observation(b.url, "")});
  REQUIRE_FALSE(st);
  CHECK_THAT(st.error().message, Catch::Contains("https://a.example/2"));

  CHECK(count_rows(path, "SELECT COUNT(*) FROM items WHERE url='https://a.example/2'") == 0);
  CHECK(count_rows(path, "SELECT COUNT(*) FROM run_items WHERE url='https://a.example/2'") == 0);
  CHECK(count_rows(path, "SELECT COUNT(*) FROM documents WHERE url='https://a.example/2'") == 0);
  CHECK(count_rows(path, "SELECT COUNT(*) FROM observations WHERE departement='13'") == 0);
  auto done = store->item_done(*run, b.url);
  REQUIRE(done);
  CHECK_FALSE(*done);
  auto cursor = store->job_cursor("job");
  REQUIRE(cursor);
  REQUIRE(cursor->has_value());
  CHECK((*cursor)->cursor == "after-1");
  CHECK((*cursor)->last_url == a.url);
  // The sibling committed earlier is intact.
  auto obs = store->observations_for_url(a.url);
  REQUIRE(obs);
  CHECK(obs->size() == 1);
  CHECK(count_rows(path, "SELECT COUNT(*) FROM items WHERE url='https://a.example/1'") == 1);
  // And the store still works.
  commit_ok(*store, *run, b, {observation(b.url, "13")});
  auto c2 = store->job_cursor("job");
  REQUIRE(c2);
  CHECK((*c2)->cursor == "after-2");
}

TEST_CASE("observations without a document are refused and nothing is written", "[store]") {
  auto store = open_ok(":memory:");
  auto run = store->start_run("job");
  REQUIRE(run);
  ItemRecord it = fetched("https://a.example/x");
  it.document.reset();
  Status st = store->commit_item(*run, it, {observation(it.url, "01")});
  REQUIRE_FALSE(st);
  CHECK(st.error().code == "invalid");
  auto done = store->item_done(*run, it.url);
  REQUIRE(done);
  CHECK_FALSE(*done);
}

TEST_CASE("a failed item does not affect its siblings", "[store]") {
  auto store = open_ok(":memory:");
  auto run = store->start_run("job");
  REQUIRE(run);
  commit_ok(*store, *run, fetched("https://a.example/1"),
            {observation("https://a.example/1", "67")});
  commit_ok(*store, *run, failed_item("https://a.example/2", "HTTP 500 after 3 attempts"));
  commit_ok(*store, *run, fetched("https://a.example/3", "sha256:3"),
            {observation("https://a.example/3", "68")});
  auto fin = store->finish_run(*run);
  REQUIRE(fin);
  CHECK(fin->status == RunStatus::done_with_errors);
  CHECK(fin->counts == RunCounts{3, 2, 0, 0, 1, 0, 0});
  auto rep = store->run_report(*run);
  REQUIRE(rep);
  REQUIRE(rep->failed.size() == 1);
  CHECK(rep->failed[0].url == "https://a.example/2");
  CHECK(rep->failed[0].http_status == 500);
  CHECK(rep->failed[0].error == "HTTP 500 after 3 attempts");
  CHECK(rep->failed[0].attempts == 3);
  auto n = store->observation_count();
  REQUIRE(n);
  CHECK(*n == 2);
}

TEST_CASE("run status rules: done, done_with_errors, failed, empty", "[store]") {
  auto store = open_ok(":memory:");
  SECTION("all ok (skips and unchanged count as ok) -> done") {
    auto run = store->start_run("j");
    REQUIRE(run);
    commit_ok(*store, *run, fetched("u1"));
    ItemRecord skip;
    skip.url = "u2";
    skip.status = ItemStatus::skipped_robots;
    commit_ok(*store, *run, skip);
    skip.url = "u3";
    skip.status = ItemStatus::skipped_filter;
    commit_ok(*store, *run, skip);
    skip.url = "u4";
    skip.status = ItemStatus::unchanged;
    skip.http_status = 304;
    commit_ok(*store, *run, skip);
    auto fin = store->finish_run(*run);
    REQUIRE(fin);
    CHECK(fin->status == RunStatus::done);
    CHECK(fin->counts == RunCounts{4, 1, 0, 1, 0, 1, 1});
    CHECK_FALSE(fin->finished_at.empty());
  }
  SECTION("some failed -> done_with_errors") {
    auto run = store->start_run("j");
    REQUIRE(run);
    commit_ok(*store, *run, fetched("u1"));
    commit_ok(*store, *run, failed_item("u2", "timeout", 0));
    auto fin = store->finish_run(*run);
    REQUIRE(fin);
    CHECK(fin->status == RunStatus::done_with_errors);
  }
  SECTION("all failed -> failed") {
    auto run = store->start_run("j");
    REQUIRE(run);
    commit_ok(*store, *run, failed_item("u1", "404", 404));
    commit_ok(*store, *run, failed_item("u2", "500"));
    auto fin = store->finish_run(*run);
    REQUIRE(fin);
    CHECK(fin->status == RunStatus::failed);
    CHECK(fin->counts.failed == 2);
  }
  SECTION("no item -> failed") {
    auto run = store->start_run("j");
    REQUIRE(run);
    auto fin = store->finish_run(*run);
    REQUIRE(fin);
    CHECK(fin->status == RunStatus::failed);
    CHECK(fin->counts.total == 0);
  }
}

TEST_CASE("a finished run accepts no more items and cannot be finished twice", "[store]") {
  auto store = open_ok(":memory:");
  auto run = store->start_run("j");
  REQUIRE(run);
  commit_ok(*store, *run, fetched("u1"));
  REQUIRE(store->finish_run(*run));
  Status st = store->commit_item(*run, fetched("u2"), std::vector<Observation>{});
  REQUIRE_FALSE(st);
  CHECK(st.error().code == "invalid");
  auto again = store->finish_run(*run);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "invalid");
  auto missing = store->run_report(12345);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == "not_found");
  CHECK_FALSE(store->commit_item(12345, fetched("u3"), std::vector<Observation>{}));
}

TEST_CASE("previous_item returns the validators of the last run", "[store]") {
  auto store = open_ok(":memory:");
  const std::string url = "https://pref.example/page";
  auto none = store->previous_item("job", url);
  REQUIRE(none);
  CHECK_FALSE(none->has_value());

  auto r1 = store->start_run("job");
  REQUIRE(r1);
  commit_ok(*store, *r1, fetched(url, "sha256:v1", "\"etag-1\""));
  REQUIRE(store->finish_run(*r1));
  auto r2 = store->start_run("job");
  REQUIRE(r2);
  auto p1 = store->previous_item("job", url);
  REQUIRE(p1);
  REQUIRE(p1->has_value());
  CHECK(**p1 == ItemState{"\"etag-1\"", "Tue, 02 Jan 2024 03:04:05 GMT", "sha256:v1"});
  ItemRecord upd = fetched(url, "sha256:v2", "\"etag-2\"");
  upd.status = ItemStatus::updated;
  commit_ok(*store, *r2, upd);
  REQUIRE(store->finish_run(*r2));

  // A failed fetch keeps the last validators.
  auto r3 = store->start_run("job");
  REQUIRE(r3);
  commit_ok(*store, *r3, failed_item(url, "connection refused", 0));
  REQUIRE(store->finish_run(*r3));
  auto p2 = store->previous_item("job", url);
  REQUIRE(p2);
  REQUIRE(p2->has_value());
  CHECK((*p2)->etag == "\"etag-2\"");
  CHECK((*p2)->content_hash == "sha256:v2");
  // Another job does not see this job's validators.
  auto other = store->previous_item("other-job", url);
  REQUIRE(other);
  CHECK_FALSE(other->has_value());
}

TEST_CASE("re-harvesting an identical document adds no document and no observation", "[store]") {
  auto store = open_ok(":memory:");
  const std::string url = "https://pref.example/doc.pdf";
  for (int i = 0; i < 3; ++i) {
    auto run = store->start_run("job");
    REQUIRE(run);
    commit_ok(*store, *run, fetched(url), {observation(url, "974")});
    REQUIRE(store->finish_run(*run));
  }
  auto n = store->observation_count();
  REQUIRE(n);
  CHECK(*n == 1);
}

TEST_CASE("an interrupted run is resumed without duplicate items or observations", "[store]") {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  const std::vector<std::string> urls = {"https://a.example/1", "https://a.example/2",
                                         "https://a.example/3", "https://a.example/4"};
  RunId run = 0;
  {
    // First process: commits two items, then "crashes" (the store is closed, run left running).
    auto store = open_ok(path);
    auto r = store->start_run("job");
    REQUIRE(r);
    run = *r;
    commit_ok(*store, run, fetched(urls[0], "sha256:0"), {observation(urls[0], "01")});
    commit_ok(*store, run, fetched(urls[1], "sha256:1"), {observation(urls[1], "02")});
  }
  auto store = open_ok(path);
  auto interrupted = store->interrupted_runs();
  REQUIRE(interrupted);
  REQUIRE(interrupted->size() == 1);
  CHECK((*interrupted)[0].id == run);
  CHECK((*interrupted)[0].job == "job");
  CHECK((*interrupted)[0].counts.total == 2);
  // A new run of the job is refused while that one is pending.
  auto overlap = store->start_run("job");
  REQUIRE_FALSE(overlap);
  CHECK(overlap.error().code == "conflict");

  auto resumed = store->resume_run(run);
  REQUIRE(resumed);
  CHECK(resumed->resumed == 1);
  // The restarted job walks every URL again, skipping those done; it also re-commits the
  // second one (the crash could have happened before it learned the commit succeeded).
  int skipped = 0;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    auto done = store->item_done(run, urls[i]);
    REQUIRE(done);
    if (*done && i != 1) {
      ++skipped;
      continue;
    }
    commit_ok(*store, run, fetched(urls[i], "sha256:" + std::to_string(i)),
              {observation(urls[i], "0" + std::to_string(i + 1))});
  }
  CHECK(skipped == 1);
  auto fin = store->finish_run(run);
  REQUIRE(fin);
  CHECK(fin->status == RunStatus::done);
  CHECK(fin->counts.total == 4);
  CHECK(fin->counts.new_items == 4);
  auto n = store->observation_count();
  REQUIRE(n);
  CHECK(*n == 4);
  CHECK(count_rows(path, "SELECT COUNT(*) FROM items") == 4);
  CHECK(count_rows(path, "SELECT COUNT(*) FROM documents") == 4);
  auto none = store->interrupted_runs();
  REQUIRE(none);
  CHECK(none->empty());
  auto again = store->resume_run(run);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "invalid");
}

TEST_CASE("the job cursor advances with each commit and survives a reopen", "[store]") {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  {
    auto store = open_ok(path);
    auto none = store->job_cursor("job");
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
    auto run = store->start_run("job");
    REQUIRE(run);
    ItemRecord a = fetched("u1");
    a.cursor = "page=2";
    commit_ok(*store, *run, a);
    ItemRecord b = fetched("u2", "sha256:2");  // no cursor: keeps page=2
    commit_ok(*store, *run, b);
  }
  auto store = open_ok(path);
  auto c = store->job_cursor("job");
  REQUIRE(c);
  REQUIRE(c->has_value());
  CHECK((*c)->cursor == "page=2");
  CHECK((*c)->last_url == "u2");
  CHECK_FALSE((*c)->updated_at.empty());
}

TEST_CASE("store values are bound, never spliced into SQL", "[store]") {
  auto store = open_ok(":memory:");
  const std::string nasty = "job'); DROP TABLE runs; --";
  auto run = store->start_run(nasty);
  REQUIRE(run);
  ItemRecord it = failed_item("https://x.example/?q=' OR 1=1 --", "it's \"broken\"", 0);
  commit_ok(*store, *run, it);
  auto rep = store->run_report(*run);
  REQUIRE(rep);
  CHECK(rep->run.job == nasty);
  REQUIRE(rep->failed.size() == 1);
  CHECK(rep->failed[0].url == it.url);
  CHECK(rep->failed[0].error == it.error);
  CHECK_FALSE(store->start_run(""));
}

TEST_CASE("two connections on one file commit concurrently (WAL, busy timeout)", "[store]") {
  TempDir dir;
  const std::string path = dir.file("shared.db");
  auto first = open_ok(path);
  auto second = open_ok(path);
  constexpr int kItems = 40;
  auto work = [](SqliteStore* store, std::string job, std::atomic<int>* failures) {
    auto run = store->start_run(job);
    if (!run) {
      ++*failures;
      return;
    }
    for (int i = 0; i < kItems; ++i) {
      const std::string url = "https://" + job + ".example/" + std::to_string(i);
      if (!store->commit_item(*run, fetched(url, "sha256:" + std::to_string(i)),
                              {observation(url, "75")}))
        ++*failures;
    }
    if (!store->finish_run(*run)) ++*failures;
  };
  std::atomic<int> failures{0};
  std::thread t1(work, first.get(), "alpha", &failures);
  std::thread t2(work, second.get(), "beta", &failures);
  t1.join();
  t2.join();
  CHECK(failures.load() == 0);
  auto n = first->observation_count();
  REQUIRE(n);
  CHECK(*n == 2 * kItems);
}

TEST_CASE("sqlite store conformance", "[store]") {
  store_conformance([]() -> std::unique_ptr<Store> {
    auto r = SqliteStore::open(":memory:");
    if (!r) FAIL("open :memory:: " << r.error().message);
    return std::move(r).value();
  });
}

TEST_CASE("a version 1 file is migrated to version 2 with its data usable", "[store]") {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  // A file as the first release wrote it: migration 1 only, one finished run.
  exec_sql(path, std::string(sqlite_migrations()[0]) +
                     "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at "
                     "TEXT NOT NULL);"
                     "INSERT INTO schema_migrations VALUES (1, '2024-01-01T00:00:00Z');"
                     "INSERT INTO jobs VALUES (1, 'job', '2024-01-01T00:00:00Z');"
                     "INSERT INTO runs(id, job_id, status, started_at, finished_at, total, "
                     "new_count, failed_count) VALUES (1, 1, 'done_with_errors', "
                     "'2024-01-01T00:00:00Z', '2024-01-01T00:01:00Z', 2, 1, 1);"
                     "INSERT INTO documents VALUES (1, 'https://a.example/1', 'sha256:old', "
                     "'application/pdf', 'Old', '2024-01-01T00:00:00Z');"
                     "INSERT INTO documents VALUES (2, 'https://a.example/1', 'sha256:new', "
                     "'application/pdf', 'New', '2024-01-01T00:00:30Z');"
                     "INSERT INTO run_items(run_id, url, status, committed_at) VALUES "
                     "(1, 'https://a.example/1', 'new', '2024-01-01T00:00:30Z'),"
                     "(1, 'https://a.example/2', 'failed', '2024-01-01T00:00:40Z');");
  Observation old_obs = observation("https://a.example/1", "67", 1);
  Observation new_obs = observation("https://a.example/1", "67", 2);
  auto insert_obs = [&](int document, const Observation& o) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db,
                               "INSERT INTO observations(document_id, departement, programme, "
                               "facts, source, observation) VALUES (?1, ?2, ?3, '{}', '{}', ?4)",
                               -1, &st, nullptr) == SQLITE_OK);
    const std::string json = boost::json::serialize(to_json(o));
    sqlite3_bind_int(st, 1, document);
    sqlite3_bind_text(st, 2, o.facts.departement.c_str(), -1, nullptr);
    sqlite3_bind_text(st, 3, o.programme.c_str(), -1, nullptr);
    sqlite3_bind_text(st, 4, json.c_str(), -1, nullptr);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
  };
  insert_obs(1, old_obs);
  insert_obs(2, new_obs);

  auto store = open_ok(path);
  // From version 1 to the latest (2, then 3 and later ones).
  CHECK(store->migrations_applied_at_open() == static_cast<int>(sqlite_migrations().size()) - 1);
  CHECK(store->schema_version() == static_cast<int>(sqlite_migrations().size()));
  // The latest document of each URL is its head; the run touched its conventions.
  auto obs = store->observations_for_convention(std::string(kProgrammePauvrete), "67");
  REQUIRE(obs);
  CHECK(*obs == std::vector<Observation>{new_obs});
  auto touched = store->touched_by_run(1);
  REQUIRE(touched);
  CHECK(*touched == std::vector<std::pair<std::string, std::string>>{
                        {std::string(kProgrammePauvrete), "67"}});
  // Items committed before the frontier existed have no request.
  auto failed = store->failed_requests(1);
  REQUIRE(failed);
  REQUIRE(failed->size() == 1);
  CHECK((*failed)[0].key == "https://a.example/2");
  CHECK((*failed)[0].request_json.empty());
  auto runs = store->runs("job", 5);
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  CHECK(runs->front().counts.total == 2);
  // And it goes on: the new tables work.
  auto saved = store->save_convention([] {
    Convention c;
    c.id = "pauvrete-2019:67";
    c.facts.departement = "67";
    return c;
  }());
  REQUIRE(saved);
  CHECK(saved->seq == 1);
}

TEST_CASE("a database failure mid-commit rolls back every part of the item", "[store]") {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  auto store = open_ok(path);
  auto run = store->start_run("job");
  REQUIRE(run);
  REQUIRE(store->enqueue(*run, {PendingRequest{"https://a.example/1", "{\"m\":\"GET\"}", 0}}));
  // Writing to the change log now fails inside the store's transaction (after the ledger
  // rows, the observations and the indicator row were written).
  exec_sql(path,
           "CREATE TRIGGER no_changes BEFORE INSERT ON change_log "
           "BEGIN SELECT RAISE(ABORT, 'change log is read-only'); END;");
  ItemRecord it = fetched("https://a.example/1", "sha256:a");
  it.cursor = "page=2";
  ItemOutput out;
  out.observations = {observation(it.url, "67")};
  Indicator ind;
  ind.departement = "67";
  ind.name = "caf.foyers_rsa";
  ind.period = "2024-12";
  ind.value = 12;
  out.indicators = {ind};
  out.enqueue = {PendingRequest{"https://a.example/2", "{}", 0}};
  Status st = store->commit_item(*run, it, out);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == "store");
  CHECK_THAT(st.error().message, Catch::Contains(it.url) && Catch::Contains("read-only"));
  for (const char* sql : {"SELECT COUNT(*) FROM items", "SELECT COUNT(*) FROM run_items",
                          "SELECT COUNT(*) FROM documents", "SELECT COUNT(*) FROM observations",
                          "SELECT COUNT(*) FROM document_heads", "SELECT COUNT(*) FROM indicators",
                          "SELECT COUNT(*) FROM run_conventions", "SELECT COUNT(*) FROM job_cursor",
                          "SELECT COUNT(*) FROM change_log"}) {
    INFO(sql);
    CHECK(count_rows(path, sql) == 0);
  }
  CHECK(count_rows(path, "SELECT COUNT(*) FROM frontier") == 1);

  // save_convention is one transaction too.
  Convention c;
  c.id = "pauvrete-2019:67";
  c.facts.departement = "67";
  auto saved = store->save_convention(c);
  REQUIRE_FALSE(saved);
  CHECK(count_rows(path, "SELECT COUNT(*) FROM conventions") == 0);
  CHECK(count_rows(path, "SELECT COUNT(*) FROM convention_revisions") == 0);

  exec_sql(path, "DROP TRIGGER no_changes");
  REQUIRE(store->commit_item(*run, it, out));
  CHECK(count_rows(path, "SELECT COUNT(*) FROM change_log") == 1);
  CHECK(count_rows(path, "SELECT request_json = '{\"m\":\"GET\"}' FROM run_items") == 1);
  auto pending = store->pending(*run, 0, 10);
  REQUIRE(pending);
  REQUIRE(pending->size() == 1);
  CHECK(pending->front().key == "https://a.example/2");
}

TEST_CASE("two connections write the change log concurrently without gaps or duplicates",
          "[store]") {
  TempDir dir;
  const std::string path = dir.file("shared.db");
  auto first = open_ok(path);
  auto second = open_ok(path);
  constexpr int kEach = 30;
  std::atomic<int> failures{0};
  auto work = [&failures](SqliteStore* store, int offset) {
    for (int i = 0; i < kEach; ++i) {
      Indicator ind;
      ind.departement = "75";
      ind.name = "caf.foyers_rsa";
      ind.period = "2024-" + std::to_string(offset + i);
      ind.value = i;
      auto r = store->save_indicator(ind);
      if (!r || !*r) ++failures;
    }
  };
  std::thread t1(work, first.get(), 0);
  std::thread t2(work, second.get(), 100);
  t1.join();
  t2.join();
  CHECK(failures.load() == 0);
  auto events = first->changes_since(0, 1000);
  REQUIRE(events);
  REQUIRE(events->size() == 2 * kEach);
  for (std::size_t i = 0; i < events->size(); ++i)
    CHECK((*events)[i].seq == static_cast<std::int64_t>(i + 1));
}

TEST_CASE("one store object is safe to share between threads", "[store]") {
  auto store = open_ok(":memory:");
  auto run = store->start_run("job");
  REQUIRE(run);
  std::atomic<int> failures{0};
  auto work = [&](int t) {
    for (int i = 0; i < 25; ++i) {
      const std::string url = "https://t" + std::to_string(t) + ".example/" + std::to_string(i);
      ItemOutput out;
      out.observations = {observation(url, "75")};
      out.enqueue = {PendingRequest{url + "/next", "{}", 0}};
      if (!store->commit_item(*run, fetched(url, "sha256:" + url), out)) ++failures;
      if (!store->pending(*run, 0, 5)) ++failures;
      if (!store->set_consumer_cursor("c" + std::to_string(t), i)) ++failures;
    }
  };
  std::thread a(work, 1);
  std::thread b(work, 2);
  a.join();
  b.join();
  CHECK(failures.load() == 0);
  auto pend = store->pending(*run, 0, 1000);
  REQUIRE(pend);
  CHECK(pend->size() == 50);
  auto n = store->observation_count();
  REQUIRE(n);
  CHECK(*n == 50);
}

TEST_CASE("prune_changes refuses what is not an RFC 3339 time", "[store]") {
  auto store = open_ok(":memory:");
  for (const char* bad : {"", "2024", "yesterday", "2024-13-45T99:99:99Z", "2024-01-01",
                          "2024-01-01T00:00:00Zjunk'; DROP TABLE change_log; --",
                          "\xff\xfe" "2024-01-01T00:00:00Z", "9999999-01-01T00:00:00Z"}) {
    INFO(bad);
    auto r = store->prune_changes(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid");
  }
  const std::string huge(1 << 20, '9');
  auto r = store->prune_changes(huge);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "invalid");
  CHECK(r.error().message.size() < 200);
  for (const char* good : {"2024-01-01T00:00:00Z", "2024-01-01T00:00:00.123Z",
                           "2024-01-01T02:00:00+02:00", "2024-01-01t00:00:00z"}) {
    INFO(good);
    auto ok = store->prune_changes(good);
    REQUIRE(ok);
    CHECK(*ok == 0);
  }
}

TEST_CASE("two connections on one file: one run per job, one holder per lease", "[store]") {
  TempDir dir;
  const std::string path = dir.file("daemons.db");
  auto a = open_ok(path);
  auto b = open_ok(path);
  for (int round = 0; round < 20; ++round) {
    const std::string job = "job-" + std::to_string(round);
    const std::string lease = "run:" + std::to_string(round);
    std::atomic<int> ready{0};
    auto race = [&](SqliteStore* s, const char* owner) {
      ++ready;
      while (ready.load() < 2) std::this_thread::yield();
      auto run = s->start_run(job);
      auto held = s->try_lease(lease, owner, std::chrono::milliseconds(60000));
      return std::pair{run.ok() ? 1 : (run.error().code == "conflict" ? 0 : -100),
                       held && *held ? 1 : (held ? 0 : -100)};
    };
    std::pair<int, int> x{}, y{};
    std::thread ta([&] { x = race(a.get(), "daemon-a"); });
    std::thread tb([&] { y = race(b.get(), "daemon-b"); });
    ta.join();
    tb.join();
    INFO(job);
    CHECK(x.first + y.first == 1);    // one run, one conflict
    CHECK(x.second + y.second == 1);  // one holder
  }
}

TEST_CASE("sqlite: a merge reads, merges and saves in one transaction (no stale merge)",
          "[store][sqlite][merge]") {
  TempDir dir;
  const std::string path = dir.file("merge.db");
  auto a = open_ok(path);  // two connections, as two workers or two daemons
  auto b = open_ok(path);
  auto run = a->start_run("job");
  REQUIRE(run.ok());
  commit_ok(*a, *run, fetched("https://a.example/1", "sha256:1"), {observation("https://a.example/1", "67")});
  // The record lists one signatory per observation the merge saw.
  auto merge_fn = [](std::chrono::milliseconds pause) {
    return [pause](const std::vector<Observation>& obs) -> Result<std::optional<Convention>> {
      std::this_thread::sleep_for(pause);
      Convention c;
      c.facts.departement = "67";
      for (const Observation& o : obs) c.facts.signatories.push_back(Signatory{o.source.url, Role::other});
      return std::optional<Convention>(c);
    };
  };
  // Worker A merges slowly; meanwhile worker B adds an observation and merges. Without one
  // transaction A would save its merge of the old observations last.
  std::thread slow([&] {
    auto saved = a->merge_convention(kProgrammePauvrete, "67", merge_fn(std::chrono::milliseconds(300)));
    CHECK(saved.ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto run_b = b->start_run("job-b");  // waits for A's transaction
  REQUIRE(run_b.ok());
  commit_ok(*b, *run_b, fetched("https://a.example/2", "sha256:2"), {observation("https://a.example/2", "67")});
  auto saved_b = b->merge_convention(kProgrammePauvrete, "67", merge_fn(std::chrono::milliseconds(0)));
  slow.join();
  REQUIRE(saved_b.ok());
  REQUIRE(saved_b->has_value());
  auto stored = a->convention(Convention::make_id(kProgrammePauvrete, "67"));
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK((*stored)->facts.signatories.size() == 2);
  CHECK((*stored)->revision == 2);
  // Nothing to merge, or a merge that saves nothing: no record.
  auto none = a->merge_convention(kProgrammePauvrete, "68", merge_fn(std::chrono::milliseconds(0)));
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  // A failing merge leaves no transaction open behind it.
  auto failing = a->merge_convention(kProgrammePauvrete, "67", [](const std::vector<Observation>&) -> Result<std::optional<Convention>> {
    return Error::make("invalid", "no");
  });
  CHECK_FALSE(failing.ok());
  CHECK(a->start_run("job-c").ok());
}
