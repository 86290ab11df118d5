// The SQLite store's records: merged conventions and their revisions, indicators, the change
// log and its consumers' cursors (the item ledger is in sqlite_store.cpp).

#include <conventiond/store/sqlite_store.hpp>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <conventiond/model/facts_changes.hpp>
#include <conventiond/model/model_json.hpp>

#include "sqlite_support.hpp"

namespace conventiond {

using namespace sqlite_detail;

namespace sqlite_detail {

Result<std::string> now_text(sqlite3* db) {
  auto q = Stmt::prepare(db, "SELECT " CONVENTIOND_NOW);
  if (!q) return q.error();
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return Error::make("store", "store: the current time was not returned");
  return q->col_text(0);
}

Result<Indicator> checked_indicator(const Indicator& indicator) {
  const std::string what = "indicator '" + indicator.departement + "/" + indicator.name + "/" +
                           indicator.period + "'";
  auto invalid = [&](const std::string& problem) {
    return Error::make("invalid", "store: " + what + ": " + problem);
  };
  if (indicator.departement.empty()) return invalid("no departement");
  if (indicator.name.empty()) return invalid("no name");
  if (indicator.period.empty()) return invalid("no period");
  if (!std::isfinite(indicator.value)) return invalid("the value is not a finite number");
  auto canonical = indicator_from_json(to_json(indicator));
  if (!canonical) return invalid(canonical.error().message);
  return canonical;
}

namespace {

Result<std::int64_t> add_change(sqlite3* db, std::string_view kind,
                                std::string_view convention_id, std::string_view departement,
                                std::int64_t revision, const std::string& payload,
                                const std::optional<std::string>& changes = std::nullopt) {
  auto ins = Stmt::prepare(db,
                           "INSERT INTO change_log(kind, convention_id, departement, revision, "
                           "payload, created_at, changes) VALUES (?1, ?2, ?3, ?4, ?5, "
                           CONVENTIOND_NOW ", ?6)");
  if (!ins) return ins.error();
  ins->bind(kind, convention_id, departement, revision, payload);
  if (changes) ins->text(6, *changes);
  CONVENTIOND_TRY(ins->run());
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db));
}

}  // namespace

Result<bool> save_indicator_in_tx(sqlite3* db, const Indicator& indicator) {
  std::int64_t revision = 1;
  {
    auto q = Stmt::prepare(db,
                           "SELECT revision, value, unit, note FROM indicators WHERE "
                           "departement = ?1 AND name = ?2 AND period = ?3 "
                           "ORDER BY revision DESC LIMIT 1");
    if (!q) return q.error();
    q->bind(indicator.departement, indicator.name, indicator.period);
    auto row = q->step();
    if (!row) return row.error();
    if (*row) {
      if (q->col_real(1) == indicator.value && q->col_text(2) == indicator.unit &&
          q->col_text(3) == indicator.note)
        return false;
      revision = q->col_int(0) + 1;
    }
  }
  {
    auto ins = Stmt::prepare(db,
                             "INSERT INTO indicators(departement, name, period, revision, value, "
                             "unit, note, source, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                             "?7, ?8, " CONVENTIOND_NOW ")");
    if (!ins) return ins.error();
    ins->bind(indicator.departement, indicator.name, indicator.period, revision, indicator.value,
              indicator.unit, indicator.note, boost::json::serialize(to_json(indicator.source)));
    CONVENTIOND_TRY(ins->run());
  }
  // One event per convention of the département (by id), or one without a convention.
  std::vector<std::pair<std::string, std::int64_t>> conventions;
  {
    auto q = Stmt::prepare(
        db, "SELECT id, revision FROM conventions WHERE departement = ?1 ORDER BY id");
    if (!q) return q.error();
    q->bind(indicator.departement);
    CONVENTIOND_TRY(q->each([&] {
      conventions.emplace_back(q->col_text(0), q->col_int(1));
      return Status::success();
    }));
  }
  if (conventions.empty()) conventions.emplace_back(std::string(), 0);
  const std::string payload = boost::json::serialize(to_json(indicator));
  for (const auto& [id, convention_revision] : conventions) {
    auto seq = add_change(db, "indicators_updated", id, indicator.departement, convention_revision,
                          payload);
    if (!seq) return seq.error();
  }
  return true;
}

}  // namespace sqlite_detail

namespace {

// What save_convention() compares: the record's JSON without revision and updated_at.
std::string content_of(const Convention& c) {
  boost::json::value v = to_json(c);
  if (auto* o = v.if_object()) {
    o->erase("revision");
    o->erase("updated_at");
  }
  return boost::json::serialize(v);
}

Result<Convention> stored_convention(const std::string& record, std::string_view id) {
  auto v = parse_json(record);
  if (!v) return with_context(v.error(), "stored convention '" + std::string(id) + "'");
  auto c = convention_from_json(*v);
  if (!c) return with_context(c.error(), "stored convention '" + std::string(id) + "'");
  return c;
}

// Column 0 of each row: a convention record as stored.
Result<std::vector<Convention>> read_conventions(Stmt& q, std::string_view what) {
  std::vector<Convention> out;
  CONVENTIOND_TRY(q.each([&]() -> Status {
    auto c = stored_convention(q.col_text(0), what);
    if (!c) return c.error();
    out.push_back(std::move(*c));
    return Status::success();
  }));
  return out;
}

}  // namespace

// --- Conventions ---------------------------------------------------------------------------

Result<SaveResult> SqliteStore::save_convention(const Convention& merged) {
  if (merged.facts.departement.empty()) {
    return Error::make("invalid", "store: save_convention '" + merged.id + "': no departement");
  }
  // The model's canonical form (what reading the record back gives), checked on the way.
  Convention record = merged;
  if (record.id.empty()) record.id = Convention::make_id(record.programme, record.facts.departement);
  const std::string context = "save_convention '" + record.id + "'";
  {
    auto canonical = convention_from_json(to_json(record));
    if (!canonical)
      return Error::make("invalid", "store: " + context + ": " + canonical.error().message);
    record = std::move(*canonical);
  }
  record.revision = 0;
  record.updated_at.clear();

  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db);
  CONVENTIOND_TRY(tx.begin());
  std::int64_t previous = 0;
  std::string kind = "created";
  std::optional<std::string> changes;
  {
    auto q = Stmt::prepare(db, "SELECT revision, record FROM conventions WHERE id = ?1");
    if (!q) return q.error();
    q->bind(record.id);
    auto row = q->step();
    if (!row) return row.error();
    if (*row) {
      previous = q->col_int(0);
      auto stored = stored_convention(q->col_text(1), record.id);
      if (!stored) return stored.error();
      if (content_of(*stored) == content_of(record))
        return SaveResult{std::move(*stored), false, 0};
      const auto changed = facts_changes(stored->facts, record.facts);
      kind = "updated";  // with changes '[]', read back as provenance_updated
      changes = boost::json::serialize(changed);
    }
  }
  auto now = now_text(db);
  if (!now) return now.error();
  record.revision = previous + 1;
  record.updated_at = *now;
  const std::string json = boost::json::serialize(to_json(record));
  {
    auto up = Stmt::prepare(
        db,
        "INSERT INTO conventions(id, programme, departement, revision, record, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET "
        "programme = excluded.programme, departement = excluded.departement, "
        "revision = excluded.revision, record = excluded.record, updated_at = excluded.updated_at");
    if (!up) return up.error();
    up->bind(record.id, record.programme, record.facts.departement, record.revision, json,
             record.updated_at);
    if (Status s = up->run(); !s) return with_context(s.error(), context);
  }
  {
    auto rev = Stmt::prepare(db,
                             "INSERT INTO convention_revisions(id, revision, record, created_at) "
                             "VALUES (?1, ?2, ?3, ?4)");
    if (!rev) return rev.error();
    rev->bind(record.id, record.revision, json, record.updated_at);
    if (Status s = rev->run(); !s) return with_context(s.error(), context);
  }
  auto seq = add_change(db, kind, record.id, record.facts.departement, record.revision, json,
                        changes);
  if (!seq) return with_context(seq.error(), context);
  CONVENTIOND_TRY(tx.commit());
  notify_commit();
  return SaveResult{std::move(record), true, *seq};
}

Result<std::optional<SaveResult>> SqliteStore::merge_convention(std::string_view programme,
                                                                std::string_view departement,
                                                                const MergeFunction& merge) {
  // One write transaction on the writer (its lock is recursive): another merge of the same
  // convention, in this process or another, waits for this one and then reads what it saved.
  // Inside it, the read-merge-save is Store's own.
  std::lock_guard lock(mu_);
  Transaction tx(db_.get());
  CONVENTIOND_TRY(tx.begin());
  auto saved = Store::merge_convention(programme, departement, merge);
  if (!saved) return saved.error();
  if (!*saved) return saved;  // nothing to save: the empty transaction is rolled back
  CONVENTIOND_TRY(tx.commit());
  if ((*saved)->changed) notify_commit();  // now that the outer transaction is committed
  return saved;
}

Result<std::optional<Convention>> SqliteStore::convention(std::string_view id) {
  const ReadLease conn(*this);
  auto q = Stmt::prepare(conn.get(), "SELECT record FROM conventions WHERE id = ?1");
  if (!q) return q.error();
  q->bind(id);
  auto list = read_conventions(*q, id);
  if (!list) return list.error();
  if (list->empty()) return std::optional<Convention>{};
  return std::optional<Convention>(std::move(list->front()));
}

Result<std::vector<Convention>> SqliteStore::conventions() {
  const ReadLease conn(*this);
  auto q = Stmt::prepare(conn.get(), "SELECT record FROM conventions ORDER BY id");
  if (!q) return q.error();
  return read_conventions(*q, "conventions");
}

Result<std::vector<Convention>> SqliteStore::convention_history(std::string_view id) {
  const ReadLease conn(*this);
  auto q = Stmt::prepare(conn.get(),
                         "SELECT record FROM convention_revisions WHERE id = ?1 ORDER BY revision");
  if (!q) return q.error();
  q->bind(id);
  return read_conventions(*q, id);
}

// --- Indicators ----------------------------------------------------------------------------

Result<bool> SqliteStore::save_indicator(const Indicator& indicator) {
  auto checked = checked_indicator(indicator);
  if (!checked) return checked.error();
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db);
  CONVENTIOND_TRY(tx.begin());
  auto changed = save_indicator_in_tx(db, *checked);
  if (!changed) return changed.error();
  if (*changed) {
    CONVENTIOND_TRY(tx.commit());
    notify_commit();
  }
  return changed;
}

Result<std::vector<IndicatorRecord>> SqliteStore::indicators(std::string_view departement) {
  const ReadLease conn(*this);
  auto q = Stmt::prepare(conn.get(),
                         "SELECT departement, name, period, revision, value, unit, note, source, "
                         "recorded_at FROM indicators WHERE departement = ?1 "
                         "ORDER BY name, period, revision");
  if (!q) return q.error();
  q->bind(departement);
  std::vector<IndicatorRecord> out;
  CONVENTIOND_TRY(q->each([&]() -> Status {
    IndicatorRecord r;
    r.indicator.departement = q->col_text(0);
    r.indicator.name = q->col_text(1);
    r.indicator.period = q->col_text(2);
    r.revision = q->col_int(3);
    r.indicator.value = q->col_real(4);
    r.indicator.unit = q->col_text(5);
    r.indicator.note = q->col_text(6);
    const std::string what = "stored indicator '" + r.indicator.departement + "/" +
                             r.indicator.name + "/" + r.indicator.period + "'";
    auto v = parse_json(q->col_text(7));
    if (!v) return with_context(v.error(), what);
    auto source = source_from_json(*v);
    if (!source) return with_context(source.error(), what);
    r.indicator.source = std::move(*source);
    r.recorded_at = q->col_text(8);
    out.push_back(std::move(r));
    return Status::success();
  }));
  return out;
}

// --- Change log ----------------------------------------------------------------------------

Result<std::vector<ChangeEvent>> SqliteStore::changes_since(std::int64_t since,
                                                            std::size_t limit) {
  const ReadLease conn(*this);
  auto q = Stmt::prepare(conn.get(),
                         "SELECT seq, CASE WHEN kind = 'updated' AND changes = '[]' THEN "
                         "'provenance_updated' ELSE kind END, convention_id, departement, "
                         "revision, payload, created_at, COALESCE(changes, '') FROM change_log "
                         "WHERE seq > ?1 ORDER BY seq LIMIT ?2");
  if (!q) return q.error();
  q->bind(since, sql_limit(limit));
  std::vector<ChangeEvent> out;
  CONVENTIOND_TRY(q->each([&] {
    out.push_back(ChangeEvent{q->col_int(0), q->col_text(1), q->col_text(2), q->col_text(3),
                              q->col_int(4), q->col_text(5), q->col_text(6), q->col_text(7)});
    return Status::success();
  }));
  return out;
}

Result<std::int64_t> SqliteStore::latest_seq() {
  const ReadLease conn(*this);
  auto seq = query_int(conn.get(), "SELECT MAX(seq) FROM change_log");
  if (!seq) return seq.error();
  return seq->value_or(0);
}

Result<std::int64_t> SqliteStore::oldest_seq() {
  const ReadLease conn(*this);
  auto seq = query_int(conn.get(), "SELECT MIN(seq) FROM change_log");
  if (!seq) return seq.error();
  return seq->value_or(0);
}

Result<std::int64_t> SqliteStore::prune_changes(std::string_view before) {
  // "YYYY-MM-DDTHH:MM:SS" with an optional fraction and "Z" or an offset; normalised by SQLite
  // to the store's own format, so that comparing the text compares the times.
  auto invalid = [&] {
    return Error::make("invalid", "store: prune_changes: '" + std::string(before.substr(0, 64)) +
                                      "' is not an RFC 3339 time (YYYY-MM-DDTHH:MM:SSZ)");
  };
  auto digit = [&](std::size_t i) { return before[i] >= '0' && before[i] <= '9'; };
  if (before.size() < 20 || before.size() > 64 || before[4] != '-' || before[7] != '-' ||
      (before[10] != 'T' && before[10] != 't' && before[10] != ' ') || before[13] != ':' ||
      before[16] != ':')
    return invalid();
  static constexpr std::size_t kDigits[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
  for (std::size_t i : kDigits)
    if (!digit(i)) return invalid();
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  std::string normalized;
  {
    auto q = Stmt::prepare(db, "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', ?1)");
    if (!q) return q.error();
    // SQLite reads "T" (not "t") and no space; it accepts the rest as RFC 3339 writes it.
    std::string text(before);
    text[10] = 'T';
    if (text.back() == 'z') text.back() = 'Z';
    q->bind(text);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row || q->col_null(0)) return invalid();
    normalized = q->col_text(0);
  }
  auto del = Stmt::prepare(db,
                           "DELETE FROM change_log WHERE created_at < ?1 "
                           "AND seq < (SELECT MAX(seq) FROM change_log)");
  if (!del) return del.error();
  CONVENTIOND_TRY(del->bind(normalized).run());
  return del->changes();
}

// --- Consumers' cursors --------------------------------------------------------------------

Result<std::int64_t> SqliteStore::consumer_cursor(std::string_view consumer) {
  std::lock_guard lock(mu_);
  auto seq = query_int(db_.get(), "SELECT seq FROM consumer_cursors WHERE consumer = ?1", consumer);
  if (!seq) return seq.error();
  return seq->value_or(0);
}

Status SqliteStore::set_consumer_cursor(std::string_view consumer, std::int64_t seq) {
  if (consumer.empty())
    return Error::make("invalid", "store: set_consumer_cursor: empty consumer name");
  if (seq < 0) {
    return Error::make("invalid", "store: set_consumer_cursor '" + std::string(consumer) +
                                      "': negative seq " + std::to_string(seq));
  }
  std::lock_guard lock(mu_);
  auto up = Stmt::prepare(db_.get(),
                          "INSERT INTO consumer_cursors(consumer, seq, updated_at) VALUES (?1, ?2, "
                          CONVENTIOND_NOW ") ON CONFLICT(consumer) DO UPDATE SET "
                          "seq = excluded.seq, updated_at = excluded.updated_at");
  if (!up) return up.error();
  return up->bind(consumer, seq).run();
}

}  // namespace conventiond

// --- Corrections -------------------------------------------------------------------------------

namespace conventiond {

using namespace sqlite_detail;

namespace {

constexpr const char* kCorrectionColumns =
    "SELECT id, programme, departement, kind, field, value, note, author, created_at "
    "FROM corrections ";

Correction correction_row(Stmt& q) {
  Correction c;
  c.id = q.col_int(0);
  c.programme = q.col_text(1);
  c.departement = q.col_text(2);
  c.kind = q.col_text(3);
  c.field = q.col_text(4);
  c.value_json = q.col_text(5);
  c.note = q.col_text(6);
  c.author = q.col_text(7);
  c.created_at = q.col_text(8);
  return c;
}

}  // namespace

Result<std::vector<Correction>> sqlite_detail::corrections_of(sqlite3* db, std::string_view programme,
                                                              std::string_view departement) {
  auto q = Stmt::prepare(db, std::string(kCorrectionColumns) +
                                 "WHERE programme = ?1 AND departement = ?2 ORDER BY id");
  if (!q) return q.error();
  q->bind(programme, departement);
  std::vector<Correction> out;
  CONVENTIOND_TRY(q->each([&] {
    out.push_back(correction_row(*q));
    return Status::success();
  }));
  return out;
}

Result<Correction> SqliteStore::add_correction(const Correction& c) {
  // The rules of model/correction.hpp once more, so that nothing unreadable is stored.
  auto value = parse_json(c.value_json);
  if (!value) return Error::make("invalid", "store: correction value: " + value.error().message);
  auto checked = make_correction(c.programme, c.departement, c.kind,
                                 c.kind == "not_a_convention" ? std::string() : c.field, *value,
                                 c.note, c.author);
  if (!checked) return checked.error();
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  auto now = now_text(db);
  if (!now) return now.error();
  auto ins = Stmt::prepare(db,
                           "INSERT INTO corrections(programme, departement, kind, field, value, "
                           "note, author, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!ins) return ins.error();
  ins->bind(checked->programme, checked->departement, checked->kind, checked->field,
            checked->value_json, checked->note, checked->author, *now);
  CONVENTIOND_TRY(ins->run());
  checked->id = static_cast<std::int64_t>(sqlite3_last_insert_rowid(db));
  checked->created_at = *now;
  return std::move(*checked);
}

Result<std::vector<Correction>> SqliteStore::corrections_for(std::string_view programme,
                                                             std::string_view departement) {
  std::lock_guard lock(mu_);
  return corrections_of(db_.get(), programme, departement);
}

Result<bool> SqliteStore::remove_correction(std::string_view programme,
                                            std::string_view departement, std::int64_t id) {
  std::lock_guard lock(mu_);
  auto del = Stmt::prepare(
      db_.get(), "DELETE FROM corrections WHERE id = ?1 AND programme = ?2 AND departement = ?3");
  if (!del) return del.error();
  del->bind(id, programme, departement);
  CONVENTIOND_TRY(del->run());
  return del->changes() > 0;
}

}  // namespace conventiond
