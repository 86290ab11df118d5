#pragma once
// A private PostgreSQL server for one test (scripts/pg-test-server.sh), stopped when the object
// goes; `url` is empty and `reason` says why when none could be started (the test then prints
// a visible SKIPPED line).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace conventiond::test {

struct PgServer {
  static std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::filesystem::path dir;
  std::string url;
  std::string reason;
  static int& counter() {
    static int n = 0;
    return n;
  }
  PgServer() {
    if (std::getenv("CONVENTIOND_TEST_PG_URL") != nullptr) {
      reason = "CONVENTIOND_TEST_PG_URL is set: this test needs a private server";
      return;
    }
    dir = std::filesystem::temp_directory_path() / ("cvd-multi-pg-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    const std::string cmd = "bash '" + std::string(CONVENTIOND_SOURCE_DIR) +
                            "/scripts/pg-test-server.sh' start '" + dir.string() + "' " +
                            std::to_string(::getpid()) + " 2>" + dir.string() + ".err";
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
      char buf[512];
      while (std::fgets(buf, sizeof buf, p) != nullptr) url += buf;
      const int rc = ::pclose(p);
      while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
      if (rc != 0 || url.rfind("postgresql://", 0) != 0) {
        reason = "scripts/pg-test-server.sh could not start a server: " + slurp(dir.string() + ".err");
        url.clear();
      }
    } else {
      reason = "cannot run scripts/pg-test-server.sh";
    }
  }
  ~PgServer() {
    if (!url.empty()) {
      const std::string cmd = "bash '" + std::string(CONVENTIOND_SOURCE_DIR) +
                              "/scripts/pg-test-server.sh' stop '" + dir.string() + "' >/dev/null 2>&1";
      (void)std::system(cmd.c_str());
    }
    std::error_code ec;
    std::filesystem::remove(dir.string() + ".err", ec);
  }
};


}  // namespace conventiond::test
