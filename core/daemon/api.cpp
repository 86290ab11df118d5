// The HTTP API's routes (docs/api.md; docs/openapi.json is served at /v1/openapi.json).
#include <charconv>
#include <chrono>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <conventiond/config/schedule.hpp>
#include <conventiond/daemon/convention_query.hpp>
#include <conventiond/departements.hpp>
#include <conventiond/http/response.hpp>
#include <conventiond/http/router.hpp>
#include <conventiond/model/model_json.hpp>
#include <conventiond/model/timestamp.hpp>
#include <conventiond/publish/secret_box.hpp>

#include "daemon_impl.hpp"

namespace conventiond {

extern const char* const kOpenApiJson;  // generated from docs/openapi.json
extern const char* const kModelSchemaJson;  // generated from docs/schema/convention.schema.json

namespace {

namespace json = boost::json;
using http::json_error;
using http::json_response;
using http::Request;
using http::Responder;

std::optional<RunId> parse_id(std::string_view s) {
  RunId v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

json::object counts_json(const RunCounts& c) {
  return {{"total", c.total},          {"new", c.new_items},
          {"updated", c.updated},      {"unchanged", c.unchanged},
          {"failed", c.failed},        {"skipped_robots", c.skipped_robots},
          {"skipped_filter", c.skipped_filter}};
}

json::object run_json(const RunSummary& r) {
  json::object o{{"id", r.id},
                 {"job", r.job},
                 {"status", to_string(r.status)},
                 {"counts", counts_json(r.counts)},
                 {"started_at", r.started_at},
                 {"resumed", r.resumed},
                 {"url", "/v1/runs/" + std::to_string(r.id)}};
  o["finished_at"] = r.finished_at.empty() ? json::value(nullptr) : json::value(r.finished_at);
  // Why the run did not finish cleanly (null when it did).
  o["error"] = r.error.empty() ? json::value(nullptr) : json::value(r.error);
  // Cancelled (POST /v1/runs/{id}/cancel): stored failed with the prefix (routes_console.cpp).
  if (r.status == RunStatus::failed && r.error.rfind(Store::kCancelledPrefix, 0) == 0) o["status"] = "cancelled";
  return o;
}

json::object indicators_json(const std::vector<IndicatorRecord>& records) {
  // latest: one per (name, period) with its last revision; history: every revision.
  std::map<std::pair<std::string, std::string>, const IndicatorRecord*> latest;
  json::array history;
  for (const IndicatorRecord& r : records) {
    auto& slot = latest[{r.indicator.name, r.indicator.period}];
    if (slot == nullptr || slot->revision < r.revision) slot = &r;
    json::object o = to_json(r.indicator).as_object();
    o["revision"] = r.revision;
    o["recorded_at"] = r.recorded_at;
    history.push_back(std::move(o));
  }
  // The latest period of each indicator name first.
  std::map<std::string, const IndicatorRecord*> newest_by_name;
  json::array latest_json;
  for (const auto& [key, r] : latest) {
    json::object o = to_json(r->indicator).as_object();
    o["revision"] = r->revision;
    o["recorded_at"] = r->recorded_at;
    latest_json.push_back(std::move(o));
    auto& n = newest_by_name[key.first];
    if (n == nullptr || n->indicator.period < r->indicator.period) n = r;
  }
  json::object current;
  for (const auto& [name, r] : newest_by_name) {
    current[name] = json::object{{"period", r->indicator.period},
                                 {"value", r->indicator.value},
                                 {"unit", r->indicator.unit}};
  }
  return {{"current", std::move(current)}, {"values", std::move(latest_json)}, {"history", std::move(history)}};
}

// "30s", "2m" or plain seconds, at most `max`.
std::optional<std::chrono::milliseconds> wait_param(std::string_view v, std::chrono::seconds max) {
  std::chrono::milliseconds out{0};
  if (auto n = parse_id(v)) {
    out = std::chrono::seconds(*n);
  } else if (v == "0") {
    out = std::chrono::milliseconds(0);
  } else if (auto d = parse_duration(v)) {
    out = *d;
  } else {
    return std::nullopt;
  }
  if (out > max) return std::nullopt;
  return out;
}

std::optional<std::int64_t> seq_param(std::string_view v) {
  if (v == "0") return 0;
  auto n = parse_id(v);
  if (!n) return std::nullopt;
  return *n;
}

json::object subscription_json(const Subscription& sub, std::optional<std::int64_t> dead_letters) {
  json::array deps, kinds;
  for (const auto& d : sub.filter.departements) deps.push_back(json::value(d));
  for (const auto& k : sub.filter.kinds) kinds.push_back(json::value(k));
  json::object o{{"id", sub.id},
                 {"url", sub.url},
                 {"has_secret", sub.has_secret},
                 {"filter", json::object{{"departements", std::move(deps)}, {"kinds", std::move(kinds)}}},
                 {"status", to_string(sub.status)},
                 {"cursor", sub.cursor},
                 {"consecutive_failures", sub.consecutive_failures},
                 {"created_at", sub.created_at},
                 {"updated_at", sub.updated_at}};
  o["last_error"] = sub.last_error.empty() ? json::value(nullptr) : json::value(sub.last_error);
  o["last_error_at"] = sub.last_error_at.empty() ? json::value(nullptr) : json::value(sub.last_error_at);
  // While the previous secret still signs (a rotation's overlap), when it stops.
  const auto until = parse_rfc3339(sub.previous_secret_until);
  o["previous_secret_expires_at"] = until && std::chrono::system_clock::now() < *until
                                        ? json::value(sub.previous_secret_until)
                                        : json::value(nullptr);
  if (dead_letters) o["dead_letters"] = *dead_letters;
  return o;
}

// The body of POST /v1/subscriptions.
Result<NewSubscription> parse_new_subscription(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return Error::make("invalid", "the body is not JSON: " + ec.message());
  const json::object* o = v.if_object();
  if (o == nullptr) return Error::make("invalid", "the body must be a JSON object");
  NewSubscription n;
  for (const auto& [key, value] : *o) {
    if (key == "url" && value.is_string()) {
      n.url = std::string(value.as_string());
    } else if (key == "secret" && value.is_string()) {
      n.secret = std::string(value.as_string());
    } else if ((key == "departements" || key == "kinds") && value.is_array()) {
      for (const auto& item : value.as_array()) {
        if (!item.is_string()) return Error::make("invalid", "'" + std::string(key) + "' must be a list of strings");
        (key == "kinds" ? n.filter.kinds : n.filter.departements).emplace_back(item.as_string());
      }
    } else if (key == "from_seq" && value.is_int64() && value.as_int64() >= 0) {
      n.from_seq = value.as_int64();
    } else {
      return Error::make("invalid", "unknown or mistyped member '" + std::string(key).substr(0, 40) +
                                        "' (expected url, secret, departements, kinds, from_seq)");
    }
  }
  if (n.url.empty()) return Error::make("invalid", "'url' is required");
  return n;
}

// The body of POST /v1/subscriptions/{id}/rotate-secret: {"secret"?, "overlap"?}. Without a
// secret, a new one of 32 random bytes (64 hex digits) is made and answered once.
struct SecretRotation {
  std::string secret;
  bool generated = false;
  std::chrono::seconds overlap{24 * 3600};
};

Result<SecretRotation> parse_secret_rotation(std::string_view body) {
  SecretRotation out;
  if (!body.empty()) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) return Error::make("invalid", "the body is not JSON: " + ec.message());
    const json::object* o = v.if_object();
    if (o == nullptr) return Error::make("invalid", "the body must be a JSON object");
    for (const auto& [key, value] : *o) {
      if (key == "secret" && value.is_string() && !value.as_string().empty() &&
          value.as_string().size() <= 1024) {
        out.secret = std::string(value.as_string());
      } else if (key == "overlap" && value.is_string()) {
        auto d = parse_duration_ms(value.as_string());
        if (!d || *d > std::chrono::hours(7 * 24)) return Error::make("invalid", "'overlap': expected a duration from 0s to 7d (\"24h\")");
        out.overlap = std::chrono::ceil<std::chrono::seconds>(*d);
      } else {
        return Error::make("invalid", "unknown or mistyped member '" + std::string(key).substr(0, 40) +
                                          "' (expected secret: 1 to 1024 characters, overlap: a duration)");
      }
    }
  }
  if (out.secret.empty()) {
    auto made = new_webhook_secret();
    if (!made) return made.error();
    out.secret = std::move(*made);
    out.generated = true;
  }
  return out;
}

int status_for(const Error& e) {
  if (e.code == "not_found") return 404;
  if (e.code == "invalid") return 400;
  if (e.code == "forbidden") return 403;
  if (e.code == "conflict") return 409;
  return 503;
}

}  // namespace

void Daemon::Impl::offload(Responder r, std::function<http::Response()> work) {
  // The responder travels to the pool and back without a copy left behind: its last handle
  // is always released on the io thread.
  boost::asio::post(*blocking_, [this, r = std::move(r), work = std::move(work)]() mutable {
    http::Response resp = work();
    boost::asio::post(io_, [r = std::move(r), resp = std::move(resp)]() mutable { r.send(std::move(resp)); });
  });
}

void Daemon::Impl::add_route(std::string_view method, std::string_view pattern,
                             http::Handler handler, http::Access access) {
  if (Status s = server_->router().add(method, pattern, std::move(handler), access); !s) {
    log("route " + std::string(pattern) + ": " + s.error().message);
  }
}

http::Response Daemon::Impl::store_error(std::string_view op, const Error& e) {
  store_errors_->inc({std::string(op)});
  return json_error(503, "store_unavailable", std::string(op) + ": " + e.message);
}

void Daemon::Impl::register_routes() {
  auto store_failed = [this](Responder& r, std::string_view op, const Error& e) {
    r.send(store_error(op, e));
  };

  add_route("GET", "/healthz", [](const Request&, Responder r) {
    r.send(json_response(200, json::object{{"status", "ok"}}));
  }, http::Access::open);

  add_route("GET", "/readyz", [this](const Request&, Responder r) {
    // The daemon's own state here, on the io thread; the store's ping on the pool.
    bool plugins_ok = true;
    for (const auto& [name, job] : jobs_) {
      if (registry_.find(job.config.connector) == nullptr) plugins_ok = false;
    }
    const bool stopping = stopping_;
    offload(std::move(r), [this, plugins_ok, stopping] {
    json::object checks;
    bool ready = true;
    // Cheap: a ping, and the store's last failure (check_health() ran at start; its failure
    // and corruption stay until a restart, other failures count for kStoreFailureWindow
    // unless an operation succeeded since). docs/daemon.md.
    constexpr auto kStoreFailureWindow = std::chrono::seconds(60);
    const Status ping = store_->ping();
    std::string store_state = "ok";
    if (!ping) {
      store_state = ping.error().message;
    } else if (const auto failure = store_->last_failure()) {
      const auto age = std::chrono::system_clock::now() - failure->at;
      if (failure->sticky || age < kStoreFailureWindow) {
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(age).count();
        store_state = std::string(failure->sticky ? "unusable, found " : "failed ") +
                      std::to_string(seconds < 0 ? 0 : seconds) + " s ago: " + failure->message;
      }
    }
    checks["store"] = json::value(store_state);
    ready = ready && store_state == "ok";
    checks["plugins"] = plugins_ok ? json::value("ok") : json::value("a job's connector is not loaded");
    if (worker_pool_) {  // a plugin that keeps crashing its workers (docs/workers.md)
      std::string unhealthy;
      for (const auto& [plugin, why] : worker_pool_->stats().unhealthy) unhealthy += (unhealthy.empty() ? "" : "; ") + why;
      checks["workers"] = unhealthy.empty() ? json::value("ok") : json::value(unhealthy);
      ready = ready && unhealthy.empty();
    }
    ready = ready && plugins_ok && !stopping;
    if (stopping) checks["daemon"] = "stopping";
    return json_response(ready ? 200 : 503,
                         json::object{{"status", ready ? "ready" : "not_ready"}, {"checks", checks}});
    });
  }, http::Access::open);

  add_route("GET", "/metrics", [this](const Request&, Responder r) {
    if (worker_pool_) {
      const auto ws = worker_pool_->stats();
      auto& g = metrics_.gauge("conventiond_worker_events", "Worker processes since start, by event.", {"event"});
      g.set({"task"}, static_cast<double>(ws.tasks));
      g.set({"crash"}, static_cast<double>(ws.crashes));
      g.set({"restart"}, static_cast<double>(ws.restarts));
      auto& u = metrics_.gauge("conventiond_plugin_unhealthy", "1 when a plugin crashed its workers repeatedly.", {"plugin"});
      for (const auto& [plugin, why] : ws.unhealthy) u.set({plugin}, 1);
    }
    if (webhooks_) {
      const WebhookMetrics m = webhooks_->metrics();
      auto& g = metrics_.gauge("conventiond_webhook_events", "Webhook events since start, by outcome.", {"outcome"});
      g.set({"delivered"}, static_cast<double>(m.delivered));
      g.set({"failed_attempt"}, static_cast<double>(m.failed_attempts));
      g.set({"dead_lettered"}, static_cast<double>(m.dead_lettered));
      g.set({"replayed"}, static_cast<double>(m.replayed));
      g.set({"refused"}, static_cast<double>(m.refused));  // by the connect-time address check
    }
    if (sinks_) {
      auto& g = metrics_.gauge("conventiond_sink_cursor", "Last seq delivered to each sink.", {"sink"});
      for (const SinkState& st : sinks_->states()) g.set({st.name}, static_cast<double>(st.cursor));
    }
    if (auto latest = store_->latest_seq()) {
      metrics_.gauge("conventiond_change_log_seq", "Latest seq of the change log.").set(static_cast<double>(*latest));
    }
    r.send(http::text_response(200, metrics_.render(), std::string(http::MetricsRegistry::content_type)));
  }, http::Access::open);

  add_route("GET", "/v1/openapi.json", [](const Request&, Responder r) {
    http::Response resp;
    resp.body = kOpenApiJson;
    r.send(std::move(resp));
  }, http::Access::open);

  // The JSON Schema of the records and of the change-event envelope ($id
  // urn:conventiond:schema:model:1; the event is #/$defs/change_event).
  add_route("GET", "/v1/schema/model.json", [](const Request&, Responder r) {
    http::Response resp;
    resp.content_type = "application/schema+json";
    resp.body = kModelSchemaJson;
    resp.headers.emplace_back("Cache-Control", "public, max-age=3600");
    r.send(std::move(resp));
  }, http::Access::open);

  // Served from the in-memory cache (convention_cache.hpp): prepared bytes, an ETag, 304.
  auto send_prepared = [](const Request& req, Responder& r, std::shared_ptr<const PreparedBody> prepared) {
    const PreparedBody& p = *prepared;
    http::Response resp;
    resp.headers.emplace_back("ETag", p.etag);
    resp.headers.emplace_back("Cache-Control", "no-cache");
    if (auto inm = req.header("if-none-match");
        inm && (*inm == "*" || inm->find(p.etag) != std::string_view::npos)) {
      resp.status = 304;
      resp.content_type.clear();
      return (void)r.send(std::move(resp));
    }
    resp.shared_body = std::shared_ptr<const std::string>(prepared, &p.body);  // no copy
    r.send(std::move(resp));
  };

  add_route("GET", "/v1/conventions", [this, store_failed, send_prepared](const Request& req, Responder r) {
    auto query = parse_convention_query(req.query);
    if (!query) return (void)r.send(json_error(400, "bad_request", query.error().message));
    if (Status s = cache_->sync(); !s) return store_failed(r, "conventions", s.error());
    const std::size_t q = req.target.find('?');
    auto page = cache_->list(*query, q == std::string::npos ? std::string() : req.target.substr(q));
    if (!page) return (void)r.send(json_error(400, "bad_request", page.error().message));
    send_prepared(req, r, std::move(*page));
  }, http::Access::read);

  add_route("GET", "/v1/conventions/{id}", [this, store_failed, send_prepared](const Request& req, Responder r) {
    const std::string id(req.param("id"));
    if (Status s = cache_->sync(); !s) return store_failed(r, "convention", s.error());
    std::shared_ptr<const PreparedBody> prepared = cache_->detail(id);
    if (!prepared) {
      const Convention* c = cache_->find(id);
      if (c == nullptr) return (void)r.send(json_error(404, "not_found", "no convention '" + id.substr(0, 100) + "'"));
      auto ind = store_->indicators(c->facts.departement);
      if (!ind) return store_failed(r, "indicators", ind.error());
      json::object out = to_json(*c).as_object();
      out["indicators"] = indicators_json(*ind);
      if (const Departement* d = find_departement(c->facts.departement)) {
        out["departement_name"] = d->name;
        out["region"] = d->region;
      }
      prepared = ConventionCache::prepare(json::serialize(out));
      cache_->put_detail(id, prepared);
    }
    send_prepared(req, r, std::move(prepared));
  }, http::Access::read);

  add_route("GET", "/v1/conventions/{id}/revisions", [this](const Request& req, Responder r) {
    offload(std::move(r), [this, id = std::string(req.param("id"))] {
      auto h = store_->convention_history(id);
      if (!h) return store_error("convention_history", h.error());
      if (h->empty()) return json_error(404, "not_found", "no convention '" + id.substr(0, 100) + "'");
      json::array items;
      for (const Convention& c : *h) items.push_back(to_json(c));
      return json_response(200, json::object{{"items", std::move(items)}});
    });
  }, http::Access::read);

  add_route("GET", "/v1/departements/{code}", [this, store_failed](const Request& req, Responder r) {
    const std::string code = normalize_departement_code(req.param("code"));
    const Departement* d = find_departement(code);
    if (d == nullptr) {
      return (void)r.send(json_error(404, "not_found", "no département '" + std::string(req.param("code")).substr(0, 10) + "'"));
    }
    if (Status s = cache_->sync(); !s) return store_failed(r, "conventions", s.error());
    json::array conventions;
    for (const Convention* c : cache_->of_departement(d->code)) {
      conventions.push_back(json::object{{"id", c->id}, {"programme", c->programme}, {"revision", c->revision},
                                         {"url", "/v1/conventions/" + c->id}});
    }
    // The conventions from the cache (io thread), the indicators from the store (pool).
    offload(std::move(r), [this, d, conventions = std::move(conventions)]() mutable -> http::Response {
      auto ind = store_->indicators(d->code);
      if (!ind) return store_error("indicators", ind.error());
      return json_response(200, json::object{{"code", d->code}, {"name", d->name}, {"region", d->region},
                                             {"conventions", std::move(conventions)},
                                             {"indicators", indicators_json(*ind)}});
    });
  }, http::Access::read);

  add_route("GET", "/v1/changes", [this](const Request& req, Responder r) {
    std::int64_t since = 0;
    std::size_t limit = 100;
    std::chrono::milliseconds wait{0};
    if (auto v = req.query_param("since")) {
      auto n = seq_param(*v);
      if (!n) return (void)r.send(json_error(400, "bad_request", "query parameter 'since': expected a seq (integer >= 0)"));
      since = *n;
    }
    if (auto v = req.query_param("limit")) {
      auto n = parse_id(*v);
      if (!n || *n > 1000) return (void)r.send(json_error(400, "bad_request", "query parameter 'limit': expected an integer from 1 to 1000"));
      limit = static_cast<std::size_t>(*n);
    }
    if (auto v = req.query_param("wait")) {
      auto w = wait_param(*v, std::chrono::seconds(60));
      if (!w) return (void)r.send(json_error(400, "bad_request", "query parameter 'wait': expected a duration up to 60s (\"30s\")"));
      wait = *w;
    }
    if (auto expired = changes_->expired_cursor(since)) return (void)r.send(std::move(*expired));
    changes_->wait_for_changes(since, limit, wait, r);
  }, http::Access::read);

  add_route("GET", "/v1/changes/stream", [this](const Request& req, Responder r) {
    std::int64_t since = 0;
    std::optional<std::string_view> from = req.header("last-event-id");
    if (!from) from = req.query_param("since");
    if (from) {
      auto n = seq_param(*from);
      if (!n) return (void)r.send(json_error(400, "bad_request", "Last-Event-ID / since: expected a seq (integer >= 0)"));
      since = *n;
    }
    std::chrono::milliseconds heartbeat{15'000};
    if (auto v = req.query_param("heartbeat")) {
      auto w = wait_param(*v, std::chrono::seconds(300));
      if (!w || w->count() < 100) return (void)r.send(json_error(400, "bad_request", "query parameter 'heartbeat': expected a duration from 1s to 300s"));
      heartbeat = *w;
    }
    if (auto expired = changes_->expired_cursor(since)) return (void)r.send(std::move(*expired));
    changes_->add_stream(since, heartbeat, r);
  }, http::Access::read);

  // --- Webhook subscriptions (admin: they hold receivers' addresses) ---------------------
  add_route("POST", "/v1/subscriptions", [this](const Request& req, Responder r) {
    auto n = parse_new_subscription(req.body);
    if (!n) return (void)r.send(json_error(400, "invalid", n.error().message));
    auto sub = webhooks_->subscribe(*n);
    if (!sub) return (void)r.send(json_error(status_for(sub.error()), sub.error().code, sub.error().message));
    http::Response resp = json_response(201, subscription_json(*sub, 0));
    resp.headers.emplace_back("Location", "/v1/subscriptions/" + std::to_string(sub->id));
    r.send(std::move(resp));
  }, http::Access::admin);

  add_route("GET", "/v1/subscriptions", [this](const Request&, Responder r) {
    offload(std::move(r), [this] {
      auto subs = store_->subscriptions();
      if (!subs) return store_error("subscriptions", subs.error());
      json::array items;
      for (const Subscription& s : *subs) {
        auto n = store_->dead_letter_count(s.id);
        items.push_back(subscription_json(s, n ? std::optional<std::int64_t>(*n) : std::nullopt));
      }
      return json_response(200, json::object{{"items", std::move(items)}});
    });
  }, http::Access::admin);

  add_route("GET", "/v1/subscriptions/{id}", [this](const Request& req, Responder r) {
    auto id = parse_id(req.param("id"));
    if (!id) return (void)r.send(json_error(400, "bad_request", "a subscription id is a positive integer"));
    offload(std::move(r), [this, id = *id] {
      auto sub = store_->subscription(id);
      if (!sub) return json_error(status_for(sub.error()), sub.error().code, sub.error().message);
      if (!*sub) return json_error(404, "not_found", "no subscription " + std::to_string(id));
      auto n = store_->dead_letter_count(id);
      return json_response(200, subscription_json(**sub, n ? std::optional<std::int64_t>(*n) : std::nullopt));
    });
  }, http::Access::admin);

  add_route("DELETE", "/v1/subscriptions/{id}", [this](const Request& req, Responder r) {
    auto id = parse_id(req.param("id"));
    if (!id) return (void)r.send(json_error(400, "bad_request", "a subscription id is a positive integer"));
    offload(std::move(r), [this, id = *id] {
      Status s = store_->delete_subscription(id);
      if (!s) return json_error(status_for(s.error()), s.error().code, s.error().message);
      http::Response resp;
      resp.status = 204;
      resp.content_type.clear();
      return resp;
    });
  }, http::Access::admin);

  add_route("POST", "/v1/subscriptions/{id}/resume", [this](const Request& req, Responder r) {
    auto id = parse_id(req.param("id"));
    if (!id) return (void)r.send(json_error(400, "bad_request", "a subscription id is a positive integer"));
    Status s = webhooks_->resume(*id);
    if (!s) return (void)r.send(json_error(status_for(s.error()), s.error().code, s.error().message));
    auto sub = store_->subscription(*id);
    if (!sub || !*sub) return (void)r.send(json_error(404, "not_found", "no subscription " + std::to_string(*id)));
    r.send(json_response(200, subscription_json(**sub, std::nullopt)));
  }, http::Access::admin);

  add_route("POST", "/v1/subscriptions/{id}/rotate-secret", [this](const Request& req, Responder r) {
    auto id = parse_id(req.param("id"));
    if (!id) return (void)r.send(json_error(400, "bad_request", "a subscription id is a positive integer"));
    auto rotation = parse_secret_rotation(req.body);
    if (!rotation) {
      return (void)r.send(json_error(status_for(rotation.error()), rotation.error().code, rotation.error().message));
    }
    auto until = webhooks_->rotate_secret(*id, rotation->secret, rotation->overlap);
    if (!until) return (void)r.send(json_error(status_for(until.error()), until.error().code, until.error().message));
    auto sub = store_->subscription(*id);
    if (!sub || !*sub) return (void)r.send(json_error(404, "not_found", "no subscription " + std::to_string(*id)));
    json::object out = subscription_json(**sub, std::nullopt);
    // A secret made here is shown this once; one the caller chose is not echoed.
    if (rotation->generated) out["secret"] = rotation->secret;
    r.send(json_response(200, out));
  }, http::Access::admin);

  add_route("GET", "/v1/subscriptions/{id}/dead-letters", [this](const Request& req, Responder r) {
    auto id = parse_id(req.param("id"));
    if (!id) return (void)r.send(json_error(400, "bad_request", "a subscription id is a positive integer"));
    std::int64_t after = 0;
    if (auto v = req.query_param("after")) {
      auto n = seq_param(*v);
      if (!n) return (void)r.send(json_error(400, "bad_request", "query parameter 'after': expected a dead-letter id"));
      after = *n;
    }
    offload(std::move(r), [this, id = *id, after]() -> http::Response {
    auto letters = store_->dead_letters(id, after, 100);
    if (!letters) return json_error(status_for(letters.error()), letters.error().code, letters.error().message);
    json::array items;
    for (const DeadLetter& d : *letters) {
      boost::system::error_code ec;
      json::value event = json::parse(d.event_json, ec);
      items.push_back(json::object{{"id", d.id}, {"subscription_id", d.subscription_id}, {"seq", d.seq},
                                   {"error", d.error}, {"attempts", d.attempts}, {"created_at", d.created_at},
                                   {"event", ec ? json::value(d.event_json) : std::move(event)},
                                   {"replay_url", "/v1/dead-letters/" + std::to_string(d.id) + "/replay"}});
    }
    return json_response(200, json::object{{"items", std::move(items)}});
    });
  }, http::Access::admin);

  add_route("POST", "/v1/dead-letters/{id}/replay", [this](const Request& req, Responder r) {
    auto id = parse_id(req.param("id"));
    if (!id) return (void)r.send(json_error(400, "bad_request", "a dead-letter id is a positive integer"));
    webhooks_->replay_dead_letter(*id, [r, id = *id](Status s) mutable {
      if (s) {
        r.send(json_response(200, json::object{{"replayed", id}, {"status", "delivered"}}));
      } else {
        const int status = s.error().code == "not_found" ? 404 : 502;
        r.send(json_error(status, s.error().code, s.error().message));
      }
    });
  }, http::Access::admin);

  add_route("POST", "/v1/subscriptions/{id}/ping", [this](const Request& req, Responder r) {
    auto id = parse_id(req.param("id"));
    if (!id) return (void)r.send(json_error(400, "bad_request", "a subscription id is a positive integer"));
    webhooks_->ping(*id, [r](Result<WebhookDispatcher::PingOutcome> o) mutable {
      if (!o) {
        r.send(json_error(o.error().code == "not_found" ? 404 : status_for(o.error()),
                          o.error().code, o.error().message));
        return;
      }
      json::object out{{"delivered", o->delivered},
                       {"http_status", o->http_status == 0 ? json::value(nullptr) : json::value(o->http_status)},
                       {"error", o->error.empty() ? json::value(nullptr) : json::value(o->error)},
                       {"duration_ms", static_cast<std::int64_t>(o->elapsed.count())}};
      r.send(json_response(200, out));
    });
  }, http::Access::admin);

  add_route("GET", "/v1/sinks", [this](const Request&, Responder r) {
    json::array items;
    if (sinks_) {
      for (const SinkState& st : sinks_->states()) {
        json::object o{{"name", st.name}, {"cursor", st.cursor}, {"delivered", st.delivered},
                       {"batches", st.batches}, {"failures", st.failures},
                       {"consecutive_failures", st.consecutive_failures}};
        o["last_error"] = st.last_error.empty() ? json::value(nullptr) : json::value(st.last_error);
        items.push_back(std::move(o));
      }
    }
    r.send(json_response(200, json::object{{"items", std::move(items)}}));
  }, http::Access::read);

  // A job as the routes show it: what the daemon knows (read here, on the io thread), then its
  // runs from the store (on the blocking pool, by with_runs()); a store failure is an error
  // answer, not a job that seems never to have run.
  auto job_head = [](const JobState& j) {
    json::object o{{"name", j.config.name},
                   {"connector", j.config.connector},
                   {"enabled", j.config.enabled},
                   {"schedule", j.config.schedule.describe()}};
    o["next_run_at"] = j.next_run ? json::value(format_rfc3339(*j.next_run)) : json::value(nullptr);
    o["current_run"] = j.active ? json::value(j.active->id) : json::value(nullptr);
    o["paused"] = j.paused.empty() ? json::value(nullptr) : json::value(j.paused);
    o["run_url"] = "/v1/jobs/" + j.config.name + "/run";
    return o;
  };
  // Adds "last_run", and "runs" (the `recent` latest) when recent > 0.
  auto with_runs = [this](json::object& o, std::size_t recent) -> Status {
    const std::string name(o.at("name").as_string());
    auto runs = store_->runs(name, std::max<std::size_t>(recent, 1));
    if (!runs) return runs.error();
    o["last_run"] = runs->empty() ? json::value(nullptr) : json::value(run_json(runs->front()));
    if (recent > 0) {
      json::array items;
      for (const RunSummary& summary : *runs) items.push_back(run_json(summary));
      o["runs"] = std::move(items);
    }
    return {};
  };

  add_route("GET", "/v1/jobs", [this, job_head, with_runs](const Request&, Responder r) {
    std::vector<json::object> heads;
    for (const auto& [name, j] : jobs_) heads.push_back(job_head(j));
    offload(std::move(r), [this, heads = std::move(heads), with_runs]() mutable -> http::Response {
      json::array items;
      for (json::object& o : heads) {
        if (Status s = with_runs(o, 0); !s) return store_error("runs", s.error());
        items.push_back(std::move(o));
      }
      return json_response(200, json::object{{"items", std::move(items)}});
    });
  }, http::Access::read);

  add_route("GET", "/v1/jobs/{name}", [this, job_head, with_runs](const Request& req, Responder r) {
    auto it = jobs_.find(std::string(req.param("name")));
    if (it == jobs_.end()) return (void)r.send(json_error(404, "not_found", "no job '" + std::string(req.param("name")).substr(0, 64) + "'"));
    offload(std::move(r), [this, o = job_head(it->second), with_runs]() mutable -> http::Response {
      if (Status s = with_runs(o, 20); !s) return store_error("runs", s.error());
      return json_response(200, o);
    });
  }, http::Access::read);

  auto answer_launch = [](Responder& r, Result<std::shared_ptr<ActiveRun>>& launched) {
    if (!launched) {
      const Error& e = launched.error();
      const int status = e.code == "not_found" ? 404 : e.code == "conflict" ? 409
                         : e.code == "unavailable" ? 503 : 500;
      return (void)r.send(json_error(status, e.code, e.message));
    }
    const auto& run = *launched;
    r.send(json_response(202, json::object{{"run_id", run->id},
                                           {"job", run->job},
                                           {"status", run->started ? "running" : "queued"},
                                           {"resumed", run->resume},
                                           {"url", "/v1/runs/" + std::to_string(run->id)}}));
  };

  add_route("POST", "/v1/jobs/{name}/run", [this, answer_launch](const Request& req, Responder r) {
    auto launched = launch(std::string(req.param("name")));
    answer_launch(r, launched);
  }, http::Access::admin);

  add_route("GET", "/v1/runs/{id}", [this](const Request& req, Responder r) {
    auto parsed = parse_id(req.param("id"));
    if (!parsed) return (void)r.send(json_error(400, "bad_request", "a run id is a positive integer"));
    offload(std::move(r), [this, id = parsed]() -> http::Response {
    auto report = store_->run_report(*id);
    if (!report) {
      if (report.error().code == "not_found") {
        return json_error(404, "not_found", "no run " + std::to_string(*id));
      }
      return store_error("run_report", report.error());
    }
    json::object o = run_json(report->run);
    json::array failed;
    for (const FailedItem& f : report->failed) {
      failed.push_back(json::object{{"url", f.url}, {"http_status", f.http_status},
                                    {"error", f.error}, {"attempts", f.attempts}});
    }
    o["failed_items"] = std::move(failed);
    o["retry_url"] = "/v1/runs/" + std::to_string(*id) + "/retry-failed";
    return json_response(200, o);
    });
  }, http::Access::read);

  // A run's progress as Server-Sent Events: the run as GET /v1/runs/{id} shows it (without its
  // failed items) at once as an event "progress", again whenever its counts or status change
  // (read every 500 ms on the blocking pool), a heartbeat comment every 15 s, and an event
  // "end" (the finished run) once it no longer runs; then the stream ends.
  add_route("GET", "/v1/runs/{id}/stream", [this](const Request& req, Responder r) {
    auto parsed = parse_id(req.param("id"));
    if (!parsed) return (void)r.send(json_error(400, "bad_request", "a run id is a positive integer"));
    struct Watch {
      explicit Watch(boost::asio::io_context& io) : timer(io) {}
      RunId id = 0;
      http::Stream stream;
      std::string last;  // the last progress sent
      boost::asio::steady_timer timer;
      std::chrono::steady_clock::time_point last_write = std::chrono::steady_clock::now();
      bool closed = false;
      std::function<void()> read;  // reads the run on the pool, then show()
    };
    auto w = std::make_shared<Watch>(io_);
    w->id = *parsed;
    // Writes the run if it changed; ends the stream once it no longer runs, else waits.
    auto show = [this](const std::shared_ptr<Watch>& watch, const RunSummary& run) {
      if (watch->closed) return;
      const std::string data = json::serialize(run_json(run));
      const bool running = run.status == RunStatus::running;
      if (data != watch->last || !running) {
        watch->stream.write(std::string("event: ") + (running ? "progress" : "end") + "\ndata: " + data + "\n\n");
        watch->last = data;
        watch->last_write = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - watch->last_write >= std::chrono::seconds(15)) {
        watch->stream.write(": heartbeat\n\n");
        watch->last_write = std::chrono::steady_clock::now();
      }
      if (!running) {
        watch->closed = true;
        watch->stream.close();
        watch->read = nullptr;  // breaks the cycle watch -> read -> watch
        return;
      }
      watch->timer.expires_after(std::chrono::milliseconds(500));
      // The pending wait (and then the read) holds the watch; the watch holds no one.
      watch->timer.async_wait([watch](const boost::system::error_code& ec) {
        if (!ec && !watch->closed && watch->read) watch->read();
      });
    };
    // The first read answers 404 for an unknown run; later ones end the stream on an error.
    auto first = std::make_shared<bool>(true);
    w->read = [this, weak = std::weak_ptr<Watch>(w), show, first, r]() mutable {
      auto live = weak.lock();
      if (!live) return;
      boost::asio::post(*blocking_, [this, live, show, first, r]() mutable {
        auto report = store_->run_report(live->id);
        boost::asio::post(io_, [this, watch = live, show, first, r, report = std::move(report)]() mutable {
          if (watch->closed) return;
          if (*first) {
            *first = false;
            if (!report) {
              watch->read = nullptr;
              if (report.error().code == "not_found") {
                return (void)r.send(json_error(404, "not_found", "no run " + std::to_string(watch->id)));
              }
              return (void)r.send(store_error("run_report", report.error()));
            }
            watch->stream = r.start_stream(200, {{"Content-Type", "text/event-stream; charset=utf-8"},
                                                 {"Cache-Control", "no-cache"},
                                                 {"X-Accel-Buffering", "no"}});
            if (!watch->stream.is_open()) {
              watch->read = nullptr;
              return;
            }
            watch->stream.on_close([weak = std::weak_ptr<Watch>(watch)](const Error&) {
              if (auto gone = weak.lock()) {
                gone->closed = true;
                gone->timer.cancel();
                gone->read = nullptr;
              }
            });
            watch->stream.write("retry: 5000\n: conventiond run " + std::to_string(watch->id) + "\n\n");
          }
          if (!report) {
            watch->stream.write("event: error\ndata: " + json::serialize(json::object{{"message", report.error().message}}) + "\n\n");
            watch->closed = true;
            watch->stream.close();
            watch->read = nullptr;
            return;
          }
          show(watch, report->run);
        });
      });
    };
    w->read();
  }, http::Access::read);

  add_route("POST", "/v1/runs/{id}/retry-failed", [this, answer_launch, store_failed](const Request& req, Responder r) {
    auto id = parse_id(req.param("id"));
    if (!id) return (void)r.send(json_error(400, "bad_request", "a run id is a positive integer"));
    auto report = store_->run_report(*id);
    if (!report) {
      if (report.error().code == "not_found") {
        return (void)r.send(json_error(404, "not_found", "no run " + std::to_string(*id)));
      }
      return store_failed(r, "run_report", report.error());
    }
    if (report->run.status == RunStatus::running) {
      return (void)r.send(json_error(409, "conflict", "run " + std::to_string(*id) + " is still running"));
    }
    if (report->failed.empty()) {
      return (void)r.send(json_error(409, "nothing_to_retry", "run " + std::to_string(*id) + " has no failed item"));
    }
    auto launched = launch(report->run.job, *id);
    answer_launch(r, launched);
  }, http::Access::admin);
  register_console_routes();
  register_export_routes();
  register_correction_routes();
}

}  // namespace conventiond
