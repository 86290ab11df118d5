#pragma once
// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
// text exposition format 0.0.4 (# HELP, # TYPE, escaped label values). Thread safe.
//
//   MetricsRegistry metrics;
//   auto& requests = metrics.counter("conventiond_http_requests_total", "HTTP requests answered.",
//                                    {"method", "route", "status"});
//   auto& latency = metrics.histogram("conventiond_http_request_duration_seconds",
//                                     "Time to answer a request.", {"route"});
//   requests.inc({"GET", "/v1/conventions/{id}", "200"});
//   latency.observe({"/v1/conventions/{id}"}, 0.0123);
//   text_response(200, metrics.render(), std::string(MetricsRegistry::content_type));
//
// Misuse is a programming error and throws std::invalid_argument: an invalid metric or label
// name, a reserved label name ("le" on a histogram, "__" prefix), registering one name twice
// with another type, help or label names, a wrong number of label values, a negative counter
// increment, unsorted histogram buckets. Registering the same metric again returns it.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace conventiond::http {

namespace detail {
struct MetricFamily;
}

using LabelValues = std::vector<std::string>;  // in the order of the family's label names

class Counter {
 public:
  void inc(const LabelValues& labels = {}, double amount = 1.0);
  double value(const LabelValues& labels = {}) const;  // 0 when never incremented

 private:
  friend class MetricsRegistry;
  Counter(std::mutex& m, detail::MetricFamily& f) : mutex_(&m), family_(&f) {}
  std::mutex* mutex_;
  detail::MetricFamily* family_;
};

class Gauge {
 public:
  void set(const LabelValues& labels, double value);
  void set(double value) { set({}, value); }
  void add(const LabelValues& labels, double delta);
  double value(const LabelValues& labels = {}) const;

 private:
  friend class MetricsRegistry;
  Gauge(std::mutex& m, detail::MetricFamily& f) : mutex_(&m), family_(&f) {}
  std::mutex* mutex_;
  detail::MetricFamily* family_;
};

class Histogram {
 public:
  void observe(const LabelValues& labels, double value);
  void observe(double value) { observe({}, value); }
  std::uint64_t count(const LabelValues& labels = {}) const;

 private:
  friend class MetricsRegistry;
  Histogram(std::mutex& m, detail::MetricFamily& f) : mutex_(&m), family_(&f) {}
  std::mutex* mutex_;
  detail::MetricFamily* family_;
};

class MetricsRegistry {
 public:
  static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The returned references live as long as the registry.
  Counter& counter(const std::string& name, const std::string& help,
                   std::vector<std::string> label_names = {});
  Gauge& gauge(const std::string& name, const std::string& help,
               std::vector<std::string> label_names = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<std::string> label_names = {},
                       std::vector<double> buckets = default_buckets());

  // Every family in name order, every series in label order.
  std::string render() const;

  // Prometheus' defaults: 5 ms to 10 s.
  static std::vector<double> default_buckets();
  // Label value escaping of the text format: backslash, double quote, newline.
  static std::string escape_label_value(std::string_view value);

 private:
  struct Entry;
  Entry& add(const std::string& name, const std::string& help, int type,
             std::vector<std::string> label_names, std::vector<double> buckets);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> entries_;
};

}  // namespace conventiond::http
