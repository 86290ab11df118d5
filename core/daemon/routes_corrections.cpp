// Corrections by operators (docs/corrections.md, model/correction.hpp):
//   GET    /v1/conventions/{id}/corrections        the convention's corrections (read access)
//   POST   /v1/conventions/{id}/corrections        confirm or correct a value, or say the record
//                                                  is not a convention (admin)
//   DELETE /v1/conventions/{id}/corrections/{n}    take one back (admin)
// A correction is stored, then the convention is merged again at once (read-merge-save in one
// store transaction), so the record, its provenance and the change feed show it on return.
#include <charconv>
#include <optional>
#include <string>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <conventiond/harvest/conventions.hpp>
#include <conventiond/http/response.hpp>
#include <conventiond/http/router.hpp>
#include <conventiond/model/correction.hpp>
#include <conventiond/model/model_json.hpp>

#include "convention_cache.hpp"
#include "daemon_impl.hpp"

namespace conventiond {
namespace {

namespace json = boost::json;
using http::json_error;
using http::json_response;
using http::Request;
using http::Responder;

struct CorrectionRequest {
  std::string kind;
  std::string field;
  json::value value;  // null when absent
  std::string note;
  std::string author;
};

// {"kind", "field", "value", "note", "author"}: kind and author required; nothing else.
Result<CorrectionRequest> parse_correction_request(std::string_view body) {
  auto v = parse_json(body);
  if (!v) return Error::make("invalid", "the body is not JSON: " + v.error().message);
  const json::object* o = v->if_object();
  if (o == nullptr) return Error::make("invalid", "the body is a JSON object");
  CorrectionRequest out;
  for (const auto& kv : *o) {
    const std::string_view key(kv.key().data(), kv.key().size());
    const auto text = [&](std::string& into) -> Status {
      if (!kv.value().is_string()) return Error::make("invalid", std::string(key) + ": a string");
      into = std::string(kv.value().get_string());
      return Status::success();
    };
    Status s = Status::success();
    if (key == "kind") {
      s = text(out.kind);
    } else if (key == "field") {
      s = text(out.field);
    } else if (key == "note") {
      s = text(out.note);
    } else if (key == "author") {
      s = text(out.author);
    } else if (key == "value") {
      out.value = kv.value();
    } else {
      return Error::make("invalid", "unknown member \"" + std::string(key).substr(0, 50) +
                                        "\" (kind, field, value, note, author)");
    }
    if (!s) return s.error();
  }
  if (out.kind.empty()) return Error::make("invalid", "kind: set, confirm or not_a_convention");
  return out;
}

std::optional<std::int64_t> parse_number(std::string_view s) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

json::object convention_ref(Store& store, const std::string& id) {
  json::object ref{{"id", id}};
  if (auto c = store.convention(id); c && *c) ref["revision"] = (*c)->revision;
  return ref;
}

}  // namespace

void Daemon::Impl::register_correction_routes() {
  // Called on the blocking pool: the hub lives on the io thread.
  const auto wake_subscribers = [this] {
    boost::asio::post(io_, [this] {
      if (changes_) changes_->notify();
    });
  };
  add_route("GET", "/v1/conventions/{id}/corrections", [this](const Request& req, Responder r) {
    const std::string id(req.param("id"));
    if (Status s = cache_->sync(); !s) return (void)r.send(store_error("conventions", s.error()));
    const Convention* c = cache_->find(id);
    if (c == nullptr) return (void)r.send(json_error(404, "not_found", "no convention '" + id.substr(0, 100) + "'"));
    offload(std::move(r), [this, programme = c->programme, departement = c->facts.departement] {
      auto list = store_->corrections_for(programme, departement);
      if (!list) return store_error("corrections", list.error());
      json::array items;
      for (const Correction& k : *list) items.push_back(to_json(k));
      return json_response(200, json::object{{"items", std::move(items)}});
    });
  }, http::Access::read);

  add_route("POST", "/v1/conventions/{id}/corrections", [this, wake_subscribers](const Request& req, Responder r) {
    const std::string id(req.param("id"));
    auto body = parse_correction_request(req.body);
    if (!body) return (void)r.send(json_error(400, "invalid", body.error().message));
    // Who: the body's author, else the X-Operator header (as POST /v1/runs/{id}/cancel).
    if (auto op = req.header("x-operator"); body->author.empty() && op) body->author = std::string(*op);
    if (Status s = cache_->sync(); !s) return (void)r.send(store_error("conventions", s.error()));
    const Convention* c = cache_->find(id);
    if (c == nullptr) return (void)r.send(json_error(404, "not_found", "no convention '" + id.substr(0, 100) + "'"));
    if (body->kind == "confirm") {
      if (!body->value.is_null()) {
        return (void)r.send(json_error(400, "invalid", "correction: value: confirm takes the record's value, give none"));
      }
      auto now = current_value(c->facts, body->field);
      if (!now) {
        return (void)r.send(json_error(409, "nothing_to_confirm",
                                       "correction: the record has no value at \"" + body->field.substr(0, 100) +
                                           "\" to confirm (send kind \"set\" with a value)"));
      }
      body->value = *now;
    }
    auto correction = make_correction(c->programme, c->facts.departement, body->kind, body->field,
                                      body->value, body->note, body->author);
    if (!correction) return (void)r.send(json_error(400, "invalid", correction.error().message));
    offload(std::move(r), [this, id, wake_subscribers, correction = std::move(*correction)] {
      auto added = store_->add_correction(correction);
      if (!added) {
        if (added.error().code == "invalid") return json_error(400, "invalid", added.error().message);
        return store_error("add_correction", added.error());
      }
      // Applied now; were this merge to fail, the next merge of the convention applies it.
      auto merged = merge_convention(*store_, added->programme, added->departement);
      if (!merged) {
        return store_error("merge", Error::make(merged.error().code,
                                                "correction " + std::to_string(added->id) +
                                                    " is stored but not merged yet: " + merged.error().message));
      }
      wake_subscribers();
      http::Response resp = json_response(
          201, json::object{{"correction", to_json(*added)}, {"convention", convention_ref(*store_, id)}});
      resp.headers.emplace_back("Location", "/v1/conventions/" + id + "/corrections/" + std::to_string(added->id));
      return resp;
    });
  }, http::Access::admin);

  add_route("DELETE", "/v1/conventions/{id}/corrections/{n}", [this, wake_subscribers](const Request& req, Responder r) {
    const std::string id(req.param("id"));
    auto n = parse_number(req.param("n"));
    if (!n) return (void)r.send(json_error(400, "bad_request", "a correction number is a positive integer"));
    if (Status s = cache_->sync(); !s) return (void)r.send(store_error("conventions", s.error()));
    const Convention* c = cache_->find(id);
    if (c == nullptr) return (void)r.send(json_error(404, "not_found", "no convention '" + id.substr(0, 100) + "'"));
    offload(std::move(r), [this, id, wake_subscribers, n = *n, programme = c->programme, departement = c->facts.departement] {
      auto removed = store_->remove_correction(programme, departement, n);
      if (!removed) return store_error("remove_correction", removed.error());
      if (!*removed) return json_error(404, "not_found", "convention '" + id + "' has no correction " + std::to_string(n));
      auto merged = merge_convention(*store_, programme, departement);
      if (!merged) return store_error("merge", merged.error());
      wake_subscribers();
      return json_response(200, json::object{{"removed", n}, {"convention", convention_ref(*store_, id)}});
    });
  }, http::Access::admin);
}

}  // namespace conventiond
