// API and merge benchmarks (issue 6).
//
//   build/bench/api_bench api [--connections 64] [--seconds 5]
//       GET /v1/conventions/{id} against an in-process daemon on SQLite (101 conventions):
//       requests/s and latency percentiles, with N keep-alive client connections (libcurl).
//   build/bench/api_bench merge [--store URL] [--documents 2000]
//       commits observations of N documents about 101 départements, then merges them into the
//       conventions: observations/s of the merge (and of the commits) on SQLite or PostgreSQL
//       (--store postgresql://...; scripts/pg-test-server.sh start DIR gives one).
//   build/bench/api_bench serve [--conventions N] [--dir DIR]
//       a daemon with N conventions for wrk, beside nginx on the same bytes
//       (bench/api_vs_nginx.sh runs the whole comparison).

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/daemon/daemon.hpp>
#include <conventiond/departements.hpp>
#include <conventiond/harvest/conventions.hpp>
#include <conventiond/merge/merge.hpp>
#include <conventiond/store/open_store.hpp>

namespace fs = std::filesystem;
using namespace conventiond;
using Clock = std::chrono::steady_clock;

namespace {

Observation make_observation(const Departement& d, int doc, int variant) {
  Observation o;
  o.facts.departement = std::string(d.code);
  o.facts.signed_on = Date{2019, 6 + variant % 3, 1 + doc % 27};
  o.facts.period = Period{2019, 2021};
  o.facts.signatories = {Signatory{"Préfet " + std::to_string(variant), Role::prefet},
                         Signatory{"Président " + std::string(d.name), Role::president_departement}};
  for (int y = 2019; y <= 2021; ++y) {
    o.facts.funding.push_back(FundingLine{Funder::etat, y, 1'000'000 + 10'000 * (doc % 7), Qualifier::exact, false});
    o.facts.funding.push_back(FundingLine{Funder::departement, y, 900'000 + 10'000 * (doc % 5), Qualifier::about, false});
  }
  o.facts.measures = {Measure::sorties_ase, Measure::premier_accueil, Measure::referent_parcours};
  o.source.url = "https://www.example.gouv.fr/" + std::string(d.code) + "/doc-" + std::to_string(doc) + ".html";
  o.source.title = "Communiqué " + std::to_string(doc);
  o.source.media_type = "text/html";
  o.source.fetched_at = "2026-11-25T10:00:00Z";
  o.source.content_hash = "sha256:" + std::string(64 - std::to_string(doc).size(), '0') + std::to_string(doc);
  o.source.connector = "bench";
  o.source.rank = variant % 2 == 0 ? SourceRank::official_release : SourceRank::news;
  return o;
}

int merge_bench(const std::string& store_url, int documents) {
  auto store = open_store(store_url);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  auto run = (*store)->start_run("bench-merge-" + std::to_string(::getpid()));
  if (!run) {
    std::fprintf(stderr, "%s\n", run.error().message.c_str());
    return 1;
  }
  const auto deps = all_departements();
  const auto t0 = Clock::now();
  for (int doc = 0; doc < documents; ++doc) {
    const Departement& d = deps[static_cast<std::size_t>(doc) % deps.size()];
    Observation o = make_observation(d, doc, doc / static_cast<int>(deps.size()));
    ItemRecord item;
    item.url = o.source.url;
    item.status = ItemStatus::new_item;
    item.http_status = 200;
    item.content_hash = o.source.content_hash;
    item.document = DocumentRecord{o.source.url, o.source.content_hash, "text/html", o.source.title, o.source.fetched_at};
    ItemOutput out;
    out.observations.push_back(std::move(o));
    if (Status s = (*store)->commit_item(*run, item, out); !s) {
      std::fprintf(stderr, "%s\n", s.error().message.c_str());
      return 1;
    }
  }
  const auto t1 = Clock::now();
  auto stats = merge_run_conventions(**store, *run);
  const auto t2 = Clock::now();
  if (!stats) {
    std::fprintf(stderr, "%s\n", stats.error().message.c_str());
    return 1;
  }
  const double commit_s = std::chrono::duration<double>(t1 - t0).count();
  const double merge_s = std::chrono::duration<double>(t2 - t1).count();
  std::printf("merge on %s: %d observations of %zu départements\n",
              store_url.rfind("sqlite:", 0) == 0 ? "SQLite" : "PostgreSQL", documents, deps.size());
  std::printf("  commit (one transaction per item): %.2f s, %.0f items/s\n", commit_s, documents / commit_s);
  std::printf("  merge + save: %.2f s, %.0f observations/s, %zu conventions (%zu changed)\n", merge_s,
              documents / merge_s, stats->merged, stats->changed);
  (void)(*store)->finish_run(*run);
  return 0;
}

size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

// One run of one observation per département, merged: a convention each.
void seed_one_per_departement(Store& store) {
  auto run = store.start_run("seed");
  int doc = 0;
  for (const Departement& d : all_departements()) {
    Observation o = make_observation(d, doc++, 0);
    ItemRecord item;
    item.url = o.source.url;
    item.content_hash = o.source.content_hash;
    item.document = DocumentRecord{o.source.url, o.source.content_hash, "text/html", o.source.title, o.source.fetched_at};
    ItemOutput out;
    out.observations.push_back(std::move(o));
    (void)store.commit_item(*run, item, out);
  }
  (void)merge_run_conventions(store, *run);
  (void)store.finish_run(*run);
}

int api_bench(int connections, int seconds) {
  const fs::path dir = fs::temp_directory_path() / ("api-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string db = (dir / "bench.db").string();
  {
    auto store = open_store("sqlite:" + db);
    if (!store) return 1;
    seed_one_per_departement(**store);
  }
  auto cfg = parse_daemon_config("[store]\nurl = \"sqlite:" + db + "\"\n[http]\nlisten = \"127.0.0.1:0\"\nmax_connections = 1024\nmax_connections_per_client = 0\n",
                                 "bench.toml", dir);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message.c_str());
    return 1;
  }
  DaemonOptions o;
  o.handle_signals = false;
  o.log = [](std::string_view) {};
  std::promise<void> ready;
  o.on_ready = [&ready] { ready.set_value(); };
  auto daemon = Daemon::create(std::move(*cfg), o);
  if (!daemon) {
    std::fprintf(stderr, "%s\n", daemon.error().message.c_str());
    return 1;
  }
  std::thread server([&] { (*daemon)->run(); });
  ready.get_future().wait();
  const std::string base = "http://127.0.0.1:" + std::to_string((*daemon)->port()) + "/v1/conventions/pauvrete-2019:";
  std::vector<std::string> ids;
  for (const Departement& d : all_departements()) ids.emplace_back(d.code);
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(connections));
  std::atomic<long> errors{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < connections; ++c) {
    clients.emplace_back([&, c] {
      CURL* h = curl_easy_init();
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
      curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
      std::size_t i = static_cast<std::size_t>(c);
      while (!stop.load(std::memory_order_relaxed)) {
        const std::string url = base + ids[i++ % ids.size()];
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        const auto t = Clock::now();
        long status = 0;
        if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (status != 200) ++errors;
        latencies[static_cast<std::size_t>(c)].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
      }
      curl_easy_cleanup(h);
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : clients) t.join();
  (*daemon)->stop();
  server.join();
  std::vector<double> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all.empty() ? 0.0 : all[static_cast<std::size_t>(p * static_cast<double>(all.size() - 1))]; };
  std::printf("GET /v1/conventions/{id}: %d connections, %d s, SQLite, 101 conventions\n", connections, seconds);
  std::printf("  %zu requests, %.0f requests/s, %ld errors\n", all.size(), static_cast<double>(all.size()) / seconds, errors.load());
  std::printf("  latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n", pct(0.5), pct(0.9), pct(0.99), all.empty() ? 0.0 : all.back());
  fs::remove_all(dir);
  return 0;
}

size_t append_to(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string fetch(const std::string& url) {
  std::string body;
  CURL* h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_to);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  curl_easy_perform(h);
  curl_easy_cleanup(h);
  return body;
}

// api_bench serve --conventions N --dir DIR: a daemon on SQLite with N conventions (101 merged
// ones, then copies under other programmes), serving until SIGTERM/SIGINT; writes DIR/port and
// the bytes of GET /v1/conventions?limit=50 and /v1/conventions/pauvrete-2019:67 to
// DIR/www/list.json and DIR/www/one.json, for nginx to serve the same bytes
// (bench/api_vs_nginx.sh).
int serve_bench(int conventions, const std::string& out_dir) {
  const fs::path dir = out_dir;
  fs::create_directories(dir / "www");
  const std::string db = (dir / "bench.db").string();
  fs::remove(db);
  {
    auto store = open_store("sqlite:" + db);
    if (!store) return 1;
    seed_one_per_departement(**store);
    auto merged = (*store)->conventions();
    if (!merged) return 1;
    for (int k = 1; static_cast<int>(merged->size()) * k < conventions; ++k) {
      for (const Convention& m : *merged) {
        if (static_cast<int>(merged->size()) * k + static_cast<int>(&m - merged->data()) >= conventions) break;
        Convention c = m;
        c.programme = "bench-" + std::to_string(k);
        c.id = Convention::make_id(c.programme, c.facts.departement);
        if (auto saved = (*store)->save_convention(c); !saved) {
          std::fprintf(stderr, "%s\n", saved.error().message.c_str());
          return 1;
        }
      }
    }
  }
  auto cfg = parse_daemon_config("[store]\nurl = \"sqlite:" + db + "\"\n[http]\nlisten = \"127.0.0.1:0\"\nmax_connections = 1024\nmax_connections_per_client = 0\n",
                                 "bench.toml", dir);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message.c_str());
    return 1;
  }
  DaemonOptions o;
  o.log = [](std::string_view) {};
  Daemon* raw = nullptr;
  o.on_ready = [&raw, dir] {
    // Not on the daemon's thread: it must answer these requests.
    std::thread([base = "http://127.0.0.1:" + std::to_string(raw->port()), port = raw->port(), dir] {
      std::ofstream(dir / "www" / "list.json", std::ios::binary) << fetch(base + "/v1/conventions?limit=50");
      std::ofstream(dir / "www" / "one.json", std::ios::binary) << fetch(base + "/v1/conventions/pauvrete-2019:67");
      std::ofstream(dir / "port") << port << "\n";
      std::printf("serving on %s\n", base.c_str());
      std::fflush(stdout);
    }).detach();
  };
  auto daemon = Daemon::create(std::move(*cfg), o);
  if (!daemon) {
    std::fprintf(stderr, "%s\n", daemon.error().message.c_str());
    return 1;
  }
  raw = daemon->get();
  return (*daemon)->run();
}

}  // namespace

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const std::string mode = argc > 1 ? argv[1] : "api";
  int connections = 64, seconds = 5, documents = 2000, conventions = 101;
  std::string out_dir = (fs::temp_directory_path() / "api-vs-nginx").string();
  std::string store = "sqlite:" + (fs::temp_directory_path() / ("merge-bench-" + std::to_string(::getpid()) + ".db")).string();
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--connections") connections = std::stoi(argv[i + 1]);
    else if (a == "--seconds") seconds = std::stoi(argv[i + 1]);
    else if (a == "--documents") documents = std::stoi(argv[i + 1]);
    else if (a == "--store") store = argv[i + 1];
    else if (a == "--conventions") conventions = std::stoi(argv[i + 1]);
    else if (a == "--dir") out_dir = argv[i + 1];
  }
  if (mode == "merge") return merge_bench(store, documents);
  if (mode == "serve") return serve_bench(conventions, out_dir);
  return api_bench(connections, seconds);
}
