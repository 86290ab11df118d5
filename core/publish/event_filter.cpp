#include <conventiond/publish/event_filter.hpp>

#include <algorithm>

namespace conventiond {

bool filter_accepts(const SubscriptionFilter& filter, const ChangeEvent& event) {
  auto in = [](const std::vector<std::string>& list, const std::string& value) {
    return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
  };
  return in(filter.departements, event.departement) && in(filter.kinds, event.kind);
}

}  // namespace conventiond
