// kafka: produces every change-log event to a Kafka topic with librdkafka.
//
// One idempotent producer per instance (enable.idempotence=true, acks=all), made in the
// constructor. deliver() checks the whole batch first (each event a JSON object with an integer
// "seq" and a string "kind"; nothing is produced from a malformed batch), then produces one
// message per event: key = convention_id (empty when there is none), value = the event's JSON,
// headers `seq` and `kind`. It waits for the delivery report of every message and succeeds only
// when each is a success, so the host advances its cursor only for events the brokers have
// acknowledged. A message not acknowledged within `delivery_timeout_ms` (librdkafka's
// message.timeout.ms) fails the whole call, naming the topic and librdkafka's error; the host
// then delivers the batch again (at least once: consumers de-duplicate by seq).
//
// librdkafka's callbacks (delivery reports, errors) are served by rd_kafka_poll/flush, hence on
// the thread calling deliver(); its log callback may run on its own threads and only queues
// (bounded) what deliver() then forwards to the host's log.

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <conventiond/sdk/json.hpp>
#include <conventiond/sdk/sink.hpp>

namespace sdk = conventiond::sdk;
using Clock = std::chrono::steady_clock;

namespace {

constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_key("brokers", "Bootstrap brokers: host:port[,host:port...]").required(),
    sdk::string_key("topic", "Topic the events are produced to").required(),
    sdk::string_key("client_id", "Kafka client.id of the producer").default_json("\"conventiond\""),
    sdk::integer_key("delivery_timeout_ms",
                     "How long the brokers may take to acknowledge a message before deliver() "
                     "fails (librdkafka message.timeout.ms)")
        .default_json("30000")
        .range(1000, 3600000),
    sdk::string_key("compression", "Compression codec: none, gzip, snappy, lz4 or zstd")
        .default_json("\"none\""),
    sdk::table_key("properties",
                   "Extra librdkafka properties (security.protocol, ssl.*, sasl.mechanism, "
                   "tuning); never a secret"),
    sdk::string_key("sasl_password_env",
                    "Name of the environment variable holding the SASL password"),
};

// How long after the timeout deliver() still waits for librdkafka's own timeout reports.
constexpr auto kGrace = std::chrono::milliseconds(5000);
// Most librdkafka log lines kept between two deliver() calls.
constexpr std::size_t kMaxQueuedLogs = 100;

// Properties the sink sets itself (its guarantees), with the key to use instead.
struct Reserved {
  std::string_view property;
  std::string_view instead;
};
constexpr Reserved kReserved[] = {
    {"bootstrap.servers", "the key 'brokers'"},
    {"metadata.broker.list", "the key 'brokers'"},
    {"client.id", "the key 'client_id'"},
    {"compression.type", "the key 'compression'"},
    {"compression.codec", "the key 'compression'"},
    {"message.timeout.ms", "the key 'delivery_timeout_ms'"},
    {"delivery.timeout.ms", "the key 'delivery_timeout_ms'"},
    {"enable.idempotence", "nothing: the sink is always idempotent"},
    {"acks", "nothing: the sink always waits for acks=all"},
    {"request.required.acks", "nothing: the sink always waits for acks=all"},
    {"transactional.id", "nothing: the sink does not use transactions"},
};

bool is_secret_property(std::string_view name) {
  return name.find("password") != std::string_view::npos ||
         name.find("secret") != std::string_view::npos || name == "ssl.key.pem" ||
         name == "ssl_key";
}

bool valid_topic(std::string_view topic) {
  if (topic.empty() || topic.size() > 249 || topic == "." || topic == "..") return false;
  return std::all_of(topic.begin(), topic.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// The settings a producer is made of (kept to make a new one after a fatal error).
struct Settings {
  std::string topic;
  std::chrono::milliseconds timeout{30000};
  std::vector<std::pair<std::string, std::string>> properties;  // in the order they are set
};

Settings read_settings(const sdk::Config& config) {
  Settings s;
  s.topic = config.string("topic");
  if (!valid_topic(s.topic)) {
    throw sdk::Failure("config key 'topic': '" + s.topic +
                       "' is not a Kafka topic name (1 to 249 of a-z A-Z 0-9 . _ -)");
  }
  const std::string brokers = config.string("brokers");
  if (brokers.find_first_not_of(" ,") == std::string::npos)
    throw sdk::Failure("config key 'brokers' is empty");
  const std::int64_t timeout = config.integer("delivery_timeout_ms");
  s.timeout = std::chrono::milliseconds(timeout);
  const std::string compression = config.string("compression");
  constexpr std::string_view kCodecs[] = {"none", "gzip", "snappy", "lz4", "zstd"};
  if (std::find(std::begin(kCodecs), std::end(kCodecs), compression) == std::end(kCodecs)) {
    throw sdk::Failure("config key 'compression': '" + compression +
                       "' is not one of none, gzip, snappy, lz4, zstd");
  }

  // Defaults an operator may change, then the operator's properties, then the guarantees.
  s.properties = {
      {"partitioner", "murmur2_random"}};  // the Java client's; empty key: one partition
  if (const sdk::json::Value* extra = config.find("properties")) {
    if (!extra->is_object()) throw sdk::Failure("config key 'properties' is not a table");
    for (const sdk::json::Member& m : extra->as_object()) {
      for (const Reserved& r : kReserved) {
        if (m.key == r.property) {
          throw sdk::Failure("config key 'properties': '" + m.key + "' is set by the sink; use " +
                             std::string(r.instead));
        }
      }
      if (is_secret_property(m.key)) {
        throw sdk::Failure("config key 'properties': '" + m.key +
                           "' holds a secret, which never goes in the config text: use "
                           "sasl_password_env for sasl.password, or key files (ssl.key.location)");
      }
      std::string value;
      if (m.value.is_string()) {
        value = m.value.as_string();
      } else if (m.value.is_integer() || m.value.is_bool()) {
        value = sdk::json::serialize(m.value);
      } else {
        throw sdk::Failure("config key 'properties': '" + m.key +
                           "' is not a string, an integer or a boolean");
      }
      s.properties.emplace_back(m.key, std::move(value));
    }
  }
  s.properties.emplace_back("bootstrap.servers", brokers);
  s.properties.emplace_back("client.id", config.string("client_id"));
  s.properties.emplace_back("compression.type", compression);
  s.properties.emplace_back("message.timeout.ms", std::to_string(timeout));
  s.properties.emplace_back("enable.idempotence", "true");
  s.properties.emplace_back("acks", "all");
  if (const auto env = config.optional_string("sasl_password_env")) {
    const char* password = env->empty() ? nullptr : std::getenv(env->c_str());
    if (password == nullptr || *password == '\0') {
      throw sdk::Failure("config key 'sasl_password_env': the environment variable '" + *env +
                         "' is not set");
    }
    s.properties.emplace_back("sasl.password", password);
  }
  return s;
}

// One event of a batch, checked.
struct Event {
  std::string_view json;
  std::int64_t seq = 0;
  std::string kind;
  std::string key;
};

Event read_event(std::string_view text, std::size_t index) {
  const sdk::json::Value value = sdk::json::parse(text);
  const std::string where = "event " + std::to_string(index + 1) + " of the batch";
  if (!value.is_object()) throw sdk::Failure(where + " is not a JSON object");
  const sdk::json::Value* seq = value.find("seq");
  if (seq == nullptr) throw sdk::Failure(where + " has no \"seq\"");
  if (!seq->is_integer()) throw sdk::Failure(where + ": \"seq\" is not an integer");
  Event e;
  e.json = text;
  e.seq = seq->as_integer();
  const sdk::json::Value* kind = value.find("kind");
  if (kind == nullptr || !kind->is_string() || kind->as_string().empty()) {
    throw sdk::Failure(where + " (seq " + std::to_string(e.seq) + ") has no string \"kind\"");
  }
  e.kind = kind->as_string();
  if (const sdk::json::Value* id = value.find("convention_id"); id != nullptr && !id->is_null()) {
    if (!id->is_string()) {
      throw sdk::Failure(where + " (seq " + std::to_string(e.seq) +
                         "): \"convention_id\" is not a string");
    }
    e.key = id->as_string();
  }
  return e;
}

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};

// A librdkafka producer and what its callbacks report. Its address is the handle's opaque, so
// it lives on the heap and never moves.
class Producer {
 public:
  explicit Producer(const Settings& settings) : settings_(settings) {
    std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf(rd_kafka_conf_new());
    char err[512];
    for (const auto& [name, value] : settings_.properties) {
      if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), err, sizeof err) !=
          RD_KAFKA_CONF_OK) {
        throw sdk::Failure("kafka property '" + name + "': " + err);
      }
    }
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &Producer::on_delivery);
    rd_kafka_conf_set_error_cb(conf.get(), &Producer::on_error);
    rd_kafka_conf_set_log_cb(conf.get(), &Producer::on_log);
    rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
    if (!rk_) throw sdk::Failure(std::string("cannot create the Kafka producer: ") + err);
    static_cast<void>(conf.release());  // rd_kafka_new took it
  }

  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  ~Producer() {
    if (!rk_) return;
    // Nothing should be left (deliver() waits or purges), but never block for long here.
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk_.get(), 1000);
    rk_.reset();
  }

  // The fatal error that makes this producer unusable (idempotence broken), or "".
  std::string fatal_error() const {
    char err[512];
    if (rd_kafka_fatal_error(rk_.get(), err, sizeof err) == RD_KAFKA_RESP_ERR_NO_ERROR) return {};
    return err;
  }

  // Produces the events and waits for their delivery reports; throws Failure unless every one
  // is a success.
  void send(const std::vector<Event>& events) {
    const auto deadline = Clock::now() + settings_.timeout + kGrace;
    base_ = next_ticket_;
    next_ticket_ += events.size();
    reports_.assign(events.size(), Report{});
    last_error_.clear();
    std::string produce_error;
    std::size_t produced = 0;
    for (; produced < events.size(); ++produced) {
      produce_error = produce(events[produced], base_ + produced, deadline);
      if (!produce_error.empty()) break;
    }
    wait(produced, deadline);

    std::size_t failed = 0;
    std::string first;
    for (std::size_t i = 0; i < produced; ++i) {
      if (reports_[i].done && reports_[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      ++failed;
      if (first.empty())
        first = "seq " + std::to_string(events[i].seq) + ": " + reason(reports_[i]);
    }
    if (failed == 0 && produce_error.empty()) return;
    std::string message = "kafka topic '" + settings_.topic + "': ";
    if (!produce_error.empty()) {
      message +=
          "cannot produce seq " + std::to_string(events[produced].seq) + ": " + produce_error;
      if (failed > 0) message += "; and ";
    }
    if (failed > 0) {
      message += std::to_string(failed) + " of " + std::to_string(produced) +
                 " events not acknowledged (first " + first + ")";
    }
    if (const std::string fatal = fatal_error(); !fatal.empty()) {
      message += "; fatal producer error: " + fatal;
    } else if (!last_error_.empty()) {
      message += "; last client error: " + last_error_;
    }
    throw sdk::Failure(message);
  }

  // Hands the queued librdkafka log lines to the host.
  void forward_logs(sdk::SinkContext& ctx) {
    std::deque<std::pair<int, std::string>> lines;
    std::size_t dropped = 0;
    {
      const std::lock_guard lock(log_mutex_);
      lines.swap(logs_);
      std::swap(dropped, dropped_logs_);
    }
    for (const auto& [level, line] : lines) {
      ctx.log(level <= 3 ? sdk::LogLevel::error : sdk::LogLevel::warn, line);
    }
    if (dropped > 0) {
      ctx.log(sdk::LogLevel::warn, "librdkafka: " + std::to_string(dropped) + " more log lines");
    }
  }

 private:
  struct Report {
    bool done = false;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  };

  // Why a message failed. Those the sink purged itself at its deadline (librdkafka had not
  // timed them out yet) are reported as timed out too.
  std::string reason(const Report& r) const {
    const std::string timed_out =
        "timed out after " + std::to_string(settings_.timeout.count()) + " ms";
    if (!r.done) return timed_out + " (no delivery report)";
    if (r.err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || r.err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
      return timed_out + " (" + rd_kafka_err2str(r.err) + ")";
    }
    return rd_kafka_err2str(r.err);
  }

  // Enqueues one message (waiting while the local queue is full); "" or librdkafka's error.
  std::string produce(const Event& e, std::uint64_t ticket, Clock::time_point deadline) {
    const std::string seq_text = std::to_string(e.seq);
    rd_kafka_vu_t vu[7];
    vu[0].vtype = RD_KAFKA_VTYPE_TOPIC;
    vu[0].u.cstr = settings_.topic.c_str();
    vu[1].vtype = RD_KAFKA_VTYPE_KEY;  // never NULL: an empty key is a key (one partition)
    vu[1].u.mem.ptr = const_cast<char*>(e.key.c_str());
    vu[1].u.mem.size = e.key.size();
    vu[2].vtype = RD_KAFKA_VTYPE_VALUE;
    vu[2].u.mem.ptr = const_cast<char*>(e.json.data());
    vu[2].u.mem.size = e.json.size();
    vu[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vu[3].u.i = RD_KAFKA_MSG_F_COPY;
    vu[4].vtype = RD_KAFKA_VTYPE_OPAQUE;
    vu[4].u.ptr = reinterpret_cast<void*>(static_cast<std::uintptr_t>(ticket));
    vu[5].vtype = RD_KAFKA_VTYPE_HEADER;
    vu[5].u.header = {"seq", seq_text.data(), static_cast<ssize_t>(seq_text.size())};
    vu[6].vtype = RD_KAFKA_VTYPE_HEADER;
    vu[6].u.header = {"kind", e.kind.data(), static_cast<ssize_t>(e.kind.size())};
    while (true) {
      rd_kafka_error_t* error = rd_kafka_produceva(rk_.get(), vu, std::size(vu));
      if (error == nullptr) return {};
      const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
      std::string text = rd_kafka_error_string(error);
      rd_kafka_error_destroy(error);
      if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL || Clock::now() >= deadline) return text;
      rd_kafka_poll(rk_.get(), 50);  // serves delivery reports, which frees room
    }
  }

  std::size_t pending(std::size_t produced) const {
    return static_cast<std::size_t>(
        std::count_if(reports_.begin(), reports_.begin() + static_cast<std::ptrdiff_t>(produced),
                      [](const Report& r) { return !r.done; }));
  }

  // Serves delivery reports until each of the first `produced` messages has one or the
  // deadline passes; then purges what is left (its reports say so) so nothing outlives the call.
  void wait(std::size_t produced, Clock::time_point deadline) {
    while (pending(produced) > 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      rd_kafka_flush(rk_.get(), static_cast<int>(std::min<std::int64_t>(left.count(), 200)));
    }
    if (pending(produced) == 0) return;
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    const auto purge_deadline = Clock::now() + std::chrono::seconds(2);
    while (pending(produced) > 0 && Clock::now() < purge_deadline) rd_kafka_poll(rk_.get(), 50);
  }

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    auto* self = static_cast<Producer*>(opaque);
    const auto ticket =
        static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(message->_private));
    if (ticket < self->base_ || ticket - self->base_ >= self->reports_.size()) return;  // older
    Report& r = self->reports_[static_cast<std::size_t>(ticket - self->base_)];
    r.done = true;
    r.err = message->err;
  }

  static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* self = static_cast<Producer*>(opaque);
    try {
      self->last_error_ =
          std::string(rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))) + ": " + reason;
    } catch (...) {  // out of memory: the error is only context
    }
  }

  static void on_log(const rd_kafka_t* rk, int level, const char* facility, const char* line) {
    auto* self = static_cast<Producer*>(rd_kafka_opaque(rk));
    if (self == nullptr || level > 4) return;  // syslog levels: keep warnings and worse
    try {
      const std::lock_guard lock(self->log_mutex_);
      if (self->logs_.size() >= kMaxQueuedLogs) {
        ++self->dropped_logs_;
        return;
      }
      self->logs_.emplace_back(level, std::string("librdkafka: ") + facility + ": " + line);
    } catch (...) {  // never throw into librdkafka
    }
  }

  const Settings& settings_;
  std::unique_ptr<rd_kafka_t, KafkaDeleter> rk_;
  std::uint64_t next_ticket_ = 1;  // the opaque of each message, never reused
  std::uint64_t base_ = 0;         // the ticket of the first message of the current batch
  std::vector<Report> reports_;
  std::string last_error_;

  std::mutex log_mutex_;
  std::deque<std::pair<int, std::string>> logs_;
  std::size_t dropped_logs_ = 0;
};

class KafkaSink final : public sdk::SinkConnector {
 public:
  // check-config's dry run (ABI 2): the settings only, no producer (it would connect).
  static void validate(const sdk::Config& config, sdk::ConfigProblems& problems) {
    problems.check([&] { read_settings(config); });
  }

  explicit KafkaSink(const sdk::Config& config)
      : settings_(std::make_unique<Settings>(read_settings(config))),
        producer_(std::make_unique<Producer>(*settings_)) {}

  void deliver(const std::vector<std::string_view>& events, sdk::SinkContext& ctx) override {
    std::vector<Event> batch;
    batch.reserve(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) batch.push_back(read_event(events[i], i));
    producer_->forward_logs(ctx);
    if (batch.empty()) return;
    if (const std::string fatal = producer_->fatal_error(); !fatal.empty()) {
      ctx.log(sdk::LogLevel::warn,
              "kafka topic '" + settings_->topic + "': replacing the producer after: " + fatal);
      auto fresh = std::make_unique<Producer>(*settings_);  // throws: the old one stays
      producer_ = std::move(fresh);
    }
    try {
      producer_->send(batch);
    } catch (...) {
      producer_->forward_logs(ctx);
      throw;
    }
    producer_->forward_logs(ctx);
  }

 private:
  std::unique_ptr<Settings> settings_;  // declared first: the producer refers to it
  std::unique_ptr<Producer> producer_;
};

}  // namespace

CONVENTIOND_SINK_PLUGIN(KafkaSink, "kafka", "1.0.0",
                        "Produces change-log events to a Kafka topic (idempotent, acks=all)",
                        kConfig);
