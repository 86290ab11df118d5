// The kafka sink against librdkafka's in-process mock cluster (3 brokers on loopback), driven
// through the real plugin host as the daemon drives it: batches in change-log order, a cursor
// advanced only when deliver() succeeds, redelivery from the cursor after a failure. A test
// consumer reads the topic back to check that every event arrived, in order per key.

#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sink_test_support.hpp"

using namespace conventiond;
using namespace std::chrono_literals;
using conventiond::test::batch_json;
using conventiond::test::TestEvent;

namespace {

constexpr const char* kPluginFile = "kafka_sink.so";
constexpr std::int16_t kProduceApiKey = 0;  // Kafka protocol: Produce
constexpr int kPartitions = 3;

// A librdkafka handle for the tests' own use (mock cluster owner, consumer).
struct KafkaHandle {
  struct Deleter {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  };
  std::unique_ptr<rd_kafka_t, Deleter> rk;
};

rd_kafka_t* new_handle(rd_kafka_type_t type,
                       const std::vector<std::pair<std::string, std::string>>& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      FAIL("rd_kafka_conf_set " << k << ": " << err);
    }
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    FAIL("rd_kafka_new: " << err);
  }
  return rk;
}

// librdkafka's mock cluster: 3 brokers (ids 1 to 3) listening on 127.0.0.1.
class MockCluster {
 public:
  MockCluster() {
    owner_.rk.reset(new_handle(RD_KAFKA_PRODUCER, {{"log_level", "3"}}));
    cluster_ = rd_kafka_mock_cluster_new(owner_.rk.get(), 3);
    REQUIRE(cluster_ != nullptr);
  }
  ~MockCluster() { rd_kafka_mock_cluster_destroy(cluster_); }
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  rd_kafka_mock_cluster_t* get() const { return cluster_; }

  void create_topic(const std::string& topic) {
    REQUIRE(rd_kafka_mock_topic_create(cluster_, topic.c_str(), kPartitions, 3) ==
            RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  // The broker leading partition 0..kPartitions-1 is broker partition+1.
  void spread_leaders(const std::string& topic) {
    for (int p = 0; p < kPartitions; ++p) {
      REQUIRE(rd_kafka_mock_partition_set_leader(cluster_, topic.c_str(), p, p + 1) ==
              RD_KAFKA_RESP_ERR_NO_ERROR);
    }
  }
  void broker_down(int id) {
    REQUIRE(rd_kafka_mock_broker_set_down(cluster_, id) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  void broker_up(int id) {
    REQUIRE(rd_kafka_mock_broker_set_up(cluster_, id) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }

 private:
  KafkaHandle owner_;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

struct Consumed {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  bool has_key = false;
  std::string key;
  std::string value;
  std::string seq_header;
  std::string kind_header;
};

std::string header(rd_kafka_message_t* m, const char* name) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  const void* value = nullptr;
  std::size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return {};
  return std::string(static_cast<const char*>(value), size);
}

// Every message of the topic, partition by partition in offset order (bounded: 30 s).
std::vector<Consumed> read_topic(const std::string& bootstraps, const std::string& topic) {
  KafkaHandle consumer;
  consumer.rk.reset(new_handle(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstraps},
                                                   {"group.id", "sink-test"},
                                                   {"enable.auto.commit", "false"},
                                                   {"log_level", "3"}}));
  rd_kafka_t* rk = consumer.rk.get();
  std::map<std::int32_t, std::int64_t> ends;
  std::size_t expected = 0;
  for (std::int32_t p = 0; p < kPartitions; ++p) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    REQUIRE(rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 10000) ==
            RD_KAFKA_RESP_ERR_NO_ERROR);
    ends[p] = high;
    expected += static_cast<std::size_t>(high - low);
  }
  std::vector<Consumed> out;
  if (expected == 0) return out;
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(kPartitions);
  for (std::int32_t p = 0; p < kPartitions; ++p) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  const rd_kafka_resp_err_t assigned = rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  REQUIRE(assigned == RD_KAFKA_RESP_ERR_NO_ERROR);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (out.size() < expected && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      Consumed c;
      c.partition = m->partition;
      c.offset = m->offset;
      c.has_key = m->key != nullptr;
      if (m->key != nullptr) c.key.assign(static_cast<const char*>(m->key), m->key_len);
      c.value.assign(static_cast<const char*>(m->payload), m->len);
      c.seq_header = header(m, "seq");
      c.kind_header = header(m, "kind");
      out.push_back(std::move(c));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  REQUIRE(out.size() == expected);
  std::stable_sort(out.begin(), out.end(),
                   [](const Consumed& a, const Consumed& b) { return a.partition < b.partition; });
  return out;
}

// Events 1..n: five conventions in turn, and every seventh one an indicator event of a
// département without a convention (empty key).
std::vector<TestEvent> make_events(std::int64_t first, std::int64_t last) {
  std::vector<TestEvent> events;
  for (std::int64_t seq = first; seq <= last; ++seq) {
    TestEvent e;
    e.seq = seq;
    if (seq % 7 == 0) {
      e.kind = "indicators_updated";
      e.departement = "2A";
      e.revision = 0;
      e.record_json = R"({"departement":"2A","name":"caf.foyers_rsa","period":"2024-12"})";
    } else {
      const std::int64_t n = seq % 5;
      e.convention_id = "conv-" + std::to_string(n);
      e.departement = std::to_string(10 + n);
      e.revision = seq;
      e.kind = seq <= 5 ? "created" : "updated";
      e.record_json = conventiond::test::convention_record(e.convention_id, e.departement, seq);
    }
    events.push_back(e);
  }
  return events;
}

std::string config(const std::string& bootstraps, const std::string& topic, int timeout_ms) {
  return R"({"brokers":")" + bootstraps + R"(","topic":")" + topic + R"(","delivery_timeout_ms":)" +
         std::to_string(timeout_ms) + R"(,"properties":{"log_level":3}})";
}

// What the daemon does: deliver the events after the cursor in batches of `batch`, advancing
// the cursor only on success, retrying (at most `attempts` failures) from the cursor.
struct Daemon {
  explicit Daemon(PluginInstance& s) : sink(s) {}

  PluginInstance& sink;
  std::int64_t cursor = 0;
  int failures = 0;
  std::vector<std::string> errors;

  bool deliver_up_to(const std::vector<TestEvent>& log, std::int64_t last, std::size_t batch,
                     int attempts) {
    while (cursor < last) {
      std::vector<TestEvent> next;
      for (const auto& e : log) {
        if (e.seq > cursor && e.seq <= last && next.size() < batch) next.push_back(e);
      }
      auto r = sink.deliver(batch_json(next));
      if (r) {
        cursor = next.back().seq;
        continue;
      }
      errors.push_back(r.error().message);
      if (++failures >= attempts) return false;
    }
    return true;
  }
};

// Checks what the consumer read against the log: every event present with its key, value and
// headers, nothing else, and per key the seqs in increasing order once duplicates are removed.
// Returns how many duplicates there were.
std::size_t check_topic(const std::vector<Consumed>& read, const std::vector<TestEvent>& log) {
  std::map<std::int64_t, const TestEvent*> by_seq;
  for (const auto& e : log) by_seq[e.seq] = &e;
  std::set<std::int64_t> seen;
  std::map<std::string, std::int64_t> last_per_key;
  std::map<std::string, std::int32_t> partition_of_key;
  std::size_t duplicates = 0;
  for (const Consumed& c : read) {
    INFO("partition " << c.partition << " offset " << c.offset << " value " << c.value);
    const std::int64_t seq = std::stoll(c.seq_header);
    REQUIRE(by_seq.count(seq) == 1);
    const TestEvent& e = *by_seq[seq];
    CHECK(c.value == e.json());
    CHECK(c.kind_header == e.kind);
    CHECK(c.has_key);  // an empty key, not a null one: keyless events share one partition
    CHECK(c.key == e.convention_id);
    // One key, one partition.
    auto [it, fresh] = partition_of_key.emplace(c.key, c.partition);
    CHECK(it->second == c.partition);
    if (!seen.insert(seq).second) {
      ++duplicates;
      continue;
    }
    CHECK(seq > last_per_key[c.key]);
    last_per_key[c.key] = seq;
  }
  CHECK(seen.size() == by_seq.size());
  return duplicates;
}

}  // namespace

TEST_CASE("kafka: batches reach the topic once each in order per key with headers") {
  MockCluster cluster;
  cluster.create_topic("changes");
  auto sink = conventiond::test::make_sink(kPluginFile, "kafka",
                                           config(cluster.bootstraps(), "changes", 10000));
  const auto log = make_events(1, 60);
  Daemon daemon(sink);
  REQUIRE(daemon.deliver_up_to(log, 60, 25, 1));
  CHECK(daemon.cursor == 60);
  REQUIRE(sink.deliver("[]").ok());

  const auto read = read_topic(cluster.bootstraps(), "changes");
  CHECK(read.size() == 60);
  CHECK(check_topic(read, log) == 0);
}

TEST_CASE("kafka: retriable produce errors are retried by the idempotent producer") {
  MockCluster cluster;
  cluster.create_topic("changes");
  auto sink = conventiond::test::make_sink(kPluginFile, "kafka",
                                           config(cluster.bootstraps(), "changes", 15000));
  const auto log = make_events(1, 30);
  Daemon daemon(sink);
  REQUIRE(daemon.deliver_up_to(log, 10, 10, 1));
  rd_kafka_mock_push_request_errors(
      cluster.get(), kProduceApiKey, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
      RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE);
  REQUIRE(daemon.deliver_up_to(log, 30, 10, 1));

  const auto read = read_topic(cluster.bootstraps(), "changes");
  CHECK(check_topic(read, log) == 0);  // retries of the idempotent producer add no duplicate
}

TEST_CASE("kafka: a broker down mid-stream fails the batch and redelivery loses nothing") {
  MockCluster cluster;
  cluster.create_topic("changes");
  cluster.spread_leaders("changes");
  auto sink = conventiond::test::make_sink(kPluginFile, "kafka",
                                           config(cluster.bootstraps(), "changes", 2000));
  const auto log = make_events(1, 45);
  Daemon daemon(sink);
  REQUIRE(daemon.deliver_up_to(log, 15, 15, 1));

  cluster.broker_down(2);  // the leader of partition 1
  const auto started = std::chrono::steady_clock::now();
  const bool delivered = daemon.deliver_up_to(log, 30, 15, 1);
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(took < 2s + 5s + 2s + 3s);  // the timeout, the grace, the purge, and some slack
  if (!delivered) {
    CHECK(daemon.cursor == 15);  // the cursor stays: the batch is redelivered
    REQUIRE(daemon.errors.size() == 1);
    CHECK_THAT(daemon.errors[0], Catch::Contains("plugin 'kafka': deliver failed: "
                                                 "kafka topic 'changes': "));
    CHECK_THAT(daemon.errors[0], Catch::Contains("not acknowledged (first seq "));
    CHECK_THAT(daemon.errors[0], Catch::Contains("timed out"));
  }

  cluster.broker_up(2);
  daemon.failures = 0;
  REQUIRE(daemon.deliver_up_to(log, 45, 15, 5));
  CHECK(daemon.cursor == 45);

  const auto read = read_topic(cluster.bootstraps(), "changes");
  const std::size_t duplicates = check_topic(read, log);
  // At most the failed batches again, detectable by seq.
  std::string errors;
  for (const auto& e : daemon.errors) errors += e + "\n";
  INFO(errors);
  CHECK(duplicates <= 15 * daemon.errors.size());
}

TEST_CASE("kafka: a broker back within the timeout lets the batch succeed") {
  MockCluster cluster;
  cluster.create_topic("changes");
  cluster.spread_leaders("changes");
  auto sink = conventiond::test::make_sink(kPluginFile, "kafka",
                                           config(cluster.bootstraps(), "changes", 20000));
  const auto log = make_events(1, 40);
  Daemon daemon(sink);
  REQUIRE(daemon.deliver_up_to(log, 20, 20, 1));
  cluster.broker_down(1);
  cluster.broker_down(3);
  std::thread back([&cluster] {
    std::this_thread::sleep_for(1500ms);
    rd_kafka_mock_broker_set_up(cluster.get(), 1);
    rd_kafka_mock_broker_set_up(cluster.get(), 3);
  });
  const bool delivered = daemon.deliver_up_to(log, 40, 20, 1);
  back.join();
  CHECK(delivered);
  INFO((daemon.errors.empty() ? std::string() : daemon.errors[0]));
  CHECK(daemon.cursor == 40);

  const auto read = read_topic(cluster.bootstraps(), "changes");
  CHECK(check_topic(read, log) == 0);
}

TEST_CASE("kafka: a malformed batch produces nothing and names the problem") {
  MockCluster cluster;
  cluster.create_topic("changes");
  auto sink = conventiond::test::make_sink(kPluginFile, "kafka",
                                           config(cluster.bootstraps(), "changes", 5000));
  const std::string good = make_events(1, 1)[0].json();
  struct Case {
    std::string batch;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"[" + good + R"(,{"kind":"updated","convention_id":"c"}])",
       "plugin 'kafka': deliver failed: event 2 of the batch has no \"seq\""},
      {"[" + good + R"(,{"seq":"2","kind":"updated"}])",
       "plugin 'kafka': deliver failed: event 2 of the batch: \"seq\" is not an integer"},
      {"[" + good + R"(,{"seq":2}])",
       "plugin 'kafka': deliver failed: event 2 of the batch (seq 2) has no string \"kind\""},
      {"[" + good + R"(,{"seq":2,"kind":"updated","convention_id":5}])",
       "plugin 'kafka': deliver failed: event 2 of the batch (seq 2): \"convention_id\" is not "
       "a string"},
      {"[" + good + ",[]]",
       "plugin 'kafka': deliver failed: event 2 of the batch is not a JSON "
       "object"},
      {"[" + good + ",", "plugin 'kafka': deliver threw: invalid JSON at offset"},
      {good, "plugin 'kafka': deliver threw: invalid JSON at offset 0: expected '['"},
      {"", "plugin 'kafka': deliver threw: invalid JSON"},
  };
  for (const Case& c : cases) {
    INFO(c.batch);
    auto r = sink.deliver(c.batch);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::StartsWith(c.message));
  }
  CHECK(read_topic(cluster.bootstraps(), "changes").empty());
}

TEST_CASE("kafka: no reachable broker fails the delivery within the timeout naming the topic") {
  // Port 1 of loopback: nothing listens there, connections are refused at once.
  auto sink =
      conventiond::test::make_sink(kPluginFile, "kafka", config("127.0.0.1:1", "changes", 1000));
  const auto started = std::chrono::steady_clock::now();
  auto r = sink.deliver(batch_json(make_events(1, 3)));
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message,
             Catch::StartsWith("plugin 'kafka': deliver failed: kafka topic 'changes': 3 of 3 "
                               "events not acknowledged (first seq 1: "));
  // librdkafka's "Local: Message timed out", or the sink's purge at its own deadline.
  CHECK_THAT(r.error().message, Catch::Contains("timed out"));
  CHECK_THAT(r.error().message, Catch::Contains("127.0.0.1:1"));  // the last client error
  CHECK(took < 1s + 5s + 2s + 2s);
}

TEST_CASE("kafka: invalid configurations are refused when the instance is made") {
  using conventiond::test::sink_creation_error;
  const std::string base = R"("brokers":"127.0.0.1:1","topic":"changes")";
  CHECK_THAT(sink_creation_error(kPluginFile, "kafka", R"({"topic":"changes"})"),
             Catch::Contains("brokers"));
  CHECK_THAT(
      sink_creation_error(kPluginFile, "kafka", R"({"brokers":"127.0.0.1:1","topic":"a b"})"),
      Catch::Contains("config key 'topic': 'a b' is not a Kafka topic name"));
  CHECK_THAT(sink_creation_error(kPluginFile, "kafka", "{" + base + R"(,"compression":"rar"})"),
             Catch::Contains("config key 'compression': 'rar' is not one of"));
  CHECK_THAT(
      sink_creation_error(kPluginFile, "kafka", "{" + base + R"(,"properties":{"acks":"1"}})"),
      Catch::Contains("'acks' is set by the sink"));
  CHECK_THAT(sink_creation_error(kPluginFile, "kafka",
                                 "{" + base + R"(,"properties":{"enable.idempotence":false}})"),
             Catch::Contains("'enable.idempotence' is set by the sink"));
  const std::string secret = sink_creation_error(
      kPluginFile, "kafka", "{" + base + R"(,"properties":{"sasl.password":"hunter2"}})");
  CHECK_THAT(secret, Catch::Contains("'sasl.password' holds a secret"));
  CHECK_THAT(secret, !Catch::Contains("hunter2"));
  CHECK_THAT(sink_creation_error(kPluginFile, "kafka",
                                 "{" + base + R"(,"properties":{"no.such.property":"1"}})"),
             Catch::Contains("kafka property 'no.such.property': No such configuration property"));
  CHECK_THAT(
      sink_creation_error(kPluginFile, "kafka", "{" + base + R"(,"properties":{"linger.ms":[1]}})"),
      Catch::Contains("'linger.ms' is not a string, an integer or a boolean"));
  ::unsetenv("CONVENTIOND_TEST_NO_SUCH_VAR");
  CHECK_THAT(
      sink_creation_error(kPluginFile, "kafka",
                          "{" + base + R"(,"sasl_password_env":"CONVENTIOND_TEST_NO_SUCH_VAR"})"),
      Catch::Contains("the environment variable 'CONVENTIOND_TEST_NO_SUCH_VAR' is not set"));
}

TEST_CASE("kafka: the SASL password comes from the environment variable named in the config") {
  ::setenv("CONVENTIOND_TEST_SASL_PASSWORD", "s3cret", 1);
  auto sink = conventiond::test::make_sink(
      kPluginFile, "kafka",
      R"({"brokers":"127.0.0.1:1","topic":"changes","sasl_password_env":"CONVENTIOND_TEST_SASL_PASSWORD",
          "properties":{"security.protocol":"sasl_plaintext","sasl.mechanism":"PLAIN",
                        "sasl.username":"conventiond","log_level":0}})");
  CHECK(sink.info().name == "kafka");
  ::unsetenv("CONVENTIOND_TEST_SASL_PASSWORD");
}

TEST_CASE(
    "kafka: a fatal producer error fails the batch and the next delivery uses a new producer") {
  MockCluster cluster;
  cluster.create_topic("changes");
  // With the gapless guarantee, a message lost between acknowledged ones is a fatal error.
  auto sink = conventiond::test::make_sink(
      kPluginFile, "kafka",
      R"({"brokers":")" + cluster.bootstraps() +
          R"(","topic":"changes","delivery_timeout_ms":5000,"properties":{"log_level":3,)"
          R"("enable.gapless.guarantee":true}})");
  const auto log = make_events(1, 20);
  Daemon daemon(sink);
  REQUIRE(daemon.deliver_up_to(log, 10, 10, 1));
  rd_kafka_mock_push_request_errors(cluster.get(), kProduceApiKey, 1,
                                    RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH);
  const bool first = daemon.deliver_up_to(log, 20, 10, 1);
  INFO((daemon.errors.empty() ? std::string("no error") : daemon.errors[0]));
  REQUIRE_FALSE(first);
  CHECK_THAT(daemon.errors[0], Catch::Contains("; fatal producer error: "));
  daemon.failures = 0;
  REQUIRE(daemon.deliver_up_to(log, 20, 10, 3));  // a new producer (logged)
  CHECK(daemon.errors.size() == 1);
  CHECK(check_topic(read_topic(cluster.bootstraps(), "changes"), log) <= 10);
}
