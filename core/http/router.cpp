// Routes: see include/conventiond/http/router.hpp.
#include <conventiond/http/router.hpp>

#include <algorithm>

namespace conventiond::http {

namespace {

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// Does route r match these segments? Fills params when it does.
bool matches(const Route& r, const std::vector<std::string>& segments, Headers* params) {
  if (r.parts.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (!r.param[i] && r.parts[i] != segments[i]) return false;
  }
  if (params != nullptr) {
    params->clear();
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (r.param[i]) params->emplace_back(r.parts[i], segments[i]);
    }
  }
  return true;
}

// True when a is more specific than b: the first position where they differ in kind has a
// literal in a.
bool more_specific(const Route& a, const Route& b) {
  for (std::size_t i = 0; i < a.param.size() && i < b.param.size(); ++i) {
    if (a.param[i] != b.param[i]) return !a.param[i];
  }
  return false;
}

}  // namespace

Status Router::add(std::string_view method, std::string_view pattern, Handler handler,
                   Access access) {
  const std::string where = "route " + std::string(method) + " " + std::string(pattern);
  if (!is_token(method)) return Error::make("route", where + ": the method is not a token");
  if (!handler) return Error::make("route", where + ": no handler");
  if (pattern.empty() || pattern.front() != '/') {
    return Error::make("route", where + ": the pattern must start with '/'");
  }
  Route r;
  r.method = upper(method);
  r.pattern = std::string(pattern);
  r.handler = std::move(handler);
  r.access = access;
  if (pattern != "/") {  // "/" has no segment, like the parsed target "/"
    std::string_view rest = pattern.substr(1);
    while (true) {
      const std::size_t slash = rest.find('/');
      const std::string_view seg = rest.substr(0, slash);
      const bool brace = seg.find_first_of("{}") != std::string_view::npos;
      if (brace) {
        if (seg.size() < 3 || seg.front() != '{' || seg.back() != '}' ||
            seg.substr(1, seg.size() - 2).find_first_of("{}") != std::string_view::npos) {
          return Error::make("route", where + ": '" + std::string(seg) +
                                          "' is not a whole-segment {name}");
        }
        const std::string name(seg.substr(1, seg.size() - 2));
        for (std::size_t i = 0; i < r.parts.size(); ++i) {
          if (r.param[i] && r.parts[i] == name) {
            return Error::make("route", where + ": parameter {" + name + "} used twice");
          }
        }
        r.parts.push_back(name);
        r.param.push_back(true);
      } else {
        r.parts.emplace_back(seg);
        r.param.push_back(false);
      }
      if (slash == std::string_view::npos) break;
      rest = rest.substr(slash + 1);
    }
  }
  for (const Route& other : routes_) {
    if (other.method == r.method && other.param == r.param) {
      bool same = true;
      for (std::size_t i = 0; i < r.parts.size() && same; ++i) {
        same = r.param[i] || r.parts[i] == other.parts[i];
      }
      if (same) {
        return Error::make("route", where + ": already registered as " + other.pattern);
      }
    }
  }
  routes_.push_back(std::move(r));
  return Status::success();
}

Router::Match Router::match(std::string_view method, const std::vector<std::string>& segments) const {
  Match m;
  const std::string want = upper(method);
  const Route* best = nullptr;
  const Route* best_get = nullptr;  // for HEAD
  for (const Route& r : routes_) {
    if (!matches(r, segments, nullptr)) continue;
    if (std::find(m.allowed.begin(), m.allowed.end(), r.method) == m.allowed.end()) {
      m.allowed.push_back(r.method);
    }
    if (r.method == want && (best == nullptr || more_specific(r, *best))) best = &r;
    if (want == "HEAD" && r.method == "GET" && (best_get == nullptr || more_specific(r, *best_get))) {
      best_get = &r;
    }
  }
  if (best == nullptr) best = best_get;
  if (best != nullptr) {
    m.route = best;
    matches(*best, segments, &m.params);
    m.allowed.clear();
    return m;
  }
  if (std::find(m.allowed.begin(), m.allowed.end(), "GET") != m.allowed.end() &&
      std::find(m.allowed.begin(), m.allowed.end(), "HEAD") == m.allowed.end()) {
    m.allowed.emplace_back("HEAD");
  }
  std::sort(m.allowed.begin(), m.allowed.end());
  return m;
}

}  // namespace conventiond::http
