// /readyz against a store that is not sound: a SQLite file corrupted on purpose (pages in the
// middle of the file overwritten). The daemon starts, /healthz answers, /readyz answers 503
// with the reason (PRAGMA quick_check at start) and says it every time, not once.
#include <catch2/catch.hpp>

#include <curl/curl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/daemon/daemon.hpp>
#include "../support/running_daemon.hpp"

#include "../store/corrupt_sqlite.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace conventiond;
using namespace std::chrono_literals;

namespace {

std::size_t collect_body(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct Reply {
  long status = 0;
  std::string body;
};

Reply get(const std::string& url) {
  CURL* c = curl_easy_init();
  Reply r;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_cleanup(c);
  return r;
}


fs::path fresh_dir(const std::string& name) { return test::fresh_temp_dir("cvd-readyz", name); }

}  // namespace

TEST_CASE("readyz: a corrupted SQLite store answers 503 with the reason", "[daemon][readyz]") {
  const fs::path dir = fresh_dir("corrupt");
  test::make_corrupted_sqlite_store((dir / "state.db").string());
  std::ofstream(dir / "c.toml") << "[store]\nurl = \"sqlite:state.db\"\n[http]\n"
                                   "listen = \"127.0.0.1:0\"\n";
  test::RunningDaemon d(dir / "c.toml");
  CHECK(d.logged("store check failed"));
  CHECK(get(d.url("/healthz")).status == 200);  // the process is alive...
  for (int i = 0; i < 3; ++i) {                   // ...not ready, every time, with the reason
    const Reply r = get(d.url("/readyz"));
    CHECK(r.status == 503);
    const json::value v = json::parse(r.body);
    CHECK(v.at("status").as_string() == "not_ready");
    const std::string store(v.at("checks").at("store").as_string());
    INFO(store);
    CHECK(store.find("quick_check") != std::string::npos);
    CHECK(store.rfind("unusable, found ", 0) == 0);
  }
}

TEST_CASE("readyz: a sound store is ready", "[daemon][readyz]") {
  const fs::path dir = fresh_dir("sound");
  std::ofstream(dir / "c.toml") << "[store]\nurl = \"sqlite:state.db\"\n[http]\n"
                                   "listen = \"127.0.0.1:0\"\n";
  test::RunningDaemon d(dir / "c.toml");
  CHECK_FALSE(d.logged("store check failed"));
  const Reply r = get(d.url("/readyz"));
  CHECK(r.status == 200);
  CHECK(json::parse(r.body).at("checks").at("store").as_string() == "ok");
}
