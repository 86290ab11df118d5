#pragma once
// The embedded default store: one SQLite file in WAL mode (or ":memory:").

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <conventiond/store/store.hpp>

struct sqlite3;

namespace conventiond {

struct SqliteOptions {
  int busy_timeout_ms = 5000;
  // Read-only connections beside the one writer (WAL lets them read while it writes): the
  // change log, the conventions and indicators are read through them, so a reader never
  // waits for a write in progress. 0 (and always for ":memory:"): reads use the writer.
  int readers = 3;
};

// The schema, as ordered migrations: migration i (0-based) brings the schema to version i + 1.
const std::vector<std::string_view>& sqlite_migrations();

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) the file at `path`, sets WAL, foreign keys and the busy timeout,
  // and applies the migrations it lacks, each in its own transaction. Errors name the path:
  // "io" (cannot open), "corrupt" (not a SQLite database), "schema" (newer than this build).
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                   const SqliteOptions& options = {});

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  const std::string& path() const noexcept { return path_; }
  int schema_version() const noexcept { return schema_version_; }
  int migrations_applied_at_open() const noexcept { return applied_at_open_; }
  std::string journal_mode();

  Result<RunId> start_run(std::string_view job) override;
  Result<std::optional<ItemState>> previous_item(std::string_view job,
                                                 std::string_view url) override;
  Status commit_item(RunId run, const ItemRecord& item,
                     const std::vector<Observation>& observations) override;
  Result<bool> item_done(RunId run, std::string_view url) override;
  using Store::finish_run;
  Result<RunSummary> finish_run(RunId run, const RunEnd& end) override;
  Status mark_run_interrupted(RunId run, std::string_view reason) override;
  Result<RunReport> run_report(RunId run) override;
  Result<std::vector<RunSummary>> interrupted_runs() override;
  Result<RunSummary> resume_run(RunId run) override;
  Result<std::optional<JobCursor>> job_cursor(std::string_view job) override;
  Result<std::vector<Observation>> observations_for_url(std::string_view url) override;
  Result<std::int64_t> observation_count() override;
  Result<Correction> add_correction(const Correction& c) override;
  Result<std::vector<Correction>> corrections_for(std::string_view programme,
                                                  std::string_view departement) override;
  Result<bool> remove_correction(std::string_view programme, std::string_view departement,
                                 std::int64_t id) override;

  Result<std::size_t> enqueue(RunId run, const std::vector<PendingRequest>& requests) override;
  Result<std::vector<PendingRequest>> pending(RunId run, std::int64_t after_id,
                                              std::size_t limit) override;
  Status commit_item(RunId run, const ItemRecord& item, const ItemOutput& output) override;

  Result<std::vector<std::string>> jobs() override;
  Result<std::vector<PendingRequest>> failed_requests(RunId run) override;
  Result<std::vector<PendingRequest>> stale_items(std::string_view job, std::string_view seen_before,
                                                  std::size_t limit) override;

  Result<std::vector<Observation>> observations_for_convention(
      std::string_view programme, std::string_view departement) override;
  Result<std::vector<std::pair<std::string, std::string>>> touched_by_run(RunId run) override;
  Result<SaveResult> save_convention(const Convention& merged) override;
  Result<std::optional<SaveResult>> merge_convention(std::string_view programme,
                                                     std::string_view departement,
                                                     const MergeFunction& merge) override;
  Result<std::optional<Convention>> convention(std::string_view id) override;
  Result<std::vector<Convention>> conventions() override;
  Result<std::vector<Convention>> convention_history(std::string_view id) override;

  Result<bool> save_indicator(const Indicator& indicator) override;
  Result<std::vector<IndicatorRecord>> indicators(std::string_view departement) override;

  Result<std::vector<ChangeEvent>> changes_since(std::int64_t since, std::size_t limit) override;
  Result<std::int64_t> latest_seq() override;
  Result<std::int64_t> oldest_seq() override;
  Result<std::int64_t> prune_changes(std::string_view before) override;

  Result<std::int64_t> consumer_cursor(std::string_view consumer) override;
  Status set_consumer_cursor(std::string_view consumer, std::int64_t seq) override;

  Result<Subscription> create_subscription(const NewSubscription& s) override;
  Result<std::optional<Subscription>> subscription(std::int64_t id) override;
  Result<std::vector<Subscription>> subscriptions() override;
  Result<SubscriptionSecrets> subscription_secrets(std::int64_t id) override;
  Status rotate_subscription_secret(std::int64_t id, std::string_view secret,
                                    std::string_view previous_until) override;
  Status delete_subscription(std::int64_t id) override;
  Status set_subscription_cursor(std::int64_t id, std::int64_t seq,
                                 CursorMove move = CursorMove::forward) override;
  Status record_subscription_failure(std::int64_t id, std::string_view error) override;
  Status pause_subscription(std::int64_t id, std::string_view reason) override;
  Status resume_subscription(std::int64_t id) override;

  Result<DeadLetter> add_dead_letter(std::int64_t subscription, std::int64_t seq,
                                     std::string_view event_json, std::string_view error,
                                     std::int64_t attempts) override;
  Result<std::vector<DeadLetter>> dead_letters(std::int64_t subscription, std::int64_t after_id,
                                               std::size_t limit) override;
  Result<std::optional<DeadLetter>> dead_letter(std::int64_t id) override;
  Result<std::optional<DeadLetter>> take_dead_letter(std::int64_t id) override;
  Result<std::int64_t> dead_letter_count(std::int64_t subscription) override;

  Result<bool> try_lease(std::string_view name, std::string_view owner,
                         std::chrono::milliseconds ttl) override;
  Status release_lease(std::string_view name, std::string_view owner) override;
  Result<std::optional<std::string>> lease_owner(std::string_view name) override;

  Status ping() override;
  Status check_health() override;
  std::optional<StoreFailure> last_failure() const override;
  Result<std::vector<RunSummary>> find_runs(const RunFilter& filter) override;

 private:
  struct DbCloser {
    void operator()(sqlite3* db) const noexcept;
  };
  SqliteStore(std::string path, std::unique_ptr<sqlite3, DbCloser> db);
  Status migrate();
  Result<RunSummary> load_run(RunId run);
  Result<RunCounts> count_items(RunId run);

  // A connection to read with: a free reader (waits for one), or the writer under mu_ when
  // the store has no readers.
  class ReadLease {
   public:
    explicit ReadLease(SqliteStore& store);
    ~ReadLease();
    ReadLease(const ReadLease&) = delete;
    ReadLease& operator=(const ReadLease&) = delete;
    sqlite3* get() const noexcept { return db_; }

   private:
    SqliteStore& store_;
    sqlite3* db_ = nullptr;
    std::unique_lock<std::recursive_mutex> writer_lock_;
  };
  Status open_readers(int count, int busy_timeout_ms);

  std::string path_;
  std::unique_ptr<sqlite3, DbCloser> db_;
  std::vector<std::unique_ptr<sqlite3, DbCloser>> readers_;
  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<sqlite3*> free_readers_;
  StoreHealthTracker health_;  // registered for db_ (sqlite_support.hpp)
  std::recursive_mutex mu_;  // the writer; recursive: merge_convention() nests the others
  int schema_version_ = 0;
  int applied_at_open_ = 0;
};

}  // namespace conventiond
