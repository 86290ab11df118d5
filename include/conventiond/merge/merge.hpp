#pragma once
// The merge: every observation of one convention (programme + département), from many
// documents, into one record that keeps, for each field, the value chosen, its source, and the
// different values other sources gave. Pure logic: no I/O, no clock. See docs/merge.md.

#include <string_view>
#include <vector>

#include <conventiond/model/convention.hpp>
#include <conventiond/model/date.hpp>
#include <conventiond/model/observation.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

// Merges the observations of one convention into its record.
//
// Per field (docs/merge.md lists the fields and their provenance paths: "signed_on",
// "signatories.prefet", "funding.etat.2019", "amendments.2022.funding.etat", ...) the value
// chosen is the one of the best source rank (convention_text > official_release > news >
// unknown), then of the more precise value (an exact amount over an approximate one, a full
// date over a month), then of the most recent document (Source::fetched_at), then of the
// smallest URL. Every different value seen is listed once, with its best source, in the field's
// alternatives. Of several observations of one URL only the latest version counts, and a
// re-fetch of identical content keeps the first fetch as the source.
//
// Deterministic: the same observations in any order give the same record, byte for byte in
// to_json. revision and updated_at are left 0 and "" (the store sets them).
//
// Errors: Error{"invalid", ...} for an unknown département or an empty programme, and for an
// observation of another programme or département (the message names its document URL);
// Error{"empty", ...} when there is no observation (no record without a source).
Result<Convention> merge_observations(std::string_view programme, std::string_view departement,
                                      const std::vector<Observation>& observations);

// How precise a date is: 3 = a day, 2 = a month (day 0), 1 = a year (month 0), 0 = none.
// The model's Date has no precision of its own; a producer that knows only the month writes
// day 0.
int date_precision(const Date& d) noexcept;

}  // namespace conventiond
