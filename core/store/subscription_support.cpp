// What both store back ends share about webhook subscriptions.

#include "subscription_support.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <conventiond/departements.hpp>
#include <conventiond/model/timestamp.hpp>

namespace conventiond {

namespace {

constexpr std::array kSubscriptionStatusNames = {std::string_view("active"),
                                                 std::string_view("paused")};
constexpr std::array kEventKinds = {std::string_view("created"), std::string_view("updated"),
                                    std::string_view("provenance_updated"),
                                    std::string_view("indicators_updated")};

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

std::string_view to_string(SubscriptionStatus s) noexcept {
  return kSubscriptionStatusNames[static_cast<std::size_t>(s)];
}

std::optional<SubscriptionStatus> subscription_status_from_string(std::string_view s) noexcept {
  for (std::size_t i = 0; i < kSubscriptionStatusNames.size(); ++i)
    if (kSubscriptionStatusNames[i] == s) return static_cast<SubscriptionStatus>(i);
  return std::nullopt;
}

namespace store_detail {

Result<NewSubscription> checked_subscription(const NewSubscription& s) {
  auto invalid = [](const std::string& problem) {
    return Error::make("invalid", "store: create_subscription: " + problem);
  };
  if (s.url.empty()) return invalid("empty url");
  if (s.from_seq && *s.from_seq < 0)
    return invalid("negative from_seq " + std::to_string(*s.from_seq));
  NewSubscription out = s;
  out.filter.departements.clear();
  for (const std::string& d : s.filter.departements) {
    std::string code = normalize_departement_code(d);
    if (code.empty())
      return invalid("filter: '" + d.substr(0, 32) + "' is not a departement code");
    out.filter.departements.push_back(std::move(code));
  }
  for (const std::string& k : s.filter.kinds) {
    if (std::find(kEventKinds.begin(), kEventKinds.end(), k) == kEventKinds.end()) {
      return invalid("filter: '" + k.substr(0, 32) +
                     "' is not an event kind (created, updated, indicators_updated)");
    }
  }
  sort_unique(out.filter.departements);
  sort_unique(out.filter.kinds);
  return out;
}

std::string filter_to_json(const SubscriptionFilter& f) {
  boost::json::object o;
  boost::json::array d;
  for (const auto& x : f.departements) d.emplace_back(x);
  boost::json::array k;
  for (const auto& x : f.kinds) k.emplace_back(x);
  o["departements"] = std::move(d);
  o["kinds"] = std::move(k);
  return boost::json::serialize(o);
}

Result<SubscriptionFilter> filter_from_json(std::string_view text) {
  auto bad = [&] {
    return Error::make("store", "store: stored subscription filter does not read back: " +
                                    std::string(text.substr(0, 200)));
  };
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return bad();
  SubscriptionFilter f;
  for (auto [key, out] : {std::pair{"departements", &f.departements},
                          std::pair{"kinds", &f.kinds}}) {
    const boost::json::value* a = v.as_object().if_contains(key);
    if (a == nullptr) continue;
    if (!a->is_array()) return bad();
    for (const auto& e : a->as_array()) {
      if (!e.is_string()) return bad();
      out->emplace_back(e.as_string().c_str(), e.as_string().size());
    }
  }
  return f;
}

Error subscription_not_found(std::int64_t id) {
  return Error::make("not_found", "store: subscription " + std::to_string(id) + " not found");
}

Status check_rotation_end(std::string_view previous_until) {
  if (previous_until.empty() || parse_rfc3339(previous_until)) return Status::success();
  return Error::make("invalid", "store: the end of a secret's overlap must be RFC 3339, not '" +
                                    std::string(previous_until.substr(0, 40)) + "'");
}

Error dead_letter_not_found(std::int64_t id) {
  return Error::make("not_found", "store: dead letter " + std::to_string(id) + " not found");
}

Status check_lease(std::string_view name, std::string_view owner, long long ttl_ms) {
  if (name.empty()) return Error::make("invalid", "store: try_lease: empty lease name");
  if (owner.empty()) {
    return Error::make("invalid",
                       "store: try_lease '" + std::string(name) + "': empty owner");
  }
  if (ttl_ms <= 0) {
    return Error::make("invalid", "store: try_lease '" + std::string(name) +
                                      "': the ttl must be positive (" + std::to_string(ttl_ms) +
                                      " ms)");
  }
  return Status::success();
}

}  // namespace store_detail
}  // namespace conventiond
