#pragma once
// The change log's retention: what the daemon calls on a schedule.

#include <chrono>

#include <conventiond/result.hpp>
#include <conventiond/store/store.hpp>

namespace conventiond {

// Deletes the change-log events older than now - retention (Store::prune_changes: the latest
// event is always kept). "invalid" for a negative retention.
Status prune_change_log(Store& store, std::chrono::seconds retention);

}  // namespace conventiond
