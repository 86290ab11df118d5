#pragma once
// The one list of conventiond's commands. `conventiond --help` (usage_text()) and the man page
// conventiond(1) (written at build time by man_pages.cpp) are both made from it, so they
// cannot drift: a new command is one entry here, and its dispatch in cli_main.cpp.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>

namespace conventiond::app {

struct CommandDoc {
  std::string_view name;         // the words that select it: "plugins list"
  std::string_view arguments;    // "[--plugin-dir DIR] [--json]"
  std::string_view summary;      // one line, for --help
  std::string_view description;  // a paragraph, for the man page (plain text)
  bool internal = false;         // started by conventiond itself: not in --help
};

inline constexpr std::array kCommands{
    CommandDoc{"extract", "PATH_OR_URL [--text]", "facts of one document as JSON",
               "Reads one document (HTML, PDF or text, sniffed from the bytes; an http(s) URL is "
               "fetched through the host's fetcher) and prints it as JSON: the document and a "
               "conventions array, each value with its evidence (quote, offsets, page, "
               "confidence, rule). --text prints the cleaned text with line offsets and page "
               "markers instead."},
    CommandDoc{"serve", "[--config FILE]", "the daemon: API and scheduled jobs",
               "The daemon: the HTTP API, the harvest jobs on their schedules, the merge into one "
               "record per convention, the change feed, webhooks and sinks. Without --config it "
               "reads /etc/conventiond/conventiond.toml (PREFIX/etc/conventiond/conventiond.toml "
               "for another prefix; config/conventiond.toml from the working directory for a "
               "binary in a build tree). SIGTERM and SIGINT stop it gracefully, SIGHUP reloads "
               "the jobs of its config. Under systemd (Type=notify) it reports READY=1 once "
               "listening with its jobs scheduled, pings the watchdog, and reports reloads and "
               "its stop."},
    CommandDoc{"status", "[--url URL] [--config FILE] [--token T]", "a running daemon: readiness, jobs and runs",
               "Asks a running daemon (URL, else the [http] listen address of the config, else "
               "http://127.0.0.1:8080) for its readiness, with the reason of each failed check "
               "(store, plugins, workers), and its jobs: schedule, the run in progress, the last "
               "run with its counts, the next run. A token (--token or CONVENTIOND_TOKEN, else "
               "the config's first) is sent when reads are not public. Exit status 0 ready, 1 not "
               "ready, 2 unreachable or usage error."},
    CommandDoc{"check-config", "FILE [--plugin-dir DIR]", "validate a config or job file: every problem",
               "Validates a daemon config or a single-job file and every job and sink against "
               "its plugin (schema, then a dry run of the plugin's own checks). Every problem is "
               "printed at once, one line each, as FILE:LINE:COLUMN: KEY: problem. --plugin-dir "
               "replaces the shipped plugin directory; the config's [plugins] dirs are still "
               "loaded. Exit status 0 valid, 2 invalid."},
    CommandDoc{"run", "JOB_FILE_OR_NAME [--config F]", "harvest one job once (progress, summary)",
               "One run of one job, given as a job file or as the name of a job of the config: "
               "a progress bar on a terminal, then a summary. Exit status 0 done, 1 run failed, "
               "2 usage or config error, 3 interrupted (the next run resumes it). "
               "conventiond run --help lists its options."},
    CommandDoc{"plugins list", "[--plugin-dir DIR] [--config FILE] [--json]",
               "the plugins found, with load errors",
               "Lists the plugins of the shipped plugin directory (or of DIR), then of the "
               "[plugins] dirs of the config (FILE; for an installed binary, else the default "
               "config when it exists): "
               "name, version, kind, ABI version and the file each was loaded from, then the "
               "files that did not load and the plugin names found in two files. Exit status 1 "
               "when a file did not load or a name is taken twice."},
    CommandDoc{"plugins describe", "NAME [--plugin-dir DIR] [--config FILE] [--json]",
               "a plugin's config keys",
               "A plugin's description and config keys: type, default, range, meaning. The "
               "plugin is looked for where plugins list looks."},
    CommandDoc{"connector test", "PLUGIN --config FILE [--replay DIR|HAR] [--record DIR]",
               "run one connector on saved responses",
               "Runs one connector (a plugin name or a path to its .so) with a job file or a "
               "TOML of its settings, answering its requests from saved responses (--replay: a "
               "replay folder with an index.json, or a HAR 1.2 file) or from the network "
               "(--record DIR saves them in the replay format), and prints every message it "
               "emits, and the observations extracted from its documents, as JSON lines. A "
               "request with no saved response is reported, never fetched. Exit status 0 all "
               "answered, 1 a response missing or a plugin call failed, 2 usage or input error. "
               "See docs/writing-a-connector.md."},
    CommandDoc{"connector new", "NAME [--dir DIR]", "write an out-of-tree connector project",
               "Writes a compilable connector project named NAME ([a-z][a-z0-9_]*) into DIR "
               "(default ./NAME): CMakeLists.txt using the installed SDK, the connector's source, "
               "a README of its config keys, a job file and a replay folder for connector test. "
               "An existing folder is never overwritten."},
    CommandDoc{"version", "", "print the version", "Prints conventiond's version."},
    CommandDoc{"worker", "--fd N --plugin-dir DIR...", "a supervised worker process",
               "A worker process, started by serve and run to run the connectors and the extraction "
               "(docs/workers.md); not meant to be run by hand.",
               true},
};

// `conventiond --help`.
inline std::string usage_text() {
  std::string text = "conventiond " CONVENTIOND_VERSION
                     " — harvests, extracts and publishes the conventions d'appui à la lutte "
                     "contre la pauvreté\n\nusage: conventiond COMMAND [ARGS]\n";
  for (const CommandDoc& c : kCommands) {
    if (c.internal) continue;
    std::string left = "  " + std::string(c.name);
    if (!c.arguments.empty()) left += " " + std::string(c.arguments);
    left.resize(std::max<std::size_t>(left.size() + 2, 38), ' ');
    text += left + std::string(c.summary) + "\n";
  }
  return text;
}

}  // namespace conventiond::app
