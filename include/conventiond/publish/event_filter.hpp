#pragma once
// Whether a subscription's filter lets a change-log event through.

#include <conventiond/store/store.hpp>

namespace conventiond {

// True when the event's département is in filter.departements (or that list is empty) and its
// kind is in filter.kinds (or that list is empty).
bool filter_accepts(const SubscriptionFilter& filter, const ChangeEvent& event);

}  // namespace conventiond
