#pragma once
// The last failure of a store, kept by the stores for /readyz (Store::last_failure()).
// Thread-safe and cheap: a success costs an atomic load when nothing failed.

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace conventiond {

struct StoreFailure {
  std::string message;                         // the store's error message
  std::chrono::system_clock::time_point at{};  // when it happened
  // A failure that a later success does not clear: the database is corrupt (SQLite's
  // SQLITE_CORRUPT / SQLITE_NOTADB); it lasts until the process restarts.
  bool sticky = false;
};

class StoreHealthTracker {
 public:
  // An operation failed for a reason of the store itself (I/O, lock timeout, corruption,
  // connection lost); not for an expected outcome (not found, invalid, conflict).
  void failed(std::string message, bool sticky) {
    const std::lock_guard lock(mu_);
    if (last_ && last_->sticky && !sticky) return;  // corruption stays the reason shown
    last_ = StoreFailure{std::move(message), std::chrono::system_clock::now(), sticky};
    pending_.store(!sticky, std::memory_order_release);
  }
  // An operation succeeded: clears the last failure unless it is sticky.
  void succeeded() {
    if (!pending_.load(std::memory_order_acquire)) return;
    const std::lock_guard lock(mu_);
    if (last_ && !last_->sticky) {
      last_.reset();
      pending_.store(false, std::memory_order_release);
    }
  }
  std::optional<StoreFailure> last() const {
    const std::lock_guard lock(mu_);
    return last_;
  }

 private:
  mutable std::mutex mu_;
  std::optional<StoreFailure> last_;
  std::atomic<bool> pending_{false};  // a non-sticky failure may be there to clear
};

}  // namespace conventiond
