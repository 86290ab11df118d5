// The CAF and France Travail connectors end to end: the job runner, the fetcher, the ledger
// and the indicators of the store, against loopback fakes of the OpenDataSoft portal, the
// France Travail token endpoint and its statistics API (fixtures in tests/fixtures/feeds).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <conventiond/harvest/job_runner.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/store/sqlite_store.hpp>

#include "test_site.hpp"

namespace fs = std::filesystem;
using namespace conventiond;
using namespace std::chrono_literals;

namespace {

const PluginRegistry& registry() {
  static const PluginRegistry r = PluginRegistry::load_directory(CONVENTIOND_PLUGIN_DIR, make_host_services());
  return r;
}

fs::path fresh_db(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("cvd-feeds-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / (name + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
  return p;
}

void fast_fetch(JobConfig& j) {
  j.fetch.per_host_min_delay = 0ms;
  j.fetch.max_concurrent_per_host = 4;
  j.fetch.total_timeout = 2000ms;
  j.fetch.backoff_base = 10ms;
  j.fetch.backoff_max = 50ms;
  j.fetch.max_retry_after = 5000ms;
  j.fetch.honour_robots = false;
}

std::size_t indicator_count(Store& store, const std::string& dep) {
  auto all = store.indicators(dep);
  REQUIRE(all.ok());
  return all->size();
}

}  // namespace

TEST_CASE("caf_opendata: a truncated page fails alone, the others are stored, a rerun completes",
          "[harvest][feeds]") {
  test::TestHttpServer portal;
  std::atomic<bool> broken{true};
  const std::string p0 = test::read_source_file("tests/fixtures/feeds/caf_rsa_records_p0.json");
  const std::string p1 = test::read_source_file("tests/fixtures/feeds/caf_rsa_records_p1.json");
  const std::string p2 = test::read_source_file("tests/fixtures/feeds/caf_rsa_records_p2.json");
  portal.route("/api/explore/v2.1/catalog/datasets/rsa-test/records",
               [&](const test::TestRequest& r) {
                 const auto at = r.target.find("offset=");
                 const int offset = at == std::string::npos ? 0 : std::atoi(r.target.c_str() + at + 7);
                 const std::string& body = offset == 0 ? p0 : offset == 2 ? p1 : p2;
                 if (offset == 2 && broken) {
                   return test::TestResponse{200, {{"Content-Type", "application/json"}}, body.substr(0, body.size() / 2)};
                 }
                 return test::TestResponse{200, {{"Content-Type", "application/json"}}, body};
               });
  JobConfig job;
  job.name = "caf";
  job.connector = "caf_opendata";
  job.config["base_url"] = portal.origin();
  job.config["page_size"] = 2;
  job.config["datasets"] = boost::json::object{{"rsa", boost::json::object{{"dataset", "rsa-test"}}}};
  fast_fetch(job);
  const fs::path db = fresh_db("caf");
  auto store = SqliteStore::open(db.string());
  REQUIRE(store.ok());

  auto first = run_job(job, **store, registry());
  REQUIRE(first.ok());
  CHECK(first->summary.status == RunStatus::done_with_errors);
  CHECK(first->summary.counts.failed == 1);
  auto report = (*store)->run_report(first->summary.id);
  REQUIRE(report.ok());
  REQUIRE(report->failed.size() == 1);
  CHECK_THAT(report->failed[0].url, Catch::Contains("offset=2"));
  CHECK_FALSE(report->failed[0].error.empty());
  // The pages around it are stored; nothing of the broken page is.
  const std::size_t nord_before = indicator_count(**store, "59");
  CHECK(nord_before == 3);  // p0 holds 59 (foyers, personnes, montant)
  const auto seq_before = *(*store)->latest_seq();

  broken = false;
  auto second = run_job(job, **store, registry());
  REQUIRE(second.ok());
  CHECK(second->summary.status == RunStatus::done);
  // Unchanged values are not new revisions; the missing page's values are now there.
  CHECK(indicator_count(**store, "59") == nord_before);
  auto all = (*store)->changes_since(seq_before, 1000);
  REQUIRE(all.ok());
  CHECK_FALSE(all->empty());
  for (const ChangeEvent& e : *all) CHECK(e.kind == "indicators_updated");
  const auto seq_after = *(*store)->latest_seq();
  auto third = run_job(job, **store, registry());
  REQUIRE(third.ok());
  CHECK(*(*store)->latest_seq() == seq_after);  // re-harvesting unchanged values publishes nothing
}

TEST_CASE("france_travail: token, 429, an expired token renewed once, and the secret nowhere",
          "[harvest][feeds]") {
  const std::string secret = "s3cr3t-Value-For-Tests-9f8e7d";
  ::setenv("CVD_FT_TEST_SECRET", secret.c_str(), 1);
  test::TestHttpServer api;
  std::atomic<int> tokens{0};
  std::atomic<int> stats{0};
  const std::string stat_body = test::read_source_file("tests/fixtures/feeds/ft_stat_demandeurs_59.json");
  api.route("/token", [&](const test::TestRequest& r) {
    ++tokens;
    if (r.body.find("client_secret=" + secret) == std::string::npos) return test::TestResponse{401, {}, "{}"};
    return test::TestResponse{200, {{"Content-Type", "application/json"}},
                              "{\"access_token\":\"tok-" + std::to_string(tokens.load()) +
                                  "\",\"expires_in\":1499,\"token_type\":\"Bearer\",\"scope\":\"x\"}"};
  });
  api.route("/partenaire/stats-offres-demandes-emploi/v1/indicateur/stat-demandeurs",
            [&](const test::TestRequest& r) {
              const int n = ++stats;
              if (n == 1) return test::TestResponse{429, {{"Retry-After", "1"}}, "slow down"};
              if (r.header("authorization") == "Bearer tok-1") return test::TestResponse{401, {}, "expired"};
              return test::TestResponse{200, {{"Content-Type", "application/json"}}, stat_body};
            });
  JobConfig job;
  job.name = "ft";
  job.connector = "france_travail";
  job.config["client_id"] = "PAR_conventiond_test";
  job.config["client_secret_env"] = "CVD_FT_TEST_SECRET";
  job.config["token_url"] = api.url("/token");
  job.config["api_base_url"] = api.url("/partenaire");
  job.config["departements"] = boost::json::array{"59"};
  fast_fetch(job);
  const fs::path db = fresh_db("ft");
  {
    auto store = SqliteStore::open(db.string());
    REQUIRE(store.ok());
    auto run = run_job(job, **store, registry());
    REQUIRE(run.ok());
    CHECK(tokens == 2);  // the first token expired mid-pull: renewed once
    CHECK(indicator_count(**store, "59") > 0);
    const auto last = api.last_request("/partenaire/stats-offres-demandes-emploi/v1/indicateur/stat-demandeurs");
    REQUIRE(last.has_value());
    CHECK(last->header("authorization") == "Bearer tok-2");
    CHECK_THAT(last->body, Catch::Contains("\"codeTerritoire\":\"59\""));
    auto report = (*store)->run_report(run->summary.id);
    REQUIRE(report.ok());
    for (const FailedItem& f : report->failed) CHECK(f.error.find(secret) == std::string::npos);
  }
  // The secret is in no byte of the store (ledger, frontier, documents, indicators, logs).
  std::string bytes;
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream in(db.string() + suffix, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    bytes += ss.str();
  }
  CHECK(bytes.find(secret) == std::string::npos);
}

TEST_CASE("france_travail: a token endpoint answering 500 fails the run's items, nothing is written",
          "[harvest][feeds]") {
  ::setenv("CVD_FT_TEST_SECRET", "x", 1);
  test::TestHttpServer api;
  api.route("/token", test::TestResponse{500, {}, "down"});
  JobConfig job;
  job.name = "ft-down";
  job.connector = "france_travail";
  job.config["client_id"] = "id";
  job.config["client_secret_env"] = "CVD_FT_TEST_SECRET";
  job.config["token_url"] = api.url("/token");
  job.config["api_base_url"] = api.url("/partenaire");
  job.config["departements"] = boost::json::array{"59", "62"};
  fast_fetch(job);
  job.fetch.max_attempts = 2;
  auto store = SqliteStore::open(fresh_db("ft-down").string());
  REQUIRE(store.ok());
  auto run = run_job(job, **store, registry());
  REQUIRE(run.ok());
  CHECK(run->summary.status == RunStatus::failed);
  CHECK(run->summary.counts.failed >= 1);
  CHECK(api.hits("/partenaire/stats-offres-demandes-emploi/v1/indicateur/stat-demandeurs") == 0);
  CHECK(indicator_count(**store, "59") == 0);
}
