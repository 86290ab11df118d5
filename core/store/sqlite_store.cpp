#include <conventiond/store/sqlite_store.hpp>

#include <array>
#include <cstdint>
#include <utility>

#include <sqlite3.h>

#include <boost/json/serialize.hpp>

#include <conventiond/model/model_json.hpp>

namespace conventiond {

namespace {

constexpr std::array kRunStatusNames = {std::string_view("running"), std::string_view("done"),
                                        std::string_view("done_with_errors"),
                                        std::string_view("failed")};
constexpr std::array kItemStatusNames = {std::string_view("new"),
                                         std::string_view("updated"),
                                         std::string_view("unchanged"),
                                         std::string_view("failed"),
                                         std::string_view("skipped_robots"),
                                         std::string_view("skipped_filter")};

// SQL timestamp expression (RFC 3339 UTC); constant text, never a value.
#define CONVENTIOND_NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

const std::vector<std::string_view> kMigrations = {
    // 1: the item ledger.
    R"sql(
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
  created_at TEXT NOT NULL
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  status TEXT NOT NULL CHECK (status IN ('running','done','done_with_errors','failed')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  resumed INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  new_count INTEGER NOT NULL DEFAULT 0,
  updated_count INTEGER NOT NULL DEFAULT 0,
  unchanged_count INTEGER NOT NULL DEFAULT 0,
  failed_count INTEGER NOT NULL DEFAULT 0,
  skipped_robots_count INTEGER NOT NULL DEFAULT 0,
  skipped_filter_count INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX runs_one_running_per_job ON runs(job_id) WHERE status = 'running';
CREATE INDEX runs_by_status ON runs(status);
CREATE TABLE documents (
  id INTEGER PRIMARY KEY,
  url TEXT NOT NULL CHECK (length(url) > 0),
  content_hash TEXT NOT NULL,
  media_type TEXT NOT NULL,
  title TEXT NOT NULL,
  fetched_at TEXT NOT NULL,
  UNIQUE (url, content_hash)
);
CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  run_id INTEGER NOT NULL REFERENCES runs(id),
  url TEXT NOT NULL CHECK (length(url) > 0),
  status TEXT NOT NULL CHECK (status IN
    ('new','updated','unchanged','failed','skipped_robots','skipped_filter')),
  http_status INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  content_hash TEXT NOT NULL DEFAULT '',
  etag TEXT NOT NULL DEFAULT '',
  last_modified TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  document_id INTEGER REFERENCES documents(id),
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  UNIQUE (job_id, url)
);
CREATE TABLE run_items (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  url TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('new','updated','unchanged','failed','skipped_robots','skipped_filter')),
  http_status INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  committed_at TEXT NOT NULL,
  PRIMARY KEY (run_id, url)
) WITHOUT ROWID;
CREATE TABLE observations (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  departement TEXT NOT NULL CHECK (length(departement) > 0),
  programme TEXT NOT NULL,
  facts TEXT NOT NULL CHECK (json_valid(facts)),
  source TEXT NOT NULL CHECK (json_valid(source)),
  observation TEXT NOT NULL CHECK (json_valid(observation))
);
CREATE INDEX observations_by_document ON observations(document_id);
CREATE INDEX observations_by_departement ON observations(departement);
CREATE TABLE job_cursor (
  job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
  cursor TEXT NOT NULL DEFAULT '',
  last_url TEXT NOT NULL DEFAULT '',
  last_run_id INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);
)sql",
};

// sqlite3's SQLITE_TRANSIENT, without the old-style cast of its macro.
sqlite3_destructor_type transient() noexcept {
  return reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));
}

Error store_error(sqlite3* db, std::string_view what) {
  return Error::make("store",
                     std::string("store: ") + std::string(what) + ": " + sqlite3_errmsg(db));
}

struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};

// A prepared statement; bind errors are kept and reported by step().
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}

  static Result<Stmt> prepare(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
    if (rc != SQLITE_OK || s == nullptr) {
      if (s != nullptr) sqlite3_finalize(s);
      return store_error(db, "prepare");
    }
    return Stmt(db, s);
  }

  Stmt& text(int i, std::string_view v) {
    note(sqlite3_bind_text64(s_.get(), i, v.data(), static_cast<sqlite3_uint64>(v.size()),
                             transient(), SQLITE_UTF8));
    return *this;
  }
  Stmt& integer(int i, std::int64_t v) {
    note(sqlite3_bind_int64(s_.get(), i, static_cast<sqlite3_int64>(v)));
    return *this;
  }
  Stmt& null(int i) {
    note(sqlite3_bind_null(s_.get(), i));
    return *this;
  }

  // true: a row is available; false: done.
  Result<bool> step() {
    if (bind_rc_ != SQLITE_OK)
      return Error::make("store", std::string("store: bind: ") + sqlite3_errstr(bind_rc_));
    const int rc = sqlite3_step(s_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return store_error(db_, "step");
  }
  Status run() {
    auto r = step();
    if (!r) return r.error();
    return Status::success();
  }

  std::int64_t col_int(int i) { return sqlite3_column_int64(s_.get(), i); }
  std::string col_text(int i) {
    const unsigned char* p = sqlite3_column_text(s_.get(), i);
    if (p == nullptr) return {};
    const int n = sqlite3_column_bytes(s_.get(), i);
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
  }

 private:
  void note(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, StmtFinalizer> s_;
  int bind_rc_ = SQLITE_OK;
};

Status exec(sqlite3* db, const char* sql, std::string_view what) {
  char* msg = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    std::string m = msg != nullptr ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    return Error::make("store", std::string("store: ") + std::string(what) + ": " + m);
  }
  return Status::success();
}

// BEGIN IMMEDIATE ... COMMIT; rolled back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (active_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Status begin() {
    Status s = exec(db_, "BEGIN IMMEDIATE", "begin transaction");
    if (s) active_ = true;
    return s;
  }
  Status commit() {
    Status s = exec(db_, "COMMIT", "commit");
    if (s) active_ = false;
    return s;
  }

 private:
  sqlite3* db_;
  bool active_ = false;
};

#define CONVENTIOND_TRY(expr)                     \
  do {                                            \
    Status try_status_ = (expr);                  \
    if (!try_status_) return try_status_.error(); \
  } while (false)

Result<std::int64_t> job_id_of(sqlite3* db, std::string_view job, bool create) {
  if (create) {
    auto ins = Stmt::prepare(db, "INSERT INTO jobs(name, created_at) VALUES (?1, " CONVENTIOND_NOW
                                 ") ON CONFLICT(name) DO NOTHING");
    if (!ins) return ins.error();
    CONVENTIOND_TRY(ins->text(1, job).run());
  }
  auto q = Stmt::prepare(db, "SELECT id FROM jobs WHERE name = ?1");
  if (!q) return q.error();
  q->text(1, job);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return std::int64_t{0};
  return q->col_int(0);
}

bool is_ok_fetch(ItemStatus s) { return s == ItemStatus::new_item || s == ItemStatus::updated; }

}  // namespace

std::string_view to_string(RunStatus s) noexcept {
  return kRunStatusNames[static_cast<std::size_t>(s)];
}
std::optional<RunStatus> run_status_from_string(std::string_view s) noexcept {
  for (std::size_t i = 0; i < kRunStatusNames.size(); ++i)
    if (kRunStatusNames[i] == s) return static_cast<RunStatus>(i);
  return std::nullopt;
}
std::string_view to_string(ItemStatus s) noexcept {
  return kItemStatusNames[static_cast<std::size_t>(s)];
}
std::optional<ItemStatus> item_status_from_string(std::string_view s) noexcept {
  for (std::size_t i = 0; i < kItemStatusNames.size(); ++i)
    if (kItemStatusNames[i] == s) return static_cast<ItemStatus>(i);
  return std::nullopt;
}

const std::vector<std::string_view>& sqlite_migrations() { return kMigrations; }

void SqliteStore::DbCloser::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }

SqliteStore::SqliteStore(std::string path, std::unique_ptr<sqlite3, DbCloser> db)
    : path_(std::move(path)), db_(std::move(db)) {}

SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       const SqliteOptions& options) {
  const std::string where = "store '" + path + "'";
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, DbCloser> db(raw);
  if (rc != SQLITE_OK) {
    const std::string msg = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    return Error::make("io", where + ": cannot open: " + msg);
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);

  // The first read of the file: a file that is not a database fails here.
  {
    char* msg = nullptr;
    const int prc = sqlite3_exec(raw, "PRAGMA journal_mode=WAL", nullptr, nullptr, &msg);
    if (prc != SQLITE_OK) {
      std::string m = msg != nullptr ? msg : sqlite3_errstr(prc);
      sqlite3_free(msg);
      const int primary = prc & 0xff;
      if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
        return Error::make("corrupt", where + ": not a usable SQLite database: " + m);
      return Error::make("io", where + ": cannot open: " + m);
    }
  }
  {
    Status s = exec(raw, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL", "pragmas");
    if (!s) return Error::make(s.error().code, where + ": " + s.error().message);
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(path, std::move(db)));
  if (Status s = store->migrate(); !s) {
    return Error::make(s.error().code, where + ": " + s.error().message);
  }
  return store;
}

Status SqliteStore::migrate() {
  sqlite3* db = db_.get();
  CONVENTIOND_TRY(exec(db,
                       "CREATE TABLE IF NOT EXISTS schema_migrations ("
                       " version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
                       "create schema_migrations"));
  auto q = Stmt::prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!q) return q.error();
  auto row = q->step();
  if (!row) return row.error();
  const std::int64_t current = q->col_int(0);
  const auto latest = static_cast<std::int64_t>(kMigrations.size());
  if (current > latest) {
    return Error::make("schema", "schema version " + std::to_string(current) +
                                     " is newer than this build supports (" +
                                     std::to_string(latest) + "); upgrade conventiond");
  }
  for (std::int64_t v = current + 1; v <= latest; ++v) {
    Transaction tx(db);
    CONVENTIOND_TRY(tx.begin());
    const std::string sql(kMigrations[static_cast<std::size_t>(v - 1)]);
    if (Status s = exec(db, sql.c_str(), "migration " + std::to_string(v)); !s)
      return Error::make("schema", s.error().message);
    auto ins = Stmt::prepare(
        db, "INSERT INTO schema_migrations(version, applied_at) VALUES (?1, " CONVENTIOND_NOW ")");
    if (!ins) return ins.error();
    CONVENTIOND_TRY(ins->integer(1, v).run());
    CONVENTIOND_TRY(tx.commit());
    ++applied_at_open_;
  }
  schema_version_ = static_cast<int>(latest);
  return Status::success();
}

std::string SqliteStore::journal_mode() {
  std::lock_guard lock(mu_);
  auto q = Stmt::prepare(db_.get(), "PRAGMA journal_mode");
  if (!q) return {};
  auto row = q->step();
  if (!row || !*row) return {};
  return q->col_text(0);
}

Result<RunId> SqliteStore::start_run(std::string_view job) {
  if (job.empty()) return Error::make("invalid", "store: start_run: empty job name");
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db);
  CONVENTIOND_TRY(tx.begin());
  auto id = job_id_of(db, job, true);
  if (!id) return id.error();
  {
    auto q = Stmt::prepare(db, "SELECT id FROM runs WHERE job_id = ?1 AND status = 'running'");
    if (!q) return q.error();
    q->integer(1, *id);
    auto row = q->step();
    if (!row) return row.error();
    if (*row) {
      return Error::make("conflict", "store: job '" + std::string(job) + "' already has run " +
                                         std::to_string(q->col_int(0)) +
                                         " running; resume or finish it first");
    }
  }
  auto ins = Stmt::prepare(db,
                           "INSERT INTO runs(job_id, status, started_at) VALUES (?1, "
                           "'running', " CONVENTIOND_NOW ")");
  if (!ins) return ins.error();
  CONVENTIOND_TRY(ins->integer(1, *id).run());
  const RunId run = sqlite3_last_insert_rowid(db);
  CONVENTIOND_TRY(tx.commit());
  return run;
}

Result<std::optional<ItemState>> SqliteStore::previous_item(std::string_view job,
                                                            std::string_view url) {
  std::lock_guard lock(mu_);
  auto q = Stmt::prepare(db_.get(),
                         "SELECT i.etag, i.last_modified, i.content_hash FROM items i "
                         "JOIN jobs j ON j.id = i.job_id WHERE j.name = ?1 AND i.url = ?2");
  if (!q) return q.error();
  q->text(1, job).text(2, url);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return std::optional<ItemState>{};
  return std::optional<ItemState>(ItemState{q->col_text(0), q->col_text(1), q->col_text(2)});
}

Status SqliteStore::commit_item(RunId run, const ItemRecord& item,
                                const std::vector<Observation>& observations) {
  if (item.url.empty()) return Error::make("invalid", "store: commit_item: empty url");
  if (!observations.empty() && !item.document) {
    return Error::make(
        "invalid", "store: commit_item '" + item.url + "': observations need the item's document");
  }
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db);
  CONVENTIOND_TRY(tx.begin());

  std::int64_t job_id = 0;
  {
    auto q = Stmt::prepare(db, "SELECT job_id, status FROM runs WHERE id = ?1");
    if (!q) return q.error();
    q->integer(1, run);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return Error::make("not_found", "store: run " + std::to_string(run) + " not found");
    job_id = q->col_int(0);
    if (q->col_text(1) != "running") {
      return Error::make("invalid", "store: run " + std::to_string(run) + " is " + q->col_text(1) +
                                        ", not running");
    }
  }

  std::optional<std::int64_t> document_id;
  if (item.document) {
    const DocumentRecord& d = *item.document;
    {
      auto ins =
          Stmt::prepare(db,
                        "INSERT INTO documents(url, content_hash, media_type, title, fetched_at) "
                        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(url, content_hash) DO UPDATE SET "
                        "media_type = excluded.media_type, title = excluded.title RETURNING id");
      if (!ins) return ins.error();
      ins->text(1, d.url.empty() ? item.url : d.url)
          .text(2, d.content_hash)
          .text(3, d.media_type)
          .text(4, d.title)
          .text(5, d.fetched_at);
      auto row = ins->step();
      if (!row) return row.error();
      if (!*row) return Error::make("store", "store: document id not returned");
      document_id = ins->col_int(0);
    }  // the RETURNING statement is finalized here

    auto del = Stmt::prepare(db, "DELETE FROM observations WHERE document_id = ?1");
    if (!del) return del.error();
    CONVENTIOND_TRY(del->integer(1, *document_id).run());

    for (const Observation& o : observations) {
      auto obs = Stmt::prepare(db,
                               "INSERT INTO observations(document_id, departement, programme, "
                               "facts, source, observation) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      if (!obs) return obs.error();
      const std::string facts = boost::json::serialize(to_json(o.facts));
      const std::string source = boost::json::serialize(to_json(o.source));
      const std::string whole = boost::json::serialize(to_json(o));
      obs->integer(1, *document_id)
          .text(2, o.facts.departement)
          .text(3, o.programme)
          .text(4, facts)
          .text(5, source)
          .text(6, whole);
      if (Status s = obs->run(); !s) {
        return Error::make(s.error().code, "store: commit_item '" + item.url +
                                               "': observation: " + s.error().message);
      }
    }
  }

  const bool replace_validators = is_ok_fetch(item.status);
  {
    auto up = Stmt::prepare(
        db,
        "INSERT INTO items(job_id, run_id, url, status, http_status, error, content_hash, etag, "
        "last_modified, attempts, document_id, first_seen, last_seen) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, " CONVENTIOND_NOW
        ", " CONVENTIOND_NOW
        ") ON CONFLICT(job_id, url) DO UPDATE SET run_id = excluded.run_id, "
        "status = excluded.status, http_status = excluded.http_status, error = excluded.error, "
        "content_hash = CASE WHEN ?12 THEN excluded.content_hash ELSE "
        "COALESCE(NULLIF(excluded.content_hash, ''), items.content_hash) END, "
        "etag = CASE WHEN ?12 THEN excluded.etag ELSE "
        "COALESCE(NULLIF(excluded.etag, ''), items.etag) END, "
        "last_modified = CASE WHEN ?12 THEN excluded.last_modified ELSE "
        "COALESCE(NULLIF(excluded.last_modified, ''), items.last_modified) END, "
        "attempts = excluded.attempts, "
        "document_id = COALESCE(excluded.document_id, items.document_id), "
        "last_seen = excluded.last_seen");
    if (!up) return up.error();
    up->integer(1, job_id)
        .integer(2, run)
        .text(3, item.url)
        .text(4, to_string(item.status))
        .integer(5, item.http_status)
        .text(6, item.error)
        .text(7, item.content_hash)
        .text(8, item.etag)
        .text(9, item.last_modified)
        .integer(10, item.attempts)
        .integer(12, replace_validators ? 1 : 0);
    if (document_id)
      up->integer(11, *document_id);
    else
      up->null(11);
    CONVENTIOND_TRY(up->run());
  }
  {
    auto ri = Stmt::prepare(
        db,
        "INSERT INTO run_items(run_id, url, status, http_status, error, attempts, committed_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, " CONVENTIOND_NOW
        ") ON CONFLICT(run_id, url) DO UPDATE SET status = excluded.status, "
        "http_status = excluded.http_status, error = excluded.error, "
        "attempts = excluded.attempts, committed_at = excluded.committed_at");
    if (!ri) return ri.error();
    ri->integer(1, run)
        .text(2, item.url)
        .text(3, to_string(item.status))
        .integer(4, item.http_status)
        .text(5, item.error)
        .integer(6, item.attempts);
    CONVENTIOND_TRY(ri->run());
  }
  {
    auto cur = Stmt::prepare(
        db,
        "INSERT INTO job_cursor(job_id, cursor, last_url, last_run_id, updated_at) "
        "VALUES (?1, COALESCE(?2, ''), ?3, ?4, " CONVENTIOND_NOW
        ") ON CONFLICT(job_id) DO UPDATE SET cursor = COALESCE(?2, job_cursor.cursor), "
        "last_url = excluded.last_url, last_run_id = excluded.last_run_id, "
        "updated_at = excluded.updated_at");
    if (!cur) return cur.error();
    cur->integer(1, job_id).text(3, item.url).integer(4, run);
    if (item.cursor)
      cur->text(2, *item.cursor);
    else
      cur->null(2);
    CONVENTIOND_TRY(cur->run());
  }
  CONVENTIOND_TRY(tx.commit());
  return Status::success();
}

Result<bool> SqliteStore::item_done(RunId run, std::string_view url) {
  std::lock_guard lock(mu_);
  auto q = Stmt::prepare(db_.get(), "SELECT 1 FROM run_items WHERE run_id = ?1 AND url = ?2");
  if (!q) return q.error();
  q->integer(1, run).text(2, url);
  auto row = q->step();
  if (!row) return row.error();
  return *row;
}

Result<RunCounts> SqliteStore::count_items(RunId run) {
  auto q = Stmt::prepare(
      db_.get(), "SELECT status, COUNT(*) FROM run_items WHERE run_id = ?1 GROUP BY status");
  if (!q) return q.error();
  q->integer(1, run);
  RunCounts c;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    const std::int64_t n = q->col_int(1);
    c.total += n;
    switch (item_status_from_string(q->col_text(0)).value_or(ItemStatus::failed)) {
      case ItemStatus::new_item:
        c.new_items += n;
        break;
      case ItemStatus::updated:
        c.updated += n;
        break;
      case ItemStatus::unchanged:
        c.unchanged += n;
        break;
      case ItemStatus::failed:
        c.failed += n;
        break;
      case ItemStatus::skipped_robots:
        c.skipped_robots += n;
        break;
      case ItemStatus::skipped_filter:
        c.skipped_filter += n;
        break;
    }
  }
  return c;
}

Result<RunSummary> SqliteStore::load_run(RunId run) {
  auto q = Stmt::prepare(
      db_.get(),
      "SELECT j.name, r.status, r.started_at, COALESCE(r.finished_at, ''), r.resumed, r.total, "
      "r.new_count, r.updated_count, r.unchanged_count, r.failed_count, r.skipped_robots_count, "
      "r.skipped_filter_count FROM runs r JOIN jobs j ON j.id = r.job_id WHERE r.id = ?1");
  if (!q) return q.error();
  q->integer(1, run);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return Error::make("not_found", "store: run " + std::to_string(run) + " not found");
  RunSummary s;
  s.id = run;
  s.job = q->col_text(0);
  s.status = run_status_from_string(q->col_text(1)).value_or(RunStatus::failed);
  s.started_at = q->col_text(2);
  s.finished_at = q->col_text(3);
  s.resumed = q->col_int(4);
  if (s.status == RunStatus::running) {
    auto c = count_items(run);
    if (!c) return c.error();
    s.counts = *c;
  } else {
    s.counts = RunCounts{q->col_int(5), q->col_int(6),  q->col_int(7), q->col_int(8),
                         q->col_int(9), q->col_int(10), q->col_int(11)};
  }
  return s;
}

Result<RunSummary> SqliteStore::finish_run(RunId run) {
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db);
  CONVENTIOND_TRY(tx.begin());
  auto current = load_run(run);
  if (!current) return current.error();
  if (current->status != RunStatus::running) {
    return Error::make("invalid", "store: run " + std::to_string(run) + " is already " +
                                      std::string(to_string(current->status)));
  }
  const RunCounts c = current->counts;
  RunStatus status = RunStatus::done;
  if (c.total == 0 || c.failed == c.total)
    status = RunStatus::failed;
  else if (c.failed > 0)
    status = RunStatus::done_with_errors;
  auto up = Stmt::prepare(db, "UPDATE runs SET status = ?2, finished_at = " CONVENTIOND_NOW
                              ", total = ?3, new_count = ?4, updated_count = ?5, "
                              "unchanged_count = ?6, failed_count = ?7, skipped_robots_count = ?8, "
                              "skipped_filter_count = ?9 WHERE id = ?1");
  if (!up) return up.error();
  up->integer(1, run)
      .text(2, to_string(status))
      .integer(3, c.total)
      .integer(4, c.new_items)
      .integer(5, c.updated)
      .integer(6, c.unchanged)
      .integer(7, c.failed)
      .integer(8, c.skipped_robots)
      .integer(9, c.skipped_filter);
  CONVENTIOND_TRY(up->run());
  auto done = load_run(run);
  if (!done) return done.error();
  CONVENTIOND_TRY(tx.commit());
  return done;
}

Result<RunReport> SqliteStore::run_report(RunId run) {
  std::lock_guard lock(mu_);
  auto s = load_run(run);
  if (!s) return s.error();
  RunReport report{std::move(*s), {}};
  auto q = Stmt::prepare(db_.get(),
                         "SELECT url, http_status, error, attempts FROM run_items "
                         "WHERE run_id = ?1 AND status = 'failed' ORDER BY url");
  if (!q) return q.error();
  q->integer(1, run);
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    report.failed.push_back(FailedItem{q->col_text(0), static_cast<int>(q->col_int(1)),
                                       q->col_text(2), static_cast<int>(q->col_int(3))});
  }
  return report;
}

Result<std::vector<RunSummary>> SqliteStore::interrupted_runs() {
  std::lock_guard lock(mu_);
  std::vector<RunId> ids;
  {
    auto q = Stmt::prepare(db_.get(), "SELECT id FROM runs WHERE status = 'running' ORDER BY id");
    if (!q) return q.error();
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      ids.push_back(q->col_int(0));
    }
  }
  std::vector<RunSummary> out;
  for (RunId id : ids) {
    auto s = load_run(id);
    if (!s) return s.error();
    out.push_back(std::move(*s));
  }
  return out;
}

Result<RunSummary> SqliteStore::resume_run(RunId run) {
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db);
  CONVENTIOND_TRY(tx.begin());
  auto current = load_run(run);
  if (!current) return current.error();
  if (current->status != RunStatus::running) {
    return Error::make("invalid", "store: run " + std::to_string(run) + " is " +
                                      std::string(to_string(current->status)) +
                                      ", it cannot be resumed");
  }
  auto up = Stmt::prepare(db, "UPDATE runs SET resumed = resumed + 1 WHERE id = ?1");
  if (!up) return up.error();
  CONVENTIOND_TRY(up->integer(1, run).run());
  auto s = load_run(run);
  if (!s) return s.error();
  CONVENTIOND_TRY(tx.commit());
  return s;
}

Result<std::optional<JobCursor>> SqliteStore::job_cursor(std::string_view job) {
  std::lock_guard lock(mu_);
  auto q =
      Stmt::prepare(db_.get(),
                    "SELECT c.cursor, c.last_url, c.last_run_id, c.updated_at FROM job_cursor c "
                    "JOIN jobs j ON j.id = c.job_id WHERE j.name = ?1");
  if (!q) return q.error();
  q->text(1, job);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return std::optional<JobCursor>{};
  return std::optional<JobCursor>(
      JobCursor{q->col_text(0), q->col_text(1), q->col_int(2), q->col_text(3)});
}

Result<std::vector<Observation>> SqliteStore::observations_for_url(std::string_view url) {
  std::lock_guard lock(mu_);
  auto q = Stmt::prepare(db_.get(),
                         "SELECT o.observation FROM observations o JOIN documents d "
                         "ON d.id = o.document_id WHERE d.url = ?1 ORDER BY o.id");
  if (!q) return q.error();
  q->text(1, url);
  std::vector<Observation> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    auto v = parse_json(q->col_text(0));
    if (!v) return v.error();
    auto o = observation_from_json(*v);
    if (!o) return o.error();
    out.push_back(std::move(*o));
  }
  return out;
}

Result<std::int64_t> SqliteStore::observation_count() {
  std::lock_guard lock(mu_);
  auto q = Stmt::prepare(db_.get(), "SELECT COUNT(*) FROM observations");
  if (!q) return q.error();
  auto row = q->step();
  if (!row) return row.error();
  return q->col_int(0);
}

}  // namespace conventiond

#undef CONVENTIOND_TRY
#undef CONVENTIOND_NOW
