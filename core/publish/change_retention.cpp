#include <conventiond/publish/change_retention.hpp>

#include <conventiond/model/timestamp.hpp>

namespace conventiond {

Status prune_change_log(Store& store, std::chrono::seconds retention) {
  if (retention.count() < 0) {
    return Error::make("invalid", "prune_change_log: negative retention " +
                                      std::to_string(retention.count()) + " s");
  }
  const std::string text = format_rfc3339(std::chrono::system_clock::now() - retention);
  if (text.empty()) return Error::make("invalid", "prune_change_log: retention out of range");
  auto deleted = store.prune_changes(text);
  if (!deleted) return deleted.error();
  return Status::success();
}

}  // namespace conventiond
