#pragma once
// Helpers shared by the publication tests: events in a store, running an io_context until a
// condition holds (bounded), the seq of a delivered body.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <conventiond/model/convention.hpp>
#include <conventiond/model/indicator.hpp>
#include <conventiond/store/store.hpp>

namespace conventiond::test {

// A fresh file path in the temporary directory, removed (with SQLite's -wal and -shm) at the end.
struct TempPath {
  std::string path;
  TempPath() {
    static int counter = 0;
    path = (std::filesystem::temp_directory_path() /
            ("conventiond-publish-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter++) + ".db"))
               .string();
  }
  ~TempPath() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path + suffix, ec);
  }
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
};

inline Convention convention(const std::string& departement, std::int64_t amount) {
  Convention c;
  c.programme = std::string(kProgrammePauvrete);
  c.id = Convention::make_id(c.programme, departement);
  c.facts.departement = departement;
  c.facts.signed_on = Date{2019, 6, 28};
  c.facts.period = Period{2019, 2021};
  FundingLine f;
  f.funder = Funder::etat;
  f.amount_eur = amount;
  f.year = 2019;
  c.facts.funding.push_back(f);
  return c;
}

// Appends one change event (a new revision of the département's convention); returns its seq.
inline std::int64_t add_event(Store& store, const std::string& departement = "67") {
  static std::int64_t amount = 1000;
  auto r = store.save_convention(convention(departement, ++amount));
  if (!r) FAIL("save_convention: " << r.error().message);
  REQUIRE(r->changed);
  return r->seq;
}

inline std::vector<std::int64_t> add_events(Store& store, int n,
                                            const std::string& departement = "67") {
  std::vector<std::int64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(add_event(store, departement));
  return out;
}

// Runs io until done() holds, at most `limit`; whether it holds.
template <class Pred>
bool run_until(boost::asio::io_context& io, Pred done,
               std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  return true;
}

inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds d) {
  io.restart();
  io.run_for(d);
}

inline std::int64_t seq_of(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("seq")) return -1;
  return v.as_object().at("seq").to_number<std::int64_t>();
}

// Every seq in 1..n... checks: non-decreasing, and exactly `expected` once deduplicated.
inline void check_in_order(const std::vector<std::int64_t>& received,
                           const std::vector<std::int64_t>& expected) {
  INFO("received " << ::Catch::Detail::stringify(received));
  std::vector<std::int64_t> distinct;
  for (std::size_t i = 0; i < received.size(); ++i) {
    if (i > 0) CHECK(received[i] >= received[i - 1]);  // never reordered
    if (distinct.empty() || distinct.back() != received[i]) distinct.push_back(received[i]);
  }
  CHECK(distinct == expected);  // no gap, nothing else
}

}  // namespace conventiond::test
