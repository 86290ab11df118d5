#pragma once
// Internal to core/store: what both back ends share about webhook subscriptions (checking a
// new one, the filter's JSON column) and the names of the subscription statuses.

#include <string>
#include <string_view>

#include <conventiond/result.hpp>
#include <conventiond/store/store.hpp>

namespace conventiond::store_detail {

// The subscription checked, with its filter normalised (département codes as "01", "2A";
// duplicates removed, sorted); "invalid" naming the problem.
Result<NewSubscription> checked_subscription(const NewSubscription& s);

// The filter as stored: {"departements":[...],"kinds":[...]}.
std::string filter_to_json(const SubscriptionFilter& f);
// The stored filter back ("store" when the column does not read back).
Result<SubscriptionFilter> filter_from_json(std::string_view text);

Error subscription_not_found(std::int64_t id);

// Checks rotate_subscription_secret's end of overlap: "" or RFC 3339 ("invalid").
Status check_rotation_end(std::string_view previous_until);
Error dead_letter_not_found(std::int64_t id);

// Checks try_lease's arguments ("invalid").
Status check_lease(std::string_view name, std::string_view owner, long long ttl_ms);

}  // namespace conventiond::store_detail
