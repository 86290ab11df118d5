#include <conventiond/harvest/conventions.hpp>

#include <conventiond/merge/merge.hpp>

namespace conventiond {

Result<bool> merge_convention(Store& store, std::string_view programme,
                              std::string_view departement) {
  // Read, merge and save in one store transaction (no stale merge from two workers).
  auto saved = store.merge_convention(
      programme, departement,
      [&](const std::vector<Observation>& observations) -> Result<std::optional<Convention>> {
        auto merged = merge_observations(programme, departement, observations);
        if (!merged) return merged.error();
        return std::optional<Convention>(std::move(*merged));
      });
  if (!saved) return saved.error();
  return *saved && (*saved)->changed;
}

Result<MergeStats> merge_run_conventions(Store& store, RunId run) {
  auto touched = store.touched_by_run(run);
  if (!touched) return touched.error();
  MergeStats stats;
  for (const auto& [programme, departement] : *touched) {
    auto changed = merge_convention(store, programme, departement);
    if (!changed) {
      return Error::make(changed.error().code, "convention " + programme + ":" + departement +
                                                   ": " + changed.error().message);
    }
    ++stats.merged;
    if (*changed) ++stats.changed;
  }
  return stats;
}

Status merge_run_conventions_step(Store& store, RunId run) {
  auto r = merge_run_conventions(store, run);
  if (!r) return r.error();
  return {};
}

}  // namespace conventiond
