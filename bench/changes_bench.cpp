// Change-log benchmarks (issue 7).
//
//   build/bench/changes_bench log [--events 5000] [--writers 1]
//       events/s appended to the change log: save_convention of a changed record (the record,
//       its revision row and its event), on SQLite, by WRITERS threads at once: alone, each
//       save is its own transaction; concurrent saves share one (group commit).
//   build/bench/changes_bench sse [--subscribers 100] [--events 500] [--rate 200]
//       an in-process daemon; N SSE subscribers (libcurl, one thread each) on
//       /v1/changes/stream; a writer appends events at RATE/s; reports events delivered per
//       second (all subscribers) and the delay from commit to arrival (p50, p99). The writer
//       is another process's connection to the database (as a second daemon would be): the
//       hub finds its events by polling.
//       With --store postgresql://..., the daemon and the writer share a PostgreSQL database
//       (an empty one): the hub is woken by LISTEN/NOTIFY, as between two daemons.
//   build/bench/changes_bench sse-local [--subscribers 100] [--events 500] [--rate 200]
//       the same, but each event is an operator's correction POSTed to the daemon itself
//       (stored, merged and saved by the daemon: a commit of its own process, which wakes the
//       hub at once). The delay is measured from the moment the POST is sent, so it includes
//       the request and the merge: an upper bound of commit -> subscriber.

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <conventiond/config/daemon_config.hpp>
#include <conventiond/daemon/daemon.hpp>
#include <conventiond/store/open_store.hpp>
#include <conventiond/store/sqlite_store.hpp>

namespace fs = std::filesystem;
using namespace conventiond;
using Clock = std::chrono::steady_clock;

namespace {

Convention record(int i) {
  Convention c;
  c.facts.departement = i % 2 == 0 ? "67" : "68";
  c.id = Convention::make_id(kProgrammePauvrete, c.facts.departement);
  c.facts.period = Period{2019, 2021};
  c.facts.funding.push_back(FundingLine{Funder::etat, 2019, 1'000'000 + i, Qualifier::exact, false});
  return c;
}

int log_bench(int events, int writers) {
  const fs::path db = fs::temp_directory_path() / ("changes-bench-" + std::to_string(::getpid()) + ".db");
  auto store = SqliteStore::open(db.string());
  if (!store) return 1;
  std::atomic<bool> failed{false};
  const auto t0 = Clock::now();
  // `writers` threads save concurrently (each its share of the events): concurrent saves
  // share a transaction (group commit).
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = w; i < events; i += writers) {
        auto r = (*store)->save_convention(record(i));
        if (!r || !r->changed) failed = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) {
    std::fprintf(stderr, "save failed\n");
    return 1;
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("change log on SQLite: %d events in %.2f s by %d writer(s), %.0f events/s\n", events, s, writers,
              events / s);
  auto t1 = Clock::now();
  std::int64_t read = 0, since = 0;
  for (;;) {
    auto batch = (*store)->changes_since(since, 500);
    if (!batch || batch->empty()) break;
    read += static_cast<std::int64_t>(batch->size());
    since = batch->back().seq;
  }
  const double rs = std::chrono::duration<double>(Clock::now() - t1).count();
  std::printf("  read back in batches of 500: %lld events in %.2f s, %.0f events/s\n", static_cast<long long>(read), rs, static_cast<double>(read) / rs);
  store->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  return 0;
}

struct Subscriber {
  std::string buffer;
  std::vector<std::pair<std::int64_t, Clock::time_point>> arrivals;
  std::int64_t want = 0;
};

size_t on_data(char* data, size_t size, size_t n, void* p) {
  auto* s = static_cast<Subscriber*>(p);
  s->buffer.append(data, size * n);
  std::size_t pos = 0;
  for (;;) {
    const std::size_t at = s->buffer.find("id: ", pos);
    if (at == std::string::npos) break;
    const std::size_t eol = s->buffer.find('\n', at);
    if (eol == std::string::npos) break;
    const std::int64_t seq = std::stoll(s->buffer.substr(at + 4, eol - at - 4));
    s->arrivals.emplace_back(seq, Clock::now());
    pos = eol;
  }
  s->buffer.erase(0, pos);
  if (!s->arrivals.empty() && s->arrivals.back().first >= s->want) return 0;  // done
  return size * n;
}

size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

int sse_bench(int subscribers, int events, int rate, bool local, std::string store_url) {
  const fs::path dir = fs::temp_directory_path() / ("sse-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string db = (dir / "bench.db").string();
  if (store_url.empty()) store_url = "sqlite:" + db;
  auto writer = open_store(store_url);
  if (!writer) {
    std::fprintf(stderr, "%s\n", writer.error().message.c_str());
    return 1;
  }
  auto cfg = parse_daemon_config("[store]\nurl = \"" + store_url + "\"\n[http]\nlisten = \"127.0.0.1:0\"\nmax_connections = 1024\nmax_connections_per_client = 0\ntokens_env = \"SSE_BENCH_TOKENS\"\n",
                                 "bench.toml", dir);
  if (!cfg) return 1;
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
  // sse-local: one record to correct, saved before the daemon starts (event 1); then each
  // correction is one new revision, so event i + 1 is correction i.
  const std::int64_t first = local ? 1 : 0;
  if (local && !(*writer)->save_convention(record(0))) return 1;
  std::thread server([&] { (*daemon)->run(); });
  ready.get_future().wait();
  const std::string base = "http://127.0.0.1:" + std::to_string((*daemon)->port());
  const std::string url = "http://127.0.0.1:" + std::to_string((*daemon)->port()) + "/v1/changes/stream";
  std::vector<Subscriber> subs(static_cast<std::size_t>(subscribers));
  std::vector<std::thread> clients;
  for (auto& s : subs) {
    s.want = first + events;
    clients.emplace_back([&s, &url] {
      CURL* h = curl_easy_init();
      curl_easy_setopt(h, CURLOPT_URL, url.c_str());
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
      curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
      curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
      curl_easy_perform(h);
      curl_easy_cleanup(h);
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));  // subscribers connected
  std::vector<Clock::time_point> committed(static_cast<std::size_t>(first + events) + 1);
  const auto t0 = Clock::now();
  std::vector<double> post_ms;  // sse-local: send -> 201 of each correction
  std::vector<Clock::time_point> answered(committed.size());
  CURL* post = curl_easy_init();
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Authorization: Bearer bench-token");
  headers = curl_slist_append(headers, "Content-Type: application/json");
  const std::string correct_url = base + "/v1/conventions/" + record(0).id + "/corrections";
  for (int i = 1; i <= events; ++i) {
    if (local) {
      const std::string body = "{\"kind\": \"set\", \"field\": \"funding.etat.2019\", \"value\": {\"amount_eur\": " +
                               std::to_string(2'000'000 + i) + "}, \"author\": \"bench\"}";
      curl_easy_setopt(post, CURLOPT_URL, correct_url.c_str());
      curl_easy_setopt(post, CURLOPT_HTTPHEADER, headers);
      curl_easy_setopt(post, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(post, CURLOPT_WRITEFUNCTION, discard);
      curl_easy_setopt(post, CURLOPT_NOPROXY, "*");
      committed[static_cast<std::size_t>(first + i)] = Clock::now();
      long status = 0;
      if (curl_easy_perform(post) != CURLE_OK ||
          (curl_easy_getinfo(post, CURLINFO_RESPONSE_CODE, &status), status != 201)) {
        std::fprintf(stderr, "correction %d: HTTP %ld\n", i, status);
        return 1;
      }
      answered[static_cast<std::size_t>(first + i)] = Clock::now();
      post_ms.push_back(std::chrono::duration<double, std::milli>(
                            answered[static_cast<std::size_t>(first + i)] -
                            committed[static_cast<std::size_t>(first + i)])
                            .count());
    } else {
      auto r = (*writer)->save_convention(record(i));
      if (!r) return 1;
      committed[static_cast<std::size_t>(r->seq)] = Clock::now();
    }
    std::this_thread::sleep_until(t0 + std::chrono::microseconds(1'000'000LL * i / rate));
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(post);
  for (auto& t : clients) t.join();
  const auto t1 = Clock::now();
  (*daemon)->stop();
  server.join();
  std::vector<double> delays;
  std::vector<double> after_answer;  // sse-local: arrival - the writer's 201 (< 0: before it)
  std::size_t delivered = 0;
  bool ordered = true;
  for (const auto& s : subs) {
    std::int64_t last = 0;  // sse-local: event 1 (the record before the daemon) comes first
    for (const auto& [seq, at] : s.arrivals) {
      if (seq != last + 1) ordered = false;
      last = seq;
      ++delivered;
      if (local && seq > first && seq <= first + events) {
        after_answer.push_back(std::chrono::duration<double, std::milli>(
                                   at - answered[static_cast<std::size_t>(seq)])
                                   .count());
      }
      if (seq > first && seq <= first + events) delays.push_back(std::chrono::duration<double, std::milli>(at - committed[static_cast<std::size_t>(seq)]).count());
    }
  }
  std::sort(delays.begin(), delays.end());
  auto pct = [&](double p) { return delays.empty() ? 0.0 : delays[static_cast<std::size_t>(p * static_cast<double>(delays.size() - 1))]; };
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  std::printf("SSE fan-out (%s): %d subscribers, %d events written at %d/s\n",
              local ? "corrections POSTed to the daemon" : "events written by another connection",
              subscribers, events, rate);
  std::printf("  %zu events delivered in %.2f s: %.0f events/s in all, every subscriber in order: %s\n",
              delivered, secs, static_cast<double>(delivered) / secs, ordered ? "yes" : "NO");
  std::printf("  delay %s -> subscriber: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
              local ? "POST sent" : "commit", pct(0.5), pct(0.99), delays.empty() ? 0.0 : delays.back());
  if (local) {
    std::sort(post_ms.begin(), post_ms.end());
    std::printf("  the POST itself (send -> 201): p50 %.1f ms, p99 %.1f ms\n",
                post_ms[post_ms.size() / 2], post_ms[(post_ms.size() - 1) * 99 / 100]);
    std::sort(after_answer.begin(), after_answer.end());
    const auto before = std::count_if(after_answer.begin(), after_answer.end(),
                                      [](double d) { return d <= 0; });
    std::printf("  arrival - the writer's 201: p50 %.1f ms, p99 %.1f ms; before the 201: %.0f %%\n",
                after_answer[after_answer.size() / 2],
                after_answer[(after_answer.size() - 1) * 99 / 100],
                100.0 * static_cast<double>(before) / static_cast<double>(after_answer.size()));
  }
  writer->reset();
  fs::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const std::string mode = argc > 1 ? argv[1] : "log";
  int events = 0, subscribers = 100, rate = 200, writers = 1;
  std::string store_url;  // sse: "" = a SQLite file of its own; or postgresql://... (an empty database)
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--events") events = std::stoi(argv[i + 1]);
    else if (a == "--subscribers") subscribers = std::stoi(argv[i + 1]);
    else if (a == "--rate") rate = std::stoi(argv[i + 1]);
    else if (a == "--store") store_url = argv[i + 1];
    else if (a == "--writers") writers = std::max(1, std::stoi(argv[i + 1]));
  }
  if (mode == "sse" || mode == "sse-local") {
    if (mode == "sse-local") ::setenv("SSE_BENCH_TOKENS", "bench-token", 1);
    return sse_bench(subscribers, events > 0 ? events : 500, rate, mode == "sse-local", store_url);
  }
  return log_bench(events > 0 ? events : 5000, writers);
}
