#pragma once
// The store: the item ledger (jobs, runs, items, documents, observations, job cursors).
// SqliteStore (sqlite_store.hpp) is the embedded default; other back ends implement the same
// interface with the same behaviour. No exception leaves a store: every expected failure is a
// Result / Status with Error{code, message}. Codes: "io" (cannot open), "corrupt" (not a
// database), "schema" (migration problem, or a file from a newer version), "not_found" (unknown
// run), "invalid" (bad argument or state), "conflict" (the job already has a running run),
// "store" (any other database error).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/model/observation.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

using RunId = std::int64_t;

enum class RunStatus { running, done, done_with_errors, failed };

enum class ItemStatus { new_item, updated, unchanged, failed, skipped_robots, skipped_filter };

// "running", "done", "done_with_errors", "failed".
std::string_view to_string(RunStatus s) noexcept;
std::optional<RunStatus> run_status_from_string(std::string_view s) noexcept;
// "new", "updated", "unchanged", "failed", "skipped_robots", "skipped_filter".
std::string_view to_string(ItemStatus s) noexcept;
std::optional<ItemStatus> item_status_from_string(std::string_view s) noexcept;

// What a conditional GET needs from the last time the job saw a URL.
struct ItemState {
  std::string etag;
  std::string last_modified;
  std::string content_hash;
  bool operator==(const ItemState&) const = default;
};

// A fetched document (one row per url + content hash: re-fetching identical bytes adds none).
struct DocumentRecord {
  std::string url;
  std::string content_hash;  // "sha256:<hex>"
  std::string media_type;
  std::string title;
  std::string fetched_at;  // RFC 3339 UTC
};

// One URL's outcome in a run.
struct ItemRecord {
  std::string url;
  ItemStatus status = ItemStatus::new_item;
  int http_status = 0;  // 0: no HTTP response (connection error, robots, filter)
  std::string error;    // why it failed or was skipped
  // Validators: for new / updated items they replace the stored ones; for other statuses an
  // empty value keeps the stored one (a failed fetch does not forget the last ETag).
  std::string content_hash;
  std::string etag;
  std::string last_modified;
  int attempts = 1;
  std::optional<DocumentRecord> document;  // required when observations are committed
  std::optional<std::string> cursor;       // the job's new cursor; nullopt keeps the old one
};

struct RunCounts {
  std::int64_t total = 0;
  std::int64_t new_items = 0;
  std::int64_t updated = 0;
  std::int64_t unchanged = 0;
  std::int64_t failed = 0;
  std::int64_t skipped_robots = 0;
  std::int64_t skipped_filter = 0;
  bool operator==(const RunCounts&) const = default;
};

struct RunSummary {
  RunId id = 0;
  std::string job;
  RunStatus status = RunStatus::running;
  RunCounts counts;  // live counts while running, final counts once finished
  std::string started_at;
  std::string finished_at;   // empty while running
  std::int64_t resumed = 0;  // how many times the run was resumed after an interruption
};

struct FailedItem {
  std::string url;
  int http_status = 0;
  std::string error;
  int attempts = 0;
};

struct RunReport {
  RunSummary run;
  std::vector<FailedItem> failed;  // ordered by url
};

struct JobCursor {
  std::string cursor;
  std::string last_url;
  RunId last_run = 0;
  std::string updated_at;
};

class Store {
 public:
  virtual ~Store() = default;

  // Starts a run of `job` (created on first use). Refused ("conflict") while the job has a
  // run still running: resume or finish that one.
  virtual Result<RunId> start_run(std::string_view job) = 0;

  // The validators the job stored for `url` (any earlier run), for a conditional GET.
  virtual Result<std::optional<ItemState>> previous_item(std::string_view job,
                                                         std::string_view url) = 0;

  // In one transaction: the item's status in the run and in the job's ledger, its document,
  // its observations (replacing those of the same document), and the job cursor. On any
  // failure nothing of the item is written. Committing the same url twice in one run replaces
  // the first commit (no duplicates).
  virtual Status commit_item(RunId run, const ItemRecord& item,
                             const std::vector<Observation>& observations) = 0;

  // Whether `url` was already committed in `run` (a resumed run skips it).
  virtual Result<bool> item_done(RunId run, std::string_view url) = 0;

  // Ends a running run: done (no failure), done_with_errors (some failed), failed (all failed,
  // or no item at all). Returns the final summary.
  virtual Result<RunSummary> finish_run(RunId run) = 0;

  virtual Result<RunReport> run_report(RunId run) = 0;

  // Runs still "running" (left so by a crash when called at start), oldest first.
  virtual Result<std::vector<RunSummary>> interrupted_runs() = 0;

  // Takes an interrupted run back; returns its summary with the counts committed so far.
  virtual Result<RunSummary> resume_run(RunId run) = 0;

  virtual Result<std::optional<JobCursor>> job_cursor(std::string_view job) = 0;

  // The observations stored for the documents of `url`, in insertion order.
  virtual Result<std::vector<Observation>> observations_for_url(std::string_view url) = 0;

  // Number of observation rows (all documents).
  virtual Result<std::int64_t> observation_count() = 0;
};

}  // namespace conventiond
