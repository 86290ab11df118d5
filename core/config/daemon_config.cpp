#include <conventiond/config/daemon_config.hpp>

#include <algorithm>
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
    problems_.push_back(std::move(line));
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
  std::optional<std::chrono::seconds> duration(const toml::table& t, std::string_view prefix,
                                               std::string_view key) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    if (const auto* i = n->as_integer(); i != nullptr && i->get() > 0) {
      return std::chrono::seconds(i->get());
    }
    const auto* s = n->as_string();
    if (s == nullptr) {
      problem(n, join(prefix, key), "expected a duration such as \"30s\", \"15m\" or \"6h\"");
      return std::nullopt;
    }
    auto d = parse_duration(s->get());
    if (!d) {
      problem(n, join(prefix, key), d.error().message);
      return std::nullopt;
    }
    return *d;
  }
  std::optional<std::chrono::milliseconds> duration_ms(const toml::table& t,
                                                       std::string_view prefix,
                                                       std::string_view key) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    if (const auto* s = n->as_string()) {
      // "500ms" must not be rounded up to a second here.
      const std::string& v = s->get();
      if (v.size() > 2 && v.compare(v.size() - 2, 2, "ms") == 0) {
        try {
          std::size_t used = 0;
          const long long ms = std::stoll(v.substr(0, v.size() - 2), &used);
          if (used == v.size() - 2 && ms >= 0) return std::chrono::milliseconds(ms);
        } catch (const std::exception&) {
        }
      }
    }
    if (const auto* i = n->as_integer(); i != nullptr && i->get() == 0) {
      return std::chrono::milliseconds(0);
    }
    auto d = duration(t, prefix, key);
    if (!d) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  }
  const toml::table* table(const toml::table& t, std::string_view prefix, std::string_view key) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return nullptr;
    if (const auto* tt = n->as_table()) return tt;
    problem(n, join(prefix, key), "expected a table");
    return nullptr;
  }

  bool ok() const { return problems_.empty(); }
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
    return Error::make("config", std::string(file_name) + ":" +
                                     std::to_string(e.source().begin.line) + ":" +
                                     std::to_string(e.source().begin.column) + ": " +
                                     std::string(e.description()));
  }
}

Result<std::string> read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error::make("config", file.string() + ": cannot read the file");
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes) {
      return Error::make("config", file.string() + ": file too large (limit " +
                                       std::to_string(kMaxConfigBytes) + " bytes)");
    }
  }
  return text;
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
  if (auto v = c.duration_ms(t, prefix, "per_host_delay")) p.per_host_min_delay = *v;
  if (auto v = c.duration_ms(t, prefix, "connect_timeout")) p.connect_timeout = *v;
  if (auto v = c.duration_ms(t, prefix, "timeout")) p.total_timeout = *v;
  if (auto v = c.integer(t, prefix, "max_body_bytes", 1024, std::int64_t{4} << 30))
    p.max_body_bytes = static_cast<std::size_t>(*v);
  if (auto v = c.integer(t, prefix, "max_redirects", 0, 50)) p.max_redirects = static_cast<long>(*v);
  if (auto v = c.integer(t, prefix, "max_attempts", 1, 20)) p.max_attempts = static_cast<int>(*v);
  if (auto v = c.duration_ms(t, prefix, "backoff")) p.backoff_base = *v;
  if (auto v = c.duration_ms(t, prefix, "max_retry_after")) p.max_retry_after = *v;
  if (auto v = c.boolean(t, prefix, "honour_robots")) p.honour_robots = *v;
  if (auto v = c.boolean(t, prefix, "allow_file")) p.allow_file = *v;
  if (auto v = c.string(t, prefix, "proxy")) p.proxy = *v;
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
                       "max_in_flight", "rank", "fetch", "config"});
    if (auto v = c.string(t, prefix, "name")) job.name = *v;
  } else {
    c.only(t, prefix, {"connector", "enabled", "every", "cron", "jitter", "max_items",
                       "max_in_flight", "rank", "fetch", "config"});
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
  if (auto v = c.duration(t, prefix, "every")) job.schedule.every = *v;
  if (auto v = c.string(t, prefix, "cron")) {
    auto cron = CronExpression::parse(*v);
    if (cron) job.schedule.cron = std::move(*cron);
    else c.problem(t.get("cron"), Checker::join(prefix, "cron"), cron.error().message);
  }
  if (t.get("every") != nullptr && t.get("cron") != nullptr) {
    c.problem(t.get("cron"), Checker::join(prefix, "cron"), "give either every or cron, not both");
  }
  if (auto v = c.duration(t, prefix, "jitter")) job.schedule.jitter = *v;
  if (auto v = c.integer(t, prefix, "max_items", 1, 10'000'000)) job.max_items = static_cast<std::size_t>(*v);
  if (auto v = c.integer(t, prefix, "max_in_flight", 1, 1024)) job.max_in_flight = static_cast<std::size_t>(*v);
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
  if (const toml::table* cfg = c.table(t, prefix, "config")) job.config = toml_to_json(*cfg);
}

}  // namespace

const JobConfig* DaemonConfig::find_job(std::string_view name) const {
  for (const auto& j : jobs) {
    if (j.name == name) return &j;
  }
  return nullptr;
}

Result<DaemonConfig> parse_daemon_config(std::string_view toml_text, std::string_view file_name,
                                         const std::filesystem::path& base_dir) {
  auto parsed = parse_toml(toml_text, file_name);
  if (!parsed) return std::move(parsed).error();
  const toml::table& root = *parsed;
  Checker c{std::string(file_name)};
  DaemonConfig cfg;
  cfg.file = std::string(file_name);
  c.only(root, "", {"store", "http", "plugins", "daemon", "fetch", "changes", "webhooks", "jobs", "sinks"});

  if (const toml::table* t = c.table(root, "", "store")) {
    c.only(*t, "store", {"url"});
    if (auto v = c.string(*t, "store", "url")) {
      std::string url = *v;
      const bool pg = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
      if (!pg) {
        std::string path = url.rfind("sqlite:", 0) == 0 ? url.substr(7) : url;
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
    c.only(*t, "plugins", {"dir"});
    if (auto v = c.string(*t, "plugins", "dir")) {
      std::filesystem::path p(*v);
      cfg.plugin_dir = (p.is_relative() ? (base_dir / p).lexically_normal() : p).string();
    }
  }
  if (const toml::table* t = c.table(root, "", "http")) {
    c.only(*t, "http", {"listen", "reads_public", "tokens_env", "tokens_file", "max_body_bytes",
                        "request_timeout", "max_connections"});
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
    if (auto v = c.duration(*t, "http", "request_timeout")) cfg.http.request_timeout = *v;
    if (auto v = c.integer(*t, "http", "max_connections", 1, 100000))
      cfg.http.max_connections = static_cast<std::size_t>(*v);
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
    if (auto v = c.duration(*t, "daemon", "lease_ttl")) cfg.lease_ttl = *v;
    if (auto v = c.integer(*t, "daemon", "workers", 1, 64)) cfg.workers = static_cast<std::size_t>(*v);
    if (auto v = c.duration(*t, "daemon", "shutdown_grace")) cfg.shutdown_grace = *v;
  }
  if (const toml::table* t = c.table(root, "", "changes")) {
    c.only(*t, "changes", {"retention", "stream_stall_timeout"});
    if (auto v = c.duration_ms(*t, "changes", "stream_stall_timeout")) cfg.stream_stall_timeout = *v;
    if (auto v = c.duration(*t, "changes", "retention")) cfg.changes_retention = *v;
  }
  if (const toml::table* t = c.table(root, "", "webhooks")) {
    c.only(*t, "webhooks", {"allow_private_targets", "max_attempts", "timeout", "backoff"});
    if (auto v = c.integer(*t, "webhooks", "max_attempts", 1, 100)) cfg.webhooks_max_attempts = static_cast<int>(*v);
    if (auto v = c.duration_ms(*t, "webhooks", "timeout")) cfg.webhooks_timeout = *v;
    if (auto v = c.duration_ms(*t, "webhooks", "backoff")) cfg.webhooks_backoff = *v;
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
      if (const toml::table* cfgt = c.table(*st, prefix, "config")) sink.config = toml_to_json(*cfgt);
      cfg.sinks.push_back(std::move(sink));
    }
    std::sort(cfg.sinks.begin(), cfg.sinks.end(),
              [](const SinkConfig& a, const SinkConfig& b) { return a.line < b.line; });
  }
  if (!c.ok()) return c.error();
  return cfg;
}

Result<DaemonConfig> load_daemon_config(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) return std::move(text).error();
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(file, ec);
  if (ec) abs = file;
  return parse_daemon_config(*text, file.string(), abs.parent_path());
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

std::vector<std::string> check_jobs_against_plugins(const std::vector<JobConfig>& jobs,
                                                    const PluginRegistry& registry) {
  std::vector<std::string> out;
  for (const JobConfig& job : jobs) {
    const std::string where = job.file + ":" + std::to_string(job.line) + ": jobs." + job.name;
    const PluginInfo* info = registry.find(job.connector);
    if (info == nullptr) {
      std::string known;
      for (const PluginInfo* p : registry.plugins()) known += (known.empty() ? "" : ", ") + p->name;
      out.push_back(where + ".connector: no plugin named '" + job.connector + "' (loaded: " +
                    (known.empty() ? "none" : known) + ")");
      continue;
    }
    auto valid = validate_config(*info, job.config);
    if (!valid) {
      std::stringstream ss(valid.error().message);
      std::string line;
      while (std::getline(ss, line)) out.push_back(where + ".config: " + line);
    }
  }
  return out;
}

std::vector<std::string> check_sinks_against_plugins(const std::vector<SinkConfig>& sinks,
                                                     const PluginRegistry& registry) {
  std::vector<std::string> out;
  for (const SinkConfig& sink : sinks) {
    const std::string where = sink.file + ":" + std::to_string(sink.line) + ": sinks." + sink.name;
    const PluginInfo* info = registry.find(sink.plugin);
    if (info == nullptr) {
      out.push_back(where + ".plugin: no plugin named '" + sink.plugin + "'");
      continue;
    }
    if (info->kind != PluginKind::sink) {
      out.push_back(where + ".plugin: '" + sink.plugin + "' is a source connector, not a sink");
      continue;
    }
    auto valid = validate_config(*info, sink.config);
    if (!valid) {
      std::stringstream ss(valid.error().message);
      std::string line;
      while (std::getline(ss, line)) out.push_back(where + ".config: " + line);
    }
  }
  return out;
}

}  // namespace conventiond
