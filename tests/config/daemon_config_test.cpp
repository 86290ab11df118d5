#include <catch2/catch.hpp>

#include <cstdlib>

#include <conventiond/config/daemon_config.hpp>

using namespace conventiond;

TEST_CASE("a full daemon config is read with its defaults", "[config]") {
  ::setenv("CVD_TEST_TOKENS", "tok-a, tok-b", 1);
  const char* text = R"toml(
[store]
url = "sqlite:var/conventiond.db"
[http]
listen = "127.0.0.1:0"
reads_public = false
tokens_env = "CVD_TEST_TOKENS"
[plugins]
dir = "plugins"
[daemon]
workers = 3
shutdown_grace = "10s"
[fetch]
user_agent = "conventiond-test/1.0 (+ops@example.org)"
per_host_delay = "250ms"
[jobs.nord]
connector = "press_releases"
every = "6h"
jitter = "5m"
[jobs.nord.config]
feeds = ["https://www.nord.gouv.fr/rss"]
[jobs.nord.fetch]
max_attempts = 5
[jobs.caf]
connector = "caf_opendata"
cron = "0 3 * * *"
enabled = false
)toml";
  auto cfg = parse_daemon_config(text, "conventiond.toml", "/etc/cvd");
  REQUIRE(cfg.ok());
  CHECK(cfg->store_url == "sqlite:/etc/cvd/var/conventiond.db");
  CHECK(cfg->plugin_dir == "/etc/cvd/plugins");
  CHECK(cfg->http.port == 0);
  CHECK_FALSE(cfg->http.reads_public);
  CHECK(cfg->http.tokens == std::vector<std::string>{"tok-a", "tok-b"});
  CHECK(cfg->workers == 3);
  REQUIRE(cfg->jobs.size() == 2);
  const JobConfig& nord = cfg->jobs[0];
  CHECK(nord.name == "nord");
  CHECK(nord.schedule.describe() == "every 6h");
  CHECK(nord.schedule.jitter == std::chrono::minutes(5));
  CHECK(nord.fetch.max_attempts == 5);
  CHECK(nord.fetch.per_host_min_delay == std::chrono::milliseconds(250));  // from [fetch]
  CHECK(nord.fetch.user_agent.rfind("conventiond-test", 0) == 0);
  CHECK(nord.config.at("feeds").as_array().size() == 1);
  CHECK(nord.line == 16);
  CHECK_FALSE(cfg->jobs[1].enabled);
  CHECK(cfg->jobs[1].schedule.cron.has_value());
  CHECK(cfg->find_job("caf") != nullptr);
  CHECK(cfg->find_job("nope") == nullptr);
}

TEST_CASE("every problem of a config is reported at once with file, line and key", "[config]") {
  const char* text = R"([store]
url = 42
[http]
listen = "nowhere"
[daemon]
workers = 0
wrkers = 2
[jobs.a]
every = "6x"
[jobs.b]
connector = "press_releases"
every = "1h"
cron = "0 0 * * *"
[jobs."Bad Name"]
connector = "x"
)";
  auto cfg = parse_daemon_config(text, "bad.toml", "/tmp");
  REQUIRE_FALSE(cfg.ok());
  const std::string& m = cfg.error().message;
  CHECK(cfg.error().code == "config");
  CHECK_THAT(m, Catch::Contains("bad.toml:2:7: store.url: expected a string"));
  CHECK_THAT(m, Catch::Contains("bad.toml:4:10: http.listen"));
  CHECK_THAT(m, Catch::Contains("daemon.workers: 0 is out of range"));
  CHECK_THAT(m, Catch::Contains("daemon.wrkers: unknown key"));
  CHECK_THAT(m, Catch::Contains("jobs.a.connector: missing"));
  CHECK_THAT(m, Catch::Contains("jobs.a.every: bad duration '6x'"));
  CHECK_THAT(m, Catch::Contains("jobs.b.cron: give either every or cron"));
  CHECK_THAT(m, Catch::Contains("job name 'Bad Name'"));
  CHECK(std::count(m.begin(), m.end(), '\n') >= 7);
}

TEST_CASE("broken, huge and hostile config files give one clear error", "[config]") {
  auto broken = parse_daemon_config("[store\nurl = 1", "broken.toml", "/tmp");
  REQUIRE_FALSE(broken.ok());
  CHECK_THAT(broken.error().message, Catch::StartsWith("broken.toml:1:"));
  auto truncated = parse_daemon_config("[jobs.a]\nconnector = \"pre", "t.toml", "/tmp");
  REQUIRE_FALSE(truncated.ok());
  CHECK_THAT(truncated.error().message, Catch::StartsWith("t.toml:2:"));
  auto bad_utf8 = parse_daemon_config("[jobs.a]\nconnector = \"\xff\xfe\"", "u.toml", "/tmp");
  REQUIRE_FALSE(bad_utf8.ok());
  CHECK_THAT(bad_utf8.error().message, Catch::StartsWith("u.toml:"));
  const std::string huge(5u << 20, '#');
  auto big = parse_daemon_config(huge, "big.toml", "/tmp");
  REQUIRE_FALSE(big.ok());
  CHECK_THAT(big.error().message, Catch::Contains("too large"));
  std::string deep = "a = ";
  for (int i = 0; i < 5000; ++i) deep += "[";
  auto nested = parse_daemon_config(deep, "deep.toml", "/tmp");
  REQUIRE_FALSE(nested.ok());
  auto missing = load_daemon_config("/nonexistent/conventiond.toml");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains("/nonexistent/conventiond.toml"));
}

TEST_CASE("a job file holds one job at the top level", "[config]") {
  auto job = parse_job_file(R"(connector = "press_releases"
max_in_flight = 2
[fetch]
allow_file = true
[config]
feeds = ["file:///tmp/feed.xml"]
)", "/jobs/prefecture-nord.toml", FetchPolicy{});
  REQUIRE(job.ok());
  CHECK(job->name == "prefecture-nord");
  CHECK(job->max_in_flight == 2);
  CHECK(job->fetch.allow_file);
  CHECK(job->schedule.manual_only());
  auto bad = parse_job_file("connector = 3\n", "j.toml", FetchPolicy{});
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message, Catch::Contains("j.toml:1:13: connector: expected a string"));
}

TEST_CASE("sinks are read with their plugin, batch and config", "[config]") {
  auto cfg = parse_daemon_config(R"toml([sinks.events]
plugin = "kafka"
batch = 50
[sinks.events.config]
brokers = "127.0.0.1:9092"
topic = "conventions"
[sinks.archive]
plugin = "jsonl_sink"
enabled = false
[sinks.archive.config]
path = "/var/lib/conventiond/events.jsonl"
)toml", "s.toml", "/tmp");
  REQUIRE(cfg.ok());
  REQUIRE(cfg->sinks.size() == 2);
  CHECK(cfg->sinks[0].name == "events");
  CHECK(cfg->sinks[0].plugin == "kafka");
  CHECK(cfg->sinks[0].batch == 50);
  CHECK(cfg->sinks[0].config.at("topic").as_string() == "conventions");
  CHECK_FALSE(cfg->sinks[1].enabled);
  auto bad = parse_daemon_config("[sinks.x]\nbatch = 0\nplugins = 1\n", "b.toml", "/tmp");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message, Catch::Contains("sinks.x.plugin: missing"));
  CHECK_THAT(bad.error().message, Catch::Contains("sinks.x.batch: 0 is out of range"));
  CHECK_THAT(bad.error().message, Catch::Contains("sinks.x.plugins: unknown key"));
}
