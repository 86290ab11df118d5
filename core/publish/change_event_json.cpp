#include <conventiond/publish/change_event_json.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace conventiond {

namespace {

void append_string(std::string& out, const std::string& s) {
  out += boost::json::serialize(boost::json::string(s));
}

}  // namespace

std::string change_event_json(const ChangeEvent& e) {
  std::string out;
  out.reserve(e.payload_json.size() + e.convention_id.size() + 160);
  out += "{\"seq\":";
  out += std::to_string(e.seq);
  out += ",\"kind\":";
  append_string(out, e.kind);
  out += ",\"convention_id\":";
  if (e.convention_id.empty()) out += "null";  // an indicator of a département without one
  else append_string(out, e.convention_id);
  out += ",\"departement\":";
  append_string(out, e.departement);
  out += ",\"revision\":";
  out += std::to_string(e.revision);
  out += ",\"created_at\":";
  append_string(out, e.created_at);
  out += ",\"record\":";
  out += e.payload_json.empty() ? std::string("null") : e.payload_json;
  if (e.kind == "updated" && !e.changes_json.empty()) {
    out += ",\"changed\":";  // the facts' members that changed, with their previous values
    out += e.changes_json;
  }
  out += '}';
  return out;
}

std::string change_events_json_array(const std::vector<ChangeEvent>& events) {
  std::string out = "[";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i > 0) out += ',';
    out += change_event_json(events[i]);
  }
  out += ']';
  return out;
}

}  // namespace conventiond
