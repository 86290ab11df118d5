#pragma once
// The store: the item ledger (jobs, runs, items, documents, observations, job cursors), each
// run's frontier, the merged conventions with their revisions, the indicators, and the change
// log that publication reads (with its consumers' cursors).
// SqliteStore (sqlite_store.hpp) is the embedded default; other back ends implement the same
// interface with the same behaviour. No exception leaves a store: every expected failure is a
// Result / Status with Error{code, message}. Codes: "io" (cannot open), "corrupt" (not a
// database), "schema" (migration problem, or a file from a newer version), "not_found" (unknown
// run), "invalid" (bad argument or state), "conflict" (the job already has a running run),
// "store" (any other database error). Methods taking a RunId fail with "not_found" for an
// unknown run (item_done excepted: false), those taking a subscription or dead-letter id with
// "not_found" for an unknown one. Names are sorted by their bytes (ASCII order).
// docs/store.md describes the tables and the semantics in detail.

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <conventiond/model/convention.hpp>
#include <conventiond/model/indicator.hpp>
#include <conventiond/model/correction.hpp>
#include <conventiond/model/observation.hpp>
#include <conventiond/result.hpp>
#include <conventiond/store/store_health.hpp>

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
  // How many of those resumptions followed a crash (the process died while the run was in
  // progress, without mark_run_interrupted()).
  std::int64_t crashes = 0;
  // Why the run did not finish cleanly ("" when it did): the connector could not start, the
  // store failed, it was interrupted (while running), quarantined after crashes...
  std::string error;
};

// How a run ends, besides its items' statuses (finish_run).
struct RunEnd {
  std::string error;    // stored as the run's error ("" clears it)
  bool failed = false;  // the run ends "failed" whatever its items (store down, quarantine)
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

// A request waiting in a run's frontier (crawl queue). The frontier lives in the store so that
// an interrupted run resumes where it was and memory does not grow with the number of items.
struct PendingRequest {
  std::string key;           // the item key: the URL for a GET, "POST <url> #<hash>" otherwise
  std::string request_json;  // the sdk::Request as JSON (opaque to the store)
  std::int64_t id = 0;       // set by the store: order of enqueueing within the run
};

// What one item produced, committed with its status in one transaction.
struct ItemOutput {
  std::vector<Observation> observations;  // replace those of the same document
  std::vector<Indicator> indicators;      // saved as by save_indicator(), same transaction
  std::vector<PendingRequest> enqueue;    // added to the run's frontier (keys already queued
                                          // or committed in the run are ignored)
};

// One convention record as stored, with its current revision.
struct SaveResult {
  Convention convention;  // as stored now (revision and updated_at set by the store)
  bool changed = false;   // false: the content was identical, nothing written
  std::int64_t seq = 0;   // the change-log event written, 0 when unchanged
};

struct IndicatorRecord {
  Indicator indicator;
  std::int64_t revision = 1;  // 1 for the first value of (departement, name, period)
  std::string recorded_at;    // RFC 3339 UTC
};

// One event of the change log (totally ordered by seq).
struct ChangeEvent {
  std::int64_t seq = 0;
  // "created", "updated" (facts changed), "provenance_updated" (only the provenance or the
  // evidence changed), "indicators_updated"
  std::string kind;
  std::string convention_id;   // "" for an indicator of a département without a convention
  std::string departement;     // INSEE code
  std::int64_t revision = 0;   // the convention's revision (0 when there is none)
  std::string payload_json;    // the full new record (convention JSON, or the indicator JSON)
  std::string created_at;      // RFC 3339 UTC
  // For "updated": the facts' members that changed with their previous values
  // (model/facts_changes.hpp), a JSON array; "" when not known (events written before this
  // was recorded, and every other kind).
  std::string changes_json{};
};

struct JobCursor {
  std::string cursor;
  std::string last_url;
  RunId last_run = 0;
  std::string updated_at;
};

// --- Webhook subscriptions, dead letters, leases -------------------------------------------

enum class SubscriptionStatus { active, paused };
// "active", "paused".
std::string_view to_string(SubscriptionStatus s) noexcept;
std::optional<SubscriptionStatus> subscription_status_from_string(std::string_view s) noexcept;

// Which events a subscription receives: an empty list means every value.
struct SubscriptionFilter {
  std::vector<std::string> departements;  // INSEE codes ("01", "2A", "971")
  std::vector<std::string> kinds;         // "created", "updated", "indicators_updated"
  bool operator==(const SubscriptionFilter&) const = default;
};

// What create_subscription() needs.
struct NewSubscription {
  std::string url;
  std::string secret;  // may be empty (deliveries are then unsigned)
  SubscriptionFilter filter;
  // The cursor to start from (events with a greater seq are delivered); nullopt: the latest
  // seq at creation (only later events).
  std::optional<std::int64_t> from_seq;
};

// A subscription as the API shows it: never its secret.
struct Subscription {
  std::int64_t id = 0;
  std::string url;
  bool has_secret = false;
  SubscriptionFilter filter;
  SubscriptionStatus status = SubscriptionStatus::active;
  std::int64_t cursor = 0;                // the last seq delivered (or skipped by the filter)
  std::int64_t consecutive_failures = 0;  // failed attempts since the last delivery
  std::string last_error;                 // the last failure ("" when none, or since the
                                          // next delivery: a forward cursor move clears it)
  std::string last_error_at;              // when it happened, RFC 3339 UTC ("" with it)
  std::string created_at;                 // RFC 3339 UTC
  std::string updated_at;
  // The end of the last rotation's overlap window (RFC 3339 UTC; "" when the secret was never
  // rotated with one): until then deliveries are signed with the previous secret too.
  std::string previous_secret_until;
};

// A subscription's signing secrets as stored (sealed by the publisher's keyring).
struct SubscriptionSecrets {
  std::string current;         // "" when deliveries are unsigned
  std::string previous;        // the secret rotated out ("" when none)
  std::string previous_until;  // RFC 3339 UTC: the previous one also signs until then
};

// An event a subscription could not deliver, kept for a replay. `event_json` is the body that
// was POSTed (so a replay does not depend on the change log's retention).
struct DeadLetter {
  std::int64_t id = 0;
  std::int64_t subscription_id = 0;
  std::int64_t seq = 0;
  std::string event_json;
  std::string error;
  std::int64_t attempts = 0;
  std::string created_at;
};

// How set_subscription_cursor() may move a cursor.
enum class CursorMove { forward, reset };

class Store {
 public:
  virtual ~Store() = default;

  // In-process wake-ups: `listener` is called after each commit of this object that wrote
  // change-log events (on the committing thread, which may hold the store's lock: it must
  // only post work elsewhere, and not call set_commit_listener). Once it returns, an empty
  // listener is never called again. Commits by other processes are announced only after
  // watch_other_commits() (poll latest_seq() otherwise).
  void set_commit_listener(std::function<void()> listener) {
    const std::lock_guard lock(listener_mu_);
    commit_listener_ = std::move(listener);
  }

  // Also calls the commit listener, from a thread of the store's own, after commits of other
  // processes (other daemons) that wrote change-log events, where the back end can say so:
  // PostgreSQL's LISTEN/NOTIFY (a connection of its own, re-made when it breaks, with a wake-up
  // after each reconnection since notifications may have been missed). "unsupported" where it
  // cannot (SQLite: poll latest_seq()). Stops with the store.
  virtual Status watch_other_commits() {
    return Error::make("unsupported", "store: this back end does not announce other processes' commits");
  }

 protected:
  void notify_commit() const {
    const std::lock_guard lock(listener_mu_);
    if (commit_listener_) commit_listener_();
  }

 private:
  mutable std::mutex listener_mu_;
  std::function<void()> commit_listener_;

 public:

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
  // (The ItemOutput overload below also saves indicators and extends the frontier; this one
  // is that overload with only observations. Note: `commit_item(run, item, {})` is ambiguous
  // between the two; write `ItemOutput{}` or `std::vector<Observation>{}`.)

  // Whether `url` was already committed in `run` (a resumed run skips it).
  virtual Result<bool> item_done(RunId run, std::string_view url) = 0;

  // Ends a running run: done (no failure), done_with_errors (some failed), failed (all failed,
  // or no item at all, or end.failed); the run's error becomes end.error. Returns the final
  // summary.
  virtual Result<RunSummary> finish_run(RunId run, const RunEnd& end) = 0;
  Result<RunSummary> finish_run(RunId run) { return finish_run(run, RunEnd{}); }

  // Records that a running run was stopped on purpose (shutdown, lost lease) and will be
  // resumed: its error becomes `reason`, and its next resume_run() is not counted as a crash.
  // "not_found"; "invalid" when the run is not running.
  virtual Status mark_run_interrupted(RunId run, std::string_view reason) = 0;

  virtual Result<RunReport> run_report(RunId run) = 0;

  // Runs still "running" (left so by a crash when called at start), oldest first. With
  // several daemons on one database this lists the runs other live daemons are running too:
  // a daemon resumes only a run whose lease "run:<id>" it takes (try_lease), renews it while
  // running, and the daemon that started a run takes that lease right away (docs/store.md).
  virtual Result<std::vector<RunSummary>> interrupted_runs() = 0;

  // Takes an interrupted run back; returns its summary with the counts committed so far.
  // resumed + 1; crashes + 1 too unless mark_run_interrupted() was called since the run was
  // started or last resumed (the process died while the run was in progress).
  virtual Result<RunSummary> resume_run(RunId run) = 0;

  virtual Result<std::optional<JobCursor>> job_cursor(std::string_view job) = 0;

  // The observations stored for the documents of `url`, in insertion order.
  virtual Result<std::vector<Observation>> observations_for_url(std::string_view url) = 0;

  // Number of observation rows (all documents).
  virtual Result<std::int64_t> observation_count() = 0;

  // --- Frontier -------------------------------------------------------------------------
  // Adds requests to the run's frontier; a key already queued or committed in the run is
  // ignored (so is a key repeated in `requests`: the first wins). Returns how many were added.
  // All or nothing: an empty key is "invalid" and adds none; the run must be running
  // ("not_found", "invalid"). The requests' `id` is ignored (the store assigns it).
  virtual Result<std::size_t> enqueue(RunId run, const std::vector<PendingRequest>& requests) = 0;
  // Requests of the run's frontier not yet committed (no commit_item with that key as url),
  // with id > after_id, in id order, at most limit.
  virtual Result<std::vector<PendingRequest>> pending(RunId run, std::int64_t after_id,
                                                      std::size_t limit) = 0;

  // Commits an item and all it produced in one transaction (see the other overload): the
  // ledger rows, the observations, the indicators (as save_indicator()), then the frontier
  // (output.enqueue, as enqueue(); the item's own key, committed now, is ignored). Any invalid
  // part (an observation without a département, an invalid indicator, an empty key) fails
  // the whole commit, the error naming the item's url, and nothing of the item is written.
  // The item's request_json is taken from the frontier row with key == item.url, if any.
  virtual Status commit_item(RunId run, const ItemRecord& item, const ItemOutput& output) = 0;

  // --- Runs -----------------------------------------------------------------------------
  // The most recent runs (of one job, or of all when job is empty), newest first.
  // find_runs() with the job and the limit alone.
  Result<std::vector<RunSummary>> runs(std::string_view job, std::size_t limit) {
    RunFilter filter;
    filter.job = std::string(job);
    filter.limit = limit;
    return find_runs(filter);
  }
  // Names of every job the store has seen, sorted.
  virtual Result<std::vector<std::string>> jobs() = 0;
  // The failed items of a run, to be fetched again by a retry (keys and their requests),
  // ordered by key. An item that was in the run's frontier comes with that row (request_json
  // and id); one never queued has an empty request_json and id 0 (its key is its URL). For a
  // finished run, the requests left in its frontier without a commit (a run that ended
  // "failed" because the store was down) are included too.
  virtual Result<std::vector<PendingRequest>> failed_requests(RunId run) = 0;
  // Items of the job (its ledger) last committed before `seen_before` (RFC 3339) whose last
  // status was new, updated, unchanged or skipped_filter: what a run fetches again (with their
  // validators) when they are older than the job's recheck_after. Oldest first, at most
  // limit; each with the request it was last fetched with ("" when unknown) and id 0.
  virtual Result<std::vector<PendingRequest>> stale_items(std::string_view job,
                                                          std::string_view seen_before,
                                                          std::size_t limit) = 0;

  // --- Conventions ----------------------------------------------------------------------
  // Observations about (programme, departement) from the latest version of every document,
  // in insertion order.
  virtual Result<std::vector<Observation>> observations_for_convention(
      std::string_view programme, std::string_view departement) = 0;
  // Programme + département pairs whose observations a commit of `run` added, replaced or
  // removed (a new version of a document that no longer mentions a département touches it
  // too): what the merge must recompute after the run. Sorted.
  virtual Result<std::vector<std::pair<std::string, std::string>>> touched_by_run(RunId run) = 0;
  // Saves a merged record. When its content (programme, facts, provenance) equals the stored
  // one nothing is written. Otherwise, in one transaction: revision = stored + 1 (1 when new),
  // updated_at = now, the record and a revision row, and a change event "created" or "updated"
  // carrying the record's JSON. Content is compared on the model's JSON (to_json) without
  // revision and updated_at, in the model's canonical form. An empty id is
  // Convention::make_id(programme, département); a record without a département, or one the
  // model's JSON parser does not read back (unknown département code), is "invalid".
  virtual Result<SaveResult> save_convention(const Convention& merged) = 0;
  // Read-merge-save of one convention: the observations of (programme, departement) as
  // observations_for_convention() gives them are passed to `merge`, and the record it returns
  // is saved as save_convention() does. nullopt (nothing saved) when there is no observation
  // or `merge` returns nullopt; an error of `merge` is returned as is. SQLite does it all in
  // one write transaction, so two workers merging one convention never save a stale merge;
  // this default (PostgreSQL for now) reads and saves in two transactions.
  using MergeFunction =
      std::function<Result<std::optional<Convention>>(const std::vector<Observation>&)>;
  virtual Result<std::optional<SaveResult>> merge_convention(std::string_view programme,
                                                             std::string_view departement,
                                                             const MergeFunction& merge) {
    auto observations = observations_for_convention(programme, departement);
    if (!observations) return observations.error();
    if (observations->empty()) return std::optional<SaveResult>{};
    auto merged = merge(*observations);
    if (!merged) return merged.error();
    if (!*merged) return std::optional<SaveResult>{};
    auto saved = save_convention(**merged);
    if (!saved) return saved.error();
    return std::optional<SaveResult>(std::move(*saved));
  }
  virtual Result<std::optional<Convention>> convention(std::string_view id) = 0;
  // Every current record, ordered by id.
  virtual Result<std::vector<Convention>> conventions() = 0;
  // Every stored revision of one record, oldest first.
  virtual Result<std::vector<Convention>> convention_history(std::string_view id) = 0;

  // --- Indicators -----------------------------------------------------------------------
  // Saves one indicator value. The same value for (departement, name, period) as the latest
  // stored changes nothing (returns false); a new or corrected value is a new revision and a
  // change event "indicators_updated" (one per convention of the département, or one with an
  // empty convention_id when there is none), in one transaction. Returns whether it changed.
  // Value, unit and note are compared (the source is not). "invalid": an empty département,
  // name or period, a value that is not finite, an unknown département code.
  virtual Result<bool> save_indicator(const Indicator& indicator) = 0;
  // Every revision of every indicator of a département, by name, period, then revision.
  virtual Result<std::vector<IndicatorRecord>> indicators(std::string_view departement) = 0;

  // --- Corrections by operators (model/correction.hpp, docs/corrections.md) -------------
  // Each correction of (programme, departement) is one more observation of it in
  // observations_for_convention() (after the documents', by id), so every merge of the
  // convention, re-harvests included, applies it; removing it gives the documents' merge back.
  // The caller merges the convention again after adding or removing one.
  // Stores c (made by make_correction()), giving it its id and created_at (now).
  virtual Result<Correction> add_correction(const Correction& c) = 0;
  // The corrections of one convention, by id.
  virtual Result<std::vector<Correction>> corrections_for(std::string_view programme,
                                                          std::string_view departement) = 0;
  // Deletes correction `id` of that convention; false when there is none.
  virtual Result<bool> remove_correction(std::string_view programme, std::string_view departement,
                                         std::int64_t id) = 0;

  // --- Change log -----------------------------------------------------------------------
  // Events with seq > since, in seq order, at most limit.
  virtual Result<std::vector<ChangeEvent>> changes_since(std::int64_t since,
                                                         std::size_t limit) = 0;
  // The latest seq (0 when the log is empty) and the oldest retained (0 when empty).
  virtual Result<std::int64_t> latest_seq() = 0;
  virtual Result<std::int64_t> oldest_seq() = 0;
  // Deletes events created before `before` (RFC 3339, "invalid" otherwise), keeping at least
  // the latest one. Returns how many were deleted. Sequence numbers are never reused.
  virtual Result<std::int64_t> prune_changes(std::string_view before) = 0;

  // --- Consumers' cursors (change feed subscribers, sinks) ------------------------------
  // A cursor is the last seq the consumer handled; it may be set back (a replay). "invalid":
  // an empty name or a negative seq.
  virtual Result<std::int64_t> consumer_cursor(std::string_view consumer) = 0;  // 0 if unknown
  virtual Status set_consumer_cursor(std::string_view consumer, std::int64_t seq) = 0;

  // --- Webhook subscriptions ------------------------------------------------------------
  // Creates an active subscription. "invalid": an empty url, a negative from_seq, a filter
  // kind that is not an event kind, a filter département that is not one (codes are stored
  // normalised: "1" -> "01"). The URL itself is checked by the publisher
  // (publish/webhook_url.hpp), not here.
  virtual Result<Subscription> create_subscription(const NewSubscription& s) = 0;
  virtual Result<std::optional<Subscription>> subscription(std::int64_t id) = 0;
  // Every subscription, by id.
  virtual Result<std::vector<Subscription>> subscriptions() = 0;
  // The secrets, for signing deliveries only ("not_found").
  virtual Result<SubscriptionSecrets> subscription_secrets(std::int64_t id) = 0;
  // A new secret: the current one becomes the previous one, which keeps signing until
  // `previous_until` (RFC 3339 UTC); "" ends it now (no overlap), and so does a subscription
  // that had no secret (nothing to overlap). "invalid": previous_until is neither "" nor
  // RFC 3339; "not_found".
  virtual Status rotate_subscription_secret(std::int64_t id, std::string_view secret,
                                            std::string_view previous_until) = 0;
  // Deletes a subscription and its dead letters ("not_found").
  virtual Status delete_subscription(std::int64_t id) = 0;
  // forward: cursor = max(cursor, seq), and a move clears consecutive_failures, last_error
  // and last_error_at (the event was handled); reset: cursor = seq, whatever it was (a replay from an older seq).
  // "invalid": a negative seq; "not_found".
  virtual Status set_subscription_cursor(std::int64_t id, std::int64_t seq,
                                         CursorMove move = CursorMove::forward) = 0;
  // One more failed attempt: consecutive_failures + 1, last_error = error, last_error_at = now
  // ("not_found").
  virtual Status record_subscription_failure(std::int64_t id, std::string_view error) = 0;
  // status = paused, last_error = reason, last_error_at = now ("not_found").
  virtual Status pause_subscription(std::int64_t id, std::string_view reason) = 0;
  // status = active, consecutive_failures = 0 (last_error is kept) ("not_found").
  virtual Status resume_subscription(std::int64_t id) = 0;

  // --- Dead letters ---------------------------------------------------------------------
  // In one transaction: keeps the event `seq` (its body event_json) as a dead letter of the
  // subscription and pauses the subscription with last_error = error and
  // consecutive_failures = attempts. The cursor stays (before the event): a resume delivers
  // the event first, then those after it, in order. Returns the dead letter ("not_found").
  virtual Result<DeadLetter> add_dead_letter(std::int64_t subscription, std::int64_t seq,
                                             std::string_view event_json, std::string_view error,
                                             std::int64_t attempts) = 0;
  // The dead letters of a subscription with id > after_id, by id, at most limit.
  virtual Result<std::vector<DeadLetter>> dead_letters(std::int64_t subscription,
                                                       std::int64_t after_id,
                                                       std::size_t limit) = 0;
  virtual Result<std::optional<DeadLetter>> dead_letter(std::int64_t id) = 0;
  // Removes a dead letter and returns it (nullopt when there is none with that id).
  virtual Result<std::optional<DeadLetter>> take_dead_letter(std::int64_t id) = 0;
  virtual Result<std::int64_t> dead_letter_count(std::int64_t subscription) = 0;

  // --- Named leases (several daemons on one database) -----------------------------------
  // Takes lease `name` for `owner` until now + ttl when it is free, expired, or already
  // `owner`'s (a renewal); true when `owner` holds it now. Two owners never both hold one.
  // The database's clock decides. "invalid": an empty name or owner, a ttl <= 0.
  virtual Result<bool> try_lease(std::string_view name, std::string_view owner,
                                 std::chrono::milliseconds ttl) = 0;
  // Gives the lease up when `owner` holds it (nothing otherwise).
  virtual Status release_lease(std::string_view name, std::string_view owner) = 0;
  // Who holds the lease now (nullopt: free or expired).
  virtual Result<std::optional<std::string>> lease_owner(std::string_view name) = 0;

  // Whether the store answers (for /readyz). Cheap; does not clear last_failure().
  virtual Status ping() = 0;

  // --- Health (for /readyz; docs/daemon.md) ---------------------------------------------
  // A real check, run at start (slow on a big store: not per request): the schema version is
  // the one this build migrates to, and (SQLite) PRAGMA quick_check finds nothing wrong.
  // "schema", "corrupt", or the store's error. A failure is also kept as last_failure(),
  // sticky.
  virtual Status check_health() = 0;
  // The last failure of an operation for a reason of the store itself (I/O, lock timeout,
  // corruption, connection lost; not "not_found", "invalid", "conflict"), unless an operation
  // succeeded since; corruption and a failed check_health() stay (sticky). Cheap, any thread.
  virtual std::optional<StoreFailure> last_failure() const = 0;

  // --- Runs across jobs (GET /v1/runs; docs/console.md) ---------------------------------
  // A cancelled run (POST /v1/runs/{id}/cancel) is stored "failed" with an error starting
  // with kCancelledPrefix ("cancelled: by ... at ..."); the API shows it as "cancelled".
  static constexpr std::string_view kCancelledPrefix = "cancelled: ";
  struct RunFilter {
    std::string job;                   // "" = every job
    std::optional<RunStatus> status;   // nullopt = any
    std::optional<bool> cancelled;     // true: only cancelled runs; false: none of them
    std::string started_from;          // RFC 3339, inclusive ("" = no bound)
    std::string started_to;            // RFC 3339, exclusive ("" = no bound)
    RunId before_id = 0;               // the cursor: runs with id < before_id (0 = none)
    std::size_t limit = 50;
  };
  // Runs matching the filter, newest (highest id) first, at most limit.
  virtual Result<std::vector<RunSummary>> find_runs(const RunFilter& filter) = 0;
};

}  // namespace conventiond
