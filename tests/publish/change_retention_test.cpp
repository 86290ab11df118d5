#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <conventiond/publish/change_retention.hpp>
#include <conventiond/store/sqlite_store.hpp>

#include "publish_test_support.hpp"

using namespace conventiond;
using namespace std::chrono_literals;

TEST_CASE("prune_change_log deletes what is older than the retention, keeping the latest",
          "[publish]") {
  auto store = SqliteStore::open(":memory:");
  REQUIRE(store);
  const auto seqs = test::add_events(**store, 3);
  // A retention of a day keeps everything just written.
  REQUIRE(prune_change_log(**store, std::chrono::hours(24)));
  CHECK(*(*store)->oldest_seq() == seqs.front());
  // A retention in the future (negative age) is refused.
  CHECK(prune_change_log(**store, -1s).error().code == "invalid");
  // Retention 0, a little later: all but the latest go.
  std::this_thread::sleep_for(1100ms);
  REQUIRE(prune_change_log(**store, 0s));
  CHECK(*(*store)->oldest_seq() == seqs.back());
  CHECK(*(*store)->latest_seq() == seqs.back());
}
