// `conventiond connector`: the integrator's test kit. `test` runs one connector against saved
// responses (or the network) and prints what it emits as JSON lines; `new` writes an
// out-of-tree connector project. docs/writing-a-connector.md.
#include "cli_connector.hpp"

#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>

#include <toml++/toml.h>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/plugin_host/install_layout.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/plugin_host/toml_config.hpp>
#include <conventiond/testkit/connector_test.hpp>
#include <conventiond/testkit/fetch_responder.hpp>
#include <conventiond/testkit/replay.hpp>

#include "scaffold.hpp"

namespace conventiond::app {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: conventiond connector test PLUGIN --config FILE [options]\n"
    "       conventiond connector new NAME [--dir DIR]\n"
    "test: runs one connector and prints every message it emits as JSON lines on stdout\n"
    "  PLUGIN              a plugin name (looked up in the plugin directory) or a .so file\n"
    "  --config FILE       a job file (connector = ..., [config]) or a TOML of the\n"
    "                      connector's settings alone\n"
    "  --replay DIR|FILE   answer requests from saved responses (a replay folder or a HAR\n"
    "                      1.2 file), never from the network\n"
    "  --record DIR        a live run that saves every response in DIR (replay folder)\n"
    "  --plugin-dir DIR    plugin directory (default: the build's)\n"
    "  --max-requests N    requests answered at most (default 1000)\n"
    "  --no-extract        documents are not run through the core extraction\n"
    "  exit status: 0 every request answered and every call succeeded, 1 a request had no\n"
    "  saved response or a call of the connector failed, 2 usage, config or plugin error\n"
    "new: writes DIR/NAME (default DIR: .), a connector project built against the installed\n"
    "  SDK: CMakeLists.txt, connector.cpp, README.md, job.toml, replay/\n";

struct TestArgs {
  std::string plugin;
  std::string config;
  std::string replay;
  std::string record;
  std::string plugin_dir;
  std::size_t max_requests = 1000;
  bool extract = true;
};

bool looks_like_path(const std::string& plugin) {
  return plugin.find('/') != std::string::npos ||
         (plugin.size() > 3 && plugin.compare(plugin.size() - 3, 3, ".so") == 0);
}

// The connector's config, from a job file or a TOML of its settings alone.
struct LoadedConfig {
  std::string connector;  // "" when the file names none
  boost::json::object config;
  FetchPolicy fetch;
  std::string rank;
};

Result<LoadedConfig> load_connector_config(const std::string& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return Error::make("config", file +
                                     ": no such file (a job file or a TOML of the connector's "
                                     "settings)");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error::make("config", file + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  toml::table table;
  try {
    table = toml::parse(text.str(), file);
  } catch (const toml::parse_error& e) {
    return Error::make("config", file + ":" + std::to_string(e.source().begin.line) + ":" +
                                     std::to_string(e.source().begin.column) + ": " +
                                     std::string(e.description()));
  }
  LoadedConfig out;
  if (table.contains("connector")) {  // a job file, read as `run` reads it
    auto job = load_job_file(file, FetchPolicy{});
    if (!job) return job.error();
    out.connector = job->connector;
    out.config = std::move(job->config);
    out.fetch = job->fetch;
    out.rank = job->rank;
    return out;
  }
  out.config = toml_to_json(table);
  return out;
}

int connector_test(const TestArgs& a, std::ostream& out, std::ostream& err) {
  const std::string prefix = "conventiond connector test: ";
  auto config = load_connector_config(a.config);
  if (!config) {
    err << prefix << config.error().message << "\n";
    return 2;
  }
  std::optional<testkit::ReplaySet> replay;
  if (!a.replay.empty()) {
    auto loaded = testkit::ReplaySet::load(a.replay);
    if (!loaded) {
      err << prefix << loaded.error().message << "\n";
      return 2;
    }
    replay = std::move(*loaded);
  }

  testkit::ConnectorTestOptions options;
  options.max_requests = a.max_requests;
  options.extract = a.extract;
  options.rank = config->rank;
  testkit::ConnectorTest test([&out](std::string_view line) { out << line << "\n"; }, options);

  PluginRegistry registry(test.host_services());
  std::string name = a.plugin;
  if (looks_like_path(a.plugin)) {
    if (!registry.load_file(a.plugin)) {
      for (const LoadError& e : registry.errors()) err << prefix << e.line() << "\n";
      return 2;
    }
    name = registry.plugins().back()->name;
  } else {
    const std::string dir =
        a.plugin_dir.empty() ? install_layout().plugin_dir.string() : a.plugin_dir;
    registry = PluginRegistry::load_directory(dir, test.host_services());
    if (registry.find(name) == nullptr) {
      std::string found;
      for (const PluginInfo* p : registry.plugins()) found += (found.empty() ? "" : ", ") + p->name;
      err << prefix << "no plugin named '" << name << "' in " << dir
          << " (found: " << (found.empty() ? "none" : found) << ")\n";
      for (const LoadError& e : registry.errors()) err << "plugin load error: " << e.line() << "\n";
      return 2;
    }
  }
  const PluginInfo* info = registry.find(name);
  if (info->kind != PluginKind::source) {
    err << prefix << "plugin '" << name << "' is not a source connector\n";
    return 2;
  }
  if (!config->connector.empty() && config->connector != name) {
    err << prefix << a.config << " is a job of connector '" << config->connector << "', not of '"
        << name << "'\n";
    return 2;
  }
  if (auto problems = registry.check_config(name, config->config); !problems.empty()) {
    for (const std::string& p : problems) err << a.config << ": " << p << "\n";
    return 2;
  }
  auto instance = registry.create_instance(name, config->config);
  if (!instance) {
    err << prefix << instance.error().message << "\n";
    return 2;
  }

  std::optional<testkit::ReplayRecorder> recorder;
  if (!a.record.empty()) {
    auto created = testkit::ReplayRecorder::create(a.record);
    if (!created) {
      err << prefix << created.error().message << "\n";
      return 2;
    }
    recorder = std::move(*created);
  }
  boost::asio::io_context io;
  std::optional<Fetcher> fetcher;
  testkit::Responder respond;
  if (replay) {
    respond = [&replay](const sdk::Request& r) { return replay->answer(r.method, r.url, r.body); };
  } else {
    fetcher.emplace(io, config->fetch);
    respond = testkit::fetch_responder(io, *fetcher, recorder ? &*recorder : nullptr,
                                       [&err](const Error& e) { err << e.message << "\n"; });
  }
  const testkit::ConnectorTestReport report = test.run(*instance, respond);
  if (recorder) {
    if (Status st = recorder->finish(); !st) {
      err << prefix << st.error().message << "\n";
      return 1;
    }
    err << "recorded " << recorder->size() << " response(s) in " << a.record << "\n";
  }
  if (report.missing > 0) {
    err << prefix << report.missing << " request(s) without a saved response in " << a.replay
        << ":\n";
    for (const std::string& m : report.missing_urls) err << "  " << m << "\n";
  }
  if (report.call_failures > 0) {
    err << prefix << report.call_failures << " call(s) of plugin '" << name << "' failed\n";
  }
  return report.ok() ? 0 : 1;
}

int parse_test_args(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  TestArgs a;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](std::string& into) {
      if (i + 1 >= args.size()) {
        err << "conventiond connector test: " << arg << " needs a value\n" << kUsage;
        return false;
      }
      into = args[++i];
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return 0;
    } else if (arg == "--config") {
      if (!value(a.config)) return 2;
    } else if (arg == "--replay") {
      if (!value(a.replay)) return 2;
    } else if (arg == "--record") {
      if (!value(a.record)) return 2;
    } else if (arg == "--plugin-dir") {
      if (!value(a.plugin_dir)) return 2;
    } else if (arg == "--max-requests") {
      std::string v;
      if (!value(v)) return 2;
      try {
        a.max_requests = static_cast<std::size_t>(std::stoul(v));
      } catch (const std::exception&) {
        err << "conventiond connector test: --max-requests: '" << v << "' is not a number\n";
        return 2;
      }
    } else if (arg == "--no-extract") {
      a.extract = false;
    } else if (!arg.empty() && arg[0] == '-') {
      err << "conventiond connector test: unknown option '" << arg << "'\n" << kUsage;
      return 2;
    } else if (a.plugin.empty()) {
      a.plugin = arg;
    } else {
      err << "conventiond connector test: one plugin at a time ('" << arg << "' is extra)\n";
      return 2;
    }
  }
  if (a.plugin.empty() || a.config.empty()) {
    err << "conventiond connector test: "
        << (a.plugin.empty() ? "which plugin?" : "--config FILE is needed") << "\n"
        << kUsage;
    return 2;
  }
  if (!a.replay.empty() && !a.record.empty()) {
    err << "conventiond connector test: --replay and --record exclude each other\n";
    return 2;
  }
  return connector_test(a, out, err);
}

int connector_new(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string name;
  std::string dir = ".";
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--dir" && i + 1 < args.size()) {
      dir = args[++i];
    } else if (args[i] == "--help" || args[i] == "-h") {
      out << kUsage;
      return 0;
    } else if (name.empty() && !args[i].empty() && args[i][0] != '-') {
      name = args[i];
    } else {
      err << "conventiond connector new: unexpected argument '" << args[i] << "'\n" << kUsage;
      return 2;
    }
  }
  auto written = write_connector_project(name, dir);
  if (!written) {
    err << "conventiond connector new: " << written.error().message << "\n";
    return written.error().code == "io" ? 1 : 2;
  }
  const std::string d = written->string();
  out << "wrote " << d << "/: CMakeLists.txt, connector.cpp, README.md, job.toml, replay/\n"
      << "next:\n"
      << "  cmake -S " << d << " -B " << d
      << "/build -DCMAKE_PREFIX_PATH=<where the SDK is installed>\n"
      << "  cmake --build " << d << "/build\n"
      << "  conventiond connector test " << d << "/build/plugins/" << name << ".so --config " << d
      << "/job.toml --replay " << d << "/replay\n";
  return 0;
}

}  // namespace

int run_connector_command(const std::vector<std::string>& args, std::ostream& out,
                          std::ostream& err) {
  const std::string sub = args.empty() ? "" : args[0];
  if (sub == "test") return parse_test_args(args, out, err);
  if (sub == "new") return connector_new(args, out, err);
  if (sub == "--help" || sub == "-h" || sub == "help") {
    out << kUsage;
    return 0;
  }
  err << (sub.empty() ? std::string("conventiond connector: test or new?\n")
                      : "conventiond connector: unknown subcommand '" + sub + "'\n")
      << kUsage;
  return 2;
}

}  // namespace conventiond::app
