// PostgresStore against a real PostgreSQL server on loopback: the Store contract
// (store_conformance.hpp) plus what is PostgreSQL's own (migrations under an advisory lock,
// several connections, change-log order under concurrent writers, reconnection, errors that
// name the server but never the password) and open_store()'s dispatch.
//
// The server: $CONVENTIOND_TEST_PG_URL when set (any database the user may create schemas in),
// else a private one started by scripts/pg-test-server.sh in a temporary directory, stopped at
// exit (and by the script's watchdog if this process is killed). Each store lives in a fresh
// schema. When no server can be had, the tests print "SKIPPED: PostgreSQL tests: <reason>" and
// warn (they do not fail and are not silent).

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <libpq-fe.h>

#include <conventiond/store/open_store.hpp>
#include <conventiond/store/postgres_store.hpp>
#include <conventiond/store/sqlite_store.hpp>

#include "store_conformance.hpp"

using namespace conventiond;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// An administrative connection of the tests' own (not through the store).
class Admin {
 public:
  explicit Admin(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
    if (c_ != nullptr) PQsetNoticeProcessor(c_, [](void*, const char*) {}, nullptr);
  }
  ~Admin() { PQfinish(c_); }
  Admin(const Admin&) = delete;
  Admin& operator=(const Admin&) = delete;

  bool ok() const { return c_ != nullptr && PQstatus(c_) == CONNECTION_OK; }
  std::string error() const { return c_ != nullptr ? PQerrorMessage(c_) : "out of memory"; }

  // Runs one statement; returns the first column of the first row ("" when none), or fails
  // the test.
  std::string exec(const std::string& sql, const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* r = PQexecParams(c_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
    const ExecStatusType st = PQresultStatus(r);
    std::string out;
    const bool good = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    std::string err = good ? "" : PQresultErrorMessage(r);
    if (good && PQntuples(r) > 0 && PQnfields(r) > 0) out = PQgetvalue(r, 0, 0);
    PQclear(r);
    if (!good) FAIL("admin SQL failed: " << sql << ": " << err);
    return out;
  }
  // For clean-up outside a test: no failure reported.
  void try_exec(const std::string& sql) { PQclear(PQexec(c_, sql.c_str())); }
  std::int64_t integer(const std::string& sql, const std::vector<std::string>& params = {}) {
    return std::stoll(exec(sql, params));
  }

 private:
  PGconn* c_;
};

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The server the tests use, started on first use and stopped at exit.
class TestServer {
 public:
  static TestServer& get() {
    static TestServer server;
    return server;
  }

  bool available() const { return !url_.empty(); }
  const std::string& reason() const { return reason_; }
  const std::string& url() const { return url_; }
  Admin& admin() { return *admin_; }

  // The base URL with the search_path set to `schema` (libpq URL or key=value form).
  std::string url_for(const std::string& schema) const {
    if (url_.find("://") == std::string::npos)
      return url_ + " options='-csearch_path=" + schema + "'";
    return url_ + (url_.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema;
  }

  // A new, empty schema; dropped at exit when the server is not ours.
  std::string new_schema() {
    static std::atomic<int> counter{0};
    const std::string name =
        "cvt_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    admin_->exec("CREATE SCHEMA " + name);
    schemas_.push_back(name);
    return name;
  }

  ~TestServer() { stop(); }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

 private:
  TestServer() {
    if (const char* env = std::getenv("CONVENTIOND_TEST_PG_URL"); env != nullptr && *env) {
      external_ = true;
      connect(env, "CONVENTIOND_TEST_PG_URL");
      return;
    }
    start_own();
  }

  void start_own() {
    const fs::path script = fs::path(CONVENTIOND_SOURCE_DIR) / "scripts" / "pg-test-server.sh";
    if (!fs::exists(script)) {
      reason_ = "no " + script.string();
      return;
    }
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    const std::string base = "conventiond-pg-" + std::to_string(::getpid()) + "-" +
                             std::to_string(stamp % 1000000);
    dir_ = fs::temp_directory_path() / base;
    const fs::path log = fs::temp_directory_path() / (base + ".log");
    // Bounded: the script waits at most ~30 s for the server; `timeout` caps the whole start.
    const std::string cmd = "timeout 120 bash '" + script.string() + "' start '" +
                            dir_.string() + "' " + std::to_string(::getpid()) + " 2>'" +
                            log.string() + "'";
    std::string out;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
      char buf[512];
      while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
      const int rc = ::pclose(p);
      std::string err = read_all(log);
      while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
      if (rc != 0 || out.rfind("postgresql://", 0) != 0) {
        while (!err.empty() && err.back() == '\n') err.pop_back();
        const auto nl = err.rfind('\n');
        reason_ = "scripts/pg-test-server.sh could not start a server (exit " +
                  std::to_string(WIFEXITED(rc) ? WEXITSTATUS(rc) : rc) + "): " +
                  (nl == std::string::npos ? err : err.substr(nl + 1));
      } else {
        own_ = true;
        connect(out, "the test server");
      }
    } else {
      reason_ = "cannot run scripts/pg-test-server.sh";
    }
    std::error_code ec;
    fs::remove(log, ec);
  }

  void connect(const std::string& url, const std::string& what) {
    admin_ = std::make_unique<Admin>(url);
    if (!admin_->ok()) {
      reason_ = what + " does not answer: " + admin_->error();
      for (char& ch : reason_)
        if (ch == '\n' || ch == '\t') ch = ' ';
      admin_.reset();
      return;
    }
    url_ = url;
  }

  void stop() {
    if (admin_ && external_) {
      for (const auto& s : schemas_) admin_->try_exec("DROP SCHEMA IF EXISTS " + s + " CASCADE");
    }
    admin_.reset();
    if (own_) {
      const fs::path script = fs::path(CONVENTIOND_SOURCE_DIR) / "scripts" / "pg-test-server.sh";
      const std::string cmd = "timeout 60 bash '" + script.string() + "' stop '" +
                              dir_.string() + "' >/dev/null 2>&1";
      if (std::system(cmd.c_str()) != 0)
        std::cerr << "could not stop the test server in " << dir_ << "\n";
      own_ = false;
    }
  }

  std::string url_;
  std::string reason_;
  fs::path dir_;
  bool own_ = false;
  bool external_ = false;
  std::unique_ptr<Admin> admin_;
  std::vector<std::string> schemas_;
};

}  // namespace

namespace {

// Says, visibly, why the PostgreSQL tests did not run (once per process on stdout, and as a
// Catch2 warning in each test case).
bool server_or_skip() {
  TestServer& server = TestServer::get();
  if (server.available()) return true;
  static bool printed = false;
  if (!printed) {
    std::cout << "SKIPPED: PostgreSQL tests: " << server.reason() << std::endl;
    printed = true;
  }
  WARN("SKIPPED: PostgreSQL tests: " << server.reason());
  return false;
}

std::unique_ptr<PostgresStore> open_ok(const std::string& conninfo) {
  auto r = PostgresStore::open(conninfo);
  if (!r) FAIL("open: " << r.error().code << ": " << r.error().message);
  return std::move(r).value();
}

// A store in a fresh schema (what store_conformance needs).
std::unique_ptr<Store> fresh_store() {
  TestServer& server = TestServer::get();
  return open_ok(server.url_for(server.new_schema()));
}

// A loopback port nobody listens on (bound, then released).
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

Convention convention_for(const std::string& departement, std::int64_t amount) {
  return conformance::make_convention(departement, amount);
}

}  // namespace

TEST_CASE("PostgreSQL store conformance", "[store][postgres]") {
  if (!server_or_skip()) return;
  store_conformance([] { return fresh_store(); });
}

TEST_CASE("PostgreSQL migrations: once each, under a lock, newer schema refused",
          "[store][postgres]") {
  if (!server_or_skip()) return;
  TestServer& server = TestServer::get();
  const auto n = static_cast<std::int64_t>(postgres_migrations().size());
  REQUIRE(n >= 2);

  SECTION("a fresh schema gets every migration, then none on the next open") {
    const std::string schema = server.new_schema();
    {
      auto store = open_ok(server.url_for(schema));
      CHECK(store->migrations_applied_at_open() == n);
      CHECK(store->schema_version() == n);
    }
    Admin& admin = server.admin();
    CHECK(admin.integer("SELECT COUNT(*) FROM " + schema + ".schema_migrations") == n);
    CHECK(admin.integer("SELECT COUNT(DISTINCT version) FROM " + schema +
                        ".schema_migrations") == n);
    CHECK(admin.integer("SELECT MAX(version) FROM " + schema + ".schema_migrations") == n);
    // The SQLite store's tables, in PostgreSQL types.
    for (const char* table :
         {"jobs", "runs", "items", "run_items", "documents", "observations", "job_cursor",
          "frontier", "conventions", "convention_revisions", "indicators", "change_log",
          "consumer_cursors", "document_heads", "run_conventions"}) {
      INFO(table);
      CHECK(admin.integer("SELECT COUNT(*) FROM information_schema.tables WHERE "
                          "table_schema = $1 AND table_name = $2",
                          {schema, table}) == 1);
    }
    CHECK(admin.exec("SELECT data_type FROM information_schema.columns WHERE table_schema = $1 "
                     "AND table_name = 'observations' AND column_name = 'facts'",
                     {schema}) == "jsonb");
    CHECK(admin.exec("SELECT is_identity FROM information_schema.columns WHERE "
                     "table_schema = $1 AND table_name = 'change_log' AND column_name = 'seq'",
                     {schema}) == "YES");
    auto again = open_ok(server.url_for(schema));
    CHECK(again->migrations_applied_at_open() == 0);
    CHECK(again->schema_version() == n);
    CHECK(admin.integer("SELECT COUNT(*) FROM " + schema + ".schema_migrations") == n);
  }

  SECTION("daemons opening a fresh database together migrate it once") {
    const std::string schema = server.new_schema();
    const std::string url = server.url_for(schema);
    constexpr int kDaemons = 4;
    std::atomic<int> ready{0};
    std::vector<std::future<Result<std::unique_ptr<PostgresStore>>>> opened;
    for (int i = 0; i < kDaemons; ++i) {
      opened.push_back(std::async(std::launch::async, [&] {
        ++ready;
        while (ready.load() < kDaemons) std::this_thread::yield();
        return PostgresStore::open(url);
      }));
    }
    std::int64_t applied = 0;
    for (auto& f : opened) {
      REQUIRE(f.wait_for(60s) == std::future_status::ready);
      auto r = f.get();
      REQUIRE(r);
      CHECK((*r)->schema_version() == n);
      applied += (*r)->migrations_applied_at_open();
    }
    CHECK(applied == n);
    CHECK(server.admin().integer("SELECT COUNT(*) FROM " + schema + ".schema_migrations") == n);
  }

  SECTION("a database from a newer build is refused with code schema") {
    const std::string schema = server.new_schema();
    { auto store = open_ok(server.url_for(schema)); }
    server.admin().exec("INSERT INTO " + schema +
                        ".schema_migrations(version, applied_at) VALUES (999, 'later')");
    auto r = PostgresStore::open(server.url_for(schema));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "schema");
    CHECK_THAT(r.error().message, Catch::Contains("999"));
    CHECK_THAT(r.error().message, Catch::Contains("newer"));
  }
}

TEST_CASE("PostgreSQL store: an unreachable server is an io error naming it, not the password",
          "[store][postgres]") {
  // No server needed: a loopback port nobody listens on.
  const int port = closed_port();
  const std::string where = "127.0.0.1:" + std::to_string(port);

  SECTION("URL form") {
    const std::string url =
        "postgresql://someone:s3cr3t-pw@" + where + "/somedb?connect_timeout=5";
    auto r = PostgresStore::open(url);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "io");
    CHECK_THAT(r.error().message, Catch::Contains(where));
    CHECK_THAT(r.error().message, Catch::Contains("somedb"));
    CHECK_THAT(r.error().message, !Catch::Contains("s3cr3t-pw"));
    CHECK(r.error().message.find('\n') == std::string::npos);
    // Through open_store too.
    auto o = open_store(url);
    REQUIRE_FALSE(o);
    CHECK(o.error().code == "io");
    CHECK_THAT(o.error().message, Catch::Contains(where));
    CHECK_THAT(o.error().message, !Catch::Contains("s3cr3t-pw"));
  }
  SECTION("key=value form, password as a pair") {
    const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port) +
                                 " dbname=somedb user=someone password='s3cr3t pw' "
                                 "connect_timeout=5";
    auto r = PostgresStore::open(conninfo);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "io");
    CHECK_THAT(r.error().message, Catch::Contains(where));
    CHECK_THAT(r.error().message, !Catch::Contains("s3cr3t"));
  }
  SECTION("a password in the URL query") {
    const std::string url = "postgres://someone@" + where + "/somedb?password=s3cr3t-pw";
    auto r = open_store(url);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "io");
    CHECK_THAT(r.error().message, !Catch::Contains("s3cr3t-pw"));
  }
  SECTION("malformed connection strings are invalid, never a crash") {
    for (const std::string& bad :
         {std::string("postgresql://u:s3cr3t-pw@127.0.0.1/db?nosuchoption=1"),
          std::string("host=127.0.0.1 password=s3cr3t-pw nonsense"),
          std::string("postgresql://u:s3cr3t-pw@[::1/db"),
          std::string("host='unterminated password=s3cr3t-pw"),
          "postgresql://u:s3cr3t-pw@127.0.0.1/" + std::string(100000, 'x') + "?x=y"}) {
      INFO(bad.substr(0, 80));
      auto r = PostgresStore::open(bad);
      REQUIRE_FALSE(r);
      CHECK((r.error().code == "invalid" || r.error().code == "io"));
      CHECK_THAT(r.error().message, !Catch::Contains("s3cr3t-pw"));
    }
  }
}

TEST_CASE("open_store picks the back end from the URL and masks passwords",
          "[store][postgres]") {
  const fs::path dir = fs::temp_directory_path() /
                       ("conventiond-open-store-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{dir};

  SECTION("sqlite: URLs and plain paths open a SqliteStore") {
    for (const std::string& url :
         {"sqlite:" + (dir / "a.db").string(), "sqlite://" + (dir / "b.db").string(),
          (dir / "c.db").string(), std::string(":memory:")}) {
      INFO(url);
      auto s = open_store(url);
      REQUIRE(s);
      CHECK(dynamic_cast<SqliteStore*>(s->get()) != nullptr);
      CHECK((*s)->ping());
    }
    CHECK(fs::exists(dir / "a.db"));
    CHECK(fs::exists(dir / "b.db"));
  }
  SECTION("bad URLs are invalid and name the URL, password masked") {
    auto empty = open_store("");
    REQUIRE_FALSE(empty);
    CHECK(empty.error().code == "invalid");
    auto no_path = open_store("sqlite:");
    REQUIRE_FALSE(no_path);
    CHECK(no_path.error().code == "invalid");
    auto other = open_store("mysql://admin:s3cr3t@db.example/x");
    REQUIRE_FALSE(other);
    CHECK(other.error().code == "invalid");
    CHECK_THAT(other.error().message, Catch::Contains("mysql://admin:***@db.example/x"));
    CHECK_THAT(other.error().message, !Catch::Contains("s3cr3t"));
    auto missing_dir = open_store("sqlite:" + (dir / "no" / "such" / "dir" / "x.db").string());
    REQUIRE_FALSE(missing_dir);
    CHECK(missing_dir.error().code == "io");
  }
  SECTION("redact_store_url") {
    CHECK(redact_store_url("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db");
    CHECK(redact_store_url("postgresql://u@h/db") == "postgresql://u@h/db");
    CHECK(redact_store_url("postgresql://h/db?user=u&password=pw&sslmode=require") ==
          "postgresql://h/db?user=u&password=***&sslmode=require");
    CHECK(redact_store_url("host=h password='a b' dbname=d") == "host=h password=*** dbname=d");
    CHECK(redact_store_url("postgresql://u:p@ss@h/db") == "postgresql://u:***@h/db");
    CHECK(redact_store_url("/var/lib/conventiond/store.db") == "/var/lib/conventiond/store.db");
    CHECK(redact_store_url("") == "");
  }
  SECTION("postgresql:// URLs open a PostgresStore") {
    if (!server_or_skip()) return;
    TestServer& server = TestServer::get();
    auto s = open_store(server.url_for(server.new_schema()));
    REQUIRE(s);
    CHECK(dynamic_cast<PostgresStore*>(s->get()) != nullptr);
    CHECK((*s)->ping());
  }
}

TEST_CASE("PostgreSQL change log: seq order is commit order under concurrent writers",
          "[store][postgres]") {
  if (!server_or_skip()) return;
  TestServer& server = TestServer::get();
  const std::string schema = server.new_schema();
  const std::string url = server.url_for(schema);
  auto a = open_ok(url);
  auto b = open_ok(url);
  auto reader = open_ok(url);

  SECTION("a writer waits while an earlier seq is uncommitted") {
    // Another session takes a seq and holds its transaction open: a store writer must not
    // commit a later seq before it (a cursor-following consumer would skip the earlier one).
    Admin holder(url);
    REQUIRE(holder.ok());
    holder.exec("BEGIN");
    const std::int64_t held = holder.integer(
        "INSERT INTO change_log(kind, convention_id, departement, revision, payload, created_at) "
        "VALUES ('created', 'held', '01', 1, '{}', '2025-01-01T00:00:00Z') RETURNING seq");
    auto saving =
        std::async(std::launch::async, [&] { return a->save_convention(convention_for("02", 1)); });
    CHECK(saving.wait_for(500ms) == std::future_status::timeout);  // blocked by the open seq
    holder.exec("COMMIT");
    REQUIRE(saving.wait_for(30s) == std::future_status::ready);
    auto saved = saving.get();
    REQUIRE(saved);
    CHECK(saved->seq > held);
  }

  SECTION("a consumer following the log with a cursor misses nothing") {
    constexpr int kPerWriter = 40;
    std::atomic<bool> writing{true};
    std::vector<std::int64_t> seen;
    bool ordered = true;
    auto follow = std::async(std::launch::async, [&] {
      std::int64_t cursor = 0;
      for (;;) {
        const bool last_round = !writing.load();
        auto batch = reader->changes_since(cursor, 7);
        if (!batch) return batch.error().message;
        for (const auto& e : *batch) {
          if (e.seq <= cursor) ordered = false;
          cursor = e.seq;
          seen.push_back(e.seq);
        }
        if (batch->empty() && last_round) return std::string();
      }
    });
    auto write_conventions = std::async(std::launch::async, [&]() -> std::string {
      for (int i = 0; i < kPerWriter; ++i) {
        // Two départements, each updated in turn: every save is a change.
        auto r = a->save_convention(convention_for(i % 2 == 0 ? "67" : "68", 1000 + i));
        if (!r) return r.error().message;
        if (!r->changed) return "save_convention changed nothing";
      }
      return {};
    });
    auto write_indicators = std::async(std::launch::async, [&]() -> std::string {
      for (int i = 0; i < kPerWriter; ++i) {
        auto r = b->save_indicator(
            conformance::make_indicator("13", "caf.foyers_rsa", "2024-11", 100.0 + i));
        if (!r) return r.error().message;
        if (!*r) return "save_indicator changed nothing";
      }
      return {};
    });
    REQUIRE(write_conventions.wait_for(120s) == std::future_status::ready);
    REQUIRE(write_indicators.wait_for(120s) == std::future_status::ready);
    CHECK(write_conventions.get().empty());
    CHECK(write_indicators.get().empty());
    writing = false;
    REQUIRE(follow.wait_for(60s) == std::future_status::ready);
    CHECK(follow.get().empty());

    auto all = reader->changes_since(0, 100000);
    REQUIRE(all);
    CHECK(all->size() == 2 * kPerWriter);
    std::vector<std::int64_t> expected;
    for (const auto& e : *all) expected.push_back(e.seq);
    CHECK(ordered);
    CHECK(seen == expected);
  }
}

TEST_CASE("PostgreSQL store: two daemons share one database", "[store][postgres]") {
  if (!server_or_skip()) return;
  TestServer& server = TestServer::get();
  const std::string url = server.url_for(server.new_schema());
  auto a = open_ok(url);
  auto b = open_ok(url);

  SECTION("starting the same job together: one run, one conflict") {
    for (int j = 0; j < 8; ++j) {
      const std::string job = "job-" + std::to_string(j);
      std::atomic<int> ready{0};
      auto start = [&](PostgresStore& s) {
        ++ready;
        while (ready.load() < 2) std::this_thread::yield();
        return s.start_run(job);
      };
      auto ra = std::async(std::launch::async, [&] { return start(*a); });
      auto rb = std::async(std::launch::async, [&] { return start(*b); });
      REQUIRE(ra.wait_for(30s) == std::future_status::ready);
      REQUIRE(rb.wait_for(30s) == std::future_status::ready);
      auto x = ra.get();
      auto y = rb.get();
      INFO(job);
      REQUIRE(x.ok() != y.ok());
      const Error& lost = x.ok() ? y.error() : x.error();
      CHECK(lost.code == "conflict");
    }
    auto running = a->interrupted_runs();
    REQUIRE(running);
    CHECK(running->size() == 8);
  }

  SECTION("what one commits the other reads") {
    auto run = a->start_run("harvest");
    REQUIRE(run);
    REQUIRE(a->commit_item(*run, conformance::make_fetched("https://a.example/1"),
                           ItemOutput{{conformance::make_observation("https://a.example/1", "67")},
                                      {},
                                      {}}));
    auto done = b->item_done(*run, "https://a.example/1");
    REQUIRE(done);
    CHECK(*done);
    auto fin = b->finish_run(*run);
    REQUIRE(fin);
    CHECK(fin->status == RunStatus::done);
    auto late = a->commit_item(*run, conformance::make_fetched("https://a.example/2"),
                               ItemOutput{});
    REQUIRE_FALSE(late);
    CHECK(late.error().code == "invalid");
  }
}

TEST_CASE("PostgreSQL store reconnects once after losing its connection", "[store][postgres]") {
  if (!server_or_skip()) return;
  TestServer& server = TestServer::get();
  auto store = open_ok(server.url_for(server.new_schema()));
  auto run = store->start_run("job");
  REQUIRE(run);
  const int pid = store->backend_pid();
  REQUIRE(pid > 0);
  CHECK(store->reconnects() == 0);

  // The server ends the store's session (as a restart or an idle timeout would).
  Admin& admin = server.admin();
  CHECK(admin.exec("SELECT pg_terminate_backend($1)", {std::to_string(pid)}) == "t");
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (admin.integer("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = $1",
                       {std::to_string(pid)}) > 0) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(20ms);
  }

  // The next operation finds the connection broken, reconnects and succeeds.
  Status st = store->commit_item(*run, conformance::make_fetched("https://a.example/1"),
                                 ItemOutput{});
  REQUIRE(st);
  CHECK(store->reconnects() == 1);
  CHECK(store->backend_pid() != pid);
  auto done = store->item_done(*run, "https://a.example/1");
  REQUIRE(done);
  CHECK(*done);
  CHECK(store->ping());
}

TEST_CASE("PostgreSQL store: hostile values are errors, never crashes", "[store][postgres]") {
  if (!server_or_skip()) return;
  auto store = fresh_store();
  auto run = store->start_run("job");
  REQUIRE(run);

  SECTION("a NUL byte (PostgreSQL text cannot hold one)") {
    ItemRecord it = conformance::make_fetched(std::string("https://a.example/\0x", 19));
    Status st = store->commit_item(*run, it, ItemOutput{});
    REQUIRE_FALSE(st);
    CHECK(st.error().code == "invalid");
    CHECK_THAT(st.error().message, Catch::Contains("NUL"));
  }
  SECTION("bytes that are not UTF-8") {
    auto r = store->start_run("job-\xff\xfe");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "store");
  }
  SECTION("a huge value") {
    const std::string url = "https://a.example/" + std::string(1 << 20, 'u');
    Status st = store->commit_item(*run, conformance::make_failed(url, std::string(1 << 16, 'e')),
                                   ItemOutput{});
    if (!st) FAIL(st.error().code << ": " << st.error().message.substr(st.error().message.size() - 300));
    auto rep = store->run_report(*run);
    REQUIRE(rep);
    REQUIRE(rep->failed.size() == 1);
    CHECK(rep->failed[0].url == url);
  }
  // Whatever came before, the store still works.
  CHECK(store->ping());
  REQUIRE(store->commit_item(*run, conformance::make_fetched("https://a.example/ok"),
                             ItemOutput{}));
}

TEST_CASE("PostgreSQL store: two daemons racing for a lease, one holds it", "[store][postgres]") {
  if (!server_or_skip()) return;
  TestServer& server = TestServer::get();
  const std::string url = server.url_for(server.new_schema());
  auto a = open_ok(url);
  auto b = open_ok(url);
  for (int round = 0; round < 20; ++round) {
    const std::string lease = "webhook:" + std::to_string(round);
    std::atomic<int> ready{0};
    auto race = [&](PostgresStore& s, const char* owner) {
      ++ready;
      while (ready.load() < 2) std::this_thread::yield();
      return s.try_lease(lease, owner, 60s);
    };
    auto ra = std::async(std::launch::async, [&] { return race(*a, "daemon-a"); });
    auto rb = std::async(std::launch::async, [&] { return race(*b, "daemon-b"); });
    REQUIRE(ra.wait_for(30s) == std::future_status::ready);
    REQUIRE(rb.wait_for(30s) == std::future_status::ready);
    auto x = ra.get();
    auto y = rb.get();
    REQUIRE(x);
    REQUIRE(y);
    INFO(lease);
    CHECK(*x != *y);
    auto owner = b->lease_owner(lease);
    REQUIRE(owner);
    REQUIRE(*owner);
    CHECK(**owner == (*x ? "daemon-a" : "daemon-b"));
  }
  // The holder's clock does not matter: expiry is the server's.
  auto short_lease = a->try_lease("sink:x", "daemon-a", 50ms);
  REQUIRE(short_lease);
  CHECK(*short_lease);
  std::this_thread::sleep_for(150ms);
  auto taken = b->try_lease("sink:x", "daemon-b", 60s);
  REQUIRE(taken);
  CHECK(*taken);
}

TEST_CASE("PostgreSQL store health: the schema version at start, the last failure since",
          "[store][postgres][health]") {
  if (!server_or_skip()) return;
  TestServer& server = TestServer::get();
  const std::string schema = server.new_schema();
  auto store = open_ok(server.url_for(schema));
  CHECK(store->check_health());
  CHECK_FALSE(store->last_failure().has_value());

  // A statement the server refuses (its table is gone) is the store's last failure; a ping
  // does not clear it, another operation that succeeds does.
  Admin& admin = server.admin();
  admin.exec("DROP TABLE \"" + schema + "\".jobs CASCADE");
  REQUIRE_FALSE(store->jobs().ok());
  auto failure = store->last_failure();
  REQUIRE(failure.has_value());
  CHECK_FALSE(failure->sticky);
  CHECK(store->ping());
  CHECK(store->last_failure().has_value());
  REQUIRE(store->latest_seq().ok());
  CHECK_FALSE(store->last_failure().has_value());

  // A schema version this build does not expect fails the check, and that stays.
  admin.exec("INSERT INTO \"" + schema + "\".schema_migrations(version, applied_at) "
             "VALUES (9999, 'x')");
  const Status health = store->check_health();
  REQUIRE_FALSE(health.ok());
  CHECK(health.error().code == "schema");
  REQUIRE(store->latest_seq().ok());
  failure = store->last_failure();
  REQUIRE(failure.has_value());
  CHECK(failure->sticky);
  CHECK(failure->message.find("9999") != std::string::npos);
}

TEST_CASE("PostgreSQL store: another daemon's commit wakes this one at once (LISTEN/NOTIFY), also after the listening connection is lost",
          "[store][postgres]") {
  if (!server_or_skip()) return;
  TestServer& server = TestServer::get();
  const std::string url = server.url_for(server.new_schema());
  auto a = open_ok(url);  // the daemon watching
  auto b = open_ok(url);  // another daemon writing
  std::mutex mu;
  std::condition_variable cv;
  int wakes = 0;
  a->set_commit_listener([&] {
    const std::lock_guard lock(mu);
    ++wakes;
    cv.notify_all();
  });
  REQUIRE(a->watch_other_commits());
  auto woken_within = [&](int before, std::chrono::milliseconds limit) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, limit, [&] { return wakes > before; });
  };
  int before = 0;
  {
    const std::lock_guard lock(mu);
    before = wakes;
  }
  // A record saved by the other connection: a change event, NOTIFYed at its commit.
  REQUIRE(b->save_convention(conformance::make_convention("67", 1000)));
  CHECK(woken_within(before, 5s));
  // A transaction that writes no change event wakes nobody.
  {
    const std::lock_guard lock(mu);
    before = wakes;
  }
  auto run = b->start_run("quiet");
  REQUIRE(run);
  CHECK_FALSE(woken_within(before, 300ms));

  // The listening connection killed by the server: it is made again (a wake-up then, since
  // events may have been missed), and later commits wake it again.
  Admin& admin = server.admin();
  {
    const std::lock_guard lock(mu);
    before = wakes;
  }
  CHECK(admin.exec("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'conventiond-listen'") != "0");
  CHECK(woken_within(before, 10s));
  {
    const std::lock_guard lock(mu);
    before = wakes;
  }
  REQUIRE(b->save_convention(conformance::make_convention("68", 2000)));
  CHECK(woken_within(before, 5s));
  a->set_commit_listener({});
}
