#pragma once
// The store for several daemons: PostgreSQL through libpq, with the same behaviour as
// SqliteStore (store.hpp). One connection guarded by a mutex; a broken connection is
// re-established once before an operation fails.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <conventiond/store/store.hpp>

struct pg_conn;  // libpq's PGconn

namespace conventiond {

// The schema, as ordered migrations: migration i (0-based) brings the schema to version i + 1.
const std::vector<std::string_view>& postgres_migrations();

class PostgresStore final : public Store {
 public:
  // Connects with a libpq connection string: a URL ("postgresql://user@host:port/db?...") or
  // "key=value" pairs; connect_timeout defaults to 10 s when not given. Applies the migrations
  // the database lacks, each in its own transaction, under an advisory lock (daemons starting
  // together do not race). Errors name host, port and database, never the password: "invalid"
  // (a malformed connection string), "io" (the server cannot be reached or refuses the
  // connection), "schema" (a database newer than this build, or a failed migration).
  static Result<std::unique_ptr<PostgresStore>> open(const std::string& conninfo_or_url);

  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // "postgresql://user@host:port/db" without the password (for logs and messages).
  const std::string& display_name() const noexcept { return display_; }
  int schema_version() const noexcept { return schema_version_; }
  int migrations_applied_at_open() const noexcept { return applied_at_open_; }
  // The server process serving this store's connection (0 when not connected); for tests.
  int backend_pid();
  // How many times a broken connection was re-established.
  int reconnects() const noexcept { return reconnects_; }
  // LISTEN on the channel every change-log write NOTIFYs at commit (store.hpp).
  Status watch_other_commits() override;

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

  class Session;  // one operation on the connection (defined in postgres_store.cpp)

 private:
  struct ConnCloser {
    void operator()(pg_conn* c) const noexcept;
  };
  PostgresStore(std::string conninfo, std::string display, std::unique_ptr<pg_conn, ConnCloser> c);
  Status migrate();
  // Runs `op` on a healthy connection under the mutex; when it fails because the connection
  // broke (and nothing was committed), reconnects once and runs it again.
  // Its outcome is noted in health_ (last_failure()) unless `track` is false (ping).
  template <class T, class Op>
  T with_session(Op&& op, bool track = true);

  std::string conninfo_;
  std::string display_;
  std::unique_ptr<pg_conn, ConnCloser> conn_;
  StoreHealthTracker health_;
  std::mutex mu_;
  int schema_version_ = 0;
  int applied_at_open_ = 0;
  int reconnects_ = 0;
  class Watcher;  // the LISTEN connection and its thread
  std::unique_ptr<Watcher> watcher_;
};

}  // namespace conventiond
