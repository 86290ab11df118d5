#include <conventiond/store/sqlite_store.hpp>

#include <array>
#include <cstdint>
#include <set>
#include <utility>

#include <sqlite3.h>

#include <boost/json/serialize.hpp>

#include <conventiond/model/model_json.hpp>

#include "sqlite_support.hpp"

namespace conventiond {

using namespace sqlite_detail;

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
    // 2: the frontier, merged conventions with their revisions, indicators, the change log and
    // its consumers' cursors; run_items keep the request of each item, observations are found
    // by convention through each URL's latest document, and each run records the conventions
    // it touched.
    R"sql(
ALTER TABLE run_items ADD COLUMN request_json TEXT NOT NULL DEFAULT '';
CREATE TABLE frontier (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  key TEXT NOT NULL CHECK (length(key) > 0),
  request_json TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (run_id, key)
);
CREATE INDEX frontier_by_run ON frontier(run_id, id);
CREATE TABLE document_heads (
  url TEXT PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id)
) WITHOUT ROWID;
INSERT INTO document_heads(url, document_id) SELECT url, MAX(id) FROM documents GROUP BY url;
CREATE INDEX document_heads_by_document ON document_heads(document_id);
CREATE INDEX observations_by_convention ON observations(programme, departement);
CREATE TABLE run_conventions (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  programme TEXT NOT NULL,
  departement TEXT NOT NULL,
  PRIMARY KEY (run_id, programme, departement)
) WITHOUT ROWID;
INSERT OR IGNORE INTO run_conventions(run_id, programme, departement)
  SELECT ri.run_id, o.programme, o.departement FROM run_items ri
  JOIN documents d ON d.url = ri.url JOIN observations o ON o.document_id = d.id
  WHERE ri.status IN ('new', 'updated');
CREATE TABLE conventions (
  id TEXT PRIMARY KEY CHECK (length(id) > 0),
  programme TEXT NOT NULL,
  departement TEXT NOT NULL CHECK (length(departement) > 0),
  revision INTEGER NOT NULL CHECK (revision > 0),
  record TEXT NOT NULL CHECK (json_valid(record)),
  updated_at TEXT NOT NULL
);
CREATE INDEX conventions_by_departement ON conventions(departement, id);
CREATE TABLE convention_revisions (
  id TEXT NOT NULL REFERENCES conventions(id),
  revision INTEGER NOT NULL CHECK (revision > 0),
  record TEXT NOT NULL CHECK (json_valid(record)),
  created_at TEXT NOT NULL,
  PRIMARY KEY (id, revision)
);
CREATE TABLE indicators (
  id INTEGER PRIMARY KEY,
  departement TEXT NOT NULL CHECK (length(departement) > 0),
  name TEXT NOT NULL CHECK (length(name) > 0),
  period TEXT NOT NULL CHECK (length(period) > 0),
  revision INTEGER NOT NULL CHECK (revision > 0),
  value REAL NOT NULL,
  unit TEXT NOT NULL,
  note TEXT NOT NULL,
  source TEXT NOT NULL CHECK (json_valid(source)),
  recorded_at TEXT NOT NULL,
  UNIQUE (departement, name, period, revision)
);
CREATE TABLE change_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('created', 'updated', 'indicators_updated')),
  convention_id TEXT NOT NULL DEFAULT '',
  departement TEXT NOT NULL,
  revision INTEGER NOT NULL DEFAULT 0,
  payload TEXT NOT NULL CHECK (json_valid(payload)),
  created_at TEXT NOT NULL
);
CREATE INDEX change_log_by_created_at ON change_log(created_at);
CREATE TABLE consumer_cursors (
  consumer TEXT PRIMARY KEY CHECK (length(consumer) > 0),
  seq INTEGER NOT NULL CHECK (seq >= 0),
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
)sql",
    // 3: webhook subscriptions (each with its cursor), their dead letters, and named leases
    // (several daemons on one database; expiry in Unix milliseconds of the database's clock).
    R"sql(
CREATE TABLE subscriptions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  url TEXT NOT NULL CHECK (length(url) > 0),
  secret TEXT NOT NULL DEFAULT '',
  filter TEXT NOT NULL CHECK (json_valid(filter)),
  status TEXT NOT NULL CHECK (status IN ('active', 'paused')),
  cursor INTEGER NOT NULL CHECK (cursor >= 0),
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  event TEXT NOT NULL,
  error TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX dead_letters_by_subscription ON dead_letters(subscription_id, id);
CREATE TABLE leases (
  name TEXT PRIMARY KEY CHECK (length(name) > 0),
  owner TEXT NOT NULL CHECK (length(owner) > 0),
  expires_at_ms INTEGER NOT NULL,
  acquired_at TEXT NOT NULL
) WITHOUT ROWID;
)sql",
    // 4: why a run did not finish cleanly, and how many of its resumptions followed a crash
    // (stopped_cleanly: mark_run_interrupted() was called since it last ran); items by job
    // and last commit, for the recheck of stale items.
    R"sql(
ALTER TABLE runs ADD COLUMN error TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN stopped_cleanly INTEGER NOT NULL DEFAULT 0;
CREATE INDEX items_by_job_last_seen ON items(job_id, last_seen);
)sql",
    // 5: corrections by operators (model/correction.hpp), merged as observations.
    R"sql(
CREATE TABLE corrections (
  id INTEGER PRIMARY KEY,
  programme TEXT NOT NULL,
  departement TEXT NOT NULL CHECK (length(departement) > 0),
  kind TEXT NOT NULL CHECK (kind IN ('set', 'confirm', 'not_a_convention')),
  field TEXT NOT NULL,
  value TEXT NOT NULL CHECK (json_valid(value)),
  note TEXT NOT NULL,
  author TEXT NOT NULL CHECK (length(author) > 0),
  created_at TEXT NOT NULL
);
CREATE INDEX corrections_by_convention ON corrections(programme, departement, id);
)sql",
    // 6: when a subscription's last error happened ('' when it has none).
    R"sql(
ALTER TABLE subscriptions ADD COLUMN last_error_at TEXT NOT NULL DEFAULT '';
)sql",
    // 7: the facts an update changed, with their previous values (NULL for events written
    // before; '[]' for an update of the provenance only, read as kind provenance_updated).
    R"sql(
ALTER TABLE change_log ADD COLUMN changes TEXT CHECK (changes IS NULL OR json_valid(changes));
)sql",
    // 8: a webhook secret's rotation: the secret rotated out, and until when it still signs.
    R"sql(
ALTER TABLE subscriptions ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN previous_secret_until TEXT NOT NULL DEFAULT '';
)sql",
};

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

Error run_not_found(RunId run) {
  return Error::make("not_found", "store: run " + std::to_string(run) + " not found");
}

// The job of a run that exists ("not_found" otherwise).
Result<std::int64_t> job_of_run(sqlite3* db, RunId run) {
  auto job = query_int(db, "SELECT job_id FROM runs WHERE id = ?1", run);
  if (!job) return job.error();
  if (!*job) return run_not_found(run);
  return **job;
}

// The job of a run that is running ("not_found", "invalid" otherwise).
Result<std::int64_t> job_of_running_run(sqlite3* db, RunId run) {
  auto q = Stmt::prepare(db, "SELECT job_id, status FROM runs WHERE id = ?1");
  if (!q) return q.error();
  q->bind(run);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return run_not_found(run);
  if (q->col_text(1) != "running") {
    return Error::make("invalid", "store: run " + std::to_string(run) + " is " + q->col_text(1) +
                                      ", not running");
  }
  return q->col_int(0);
}

Status check_keys(const std::vector<PendingRequest>& requests, std::string_view what) {
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].key.empty()) {
      return Error::make("invalid", "store: " + std::string(what) + ": request " +
                                        std::to_string(i) + " has an empty key");
    }
  }
  return Status::success();
}

// Adds requests to a run's frontier, ignoring keys queued or committed in the run.
Result<std::size_t> enqueue_in_tx(sqlite3* db, RunId run,
                                  const std::vector<PendingRequest>& requests) {
  if (requests.empty()) return std::size_t{0};
  auto ins = Stmt::prepare(
      db,
      "INSERT INTO frontier(run_id, key, request_json, created_at) SELECT ?1, ?2, ?3, "
      CONVENTIOND_NOW " WHERE NOT EXISTS (SELECT 1 FROM run_items WHERE run_id = ?1 AND url = ?2)"
      " ON CONFLICT(run_id, key) DO NOTHING");
  if (!ins) return ins.error();
  std::size_t added = 0;
  for (const PendingRequest& r : requests) {
    CONVENTIOND_TRY(ins->reset().bind(run, r.key, r.request_json).run());
    if (ins->changes() > 0) ++added;
  }
  return added;
}

// Replaces the observations of a document (the head of its URL from now on) and records the
// conventions this touches in the run: those of the new observations and those of the
// observations replaced (of this document and of the URL's previous head).
Status replace_observations(sqlite3* db, RunId run, const std::string& url,
                            std::int64_t document_id,
                            const std::vector<Observation>& observations) {
  auto old_head = query_int(db, "SELECT document_id FROM document_heads WHERE url = ?1", url);
  if (!old_head) return old_head.error();
  auto touch = Stmt::prepare(db,
                             "INSERT OR IGNORE INTO run_conventions(run_id, programme, "
                             "departement) SELECT ?1, programme, departement FROM observations "
                             "WHERE document_id = ?2 OR document_id = ?3");
  if (!touch) return touch.error();
  CONVENTIOND_TRY(touch->bind(run, document_id, old_head->value_or(document_id)).run());

  auto del = Stmt::prepare(db, "DELETE FROM observations WHERE document_id = ?1");
  if (!del) return del.error();
  CONVENTIOND_TRY(del->bind(document_id).run());

  auto obs = Stmt::prepare(db,
                           "INSERT INTO observations(document_id, departement, programme, "
                           "facts, source, observation) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!obs) return obs.error();
  for (std::size_t i = 0; i < observations.size(); ++i) {
    const Observation& o = observations[i];
    Status s = obs->reset()
                   .bind(document_id, o.facts.departement, o.programme,
                         boost::json::serialize(to_json(o.facts)),
                         boost::json::serialize(to_json(o.source)),
                         boost::json::serialize(to_json(o)))
                   .run();
    if (!s) return with_context(s.error(), "observation " + std::to_string(i));
  }
  CONVENTIOND_TRY(touch->reset().bind(run, document_id, document_id).run());

  auto head = Stmt::prepare(db,
                            "INSERT INTO document_heads(url, document_id) VALUES (?1, ?2) "
                            "ON CONFLICT(url) DO UPDATE SET document_id = excluded.document_id");
  if (!head) return head.error();
  return head->bind(url, document_id).run();
}

// Column 0 of each row: an observation's JSON as stored.
Result<std::vector<Observation>> read_observations(Stmt& q) {
  std::vector<Observation> out;
  CONVENTIOND_TRY(q.each([&]() -> Status {
    auto v = parse_json(q.col_text(0));
    if (!v) return with_context(v.error(), "stored observation");
    auto o = observation_from_json(*v);
    if (!o) return with_context(o.error(), "stored observation");
    out.push_back(std::move(*o));
    return Status::success();
  }));
  return out;
}

PendingRequest pending_row(Stmt& q) {
  return PendingRequest{q.col_text(0), q.col_text(1), q.col_int(2)};
}

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
    : path_(std::move(path)), db_(std::move(db)) {
  register_health(db_.get(), &health_);
  enable_stmt_cache(db_.get());
}

SqliteStore::~SqliteStore() {
  for (auto& r : readers_) {
    drop_stmt_cache(r.get());
    register_health(r.get(), nullptr);
  }
  drop_stmt_cache(db_.get());
  register_health(db_.get(), nullptr);
}

Status SqliteStore::open_readers(int count, int busy_timeout_ms) {
  if (path_.empty() || path_ == ":memory:" || path_.find("mode=memory") != std::string::npos ||
      path_.rfind("file::memory:", 0) == 0) {
    return Status::success();  // a private in-memory database has no other connection
  }
  for (int i = 0; i < count; ++i) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    std::unique_ptr<sqlite3, DbCloser> db(raw);
    if (rc != SQLITE_OK) {
      return Error::make("io", "store '" + path_ + "': cannot open a reader: " +
                                   (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, busy_timeout_ms);
    CONVENTIOND_TRY(exec(raw, "PRAGMA query_only=ON", "reader pragmas"));
    register_health(raw, &health_);
    enable_stmt_cache(raw);
    free_readers_.push_back(raw);
    readers_.push_back(std::move(db));
  }
  return Status::success();
}

SqliteStore::ReadLease::ReadLease(SqliteStore& store) : store_(store) {
  if (store_.readers_.empty()) {
    writer_lock_ = std::unique_lock<std::recursive_mutex>(store_.mu_);
    db_ = store_.db_.get();
    return;
  }
  std::unique_lock lock(store_.readers_mu_);
  store_.readers_cv_.wait(lock, [this] { return !store_.free_readers_.empty(); });
  db_ = store_.free_readers_.back();
  store_.free_readers_.pop_back();
}

SqliteStore::ReadLease::~ReadLease() {
  if (writer_lock_.owns_lock()) return;
  {
    const std::lock_guard lock(store_.readers_mu_);
    store_.free_readers_.push_back(db_);
  }
  store_.readers_cv_.notify_one();
}

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
  if (Status s = store->open_readers(options.readers, options.busy_timeout_ms); !s) return s.error();
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
  return commit_item(run, item, ItemOutput{observations, {}, {}});
}

Status SqliteStore::commit_item(RunId run, const ItemRecord& item, const ItemOutput& output) {
  if (item.url.empty()) return Error::make("invalid", "store: commit_item: empty url");
  const std::string context = "commit_item '" + item.url + "'";
  if (!output.observations.empty() && !item.document) {
    return Error::make("invalid", "store: " + context + ": observations need the item's document");
  }
  for (std::size_t i = 0; i < output.observations.size(); ++i) {
    if (output.observations[i].facts.departement.empty()) {
      return Error::make("invalid", "store: " + context + ": observation " + std::to_string(i) +
                                        " has no departement");
    }
  }
  if (Status s = check_keys(output.enqueue, "enqueue"); !s) return with_context(s.error(), context);
  std::vector<Indicator> indicators;
  indicators.reserve(output.indicators.size());
  for (const Indicator& raw : output.indicators) {
    auto checked = checked_indicator(raw);
    if (!checked) return with_context(checked.error(), context);
    indicators.push_back(std::move(*checked));
  }

  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db);
  CONVENTIOND_TRY(tx.begin());
  auto job_id = job_of_running_run(db, run);
  if (!job_id) return job_id.error();

  std::optional<std::int64_t> document_id;
  if (item.document) {
    const DocumentRecord& d = *item.document;
    const std::string& doc_url = d.url.empty() ? item.url : d.url;
    {
      auto ins =
          Stmt::prepare(db,
                        "INSERT INTO documents(url, content_hash, media_type, title, fetched_at) "
                        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(url, content_hash) DO UPDATE SET "
                        "media_type = excluded.media_type, title = excluded.title RETURNING id");
      if (!ins) return ins.error();
      ins->bind(doc_url, d.content_hash, d.media_type, d.title, d.fetched_at);
      auto row = ins->step();
      if (!row) return row.error();
      if (!*row) return Error::make("store", "store: document id not returned");
      document_id = ins->col_int(0);
    }  // the RETURNING statement is finalized here
    if (Status s = replace_observations(db, run, doc_url, *document_id, output.observations); !s)
      return with_context(s.error(), context);
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
    up->bind(*job_id, run, item.url, to_string(item.status), item.http_status, item.error,
             item.content_hash, item.etag, item.last_modified, item.attempts, document_id,
             replace_validators ? 1 : 0);
    if (Status s = up->run(); !s) return with_context(s.error(), context);
  }
  {
    // The item's request comes from the run's frontier ("" for an item never queued).
    auto ri = Stmt::prepare(
        db,
        "INSERT INTO run_items(run_id, url, status, http_status, error, attempts, committed_at, "
        "request_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, " CONVENTIOND_NOW
        ", COALESCE((SELECT request_json FROM frontier WHERE run_id = ?1 AND key = ?2), '')) "
        "ON CONFLICT(run_id, url) DO UPDATE SET status = excluded.status, "
        "http_status = excluded.http_status, error = excluded.error, "
        "attempts = excluded.attempts, committed_at = excluded.committed_at, "
        "request_json = excluded.request_json");
    if (!ri) return ri.error();
    ri->bind(run, item.url, to_string(item.status), item.http_status, item.error, item.attempts);
    if (Status s = ri->run(); !s) return with_context(s.error(), context);
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
    cur->bind(*job_id, item.cursor, item.url, run);
    if (Status s = cur->run(); !s) return with_context(s.error(), context);
  }
  for (const Indicator& indicator : indicators) {
    auto saved = save_indicator_in_tx(db, indicator);
    if (!saved) return with_context(saved.error(), context);
  }
  if (auto added = enqueue_in_tx(db, run, output.enqueue); !added)
    return with_context(added.error(), context);
  CONVENTIOND_TRY(tx.commit());
  if (!indicators.empty()) notify_commit();
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
      "r.skipped_filter_count, r.crashes, r.error FROM runs r JOIN jobs j ON j.id = r.job_id "
      "WHERE r.id = ?1");
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
  s.crashes = q->col_int(12);
  s.error = q->col_text(13);
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

Result<RunSummary> SqliteStore::finish_run(RunId run, const RunEnd& end) {
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
  if (end.failed || c.total == 0 || c.failed == c.total)
    status = RunStatus::failed;
  else if (c.failed > 0)
    status = RunStatus::done_with_errors;
  auto up = Stmt::prepare(db, "UPDATE runs SET status = ?2, finished_at = " CONVENTIOND_NOW
                              ", total = ?3, new_count = ?4, updated_count = ?5, "
                              "unchanged_count = ?6, failed_count = ?7, skipped_robots_count = ?8, "
                              "skipped_filter_count = ?9, error = ?10 WHERE id = ?1");
  if (!up) return up.error();
  up->bind(run, to_string(status), c.total, c.new_items, c.updated, c.unchanged, c.failed,
           c.skipped_robots, c.skipped_filter, end.error);
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
  auto up = Stmt::prepare(db,
                          "UPDATE runs SET resumed = resumed + 1, crashes = crashes + "
                          "(CASE WHEN stopped_cleanly = 0 THEN 1 ELSE 0 END), stopped_cleanly = 0 "
                          "WHERE id = ?1");
  if (!up) return up.error();
  CONVENTIOND_TRY(up->integer(1, run).run());
  auto s = load_run(run);
  if (!s) return s.error();
  CONVENTIOND_TRY(tx.commit());
  return s;
}

Status SqliteStore::mark_run_interrupted(RunId run, std::string_view reason) {
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db);
  CONVENTIOND_TRY(tx.begin());
  if (auto job = job_of_running_run(db, run); !job) return job.error();
  auto up = Stmt::prepare(db, "UPDATE runs SET stopped_cleanly = 1, error = ?2 WHERE id = ?1");
  if (!up) return up.error();
  CONVENTIOND_TRY(up->bind(run, reason).run());
  return tx.commit();
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
  q->bind(url);
  return read_observations(*q);
}

Result<std::int64_t> SqliteStore::observation_count() {
  std::lock_guard lock(mu_);
  auto q = Stmt::prepare(db_.get(), "SELECT COUNT(*) FROM observations");
  if (!q) return q.error();
  auto row = q->step();
  if (!row) return row.error();
  return q->col_int(0);
}

// --- Frontier ------------------------------------------------------------------------------

Result<std::size_t> SqliteStore::enqueue(RunId run, const std::vector<PendingRequest>& requests) {
  CONVENTIOND_TRY(check_keys(requests, "enqueue"));
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db);
  CONVENTIOND_TRY(tx.begin());
  if (auto job = job_of_running_run(db, run); !job) return job.error();
  auto added = enqueue_in_tx(db, run, requests);
  if (!added) return added.error();
  CONVENTIOND_TRY(tx.commit());
  return added;
}

Result<std::vector<PendingRequest>> SqliteStore::pending(RunId run, std::int64_t after_id,
                                                         std::size_t limit) {
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  if (auto job = job_of_run(db, run); !job) return job.error();
  auto q = Stmt::prepare(db,
                         "SELECT f.key, f.request_json, f.id FROM frontier f "
                         "WHERE f.run_id = ?1 AND f.id > ?2 AND NOT EXISTS (SELECT 1 FROM "
                         "run_items ri WHERE ri.run_id = f.run_id AND ri.url = f.key) "
                         "ORDER BY f.id LIMIT ?3");
  if (!q) return q.error();
  q->bind(run, after_id, sql_limit(limit));
  std::vector<PendingRequest> out;
  CONVENTIOND_TRY(q->each([&] {
    out.push_back(pending_row(*q));
    return Status::success();
  }));
  return out;
}

// --- Runs ----------------------------------------------------------------------------------

Result<std::vector<std::string>> SqliteStore::jobs() {
  std::lock_guard lock(mu_);
  auto q = Stmt::prepare(db_.get(), "SELECT name FROM jobs ORDER BY name");
  if (!q) return q.error();
  std::vector<std::string> out;
  CONVENTIOND_TRY(q->each([&] {
    out.push_back(q->col_text(0));
    return Status::success();
  }));
  return out;
}

Result<std::vector<PendingRequest>> SqliteStore::failed_requests(RunId run) {
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  if (auto job = job_of_run(db, run); !job) return job.error();
  auto q = Stmt::prepare(db,
                         "SELECT ri.url, COALESCE(f.request_json, ri.request_json), "
                         "COALESCE(f.id, 0) FROM run_items ri LEFT JOIN frontier f "
                         "ON f.run_id = ri.run_id AND f.key = ri.url "
                         "WHERE ri.run_id = ?1 AND ri.status = 'failed' "
                         "UNION ALL SELECT f.key, f.request_json, f.id FROM frontier f "
                         "WHERE f.run_id = ?1 AND NOT EXISTS (SELECT 1 FROM run_items ri "
                         "WHERE ri.run_id = ?1 AND ri.url = f.key) AND "
                         "(SELECT status FROM runs WHERE id = ?1) <> 'running' ORDER BY 1");
  if (!q) return q.error();
  q->bind(run);
  std::vector<PendingRequest> out;
  CONVENTIOND_TRY(q->each([&] {
    out.push_back(pending_row(*q));
    return Status::success();
  }));
  return out;
}

Result<std::vector<PendingRequest>> SqliteStore::stale_items(std::string_view job,
                                                             std::string_view seen_before,
                                                             std::size_t limit) {
  std::lock_guard lock(mu_);
  auto q = Stmt::prepare(db_.get(),
                         "SELECT i.url, COALESCE(ri.request_json, ''), 0 FROM items i "
                         "JOIN jobs j ON j.id = i.job_id LEFT JOIN run_items ri "
                         "ON ri.run_id = i.run_id AND ri.url = i.url WHERE j.name = ?1 AND "
                         "i.last_seen < ?2 AND i.status IN "
                         "('new', 'updated', 'unchanged', 'skipped_filter') "
                         "ORDER BY i.last_seen, i.url LIMIT ?3");
  if (!q) return q.error();
  q->bind(job, seen_before, sql_limit(limit));
  std::vector<PendingRequest> out;
  CONVENTIOND_TRY(q->each([&] {
    out.push_back(pending_row(*q));
    return Status::success();
  }));
  return out;
}

// --- Observations by convention ------------------------------------------------------------

Result<std::vector<Observation>> SqliteStore::observations_for_convention(
    std::string_view programme, std::string_view departement) {
  std::lock_guard lock(mu_);
  auto q = Stmt::prepare(db_.get(),
                         "SELECT o.observation FROM observations o JOIN document_heads h "
                         "ON h.document_id = o.document_id "
                         "WHERE o.programme = ?1 AND o.departement = ?2 ORDER BY o.id");
  if (!q) return q.error();
  q->bind(programme, departement);
  auto observations = read_observations(*q);
  if (!observations) return observations;
  // Then the operators' corrections, each one more observation.
  auto corrections = corrections_of(db_.get(), programme, departement);
  if (!corrections) return corrections.error();
  for (const Correction& c : *corrections) {
    auto o = correction_observation(c);
    if (!o) return with_context(o.error(), "stored correction " + std::to_string(c.id));
    observations->push_back(std::move(*o));
  }
  return observations;
}

Result<std::vector<std::pair<std::string, std::string>>> SqliteStore::touched_by_run(RunId run) {
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  if (auto job = job_of_run(db, run); !job) return job.error();
  auto q = Stmt::prepare(db,
                         "SELECT programme, departement FROM run_conventions WHERE run_id = ?1 "
                         "ORDER BY programme, departement");
  if (!q) return q.error();
  q->bind(run);
  std::vector<std::pair<std::string, std::string>> out;
  CONVENTIOND_TRY(q->each([&] {
    out.emplace_back(q->col_text(0), q->col_text(1));
    return Status::success();
  }));
  return out;
}

Status SqliteStore::ping() {
  std::lock_guard lock(mu_);
  // Straight through the C API: a ping is not an operation that clears last_failure().
  char* msg = nullptr;
  const int rc = sqlite3_exec(db_.get(), "SELECT 1", nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    std::string m = msg != nullptr ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    return Error::make("store", "store: ping: " + m);
  }
  return Status::success();
}

Status SqliteStore::check_health() {
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  auto failed = [this](std::string code, std::string message) -> Status {
    health_.failed(message, true);
    return Error::make(std::move(code), std::move(message));
  };
  auto version = query_int(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!version) return failed("corrupt", "store: schema version: " + version.error().message);
  const auto expected = static_cast<std::int64_t>(kMigrations.size());
  if (!*version || **version != expected) {
    return failed("schema", "store: schema version " + std::to_string(version->value_or(0)) +
                                ", this build expects " + std::to_string(expected));
  }
  // At most 10 problems; "ok" alone when there is none.
  auto q = Stmt::prepare(db, "PRAGMA quick_check(10)");
  if (!q) return failed("corrupt", "store: quick_check: " + q.error().message);
  std::string problems;
  Status rows = q->each([&] {
    const std::string line = q->col_text(0);
    if (line != "ok") problems += (problems.empty() ? "" : "; ") + line;
    return Status::success();
  });
  if (!rows) return failed("corrupt", "store: quick_check: " + rows.error().message);
  if (!problems.empty()) {
    if (problems.size() > 500) problems = problems.substr(0, 500) + "...";
    return failed("corrupt", "store: PRAGMA quick_check: " + problems);
  }
  return Status::success();
}

std::optional<StoreFailure> SqliteStore::last_failure() const { return health_.last(); }

// Runs across jobs (GET /v1/runs): a keyset page, newest first.
Result<std::vector<RunSummary>> SqliteStore::find_runs(const RunFilter& f) {
  std::lock_guard lock(mu_);
  std::vector<RunId> ids;
  {
    auto q = Stmt::prepare(
        db_.get(),
        "SELECT r.id FROM runs r JOIN jobs j ON j.id = r.job_id "
        "WHERE (?1 = '' OR j.name = ?1) AND (?2 = '' OR r.status = ?2) "
        "AND (?3 = 0 OR (?3 = 1 AND substr(r.error, 1, 11) = 'cancelled: ') "
        "OR (?3 = 2 AND substr(r.error, 1, 11) <> 'cancelled: ')) "
        "AND (?4 = '' OR r.started_at >= ?4) AND (?5 = '' OR r.started_at < ?5) "
        "AND (?6 = 0 OR r.id < ?6) ORDER BY r.id DESC LIMIT ?7");
    if (!q) return q.error();
    const std::int64_t cancelled = !f.cancelled ? 0 : (*f.cancelled ? 1 : 2);
    const std::string status = f.status ? std::string(to_string(*f.status)) : std::string();
    q->bind(f.job, status, cancelled, f.started_from, f.started_to,
            static_cast<std::int64_t>(f.before_id), sql_limit(f.limit));
    CONVENTIOND_TRY(q->each([&] {
      ids.push_back(q->col_int(0));
      return Status::success();
    }));
  }
  std::vector<RunSummary> out;
  out.reserve(ids.size());
  for (RunId id : ids) {
    auto s = load_run(id);
    if (!s) return s.error();
    out.push_back(std::move(*s));
  }
  return out;
}

}  // namespace conventiond

