#include <conventiond/store/open_store.hpp>

#include <cctype>
#include <utility>

#include <conventiond/store/postgres_store.hpp>
#include <conventiond/store/sqlite_store.hpp>

namespace conventiond {

namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

std::string redact_store_url(std::string_view url) {
  std::string out(url);
  // user:password@ in the authority.
  const auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    const std::size_t start = scheme + 3;
    std::size_t end = out.find_first_of("/?#", start);
    if (end == std::string::npos) end = out.size();
    const auto at = out.rfind('@', end == 0 ? 0 : end - 1);
    if (at != std::string::npos && at >= start) {
      const auto colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... (URL query or key=value pairs).
  for (std::size_t pos = 0; (pos = out.find("password", pos)) != std::string::npos;) {
    std::size_t i = pos + 8;
    pos = i;
    while (i < out.size() && out[i] == ' ') ++i;
    if (i >= out.size() || out[i] != '=') continue;
    ++i;
    while (i < out.size() && out[i] == ' ') ++i;
    std::size_t end = i;
    if (i < out.size() && out[i] == '\'') {
      end = out.find('\'', i + 1);
      end = end == std::string::npos ? out.size() : end + 1;
    } else {
      while (end < out.size() && out[end] != ' ' && out[end] != '&' && out[end] != '#') ++end;
    }
    if (end > i) out.replace(i, end - i, "***");
    pos = i + 3;
  }
  return out;
}

Result<std::unique_ptr<Store>> open_store(std::string_view url) {
  if (url.empty()) return Error::make("invalid", "store: empty store URL");
  if (starts_with_ci(url, "postgresql://") || starts_with_ci(url, "postgres://")) {
    auto s = PostgresStore::open(std::string(url));
    if (!s) return s.error();  // names the URL, password masked
    return std::unique_ptr<Store>(std::move(s).value());
  }
  std::string path(url);
  if (starts_with_ci(url, "sqlite:")) {
    path = std::string(url.substr(7));
    if (path.rfind("//", 0) == 0) path.erase(0, 2);  // sqlite:///abs/path, sqlite://rel/path
    if (path.empty()) return Error::make("invalid", "store URL '" + std::string(url) + "': no path");
  } else if (url.find("://") != std::string_view::npos) {
    return Error::make("invalid", "store URL '" + redact_store_url(url) +
                                      "': unsupported scheme (use sqlite:PATH, a path, or "
                                      "postgresql://...)");
  }
  auto s = SqliteStore::open(path);
  if (!s) return s.error();  // names the path already
  return std::unique_ptr<Store>(std::move(s).value());
}

}  // namespace conventiond
