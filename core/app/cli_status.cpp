// `conventiond status`: what a running daemon is doing, without curl and jq: its readiness
// (GET /readyz, with the reason of each failed check) and its jobs (GET /v1/jobs: schedule,
// the run in progress, the last run with its counts, the next run).
#include "cli_status.hpp"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <ostream>
#include <string>

#include <boost/json.hpp>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/plugin_host/install_layout.hpp>

namespace conventiond::app {

namespace {

namespace json = boost::json;

constexpr const char* kStatusUsage =
    "usage: conventiond status [--url URL] [--config FILE] [--token TOKEN]\n"
    "  the readiness of a running daemon and its jobs: schedule, current and last run, next run.\n"
    "  URL: the daemon's address (default: [http] listen of the config, else\n"
    "  http://127.0.0.1:8080). TOKEN (or $CONVENTIOND_TOKEN): a bearer token, when reads are not\n"
    "  public. Exit status 0 ready, 1 not ready, 2 unreachable or usage error.\n";

struct Answer {
  long status = 0;
  std::string body;
  std::string error;  // libcurl's, when there was no answer
};

std::size_t append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

Answer get(const std::string& url, const std::string& token) {
  Answer a;
  CURL* c = curl_easy_init();
  if (c == nullptr) {
    a.error = "libcurl could not start";
    return a;
  }
  curl_slist* headers = nullptr;
  if (!token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE, 16L << 20);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
  } else {
    a.error = curl_easy_strerror(rc);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  return a;
}

std::optional<json::object> parse_object(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.as_object();
}

std::string text(const json::value* v) {
  if (v == nullptr || v->is_null()) return "-";
  if (v->is_string()) return std::string(v->as_string());
  return json::serialize(*v);
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  return s + " ";
}

std::int64_t count(const json::object& counts, std::string_view key) {
  const json::value* v = counts.if_contains(key);
  return v != nullptr && v->is_int64() ? v->as_int64() : 0;
}

}  // namespace

int run_status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string url;
  std::string config_file;
  const char* env_token = std::getenv("CONVENTIOND_TOKEN");
  std::string token = env_token != nullptr ? env_token : "";
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 < args.size()) return args[++i];
      err << "conventiond status: " << a << " needs a value\n" << kStatusUsage;
      return std::nullopt;
    };
    if (a == "--url" || a == "--config" || a == "--token") {
      auto v = value();
      if (!v) return 2;
      (a == "--url" ? url : a == "--config" ? config_file : token) = *v;
    } else if (a == "--help" || a == "-h") {
      out << kStatusUsage;
      return 0;
    } else {
      err << "conventiond status: unknown argument '" << a << "'\n" << kStatusUsage;
      return 2;
    }
  }
  if (url.empty()) {
    // The config's listen address: the one given, else the default config when it exists.
    const std::filesystem::path file =
        config_file.empty() ? install_layout().config_file : std::filesystem::path(config_file);
    std::error_code ec;
    if (!config_file.empty() || std::filesystem::exists(file, ec)) {
      auto cfg = load_daemon_config(file);
      if (!cfg) {
        err << cfg.error().message << "\nconventiond status: cannot read the daemon's address from "
            << file.string() << " (give --url)\n";
        return 2;
      }
      const std::string host = cfg->http.address == "0.0.0.0" || cfg->http.address.empty()
                                   ? "127.0.0.1"
                                   : cfg->http.address.find(':') != std::string::npos
                                         ? "[" + cfg->http.address + "]"
                                         : cfg->http.address;
      url = "http://" + host + ":" + std::to_string(cfg->http.port);
      if (token.empty() && !cfg->http.tokens.empty()) token = cfg->http.tokens.front();
    } else {
      url = "http://127.0.0.1:8080";
    }
  }
  while (!url.empty() && url.back() == '/') url.pop_back();

  const Answer ready = get(url + "/readyz", token);
  if (ready.status == 0) {
    err << "conventiond status: no daemon answers at " << url << ": " << ready.error << "\n";
    return 2;
  }
  const auto readiness = parse_object(ready.body);
  if (!readiness) {
    err << "conventiond status: " << url << "/readyz answered " << ready.status
        << " without the JSON of a conventiond daemon\n";
    return 2;
  }
  const bool is_ready = ready.status == 200;
  out << "conventiond at " << url << ": " << (is_ready ? "ready" : "NOT READY");
  if (const json::value* checks = readiness->if_contains("checks"); checks != nullptr && checks->is_object()) {
    std::string parts;
    for (const auto& [name, state] : checks->as_object()) {
      parts += (parts.empty() ? "" : ", ") + std::string(name) + " " + text(&state);
    }
    out << " (" << parts << ")";
  }
  out << "\n";

  const Answer jobs = get(url + "/v1/jobs", token);
  if (jobs.status == 401 || jobs.status == 403) {
    out << "jobs: the daemon wants a token to read them (--token or $CONVENTIOND_TOKEN)\n";
    return is_ready ? 0 : 1;
  }
  const auto listing = parse_object(jobs.body);
  const json::value* items = listing ? listing->if_contains("items") : nullptr;
  if (jobs.status != 200 || items == nullptr || !items->is_array()) {
    err << "conventiond status: " << url << "/v1/jobs answered " << jobs.status
        << (jobs.status == 0 ? ": " + jobs.error : std::string()) << "\n";
    return 2;
  }
  if (items->as_array().empty()) {
    out << "no job\n";
    return is_ready ? 0 : 1;
  }
  out << pad("job", 20) << pad("connector", 20) << pad("schedule", 16) << pad("now", 9)
      << pad("last run", 48) << "next run\n";
  for (const json::value& item : items->as_array()) {
    if (!item.is_object()) continue;
    const json::object& j = item.as_object();
    std::string schedule = text(j.if_contains("schedule"));
    if (const json::value* e = j.if_contains("enabled"); e != nullptr && e->is_bool() && !e->as_bool()) {
      schedule = "disabled";
    }
    const json::value* current = j.if_contains("current_run");
    const std::string now = current != nullptr && !current->is_null() ? "run " + text(current) : "idle";
    std::string last = "never";
    if (const json::value* l = j.if_contains("last_run"); l != nullptr && l->is_object()) {
      const json::object& r = l->as_object();
      last = "#" + text(r.if_contains("id")) + " " + text(r.if_contains("status"));
      if (const json::value* c = r.if_contains("counts"); c != nullptr && c->is_object()) {
        last += " " + std::to_string(count(c->as_object(), "total")) + " items, " +
                std::to_string(count(c->as_object(), "failed")) + " failed";
      }
      const json::value* at = r.if_contains("finished_at");
      if (at == nullptr || at->is_null()) at = r.if_contains("started_at");
      last += " " + text(at);
    }
    out << pad(text(j.if_contains("name")), 20) << pad(text(j.if_contains("connector")), 20)
        << pad(schedule, 16) << pad(now, 9) << pad(last, 48) << text(j.if_contains("next_run_at"))
        << "\n";
  }
  return is_ready ? 0 : 1;
}

}  // namespace conventiond::app
