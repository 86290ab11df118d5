#pragma once
// A SQLite store file damaged on purpose, for the health tests (tests/store, tests/daemon).

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <sqlite3.h>

#include <conventiond/store/sqlite_store.hpp>

namespace conventiond::test {

// Creates the store at `path` (every migration), adds a table spanning a few hundred pages,
// then overwrites ten pages in the middle of the file with garbage. The header, the schema and
// the store's tables (all created first, at the start of the file) are intact: the file opens,
// answers SELECT 1 and reads its schema version, and only PRAGMA quick_check sees the damage.
inline void make_corrupted_sqlite_store(const std::string& path) {
  {
    auto store = SqliteStore::open(path);
    REQUIRE(store.ok());
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "CREATE TABLE filler(id INTEGER PRIMARY KEY, body TEXT NOT NULL);"
                       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                       "WHERE i < 400) INSERT INTO filler(body) SELECT hex(randomblob(1000)) "
                       "FROM n;",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &q, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(q) == SQLITE_ROW);
  const auto page = static_cast<std::uintmax_t>(sqlite3_column_int64(q, 0));
  sqlite3_finalize(q);
  REQUIRE(sqlite3_close(db) == SQLITE_OK);  // the last connection: the WAL is checkpointed
  REQUIRE_FALSE(std::filesystem::exists(path + "-wal"));

  const std::uintmax_t pages = std::filesystem::file_size(path) / page;
  REQUIRE(pages > 100);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f);
  const std::string garbage(static_cast<std::size_t>(page) * 10, '\xA5');
  f.seekp(static_cast<std::streamoff>((pages / 2) * page));
  f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  REQUIRE(f);
}

}  // namespace conventiond::test
