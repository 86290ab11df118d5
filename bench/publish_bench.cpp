// Publication benchmarks (issue 7): webhook deliveries and the kafka sink.
//
//   build/bench/publish_bench webhooks [--events 2000] [--subscriptions 4]
//       N change-log events in a SQLite store (save_convention of changed records), S
//       subscriptions from seq 0 to a loopback receiver answering 204, a WebhookDispatcher
//       (loopback allowed, default concurrency and batch size) on one io_context: deliveries/s
//       until every subscription's cursor is the last seq.
//   build/bench/publish_bench kafka [--events 20000] [--batch 500]
//       the shipped kafka sink (kafka_sink.so, loaded from the build's plugin directory) against
//       librdkafka's in-process mock cluster (3 brokers, a topic of 3 partitions replicated 3
//       times), delivering batches of change-event JSON as the sink dispatcher does (each
//       deliver() returns when the brokers acknowledged the whole batch): events/s. --linger MS
//       sets the producer's linger.ms (librdkafka's default otherwise).

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include <conventiond/plugin_host/plugin_registry.hpp>
#include <conventiond/publish/change_event_json.hpp>
#include <conventiond/publish/webhook_dispatcher.hpp>
#include <conventiond/store/sqlite_store.hpp>

#include "support/test_http_server.hpp"

namespace fs = std::filesystem;
using namespace conventiond;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

Convention record(int i) {
  Convention c;
  c.facts.departement = i % 2 == 0 ? "67" : "68";
  c.id = Convention::make_id(kProgrammePauvrete, c.facts.departement);
  c.facts.period = Period{2019, 2021};
  c.facts.funding.push_back(FundingLine{Funder::etat, 2019, 1'000'000 + i, Qualifier::exact, false});
  return c;
}

int webhooks_bench(int events, int subscriptions) {
  const fs::path dir = fs::temp_directory_path() / ("publish-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto store = SqliteStore::open((dir / "bench.db").string());
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  std::int64_t last = 0;
  for (int i = 0; i < events; ++i) {
    auto r = (*store)->save_convention(record(i));
    if (!r || !r->changed) {
      std::fprintf(stderr, "save failed\n");
      return 1;
    }
    last = r->seq;
  }

  test::TestHttpServer server;
  server.route("/hook/*", test::TestResponse{204, {}, ""});

  boost::asio::io_context io;
  WebhookOptions options;
  options.allow_private_targets = true;
  options.poll_interval = std::chrono::milliseconds(20);
  options.proxy = "";
  int rc = 0;
  {
    WebhookDispatcher dispatcher(io, **store, options);
    std::vector<std::int64_t> ids;
    for (int s = 0; s < subscriptions; ++s) {
      NewSubscription n;
      n.url = server.url("/hook/" + std::to_string(s));
      n.secret = "bench-secret";
      n.from_seq = 0;
      auto sub = dispatcher.subscribe(n);
      if (!sub) {
        std::fprintf(stderr, "subscribe: %s\n", sub.error().message.c_str());
        return 1;
      }
      ids.push_back(sub->id);
    }
    const auto want = static_cast<std::uint64_t>(events) * static_cast<std::uint64_t>(subscriptions);
    const auto t0 = Clock::now();
    dispatcher.start();
    const auto deadline = t0 + std::chrono::minutes(10);
    while (dispatcher.metrics().delivered < want && Clock::now() < deadline) {
      io.restart();
      io.run_for(std::chrono::milliseconds(2));
    }
    // Every cursor at the last seq (persisted after each delivery).
    bool all_cursors = false;
    while (!all_cursors && Clock::now() < deadline) {
      all_cursors = true;
      for (const std::int64_t id : ids) {
        auto s = (*store)->subscription(id);
        all_cursors = all_cursors && s && *s && (*s)->cursor == last;
      }
      if (!all_cursors) {
        io.restart();
        io.run_for(std::chrono::milliseconds(2));
      }
    }
    const double secs = seconds_since(t0);
    dispatcher.stop();
    const WebhookMetrics m = dispatcher.metrics();
    std::printf("webhooks: %d events x %d subscriptions to a loopback receiver (204)\n", events, subscriptions);
    std::printf("  %llu deliveries in %.2f s: %.0f deliveries/s (%zu requests received, %llu failed attempts, every cursor at seq %lld: %s)\n",
                static_cast<unsigned long long>(m.delivered), secs, static_cast<double>(m.delivered) / secs,
                server.total_hits(), static_cast<unsigned long long>(m.failed_attempts),
                static_cast<long long>(last), all_cursors ? "yes" : "NO");
    std::printf("  receiver connections: %zu, peak requests in flight: %zu\n", server.connections(), server.max_in_flight());
    if (!all_cursors) rc = 1;
  }
  store->reset();
  fs::remove_all(dir);
  return rc;
}

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

KafkaHandle new_handle(rd_kafka_type_t type, const std::vector<std::pair<std::string, std::string>>& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      std::fprintf(stderr, "rd_kafka_conf_set %s: %s\n", k.c_str(), err);
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) {
    std::fprintf(stderr, "rd_kafka_new: %s\n", err);
    rd_kafka_conf_destroy(conf);
  }
  return KafkaHandle(rk);
}

// Events 1..n as the change log holds them: 101 conventions in turn, a record of a few hundred
// bytes each.
std::vector<ChangeEvent> kafka_events(int n) {
  std::vector<ChangeEvent> out;
  for (int i = 1; i <= n; ++i) {
    ChangeEvent e;
    e.seq = i;
    const int d = 1 + i % 101;
    e.departement = (d < 10 ? "0" : "") + std::to_string(d);
    e.convention_id = "pauvrete-" + e.departement;
    e.kind = i <= 101 ? "created" : "updated";
    e.revision = 1 + i / 101;
    e.created_at = "2026-11-25T10:00:00Z";
    e.payload_json = R"({"id":")" + e.convention_id + R"(","programme":"pauvrete","departement":")" +
                     e.departement + R"(","revision":)" + std::to_string(e.revision) +
                     R"(,"period":{"from":2019,"to":2021},"signed_on":"2019-06-28","funding":[{"funder":"etat","year":2019,"amount_eur":)" +
                     std::to_string(1'000'000 + i) +
                     R"(,"qualifier":"exact"},{"funder":"departement","year":2019,"amount_eur":)" +
                     std::to_string(500'000 + i) + R"(,"qualifier":"exact"}],"sources":["https://example.org/)" +
                     e.departement + R"(.pdf"]})";
    out.push_back(std::move(e));
  }
  return out;
}

int kafka_bench(int events, int batch, int linger_ms) {
  KafkaHandle owner = new_handle(RD_KAFKA_PRODUCER, {{"log_level", "3"}});
  if (!owner) return 1;
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(owner.get(), 3);
  if (cluster == nullptr) {
    std::fprintf(stderr, "cannot create the mock cluster\n");
    return 1;
  }
  const std::string bootstraps = rd_kafka_mock_cluster_bootstraps(cluster);
  const std::string topic = "conventions.changes";
  if (rd_kafka_mock_topic_create(cluster, topic.c_str(), 3, 3) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::fprintf(stderr, "cannot create the topic\n");
    return 1;
  }
  int rc = 0;
  {
    auto registry = PluginRegistry::load_directory(CONVENTIOND_PLUGIN_DIR);
    auto sink = registry.create_instance(
        "kafka", R"({"brokers":")" + bootstraps + R"(","topic":")" + topic +
                     R"(","delivery_timeout_ms":30000,"properties":{"log_level":3)" +
                     (linger_ms >= 0 ? R"(,"linger.ms":)" + std::to_string(linger_ms) : std::string()) + "}}");
    if (!sink) {
      std::fprintf(stderr, "cannot create the sink: %s\n", sink.error().message.c_str());
      rd_kafka_mock_cluster_destroy(cluster);
      return 1;
    }
    const std::vector<ChangeEvent> log = kafka_events(events);
    std::vector<std::string> batches;
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < log.size(); i += static_cast<std::size_t>(batch)) {
      const auto end = std::min(log.size(), i + static_cast<std::size_t>(batch));
      batches.push_back(change_events_json_array(
          std::vector<ChangeEvent>(log.begin() + static_cast<std::ptrdiff_t>(i),
                                   log.begin() + static_cast<std::ptrdiff_t>(end))));
      bytes += batches.back().size();
    }
    const auto t0 = Clock::now();
    for (const auto& b : batches) {
      auto r = sink->deliver(b);
      if (!r) {
        std::fprintf(stderr, "deliver: %s\n", r.error().message.c_str());
        rd_kafka_mock_cluster_destroy(cluster);
        return 1;
      }
    }
    const double secs = seconds_since(t0);

    // Every event on the topic: the sum of the partitions' high watermarks.
    KafkaHandle consumer = new_handle(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstraps},
                                                         {"group.id", "publish-bench"},
                                                         {"log_level", "3"}});
    std::int64_t on_topic = 0;
    for (std::int32_t p = 0; consumer && p < 3; ++p) {
      std::int64_t low = 0, high = 0;
      if (rd_kafka_query_watermark_offsets(consumer.get(), topic.c_str(), p, &low, &high, 10000) ==
          RD_KAFKA_RESP_ERR_NO_ERROR)
        on_topic += high - low;
    }
    std::printf("kafka sink on the mock cluster: %d events in batches of %d (%.1f MB of JSON)\n", events, batch,
                static_cast<double>(bytes) / 1e6);
    std::printf("  acknowledged in %.2f s: %.0f events/s, %.1f ms per batch; on the topic: %lld\n", secs,
                static_cast<double>(events) / secs, 1000.0 * secs / static_cast<double>(batches.size()),
                static_cast<long long>(on_topic));
    if (on_topic != events) rc = 1;
  }
  rd_kafka_mock_cluster_destroy(cluster);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  int events = 0, subscriptions = 4, batch = 500, linger_ms = -1;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--events") events = std::stoi(argv[i + 1]);
    else if (a == "--subscriptions") subscriptions = std::stoi(argv[i + 1]);
    else if (a == "--batch") batch = std::stoi(argv[i + 1]);
    else if (a == "--linger") linger_ms = std::stoi(argv[i + 1]);
  }
  if (mode == "webhooks") return webhooks_bench(events > 0 ? events : 2000, subscriptions > 0 ? subscriptions : 1);
  if (mode == "kafka") return kafka_bench(events > 0 ? events : 20000, batch > 0 ? batch : 500, linger_ms);
  std::fprintf(stderr, "usage: publish_bench webhooks [--events N] [--subscriptions S]\n"
                       "       publish_bench kafka [--events N] [--batch B] [--linger MS]\n");
  return 2;
}
