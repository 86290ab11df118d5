#pragma once
// The daemon's configuration file (TOML) and single-job files, validated as a whole: every
// problem is reported at once, one line each, as "FILE:LINE:COLUMN: KEY: problem", and nothing
// is started on an invalid config. docs/configuration.md is the reference of every key.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include <conventiond/config/schedule.hpp>
#include <conventiond/fetch/fetcher.hpp>
#include <conventiond/log.hpp>
#include <conventiond/result.hpp>

namespace conventiond {

class PluginRegistry;
struct LoadError;

struct JobConfig {
  std::string name;       // [jobs.NAME]
  std::string connector;  // plugin name
  bool enabled = true;
  Schedule schedule;
  boost::json::object config;  // the plugin's config table, as JSON (validated by the plugin host)
  FetchPolicy fetch;           // the [fetch] defaults with the job's [jobs.NAME.fetch] overrides
  std::size_t max_items = 100'000;  // items (URLs) one run may touch
  std::size_t max_in_flight = 16;   // requests the runner keeps in the fetcher at once
  std::string rank;                 // default source rank of its documents ("" = connector's)
  // Known items last fetched longer ago than this are fetched again (conditional GET) at the
  // start of a run, even when the feed or listing that links them is unchanged.
  std::chrono::seconds recheck_after{3 * 24 * 3600};
  // How long a run keeps retrying items refused because robots.txt could not be read
  // (unreachable, timeout, 5xx) before failing them.
  std::chrono::milliseconds robots_retry{30'000};
  // Where the job was defined, for error messages.
  std::string file;
  std::string isolation;  // "process", "inline", or "" = [workers] isolation
  int line = 0;
  // Where each key of the config table is ("KEY" -> line, column), so that a plugin's
  // problem with a key points at it.
  std::map<std::string, std::pair<int, int>, std::less<>> config_positions;
};

// A sink: a plugin of kind sink that receives every change-log event ([sinks.NAME]).
struct SinkConfig {
  std::string name;    // [sinks.NAME]; its cursor is the consumer "sink:NAME"
  std::string plugin;  // the sink plugin ("kafka", "jsonl_sink", "postgres_table")
  bool enabled = true;
  std::size_t batch = 100;  // events per deliver() call
  boost::json::object config;
  std::string file;
  int line = 0;
  std::map<std::string, std::pair<int, int>, std::less<>> config_positions;  // as JobConfig's
};

struct HttpConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = any free port (tests)
  bool reads_public = true;   // GET routes without a token
  std::vector<std::string> tokens;  // admin bearer tokens, read from tokens_env / tokens_file
  std::string tokens_env;           // name of the environment variable holding the tokens
  std::string tokens_file;          // file with one token per line
  std::size_t max_body_bytes = 1u << 20;
  std::chrono::seconds request_timeout{30};
  std::size_t max_connections = 256;
  std::size_t max_connections_per_client = 32;  // from one client address; 0 = no limit
};

// [workers]: where connectors and the extraction run (docs/workers.md).
struct WorkersConfig {
  // "process" (worker processes: a crashing connector or parser costs one item) or "inline"
  // (in the calling process: for debugging, and for embedders that cannot start workers).
  std::string isolation = "process";
  std::size_t count = 0;             // worker processes; 0 = one per core
  std::size_t memory_limit_mib = 512;
  std::chrono::seconds cpu_limit{30};     // CPU time per item
  std::chrono::seconds item_timeout{60};  // wall-clock time per item
};

struct DaemonConfig {
  std::string file;  // the config file (absolute)
  std::string store_url = "sqlite:conventiond.db";  // relative sqlite paths: from the file's dir
  // [plugins] dirs (or dir), absolute: searched after the shipped plugin directory, which is
  // always loaded (install_layout.hpp); a plugin name in two files is a config error.
  std::vector<std::string> plugin_dirs;
  HttpConfig http;
  std::size_t workers = 2;                 // job runs at once
  std::chrono::seconds shutdown_grace{30};  // SIGTERM: how long running items may finish
  // Several daemons on one database: a run's lease lasts this long unless renewed; a daemon
  // that dies has its runs taken over by another once their leases expire.
  std::chrono::seconds lease_ttl{60};
  std::chrono::seconds changes_retention{30 * 86400};
  std::chrono::milliseconds stream_stall_timeout{10'000};  // SSE: a non-reading subscriber is dropped
  bool webhooks_allow_private = false;     // webhook URLs on loopback / private networks
  int webhooks_max_attempts = 0;  // > 0: failed attempts of one event before a dead letter
  std::chrono::milliseconds webhooks_timeout{10'000};
  std::chrono::milliseconds webhooks_backoff{1'000};
  std::chrono::milliseconds webhooks_max_backoff{3'600'000};
  std::chrono::milliseconds webhooks_retry_window{72 * 3'600'000};  // then a dead letter
  std::optional<std::string> webhooks_secret_key_file;  // keys sealing webhook secrets
  WorkersConfig worker_processes;          // [workers]
  LogLevel log_level = LogLevel::info;     // [log] level (--log-level overrides it)
  LogFormat log_format = LogFormat::text;  // [log] format (--log-format overrides it)
  FetchPolicy fetch;                       // defaults of every job
  std::vector<JobConfig> jobs;             // in file order
  std::vector<SinkConfig> sinks;           // in file order

  const JobConfig* find_job(std::string_view name) const;
};

// Parses and validates a daemon config (error code "config", one line per problem).
Result<DaemonConfig> load_daemon_config(const std::filesystem::path& file);
Result<DaemonConfig> parse_daemon_config(std::string_view toml_text, std::string_view file_name,
                                         const std::filesystem::path& base_dir);

// A single-job file: the keys of one [jobs.NAME] table at the top level, plus `name`
// (default: the file's stem). `defaults` gives the fetch policy the job's [fetch] overrides.
Result<JobConfig> load_job_file(const std::filesystem::path& file, const FetchPolicy& defaults);
Result<JobConfig> parse_job_file(std::string_view toml_text, std::string_view file_name,
                                 const FetchPolicy& defaults);

// Checks each job's connector exists, is a source, and its config passes the plugin's schema
// and the plugin's own check in a dry run (PluginRegistry::check_config: an invalid regular
// expression, enum value or date is found here, not when the job runs). Returns the
// problems, one line each ("FILE:LINE: jobs.NAME.config: ..."), empty when fine.
std::vector<std::string> check_jobs_against_plugins(const std::vector<JobConfig>& jobs,
                                                    const PluginRegistry& registry);
// The same for sinks: the plugin exists, is a sink, and its config passes its schema.
std::vector<std::string> check_sinks_against_plugins(const std::vector<SinkConfig>& sinks,
                                                     const PluginRegistry& registry);

// The problem line of a plugin name found in two files (a LoadError with duplicate_of).
std::string plugins_problem(const LoadError& duplicate);

// The plugin directories of a config: shipped first, then [plugins] dirs.
std::vector<std::filesystem::path> plugin_directories(const std::filesystem::path& shipped,
                                                      const DaemonConfig& config);

// What `conventiond check-config FILE` reports: every problem of the file, its jobs and its
// sinks in one pass — the file's own checks (all sections, whatever fails), then each job's
// and sink's plugin check, even when the file has other problems. A syntax error stops the
// reading of the file (nothing after it can be parsed) and is the only problem then.
struct ConfigCheck {
  bool job_file = false;                   // FILE was checked as a single-job file
  std::vector<std::string> problems;       // one line each, control characters escaped
  std::vector<std::string> plugin_errors;  // plugin files that did not load ("FILE: problem")
  std::size_t jobs = 0;
  std::size_t sinks = 0;
  std::string store_url;  // a daemon config's store (empty for a job file)

  bool ok() const noexcept { return problems.empty(); }
};

// Checks file, a daemon config or a single-job file (told apart by its top-level keys: a job
// file has job keys such as `connector` and none of the daemon's sections). A directory, a
// FIFO or anything but a regular file is a problem, never opened. Plugins are loaded from
// default_plugin_dir (the shipped one; plugin_dir_override instead when not empty), then from
// the config's [plugins] dirs; a plugin name found in two files is a problem naming both.
ConfigCheck check_config_file(const std::filesystem::path& file,
                              const std::string& plugin_dir_override,
                              const std::string& default_plugin_dir);

}  // namespace conventiond
