#include <conventiond/testkit/replay.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <system_error>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <conventiond/extract/content_hash.hpp>
#include <conventiond/sdk/base64.hpp>
#include <conventiond/sdk/url.hpp>

namespace conventiond::testkit {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr int kMaxRedirects = 10;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out.empty() ? std::string("GET") : out;
}

Error replay_error(const std::string& message) { return Error::make("replay", message); }

Result<std::string> read_whole(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return replay_error(file.string() + ": cannot be read");
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return replay_error(file.string() + ": read error");
  return s.str();
}

Result<json::value> read_json(const fs::path& file) {
  auto text = read_whole(file);
  if (!text) return text.error();
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec) return replay_error(file.string() + ": not valid JSON: " + ec.message());
  return v;
}

// Reads the members of one entry, naming it in errors ("FILE: WHERE.MEMBER: problem").
class Reader {
 public:
  Reader(std::string file, std::string where) : file_(std::move(file)), where_(std::move(where)) {}

  const json::object* object(const json::object& parent, std::string_view key, bool required) {
    const json::value* v = member(parent, key, required);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) return fail(key, "must be an object"), nullptr;
    return &v->as_object();
  }
  const json::array* array(const json::object& parent, std::string_view key, bool required) {
    const json::value* v = member(parent, key, required);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) return fail(key, "must be an array"), nullptr;
    return &v->as_array();
  }
  std::string string(const json::object& parent, std::string_view key, bool required) {
    const json::value* v = member(parent, key, required);
    if (v == nullptr) return {};
    if (!v->is_string()) return fail(key, "must be a string"), std::string();
    return std::string(v->as_string());
  }
  int status(const json::object& parent, std::string_view key) {
    const json::value* v = member(parent, key, true);
    if (v == nullptr) return 0;
    if (!v->is_int64() || v->as_int64() < 100 || v->as_int64() > 599) {
      return fail(key, "must be an HTTP status (100 to 599)"), 0;
    }
    return static_cast<int>(v->as_int64());
  }

  void fail(std::string_view key, std::string_view problem) {
    if (error_.empty())
      error_ = file_ + ": " + where_ + "." + std::string(key) + " " + std::string(problem);
  }
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  const json::value* member(const json::object& parent, std::string_view key, bool required) {
    const json::value* v = parent.if_contains(key);
    if (v == nullptr && required) fail(key, "is missing");
    return v;
  }

  std::string file_;
  std::string where_;
  std::string error_;
};

// A body file name inside the folder: relative, without "..".
bool safe_relative(std::string_view name) {
  if (name.empty() || name.front() == '/') return false;
  const fs::path p(name);
  return std::none_of(p.begin(), p.end(), [](const fs::path& part) { return part == ".."; });
}

std::string extension_for(std::string_view content_type) {
  const std::string t = lower(content_type.substr(0, content_type.find(';')));
  if (t.find("html") != std::string::npos) return ".html";
  if (t.find("pdf") != std::string::npos) return ".pdf";
  if (t.find("json") != std::string::npos) return ".json";
  if (t.find("xml") != std::string::npos) return ".xml";
  if (t.find("csv") != std::string::npos) return ".csv";
  if (t.rfind("text/", 0) == 0) return ".txt";
  return ".bin";
}

std::string header_of(const sdk::Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace

Result<ReplaySet> ReplaySet::load(const fs::path& folder_or_har) {
  std::error_code ec;
  if (fs::is_directory(folder_or_har, ec)) return load_folder(folder_or_har);
  if (!fs::exists(folder_or_har, ec)) {
    return replay_error(folder_or_har.string() + ": no such replay folder or HAR file");
  }
  return load_har(folder_or_har);
}

Result<ReplaySet> ReplaySet::load_folder(const fs::path& folder) {
  const fs::path index = folder / "index.json";
  auto root = read_json(index);
  if (!root) return root.error();
  const std::string file = index.string();
  if (!root->is_object()) return replay_error(file + ": must be a JSON object");
  Reader top(file, "(top)");
  const std::string format = top.string(root->as_object(), "format", true);
  if (!top.failed() && format != kReplayFormat) {
    top.fail("format", "must be \"" + std::string(kReplayFormat) + "\"");
  }
  const json::array* entries = top.array(root->as_object(), "responses", true);
  if (top.failed()) return replay_error(top.error());
  ReplaySet set;
  set.name_ = folder.string();
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const json::value& e = (*entries)[i];
    if (!e.is_object())
      return replay_error(file + ": responses[" + std::to_string(i) + "] must be an object");
    Reader r(file, "responses[" + std::to_string(i) + "]");
    const json::object& entry = e.as_object();
    SavedResponse s;
    s.method = upper(r.string(entry, "method", false));
    s.url = r.string(entry, "url", true);
    s.status = r.status(entry, "status");
    s.final_url = r.string(entry, "final_url", false);
    s.request_body_sha256 = lower(r.string(entry, "request_body_sha256", false));
    if (const json::object* h = r.object(entry, "headers", false)) {
      for (const auto& kv : *h) {
        if (!kv.value().is_string()) {
          r.fail("headers", "values must be strings");
          break;
        }
        s.headers.emplace_back(lower(kv.key()), std::string(kv.value().as_string()));
      }
    }
    const std::string body_file = r.string(entry, "body_file", false);
    if (!body_file.empty() && !safe_relative(body_file)) {
      r.fail("body_file", "must be a file name inside the folder");
    }
    if (r.failed()) return replay_error(r.error());
    if (!body_file.empty()) {
      auto body = read_whole(folder / body_file);
      if (!body) {
        return replay_error(file + ": responses[" + std::to_string(i) +
                            "].body_file: " + body.error().message);
      }
      s.body = std::move(*body);
    }
    s.origin = "index.json entry " + std::to_string(i);
    set.responses_.push_back(std::move(s));
  }
  return set;
}

Result<ReplaySet> ReplaySet::load_har(const fs::path& path) {
  auto root = read_json(path);
  if (!root) return root.error();
  const std::string file = path.string();
  if (!root->is_object())
    return replay_error(file + ": must be a JSON object (not a HAR 1.2 file?)");
  Reader top(file, "(top)");
  const json::object* log = top.object(root->as_object(), "log", true);
  const json::array* entries = log != nullptr ? top.array(*log, "entries", true) : nullptr;
  if (top.failed()) return replay_error(top.error() + " (not a HAR 1.2 file?)");
  ReplaySet set;
  set.name_ = file;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const json::value& e = (*entries)[i];
    const std::string where = "log.entries[" + std::to_string(i) + "]";
    if (!e.is_object()) return replay_error(file + ": " + where + " must be an object");
    Reader r(file, where);
    const json::object* request = r.object(e.as_object(), "request", true);
    const json::object* response = r.object(e.as_object(), "response", true);
    if (r.failed()) return replay_error(r.error());
    Reader req(file, where + ".request");
    Reader resp(file, where + ".response");
    SavedResponse s;
    s.method = upper(req.string(*request, "method", true));
    s.url = req.string(*request, "url", true);
    if (const json::object* post = req.object(*request, "postData", false)) {
      if (const json::value* text = post->if_contains("text");
          text != nullptr && text->is_string()) {
        s.request_body_sha256 = sha256_hex(text->as_string());
      }
    }
    if (req.failed()) return replay_error(req.error());
    s.status = resp.status(*response, "status");
    if (const json::array* headers = resp.array(*response, "headers", false)) {
      for (const json::value& h : *headers) {
        if (!h.is_object())
          return replay_error(file + ": " + where + ".response.headers[] must be objects");
        Reader hr(file, where + ".response.headers[]");
        const std::string name = hr.string(h.as_object(), "name", true);
        const std::string value = hr.string(h.as_object(), "value", true);
        if (hr.failed()) return replay_error(hr.error());
        s.headers.emplace_back(lower(name), value);
      }
    }
    if (const json::object* content = resp.object(*response, "content", false)) {
      Reader cr(file, where + ".response.content");
      const std::string text = cr.string(*content, "text", false);
      const std::string encoding = cr.string(*content, "encoding", false);
      const std::string mime = cr.string(*content, "mimeType", false);
      if (cr.failed()) return replay_error(cr.error());
      if (encoding == "base64") {
        auto decoded = sdk::base64::decode(text);
        if (!decoded)
          return replay_error(file + ": " + where + ".response.content.text is not valid base64");
        s.body = std::move(*decoded);
      } else if (!encoding.empty()) {
        return replay_error(file + ": " + where + ".response.content.encoding '" + encoding +
                            "' is not supported (base64 or none)");
      } else {
        s.body = text;
      }
      if (header_of(s.headers, "content-type").empty() && !mime.empty()) {
        s.headers.emplace_back("content-type", mime);
      }
    }
    const std::string redirect = resp.string(*response, "redirectURL", false);
    if (resp.failed()) return replay_error(resp.error());
    if (!redirect.empty() && header_of(s.headers, "location").empty()) {
      s.headers.emplace_back("location", redirect);
    }
    s.origin = path.filename().string() + " entry " + std::to_string(i);
    set.responses_.push_back(std::move(s));
  }
  return set;
}

const SavedResponse* ReplaySet::find(std::string_view method, std::string_view url,
                                     std::string_view body) const {
  const std::string m = upper(method);
  const SavedResponse* any_body = nullptr;
  std::string body_hash;
  for (const SavedResponse& s : responses_) {
    if (s.method != m || s.url != url) continue;
    if (s.request_body_sha256.empty()) {
      if (any_body == nullptr) any_body = &s;
      continue;
    }
    if (body_hash.empty()) body_hash = sha256_hex(body);
    if (s.request_body_sha256 == body_hash) return &s;
  }
  return any_body;
}

Result<sdk::Response> ReplaySet::answer(std::string_view method, std::string_view url,
                                        std::string_view body) const {
  std::string current(url);
  std::string m = upper(method);
  std::string b(body);
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    const SavedResponse* s = find(m, current, b);
    if (s == nullptr) {
      return Error::make("missing",
                         "no saved response for " + m + " " + current + " in " + name_ +
                             (hop > 0 ? " (redirected from " + std::string(url) + ")" : ""));
    }
    const std::string location = header_of(s->headers, "location");
    if (s->status >= 300 && s->status < 400 && !location.empty()) {
      auto next = sdk::url::resolve(current, location);
      if (!next) {
        return Error::make("missing", s->origin + " of " + name_ +
                                          ": cannot follow the redirect of " + current + " to '" +
                                          location + "'");
      }
      current = *next;
      if (s->status != 307 && s->status != 308) {
        m = "GET";
        b.clear();
      }
      continue;
    }
    return sdk::Response{
        s->final_url.empty() ? current : s->final_url, s->status, s->headers, s->body, {}};
  }
  return Error::make("missing", "more than " + std::to_string(kMaxRedirects) + " redirects from " +
                                    std::string(url) + " in " + name_);
}

Result<ReplayRecorder> ReplayRecorder::create(const fs::path& folder) {
  std::error_code ec;
  if (fs::exists(folder, ec) && !(fs::is_directory(folder, ec) && fs::is_empty(folder, ec))) {
    return replay_error(folder.string() + ": exists and is not an empty folder (not overwritten)");
  }
  fs::create_directories(folder, ec);
  if (ec) return replay_error(folder.string() + ": cannot be created: " + ec.message());
  ReplayRecorder r;
  r.folder_ = folder;
  return r;
}

Status ReplayRecorder::add(SavedResponse response) {
  response.method = upper(response.method);
  const std::string key = response.method + " " + response.url + " " + response.request_body_sha256;
  const std::string file =
      sha256_hex(key).substr(0, 16) + extension_for(header_of(response.headers, "content-type"));
  {
    std::ofstream out(folder_ / file, std::ios::binary | std::ios::trunc);
    out << response.body;
    if (!out) return replay_error((folder_ / file).string() + ": cannot be written");
  }
  for (Entry& e : entries_) {
    if (e.body_file == file) {
      e.response = std::move(response);
      return {};
    }
  }
  entries_.push_back(Entry{std::move(response), file});
  return {};
}

Status ReplayRecorder::finish() const {
  json::array responses;
  for (const Entry& e : entries_) {
    const SavedResponse& s = e.response;
    json::object o;
    o["method"] = s.method;
    o["url"] = s.url;
    if (!s.request_body_sha256.empty()) o["request_body_sha256"] = s.request_body_sha256;
    o["status"] = s.status;
    json::object headers;
    for (const auto& [k, v] : s.headers) {
      // Per-connection and per-fetch headers would make recordings differ for nothing.
      if (k == "date" || k == "connection" || k == "keep-alive" || k == "transfer-encoding" ||
          k == "content-length" || k == "set-cookie") {
        continue;
      }
      headers[k] = v;
    }
    o["headers"] = std::move(headers);
    if (!s.final_url.empty() && s.final_url != s.url) o["final_url"] = s.final_url;
    o["body_file"] = e.body_file;
    responses.push_back(std::move(o));
  }
  json::object root;
  root["format"] = kReplayFormat;
  root["responses"] = std::move(responses);
  const fs::path index = folder_ / "index.json";
  std::ofstream out(index, std::ios::binary | std::ios::trunc);
  // One entry a line: a recording diffs well.
  out << "{\"format\": " << json::serialize(root["format"]) << ",\n \"responses\": [";
  const json::array& list = root["responses"].as_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    out << (i == 0 ? "\n  " : ",\n  ") << json::serialize(list[i]);
  }
  out << "\n]}\n";
  if (!out) return replay_error(index.string() + ": cannot be written");
  return {};
}

}  // namespace conventiond::testkit
