// The Prometheus registry: see include/conventiond/http/metrics.hpp.
#include <conventiond/http/metrics.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <variant>

namespace conventiond::http {

namespace detail {

enum class MetricType { counter = 0, gauge = 1, histogram = 2 };

struct HistogramSeries {
  std::vector<std::uint64_t> buckets;  // per bucket (not cumulative); the last is +Inf
  double sum = 0;
  std::uint64_t count = 0;
};

struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::counter;
  std::vector<std::string> label_names;
  std::vector<double> bounds;  // histogram upper bounds, without +Inf
  std::map<LabelValues, double> values;  // counter, gauge
  std::map<LabelValues, HistogramSeries> series;  // histogram

  void check_labels(const LabelValues& labels) const {
    if (labels.size() != label_names.size()) {
      throw std::invalid_argument("metric '" + name + "' takes " +
                                  std::to_string(label_names.size()) + " label values, not " +
                                  std::to_string(labels.size()));
    }
  }
};

}  // namespace detail

namespace {

using detail::MetricType;

bool valid_metric_name(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool valid_label_name(std::string_view s) {
  if (s.empty() || s.substr(0, 2) == "__") return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::array<char, 64> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec != std::errc()) return "NaN";
  return std::string(buf.data(), end);
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// {a="x",b="y"} plus an optional extra label (the histogram's le); "" when there are none.
std::string label_set(const std::vector<std::string>& names, const LabelValues& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += MetricsRegistry::escape_label_value(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

const char* type_name(MetricType t) {
  switch (t) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

// ---- handles ----

void Counter::inc(const LabelValues& labels, double amount) {
  if (!(amount >= 0)) {
    throw std::invalid_argument("counter '" + family_->name + "' cannot go down");
  }
  const std::lock_guard lock(*mutex_);
  family_->check_labels(labels);
  family_->values[labels] += amount;
}

double Counter::value(const LabelValues& labels) const {
  const std::lock_guard lock(*mutex_);
  const auto it = family_->values.find(labels);
  return it == family_->values.end() ? 0.0 : it->second;
}

void Gauge::set(const LabelValues& labels, double value) {
  const std::lock_guard lock(*mutex_);
  family_->check_labels(labels);
  family_->values[labels] = value;
}

void Gauge::add(const LabelValues& labels, double delta) {
  const std::lock_guard lock(*mutex_);
  family_->check_labels(labels);
  family_->values[labels] += delta;
}

double Gauge::value(const LabelValues& labels) const {
  const std::lock_guard lock(*mutex_);
  const auto it = family_->values.find(labels);
  return it == family_->values.end() ? 0.0 : it->second;
}

void Histogram::observe(const LabelValues& labels, double value) {
  const std::lock_guard lock(*mutex_);
  family_->check_labels(labels);
  detail::HistogramSeries& s = family_->series[labels];
  if (s.buckets.empty()) s.buckets.assign(family_->bounds.size() + 1, 0);
  const auto at = std::lower_bound(family_->bounds.begin(), family_->bounds.end(), value);
  ++s.buckets[static_cast<std::size_t>(at - family_->bounds.begin())];  // NaN lands in +Inf
  s.sum += value;
  ++s.count;
}

std::uint64_t Histogram::count(const LabelValues& labels) const {
  const std::lock_guard lock(*mutex_);
  const auto it = family_->series.find(labels);
  return it == family_->series.end() ? 0 : it->second.count;
}

// ---- registry ----

struct MetricsRegistry::Entry {
  detail::MetricFamily family;
  std::variant<std::monostate, Counter, Gauge, Histogram> handle;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

std::vector<double> MetricsRegistry::default_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string MetricsRegistry::escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

MetricsRegistry::Entry& MetricsRegistry::add(const std::string& name, const std::string& help,
                                             int type, std::vector<std::string> label_names,
                                             std::vector<double> buckets) {
  const auto t = static_cast<MetricType>(type);
  if (!valid_metric_name(name)) throw std::invalid_argument("invalid metric name '" + name + "'");
  for (const std::string& l : label_names) {
    if (!valid_label_name(l) || (t == MetricType::histogram && l == "le")) {
      throw std::invalid_argument("metric '" + name + "': invalid label name '" + l + "'");
    }
    if (std::count(label_names.begin(), label_names.end(), l) > 1) {
      throw std::invalid_argument("metric '" + name + "': label '" + l + "' given twice");
    }
  }
  if (t == MetricType::histogram) {
    if (!buckets.empty() && std::isinf(buckets.back()) && buckets.back() > 0) buckets.pop_back();
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      if (std::isnan(buckets[i]) || (i > 0 && !(buckets[i - 1] < buckets[i]))) {
        throw std::invalid_argument("histogram '" + name + "': buckets must increase");
      }
    }
  } else {
    buckets.clear();
  }

  const std::lock_guard lock(mutex_);
  if (const auto it = entries_.find(name); it != entries_.end()) {
    const detail::MetricFamily& f = it->second->family;
    if (f.type != t || f.help != help || f.label_names != label_names || f.bounds != buckets) {
      throw std::invalid_argument("metric '" + name + "' already registered differently");
    }
    return *it->second;
  }
  auto entry = std::make_unique<Entry>();
  entry->family.name = name;
  entry->family.help = help;
  entry->family.type = t;
  entry->family.label_names = std::move(label_names);
  entry->family.bounds = std::move(buckets);
  Entry& e = *entry;
  switch (t) {
    case MetricType::counter: e.handle.emplace<Counter>(Counter(mutex_, e.family)); break;
    case MetricType::gauge: e.handle.emplace<Gauge>(Gauge(mutex_, e.family)); break;
    case MetricType::histogram: e.handle.emplace<Histogram>(Histogram(mutex_, e.family)); break;
  }
  entries_.emplace(name, std::move(entry));
  return e;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names) {
  return std::get<Counter>(
      add(name, help, static_cast<int>(MetricType::counter), std::move(label_names), {}).handle);
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names) {
  return std::get<Gauge>(
      add(name, help, static_cast<int>(MetricType::gauge), std::move(label_names), {}).handle);
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      std::vector<std::string> label_names,
                                      std::vector<double> buckets) {
  return std::get<Histogram>(add(name, help, static_cast<int>(MetricType::histogram),
                                 std::move(label_names), std::move(buckets))
                                 .handle);
}

std::string MetricsRegistry::render() const {
  const std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, entry] : entries_) {
    const detail::MetricFamily& f = entry->family;
    out += "# HELP " + name + ' ' + escape_help(f.help) + '\n';
    out += "# TYPE " + name + ' ' + type_name(f.type) + '\n';
    if (f.type != MetricType::histogram) {
      if (f.values.empty() && f.label_names.empty()) out += name + " 0\n";
      for (const auto& [labels, value] : f.values) {
        out += name + label_set(f.label_names, labels) + ' ' + format_number(value) + '\n';
      }
      continue;
    }
    auto series = f.series;
    if (series.empty() && f.label_names.empty()) {
      series[{}].buckets.assign(f.bounds.size() + 1, 0);
    }
    for (const auto& [labels, s] : series) {
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i <= f.bounds.size(); ++i) {
        cumulative += s.buckets[i];
        const std::string le = i < f.bounds.size() ? format_number(f.bounds[i]) : "+Inf";
        out += name + "_bucket" + label_set(f.label_names, labels, "le", le) + ' ' +
               std::to_string(cumulative) + '\n';
      }
      out += name + "_sum" + label_set(f.label_names, labels) + ' ' + format_number(s.sum) + '\n';
      out += name + "_count" + label_set(f.label_names, labels) + ' ' + std::to_string(s.count) +
             '\n';
    }
  }
  return out;
}

}  // namespace conventiond::http
