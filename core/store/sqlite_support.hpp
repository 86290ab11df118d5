#pragma once
// Internal to core/store: a thin layer over the SQLite C API (prepared statements with bound
// values, transactions) and the helpers the SQLite store's source files share.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <sqlite3.h>

#include <conventiond/model/indicator.hpp>
#include <conventiond/result.hpp>
#include <conventiond/store/store.hpp>

// SQL timestamp expression (RFC 3339 UTC); constant text, never a value.
#define CONVENTIOND_NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

// Returns the error of a failed Status from the enclosing function.
#define CONVENTIOND_TRY(expr)                     \
  do {                                            \
    Status try_status_ = (expr);                  \
    if (!try_status_) return try_status_.error(); \
  } while (false)

namespace conventiond::sqlite_detail {

// Each connection's health tracker (SqliteStore registers its own), so that the helpers below,
// which see only the handle, note failures and successes for Store::last_failure().
struct HealthRegistry {
  std::shared_mutex mu;
  std::unordered_map<sqlite3*, StoreHealthTracker*> trackers;
};
inline HealthRegistry& health_registry() {
  static HealthRegistry* r = new HealthRegistry;  // never destroyed: stores may outlive statics
  return *r;
}
inline void register_health(sqlite3* db, StoreHealthTracker* t) {
  const std::unique_lock lock(health_registry().mu);
  if (t != nullptr) {
    health_registry().trackers[db] = t;
  } else {
    health_registry().trackers.erase(db);
  }
}
inline StoreHealthTracker* health_of(sqlite3* db) {
  const std::shared_lock lock(health_registry().mu);
  const auto it = health_registry().trackers.find(db);
  return it == health_registry().trackers.end() ? nullptr : it->second;
}
// A failed SQLite call (rc: its result code): corruption is sticky.
inline void note_failure(sqlite3* db, int rc, const std::string& message) {
  if (StoreHealthTracker* t = health_of(db)) {
    const int primary = rc & 0xff;
    t->failed(message, primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB);
  }
}

inline Error store_error(sqlite3* db, std::string_view what) {
  Error e = Error::make("store",
                        std::string("store: ") + std::string(what) + ": " + sqlite3_errmsg(db));
  note_failure(db, sqlite3_extended_errcode(db), e.message);
  return e;
}

// The same error with a prefix naming what it was about ("commit_item 'https://...'").
inline Error with_context(const Error& e, const std::string& context) {
  std::string_view inner = e.message;
  if (inner.substr(0, 7) == "store: ") inner.remove_prefix(7);
  return Error::make(e.code, "store: " + context + ": " + std::string(inner));
}

// A LIMIT value: SQLite reads a negative LIMIT as "no limit", so huge sizes are clamped.
inline std::int64_t sql_limit(std::size_t limit) noexcept {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(limit > kMax ? kMax : limit);
}

// Each connection's prepared statements, kept by SQL text between uses (SqliteStore enables
// it for its connections): a statement is prepared once per connection, not once per call. A
// statement in use is taken out, so the same SQL used twice at once gets a second one.
struct StmtCacheRegistry {
  static constexpr std::size_t kMaxPerConnection = 256;
  std::mutex mu;
  std::unordered_map<sqlite3*, std::unordered_multimap<std::string, sqlite3_stmt*>> by_db;
};
inline StmtCacheRegistry& stmt_caches() {
  static StmtCacheRegistry* r = new StmtCacheRegistry;  // never destroyed, as health_registry
  return *r;
}
inline void enable_stmt_cache(sqlite3* db) {
  const std::lock_guard lock(stmt_caches().mu);
  stmt_caches().by_db[db];
}
// Finalizes the connection's cached statements (before closing it).
inline void drop_stmt_cache(sqlite3* db) {
  std::unordered_multimap<std::string, sqlite3_stmt*> cached;
  {
    const std::lock_guard lock(stmt_caches().mu);
    auto it = stmt_caches().by_db.find(db);
    if (it == stmt_caches().by_db.end()) return;
    cached = std::move(it->second);
    stmt_caches().by_db.erase(it);
  }
  for (auto& [sql, s] : cached) sqlite3_finalize(s);
}

// A prepared statement; bind errors are kept and reported by step().
class Stmt {
 public:
  static Result<Stmt> prepare(sqlite3* db, std::string_view sql) {
    bool cacheable = false;
    {
      const std::lock_guard lock(stmt_caches().mu);
      auto& caches = stmt_caches().by_db;
      if (auto c = caches.find(db); c != caches.end()) {
        cacheable = true;
        if (auto it = c->second.find(std::string(sql)); it != c->second.end()) {
          sqlite3_stmt* s = it->second;
          c->second.erase(it);
          return Stmt(db, s, health_of(db), true);
        }
      }
    }
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      cacheable ? SQLITE_PREPARE_PERSISTENT : 0, &s, nullptr);
    if (rc != SQLITE_OK || s == nullptr) {
      if (s != nullptr) sqlite3_finalize(s);
      return store_error(db, "prepare");
    }
    return Stmt(db, s, health_of(db), cacheable);
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
  Stmt& real(int i, double v) {
    note(sqlite3_bind_double(s_.get(), i, v));
    return *this;
  }
  Stmt& null(int i) {
    note(sqlite3_bind_null(s_.get(), i));
    return *this;
  }

  // Binds ?1, ?2, ... in order, each by its type: text (std::string, std::string_view,
  // const char*), integer (int, std::int64_t), real (double), NULL (nullptr, or an empty
  // std::optional of any of those).
  template <class... Args>
  Stmt& bind(const Args&... args) {
    int i = 0;
    (bind_one(++i, args), ...);
    return *this;
  }

  // Clears the bindings and rewinds the statement, to run it again.
  Stmt& reset() {
    sqlite3_reset(s_.get());
    sqlite3_clear_bindings(s_.get());
    bind_rc_ = SQLITE_OK;
    return *this;
  }

  // true: a row is available; false: done.
  Result<bool> step() {
    if (bind_rc_ != SQLITE_OK)
      return Error::make("store", std::string("store: bind: ") + sqlite3_errstr(bind_rc_));
    const int rc = sqlite3_step(s_.get());
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
      if (health_ != nullptr) health_->succeeded();
      return rc == SQLITE_ROW;
    }
    return store_error(db_, "step");
  }
  Status run() {
    auto r = step();
    if (!r) return r.error();
    return Status::success();
  }
  // Calls f() for each row (f reads the columns); stops at the first error f returns.
  template <class F>
  Status each(F&& f) {
    for (;;) {
      auto row = step();
      if (!row) return row.error();
      if (!*row) return Status::success();
      if (Status s = f(); !s) return s;
    }
  }

  // Rows changed by the last INSERT, UPDATE or DELETE of the connection.
  std::int64_t changes() const noexcept { return sqlite3_changes64(db_); }

  std::int64_t col_int(int i) { return sqlite3_column_int64(s_.get(), i); }
  double col_real(int i) { return sqlite3_column_double(s_.get(), i); }
  bool col_null(int i) { return sqlite3_column_type(s_.get(), i) == SQLITE_NULL; }
  std::string col_text(int i) {
    const unsigned char* p = sqlite3_column_text(s_.get(), i);
    if (p == nullptr) return {};
    const int n = sqlite3_column_bytes(s_.get(), i);
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
  }

 private:
  // Finalizes the statement, or gives it back to its connection's cache, reset.
  struct Finalizer {
    sqlite3* db = nullptr;
    bool cached = false;
    void operator()(sqlite3_stmt* s) const noexcept {
      if (cached) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        const std::lock_guard lock(stmt_caches().mu);
        auto c = stmt_caches().by_db.find(db);
        if (c != stmt_caches().by_db.end() && c->second.size() < StmtCacheRegistry::kMaxPerConnection) {
          c->second.emplace(sqlite3_sql(s), s);
          return;
        }
      }
      sqlite3_finalize(s);
    }
  };
  Stmt(sqlite3* db, sqlite3_stmt* s, StoreHealthTracker* health, bool cached)
      : db_(db), s_(s, Finalizer{db, cached}), health_(health) {}

  // sqlite3's SQLITE_TRANSIENT, without the old-style cast of its macro.
  static sqlite3_destructor_type transient() noexcept {
    return reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));
  }

  void bind_one(int i, std::string_view v) { text(i, v); }
  void bind_one(int i, const std::string& v) { text(i, v); }
  void bind_one(int i, const char* v) { text(i, v); }
  void bind_one(int i, int v) { integer(i, v); }
  void bind_one(int i, std::int64_t v) { integer(i, v); }
  void bind_one(int i, double v) { real(i, v); }
  void bind_one(int i, std::nullptr_t) { null(i); }
  template <class T>
  void bind_one(int i, const std::optional<T>& v) {
    if (v)
      bind_one(i, *v);
    else
      null(i);
  }

  void note(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> s_;
  StoreHealthTracker* health_ = nullptr;  // the connection's (health_of), or none
  int bind_rc_ = SQLITE_OK;
};

inline Status exec(sqlite3* db, const char* sql, std::string_view what) {
  char* msg = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    std::string m = msg != nullptr ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    Error e = Error::make("store", std::string("store: ") + std::string(what) + ": " + m);
    note_failure(db, rc, e.message);
    return e;
  }
  if (StoreHealthTracker* t = health_of(db)) t->succeeded();
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
  // Inside a transaction already open on the connection (merge_convention() around
  // save_convention()), begin and commit do nothing: the outer transaction decides.
  Status begin() {
    if (sqlite3_get_autocommit(db_) == 0) {
      nested_ = true;
      return Status::success();
    }
    Status s = exec(db_, "BEGIN IMMEDIATE", "begin transaction");
    if (s) active_ = true;
    return s;
  }
  Status commit() {
    if (nested_) return Status::success();
    Status s = exec(db_, "COMMIT", "commit");
    if (s) active_ = false;
    return s;
  }

 private:
  sqlite3* db_;
  bool active_ = false;
  bool nested_ = false;
};

// One row of one column, as an integer (nullopt when there is no row).
template <class... Args>
Result<std::optional<std::int64_t>> query_int(sqlite3* db, std::string_view sql,
                                              const Args&... args) {
  auto q = Stmt::prepare(db, sql);
  if (!q) return q.error();
  q->bind(args...);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row || q->col_null(0)) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>(q->col_int(0));
}

// The current time as the store writes it (RFC 3339 UTC, seconds).
Result<std::string> now_text(sqlite3* db);
// The corrections of one convention, by id (sqlite_records.cpp).
Result<std::vector<Correction>> corrections_of(sqlite3* db, std::string_view programme,
                                               std::string_view departement);

// An indicator checked (département, name and period present, finite value) and in the
// model's canonical form (the département code as the model's JSON reads it back); "invalid".
Result<Indicator> checked_indicator(const Indicator& indicator);

// save_indicator() inside the caller's transaction, for an indicator checked_indicator() gave.
Result<bool> save_indicator_in_tx(sqlite3* db, const Indicator& indicator);

}  // namespace conventiond::sqlite_detail
