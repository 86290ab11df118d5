// Harvest benchmark (issue 4): the press_releases connector harvests N pages and M PDFs from
// a loopback server through the whole chain (fetcher, plugin, core extraction, SQLite ledger,
// merge), with per-host limits off. Prints items/s and the peak RSS; run it with two sizes to
// see that memory does not grow with the number of items (see docs/benchmarks.md).
//
//   build/bench/harvest_bench [--pages 2000] [--pdfs 100] [--in-flight 16]

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <conventiond/harvest/conventions.hpp>
#include <conventiond/harvest/job_runner.hpp>
#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/store/sqlite_store.hpp>

#include "support/test_http_server.hpp"
#include "synthetic_documents.hpp"

namespace fs = std::filesystem;
using namespace conventiond;

namespace {

long peak_rss_kib(int who = RUSAGE_SELF) {
  rusage u{};
  getrusage(who, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  int pages = 2000;
  int pdfs = 100;
  std::size_t in_flight = 16;
  std::size_t workers = 0;  // > 0: isolation "process" with this many worker processes
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--pages") pages = std::stoi(argv[i + 1]);
    else if (a == "--pdfs") pdfs = std::stoi(argv[i + 1]);
    else if (a == "--in-flight") in_flight = static_cast<std::size_t>(std::stoul(argv[i + 1]));
    else if (a == "--workers") workers = static_cast<std::size_t>(std::stoul(argv[i + 1]));
  }

  test::TestHttpServer server;
  // Pages and PDFs are generated on request (a few templates), so the server holds little.
  std::vector<std::string> page_bodies;
  for (std::uint32_t s = 0; s < 50; ++s) page_bodies.push_back(bench::make_press_release_html(s));
  std::vector<std::string> pdf_bodies;
  for (std::uint32_t s = 0; s < 5; ++s) pdf_bodies.push_back(bench::make_convention_pdf(s, 13));
  server.route("/p/*", [&](const test::TestRequest& r) {
    const auto n = static_cast<std::size_t>(std::atoi(r.path.c_str() + 3));
    return test::TestResponse{200, {{"Content-Type", "text/html; charset=utf-8"}},
                              page_bodies[n % page_bodies.size()] + "<!-- " + r.path + " -->"};
  });
  server.route("/d/*", [&](const test::TestRequest& r) {
    const auto n = static_cast<std::size_t>(std::atoi(r.path.c_str() + 3));
    return test::TestResponse{200, {{"Content-Type", "application/pdf"}},
                              pdf_bodies[n % pdf_bodies.size()] + "\n%" + r.path + "\n"};
  });
  std::string sitemap = "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">";
  for (int i = 0; i < pages; ++i) sitemap += "<url><loc>" + server.url("/p/" + std::to_string(i) + ".html") + "</loc></url>";
  for (int i = 0; i < pdfs; ++i) sitemap += "<url><loc>" + server.url("/d/" + std::to_string(i) + ".pdf") + "</loc></url>";
  sitemap += "</urlset>";
  server.route("/sitemap.xml", test::TestResponse{200, {{"Content-Type", "application/xml"}}, sitemap});

  const fs::path db = fs::temp_directory_path() / ("harvest-bench-" + std::to_string(::getpid()) + ".db");
  auto store = SqliteStore::open(db.string());
  if (!store) {
    std::cerr << store.error().message << "\n";
    return 1;
  }
  auto registry = PluginRegistry::load_directory(CONVENTIOND_PLUGIN_DIR, make_host_services());
  JobConfig job;
  job.name = "bench";
  job.connector = "press_releases";
  job.config["sitemaps"] = boost::json::array{boost::json::value(server.url("/sitemap.xml"))};
  job.config["max_articles"] = pages + pdfs;
  job.fetch.per_host_min_delay = std::chrono::milliseconds(0);
  job.fetch.max_concurrent = in_flight;
  job.fetch.max_concurrent_per_host = in_flight;  // per-host limits off
  job.fetch.honour_robots = false;
  job.max_in_flight = in_flight;
  job.max_items = static_cast<std::size_t>(pages + pdfs + 10);
  RunOptions options;
  options.finalize = merge_run_conventions_step;
  std::unique_ptr<worker::WorkerPool> pool;
  if (workers > 0) {
    WorkersConfig wc;
    wc.count = workers;
    pool = make_worker_pool(wc, {CONVENTIOND_PLUGIN_DIR}, {}, CONVENTIOND_EXE);
    options.pool = pool.get();
  }
  long rss_at_half = 0;
  const std::size_t half = static_cast<std::size_t>(pages + pdfs) / 2;
  options.on_progress = [&](const RunProgress& p) {
    if (rss_at_half == 0 && p.done >= half) rss_at_half = peak_rss_kib();
  };
  const long rss_before = peak_rss_kib();
  const auto t0 = std::chrono::steady_clock::now();
  auto outcome = run_job(job, **store, registry, options);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!outcome) {
    std::cerr << outcome.error().message << "\n";
    return 1;
  }
  const auto& c = outcome->summary.counts;
  std::printf("harvest: %d pages + %d PDFs, %zu in flight\n", pages, pdfs, in_flight);
  std::printf("  items %lld (new %lld, skipped_filter %lld, failed %lld), run %s\n",
              static_cast<long long>(c.total), static_cast<long long>(c.new_items),
              static_cast<long long>(c.skipped_filter), static_cast<long long>(c.failed),
              std::string(to_string(outcome->summary.status)).c_str());
  std::printf("  %.2f s, %.0f items/s, %.1f ms per item\n", secs, static_cast<double>(c.total) / secs,
              1000.0 * secs / static_cast<double>(std::max<std::int64_t>(c.total, 1)));
  std::printf("  peak RSS: before %.1f MiB, at half %.1f MiB, at end %.1f MiB\n",
              static_cast<double>(rss_before) / 1024.0, static_cast<double>(rss_at_half) / 1024.0,
              static_cast<double>(peak_rss_kib()) / 1024.0);
  std::printf("  conventions stored: %zu\n", (*store)->conventions()->size());
  if (pool) {
    pool.reset();  // its workers are stopped and reaped: their peak RSS is now counted
    std::printf("  peak RSS of the largest worker: %.1f MiB (%zu workers)\n",
                static_cast<double>(peak_rss_kib(RUSAGE_CHILDREN)) / 1024.0, workers);
  }
  store->reset();
  fs::remove(db);
  fs::remove(db.string() + "-wal");
  fs::remove(db.string() + "-shm");
  return 0;
}
