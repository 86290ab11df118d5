#include <conventiond/harvest/conventions.hpp>

#include <conventiond/merge/merge.hpp>

namespace conventiond {

Result<bool> merge_convention(Store& store, std::string_view programme,
                              std::string_view departement) {
  auto observations = store.observations_for_convention(programme, departement);
  if (!observations) return observations.error();
  if (observations->empty()) return false;
  auto merged = merge_observations(programme, departement, *observations);
  if (!merged) return merged.error();
  auto saved = store.save_convention(*merged);
  if (!saved) return saved.error();
  return saved->changed;
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
