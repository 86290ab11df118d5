// local_files: harvests documents from the local file system (a mirror, a folder of PDFs
// received by mail, the bundled samples).
//
// start() asks the host to read each configured file, and each file of each configured
// directory whose name matches `glob`, as a file:// request; parse() hands every file read
// to the host as a document, with a media type from its extension.

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <conventiond/sdk/connector.hpp>
#include <conventiond/sdk/url.hpp>

namespace sdk = conventiond::sdk;
namespace fs = std::filesystem;

namespace {

constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_list_key("paths",
                         "Files to read, and directories whose files (not sub-directories) "
                         "matching glob are read")
        .required(),
    sdk::string_key("glob", "Shell pattern the names of files found in a directory must match")
        .default_json("\"*\""),
};

struct MediaType {
  std::string_view extension;
  std::string_view media_type;
};

constexpr MediaType kMediaTypes[] = {
    {".html", "text/html"},      {".htm", "text/html"}, {".pdf", "application/pdf"},
    {".txt", "text/plain"},      {".csv", "text/csv"},  {".json", "application/json"},
    {".xml", "application/xml"},
};

// The media type of a file, from its extension (a file:// read has no Content-Type).
std::string media_type_of(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const MediaType& m : kMediaTypes) {
    if (m.extension == ext) return std::string(m.media_type);
  }
  return "application/octet-stream";
}

class LocalFiles final : public sdk::SourceConnector {
 public:
  explicit LocalFiles(const sdk::Config& config)
      : paths_(config.string_list("paths")), glob_(config.string("glob")) {}

  void start(sdk::Context& ctx) override {
    for (const std::string& path : paths_) add(fs::path(path), ctx);
  }

  void parse(const sdk::Response& response, sdk::Context& ctx) override {
    if (response.status != 200) {
      ctx.error("cannot read file (status " + std::to_string(response.status) + ")", response.url);
      return;
    }
    sdk::Document doc = sdk::Document::from_response(response);
    doc.media_type = media_type_of(fs::path(response.url));  // file URLs keep the extension
    ctx.document(doc);
  }

 private:
  void add(const fs::path& path, sdk::Context& ctx) {
    std::error_code ec;
    const fs::path absolute = fs::absolute(path, ec);
    if (fs::is_directory(absolute, ec)) {
      add_directory(absolute, ctx);
    } else if (fs::is_regular_file(absolute, ec)) {
      request(absolute, ctx);
    } else {
      ctx.error("no such file or directory: " + path.string());
    }
  }

  void add_directory(const fs::path& dir, sdk::Context& ctx) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (it->is_regular_file(type_ec) && matches(it->path().filename().string())) {
        files.push_back(it->path());
      }
    }
    if (ec) ctx.error("cannot read directory " + dir.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) request(file, ctx);
  }

  bool matches(const std::string& file_name) const {
    return fnmatch(glob_.c_str(), file_name.c_str(), FNM_PERIOD) == 0;
  }

  static void request(const fs::path& file, sdk::Context& ctx) {
    sdk::Request r;
    r.url = sdk::url::file_url(file.lexically_normal().string());
    ctx.request(r);
  }

  std::vector<std::string> paths_;
  std::string glob_;
};

}  // namespace

CONVENTIOND_SOURCE_PLUGIN(LocalFiles, "local_files", "1.0.0",
                          "Reads documents from local files and directories", kConfig);
