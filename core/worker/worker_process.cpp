// The worker process (`conventiond worker`): loads the plugins, then serves the tasks its
// parent sends over the channel, one at a time: "start" (a connector's first requests),
// "parse" (a response, whose body is the frame's raw body: the connector's messages come back,
// and the documents it emitted come back extracted, so the parsers run here; or, with
// "defer_extract", come back raw in the answer's body so that the parent spreads their
// extraction over the pool) and "extract" (one document, its bytes the frame's body: its
// observations come back). The parsers (poppler, gumbo) only ever run in a worker.
#include <conventiond/worker/worker_pool.hpp>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <list>
#include <new>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <conventiond/extract/extractor.hpp>
#include <conventiond/model/model_json.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/sdk/messages.hpp>
#include <conventiond/worker/frame.hpp>

#if defined(__SANITIZE_ADDRESS__)
#define CONVENTIOND_WORKER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONVENTIOND_WORKER_ASAN 1
#endif
#endif

namespace conventiond::worker {
namespace {

namespace json = boost::json;

constexpr int kExitNoMemory = 87;
constexpr std::size_t kMaxInstances = 8;

void out_of_memory() { std::_Exit(kExitNoMemory); }

std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Arms RLIMIT_CPU so that this item may use `seconds` more of CPU time (SIGXCPU after it).
void arm_cpu_limit(std::chrono::seconds seconds) {
  if (seconds.count() <= 0) return;
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  const auto used = static_cast<rlim_t>(u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1);
  rlimit lim{};
  ::getrlimit(RLIMIT_CPU, &lim);
  lim.rlim_cur = used + static_cast<rlim_t>(seconds.count());
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_cur > lim.rlim_max) lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_CPU, &lim);
}

// One document a connector emitted, extracted here: what the runner needs to commit it.
json::object extracted_document(const sdk::Document& doc, const std::string& fallback_url) {
  json::object out;
  const std::string url = doc.url.empty() ? fallback_url : doc.url;
  out["url"] = url;
  out["rank"] = doc.rank;
  auto extraction = extract_document(doc.body, doc.media_type, url);
  if (!extraction) {
    out["error"] = extraction.error().message;
    return out;
  }
  const std::string& hash = extraction->document.content_hash;
  out["hash"] = hash;
  out["media_type"] = extraction->document.media_type;
  const std::string title = doc.title.empty() ? extraction->document.title : doc.title;
  out["title"] = title;
  json::array observations;
  for (const Observation& o : observations_of(*extraction, url, title, hash)) {
    observations.push_back(to_json(o));
  }
  out["observations"] = std::move(observations);
  return out;
}

std::string message_json(const sdk::Message& m) {
  return std::visit([](const auto& x) { return sdk::to_json(x); }, m);
}

}  // namespace

int run_worker_process(int fd, const std::vector<std::string>& plugin_dirs,
                       const WorkerLimits& limits) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Ctrl-C and a SIGTERM sent to the whole process group or service are for the parent: it
  // stops its runs within their grace, then kills the workers still busy.
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
  if (::getppid() == 1) return 0;
  std::set_new_handler(&out_of_memory);
#ifndef CONVENTIOND_WORKER_ASAN
  // (Under AddressSanitizer the shadow memory needs terabytes of address space: the parent's
  // resident-memory watchdog is the limit then.)
  if (limits.memory_bytes > 0) {
    rlimit as{static_cast<rlim_t>(limits.memory_bytes), static_cast<rlim_t>(limits.memory_bytes)};
    ::setrlimit(RLIMIT_AS, &as);
  }
#endif
  std::vector<std::string> logs;
  HostServices services;
  services.log = [&logs](std::string_view plugin, sdk::LogLevel, std::string_view message) {
    if (logs.size() < 1000) logs.push_back(std::string(plugin) + ": " + std::string(message));
  };
  services.extract = [](std::string_view bytes, std::string_view media_type,
                        std::string_view url) -> Result<std::string> {
    auto e = extract_document(bytes, media_type, url);
    if (!e) return e.error();
    return json::serialize(to_json(*e));
  };
  PluginRegistry registry = PluginRegistry::load_directories(
      std::vector<std::filesystem::path>(plugin_dirs.begin(), plugin_dirs.end()), services);
  // Instances by plugin + config, most recently used first.
  std::list<std::pair<std::string, PluginInstance>> instances;

  while (true) {
    auto frame = read_frame(fd);
    if (!frame) return frame.error().code == "eof" ? 0 : 1;
    logs.clear();
    json::object reply;
    std::string body;  // the answer's raw bytes: deferred documents, one after the other
    boost::system::error_code ec;
    json::value parsed = json::parse(frame->header, ec);
    if (ec || !parsed.is_object()) return 1;
    const json::object& h = parsed.as_object();
    const std::string op = str(h, "op");
    if (op == "extract") {
      // One document: needs no plugin instance.
      arm_cpu_limit(limits.cpu_per_item);
      sdk::Document doc;
      doc.url = str(h, "url");
      doc.media_type = str(h, "media_type");
      doc.title = str(h, "title");
      doc.rank = str(h, "rank");
      doc.body = std::move(frame->body);
      // Fault injection for the process tests (docs/workers.md): a document whose bytes hold
      // $CONVENTIOND_WORKER_FAULT_EXTRACT crashes this worker, as a parser would.
      if (const char* fault = std::getenv("CONVENTIOND_WORKER_FAULT_EXTRACT");
          fault != nullptr && *fault != '\0' && doc.body.find(fault) != std::string::npos) {
        std::raise(SIGSEGV);
      }
      reply["ok"] = true;
      reply["document"] = extracted_document(doc, doc.url);
      reply["logs"] = json::array();
      if (!write_frame(fd, json::serialize(reply), {})) return 1;
      continue;
    }
    const std::string plugin = str(h, "plugin");
    const std::string config = str(h, "config");
    // "instance": the run's own instance (a pinned client's id), so that a worker serving
    // several runs of one job keeps their state apart, as inline runs do.
    const std::string key = plugin + '\n' + config + '\n' + str(h, "instance");
    auto it = std::find_if(instances.begin(), instances.end(),
                           [&](const auto& e) { return e.first == key; });
    PluginInstance* instance = nullptr;
    std::string error;
    if (it != instances.end()) {
      instances.splice(instances.begin(), instances, it);
      instance = &instances.front().second;
    } else {
      arm_cpu_limit(limits.cpu_per_item);
      auto made = registry.create_instance(plugin, config);
      if (!made) {
        error = made.error().message;
      } else {
        instances.emplace_front(key, std::move(*made));
        if (instances.size() > kMaxInstances) instances.pop_back();
        instance = &instances.front().second;
      }
    }
    Result<std::vector<sdk::Message>> messages = Error::make("worker", error);
    arm_cpu_limit(limits.cpu_per_item);
    if (instance != nullptr && op == "start") {
      messages = instance->start();
    } else if (instance != nullptr && op == "parse") {
      sdk::Response r;
      r.url = str(h, "url");
      if (const json::value* s = h.if_contains("status"); s != nullptr && s->is_int64()) {
        r.status = static_cast<int>(s->as_int64());
      }
      if (const json::value* hs = h.if_contains("headers"); hs != nullptr && hs->is_array()) {
        for (const json::value& pair : hs->as_array()) {
          if (pair.is_array() && pair.as_array().size() == 2 && pair.as_array()[0].is_string() &&
              pair.as_array()[1].is_string()) {
            r.headers.emplace_back(std::string(pair.as_array()[0].as_string()),
                                   std::string(pair.as_array()[1].as_string()));
          }
        }
      }
      r.body = std::move(frame->body);
      r.meta = str(h, "meta");
      messages = instance->parse(r);
    } else if (instance != nullptr) {
      messages = Error::make("worker", "unknown op '" + op + "'");
    }
    if (!messages) {
      reply["ok"] = false;
      reply["error"] = messages.error().message;
    } else {
      reply["ok"] = true;
      json::array out;
      json::array documents;
      json::array raw_documents;  // defer_extract: {url, media_type, title, rank, size}
      std::int64_t ignored = 0;
      const std::string fallback_url = str(h, "final_url");
      const json::value* defer = h.if_contains("defer_extract");
      const bool deferred = defer != nullptr && defer->is_bool() && defer->as_bool();
      for (sdk::Message& m : *messages) {
        if (auto* doc = std::get_if<sdk::Document>(&m)) {
          if (op == "start") {
            ++ignored;
          } else if (deferred) {
            raw_documents.push_back(json::object{
                {"url", doc->url.empty() ? fallback_url : doc->url},
                {"media_type", doc->media_type},
                {"title", doc->title},
                {"rank", doc->rank},
                {"size", static_cast<std::uint64_t>(doc->body.size())}});
            body += doc->body;
            doc->body.clear();
          } else {
            documents.push_back(extracted_document(*doc, fallback_url));
          }
          continue;
        }
        out.push_back(json::value(message_json(m)));
      }
      reply["messages"] = std::move(out);
      reply["documents"] = std::move(documents);
      if (!raw_documents.empty()) reply["raw_documents"] = std::move(raw_documents);
      reply["ignored_documents"] = ignored;
    }
    json::array log_lines;
    for (auto& l : logs) log_lines.push_back(json::value(l));
    reply["logs"] = std::move(log_lines);
    if (!write_frame(fd, json::serialize(reply), body)) return 1;
  }
}

}  // namespace conventiond::worker
