#include "convention_cache.hpp"

#include <algorithm>
#include <cstdio>

#include <boost/json.hpp>

#include <conventiond/departements.hpp>
#include <conventiond/model/model_json.hpp>
#include <conventiond/model/vocabulary.hpp>

namespace conventiond {

namespace {

// Past this many events behind, a full reload is cheaper than applying them one by one.
constexpr std::size_t kBatch = 1000;
constexpr std::size_t kMaxEventsApplied = 20'000;
// Memoised list pages (distinct query strings) before the memo is emptied.
constexpr std::size_t kMaxPages = 2048;

std::string etag_of(std::string_view body) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64
  for (const char c : body) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

std::shared_ptr<const PreparedBody> ConventionCache::prepare(std::string body) {
  auto p = std::make_shared<PreparedBody>();
  p->etag = etag_of(body);
  p->body = std::move(body);
  return p;
}

Status ConventionCache::reload() {
  // The seq first: events committed between the two reads are applied again later, which
  // changes nothing (a record is replaced only by one of the same or a newer revision).
  auto latest = store_.latest_seq();
  if (!latest) return latest.error();
  auto all = store_.conventions();
  if (!all) return all.error();
  records_.clear();
  for (Convention& c : *all) upsert(std::move(c));
  seq_ = *latest;
  loaded_ = true;
  stale_ = false;
  ++reloads_;
  forget_memos();
  return Status::success();
}

void ConventionCache::forget_memos() {
  pages_.clear();
  details_.clear();
}

void ConventionCache::upsert(Convention c) {
  auto it = records_.find(c.id);
  if (it != records_.end() && it->second.record.revision > c.revision) return;  // older
  std::string json = boost::json::serialize(to_json(c));
  if (it == records_.end()) {
    std::string id = c.id;
    records_.emplace(std::move(id), Entry{std::move(c), std::move(json)});
  } else {
    it->second.record = std::move(c);
    it->second.json = std::move(json);
  }
  indexes_dirty_ = true;
}

void ConventionCache::apply(const ChangeEvent& e) {
  pages_.clear();
  if ((e.kind == "created" || e.kind == "updated" || e.kind == "provenance_updated") &&
      !e.convention_id.empty()) {
    details_.erase(e.convention_id);
    auto v = parse_json(e.payload_json);
    if (!v) return;
    auto c = convention_from_json(*v);
    if (!c) return;
    upsert(std::move(*c));
    return;
  }
  if (e.kind == "indicators_updated") {
    // Every record of the département shows its indicators.
    for (auto it = details_.begin(); it != details_.end();) {
      auto rec = records_.find(it->first);
      if (rec == records_.end() || rec->second.record.facts.departement == e.departement) {
        it = details_.erase(it);
      } else {
        ++it;
      }
    }
    return;
  }
  details_.clear();  // an event kind this build does not know: be safe
}

Status ConventionCache::sync() {
  if (!loaded_) return reload();
  if (!stale_) return Status::success();
  stale_ = false;
  auto oldest = store_.oldest_seq();
  if (!oldest) {
    stale_ = true;
    return oldest.error();
  }
  if (*oldest > seq_ + 1) return reload();  // events we never saw were pruned
  std::size_t applied = 0;
  for (;;) {
    auto events = store_.changes_since(seq_, kBatch);
    if (!events) {
      stale_ = true;
      return events.error();
    }
    for (const ChangeEvent& e : *events) {
      apply(e);
      seq_ = e.seq;
    }
    applied += events->size();
    if (events->size() < kBatch) break;
    if (applied >= kMaxEventsApplied) return reload();
  }
  return Status::success();
}

void ConventionCache::rebuild_indexes() {
  if (!indexes_dirty_) return;
  all_.clear();
  by_departement_.clear();
  by_region_.clear();
  by_year_.clear();
  by_measure_.clear();
  all_.reserve(records_.size());
  for (const auto& [id, entry] : records_) {
    const ConventionFacts& f = entry.record.facts;
    all_.push_back(&entry);
    by_departement_[f.departement].push_back(&entry);
    if (const Departement* d = find_departement(f.departement)) {
      by_region_[fold_region(d->region)].push_back(&entry);
    }
    for (const int y : funding_years(f)) by_year_[y].push_back(&entry);
    std::vector<Measure> measures = f.measures;
    std::sort(measures.begin(), measures.end());
    measures.erase(std::unique(measures.begin(), measures.end()), measures.end());
    for (const Measure m : measures) by_measure_[std::string(to_string(m))].push_back(&entry);
  }
  indexes_dirty_ = false;
}

Result<std::shared_ptr<const PreparedBody>> ConventionCache::list(const ConventionQuery& q,
                                                                  const std::string& key) {
  if (auto it = pages_.find(key); it != pages_.end()) return it->second;
  rebuild_indexes();
  // The smallest index the filters allow; run_convention_query applies every filter.
  static const std::vector<const Entry*> kNone;
  const std::vector<const Entry*>* base = &all_;
  auto narrow = [&base](const std::vector<const Entry*>* v) {
    if (v->size() < base->size()) base = v;
  };
  std::vector<const Entry*> union_of_departements;
  if (!q.departements.empty()) {
    for (const std::string& d : q.departements) {
      auto it = by_departement_.find(d);
      if (it != by_departement_.end()) {
        union_of_departements.insert(union_of_departements.end(), it->second.begin(), it->second.end());
      }
    }
    std::sort(union_of_departements.begin(), union_of_departements.end(),
              [](const Entry* a, const Entry* b) { return a->record.id < b->record.id; });
    union_of_departements.erase(std::unique(union_of_departements.begin(), union_of_departements.end()),
                                union_of_departements.end());
    narrow(&union_of_departements);
  }
  if (!q.region.empty()) {
    auto it = by_region_.find(fold_region(q.region));
    narrow(it == by_region_.end() ? &kNone : &it->second);
  }
  if (q.funding_year) {
    auto it = by_year_.find(*q.funding_year);
    narrow(it == by_year_.end() ? &kNone : &it->second);
  }
  if (!q.measure.empty()) {
    auto it = by_measure_.find(q.measure);
    narrow(it == by_measure_.end() ? &kNone : &it->second);
  }
  std::vector<const Convention*> candidates;
  candidates.reserve(base->size());
  for (const Entry* e : *base) candidates.push_back(&e->record);
  auto page = run_convention_query(candidates, q, true);
  if (!page) return page.error();
  std::string body = "{\"items\":[";
  bool first = true;
  for (const Convention* c : page->items) {
    if (!first) body.push_back(',');
    first = false;
    body += records_.find(c->id)->second.json;
  }
  // as_of_seq: the records reflect every change up to this seq; a consumer that resyncs from
  // the list follows /v1/changes?since=as_of_seq.
  body += "],\"total\":" + std::to_string(page->total) + ",\"as_of_seq\":" + std::to_string(seq_) +
          ",\"next_cursor\":";
  body += page->next_cursor.empty() ? std::string("null")
                                    : boost::json::serialize(boost::json::value(page->next_cursor));
  body += "}";
  auto prepared = prepare(std::move(body));
  if (pages_.size() >= kMaxPages) pages_.clear();
  pages_.emplace(key, prepared);
  return prepared;
}

const Convention* ConventionCache::find(std::string_view id) const {
  auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second.record;
}

std::vector<const Convention*> ConventionCache::of_departement(std::string_view code) const {
  std::vector<const Convention*> out;
  for (const auto& [id, entry] : records_) {
    if (entry.record.facts.departement == code) out.push_back(&entry.record);
  }
  return out;
}

std::shared_ptr<const PreparedBody> ConventionCache::detail(std::string_view id) const {
  auto it = details_.find(std::string(id));
  return it == details_.end() ? nullptr : it->second;
}

void ConventionCache::put_detail(const std::string& id, std::shared_ptr<const PreparedBody> body) {
  if (records_.find(id) == records_.end()) return;
  details_[id] = std::move(body);
}

}  // namespace conventiond
