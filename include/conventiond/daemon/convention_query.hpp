#pragma once
// GET /v1/conventions: filters, sorting and cursor pagination over the current records.
// The whole set is small (one record per programme and département, a few hundred at most),
// so the query runs in memory over Store::conventions(); the cursor is keyset-based (the
// sort key and id of the last record returned), so pages stay consistent while records
// change.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <conventiond/model/convention.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

struct ConventionQuery {
  std::vector<std::string> departements;  // INSEE codes (any of)
  std::string region;                     // region name, accents and case ignored
  std::optional<Date> signed_from;        // signed on or after
  std::optional<Date> signed_to;          // signed on or before
  std::optional<int> funding_year;        // has a funding line (or amendment) for that year
  std::string measure;                    // has that measure (vocabulary name)
  std::string sort = "id";                // id, departement, signed_on, updated_at; '-' = desc
  std::string cursor;                     // from a previous page's next_cursor
  std::size_t limit = 50;                 // 1..500
};

struct ConventionPage {
  std::vector<const Convention*> items;  // point into the input
  std::string next_cursor;               // "" on the last page
  std::size_t total = 0;                 // records matching the filters
};

// Reads the query parameters (departement (repeatable or comma-separated), region,
// signed_from, signed_to, year, measure, sort, cursor, limit). Errors ("bad_request") name the
// parameter and the problem.
Result<ConventionQuery> parse_convention_query(
    const std::vector<std::pair<std::string, std::string>>& params);

// Applies the query. Error "bad_request" for a cursor that was not made by this query's sort.
Result<ConventionPage> run_convention_query(const std::vector<Convention>& all,
                                            const ConventionQuery& query);

// The same over candidate records (e.g. those of an index); `sorted_by_id`: they are in id
// order already (the default sort then costs no sort).
Result<ConventionPage> run_convention_query(const std::vector<const Convention*>& candidates,
                                            const ConventionQuery& query, bool sorted_by_id);

// The years the `year` filter matches for these facts, sorted (for an index by year).
std::vector<int> funding_years(const ConventionFacts& facts);

// A region name as the query compares it (lower case, accents removed).
std::string fold_region(std::string_view region);

}  // namespace conventiond
