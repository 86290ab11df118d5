// `conventiond check-config` as an operator runs it: a process, its exit status and output.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

namespace fs = std::filesystem;

namespace {

struct Run {
  int status = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

class TempDir {
 public:
  TempDir()
      : path_(fs::temp_directory_path() / ("cvd-check-config-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return path_ / name;
  }

 private:
  fs::path path_;
};

// Runs `conventiond check-config FILE --plugin-dir DIR`, bounded by timeout(1): a check that
// blocked (on a FIFO) would end with status 124.
Run check_config(const TempDir& dir, const fs::path& file) {
  const std::string exe = std::string(CONVENTIOND_BINARY_DIR) + "/conventiond";
  const fs::path out = dir.path() / "stdout";
  const fs::path err = dir.path() / "stderr";
  const std::string command = "timeout 60 " + quoted(exe) + " check-config " +
                              quoted(file.string()) + " --plugin-dir " +
                              quoted(CONVENTIOND_PLUGIN_DIR) + " >" + quoted(out.string()) +
                              " 2>" + quoted(err.string());
  const int raw = std::system(command.c_str());
  Run r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace

TEST_CASE("check-config prints every problem of a bad config in one pass and exits 2") {
  TempDir dir;
  // Problems that used to surface in stages (the file's own, then the plugins' schemas) or
  // only when the job ran (a regular expression that aborted the daemon, an enum value, a
  // date), and a key that would clear the terminal.
  const fs::path file = dir.write("bad.toml", R"toml([store]
url = "mysql://db/cvd"
[changes]
retention = "1000000000d"
[daemon]
"\u001b[2J" = 1
[jobs.nord]
connector = "press_releases"
every = "1000000000d"
[jobs.nord.config]
feeds = ["https://www.nord.gouv.fr/rss"]
link_pattern = "(["
rank = "rank"
since = "2024-02-30x"
unknown = 1
[jobs.docs]
connector = "convention_documents"
[jobs.docs.config]
pages = ["https://example.org/"]
link_pattern = "a)"
)toml");
  const Run r = check_config(dir, file);
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find('\x1b') == std::string::npos);
  for (const char* expected :
       {":2:7: store.url: unknown store scheme 'mysql'",
        ":4:13: changes.retention: '1000000000d' is out of range: must be from 1s to 3660d",
        ":6:15: daemon.\\u001b[2J: unknown key",
        ":9:9: jobs.nord.every: '1000000000d' is out of range: must be from 1s to 366d",
        ":15:11: jobs.nord.config.unknown: plugin 'press_releases': unknown config key 'unknown'",
        ":12:16: jobs.nord.config.link_pattern: plugin 'press_releases': config key "
        "'link_pattern' is not a valid regular expression: error at offset 2",
        ":13:8: jobs.nord.config.rank: plugin 'press_releases': config key 'rank' must be",
        ":14:9: jobs.nord.config.since: plugin 'press_releases': config key 'since' must be an "
        "ISO date",
        ":20:16: jobs.docs.config.link_pattern: plugin 'convention_documents': config key "
        "'link_pattern' is not a valid regular expression: error at offset 1"}) {
    CHECK_THAT(r.err, Catch::Contains(expected));
  }
  CHECK_THAT(r.err, Catch::Contains(file.string() + ": 9 problem(s)"));
  // Without the daemon's and the schema's problems, the same three of the plugin's own.
  const fs::path second = dir.write("second.toml", R"toml([jobs.nord]
connector = "press_releases"
[jobs.nord.config]
feeds = ["https://www.nord.gouv.fr/rss"]
link_pattern = "(["
rank = "rank"
since = "2024-02-30x"
)toml");
  const Run s = check_config(dir, second);
  INFO(s.err);
  CHECK(s.status == 2);
  CHECK_THAT(s.err, Catch::Contains("config key 'link_pattern' is not a valid regular expression"));
  CHECK_THAT(s.err, Catch::Contains("config key 'rank' must be"));
  CHECK_THAT(s.err, Catch::Contains("config key 'since' must be an ISO date"));
  CHECK_THAT(s.err, Catch::Contains(": 3 problem(s)"));
}

TEST_CASE("check-config on a job file, a valid file, a directory and a FIFO") {
  TempDir dir;
  const fs::path job = dir.write("job.toml", R"toml(connector = "press_releases"
[config]
feeds = ["https://www.nord.gouv.fr/rss"]
link_pattern = "/actualites/"
)toml");
  const Run j = check_config(dir, job);
  CHECK(j.status == 0);
  CHECK_THAT(j.out, Catch::Contains("valid job file"));

  const fs::path bad_job = dir.write("bad_job.toml", "connector = \"press_releases\"\n"
                                                     "[config]\nfeeds = []\nlink_pattern = \"(\"\n");
  const Run bj = check_config(dir, bad_job);
  CHECK(bj.status == 2);
  CHECK_THAT(bj.err, Catch::Contains("checked as a single-job file"));
  CHECK_THAT(bj.err, Catch::Contains("config key 'link_pattern'"));

  const fs::path good = dir.write("good.toml", "[store]\nurl = \"sqlite:x.db\"\n");
  const Run g = check_config(dir, good);
  CHECK(g.status == 0);
  CHECK_THAT(g.out, Catch::Contains("valid (0 job(s), 0 sink(s)"));

  const Run d = check_config(dir, dir.path());
  CHECK(d.status == 2);
  CHECK_THAT(d.err, Catch::Contains("is a directory"));

  const fs::path fifo = dir.path() / "fifo.toml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const Run f = check_config(dir, fifo);
  CHECK(f.status == 2);  // 124 would mean it blocked opening the FIFO
  CHECK_THAT(f.err, Catch::Contains("not a regular file"));
}
