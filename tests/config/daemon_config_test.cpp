#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>

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
  CHECK(cfg->plugin_dirs == std::vector<std::string>{"/etc/cvd/plugins"});  // dir: one-element dirs
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

namespace {

namespace fs = std::filesystem;

// A fresh directory under the system's temporary one, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("cvd-config-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return path / name;
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

std::string config_problems(const std::string& text) {
  auto cfg = parse_daemon_config(text, "d.toml", "/tmp");
  return cfg.ok() ? std::string() : cfg.error().message;
}

}  // namespace

TEST_CASE("every duration is checked against its range, with file, line, column and key",
          "[config]") {
  // The issue's two: a retention that overflowed the clock and pruned the whole change log,
  // an `every` that made the job run continuously.
  const std::string m = config_problems(R"toml([changes]
retention = "1000000000d"
[jobs.a]
connector = "press_releases"
every = "1000000000d"
)toml");
  CHECK_THAT(m, Catch::Contains("d.toml:2:13: changes.retention: '1000000000d' is out of range: "
                                "must be from 1s to 3660d"));
  CHECK_THAT(m, Catch::Contains("d.toml:5:9: jobs.a.every: '1000000000d' is out of range: must "
                                "be from 1s to 366d"));
  // What the parser cannot read at all keeps its own message.
  CHECK_THAT(config_problems("[changes]\nretention = \"10 years\"\n"),
             Catch::Contains("changes.retention: bad duration '10 years'"));
  // Within what the parser reads but outside the key's range.
  const std::string r = config_problems(R"toml([changes]
retention = "3661d"
stream_stall_timeout = "10ms"
[daemon]
lease_ttl = "2d"
shutdown_grace = 7200
[http]
request_timeout = "0s"
[webhooks]
timeout = "11m"
backoff = "2d"
[fetch]
connect_timeout = "20m"
timeout = "50ms"
per_host_delay = "2h"
backoff = "61m"
max_retry_after = "25h"
[jobs.a]
connector = "press_releases"
every = "367d"
jitter = "8d"
[jobs.b]
connector = "press_releases"
every = 0
)toml");
  for (const char* key :
       {"d.toml:2:13: changes.retention: '3661d' is out of range: must be from 1s to 3660d",
        "changes.stream_stall_timeout: '10ms' is out of range: must be from 100ms to 1h",
        "daemon.lease_ttl: '2d' is out of range: must be from 1s to 1d",
        "daemon.shutdown_grace: '7200 seconds' is out of range: must be from 0s to 1h",
        "http.request_timeout: '0s' is out of range", "webhooks.timeout: '11m' is out of range",
        "webhooks.backoff: '2d' is out of range", "fetch.connect_timeout: '20m' is out of range",
        "fetch.timeout: '50ms' is out of range", "fetch.per_host_delay: '2h' is out of range",
        "fetch.backoff: '61m' is out of range", "fetch.max_retry_after: '25h' is out of range",
        "jobs.a.every: '367d' is out of range: must be from 1s to 366d",
        "jobs.a.jitter: '8d' is out of range: must be from 0s to 7d",
        "jobs.b.every: '0 seconds' is out of range"}) {
    CHECK_THAT(r, Catch::Contains(key));
  }
  CHECK(std::count(r.begin(), r.end(), '\n') == 14);  // 15 problems, one line each
  // The bounds themselves are accepted, and kept exactly.
  auto ok = parse_daemon_config(R"toml([changes]
retention = "3660d"
stream_stall_timeout = "100ms"
[daemon]
lease_ttl = "1d"
shutdown_grace = "0s"
[jobs.a]
connector = "press_releases"
every = "366d"
jitter = "0s"
)toml", "d.toml", "/tmp");
  REQUIRE(ok.ok());
  CHECK(ok->changes_retention == std::chrono::days(3660));
  CHECK(ok->stream_stall_timeout == std::chrono::milliseconds(100));
  CHECK(ok->shutdown_grace == std::chrono::seconds(0));
  CHECK(*ok->jobs[0].schedule.every == std::chrono::days(366));
}

TEST_CASE("an unknown store scheme is an error, not a SQLite file named after it", "[config]") {
  const std::string m = config_problems("[store]\nurl = \"mysql://db.example.org/cvd\"\n");
  CHECK_THAT(m, Catch::Contains("d.toml:2:7: store.url: unknown store scheme 'mysql'"));
  CHECK_FALSE(config_problems("[store]\nurl = \"redis:x\"\n").empty());
  CHECK_THAT(config_problems("[store]\nurl = \"postgresql:db\"\n"),
             Catch::Contains("unknown store scheme 'postgresql'"));
  for (const char* good : {"sqlite:var/x.db", "var/x.db", "/abs/x.db", "sqlite::memory:",
                           "SQLite:x.db", "postgresql://u@127.0.0.1/db", "postgres://127.0.0.1/db",
                           "PostgreSQL://127.0.0.1/db"}) {
    INFO(good);
    CHECK(config_problems(std::string("[store]\nurl = \"") + good + "\"\n").empty());
  }
}

TEST_CASE("keys and values from the file are escaped in errors: one line each, no terminal "
          "control", "[config]") {
  // A key holding ESC [2J (clear screen), one holding a newline, a value holding a BEL.
  const std::string m = config_problems(
      "[daemon]\n\"\\u001b[2J\" = 1\n\"a\\nb\" = 2\n[jobs.x]\nconnector = \"c\"\nrank = "
      "\"\\u0007\\u009b\"\n");
  CHECK(m.find('\x1b') == std::string::npos);
  CHECK(m.find('\x07') == std::string::npos);
  CHECK(m.find("\xc2\x9b") == std::string::npos);
  CHECK_THAT(m, Catch::Contains("daemon.\\u001b[2J: unknown key"));
  CHECK_THAT(m, Catch::Contains("daemon.a\\u000ab: unknown key"));
  CHECK_THAT(m, Catch::Contains("'\\u0007\\u009b' is not one of"));
  CHECK(std::count(m.begin(), m.end(), '\n') == 2);  // three problems, three lines
}

TEST_CASE("a job file given as a daemon config says what it is", "[config]") {
  const std::string m = config_problems("connector = \"press_releases\"\n[config]\nfeeds = []\n");
  CHECK_THAT(m, Catch::Contains("single-job file"));
  CHECK(std::count(m.begin(), m.end(), '\n') == 0);
}

TEST_CASE("a directory or a FIFO as config is an error, and a FIFO is never opened",
          "[config]") {
  TempDir dir;
  auto d = load_daemon_config(dir.path);
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.error().message, Catch::Contains("is a directory"));
  CHECK_FALSE(load_job_file(dir.path, FetchPolicy{}).ok());
  const fs::path fifo = dir.path / "fifo.toml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Opening a FIFO for reading blocks until a writer comes: run the load on another thread
  // and require an answer well within the time a blocked open would take forever.
  auto loading = std::async(std::launch::async, [&] { return load_daemon_config(fifo); });
  REQUIRE(loading.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto f = loading.get();
  REQUIRE_FALSE(f.ok());
  CHECK_THAT(f.error().message, Catch::Contains("not a regular file"));
  CHECK_FALSE(load_job_file(fifo, FetchPolicy{}).ok());
  const ConfigCheck c = check_config_file(fifo, "", CONVENTIOND_PLUGIN_DIR);
  REQUIRE(c.problems.size() == 1);
  CHECK_THAT(c.problems[0], Catch::Contains("not a regular file"));
}

TEST_CASE("check-config reports every problem of a config in one pass, plugins' included",
          "[config]") {
  TempDir dir;
  // Problems of every stage at once: the daemon's own sections (workers, an unknown key, a
  // store scheme), a job's keys (rank, every), the plugin's schema (an unknown key, a wrong
  // type), and what only the plugin knows, found by its dry run (a regular expression that
  // does not compile, an enum value, a date) — in several jobs, and in a sink.
  const fs::path file = dir.write("c.toml", R"toml([store]
url = "mysql://db/cvd"
[daemon]
workers = 0
wrkers = 1
[jobs.one]
connector = "press_releases"
rank = "rank"
every = "1000000000d"
[jobs.one.config]
feeds = ["https://example.org/rss"]
link_pattern = "(["
document_rank = "rank"
since = "2024-13-45"
[jobs.two]
connector = "convention_documents"
[jobs.two.config]
documents = ["https://example.org/a.pdf"]
link_patern = "x"
max_documents = "many"
[jobs.three]
connector = "convention_documents"
[jobs.three.config]
pages = ["https://example.org/"]
link_pattern = "a{2,1}"
rank = "nope"
[jobs.four]
connector = "no_such_connector"
[sinks.archive]
plugin = "jsonl_sink"
[sinks.archive.config]
path = "/tmp/dir/"
)toml");
  const ConfigCheck c = check_config_file(file, "", CONVENTIOND_PLUGIN_DIR);
  CHECK_FALSE(c.job_file);
  std::string all;
  for (const auto& p : c.problems) all += p + "\n";
  INFO(all);
  const std::string f = file.string();
  for (const std::string& expected : {
           f + ":2:7: store.url: unknown store scheme 'mysql'",
           f + ":4:11: daemon.workers: 0 is out of range",
           f + ":5:10: daemon.wrkers: unknown key",
           f + ":8:8: jobs.one.rank: 'rank' is not one of",
           f + ":9:9: jobs.one.every: '1000000000d' is out of range",
           f + ":12:16: jobs.one.config.link_pattern: plugin 'press_releases': config key "
               "'link_pattern' is not a valid regular expression: error at offset 2 of '(['",
           f + ":13:17: jobs.one.config.document_rank: plugin 'press_releases': config key "
               "'document_rank' must be",
           f + ":14:9: jobs.one.config.since: plugin 'press_releases': config key 'since' must "
               "be an ISO date",
           f + ":19:15: jobs.two.config.link_patern: plugin 'convention_documents': unknown "
               "config key 'link_patern' (did you mean 'link_pattern'?)",
           f + ":20:17: jobs.two.config.max_documents: plugin 'convention_documents': config "
               "key 'max_documents': expected an integer",
           f + ":25:16: jobs.three.config.link_pattern: plugin 'convention_documents': config "
               "key 'link_pattern' is not a valid regular expression: error at offset 4",
           f + ":26:8: jobs.three.config.rank: plugin 'convention_documents': config key 'rank' "
               "must be",
           f + ":27: jobs.four.connector: no plugin named 'no_such_connector'",
           f + ":32:8: sinks.archive.config.path: plugin 'jsonl_sink': config key 'path' names "
               "a directory"}) {
    CHECK_THAT(all, Catch::Contains(expected));
  }
  CHECK(c.problems.size() == 14);
  for (const auto& p : c.problems) CHECK(p.find('\n') == std::string::npos);
}

TEST_CASE("check-config checks a job file as a job file", "[config]") {
  TempDir dir;
  const fs::path file = dir.write("nord.toml", R"toml(connector = "press_releases"
every = "6h"
[config]
feeds = ["https://www.nord.gouv.fr/rss"]
link_pattern = "(["
)toml");
  const ConfigCheck c = check_config_file(file, "", CONVENTIOND_PLUGIN_DIR);
  CHECK(c.job_file);
  REQUIRE(c.problems.size() == 1);
  CHECK_THAT(c.problems[0], Catch::StartsWith(file.string() + ":"));
  CHECK(c.problems[0] == file.string() +
                            ":5:16: config.link_pattern: plugin 'press_releases': config key "
                            "'link_pattern' is not a valid regular expression: error at offset 2 "
                            "of '([': Character set declaration starting with [ terminated "
                            "prematurely - either no ] was found or the set had no content");
  const fs::path good = dir.write("good.toml", R"toml(connector = "press_releases"
[config]
feeds = ["https://www.nord.gouv.fr/rss"]
link_pattern = "/actualites/.*[0-9]+"
)toml");
  const ConfigCheck g = check_config_file(good, "", CONVENTIOND_PLUGIN_DIR);
  CHECK(g.job_file);
  CHECK(g.ok());
}

TEST_CASE("http.max_connections_per_client: default 32, 0 for none, checked", "[config]") {
  auto dflt = parse_daemon_config("[http]\nlisten = \"127.0.0.1:0\"\n", "d.toml", ".");
  REQUIRE(dflt.ok());
  CHECK(dflt->http.max_connections_per_client == 32);
  auto none = parse_daemon_config("[http]\nmax_connections_per_client = 0\n", "d.toml", ".");
  REQUIRE(none.ok());
  CHECK(none->http.max_connections_per_client == 0);
  auto some = parse_daemon_config("[http]\nmax_connections_per_client = 8\n", "d.toml", ".");
  REQUIRE(some.ok());
  CHECK(some->http.max_connections_per_client == 8);
  CHECK_THAT(config_problems("[http]\nmax_connections_per_client = -1\n"),
             Catch::Contains("http.max_connections_per_client"));
}

TEST_CASE("plugins.dirs is a list of directories, and plugins.dir a one-element alias", "[config][plugins]") {
  auto list = parse_daemon_config("[plugins]\ndirs = [\"extra\", \"/opt/cvd/plugins\"]\n", "d.toml",
                                  "/etc/cvd");
  REQUIRE(list.ok());
  CHECK(list->plugin_dirs == std::vector<std::string>{"/etc/cvd/extra", "/opt/cvd/plugins"});
  auto one = parse_daemon_config("[plugins]\ndir = \"../p\"\n", "d.toml", "/etc/cvd");
  REQUIRE(one.ok());
  CHECK(one->plugin_dirs == std::vector<std::string>{"/etc/p"});
  auto none = parse_daemon_config("[http]\nlisten = \"127.0.0.1:0\"\n", "d.toml", "/etc/cvd");
  REQUIRE(none.ok());
  CHECK(none->plugin_dirs.empty());

  const auto problems = [](const char* text) {
    auto cfg = parse_daemon_config(text, "d.toml", "/etc/cvd");
    REQUIRE_FALSE(cfg.ok());
    return cfg.error().message;
  };
  CHECK_THAT(problems("[plugins]\ndirs = [\"a\"]\ndir = \"b\"\n"),
             Catch::Contains("d.toml:3:7: plugins.dir: give dirs (a list) or dir (one directory), not both"));
  CHECK_THAT(problems("[plugins]\ndirs = \"a\"\n"),
             Catch::Contains("d.toml:2:8: plugins.dirs: expected a list of directories"));
  CHECK_THAT(problems("[plugins]\ndirs = [\"a\", 3]\n"),
             Catch::Contains("d.toml:2:14: plugins.dirs: expected a list of directory names (strings)"));
  CHECK_THAT(problems("[plugins]\ndirs = [\"\"]\n"),
             Catch::Contains("plugins.dirs: an empty directory name"));
  CHECK_THAT(problems("[plugins]\ndirectories = [\"a\"]\n"),
             Catch::Contains("plugins.directories: unknown key (expected one of: dirs, dir)"));
}

namespace {

// A daemon config with [plugins] dirs = the given directories and one job of test_good (its
// required key given), or of local_files.
std::string config_with_dirs(const std::vector<fs::path>& dirs, const std::string& connector) {
  std::string list;
  for (const auto& d : dirs) list += (list.empty() ? "\"" : ", \"") + d.string() + "\"";
  return "[store]\nurl = \"sqlite::memory:\"\n[plugins]\ndirs = [" + list +
         "]\n[jobs.one]\nconnector = \"" + connector + "\"\n[jobs.one.config]\n" +
         (connector == "test_good" ? "label = \"x\"\n" : "paths = [\"/tmp\"]\n");
}

}  // namespace

TEST_CASE("check-config loads the shipped plugins and those of [plugins] dirs", "[config][plugins]") {
  TempDir dir;
  fs::create_directories(dir.path / "third-party");
  fs::copy_file(fs::path(CONVENTIOND_TEST_PLUGIN_DIR) / "test_good.so",
                dir.path / "third-party" / "test_good.so");
  // test_good comes from the extra directory; the shipped ones are still there, and the
  // shipped directory listed again in dirs is read once (no duplicate of itself).
  const fs::path file = dir.write(
      "c.toml", config_with_dirs({dir.path / "third-party", CONVENTIOND_PLUGIN_DIR}, "test_good") +
                    "[jobs.two]\nconnector = \"press_releases\"\n[jobs.two.config]\n"
                    "feeds = [\"https://www.nord.gouv.fr/rss\"]\n");
  const ConfigCheck c = check_config_file(file, "", CONVENTIOND_PLUGIN_DIR);
  std::string all;
  for (const auto& p : c.problems) all += p + "\n";
  for (const auto& p : c.plugin_errors) all += "plugin " + p + "\n";
  INFO(all);
  CHECK(c.ok());
  CHECK(c.plugin_errors.empty());
  CHECK(c.jobs == 2);

  // Without the extra directory, test_good is unknown: the directory is what made it known.
  fs::create_directories(dir.path / "empty");
  const fs::path without = dir.write("without.toml", config_with_dirs({dir.path / "empty"}, "test_good"));
  const ConfigCheck w = check_config_file(without, "", CONVENTIOND_PLUGIN_DIR);
  REQUIRE(w.problems.size() == 1);
  CHECK_THAT(w.problems[0], Catch::Contains("jobs.one.connector: no plugin named 'test_good'"));
}

TEST_CASE("a plugin name in two files of [plugins] dirs is a config error naming both", "[config][plugins]") {
  TempDir dir;
  fs::create_directories(dir.path / "a");
  fs::create_directories(dir.path / "b");
  // The same plugin (name 'press_releases') under another file name, and the shipped one.
  const fs::path copy = dir.path / "a" / "my_press_releases.so";
  fs::copy_file(fs::path(CONVENTIOND_PLUGIN_DIR) / "press_releases.so", copy);
  const fs::path file = dir.write("c.toml", config_with_dirs({dir.path / "a", dir.path / "b"}, "local_files"));
  const ConfigCheck c = check_config_file(file, "", CONVENTIOND_PLUGIN_DIR);
  std::string all;
  for (const auto& p : c.problems) all += p + "\n";
  INFO(all);
  CHECK_FALSE(c.ok());
  REQUIRE(c.problems.size() == 1);
  const fs::path shipped = fs::path(CONVENTIOND_PLUGIN_DIR) / "press_releases.so";
  CHECK(c.problems[0] == "plugins: two plugins are named 'press_releases': " + shipped.string() +
                             " and " + copy.string() +
                             " (remove one, or take its directory out of [plugins] dirs)");
  CHECK(c.plugin_errors.empty());

  // Two test_good plugins in two extra directories: the same, between them.
  fs::copy_file(fs::path(CONVENTIOND_TEST_PLUGIN_DIR) / "test_good.so", dir.path / "b" / "test_good.so");
  fs::copy_file(fs::path(CONVENTIOND_TEST_PLUGIN_DIR) / "test_good_duplicate.so",
                dir.path / "a" / "zz_good.so");
  const ConfigCheck d = check_config_file(file, "", CONVENTIOND_PLUGIN_DIR);
  REQUIRE(d.problems.size() == 2);
  CHECK_THAT(d.problems[1], Catch::Contains("two plugins are named 'test_good': " +
                                            (dir.path / "a" / "zz_good.so").string() + " and " +
                                            (dir.path / "b" / "test_good.so").string()));
}
