#include <conventiond/model/facts_changes.hpp>

#include <boost/json/object.hpp>

#include <conventiond/model/model_json.hpp>

namespace conventiond {
namespace {

namespace json = boost::json;

// v without any "evidence" member, at any depth.
json::value without_evidence(json::value v) {
  if (json::object* o = v.if_object()) {
    o->erase("evidence");
    for (auto& kv : *o) kv.value() = without_evidence(std::move(kv.value()));
  } else if (json::array* a = v.if_array()) {
    for (auto& x : *a) x = without_evidence(std::move(x));
  }
  return v;
}

}  // namespace

json::array facts_changes(const ConventionFacts& before, const ConventionFacts& after) {
  json::array out;
  const json::value old_json = to_json(before);
  const json::object& old_facts = old_json.as_object();
  auto changed = [&](const char* field, bool differs) {
    if (!differs) return;
    const json::value* previous = old_facts.if_contains(field);
    out.push_back(json::object{{"field", field},
                               {"previous", previous != nullptr ? without_evidence(*previous)
                                                                : json::value(nullptr)}});
  };
  changed("departement", before.departement != after.departement);
  changed("signed_on", before.signed_on != after.signed_on);
  changed("period", before.period != after.period);
  changed("signatories", before.signatories != after.signatories);
  changed("funding", before.funding != after.funding);
  changed("measures", before.measures != after.measures);
  changed("actions", before.actions != after.actions);
  changed("amendments", before.amendments != after.amendments);
  if (before.not_a_convention != after.not_a_convention) {
    out.push_back(json::object{{"field", "not_a_convention"}, {"previous", before.not_a_convention}});
  }
  return out;
}

}  // namespace conventiond
