// The SQLite store's publication tables: webhook subscriptions, their dead letters, and named
// leases (the change log itself is in sqlite_records.cpp).

#include <conventiond/store/sqlite_store.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sqlite_support.hpp"
#include "subscription_support.hpp"

// The database's clock in Unix milliseconds; constant text, never a value.
#define CONVENTIOND_NOW_MS "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)"

namespace conventiond {

using namespace sqlite_detail;
using namespace store_detail;

namespace {

constexpr const char* kSubscriptionColumns =
    "SELECT id, url, secret <> '', filter, status, cursor, consecutive_failures, last_error, "
    "created_at, updated_at, last_error_at, previous_secret_until FROM subscriptions ";

Result<Subscription> subscription_row(Stmt& q) {
  Subscription s;
  s.id = q.col_int(0);
  s.url = q.col_text(1);
  s.has_secret = q.col_int(2) != 0;
  auto filter = filter_from_json(q.col_text(3));
  if (!filter) return filter.error();
  s.filter = std::move(*filter);
  s.status = subscription_status_from_string(q.col_text(4)).value_or(SubscriptionStatus::paused);
  s.cursor = q.col_int(5);
  s.consecutive_failures = q.col_int(6);
  s.last_error = q.col_text(7);
  s.created_at = q.col_text(8);
  s.updated_at = q.col_text(9);
  s.last_error_at = q.col_text(10);
  s.previous_secret_until = q.col_text(11);
  return s;
}

Result<std::optional<Subscription>> load_subscription(sqlite3* db, std::int64_t id) {
  auto q = Stmt::prepare(db, std::string(kSubscriptionColumns) + "WHERE id = ?1");
  if (!q) return q.error();
  q->bind(id);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Subscription>{};
  auto s = subscription_row(*q);
  if (!s) return s.error();
  return std::optional<Subscription>(std::move(*s));
}

constexpr const char* kDeadLetterColumns =
    "SELECT id, subscription_id, seq, event, error, attempts, created_at FROM dead_letters ";

DeadLetter dead_letter_row(Stmt& q) {
  return DeadLetter{q.col_int(0),  q.col_int(1), q.col_int(2), q.col_text(3),
                    q.col_text(4), q.col_int(5), q.col_text(6)};
}

Result<std::optional<DeadLetter>> load_dead_letter(sqlite3* db, std::int64_t id) {
  auto q = Stmt::prepare(db, std::string(kDeadLetterColumns) + "WHERE id = ?1");
  if (!q) return q.error();
  q->bind(id);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return std::optional<DeadLetter>{};
  return std::optional<DeadLetter>(dead_letter_row(*q));
}

// Runs an UPDATE of one subscription; "not_found" when it changed no row.
Status update_subscription(sqlite3* db, std::int64_t id, std::string_view sql,
                           std::string_view text) {
  auto up = Stmt::prepare(db, sql);
  if (!up) return up.error();
  up->bind(id, text);
  CONVENTIOND_TRY(up->run());
  if (up->changes() == 0) return subscription_not_found(id);
  return Status::success();
}

}  // namespace

// --- Subscriptions -------------------------------------------------------------------------

Result<Subscription> SqliteStore::create_subscription(const NewSubscription& raw) {
  auto s = checked_subscription(raw);
  if (!s) return s.error();
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db);
  CONVENTIOND_TRY(tx.begin());
  std::int64_t cursor = 0;
  if (s->from_seq) {
    cursor = *s->from_seq;
  } else {
    auto latest = query_int(db, "SELECT MAX(seq) FROM change_log");
    if (!latest) return latest.error();
    cursor = latest->value_or(0);
  }
  auto ins = Stmt::prepare(db,
                           "INSERT INTO subscriptions(url, secret, filter, status, cursor, "
                           "created_at, updated_at) VALUES (?1, ?2, ?3, 'active', ?4, " CONVENTIOND_NOW
                           ", " CONVENTIOND_NOW ")");
  if (!ins) return ins.error();
  ins->bind(s->url, s->secret, filter_to_json(s->filter), cursor);
  if (Status st = ins->run(); !st) return with_context(st.error(), "create_subscription");
  const std::int64_t id = sqlite3_last_insert_rowid(db);
  auto created = load_subscription(db, id);
  if (!created) return created.error();
  if (!*created) return subscription_not_found(id);
  CONVENTIOND_TRY(tx.commit());
  return std::move(**created);
}

Result<std::optional<Subscription>> SqliteStore::subscription(std::int64_t id) {
  std::lock_guard lock(mu_);
  return load_subscription(db_.get(), id);
}

Result<std::vector<Subscription>> SqliteStore::subscriptions() {
  std::lock_guard lock(mu_);
  auto q = Stmt::prepare(db_.get(), std::string(kSubscriptionColumns) + "ORDER BY id");
  if (!q) return q.error();
  std::vector<Subscription> out;
  CONVENTIOND_TRY(q->each([&]() -> Status {
    auto s = subscription_row(*q);
    if (!s) return s.error();
    out.push_back(std::move(*s));
    return Status::success();
  }));
  return out;
}

Result<SubscriptionSecrets> SqliteStore::subscription_secrets(std::int64_t id) {
  std::lock_guard lock(mu_);
  auto q = Stmt::prepare(db_.get(),
                         "SELECT secret, previous_secret, previous_secret_until FROM subscriptions "
                         "WHERE id = ?1");
  if (!q) return q.error();
  q->bind(id);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return subscription_not_found(id);
  return SubscriptionSecrets{q->col_text(0), q->col_text(1), q->col_text(2)};
}

Status SqliteStore::rotate_subscription_secret(std::int64_t id, std::string_view secret,
                                               std::string_view previous_until) {
  CONVENTIOND_TRY(check_rotation_end(previous_until));
  std::lock_guard lock(mu_);
  // The right-hand sides read the row as it was: the previous secret is the current one.
  auto q = Stmt::prepare(db_.get(),
                         "UPDATE subscriptions SET previous_secret = CASE WHEN ?3 = '' THEN '' "
                         "ELSE secret END, previous_secret_until = CASE WHEN secret = '' THEN '' "
                         "ELSE ?3 END, secret = ?2, "
                         "updated_at = " CONVENTIOND_NOW " WHERE id = ?1");
  if (!q) return q.error();
  q->bind(id);
  q->text(2, secret);
  q->text(3, previous_until);
  CONVENTIOND_TRY(q->run());
  if (sqlite3_changes(db_.get()) == 0) return subscription_not_found(id);
  return Status::success();
}

Status SqliteStore::delete_subscription(std::int64_t id) {
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db);
  CONVENTIOND_TRY(tx.begin());
  auto letters = Stmt::prepare(db, "DELETE FROM dead_letters WHERE subscription_id = ?1");
  if (!letters) return letters.error();
  CONVENTIOND_TRY(letters->bind(id).run());
  auto del = Stmt::prepare(db, "DELETE FROM subscriptions WHERE id = ?1");
  if (!del) return del.error();
  CONVENTIOND_TRY(del->bind(id).run());
  if (del->changes() == 0) return subscription_not_found(id);
  return tx.commit();
}

Status SqliteStore::set_subscription_cursor(std::int64_t id, std::int64_t seq, CursorMove move) {
  if (seq < 0) {
    return Error::make("invalid", "store: set_subscription_cursor " + std::to_string(id) +
                                      ": negative seq " + std::to_string(seq));
  }
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  auto up = Stmt::prepare(
      db, move == CursorMove::forward
              ? "UPDATE subscriptions SET cursor = ?2, consecutive_failures = 0, last_error = '', "
                "last_error_at = '', updated_at = " CONVENTIOND_NOW " WHERE id = ?1 AND cursor < ?2"
              : "UPDATE subscriptions SET cursor = ?2, updated_at = " CONVENTIOND_NOW
                " WHERE id = ?1");
  if (!up) return up.error();
  CONVENTIOND_TRY(up->bind(id, seq).run());
  if (up->changes() > 0) return Status::success();
  auto exists = query_int(db, "SELECT 1 FROM subscriptions WHERE id = ?1", id);
  if (!exists) return exists.error();
  if (!*exists) return subscription_not_found(id);
  return Status::success();
}

Status SqliteStore::record_subscription_failure(std::int64_t id, std::string_view error) {
  std::lock_guard lock(mu_);
  return update_subscription(db_.get(), id,
                             "UPDATE subscriptions SET consecutive_failures = "
                             "consecutive_failures + 1, last_error = ?2, last_error_at = "
                             CONVENTIOND_NOW ", updated_at = " CONVENTIOND_NOW " WHERE id = ?1",
                             error);
}

Status SqliteStore::pause_subscription(std::int64_t id, std::string_view reason) {
  std::lock_guard lock(mu_);
  return update_subscription(db_.get(), id,
                             "UPDATE subscriptions SET status = 'paused', last_error = ?2, "
                             "last_error_at = " CONVENTIOND_NOW ", updated_at = " CONVENTIOND_NOW
                             " WHERE id = ?1",
                             reason);
}

Status SqliteStore::resume_subscription(std::int64_t id) {
  std::lock_guard lock(mu_);
  auto up = Stmt::prepare(db_.get(), "UPDATE subscriptions SET status = 'active', "
                                     "consecutive_failures = 0, updated_at = " CONVENTIOND_NOW
                                     " WHERE id = ?1");
  if (!up) return up.error();
  CONVENTIOND_TRY(up->bind(id).run());
  if (up->changes() == 0) return subscription_not_found(id);
  return Status::success();
}

// --- Dead letters --------------------------------------------------------------------------

Result<DeadLetter> SqliteStore::add_dead_letter(std::int64_t subscription, std::int64_t seq,
                                                std::string_view event_json,
                                                std::string_view error, std::int64_t attempts) {
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db);
  CONVENTIOND_TRY(tx.begin());
  auto ins = Stmt::prepare(db,
                           "INSERT INTO dead_letters(subscription_id, seq, event, error, attempts, "
                           "created_at) SELECT id, ?2, ?3, ?4, ?5, " CONVENTIOND_NOW
                           " FROM subscriptions WHERE id = ?1");
  if (!ins) return ins.error();
  CONVENTIOND_TRY(ins->bind(subscription, seq, event_json, error, attempts).run());
  if (ins->changes() == 0) return subscription_not_found(subscription);
  const std::int64_t id = sqlite3_last_insert_rowid(db);
  auto up = Stmt::prepare(db,
                          "UPDATE subscriptions SET status = 'paused', last_error = ?2, "
                          "last_error_at = " CONVENTIOND_NOW ", consecutive_failures = ?3, "
                          "updated_at = " CONVENTIOND_NOW " WHERE id = ?1");
  if (!up) return up.error();
  CONVENTIOND_TRY(up->bind(subscription, error, attempts).run());
  auto letter = load_dead_letter(db, id);
  if (!letter) return letter.error();
  if (!*letter) return dead_letter_not_found(id);
  CONVENTIOND_TRY(tx.commit());
  return std::move(**letter);
}

Result<std::vector<DeadLetter>> SqliteStore::dead_letters(std::int64_t subscription,
                                                          std::int64_t after_id,
                                                          std::size_t limit) {
  std::lock_guard lock(mu_);
  auto q = Stmt::prepare(db_.get(), std::string(kDeadLetterColumns) +
                                        "WHERE subscription_id = ?1 AND id > ?2 ORDER BY id "
                                        "LIMIT ?3");
  if (!q) return q.error();
  q->bind(subscription, after_id, sql_limit(limit));
  std::vector<DeadLetter> out;
  CONVENTIOND_TRY(q->each([&] {
    out.push_back(dead_letter_row(*q));
    return Status::success();
  }));
  return out;
}

Result<std::optional<DeadLetter>> SqliteStore::dead_letter(std::int64_t id) {
  std::lock_guard lock(mu_);
  return load_dead_letter(db_.get(), id);
}

Result<std::optional<DeadLetter>> SqliteStore::take_dead_letter(std::int64_t id) {
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db);
  CONVENTIOND_TRY(tx.begin());
  auto letter = load_dead_letter(db, id);
  if (!letter) return letter.error();
  if (!*letter) return letter;
  auto del = Stmt::prepare(db, "DELETE FROM dead_letters WHERE id = ?1");
  if (!del) return del.error();
  CONVENTIOND_TRY(del->bind(id).run());
  CONVENTIOND_TRY(tx.commit());
  return letter;
}

Result<std::int64_t> SqliteStore::dead_letter_count(std::int64_t subscription) {
  std::lock_guard lock(mu_);
  auto n = query_int(db_.get(), "SELECT COUNT(*) FROM dead_letters WHERE subscription_id = ?1",
                     subscription);
  if (!n) return n.error();
  return n->value_or(0);
}

// --- Leases --------------------------------------------------------------------------------

Result<bool> SqliteStore::try_lease(std::string_view name, std::string_view owner,
                                    std::chrono::milliseconds ttl) {
  CONVENTIOND_TRY(check_lease(name, owner, static_cast<long long>(ttl.count())));
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db);
  CONVENTIOND_TRY(tx.begin());
  auto up = Stmt::prepare(
      db,
      "INSERT INTO leases(name, owner, expires_at_ms, acquired_at) VALUES (?1, ?2, "
      CONVENTIOND_NOW_MS " + ?3, " CONVENTIOND_NOW ") ON CONFLICT(name) DO UPDATE SET "
      "owner = excluded.owner, expires_at_ms = excluded.expires_at_ms, acquired_at = CASE WHEN "
      "leases.owner = excluded.owner THEN leases.acquired_at ELSE excluded.acquired_at END "
      "WHERE leases.expires_at_ms < " CONVENTIOND_NOW_MS " OR leases.owner = excluded.owner");
  if (!up) return up.error();
  up->bind(name, owner, static_cast<std::int64_t>(ttl.count()));
  if (Status st = up->run(); !st)
    return with_context(st.error(), "try_lease '" + std::string(name) + "'");
  const bool held = up->changes() > 0;
  CONVENTIOND_TRY(tx.commit());
  return held;
}

Status SqliteStore::release_lease(std::string_view name, std::string_view owner) {
  std::lock_guard lock(mu_);
  auto del = Stmt::prepare(db_.get(), "DELETE FROM leases WHERE name = ?1 AND owner = ?2");
  if (!del) return del.error();
  return del->bind(name, owner).run();
}

Result<std::optional<std::string>> SqliteStore::lease_owner(std::string_view name) {
  std::lock_guard lock(mu_);
  auto q = Stmt::prepare(db_.get(), "SELECT owner FROM leases WHERE name = ?1 AND expires_at_ms "
                                    ">= " CONVENTIOND_NOW_MS);
  if (!q) return q.error();
  q->bind(name);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>{};
  return std::optional<std::string>(q->col_text(0));
}

}  // namespace conventiond

#undef CONVENTIOND_NOW_MS
