#include <conventiond/harvest/job_runner.hpp>

#include <algorithm>
#include <deque>
#include <iostream>
#include <list>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <set>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <conventiond/extract/content_hash.hpp>
#include <conventiond/extract/extractor.hpp>
#include <conventiond/fetch/fetcher.hpp>
#include <conventiond/model/model_json.hpp>
#include <conventiond/model/timestamp.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/sdk/messages.hpp>

namespace conventiond {
namespace {

namespace asio = boost::asio;

constexpr std::size_t kPendingBatch = 256;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::optional<HttpMethod> to_method(const std::string& m) {
  const std::string u = upper(m);
  if (u == "GET" || u.empty()) return HttpMethod::get;
  if (u == "HEAD") return HttpMethod::head;
  if (u == "POST") return HttpMethod::post;
  return std::nullopt;
}

// A request on its way through the fetcher.
struct Job {
  sdk::Request request;
  std::string key;
  std::optional<ItemState> previous;
  int robots_waits = 0;  // retries after "robots.txt unavailable"
  std::chrono::steady_clock::time_point robots_since{};  // the first such refusal
};

// A job waiting for a retry after "robots.txt unavailable".
struct Deferred {
  boost::asio::steady_timer timer;
  Job job;
};

// What an item produced, before it is committed.
struct ItemWork {
  ItemRecord record;
  ItemOutput output;
  std::vector<std::string> errors;
  std::size_t documents = 0;
  std::size_t relevant_documents = 0;
  std::chrono::milliseconds elapsed{0};
};

class Runner {
 public:
  Runner(const JobConfig& job, Store& store, std::optional<PluginInstance> plugin,
         const PluginInfo& info, const RunOptions& options)
      : job_(job),
        store_(store),
        plugin_(std::move(plugin)),
        info_(info),
        options_(options),
        fetcher_(io_, policy_for(job, options)),
        stop_timer_(io_) {
    if (options_.pool != nullptr) {
      // Pinned: one worker, one plugin instance for the whole run, as inline (docs/workers.md).
      client_ = options_.pool->add_client(/*pinned=*/true);
      // The documents it emits are extracted by any free worker: one run uses every core.
      extract_client_ = options_.pool->add_client(/*pinned=*/false);
      instance_ = std::to_string(client_);
      config_json_ = boost::json::serialize(job_.config);
    }
  }

  ~Runner() {
    if (options_.pool != nullptr) {
      options_.pool->remove_client(client_);
      options_.pool->remove_client(extract_client_);
    }
  }

  Result<RunOutcome> run() {
    RunOutcome outcome;
    // Take an interrupted run of this job back, or start a new one.
    auto interrupted = with_retry("list interrupted runs", [&] { return store_.interrupted_runs(); });
    if (!interrupted) return run_error("store", interrupted.error().message);
    for (const RunSummary& r : *interrupted) {
      if (r.job == job_.name && !options_.use_run) {
        auto resumed = with_retry("resume run", [&] { return store_.resume_run(r.id); });
        if (!resumed) return run_error("store", resumed.error().message);
        if (resumed->crashes >= 2) {
          // The process died twice while this run was in progress: resuming it again could
          // crash it again, forever. Quarantine it.
          const std::string why = "interrupted by a crash twice";
          log(LogLevel::warn,
              "run " + std::to_string(r.id) + " " + why + ": not resumed again, marked failed");
          auto fin = with_retry("finish run", [&] {
            return store_.finish_run(r.id, RunEnd{why, true});
          });
          if (!fin) return run_error("store", fin.error().message);
          outcome.summary = *fin;
          outcome.quarantined = true;
          outcome.errors.push_back(why);
          return outcome;
        }
        run_ = r.id;
        outcome.resumed = true;
        done_ = static_cast<std::size_t>(resumed->counts.total);
        failed_ = static_cast<std::size_t>(resumed->counts.failed);
        log("resuming interrupted run " + std::to_string(run_) + " (" + std::to_string(done_) +
            " items already committed" +
            (resumed->crashes > 0 ? ", after a crash" : "") + ")");
        break;
      }
    }
    if (options_.use_run) {
      // Started by the caller: it is the job's running run, not an interrupted one.
      run_ = 0;
      outcome.resumed = false;
      done_ = 0;
      failed_ = 0;
    }
    bool fresh = false;
    if (run_ == 0) {
      fresh = true;
      std::optional<RunId> previous;
      if (auto prev = store_.runs(job_.name, 2); prev) {
        for (const RunSummary& r : *prev) {
          if (r.id != options_.use_run.value_or(0)) {
            previous = r.id;
            break;
          }
        }
      }
      if (options_.use_run) {
        run_ = *options_.use_run;
      } else {
        auto started = with_retry("start run", [&] { return store_.start_run(job_.name); });
        if (!started) return run_error("store", started.error().message);
        run_ = *started;
      }
      log("run " + std::to_string(run_) + " started");
      std::optional<RunId> retry_of = options_.retry_failed_of;
      if (!retry_of && options_.retry_previous_failures) retry_of = previous;
      if (retry_of) {
        auto failed = with_retry("read failed items", [&] { return store_.failed_requests(*retry_of); });
        if (failed) skip_quarantined(*retry_of, *failed);
        if (!failed) {
          store_down(failed.error().message);
        } else if (!failed->empty()) {
          const std::size_t added = enqueue(with_requests(std::move(*failed)));
          if (added > 0) {
            log("queued again " + std::to_string(added) + " failed item(s) of run " +
                std::to_string(*retry_of));
          }
        }
      }
    }
    found_ = std::max(found_, done_);
    outcome.summary.id = run_;

    if (!options_.retry_failed_of && !store_failed()) {
      auto first = options_.pool != nullptr ? start_in_worker() : plugin_->start();
      if (!first) {
        errors_.push_back("connector could not start: " + first.error().message);
        log(LogLevel::error, "connector could not start: " + first.error().message);
      } else {
        // Items are answers to requests: a document emitted by start() has no item to belong
        // to (connectors request file:// or http(s) URLs instead; see local_files).
        const auto docs = std::erase_if(*first, [](const sdk::Message& m) {
          return std::holds_alternative<sdk::Document>(m);
        });
        if (docs > 0) {
          const std::string why = "connector '" + info_.name + "' emitted " +
                                  std::to_string(docs) +
                                  " document(s) from start(): ignored (documents answer requests)";
          errors_.push_back(why);
          log(LogLevel::warn, why);
        }
        ItemWork none;
        handle_messages(*first, nullptr, none, "start");
        if (!none.output.enqueue.empty()) enqueue(std::move(none.output.enqueue));
        for (auto& e : none.errors) {
          errors_.push_back("connector: " + e);
          log(LogLevel::warn, "connector: " + e);
        }
      }
    }
    if (fresh && !options_.retry_failed_of && !store_failed()) queue_stale_items();
    progress();
    watch_stop();
    pump();
    io_.run();

    outcome.interrupted = interrupted_ && !store_failed();
    if (!interrupted_ && !store_failed() && options_.finalize) {
      if (Status st = options_.finalize(store_, run_); !st) {
        errors_.push_back("finalize: " + st.error().message);
        log(LogLevel::error, "finalize failed: " + st.error().message);
      }
    }
    if (commit_failures_ > 0) {
      errors_.push_back("store: " + std::to_string(commit_failures_) +
                        " item(s) could not be committed and were recorded as failed (last: " +
                        last_commit_error_ + ")");
    }
    if (outcome.interrupted) {
      const std::string why = "interrupted: stopped before the end with " +
                              std::to_string(done_) +
                              " item(s) committed; the next run of the job resumes it";
      (void)with_retry("mark run interrupted", [&] {
        return store_.mark_run_interrupted(run_, why);
      });
      auto report = store_.run_report(run_);
      if (report) outcome.summary = report->run;
      log(LogLevel::warn,
          "run " + std::to_string(run_) + " interrupted; the next run of the job resumes it");
    } else {
      RunEnd end{joined_errors(), store_failed()};
      auto summary = with_retry("finish run", [&] { return store_.finish_run(run_, end); });
      if (!summary) {
        return run_error("store", summary.error().message +
                                      (end.error.empty() ? "" : " (run error: " + end.error + ")"));
      }
      outcome.summary = *summary;
    }
    outcome.errors = std::move(errors_);
    return outcome;
  }

 private:
  // The job's fetch policy; a robots.txt that could not be read is asked again as soon as the
  // runner retries the items it refused (the fetcher lives for one run only).
  static FetchPolicy policy_for(const JobConfig& job, const RunOptions& options) {
    FetchPolicy p = job.fetch;
    if (job.robots_retry.count() > 0) {
      p.robots_failure_ttl = std::min(p.robots_failure_ttl, options.robots_retry_first);
    }
    return p;
  }

  static bool transient(const Error& e) {
    return e.code != "invalid" && e.code != "not_found" && e.code != "conflict" &&
           e.code != "schema";
  }

  // Calls f() (a store call) until it succeeds, its error is not transient, or
  // options_.store_attempts calls were made, sleeping between them (bounded backoff).
  template <class F>
  auto with_retry(std::string_view what, F&& f) -> decltype(f()) {
    const int attempts = std::max(1, options_.store_attempts);
    std::chrono::milliseconds wait = options_.store_backoff;
    for (int attempt = 1;; ++attempt) {
      auto r = f();
      if (r.ok() || attempt >= attempts || !transient(r.error())) return r;
      log(LogLevel::warn, "store: " + std::string(what) + " failed (attempt " +
                              std::to_string(attempt) + " of " + std::to_string(attempts) +
                              "), again in " + std::to_string(wait.count()) +
                              " ms: " + r.error().message);
      std::this_thread::sleep_for(wait);
      wait = std::min(wait * 2, std::max(options_.store_backoff_max, options_.store_backoff));
    }
  }

  bool store_failed() const { return !store_failure_.empty(); }

  // The store could not be written even after retries: stop fetching (what is not committed
  // stays in the frontier) and end the run "failed" with this error.
  void store_down(const std::string& message) {
    if (store_failed()) return;
    store_failure_ = message;
    errors_.push_back("store unavailable, run stopped: " + message);
    log(LogLevel::error,
        "store unavailable, stopping the run (uncommitted requests are fetched again by the "
        "next run): " +
            message);
    stopping_ = true;
    for (Deferred& d : deferred_) d.timer.cancel();
    deferred_count_ = 0;
    fetcher_.stop();
  }

  // The run's error: its run-level problems, each once, in order.
  std::string joined_errors() const {
    std::string out;
    std::vector<std::string_view> seen;
    for (const std::string& e : errors_) {
      if (std::find(seen.begin(), seen.end(), e) != seen.end()) continue;
      seen.push_back(e);
      if (!out.empty()) out += "; ";
      out += e;
    }
    constexpr std::size_t kMax = 2000;
    if (out.size() > kMax) out = out.substr(0, kMax) + "...";
    return out;
  }

  // Requests read back from the ledger with no stored request (a URL never queued) become
  // plain GETs of their key.
  static std::vector<PendingRequest> with_requests(std::vector<PendingRequest> rows) {
    std::erase_if(rows, [](const PendingRequest& r) {
      return r.request_json.empty() && r.key.find(' ') != std::string::npos;
    });
    for (PendingRequest& r : rows) {
      if (!r.request_json.empty()) continue;
      sdk::Request req;
      req.url = r.key;
      r.request_json = sdk::to_json(req);
    }
    return rows;
  }

  // Queues the known items of the job last fetched longer ago than recheck_after (they are
  // fetched with their validators: a 304 costs little), in at most half the room left.
  void queue_stale_items() {
    if (job_.recheck_after.count() <= 0) return;
    const std::size_t room = found_ >= job_.max_items ? 0 : (job_.max_items - found_ + 1) / 2;
    if (room == 0) return;
    const std::string cutoff = format_rfc3339(std::chrono::system_clock::now() -
                                              std::chrono::duration_cast<std::chrono::system_clock::duration>(job_.recheck_after));
    auto stale = with_retry("read stale items", [&] {
      return store_.stale_items(job_.name, cutoff, room);
    });
    if (!stale) {
      store_down(stale.error().message);
      return;
    }
    if (stale->empty()) return;
    const std::size_t added = enqueue(with_requests(std::move(*stale)));
    if (added > 0) {
      log("queued " + std::to_string(added) + " known item(s) last fetched before " + cutoff +
          " to check them again (recheck_after)");
    }
  }

  Error run_error(std::string_view what, const std::string& message) const {
    return Error::make("run", "job '" + job_.name + "': " + std::string(what) + ": " + message);
  }

  void log(const std::string& line) const { log(LogLevel::info, std::string(), line); }
  void log(LogLevel level, const std::string& line) const { log(level, std::string(), line); }
  // A record of the run (job, run, url) when the caller takes records, else a text line.
  void log(LogLevel level, const std::string& url, const std::string& line) const {
    if (options_.log_record) {
      options_.log_record(LogRecord{level, line, job_.name, run_, url, {}});
    } else if (options_.log) {
      options_.log(job_.name + ": " + line);
    }
  }

  void progress() const {
    if (!options_.on_progress) return;
    options_.on_progress(RunProgress{run_, std::max(found_, done_ + in_flight_), done_, failed_,
                                     in_flight_});
  }

  // Polls the stop flag; on stop, lets the fetches in flight finish within the grace period.
  void watch_stop() {
    if (options_.stop == nullptr) return;
    stop_timer_.expires_after(std::chrono::milliseconds(50));
    stop_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || finished_) return;
      if (!options_.stop->load()) {
        watch_stop();
        return;
      }
      if (!stopping_) {
        stopping_ = true;
        interrupted_ = true;
        log("stop requested: " + std::to_string(in_flight_) + " fetch(es) in flight get " +
            std::to_string(options_.grace.count()) + " ms to finish");
        if (in_flight_ == 0) {
          finish();
          return;
        }
        stop_timer_.expires_after(options_.grace);
        stop_timer_.async_wait([this](const boost::system::error_code& e2) {
          if (e2 || finished_) return;
          log(LogLevel::warn,
              "grace period over: cancelling " + std::to_string(in_flight_) + " fetch(es)");
          fetcher_.stop();
          if (options_.pool != nullptr) {
            options_.pool->cancel_client(client_);
            options_.pool->cancel_client(extract_client_);
          }
        });
      }
    });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    stop_timer_.cancel();
    for (Deferred& d : deferred_) d.timer.cancel();
    fetcher_.stop();
    io_.stop();
  }

  // Keeps the requests that fit under max_items (found so far + these), warning once.
  std::vector<PendingRequest> within_max_items(std::vector<PendingRequest> requests) {
    const std::size_t room = found_ >= job_.max_items ? 0 : job_.max_items - found_;
    if (requests.size() > room) {
      requests.resize(room);
      if (!warned_max_items_) {
        warned_max_items_ = true;
        log(LogLevel::warn,
            "max_items (" + std::to_string(job_.max_items) + ") reached: further requests dropped");
      }
    }
    return requests;
  }

  std::size_t enqueue(std::vector<PendingRequest> requests) {
    requests = within_max_items(std::move(requests));
    if (requests.empty()) return 0;
    auto added = with_retry("queue requests", [&] { return store_.enqueue(run_, requests); });
    if (!added) {
      if (transient(added.error())) {
        store_down(added.error().message);
      } else {
        errors_.push_back("store: " + added.error().message);
        log(LogLevel::error, "cannot queue requests: " + added.error().message);
      }
      return 0;
    }
    found_ += *added;
    return *added;
  }

  // Starts fetches while there is room and work.
  void pump() {
    while (!stopping_ && in_flight_ < job_.max_in_flight) {
      std::optional<Job> next = next_job();
      if (!next) break;
      launch(std::move(*next));
    }
    if (in_flight_ == 0 && (stopping_ || (deferred_count_ == 0 && !has_work()))) finish();
  }

  bool has_work() {
    if (!memory_queue_.empty() || !batch_.empty()) return true;
    refill();
    return !batch_.empty();
  }

  void refill() {
    if (!batch_.empty() || store_failed()) return;
    auto rows = with_retry("read the frontier", [&] {
      return store_.pending(run_, after_id_, kPendingBatch);
    });
    if (!rows) {
      store_down("cannot read the frontier: " + rows.error().message);
      return;
    }
    for (auto& r : *rows) {
      after_id_ = std::max(after_id_, r.id);
      batch_.push_back(std::move(r));
    }
  }

  std::optional<Job> next_job() {
    if (!memory_queue_.empty()) {
      Job j = std::move(memory_queue_.front());
      memory_queue_.pop_front();
      return j;
    }
    while (true) {
      refill();
      if (batch_.empty()) return std::nullopt;
      PendingRequest p = std::move(batch_.front());
      batch_.pop_front();
      try {
        auto msg = sdk::message_from_json(p.request_json);
        if (auto* req = std::get_if<sdk::Request>(&msg)) {
          return Job{std::move(*req), p.key, std::nullopt};
        }
      } catch (const std::exception& e) {
        // A frontier row this build cannot read: commit it as failed, do not loop on it.
        ItemWork w;
        w.record.url = p.key;
        w.record.status = ItemStatus::failed;
        w.record.error = std::string("unreadable queued request: ") + e.what();
        w.record.attempts = 0;
        commit(w);
      }
    }
  }

  void launch(Job job) {
    auto method = to_method(job.request.method);
    if (!method) {
      ItemWork w;
      w.record.url = job.key;
      w.record.status = ItemStatus::failed;
      w.record.error = "unsupported method '" + job.request.method + "'";
      w.record.attempts = 0;
      commit(w);
      return;
    }
    if (auto prev = with_retry("read validators",
                               [&] { return store_.previous_item(job_.name, job.key); });
        prev) {
      job.previous = *prev;
    }
    FetchRequest fr(job.request.url, *method);
    fr.headers = job.request.headers;
    fr.body = job.request.body;
    fr.user_agent_note = job.request.user_agent_note;
    if (job.previous && *method == HttpMethod::get) {
      fr.if_none_match = job.previous->etag;
      fr.if_modified_since = job.previous->last_modified;
    }
    ++in_flight_;
    auto shared = std::make_shared<Job>(std::move(job));
    fetcher_.fetch(std::move(fr), [this, shared](FetchResult r) {
      --in_flight_;
      if (!(r.error && r.error->code == fetch_error::cancelled) && !store_failed()) {
        on_fetched(*shared, std::move(r));
      }
      pump();
    });
  }

  void on_fetched(const Job& job, FetchResult fetched) {
    auto shared_r = std::make_shared<FetchResult>(std::move(fetched));
    const FetchResult& r = *shared_r;
    ItemWork w;
    w.record.url = job.key;
    w.record.http_status = r.status;
    w.record.attempts = std::max(r.attempts, 1);
    w.record.etag = r.etag;
    w.record.last_modified = r.last_modified;
    w.elapsed = r.elapsed;
    const std::string fetched_at = now_rfc3339();

    if (r.error && r.error->code == fetch_error::robots_unavailable) {
      // RFC 9309: nothing is fetched from the host, but this is an outage, not a rule: try
      // again later in the run, then fail the item (a later run or retry-failed takes it up).
      if (stopping_) return;  // left in the frontier: the resumed run fetches it
      if (defer_for_robots(job)) return;
      std::string why = r.error->message;
      if (const auto cut = why.find(" (host treated as disallowed"); cut != std::string::npos) {
        why.erase(cut);
      }
      if (const auto colon = why.find(": robots.txt unavailable"); colon != std::string::npos) {
        why.erase(0, colon + 2);  // without the URL prefix
      }
      w.record.status = ItemStatus::failed;
      w.record.error = why;
      w.record.attempts = job.robots_waits + 1;
      std::string host = job.request.url;
      if (const auto p = host.find("://"); p != std::string::npos) {
        if (const auto slash = host.find('/', p + 3); slash != std::string::npos) host.erase(slash);
      }
      const std::string run_error_text =
          why.rfind("robots.txt unavailable", 0) == 0
              ? "robots.txt unavailable for " + host + why.substr(22)
              : why + " (" + host + ")";
      if (std::find(errors_.begin(), errors_.end(), run_error_text) == errors_.end()) {
        errors_.push_back(run_error_text);
      }
      commit(w);
      return;
    }
    if (r.error) {
      w.record.status = r.error->code == fetch_error::robots ? ItemStatus::skipped_robots
                                                            : ItemStatus::failed;
      w.record.error = r.error->message;
      if (r.error->code == fetch_error::robots) w.record.attempts = 0;
      // A 401 goes to the connector (to renew a token), which may queue requests.
      if (r.status == 401) {
        sdk::Response resp{r.final_url.empty() ? r.url : r.final_url, r.status, r.headers, r.body,
                           job.request.meta};
        parse_then(std::move(resp), shared_r, job.key,
                   [this, w, shared_r, fetched_at](ParseResult p) mutable {
                     if (p.error.empty() && !p.unhealthy) {
                       ItemWork side;
                       handle_parsed(p, shared_r.get(), side, fetched_at);
                       w.output.enqueue = std::move(side.output.enqueue);
                     }
                     commit(w);
                   });
        return;
      }
      commit(w);
      return;
    }
    if (r.not_modified) {
      w.record.status = ItemStatus::unchanged;
      commit(w);
      return;
    }
    const std::string hash = "sha256:" + sha256_hex(r.body);
    w.record.content_hash = hash;
    if (!job.previous || job.previous->content_hash.empty()) {
      w.record.status = ItemStatus::new_item;
    } else if (job.previous->content_hash == hash) {
      w.record.status = ItemStatus::unchanged;
      commit(w);
      return;
    } else {
      w.record.status = ItemStatus::updated;
    }
    sdk::Response resp{r.final_url.empty() ? r.url : r.final_url, r.status, r.headers,
                       options_.pool != nullptr ? std::move(shared_r->body) : r.body,
                       job.request.meta};
    parse_then(std::move(resp), shared_r, job.key,
               [this, w, shared_r, fetched_at](ParseResult p) mutable {
                 if (!p.error.empty()) {
                   w.record.status = ItemStatus::failed;
                   w.record.error = std::move(p.error);
                   // In worker processes: no content hash, so that the next run parses the
                   // same bytes again instead of taking them as unchanged (a crash is retried
                   // once, then quarantined).
                   if (options_.pool != nullptr) w.record.content_hash.clear();
                   commit(w);
                   return;
                 }
                 handle_parsed(p, shared_r.get(), w, fetched_at);
                 finish_item(w, fetched_at, *shared_r);
                 commit(w);
               });
  }

  // What parse() gave: messages (documents among them when inline), or the documents the
  // worker extracted, or why the item failed.
  struct ParseResult {
    std::string error;  // the item fails with it
    bool unhealthy = false;
    std::vector<sdk::Message> messages;
    boost::json::array documents;  // extracted by a worker
    std::vector<sdk::Document> raw;  // left by the parsing worker for extraction by the pool
  };

  void handle_parsed(ParseResult& p, const FetchResult* r, ItemWork& w,
                     const std::string& fetched_at) {
    handle_messages(p.messages, r, w, fetched_at);
    for (const boost::json::value& d : p.documents) {
      if (d.is_object()) handle_extracted(d.as_object(), r, w, fetched_at);
    }
  }

  static std::string jstr(const boost::json::object& o, std::string_view key) {
    const boost::json::value* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
  }

  // A document a worker extracted (see handle_document for the inline version).
  void handle_extracted(const boost::json::object& d, const FetchResult* r, ItemWork& w,
                        const std::string& fetched_at) {
    ++w.documents;
    if (const std::string e = jstr(d, "error"); !e.empty()) {
      w.errors.push_back(e);
      return;
    }
    const std::string hash = jstr(d, "hash");
    if (w.record.content_hash.empty()) w.record.content_hash = hash;
    const boost::json::value* obs = d.if_contains("observations");
    if (obs == nullptr || !obs->is_array() || obs->as_array().empty()) return;
    ++w.relevant_documents;
    const std::string url = jstr(d, "url");
    if (!w.record.document) {
      w.record.document = DocumentRecord{url, hash, jstr(d, "media_type"), jstr(d, "title"),
                                         fetched_at};
    }
    const std::string rank = jstr(d, "rank");
    for (const boost::json::value& v : obs->as_array()) {
      auto o = observation_from_json(v);
      if (!o) {
        w.errors.push_back("worker sent an invalid observation: " + o.error().message);
        continue;
      }
      fill_source(o->source, r, fetched_at, rank);
      w.output.observations.push_back(std::move(*o));
    }
  }

  // Messages of a worker's answer, its log lines logged; an Error when it failed.
  Result<ParseResult> from_reply(worker::WorkerReply& reply) {
    ParseResult p;
    using Outcome = worker::WorkerReply::Outcome;
    if (reply.outcome == Outcome::unhealthy) {
      p.unhealthy = true;
      p.error = reply.reason;
      return p;
    }
    if (reply.outcome != Outcome::ok) return Error::make("worker", reply.reason);
    const auto& h = reply.header;
    if (const auto* logs = h.if_contains("logs"); logs != nullptr && logs->is_array()) {
      for (const auto& l : logs->as_array()) {
        if (!l.is_string()) continue;
        if (options_.log_record) {
          options_.log_record(
              LogRecord{LogLevel::info, std::string(l.as_string()), job_.name, run_, {}, {}});
        } else if (options_.log) {
          options_.log(std::string(l.as_string()));
        }
      }
    }
    const auto* ok = h.if_contains("ok");
    if (ok == nullptr || !ok->is_bool() || !ok->as_bool()) {
      p.error = jstr(h, "error");
      if (p.error.empty()) p.error = "worker: no reason given";
      return p;
    }
    if (const auto* ms = h.if_contains("messages"); ms != nullptr && ms->is_array()) {
      for (const auto& m : ms->as_array()) {
        if (!m.is_string()) continue;
        try {
          p.messages.push_back(sdk::message_from_json(std::string_view(m.as_string())));
        } catch (const std::exception& e) {
          p.error = std::string("worker sent an invalid message: ") + e.what();
          return p;
        }
      }
    }
    if (const auto* ds = h.if_contains("documents"); ds != nullptr && ds->is_array()) {
      p.documents = ds->as_array();
    }
    if (const auto* rd = h.if_contains("raw_documents"); rd != nullptr && rd->is_array()) {
      std::size_t at = 0;
      for (const auto& m : rd->as_array()) {
        const auto* size = m.is_object() ? m.as_object().if_contains("size") : nullptr;
        if (size == nullptr || !(size->is_uint64() || size->is_int64()) ||
            size->to_number<std::uint64_t>() > reply.body.size() - at) {
          p.error = "worker sent an inconsistent answer (documents larger than its body)";
          return p;
        }
        const auto n = static_cast<std::size_t>(size->to_number<std::uint64_t>());
        const auto& o = m.as_object();
        p.raw.push_back(sdk::Document{jstr(o, "url"), jstr(o, "media_type"),
                                      reply.body.substr(at, n), jstr(o, "title"), jstr(o, "rank")});
        at += n;
      }
    }
    if (const auto* ig = h.if_contains("ignored_documents"); ig != nullptr && ig->is_int64()) {
      for (std::int64_t i = 0; i < ig->as_int64(); ++i) p.messages.emplace_back(sdk::Document{});
    }
    return p;
  }

  Result<std::vector<sdk::Message>> start_in_worker() {
    worker::WorkerTask task;
    task.header = {{"op", "start"}, {"plugin", job_.connector}, {"config", config_json_},
                   {"instance", instance_}};
    task.plugin = job_.connector;
    task.doing = "starting";
    auto reply = options_.pool->call(client_, std::move(task));
    auto p = from_reply(reply);
    if (!p) return p.error();
    if (!p->error.empty()) return Error::make("plugin", p->error);
    return std::move(p->messages);
  }

  // Runs parse(resp) inline, or in a worker (then `then` runs later on this thread).
  void parse_then(sdk::Response resp, const std::shared_ptr<FetchResult>& r, const std::string& key,
                  std::function<void(ParseResult)> then) {
    if (options_.pool == nullptr) {
      ParseResult p;
      auto msgs = plugin_->parse(resp);
      if (!msgs) {
        p.error = msgs.error().message;
      } else {
        p.messages = std::move(*msgs);
      }
      then(std::move(p));
      return;
    }
    worker::WorkerTask task;
    boost::json::array headers;
    for (const auto& [name, value] : resp.headers) headers.push_back(boost::json::array{name, value});
    task.header = {{"op", "parse"},       {"plugin", job_.connector}, {"config", config_json_},
                   {"url", resp.url},     {"status", resp.status},    {"headers", std::move(headers)},
                   {"meta", resp.meta},   {"final_url", r->final_url}, {"instance", instance_},
                   {"defer_extract", true}};
    task.body = std::move(resp.body);
    task.plugin = job_.connector;
    task.doing = "parsing " + resp.url;
    ++in_flight_;
    auto guard = std::make_shared<asio::executor_work_guard<asio::io_context::executor_type>>(
        io_.get_executor());
    options_.pool->submit(client_, std::move(task),
                          [this, guard, key, then = std::move(then)](worker::WorkerReply reply) {
      asio::post(io_, [this, guard, key, then, reply = std::move(reply)]() mutable {
        using Outcome = worker::WorkerReply::Outcome;
        if (reply.outcome == Outcome::cancelled || store_failed()) {
          --in_flight_;
          guard->reset();
          pump();  // left in the frontier: the resumed run fetches it again
          return;
        }
        auto p = from_reply(reply);
        if (p && p->unhealthy) {
          --in_flight_;
          guard->reset();
          pause_unhealthy(p->error);
          return;
        }
        if (p && p->error.empty() && !p->raw.empty()) {
          extract_then(std::move(*p), key, guard, std::move(then));  // in flight until done
          return;
        }
        --in_flight_;
        guard->reset();
        ParseResult result;
        if (!p) {
          result.error = crash_reason(key, p.error().message);
        } else {
          result = std::move(*p);
        }
        then(std::move(result));
        pump();
      });
    });
  }

  // The job pauses: what is not committed stays for a later run.
  void pause_unhealthy(const std::string& reason) {
    const std::string why = "paused: " + reason;
    if (std::find(errors_.begin(), errors_.end(), why) == errors_.end()) {
      errors_.push_back(why);
      log(LogLevel::warn, why);
    }
    stopping_ = true;
    pump();
  }

  std::string crash_reason(const std::string& key, std::string reason) const {
    if (crashed_before_.contains(key)) {
      return "quarantined: crashed a worker twice (" + reason + ")";
    }
    return reason;
  }

  // The documents a worker's parse left raw are extracted by any free worker of the pool, at
  // once; `then` gets the parse result with their extractions (in the order emitted) when the
  // last one is back. A worker lost while extracting fails the item, as in parse.
  void extract_then(ParseResult parsed, const std::string& key,
                    std::shared_ptr<asio::executor_work_guard<asio::io_context::executor_type>> guard,
                    std::function<void(ParseResult)> then) {
    struct Pending {
      ParseResult result;
      std::size_t left = 0;
      std::string crash;
      bool cancelled = false;
      bool unhealthy = false;
    };
    auto pending = std::make_shared<Pending>();
    std::vector<sdk::Document> raw = std::move(parsed.raw);
    pending->result = std::move(parsed);
    pending->result.raw.clear();
    pending->result.documents.resize(raw.size());
    pending->left = raw.size();
    for (std::size_t i = 0; i < raw.size(); ++i) {
      sdk::Document& d = raw[i];
      worker::WorkerTask task;
      task.header = {{"op", "extract"}, {"url", d.url},   {"media_type", d.media_type},
                     {"title", d.title}, {"rank", d.rank}};
      task.doing = "extracting " + d.url;
      task.body = std::move(d.body);
      task.plugin = job_.connector;
      options_.pool->submit(extract_client_, std::move(task),
                            [this, guard, key, then, pending, i](worker::WorkerReply reply) {
        asio::post(io_, [this, guard, key, then, pending, i, reply = std::move(reply)]() mutable {
          using Outcome = worker::WorkerReply::Outcome;
          if (reply.outcome == Outcome::cancelled) {
            pending->cancelled = true;
          } else if (reply.outcome == Outcome::unhealthy) {
            pending->unhealthy = true;
            pending->crash = reply.reason;
          } else if (reply.outcome != Outcome::ok) {
            if (pending->crash.empty()) pending->crash = reply.reason;
          } else if (const auto* doc = reply.header.if_contains("document");
                     doc != nullptr && doc->is_object()) {
            pending->result.documents[i] = *doc;
          } else {
            if (pending->crash.empty()) pending->crash = "worker sent an answer without document";
          }
          if (--pending->left > 0) return;
          --in_flight_;
          guard->reset();
          if (pending->cancelled || store_failed()) {
            pump();  // left in the frontier: the resumed run fetches it again
            return;
          }
          if (pending->unhealthy) {
            pause_unhealthy(pending->crash);
            return;
          }
          if (!pending->crash.empty()) {
            ParseResult failed;
            failed.error = crash_reason(key, pending->crash);
            then(std::move(failed));
          } else {
            then(std::move(pending->result));
          }
          pump();
        });
      });
    }
  }

  // Items of the earlier run that crashed a worker: remembered (a second crash quarantines
  // them); those quarantined are not queued again unless an operator asks (retry-failed).
  void skip_quarantined(RunId earlier, std::vector<PendingRequest>& failed) {
    auto report = store_.run_report(earlier);
    if (!report) return;
    std::set<std::string> quarantined;
    for (const FailedItem& f : report->failed) {
      if (f.error.rfind("quarantined:", 0) == 0) {
        quarantined.insert(f.url);
        crashed_before_.insert(f.url);
      } else if (f.error.rfind("worker killed", 0) == 0 ||
                 f.error.rfind("worker exited", 0) == 0) {
        crashed_before_.insert(f.url);
      }
    }
    if (options_.retry_failed_of || quarantined.empty()) return;
    const auto n = std::erase_if(failed, [&](const PendingRequest& p) {
      return quarantined.contains(p.key);
    });
    if (n > 0) {
      log(LogLevel::warn, std::to_string(n) + " quarantined item(s) of run " +
                              std::to_string(earlier) + " not queued again (retry-failed does)");
    }
  }

  // Applies the rules that turn what an item produced into its final status.
  void finish_item(ItemWork& w, const std::string& fetched_at, const FetchResult& r) {
    if (!w.errors.empty()) {
      w.record.status = ItemStatus::failed;
      std::string joined;
      for (const auto& e : w.errors) joined += (joined.empty() ? "" : "; ") + e;
      w.record.error = joined;
      w.output.observations.clear();
      w.output.indicators.clear();
      w.record.document.reset();
      return;
    }
    if (w.documents > 0 && w.relevant_documents == 0 && w.output.observations.empty() &&
        w.output.indicators.empty()) {
      w.record.status = ItemStatus::skipped_filter;
      w.record.error = "no convention against poverty found in the document";
      return;
    }
    if (!w.output.observations.empty() && !w.record.document) {
      w.record.document = DocumentRecord{r.final_url.empty() ? r.url : r.final_url,
                                         w.record.content_hash, r.media_type, "", fetched_at};
    }
  }

  void handle_messages(std::vector<sdk::Message>& msgs, const FetchResult* r, ItemWork& w,
                       const std::string& fetched_at) {
    for (sdk::Message& m : msgs) {
      if (auto* req = std::get_if<sdk::Request>(&m)) {
        const std::string method = upper(req->method.empty() ? "GET" : req->method);
        std::string key = request_key(method, req->url, req->body);
        if (method == "GET") {
          w.output.enqueue.push_back(PendingRequest{std::move(key), sdk::to_json(*req), 0});
        } else if (found_ < job_.max_items) {
          ++found_;
          memory_queue_.push_back(Job{std::move(*req), std::move(key), std::nullopt});
        }
      } else if (auto* doc = std::get_if<sdk::Document>(&m)) {
        handle_document(*doc, r, w, fetched_at);
      } else if (auto* obs = std::get_if<sdk::ObservationMessage>(&m)) {
        auto parsed = parse_model(obs->json, observation_from_json, "observation");
        if (!parsed) {
          w.errors.push_back(parsed.error().message);
          continue;
        }
        fill_source(parsed->source, r, fetched_at, "");
        w.output.observations.push_back(std::move(*parsed));
      } else if (auto* ind = std::get_if<sdk::IndicatorMessage>(&m)) {
        auto parsed = parse_model(ind->json, indicator_from_json, "indicator");
        if (!parsed) {
          w.errors.push_back(parsed.error().message);
          continue;
        }
        fill_source(parsed->source, r, fetched_at, "");
        w.output.indicators.push_back(std::move(*parsed));
      } else if (auto* err = std::get_if<sdk::ErrorMessage>(&m)) {
        w.errors.push_back(err->url.empty() ? err->message : err->message + " (" + err->url + ")");
      }
    }
  }

  template <class Parse>
  static auto parse_model(const std::string& text, Parse parse, const char* what)
      -> decltype(parse(boost::json::value{})) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text, ec);
    if (ec) return Error::make("plugin", std::string("invalid ") + what + " JSON: " + ec.message());
    auto parsed = parse(v);
    if (!parsed) {
      return Error::make("plugin", std::string("invalid ") + what + ": " + parsed.error().message);
    }
    return parsed;
  }

  void fill_source(Source& s, const FetchResult* r, const std::string& fetched_at,
                   std::string_view rank) const {
    if (s.url.empty() && r != nullptr) s.url = r->final_url.empty() ? r->url : r->final_url;
    if (s.fetched_at.empty()) s.fetched_at = fetched_at;
    if (s.connector.empty()) s.connector = info_.name;
    if (s.connector_version.empty()) s.connector_version = info_.version;
    if (s.rank == SourceRank::unknown) {
      std::string_view rk = !rank.empty() ? rank : std::string_view(job_.rank);
      // A plugin cannot claim an operator's rank.
      if (auto parsed = source_rank_from_string(rk); parsed && *parsed != SourceRank::operator_) {
        s.rank = *parsed;
      }
    }
  }

  void handle_document(const sdk::Document& doc, const FetchResult* r, ItemWork& w,
                       const std::string& fetched_at) {
    ++w.documents;
    const std::string url = doc.url.empty() && r != nullptr ? r->final_url : doc.url;
    auto extraction = extract_document(doc.body, doc.media_type, url);
    if (!extraction) {
      w.errors.push_back(extraction.error().message);
      return;
    }
    const std::string& hash = extraction->document.content_hash;  // of doc.body
    if (w.record.content_hash.empty()) w.record.content_hash = hash;
    if (extraction->conventions.empty()) return;
    ++w.relevant_documents;
    const std::string title = doc.title.empty() ? extraction->document.title : doc.title;
    if (!w.record.document) {
      w.record.document =
          DocumentRecord{url, hash, extraction->document.media_type, title, fetched_at};
    }
    for (Observation& o : observations_of(*extraction, url, title, hash)) {
      fill_source(o.source, r, fetched_at, doc.rank);
      w.output.observations.push_back(std::move(o));
    }
  }

  // Re-launches a job refused because its host's robots.txt could not be read, after a
  // backoff, while the job's robots_retry window lasts; false when it is over.
  bool defer_for_robots(const Job& job) {
    const auto now = std::chrono::steady_clock::now();
    Job again = job;
    if (again.robots_waits == 0) again.robots_since = now;
    const auto window = std::chrono::duration_cast<std::chrono::steady_clock::duration>(job_.robots_retry);
    const auto elapsed = now - again.robots_since;
    if (elapsed >= window) return false;
    auto wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        options_.robots_retry_first * (std::int64_t{1} << std::min(again.robots_waits, 16)));
    wait = std::min(wait, window - elapsed);
    ++again.robots_waits;
    ++deferred_count_;
    if (again.robots_waits == 1) {
      log(LogLevel::warn, again.request.url,
          "robots.txt unavailable for " + again.request.url + ": retrying within " +
              std::to_string(job_.robots_retry.count()) + " ms");
    }
    deferred_.push_back(Deferred{asio::steady_timer(io_, wait), std::move(again)});
    auto it = std::prev(deferred_.end());
    it->timer.async_wait([this, it](const boost::system::error_code& ec) {
      if (ec || finished_ || store_failed()) return;
      Job next = std::move(it->job);
      deferred_.erase(it);
      --deferred_count_;
      if (!stopping_) memory_queue_.push_front(std::move(next));
      pump();
    });
    return true;
  }

  void commit(ItemWork& w) {
    if (store_failed()) return;  // left in the frontier for the next run
    // Requests a failed item discovered are still followed; its data is not.
    w.output.enqueue = within_max_items(std::move(w.output.enqueue));
    if (Status s = with_retry("commit", [&] { return store_.commit_item(run_, w.record, w.output); });
        !s) {
      // The item ends failed with the store's error, so that the next run and retry-failed
      // take it up; when even that cannot be written, the run stops.
      ++commit_failures_;
      last_commit_error_ = s.error().message;
      log(LogLevel::error, w.record.url,
          "cannot commit " + w.record.url + ": " + s.error().message + "; recording it as failed");
      ItemRecord failed = w.record;
      failed.status = ItemStatus::failed;
      failed.error = s.error().message;
      failed.document.reset();
      failed.cursor.reset();
      ItemOutput out;
      out.enqueue = std::move(w.output.enqueue);
      Status f = with_retry("commit as failed", [&] { return store_.commit_item(run_, failed, out); });
      if (!f && !out.enqueue.empty()) {
        out.enqueue.clear();
        f = with_retry("commit as failed", [&] { return store_.commit_item(run_, failed, out); });
      }
      if (!f) {
        store_down("cannot commit " + w.record.url + ": " + f.error().message);
        return;
      }
      w.record = std::move(failed);
      w.output = std::move(out);
    }
    // How many of the queued requests were new is not reported by commit_item: count them
    // as found when they show up in the frontier (refill), approximately here.
    found_ += w.output.enqueue.size();
    ++done_;
    if (options_.on_item) {
      options_.on_item(ItemEvent{w.record.url, w.record.status, w.record.http_status, w.elapsed});
    }
    if (w.record.status == ItemStatus::failed) {
      ++failed_;
      log(LogLevel::warn, w.record.url, "failed: " + w.record.url + ": " + w.record.error);
    }
    progress();
  }

  const JobConfig& job_;
  Store& store_;
  std::optional<PluginInstance> plugin_;  // inline only
  const PluginInfo& info_;
  const RunOptions& options_;
  asio::io_context io_;
  Fetcher fetcher_;
  asio::steady_timer stop_timer_;
  RunId run_ = 0;
  std::deque<Job> memory_queue_;
  std::deque<PendingRequest> batch_;
  std::int64_t after_id_ = 0;
  std::size_t in_flight_ = 0;
  std::size_t found_ = 0;
  std::size_t done_ = 0;
  std::size_t failed_ = 0;
  bool stopping_ = false;
  bool interrupted_ = false;
  bool finished_ = false;
  bool warned_max_items_ = false;
  std::vector<std::string> errors_;
  std::string store_failure_;  // non-empty: the store is down, the run stops and fails
  std::size_t commit_failures_ = 0;
  std::string last_commit_error_;
  worker::WorkerPool::ClientId client_ = 0;
  worker::WorkerPool::ClientId extract_client_ = 0;  // the run's documents, to any worker
  std::string instance_;  // the run's plugin instance in its worker
  std::string config_json_;
  std::set<std::string> crashed_before_;  // keys that crashed a worker in the earlier run
  std::list<Deferred> deferred_;  // after io_ and fetcher_: destroyed before them
  std::size_t deferred_count_ = 0;
};

}  // namespace

std::string request_key(std::string_view method, std::string_view url, std::string_view body) {
  const std::string m = upper(std::string(method.empty() ? "GET" : method));
  if (m == "GET") return std::string(url);
  return m + " " + std::string(url) + " #" + sha256_hex(body).substr(0, 16);
}

Result<RunOutcome> run_job(const JobConfig& job, Store& store, const PluginRegistry& registry,
                           const RunOptions& options) {
  const PluginInfo* info = registry.find(job.connector);
  if (info == nullptr) {
    return Error::make("run", "job '" + job.name + "': no plugin named '" + job.connector + "'");
  }
  if (info->kind != PluginKind::source) {
    return Error::make("run", "job '" + job.name + "': plugin '" + job.connector +
                                  "' is not a source connector");
  }
  std::optional<PluginInstance> plugin;
  if (options.pool == nullptr) {
    auto instance = registry.create_instance(job.connector, job.config);
    if (!instance) {
      return Error::make("run", "job '" + job.name + "': " + instance.error().message);
    }
    plugin = std::move(*instance);
  } else if (auto problems = registry.check_config(job.connector, job.config); !problems.empty()) {
    // The instances are made in the workers; the config is checked here all the same.
    return Error::make("run", "job '" + job.name + "': " + problems.front());
  }
  Runner runner(job, store, std::move(plugin), *info, options);
  return runner.run();
}

bool uses_worker_processes(const JobConfig& job, const WorkersConfig& workers) {
  return (job.isolation.empty() ? workers.isolation : job.isolation) == "process";
}

std::unique_ptr<worker::WorkerPool> make_worker_pool(const WorkersConfig& workers,
                                                     std::vector<std::string> plugin_dirs,
                                                     std::function<void(std::string_view)> log,
                                                     std::string executable) {
  worker::WorkerPoolOptions o;
  o.executable = std::move(executable);
  o.plugin_dirs = std::move(plugin_dirs);
  o.count = workers.count;
  o.limits.memory_bytes = workers.memory_limit_mib << 20;
  o.limits.cpu_per_item = workers.cpu_limit;
  o.limits.wall_per_item = workers.item_timeout;
  o.log = std::move(log);
  return std::make_unique<worker::WorkerPool>(std::move(o));
}

HostServices make_host_services(std::function<void(const LogRecord&)> log) {
  HostServices s = make_host_services(std::function<void(std::string_view)>{});
  if (log) {
    s.log = [log](std::string_view plugin, sdk::LogLevel level, std::string_view message) {
      LogRecord r;
      r.level = level == sdk::LogLevel::error  ? LogLevel::error
                : level == sdk::LogLevel::warn ? LogLevel::warn
                : level == sdk::LogLevel::info ? LogLevel::info
                                               : LogLevel::debug;
      r.message = std::string(message);
      r.plugin = std::string(plugin);
      log(r);
    };
  }
  return s;
}

HostServices make_host_services(std::function<void(std::string_view line)> log) {
  HostServices s;
  if (log) {
    s.log = [log](std::string_view plugin, sdk::LogLevel, std::string_view message) {
      log(std::string(plugin) + ": " + std::string(message));
    };
  }
  s.extract = [](std::string_view bytes, std::string_view media_type,
                 std::string_view url) -> Result<std::string> {
    auto e = extract_document(bytes, media_type, url);
    if (!e) return e.error();
    return boost::json::serialize(to_json(*e));
  };
  return s;
}

}  // namespace conventiond
