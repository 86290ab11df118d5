#include <conventiond/config/daemon_config.hpp>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include <conventiond/plugin_host/plugin_config.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/plugin_host/toml_config.hpp>

namespace conventiond {
namespace {

constexpr std::size_t kMaxConfigBytes = 4u << 20;

// The range of every duration key (docs/configuration.md lists them): wide enough for any
// sane use, tests included, and narrow enough that no clock arithmetic can overflow and no
// schedule degenerates (an `every` of a billion days used to run a job continuously).
using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
struct DurationRange {
  milliseconds lo;
  milliseconds hi;
};
constexpr DurationRange kEvery{seconds(1), days(366)};
constexpr DurationRange kJitter{seconds(0), days(7)};
constexpr DurationRange kRecheckAfter{minutes(1), days(3660)};  // job recheck_after
constexpr DurationRange kRobotsRetry{seconds(0), hours(1)};     // job robots_retry
constexpr DurationRange kPerHostDelay{milliseconds(0), hours(1)};
constexpr DurationRange kConnectTimeout{milliseconds(100), minutes(10)};
constexpr DurationRange kFetchTimeout{milliseconds(100), hours(1)};
constexpr DurationRange kFetchBackoff{milliseconds(0), hours(1)};
constexpr DurationRange kMaxRetryAfter{milliseconds(0), days(1)};
constexpr DurationRange kRequestTimeout{seconds(1), hours(1)};
constexpr DurationRange kLeaseTtl{seconds(1), days(1)};
constexpr DurationRange kShutdownGrace{seconds(0), hours(1)};
constexpr DurationRange kRetention{seconds(1), days(3660)};  // 10 years
constexpr DurationRange kStreamStall{milliseconds(100), hours(1)};
constexpr DurationRange kWebhookTimeout{milliseconds(100), minutes(10)};
constexpr DurationRange kWebhookBackoff{milliseconds(0), days(1)};
constexpr DurationRange kWebhookMaxBackoff{milliseconds(1), days(1)};
constexpr DurationRange kWebhookRetryWindow{milliseconds(0), days(30)};

// Collects every problem of one file, each with its position.
class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}

  void problem(const toml::node* at, std::string_view key, std::string_view what) {
    std::string line = file_;
    if (at != nullptr && at->source().begin.line != 0) {
      line += ":" + std::to_string(at->source().begin.line) + ":" +
              std::to_string(at->source().begin.column);
    }
    line += ": ";
    if (!key.empty()) line += std::string(key) + ": ";
    line += what;
    // Keys, values and file names come from outside: one problem stays one line, and a key
    // holding "\u001b[2J" does not clear the operator's terminal.
    problems_.push_back(printable(line));
  }


  // Flags keys of `table` not in `allowed`.
  void only(const toml::table& table, std::string_view prefix,
            std::initializer_list<std::string_view> allowed) {
    for (const auto& [k, node] : table) {
      if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end()) {
        std::string list;
        for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        problem(&node, join(prefix, k.str()), "unknown key (expected one of: " + list + ")");
      }
    }
  }

  static std::string join(std::string_view prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
  }

  std::optional<std::string> string(const toml::table& t, std::string_view prefix,
                                    std::string_view key) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    if (const auto* s = n->as_string()) return s->get();
    problem(n, join(prefix, key), "expected a string");
    return std::nullopt;
  }
  std::optional<bool> boolean(const toml::table& t, std::string_view prefix, std::string_view key) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    if (const auto* b = n->as_boolean()) return b->get();
    problem(n, join(prefix, key), "expected true or false");
    return std::nullopt;
  }
  std::optional<std::int64_t> integer(const toml::table& t, std::string_view prefix,
                                      std::string_view key, std::int64_t lo, std::int64_t hi) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    const auto* i = n->as_integer();
    if (i == nullptr) {
      problem(n, join(prefix, key), "expected an integer");
      return std::nullopt;
    }
    if (i->get() < lo || i->get() > hi) {
      problem(n, join(prefix, key),
              std::to_string(i->get()) + " is out of range " + std::to_string(lo) + ".." +
                  std::to_string(hi));
      return std::nullopt;
    }
    return i->get();
  }
  // A duration key: a string such as "90s", "15m", "6h", "1h30m", "2d", "500ms", or an
  // integer number of seconds; it must lie in [lo, hi] (docs/configuration.md gives each
  // key's range). nullopt, with a problem, otherwise.
  std::optional<std::chrono::milliseconds> duration_ms(const toml::table& t,
                                                       std::string_view prefix,
                                                       std::string_view key,
                                                       DurationRange range) {
    const auto [lo, hi] = range;
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    std::chrono::milliseconds value{0};
    std::string shown;
    if (const auto* i = n->as_integer()) {
      const std::int64_t secs = i->get();
      if (secs < 0 || secs > kMaxDuration.count() / 1000) {
        problem(n, join(prefix, key),
                std::to_string(secs) + " seconds is out of range: must be from " +
                    duration_text(lo) + " to " + duration_text(hi));
        return std::nullopt;
      }
      value = std::chrono::seconds(secs);
      shown = std::to_string(secs) + " seconds";
    } else if (const auto* s = n->as_string()) {
      auto d = parse_duration_ms(s->get());
      if (!d) {
        const bool too_large = d.error().message.find("too large") != std::string::npos;
        problem(n, join(prefix, key),
                too_large ? "'" + s->get().substr(0, 64) + "' is out of range: must be from " +
                                duration_text(lo) + " to " + duration_text(hi)
                          : d.error().message);
        return std::nullopt;
      }
      value = *d;
      shown = s->get();
    } else {
      problem(n, join(prefix, key), "expected a duration such as \"30s\", \"15m\" or \"6h\"");
      return std::nullopt;
    }
    if (value < lo || value > hi) {
      problem(n, join(prefix, key),
              "'" + shown + "' is out of range: must be from " + duration_text(lo) + " to " +
                  duration_text(hi));
      return std::nullopt;
    }
    return value;
  }
  // The same for keys kept in whole seconds (a sub-second value is rounded up).
  std::optional<std::chrono::seconds> duration(const toml::table& t, std::string_view prefix,
                                               std::string_view key, DurationRange range) {
    auto d = duration_ms(t, prefix, key, range);
    if (!d) return std::nullopt;
    return std::chrono::ceil<std::chrono::seconds>(*d);
  }
  const toml::table* table(const toml::table& t, std::string_view prefix, std::string_view key) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return nullptr;
    if (const auto* tt = n->as_table()) return tt;
    problem(n, join(prefix, key), "expected a table");
    return nullptr;
  }

  bool ok() const { return problems_.empty(); }
  const std::vector<std::string>& problems() const { return problems_; }
  Error error() const {
    std::string msg;
    for (const auto& p : problems_) msg += (msg.empty() ? "" : "\n") + p;
    return Error::make("config", msg);
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::string> problems_;
};

Result<toml::table> parse_toml(std::string_view text, std::string_view file_name) {
  if (text.size() > kMaxConfigBytes) {
    return Error::make("config", std::string(file_name) + ": file too large (" +
                                     std::to_string(text.size()) + " bytes, limit " +
                                     std::to_string(kMaxConfigBytes) + ")");
  }
  try {
    return toml::parse(text, std::string(file_name));
  } catch (const toml::parse_error& e) {
    return Error::make("config", printable(std::string(file_name) + ":" +
                                               std::to_string(e.source().begin.line) + ":" +
                                               std::to_string(e.source().begin.column) + ": " +
                                               std::string(e.description())));
  }
}

// A config or job file's text. Only a regular file (or a symlink to one) is read: a
// directory is an error (an ifstream would "read" it as empty, giving a daemon on defaults),
// and so is a FIFO or a device, whose type is checked before anything opens it (opening a
// FIFO blocks until a writer comes).
Result<std::string> read_file(const std::filesystem::path& file) {
  const std::string shown = printable(file.string());
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (ec || !std::filesystem::exists(status)) {
    return Error::make("config", shown + ": cannot read the file: " +
                                     (ec ? ec.message() : std::string("no such file")));
  }
  if (std::filesystem::is_directory(status)) {
    return Error::make("config", shown + ": is a directory, not a config file");
  }
  if (!std::filesystem::is_regular_file(status)) {
    return Error::make("config", shown + ": is not a regular file (a FIFO, socket or device); "
                                         "give a config file");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error::make("config", shown + ": cannot read the file");
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes) {
      return Error::make("config", shown + ": file too large (limit " +
                                       std::to_string(kMaxConfigBytes) + " bytes)");
    }
  }
  if (in.bad()) return Error::make("config", shown + ": cannot read the file");
  return text;
}

// Keys only a single-job file has at its top level, and sections only a daemon config has.
constexpr std::string_view kJobFileKeys[] = {"name", "connector", "enabled", "every", "cron",
                                             "jitter", "max_items", "max_in_flight", "rank",
                                             "config", "recheck_after", "robots_retry",
                                             "isolation"};
constexpr std::string_view kDaemonSections[] = {"store", "http", "plugins", "daemon", "changes",
                                                "webhooks", "jobs", "sinks", "workers", "log"};

bool is_job_file(const toml::table& root) {
  bool job_key = false;
  for (const auto& [k, node] : root) {
    (void)node;
    if (std::find(std::begin(kDaemonSections), std::end(kDaemonSections), k.str()) !=
        std::end(kDaemonSections)) {
      return false;
    }
    if (std::find(std::begin(kJobFileKeys), std::end(kJobFileKeys), k.str()) !=
        std::end(kJobFileKeys)) {
      job_key = true;
    }
  }
  return job_key;
}

void read_fetch(Checker& c, const toml::table& t, std::string_view prefix, FetchPolicy& p) {
  c.only(t, prefix,
         {"user_agent", "max_concurrent", "max_concurrent_per_host", "per_host_delay",
          "connect_timeout", "timeout", "max_body_bytes", "max_redirects", "max_attempts",
          "backoff", "max_retry_after", "honour_robots", "allow_file", "proxy"});
  if (auto v = c.string(t, prefix, "user_agent")) {
    if (v->empty()) c.problem(t.get("user_agent"), Checker::join(prefix, "user_agent"), "must not be empty");
    else p.user_agent = *v;
  }
  if (auto v = c.integer(t, prefix, "max_concurrent", 1, 1024)) p.max_concurrent = static_cast<std::size_t>(*v);
  if (auto v = c.integer(t, prefix, "max_concurrent_per_host", 0, 1024))
    p.max_concurrent_per_host = static_cast<std::size_t>(*v);
  if (auto v = c.duration_ms(t, prefix, "per_host_delay", kPerHostDelay)) p.per_host_min_delay = *v;
  if (auto v = c.duration_ms(t, prefix, "connect_timeout", kConnectTimeout)) p.connect_timeout = *v;
  if (auto v = c.duration_ms(t, prefix, "timeout", kFetchTimeout)) p.total_timeout = *v;
  if (auto v = c.integer(t, prefix, "max_body_bytes", 1024, std::int64_t{4} << 30))
    p.max_body_bytes = static_cast<std::size_t>(*v);
  if (auto v = c.integer(t, prefix, "max_redirects", 0, 50)) p.max_redirects = static_cast<long>(*v);
  if (auto v = c.integer(t, prefix, "max_attempts", 1, 20)) p.max_attempts = static_cast<int>(*v);
  if (auto v = c.duration_ms(t, prefix, "backoff", kFetchBackoff)) p.backoff_base = *v;
  if (auto v = c.duration_ms(t, prefix, "max_retry_after", kMaxRetryAfter)) p.max_retry_after = *v;
  if (auto v = c.boolean(t, prefix, "honour_robots")) p.honour_robots = *v;
  if (auto v = c.boolean(t, prefix, "allow_file")) p.allow_file = *v;
  if (auto v = c.string(t, prefix, "proxy")) p.proxy = *v;
}

std::map<std::string, std::pair<int, int>, std::less<>> key_positions(const toml::table& t) {
  std::map<std::string, std::pair<int, int>, std::less<>> out;
  for (const auto& [k, node] : t) {
    out[std::string(k.str())] = {static_cast<int>(node.source().begin.line),
                                 static_cast<int>(node.source().begin.column)};
  }
  return out;
}

bool valid_job_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
  });
}

void read_job(Checker& c, const toml::table& t, std::string_view prefix, const FetchPolicy& defaults,
              JobConfig& job, bool allow_name) {
  if (allow_name) {
    c.only(t, prefix, {"name", "connector", "enabled", "every", "cron", "jitter", "max_items",
                       "max_in_flight", "rank", "fetch", "config", "recheck_after",
                       "robots_retry", "isolation"});
    if (auto v = c.string(t, prefix, "name")) job.name = *v;
  } else {
    c.only(t, prefix, {"connector", "enabled", "every", "cron", "jitter", "max_items",
                       "max_in_flight", "rank", "fetch", "config", "recheck_after",
                       "robots_retry", "isolation"});
  }
  job.line = static_cast<int>(t.source().begin.line);
  job.file = c.file();
  if (!valid_job_name(job.name)) {
    c.problem(&t, prefix.empty() ? "name" : prefix,
              "job name '" + job.name + "' must be 1-64 characters of a-z, 0-9, '_' or '-'");
  }
  if (auto v = c.string(t, prefix, "connector")) job.connector = *v;
  else if (t.get("connector") == nullptr) c.problem(&t, Checker::join(prefix, "connector"), "missing (the plugin that harvests this job)");
  if (auto v = c.boolean(t, prefix, "enabled")) job.enabled = *v;
  if (auto v = c.duration(t, prefix, "every", kEvery)) job.schedule.every = *v;
  if (auto v = c.string(t, prefix, "cron")) {
    auto cron = CronExpression::parse(*v);
    if (cron) job.schedule.cron = std::move(*cron);
    else c.problem(t.get("cron"), Checker::join(prefix, "cron"), cron.error().message);
  }
  if (t.get("every") != nullptr && t.get("cron") != nullptr) {
    c.problem(t.get("cron"), Checker::join(prefix, "cron"), "give either every or cron, not both");
  }
  if (auto v = c.duration(t, prefix, "jitter", kJitter)) job.schedule.jitter = *v;
  if (auto v = c.duration(t, prefix, "recheck_after", kRecheckAfter)) job.recheck_after = *v;
  if (auto v = c.duration_ms(t, prefix, "robots_retry", kRobotsRetry)) job.robots_retry = *v;
  if (auto v = c.integer(t, prefix, "max_items", 1, 10'000'000)) job.max_items = static_cast<std::size_t>(*v);
  if (auto v = c.integer(t, prefix, "max_in_flight", 1, 1024)) job.max_in_flight = static_cast<std::size_t>(*v);
  if (auto v = c.string(t, prefix, "isolation")) {
    if (*v != "process" && *v != "inline") {
      c.problem(t.get("isolation"), Checker::join(prefix, "isolation"), "'" + *v + "' is not one of process, inline");
    } else {
      job.isolation = *v;
    }
  }
  if (auto v = c.string(t, prefix, "rank")) {
    if (*v != "convention_text" && *v != "official_release" && *v != "news") {
      c.problem(t.get("rank"), Checker::join(prefix, "rank"),
                "'" + *v + "' is not one of convention_text, official_release, news");
    } else {
      job.rank = *v;
    }
  }
  job.fetch = defaults;
  if (const toml::table* f = c.table(t, prefix, "fetch")) read_fetch(c, *f, Checker::join(prefix, "fetch"), job.fetch);
  if (const toml::table* cfg = c.table(t, prefix, "config")) {
    job.config = toml_to_json(*cfg);
    job.config_positions = key_positions(*cfg);
  }
}

}  // namespace

const JobConfig* DaemonConfig::find_job(std::string_view name) const {
  for (const auto& j : jobs) {
    if (j.name == name) return &j;
  }
  return nullptr;
}

namespace {

// Reads a whole daemon config into cfg, every problem into c (cfg holds what was valid).
void read_daemon(Checker& c, const toml::table& root, const std::filesystem::path& base_dir,
                 DaemonConfig& cfg) {
  if (is_job_file(root)) {
    c.problem(&root, "",
              "this is a single-job file (it has top-level job keys such as 'connector'), not "
              "a daemon config: run it with `conventiond run FILE`, check it with "
              "`conventiond check-config FILE`, or put its keys under [jobs.NAME]");
    return;
  }
  c.only(root, "", {"store", "http", "plugins", "daemon", "fetch", "changes", "webhooks", "jobs",
                    "sinks", "workers", "log"});

  if (const toml::table* t = c.table(root, "", "store")) {
    c.only(*t, "store", {"url"});
    if (auto v = c.string(*t, "store", "url")) {
      std::string url = *v;
      // "SCHEME:..." with a scheme other than sqlite or postgres(ql) (any case, as
      // open_store reads them): not a path to take as a SQLite file name (a "mysql://" URL
      // used to give a SQLite file named "mysql:").
      std::string scheme;
      if (const std::size_t colon = url.find(':'); colon != std::string::npos && colon > 0) {
        scheme = url.substr(0, colon);
        const bool scheme_like =
            std::isalpha(static_cast<unsigned char>(scheme[0])) != 0 &&
            std::all_of(scheme.begin(), scheme.end(), [](char ch) {
              return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '+' ||
                     ch == '-' || ch == '.';
            });
        if (!scheme_like) scheme.clear();
        for (char& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      }
      const bool pg = (scheme == "postgresql" || scheme == "postgres") &&
                      url.compare(scheme.size(), 3, "://") == 0;
      if (!pg && !scheme.empty() && scheme != "sqlite") {
        c.problem(t->get("url"), "store.url",
                  "unknown store scheme '" + url.substr(0, std::min<std::size_t>(scheme.size(), 32)) +
                      "' (expected sqlite:PATH, a file path, or postgresql://...)");
      } else if (!pg) {
        std::string path = scheme == "sqlite" ? url.substr(7) : url;
        if (path.empty()) {
          c.problem(t->get("url"), "store.url", "empty SQLite path");
        } else if (path != ":memory:" && std::filesystem::path(path).is_relative()) {
          path = (base_dir / path).lexically_normal().string();
        }
        url = "sqlite:" + path;
      }
      cfg.store_url = url;
    }
  }
  if (const toml::table* t = c.table(root, "", "plugins")) {
    c.only(*t, "plugins", {"dirs", "dir"});
    const auto add_dir = [&](const toml::node* at, const std::string& dir) {
      if (dir.empty()) {
        c.problem(at, "plugins.dirs", "an empty directory name");
        return;
      }
      std::filesystem::path p(dir);
      cfg.plugin_dirs.push_back((p.is_relative() ? (base_dir / p).lexically_normal() : p).string());
    };
    if (t->get("dirs") != nullptr && t->get("dir") != nullptr) {
      c.problem(t->get("dir"), "plugins.dir", "give dirs (a list) or dir (one directory), not both");
    } else if (const toml::node* n = t->get("dirs")) {
      if (const toml::array* a = n->as_array()) {
        for (const toml::node& e : *a) {
          if (const auto* str = e.as_string()) add_dir(&e, str->get());
          else c.problem(&e, "plugins.dirs", "expected a list of directory names (strings)");
        }
      } else {
        c.problem(n, "plugins.dirs", "expected a list of directories, e.g. [\"/opt/conventiond/plugins\"]");
      }
    } else if (auto v = c.string(*t, "plugins", "dir")) {
      add_dir(t->get("dir"), *v);
    }
  }
  if (const toml::table* t = c.table(root, "", "http")) {
    c.only(*t, "http", {"listen", "reads_public", "tokens_env", "tokens_file", "max_body_bytes",
                        "request_timeout", "max_connections", "max_connections_per_client"});
    if (auto v = c.string(*t, "http", "listen")) {
      const std::size_t colon = v->rfind(':');
      bool good = colon != std::string::npos && colon > 0;
      if (good) {
        cfg.http.address = v->substr(0, colon);
        if (cfg.http.address.size() > 2 && cfg.http.address.front() == '[')
          cfg.http.address = cfg.http.address.substr(1, cfg.http.address.size() - 2);
        try {
          std::size_t used = 0;
          const int port = std::stoi(v->substr(colon + 1), &used);
          good = used == v->size() - colon - 1 && port >= 0 && port <= 65535;
          if (good) cfg.http.port = static_cast<std::uint16_t>(port);
        } catch (const std::exception&) {
          good = false;
        }
      }
      if (!good) c.problem(t->get("listen"), "http.listen", "expected ADDRESS:PORT, e.g. \"127.0.0.1:8080\"");
    }
    if (auto v = c.boolean(*t, "http", "reads_public")) cfg.http.reads_public = *v;
    if (auto v = c.string(*t, "http", "tokens_env")) cfg.http.tokens_env = *v;
    if (auto v = c.string(*t, "http", "tokens_file")) {
      std::filesystem::path p(*v);
      cfg.http.tokens_file = (p.is_relative() ? base_dir / p : p).string();
    }
    if (auto v = c.integer(*t, "http", "max_body_bytes", 1024, 64 << 20))
      cfg.http.max_body_bytes = static_cast<std::size_t>(*v);
    if (auto v = c.duration(*t, "http", "request_timeout", kRequestTimeout)) cfg.http.request_timeout = *v;
    if (auto v = c.integer(*t, "http", "max_connections", 1, 100000))
      cfg.http.max_connections = static_cast<std::size_t>(*v);
    if (auto v = c.integer(*t, "http", "max_connections_per_client", 0, 100000))
      cfg.http.max_connections_per_client = static_cast<std::size_t>(*v);
    // Tokens: never in the config text itself.
    if (!cfg.http.tokens_env.empty()) {
      if (const char* env = std::getenv(cfg.http.tokens_env.c_str())) {
        std::stringstream ss(env);
        std::string tok;
        while (std::getline(ss, tok, ',')) {
          tok.erase(0, tok.find_first_not_of(" \t"));
          tok.erase(tok.find_last_not_of(" \t\r\n") + 1);
          if (!tok.empty()) cfg.http.tokens.push_back(tok);
        }
      }
    }
    if (!cfg.http.tokens_file.empty()) {
      std::ifstream in(cfg.http.tokens_file);
      if (!in) {
        c.problem(t->get("tokens_file"), "http.tokens_file", "cannot read " + cfg.http.tokens_file);
      } else {
        std::string tok;
        while (std::getline(in, tok)) {
          tok.erase(0, tok.find_first_not_of(" \t"));
          tok.erase(tok.find_last_not_of(" \t\r\n") + 1);
          if (!tok.empty() && tok[0] != '#') cfg.http.tokens.push_back(tok);
        }
      }
    }
  }
  if (const toml::table* t = c.table(root, "", "daemon")) {
    c.only(*t, "daemon", {"workers", "shutdown_grace", "lease_ttl"});
    if (auto v = c.duration(*t, "daemon", "lease_ttl", kLeaseTtl)) cfg.lease_ttl = *v;
    if (auto v = c.integer(*t, "daemon", "workers", 1, 64)) cfg.workers = static_cast<std::size_t>(*v);
    if (auto v = c.duration(*t, "daemon", "shutdown_grace", kShutdownGrace)) cfg.shutdown_grace = *v;
  }
  if (const toml::table* t = c.table(root, "", "workers")) {
    c.only(*t, "workers", {"isolation", "count", "memory_limit_mib", "cpu_limit_seconds", "item_timeout_seconds"});
    if (auto v = c.string(*t, "workers", "isolation")) {
      if (*v != "process" && *v != "inline") c.problem(t->get("isolation"), "workers.isolation", "'" + *v + "' is not one of process, inline");
      else cfg.worker_processes.isolation = *v;
    }
    if (auto v = c.integer(*t, "workers", "count", 0, 256)) cfg.worker_processes.count = static_cast<std::size_t>(*v);
    if (auto v = c.integer(*t, "workers", "memory_limit_mib", 64, 1 << 20)) cfg.worker_processes.memory_limit_mib = static_cast<std::size_t>(*v);
    if (auto v = c.integer(*t, "workers", "cpu_limit_seconds", 1, 86400)) cfg.worker_processes.cpu_limit = std::chrono::seconds(*v);
    if (auto v = c.integer(*t, "workers", "item_timeout_seconds", 1, 86400)) cfg.worker_processes.item_timeout = std::chrono::seconds(*v);
  }
  if (const toml::table* t = c.table(root, "", "log")) {
    c.only(*t, "log", {"level", "format"});
    if (auto v = c.string(*t, "log", "level")) {
      if (auto level = log_level_from_string(*v)) {
        cfg.log_level = *level;
      } else {
        c.problem(t->get("level"), "log.level",
                  "'" + *v + "' is not one of error, warn, info, debug");
      }
    }
    if (auto v = c.string(*t, "log", "format")) {
      if (auto format = log_format_from_string(*v)) {
        cfg.log_format = *format;
      } else {
        c.problem(t->get("format"), "log.format", "'" + *v + "' is not one of text, json");
      }
    }
  }
  if (const toml::table* t = c.table(root, "", "changes")) {
    c.only(*t, "changes", {"retention", "stream_stall_timeout"});
    if (auto v = c.duration_ms(*t, "changes", "stream_stall_timeout", kStreamStall)) cfg.stream_stall_timeout = *v;
    if (auto v = c.duration(*t, "changes", "retention", kRetention)) cfg.changes_retention = *v;
  }
  if (const toml::table* t = c.table(root, "", "webhooks")) {
    c.only(*t, "webhooks", {"allow_private_targets", "max_attempts", "timeout", "backoff",
                            "max_backoff", "retry_window", "secret_key_file"});
    if (auto v = c.integer(*t, "webhooks", "max_attempts", 0, 100000)) cfg.webhooks_max_attempts = static_cast<int>(*v);
    if (auto v = c.duration_ms(*t, "webhooks", "timeout", kWebhookTimeout)) cfg.webhooks_timeout = *v;
    if (auto v = c.duration_ms(*t, "webhooks", "backoff", kWebhookBackoff)) cfg.webhooks_backoff = *v;
    if (auto v = c.duration_ms(*t, "webhooks", "max_backoff", kWebhookMaxBackoff)) cfg.webhooks_max_backoff = *v;
    if (auto v = c.duration_ms(*t, "webhooks", "retry_window", kWebhookRetryWindow)) cfg.webhooks_retry_window = *v;
    if (auto v = c.string(*t, "webhooks", "secret_key_file")) {
      const std::filesystem::path p(*v);
      cfg.webhooks_secret_key_file = (p.is_relative() ? base_dir / p : p).string();
    }
    if (auto v = c.boolean(*t, "webhooks", "allow_private_targets")) cfg.webhooks_allow_private = *v;
  }
  if (const toml::table* t = c.table(root, "", "fetch")) read_fetch(c, *t, "fetch", cfg.fetch);
  if (const toml::table* jobs = c.table(root, "", "jobs")) {
    for (const auto& [name, node] : *jobs) {
      const std::string prefix = "jobs." + std::string(name.str());
      const toml::table* jt = node.as_table();
      if (jt == nullptr) {
        c.problem(&node, prefix, "expected a table [" + prefix + "]");
        continue;
      }
      JobConfig job;
      job.name = std::string(name.str());
      read_job(c, *jt, prefix, cfg.fetch, job, false);
      cfg.jobs.push_back(std::move(job));
    }
    std::sort(cfg.jobs.begin(), cfg.jobs.end(),
              [](const JobConfig& a, const JobConfig& b) { return a.line < b.line; });
  }
  if (const toml::table* sinks = c.table(root, "", "sinks")) {
    for (const auto& [name, node] : *sinks) {
      const std::string prefix = "sinks." + std::string(name.str());
      const toml::table* st = node.as_table();
      if (st == nullptr) {
        c.problem(&node, prefix, "expected a table [" + prefix + "]");
        continue;
      }
      SinkConfig sink;
      sink.name = std::string(name.str());
      sink.file = c.file();
      sink.line = static_cast<int>(st->source().begin.line);
      c.only(*st, prefix, {"plugin", "enabled", "batch", "config"});
      if (!valid_job_name(sink.name)) {
        c.problem(st, prefix, "sink name '" + sink.name + "' must be 1-64 characters of a-z, 0-9, '_' or '-'");
      }
      if (auto v = c.string(*st, prefix, "plugin")) sink.plugin = *v;
      else if (st->get("plugin") == nullptr) c.problem(st, prefix + ".plugin", "missing (the sink plugin)");
      if (auto v = c.boolean(*st, prefix, "enabled")) sink.enabled = *v;
      if (auto v = c.integer(*st, prefix, "batch", 1, 10000)) sink.batch = static_cast<std::size_t>(*v);
      if (const toml::table* cfgt = c.table(*st, prefix, "config")) {
        sink.config = toml_to_json(*cfgt);
        sink.config_positions = key_positions(*cfgt);
      }
      cfg.sinks.push_back(std::move(sink));
    }
    std::sort(cfg.sinks.begin(), cfg.sinks.end(),
              [](const SinkConfig& a, const SinkConfig& b) { return a.line < b.line; });
  }
}

std::filesystem::path absolute_dir_of(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(file, ec);
  if (ec) abs = file;
  return abs.parent_path();
}

}  // namespace

Result<DaemonConfig> parse_daemon_config(std::string_view toml_text, std::string_view file_name,
                                         const std::filesystem::path& base_dir) {
  auto parsed = parse_toml(toml_text, file_name);
  if (!parsed) return std::move(parsed).error();
  Checker c{std::string(file_name)};
  DaemonConfig cfg;
  cfg.file = std::string(file_name);
  read_daemon(c, *parsed, base_dir, cfg);
  if (!c.ok()) return c.error();
  return cfg;
}

Result<DaemonConfig> load_daemon_config(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) return std::move(text).error();
  return parse_daemon_config(*text, file.string(), absolute_dir_of(file));
}

Result<JobConfig> parse_job_file(std::string_view toml_text, std::string_view file_name,
                                 const FetchPolicy& defaults) {
  auto parsed = parse_toml(toml_text, file_name);
  if (!parsed) return std::move(parsed).error();
  Checker c{std::string(file_name)};
  JobConfig job;
  job.name = std::filesystem::path(std::string(file_name)).stem().string();
  read_job(c, *parsed, "", defaults, job, true);
  if (!c.ok()) return c.error();
  return job;
}

Result<JobConfig> load_job_file(const std::filesystem::path& file, const FetchPolicy& defaults) {
  auto text = read_file(file);
  if (!text) return std::move(text).error();
  return parse_job_file(*text, file.string(), defaults);
}

namespace {

// "FILE:LINE[:COLUMN]: KEY.config[.K]: LINE" for a plugin's problem: when the line names a
// key of the config table ("config key 'K'"), it points at that key.
std::string plugin_problem_line(const std::string& file, int line,
                                const std::map<std::string, std::pair<int, int>, std::less<>>& positions,
                                const std::string& key_prefix, const std::string& problem) {
  const std::string dot = key_prefix.empty() ? "" : ".";
  for (const char* marker : {"config key '", "unknown config key '"}) {
    const std::size_t at = problem.find(marker);
    if (at == std::string::npos) continue;
    const std::size_t from = at + std::string_view(marker).size();
    const std::size_t to = problem.find('\'', from);
    if (to == std::string::npos) continue;
    const auto it = positions.find(std::string_view(problem).substr(from, to - from));
    if (it == positions.end()) continue;
    return printable(file + ":" + std::to_string(it->second.first) + ":" +
                     std::to_string(it->second.second) + ": " + key_prefix + dot + "config." +
                     it->first + ": ") +
           problem;
  }
  return printable(file + ":" + std::to_string(line) + ": " + key_prefix + dot + "config: ") +
         problem;
}

// The problems of one job's connector and config; key_prefix is "jobs.NAME", or "" for a
// single-job file whose keys are at the top level.
void job_plugin_problems(const JobConfig& job, const std::string& key_prefix,
                         const PluginRegistry& registry, std::vector<std::string>& out) {
  const std::string where = job.file + ":" + std::to_string(job.line) + ": " + key_prefix;
  const std::string dot = key_prefix.empty() ? "" : ".";
  if (job.connector.empty()) return;  // already reported by the config's own check
  const PluginInfo* info = registry.find(job.connector);
  if (info == nullptr) {
    std::string known;
    for (const PluginInfo* p : registry.plugins()) known += (known.empty() ? "" : ", ") + p->name;
    out.push_back(printable(where + dot + "connector: no plugin named '" + job.connector +
                            "' (loaded: " + (known.empty() ? "none" : known) + ")"));
    return;
  }
  if (info->kind != PluginKind::source) {
    out.push_back(printable(where + dot + "connector: '" + job.connector +
                            "' is a sink plugin, not a source connector"));
    return;
  }
  for (const std::string& line : registry.check_config(job.connector, job.config)) {
    out.push_back(plugin_problem_line(job.file, job.line, job.config_positions, key_prefix, line));
  }
}

}  // namespace

std::vector<std::string> check_jobs_against_plugins(const std::vector<JobConfig>& jobs,
                                                    const PluginRegistry& registry) {
  std::vector<std::string> out;
  for (const JobConfig& job : jobs) job_plugin_problems(job, "jobs." + job.name, registry, out);
  return out;
}

std::vector<std::string> check_sinks_against_plugins(const std::vector<SinkConfig>& sinks,
                                                     const PluginRegistry& registry) {
  std::vector<std::string> out;
  for (const SinkConfig& sink : sinks) {
    const std::string where = sink.file + ":" + std::to_string(sink.line) + ": sinks." + sink.name;
    if (sink.plugin.empty()) continue;  // already reported by the config's own check
    const PluginInfo* info = registry.find(sink.plugin);
    if (info == nullptr) {
      out.push_back(printable(where + ".plugin: no plugin named '" + sink.plugin + "'"));
      continue;
    }
    if (info->kind != PluginKind::sink) {
      out.push_back(printable(where + ".plugin: '" + sink.plugin +
                              "' is a source connector, not a sink"));
      continue;
    }
    for (const std::string& line : registry.check_config(sink.plugin, sink.config)) {
      out.push_back(plugin_problem_line(sink.file, sink.line, sink.config_positions,
                                        "sinks." + sink.name, line));
    }
  }
  return out;
}

std::string plugins_problem(const LoadError& duplicate) {
  return "plugins: two plugins are named '" + duplicate.name + "': " + duplicate.duplicate_of +
         " and " + duplicate.file +
         " (remove one, or take its directory out of [plugins] dirs)";
}

std::vector<std::filesystem::path> plugin_directories(const std::filesystem::path& shipped,
                                                      const DaemonConfig& config) {
  std::vector<std::filesystem::path> dirs{shipped};
  dirs.insert(dirs.end(), config.plugin_dirs.begin(), config.plugin_dirs.end());
  return dirs;
}

ConfigCheck check_config_file(const std::filesystem::path& file,
                              const std::string& plugin_dir_override,
                              const std::string& default_plugin_dir) {
  ConfigCheck report;
  auto text = read_file(file);
  if (!text) {
    report.problems.push_back(text.error().message);
    return report;
  }
  const std::string file_name = file.string();
  auto parsed = parse_toml(*text, file_name);
  if (!parsed) {  // a syntax error: nothing after it can be read
    report.problems.push_back(printable(parsed.error().message));
    return report;
  }
  Checker c{file_name};
  std::vector<JobConfig> jobs;
  std::vector<SinkConfig> sinks;
  std::vector<std::filesystem::path> plugin_dirs{
      plugin_dir_override.empty() ? default_plugin_dir : plugin_dir_override};
  report.job_file = is_job_file(*parsed);
  if (report.job_file) {
    JobConfig job;
    job.name = file.stem().string();
    read_job(c, *parsed, "", FetchPolicy{}, job, true);
    jobs.push_back(std::move(job));
  } else {
    DaemonConfig cfg;
    cfg.file = file_name;
    read_daemon(c, *parsed, absolute_dir_of(file), cfg);
    plugin_dirs.insert(plugin_dirs.end(), cfg.plugin_dirs.begin(), cfg.plugin_dirs.end());
    report.store_url = cfg.store_url;
    jobs = std::move(cfg.jobs);
    sinks = std::move(cfg.sinks);
  }
  report.problems = c.problems();
  report.jobs = jobs.size();
  report.sinks = sinks.size();
  const PluginRegistry registry = PluginRegistry::load_directories(plugin_dirs);
  for (const LoadError& e : registry.errors()) {
    // A plugin name in two files: which one the jobs would get is not for file order to
    // decide, so the config is invalid (and `serve` refuses it the same way).
    if (!e.duplicate_of.empty()) report.problems.push_back(printable(plugins_problem(e)));
    else report.plugin_errors.push_back(printable(e.line()));
  }
  for (const JobConfig& job : jobs) {
    job_plugin_problems(job, report.job_file ? std::string() : "jobs." + job.name, registry,
                        report.problems);
  }
  for (std::string& p : check_sinks_against_plugins(sinks, registry)) {
    report.problems.push_back(std::move(p));
  }
  return report;
}

}  // namespace conventiond
