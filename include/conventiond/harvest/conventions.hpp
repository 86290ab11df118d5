#pragma once
// From the observations in the store to the convention records: after a run (or when asked),
// every convention a run touched is merged again from all the observations of its programme
// and département (core/merge) and saved; the store writes a new revision and a change event
// only when the merged record differs from the stored one.

#include <cstddef>
#include <string_view>

#include <conventiond/result.hpp>
#include <conventiond/store/store.hpp>

namespace conventiond {

struct MergeStats {
  std::size_t merged = 0;   // conventions merged
  std::size_t changed = 0;  // of which a new revision was saved
};

// Merges and saves one convention. Returns whether a new revision was saved.
Result<bool> merge_convention(Store& store, std::string_view programme,
                              std::string_view departement);

// Merges every convention the run's items touched.
Result<MergeStats> merge_run_conventions(Store& store, RunId run);

// The same as a RunOptions::finalize step.
Status merge_run_conventions_step(Store& store, RunId run);

}  // namespace conventiond
