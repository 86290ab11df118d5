#include <conventiond/publish/sink_dispatcher.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <conventiond/publish/change_event_json.hpp>

namespace conventiond {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

class SinkDispatcher::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, Store& store, std::vector<SinkBinding> sinks, SinkOptions options)
      : io_(io), store_(store), options_(std::move(options)) {
    options_.batch_size = std::max<std::size_t>(1, options_.batch_size);
    for (SinkBinding& b : sinks) {
      auto w = std::make_unique<Worker>(std::move(b.instance));
      w->state.name = std::move(b.name);
      workers_.push_back(std::move(w));
    }
  }

  ~Impl() { stop(); }

  void start() {
    std::lock_guard lock(mu_);
    if (started_ || stopping_) return;
    started_ = true;
    for (auto& w : workers_) {
      Worker* worker = w.get();
      worker->thread = std::thread([this, worker] { run(*worker); });
    }
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      alive_->store(false);
    }
    cv_.notify_all();
    for (auto& w : workers_) {
      if (w->thread.joinable()) w->thread.join();
    }
  }

  void notify() {
    {
      std::lock_guard lock(mu_);
      for (auto& w : workers_) w->woken = true;
    }
    cv_.notify_all();
  }

  std::vector<SinkState> states() const {
    std::lock_guard lock(mu_);
    std::vector<SinkState> out;
    for (const auto& w : workers_) out.push_back(w->state);
    return out;
  }

 private:
  struct Worker {
    explicit Worker(PluginInstance i) : instance(std::move(i)) {}
    PluginInstance instance;
    SinkState state;  // guarded by mu_
    bool woken = false;
    std::thread thread;
  };

  std::string consumer(const Worker& w) const { return "sink:" + w.state.name; }

  // Waits `wait`, or less when notified or stopping; false when stopping.
  bool pause(Worker& w, std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [&] { return stopping_ || w.woken; });
    w.woken = false;
    return !stopping_;
  }

  bool stopping() const {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  std::chrono::milliseconds backoff(int failures, std::mt19937_64& rng) const {
    const double base = static_cast<double>(options_.backoff_base.count());
    const double cap = static_cast<double>(options_.backoff_max.count());
    const double wait = std::min(cap, base * std::pow(2.0, std::max(0, failures - 1)));
    const double jitter = std::clamp(options_.jitter, 0.0, 1.0);
    std::uniform_real_distribution<double> d(wait * (1.0 - jitter), wait);
    return std::chrono::milliseconds(static_cast<std::int64_t>(jitter > 0 ? d(rng) : wait));
  }

  void report(Worker& w, const Error& e) {
    {
      std::lock_guard lock(mu_);
      ++w.state.failures;
      ++w.state.consecutive_failures;
      w.state.last_error = e.message;
    }
    if (!options_.on_error) return;
    asio::post(io_, [alive = alive_, f = options_.on_error, name = w.state.name, e] {
      if (alive->load()) f(name, e);
    });
  }

  void run(Worker& w) {
    std::mt19937_64 rng(std::random_device{}());
    const std::string name = consumer(w);
    bool lease_held = false;
    while (!stopping()) {
      if (options_.leases) {
        auto held = store_.try_lease(name, options_.leases->owner, options_.leases->ttl);
        lease_held = held && *held;
        if (!held) report(w, held.error());
        if (!lease_held) {
          // Another daemon delivers this sink: try again after a poll interval (it may die).
          if (!pause(w, std::min(options_.poll_interval, options_.leases->ttl))) break;
          continue;
        }
      }
      auto cursor = store_.consumer_cursor(name);
      auto events = cursor ? store_.changes_since(*cursor, options_.batch_size)
                           : Result<std::vector<ChangeEvent>>(cursor.error());
      if (!events) {
        report(w, events.error());
        if (!pause(w, backoff(consecutive(w), rng))) break;
        continue;
      }
      if (events->empty()) {
        {
          std::lock_guard lock(mu_);
          w.state.cursor = *cursor;
        }
        if (!pause(w, options_.poll_interval)) break;
        continue;
      }
      const std::string batch = change_events_json_array(*events);
      auto result = w.instance.deliver(batch);
      if (!result) {
        report(w, result.error());
        if (!pause(w, backoff(consecutive(w), rng))) break;
        continue;
      }
      const std::int64_t last = events->back().seq;
      if (Status st = store_.set_consumer_cursor(name, last); !st) {
        // Delivered but not recorded: the batch comes again (at least once).
        report(w, st.error());
        if (!pause(w, backoff(consecutive(w), rng))) break;
        continue;
      }
      std::lock_guard lock(mu_);
      w.state.cursor = last;
      w.state.delivered += events->size();
      ++w.state.batches;
      w.state.consecutive_failures = 0;
    }
    if (lease_held && options_.leases) (void)store_.release_lease(name, options_.leases->owner);
  }

  int consecutive(const Worker& w) const {
    std::lock_guard lock(mu_);
    return static_cast<int>(w.state.consecutive_failures);
  }

  asio::io_context& io_;
  Store& store_;
  SinkOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stopping_ = false;
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
};

SinkDispatcher::SinkDispatcher(asio::io_context& io, Store& store, std::vector<SinkBinding> sinks,
                               SinkOptions options)
    : impl_(std::make_shared<Impl>(io, store, std::move(sinks), std::move(options))) {}

SinkDispatcher::~SinkDispatcher() {
  if (impl_) impl_->stop();
}

void SinkDispatcher::start() { impl_->start(); }
void SinkDispatcher::stop() { impl_->stop(); }
void SinkDispatcher::notify() { impl_->notify(); }
std::vector<SinkState> SinkDispatcher::states() const { return impl_->states(); }

}  // namespace conventiond
