#pragma once
// The PostgreSQL server of the sink tests: $CONVENTIOND_TEST_PG_URL when set, else a private
// one started by scripts/pg-test-server.sh in a temporary directory, stopped at exit (and by
// the script's watchdog if this process is killed). When no server can be had, the tests say
// "SKIPPED: PostgreSQL tests: <reason>" (stdout once, and a Catch2 warning) instead of failing.
// Same approach as tests/store/postgres_store_test.cpp.

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <libpq-fe.h>

namespace conventiond::test {

// A connection of the tests' own, to look at what the sink wrote.
class PgAdmin {
 public:
  explicit PgAdmin(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
    if (c_ != nullptr)
      PQsetNoticeProcessor(
          c_, [](void*, const char*) {}, nullptr);
  }
  ~PgAdmin() { PQfinish(c_); }
  PgAdmin(const PgAdmin&) = delete;
  PgAdmin& operator=(const PgAdmin&) = delete;

  bool ok() const { return c_ != nullptr && PQstatus(c_) == CONNECTION_OK; }
  std::string error() const { return c_ != nullptr ? PQerrorMessage(c_) : "out of memory"; }

  // The rows of a query, each as its columns' text ("<null>" for NULL); fails the test on an
  // error.
  std::vector<std::vector<std::string>> rows(const std::string& sql,
                                             const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* r = PQexecParams(c_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
    const ExecStatusType st = PQresultStatus(r);
    const bool good = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    std::vector<std::vector<std::string>> out;
    const std::string err = good ? "" : PQresultErrorMessage(r);
    for (int i = 0; good && i < PQntuples(r); ++i) {
      std::vector<std::string> row;
      for (int k = 0; k < PQnfields(r); ++k) {
        row.push_back(PQgetisnull(r, i, k) ? "<null>" : PQgetvalue(r, i, k));
      }
      out.push_back(std::move(row));
    }
    PQclear(r);
    if (!good) FAIL("admin SQL failed: " << sql << ": " << err);
    return out;
  }
  // The first column of the first row ("" when none).
  std::string value(const std::string& sql, const std::vector<std::string>& params = {}) {
    const auto r = rows(sql, params);
    return r.empty() || r[0].empty() ? "" : r[0][0];
  }
  void try_exec(const std::string& sql) { PQclear(PQexec(c_, sql.c_str())); }

 private:
  PGconn* c_;
};

class PgTestServer {
 public:
  static PgTestServer& get() {
    static PgTestServer server;
    return server;
  }

  bool available() const { return !url_.empty(); }
  const std::string& reason() const { return reason_; }
  const std::string& url() const { return url_; }
  PgAdmin& admin() { return *admin_; }

  // A new, empty schema (dropped at exit when the server is not ours).
  std::string new_schema() {
    static std::atomic<int> counter{0};
    const std::string name = "sink_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    admin_->rows("CREATE SCHEMA " + name);
    schemas_.push_back(name);
    return name;
  }

  ~PgTestServer() { stop(); }
  PgTestServer(const PgTestServer&) = delete;
  PgTestServer& operator=(const PgTestServer&) = delete;

 private:
  PgTestServer() {
    if (const char* env = std::getenv("CONVENTIOND_TEST_PG_URL"); env != nullptr && *env) {
      external_ = true;
      connect(env, "CONVENTIOND_TEST_PG_URL");
      return;
    }
    start_own();
  }

  static std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::filesystem::path script() const {
    return std::filesystem::path(CONVENTIOND_SOURCE_DIR) / "scripts" / "pg-test-server.sh";
  }

  void start_own() {
    namespace fs = std::filesystem;
    if (!fs::exists(script())) {
      reason_ = "no " + script().string();
      return;
    }
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    const std::string base =
        "conventiond-sink-pg-" + std::to_string(::getpid()) + "-" + std::to_string(stamp % 1000000);
    dir_ = fs::temp_directory_path() / base;
    const fs::path log = fs::temp_directory_path() / (base + ".log");
    // Bounded: the script waits at most ~30 s for the server; `timeout` caps the whole start.
    const std::string cmd = "timeout 120 bash '" + script().string() + "' start '" + dir_.string() +
                            "' " + std::to_string(::getpid()) + " 2>'" + log.string() + "'";
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
                  std::to_string(WIFEXITED(rc) ? WEXITSTATUS(rc) : rc) +
                  "): " + (nl == std::string::npos ? err : err.substr(nl + 1));
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
    admin_ = std::make_unique<PgAdmin>(url);
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
      const std::string cmd = "timeout 60 bash '" + script().string() + "' stop '" + dir_.string() +
                              "' >/dev/null 2>&1";
      if (std::system(cmd.c_str()) != 0)
        std::cerr << "could not stop the test server in " << dir_ << "\n";
      own_ = false;
    }
  }

  std::string url_;
  std::string reason_;
  std::filesystem::path dir_;
  bool own_ = false;
  bool external_ = false;
  std::unique_ptr<PgAdmin> admin_;
  std::vector<std::string> schemas_;
};

// Says, visibly, why the PostgreSQL tests did not run; true when the server is there.
inline bool pg_server_or_skip() {
  PgTestServer& server = PgTestServer::get();
  if (server.available()) return true;
  static bool printed = false;
  if (!printed) {
    std::cout << "SKIPPED: PostgreSQL tests: " << server.reason() << std::endl;
    printed = true;
  }
  WARN("SKIPPED: PostgreSQL tests: " << server.reason());
  return false;
}

}  // namespace conventiond::test
