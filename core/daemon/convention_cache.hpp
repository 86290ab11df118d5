#pragma once
// The current convention records kept in memory for the read routes (docs/daemon.md):
// parsed, serialised once, indexed by id, département, region, funding year and measure, and
// kept at the change log's seq. GET /v1/conventions pages and GET /v1/conventions/{id}
// answers are prepared bytes, memoised until a change touches them; no request parses or
// prints a record again.
//
// Freshness: the cache is marked stale when the change hub sees the log move (at once for a
// commit of this process, which the store announces; within the hub's poll for another
// daemon's), and the next read applies the new events (their payload is the record) before
// answering. Used on the io thread only (no locking).

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <conventiond/daemon/convention_query.hpp>
#include <conventiond/result.hpp>
#include <conventiond/store/store.hpp>

namespace conventiond {

// A response body prepared once, with its entity tag.
struct PreparedBody {
  std::string body;
  std::string etag;  // "\"<16 hex digits>\"": a hash of the body
};

class ConventionCache {
 public:
  explicit ConventionCache(Store& store) : store_(store) {}

  // Something was committed to the change log: the next read catches up first.
  void mark_stale() noexcept { stale_ = true; }
  // Loads the records (first use) or applies the events after seq() (when stale).
  Status sync();
  std::int64_t seq() const noexcept { return seq_; }
  std::size_t size() const noexcept { return records_.size(); }
  std::uint64_t reloads() const noexcept { return reloads_; }

  // The body of GET /v1/conventions for that query, memoised by `key` (the query string).
  // Error "bad_request" as run_convention_query.
  Result<std::shared_ptr<const PreparedBody>> list(const ConventionQuery& query,
                                                   const std::string& key);

  // The current record `id`, or nullptr.
  const Convention* find(std::string_view id) const;
  // The records of one département, in id order.
  std::vector<const Convention*> of_departement(std::string_view code) const;

  // GET /v1/conventions/{id} bodies, prepared by the route (the record joins indicators):
  // dropped when the record or its département's indicators change.
  std::shared_ptr<const PreparedBody> detail(std::string_view id) const;
  void put_detail(const std::string& id, std::shared_ptr<const PreparedBody> body);

  static std::shared_ptr<const PreparedBody> prepare(std::string body);

 private:
  struct Entry {
    Convention record;
    std::string json;  // to_json(record), serialised
  };
  Status reload();
  void apply(const ChangeEvent& e);
  void upsert(Convention c);
  void rebuild_indexes();
  void forget_memos();

  Store& store_;
  bool loaded_ = false;
  bool stale_ = true;
  std::int64_t seq_ = 0;
  std::uint64_t reloads_ = 0;
  std::map<std::string, Entry, std::less<>> records_;  // by id
  // Indexes: ids' entries in id order.
  std::vector<const Entry*> all_;
  std::map<std::string, std::vector<const Entry*>, std::less<>> by_departement_;
  std::map<std::string, std::vector<const Entry*>, std::less<>> by_region_;  // folded name
  std::map<int, std::vector<const Entry*>> by_year_;
  std::map<std::string, std::vector<const Entry*>, std::less<>> by_measure_;
  bool indexes_dirty_ = true;
  std::unordered_map<std::string, std::shared_ptr<const PreparedBody>> pages_;
  std::unordered_map<std::string, std::shared_ptr<const PreparedBody>> details_;
};

}  // namespace conventiond
