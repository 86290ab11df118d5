// The Prometheus registry: text format, escaping, histograms, misuse, threads.
#include <catch2/catch.hpp>

#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <conventiond/http/metrics.hpp>

using conventiond::http::MetricsRegistry;

TEST_CASE("metrics: counters and gauges render in the text format", "[http][metrics]") {
  MetricsRegistry m;
  auto& requests = m.counter("conventiond_http_requests_total", "HTTP requests answered.",
                             {"method", "route", "status"});
  auto& open = m.gauge("conventiond_http_connections", "Open connections.\nNow.");
  requests.inc({"GET", "/v1/conventions/{id}", "200"});
  requests.inc({"GET", "/v1/conventions/{id}", "200"}, 2);
  requests.inc({"POST", "/a\\b \"q\"\nz", "500"});
  open.set(3);
  open.add({}, -1);
  CHECK(requests.value({"GET", "/v1/conventions/{id}", "200"}) == 3);
  CHECK(open.value() == 2);
  const std::string expected =
      "# HELP conventiond_http_connections Open connections.\\nNow.\n"
      "# TYPE conventiond_http_connections gauge\n"
      "conventiond_http_connections 2\n"
      "# HELP conventiond_http_requests_total HTTP requests answered.\n"
      "# TYPE conventiond_http_requests_total counter\n"
      "conventiond_http_requests_total{method=\"GET\",route=\"/v1/conventions/{id}\",status=\"200\"} 3\n"
      "conventiond_http_requests_total{method=\"POST\",route=\"/a\\\\b \\\"q\\\"\\nz\",status=\"500\"} 1\n";
  CHECK(m.render() == expected);
  CHECK(MetricsRegistry::content_type == "text/plain; version=0.0.4; charset=utf-8");
}

TEST_CASE("metrics: histograms have cumulative buckets with +Inf and sum and count", "[http][metrics]") {
  MetricsRegistry m;
  auto& h = m.histogram("req_seconds", "Latency.", {"route"}, {0.1, 1});
  h.observe({"/a"}, 0.05);
  h.observe({"/a"}, 0.5);
  h.observe({"/a"}, 3);
  h.observe({"/a"}, 0.1);  // on the bound: counted in le="0.1"
  CHECK(h.count({"/a"}) == 4);
  const std::string expected =
      "# HELP req_seconds Latency.\n"
      "# TYPE req_seconds histogram\n"
      "req_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
      "req_seconds_bucket{route=\"/a\",le=\"1\"} 3\n"
      "req_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"
      "req_seconds_sum{route=\"/a\"} 3.65\n"
      "req_seconds_count{route=\"/a\"} 4\n";
  CHECK(m.render() == expected);

  MetricsRegistry plain;
  plain.histogram("h", "H.", {}, {1});
  plain.gauge("g", "G.").set(std::numeric_limits<double>::infinity());
  CHECK(plain.render() ==
        "# HELP g G.\n# TYPE g gauge\ng +Inf\n"
        "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\n"
        "h_sum 0\nh_count 0\n");
}

TEST_CASE("metrics: misuse throws invalid_argument and re-registration returns the same", "[http][metrics]") {
  MetricsRegistry m;
  auto& c = m.counter("c_total", "C.", {"a"});
  CHECK(&m.counter("c_total", "C.", {"a"}) == &c);
  CHECK_THROWS_AS(m.counter("c_total", "Other help.", {"a"}), std::invalid_argument);
  CHECK_THROWS_AS(m.gauge("c_total", "C.", {"a"}), std::invalid_argument);
  CHECK_THROWS_AS(m.counter("1bad", "x"), std::invalid_argument);
  CHECK_THROWS_AS(m.counter("bad-name", "x"), std::invalid_argument);
  CHECK_THROWS_AS(m.counter("ok", "x", {"__reserved"}), std::invalid_argument);
  CHECK_THROWS_AS(m.counter("ok2", "x", {"a", "a"}), std::invalid_argument);
  CHECK_THROWS_AS(m.histogram("h", "x", {"le"}), std::invalid_argument);
  CHECK_THROWS_AS(m.histogram("h2", "x", {}, {1, 0.5}), std::invalid_argument);
  CHECK_THROWS_AS(c.inc({}), std::invalid_argument);         // wrong label count
  CHECK_THROWS_AS(c.inc({"x"}, -1), std::invalid_argument);  // counters only go up
}

TEST_CASE("metrics: concurrent updates are all counted", "[http][metrics]") {
  MetricsRegistry m;
  auto& c = m.counter("hits_total", "Hits.", {"t"});
  auto& h = m.histogram("lat", "Lat.");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        c.inc({std::to_string(t % 2)});
        h.observe(0.001 * i);
        if (i % 500 == 0) (void)m.render();
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(c.value({"0"}) + c.value({"1"}) == 8000);
  CHECK(h.count() == 8000);
}
