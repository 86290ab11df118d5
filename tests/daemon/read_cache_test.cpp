// The read routes served from memory (convention_cache.hpp) and an io thread that never waits
// for the store: a real daemon on loopback, a second connection writing the same SQLite file
// as another process would.
#include <catch2/catch.hpp>

#include <curl/curl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include <boost/json.hpp>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/daemon/daemon.hpp>
#include <conventiond/store/sqlite_store.hpp>
#include "../support/running_daemon.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace conventiond;
using namespace std::chrono_literals;

namespace {

struct Reply {
  long status = 0;
  std::string body;
  std::string etag;
  std::chrono::milliseconds took{0};
};

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t header_line(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  if (line.size() > 6 && (line.rfind("ETag:", 0) == 0 || line.rfind("etag:", 0) == 0)) {
    std::string v = line.substr(5);
    while (!v.empty() && (v.front() == ' ')) v.erase(v.begin());
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n')) v.pop_back();
    *static_cast<std::string*>(out) = v;
  }
  return size * n;
}

Reply call(const std::string& method, const std::string& url, std::vector<std::string> headers = {}) {
  CURL* c = curl_easy_init();
  Reply r;
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_line);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.etag);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 15000L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  const auto t0 = std::chrono::steady_clock::now();
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  return r;
}

json::value parse(const Reply& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  INFO(r.body);
  REQUIRE_FALSE(ec);
  return v;
}

fs::path temp_dir(const std::string& name) { return test::fresh_temp_dir("cvd-cache", name); }


Convention record(const std::string& dep, const std::string& signatory) {
  Convention c;
  c.id = Convention::make_id(kProgrammePauvrete, dep);
  c.facts.departement = dep;
  c.facts.signatories = {Signatory{signatory, Role::prefet}};
  return c;
}

void write_config(const fs::path& dir, const std::string& extra = "") {
  std::ofstream(dir / "c.toml") << "[store]\nurl = \"sqlite:state.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n" << extra;
}

}  // namespace

TEST_CASE("read cache: a change is seen by the next GET, with a new ETag", "[daemon][cache]") {
  const fs::path dir = temp_dir("fresh");
  auto store = SqliteStore::open((dir / "state.db").string());
  REQUIRE(store.ok());
  for (const char* dep : {"67", "68", "2A"}) REQUIRE((*store)->save_convention(record(dep, "A")).ok());
  write_config(dir);
  test::RunningDaemon d(dir / "c.toml");

  auto list = call("GET", d.url("/v1/conventions"));
  REQUIRE(list.status == 200);
  CHECK(parse(list).at("total").as_int64() == 3);
  REQUIRE_FALSE(list.etag.empty());
  // The same bytes again, and a 304 for a client that has them.
  auto again = call("GET", d.url("/v1/conventions"));
  CHECK(again.body == list.body);
  CHECK(again.etag == list.etag);
  auto not_modified = call("GET", d.url("/v1/conventions"), {"If-None-Match: " + list.etag});
  CHECK(not_modified.status == 304);
  CHECK(not_modified.body.empty());
  auto one = call("GET", d.url("/v1/conventions/pauvrete-2019:67"));
  REQUIRE(one.status == 200);
  CHECK(parse(one).at("revision").as_int64() == 1);
  CHECK(call("GET", d.url("/v1/conventions/pauvrete-2019:67"), {"If-None-Match: " + one.etag}).status == 304);
  auto filtered = call("GET", d.url("/v1/conventions?departement=68"));
  CHECK(parse(filtered).at("total").as_int64() == 1);

  // Another connection (another process) changes a record and adds one: the daemon sees the
  // change log move within its poll, and the next GET after that answers the new content.
  REQUIRE((*store)->save_convention(record("67", "B")).ok());
  REQUIRE((*store)->save_convention(record("971", "C")).ok());
  Indicator ind;
  ind.departement = "67";
  ind.name = "rsa_foyers";
  ind.period = "2024";
  ind.value = 1234;
  ind.unit = "foyers";
  REQUIRE((*store)->save_indicator(ind).ok());
  Reply fresh;
  for (int i = 0; i < 100; ++i) {
    fresh = call("GET", d.url("/v1/conventions/pauvrete-2019:67"), {"If-None-Match: " + one.etag});
    if (fresh.status == 200) {
      const auto v = parse(fresh);
      if (v.at("revision").as_int64() == 2 && v.at("indicators").at("current").as_object().contains("rsa_foyers")) break;
    }
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(fresh.status == 200);
  const auto v = parse(fresh);
  CHECK(v.at("revision").as_int64() == 2);
  CHECK(v.at("facts").at("signatories").at(0).at("name").as_string() == "B");
  CHECK(v.at("indicators").at("current").at("rsa_foyers").at("value").to_number<double>() == 1234.0);
  CHECK(fresh.etag != one.etag);
  auto relisted = call("GET", d.url("/v1/conventions"), {"If-None-Match: " + list.etag});
  REQUIRE(relisted.status == 200);
  CHECK(parse(relisted).at("total").as_int64() == 4);
  CHECK(relisted.etag != list.etag);
  CHECK(parse(call("GET", d.url("/v1/conventions?departement=971"))).at("total").as_int64() == 1);
  CHECK(parse(call("GET", d.url("/v1/departements/67"))).at("conventions").at(0).at("revision").as_int64() == 2);
  CHECK(call("GET", d.url("/v1/conventions/pauvrete-2019:01")).status == 404);
}

TEST_CASE("read cache: the indexes answer as a scan does, page after page", "[daemon][cache]") {
  const fs::path dir = temp_dir("pages");
  {
    auto store = SqliteStore::open((dir / "state.db").string());
    REQUIRE(store.ok());
    for (const char* dep : {"01", "02", "03", "67", "68", "75", "2A", "971"}) {
      Convention c = record(dep, "P");
      FundingLine line;
      line.funder = Funder::etat;
      line.year = std::string_view(dep) < "5" ? 2020 : 2021;
      line.amount_eur = 1000;
      c.facts.funding = {line};
      c.facts.measures = {std::string_view(dep) < "5" ? Measure::maraudes : Measure::sorties_ase};
      REQUIRE((*store)->save_convention(c).ok());
    }
  }
  write_config(dir);
  test::RunningDaemon d(dir / "c.toml");
  CHECK(parse(call("GET", d.url("/v1/conventions?year=2020"))).at("total").as_int64() == 4);
  CHECK(parse(call("GET", d.url("/v1/conventions?measure=sorties_ase"))).at("total").as_int64() == 4);
  CHECK(parse(call("GET", d.url("/v1/conventions?region=grand%20est"))).at("total").as_int64() == 2);
  CHECK(parse(call("GET", d.url("/v1/conventions?year=1999"))).at("total").as_int64() == 0);
  CHECK(parse(call("GET", d.url("/v1/conventions?departement=67,68&year=2021"))).at("total").as_int64() == 2);
  // Keyset pages: every record once, in id order, descending too.
  for (const std::string sort : {"id", "-id", "departement"}) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int page = 0; page < 10; ++page) {
      auto p = parse(call("GET", d.url("/v1/conventions?limit=3&sort=" + sort + (cursor.empty() ? "" : "&cursor=" + cursor))));
      for (const auto& item : p.at("items").as_array()) ids.emplace_back(item.at("id").as_string());
      if (p.at("next_cursor").is_null()) break;
      cursor = std::string(p.at("next_cursor").as_string());
    }
    INFO(sort);
    CHECK(ids.size() == 8);
    if (sort == "id") CHECK(std::is_sorted(ids.begin(), ids.end()));
    if (sort == "-id") CHECK(std::is_sorted(ids.rbegin(), ids.rend()));
  }
}

TEST_CASE("a slow store call does not delay /healthz or the cached reads", "[daemon][cache]") {
  const fs::path dir = temp_dir("slow");
  {
    auto store = SqliteStore::open((dir / "state.db").string());
    REQUIRE(store.ok());
    REQUIRE((*store)->save_convention(record("67", "A")).ok());
    NewSubscription n;
    n.url = "http://127.0.0.1:9/hook";
    REQUIRE((*store)->create_subscription(n).ok());
  }
  ::setenv("CVD_CACHE_TEST_TOKENS", "s3cret", 1);
  write_config(dir, "tokens_env = \"CVD_CACHE_TEST_TOKENS\"\nreads_public = true\n");
  test::RunningDaemon d(dir / "c.toml");
  REQUIRE(call("GET", d.url("/v1/conventions")).status == 200);

  // Another process holds the write lock: the daemon's delete waits for it (busy timeout).
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open((dir / "state.db").string().c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  auto slow = std::async(std::launch::async, [&] {
    return call("DELETE", d.url("/v1/subscriptions/1"), {"Authorization: Bearer s3cret"});
  });
  std::this_thread::sleep_for(200ms);  // the delete is waiting on the lock now
  std::chrono::milliseconds worst{0};
  for (int i = 0; i < 10; ++i) {
    auto h = call("GET", d.url("/healthz"));
    CHECK(h.status == 200);
    auto l = call("GET", d.url("/v1/conventions"));
    CHECK(l.status == 200);
    auto ch = call("GET", d.url("/v1/changes?since=0"));
    CHECK(ch.status == 200);
    worst = std::max({worst, h.took, l.took, ch.took});
  }
  CHECK(slow.wait_for(0ms) != std::future_status::ready);  // still waiting: the test saw it slow
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  CHECK(slow.get().status == 204);
  CHECK(worst < 300ms);
}
