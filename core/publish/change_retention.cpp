#include <conventiond/publish/change_retention.hpp>

#include <ctime>

namespace conventiond {

Status prune_change_log(Store& store, std::chrono::seconds retention) {
  if (retention.count() < 0) {
    return Error::make("invalid", "prune_change_log: negative retention " +
                                      std::to_string(retention.count()) + " s");
  }
  const auto now = std::chrono::system_clock::now();
  const std::time_t before = std::chrono::system_clock::to_time_t(now - retention);
  std::tm tm{};
  if (gmtime_r(&before, &tm) == nullptr)
    return Error::make("invalid", "prune_change_log: retention out of range");
  char text[32];
  if (std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    return Error::make("invalid", "prune_change_log: retention out of range");
  auto deleted = store.prune_changes(text);
  if (!deleted) return deleted.error();
  return Status::success();
}

}  // namespace conventiond
