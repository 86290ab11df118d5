// Store health for /readyz (Store::check_health, Store::last_failure) on SQLite: a store file
// corrupted on purpose, and a write lock held by another connection.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <sqlite3.h>

#include <conventiond/store/sqlite_store.hpp>

#include "corrupt_sqlite.hpp"

using namespace conventiond;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir() {
  static std::atomic<int> counter{0};
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  const fs::path p = fs::temp_directory_path() / ("conventiond-health-test-" +
                                                  std::to_string(stamp) + "-" +
                                                  std::to_string(++counter));
  fs::create_directories(p);
  return p;
}

}  // namespace

TEST_CASE("store health: a sound store passes check_health and has no failure", "[store][health]") {
  const fs::path dir = fresh_dir();
  auto store = SqliteStore::open((dir / "s.db").string());
  REQUIRE(store.ok());
  CHECK((*store)->check_health().ok());
  CHECK_FALSE((*store)->last_failure().has_value());
  CHECK((*store)->ping().ok());
  store->reset();
  fs::remove_all(dir);
}

TEST_CASE("store health: a corrupted file fails check_health, and the failure stays", "[store][health]") {
  const fs::path dir = fresh_dir();
  const std::string path = (dir / "s.db").string();
  test::make_corrupted_sqlite_store(path);

  // Opening still works (the header, the schema and the migrations are intact)...
  auto store = SqliteStore::open(path);
  INFO((store ? std::string() : store.error().message));
  REQUIRE(store.ok());
  CHECK((*store)->ping().ok());  // ...and SELECT 1 says nothing: that was the bug.
  const Status health = (*store)->check_health();
  REQUIRE_FALSE(health.ok());
  CHECK(health.error().code == "corrupt");
  INFO(health.error().message);
  CHECK(health.error().message.find("quick_check") != std::string::npos);
  auto failure = (*store)->last_failure();
  REQUIRE(failure.has_value());
  CHECK(failure->sticky);
  // A later success does not clear a corruption.
  CHECK((*store)->jobs().ok());
  CHECK((*store)->start_run("j").ok());
  CHECK((*store)->last_failure().has_value());
  store->reset();
  fs::remove_all(dir);
}

TEST_CASE("store health: a lock timeout is the last failure until an operation succeeds", "[store][health]") {
  const fs::path dir = fresh_dir();
  const std::string path = (dir / "s.db").string();
  SqliteOptions options;
  options.busy_timeout_ms = 50;
  auto store = SqliteStore::open(path, options);
  REQUIRE(store.ok());
  REQUIRE((*store)->check_health().ok());

  // Another process's writer (the sqlite3 shell, a backup tool) holds the write lock.
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  auto run = (*store)->start_run("j");
  REQUIRE_FALSE(run.ok());
  auto failure = (*store)->last_failure();
  REQUIRE(failure.has_value());
  CHECK_FALSE(failure->sticky);
  CHECK(failure->message.find("locked") != std::string::npos);
  CHECK(std::chrono::system_clock::now() - failure->at < std::chrono::seconds(10));
  // A ping is not an operation: it does not clear the failure.
  CHECK((*store)->ping().ok());
  CHECK((*store)->last_failure().has_value());

  REQUIRE(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(other);
  CHECK((*store)->start_run("j").ok());
  CHECK_FALSE((*store)->last_failure().has_value());
  store->reset();
  fs::remove_all(dir);
}
