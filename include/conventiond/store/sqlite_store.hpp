#pragma once
// The embedded default store: one SQLite file in WAL mode (or ":memory:").

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/store/store.hpp>

struct sqlite3;

namespace conventiond {

struct SqliteOptions {
  int busy_timeout_ms = 5000;
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
  Result<RunSummary> finish_run(RunId run) override;
  Result<RunReport> run_report(RunId run) override;
  Result<std::vector<RunSummary>> interrupted_runs() override;
  Result<RunSummary> resume_run(RunId run) override;
  Result<std::optional<JobCursor>> job_cursor(std::string_view job) override;
  Result<std::vector<Observation>> observations_for_url(std::string_view url) override;
  Result<std::int64_t> observation_count() override;

 private:
  struct DbCloser {
    void operator()(sqlite3* db) const noexcept;
  };
  SqliteStore(std::string path, std::unique_ptr<sqlite3, DbCloser> db);
  Status migrate();
  Result<RunSummary> load_run(RunId run);
  Result<RunCounts> count_items(RunId run);

  std::string path_;
  std::unique_ptr<sqlite3, DbCloser> db_;
  std::mutex mu_;
  int schema_version_ = 0;
  int applied_at_open_ = 0;
};

}  // namespace conventiond
