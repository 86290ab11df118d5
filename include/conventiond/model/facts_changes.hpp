#pragma once
// What changed in a convention's facts between two revisions, for the change feed's `updated`
// events (docs/changes.md): each member of the facts whose value differs, evidence aside, with
// its previous value (as the record wrote it, without evidence), in the facts' member order:
//   [{"field": "signed_on", "previous": "2019-06-27"}, {"field": "funding", "previous": [...]}]
// Empty when only the provenance or the evidence changed (a `provenance_updated` event).

#include <boost/json/array.hpp>

#include <conventiond/model/convention.hpp>

namespace conventiond {

boost::json::array facts_changes(const ConventionFacts& before, const ConventionFacts& after);

}  // namespace conventiond
