#pragma once
// One change-log event as every publisher sends it (webhook bodies, sink batches):
//   {"seq":12,"kind":"updated","convention_id":"...","departement":"67","revision":3,
//    "created_at":"2025-01-02T03:04:05Z","record":{...the stored record, verbatim...},
//    "changed":[{"field":"signed_on","previous":"2019-06-27"}]}       ("changed": updated only)

#include <string>
#include <vector>

#include <conventiond/store/store.hpp>

namespace conventiond {

// The event as one line of compact JSON (convention_id null when empty); `record` is the event's payload_json as stored (the
// store guarantees it is JSON), spliced verbatim.
std::string change_event_json(const ChangeEvent& event);

// "[e1,e2,...]": the events' JSON in order (what a sink's deliver() receives).
std::string change_events_json_array(const std::vector<ChangeEvent>& events);

}  // namespace conventiond
