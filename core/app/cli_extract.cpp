#include "cli_extract.hpp"

#include <fstream>
#include <optional>
#include <iostream>
#include <sstream>

#include <boost/json.hpp>

#ifndef CONVENTIOND_EXTRACT_LOCAL_ONLY
#include <boost/asio/io_context.hpp>
#endif

#include <conventiond/extract/extractor.hpp>
#ifndef CONVENTIOND_EXTRACT_LOCAL_ONLY
#include <conventiond/fetch/fetcher.hpp>
#endif

namespace conventiond::app {
namespace {

constexpr const char* kUsage =
    "usage: conventiond extract PATH_OR_URL [--text | --plain-text] [--content-type TYPE] [--compact]\n"
    "  Prints the document and the conventions it speaks of as one JSON object; every value\n"
    "  carries its evidence (quote, begin/end in the cleaned text, page, confidence, rule).\n"
    "  --text          print the cleaned main text instead, each line after the character offset\n"
    "                  where it starts (what evidence begin/end count), with PDF page markers\n"
    "  --plain-text    print the cleaned main text alone, as the offsets count it\n"
    "  --content-type  the HTTP Content-Type the document came with (charset, media type)\n"
    "  --compact       one-line JSON\n";

// Pretty JSON printer (Boost.JSON serialises compactly only). Scalars and keys go through one
// reused serializer into one string, written at once: the same bytes as serialize() of each.
class PrettyPrinter {
 public:
  explicit PrettyPrinter(std::string& out) : out_(out) {}

  void print(const boost::json::value& v, std::size_t indent = 0) {
    switch (v.kind()) {
      case boost::json::kind::object: {
        const auto& o = v.get_object();
        if (o.empty()) {
          out_ += "{}";
          return;
        }
        out_ += "{\n";
        bool first = true;
        for (const auto& kv : o) {
          if (!first) out_ += ",\n";
          first = false;
          out_.append(indent + 2, ' ');
          sr_.reset(kv.key());
          drain();
          out_ += ": ";
          print(kv.value(), indent + 2);
        }
        out_ += '\n';
        out_.append(indent, ' ');
        out_ += '}';
        return;
      }
      case boost::json::kind::array: {
        const auto& a = v.get_array();
        if (a.empty()) {
          out_ += "[]";
          return;
        }
        out_ += "[\n";
        bool first = true;
        for (const auto& e : a) {
          if (!first) out_ += ",\n";
          first = false;
          out_.append(indent + 2, ' ');
          print(e, indent + 2);
        }
        out_ += '\n';
        out_.append(indent, ' ');
        out_ += ']';
        return;
      }
      default:
        sr_.reset(&v);
        drain();
    }
  }

 private:
  void drain() {
    while (!sr_.done()) {
      const std::string_view part = sr_.read(buf_, sizeof buf_);
      out_.append(part.data(), part.size());
    }
  }

  std::string& out_;
  boost::json::serializer sr_;
  char buf_[512];
};

// The cleaned text, each line after its start offset in characters (code points), and a marker
// line before each new PDF page: "       0  Titre ...", "--- page 2 ---".
void print_numbered_text(std::ostream& os, const TextDocument& doc) {
  std::size_t offset = 0;
  int page = 0;
  for (const TextBlock& b : doc.blocks) {
    const std::string line =
        b.kind == BlockKind::table_row && b.cell_count() > 0 ? b.joined_cells() : b.text;
    if (offset > 0) ++offset;  // the "\n" before this line (TextDocument::plain_text())
    if (b.page != page && b.page > 0) {
      page = b.page;
      os << "--- page " << page << " ---\n";
    }
    std::string number = std::to_string(offset);
    if (number.size() < 8) number.insert(0, 8 - number.size(), ' ');
    os << number << "  " << line << "\n";
    for (char c : line)
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++offset;
  }
}

#ifndef CONVENTIOND_EXTRACT_LOCAL_ONLY
// Fetches one URL through the host's fetcher (robots.txt, limits, retries), blocking.
bool fetch_url(const std::string& url, std::string& bytes, std::string& content_type, std::string& error,
               std::size_t max_bytes) {
  boost::asio::io_context io;
  FetchPolicy policy;
  policy.max_body_bytes = max_bytes;
  policy.max_attempts = 2;
  Fetcher fetcher(io, policy);
  std::optional<FetchResult> result;
  fetcher.fetch(FetchRequest(url), [&](FetchResult r) { result = std::move(r); });
  io.run();
  if (!result || !result->ok()) {
    error = result ? result->error->message : url + ": no answer";
    return false;
  }
  bytes = std::move(result->body);
  content_type = result->content_type;
  return true;
}
#else
// The lean executable reads local files only; main.cpp hands URLs to the full library.
bool fetch_url(const std::string& url, std::string&, std::string&, std::string& error, std::size_t) {
  error = url + ": fetching a URL needs the full conventiond library";
  return false;
}
#endif

bool read_file(const std::string& path, std::string& bytes, std::string& error, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open the file";
    return false;
  }
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size < 0) {
    error = path + ": cannot read the file (not a regular file?)";
    return false;
  }
  if (static_cast<std::size_t>(size) > max_bytes) {
    error = path + ": file of " + std::to_string(size) + " bytes is over the limit of " + std::to_string(max_bytes);
    return false;
  }
  in.seekg(0);
  bytes.resize(static_cast<std::size_t>(size));
  in.read(bytes.data(), size);
  if (!in) {
    error = path + ": read error";
    return false;
  }
  return true;
}

}  // namespace

int run_extract_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string input;
  std::string content_type;
  bool text_only = false;
  bool plain_text = false;
  bool compact = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--text") {
      text_only = true;
    } else if (a == "--plain-text") {
      plain_text = true;
    } else if (a == "--compact") {
      compact = true;
    } else if (a == "--content-type" && i + 1 < args.size()) {
      content_type = args[++i];
    } else if (a == "-h" || a == "--help") {
      out << kUsage;
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      err << "conventiond extract: unknown option " << a << "\n" << kUsage;
      return 2;
    } else if (input.empty()) {
      input = a;
    } else {
      err << "conventiond extract: one document at a time (got " << input << " and " << a << ")\n";
      return 2;
    }
  }
  if (input.empty()) {
    err << kUsage;
    return 2;
  }
  const ExtractLimits limits;
  std::string bytes;
  std::string error;
  if (input.rfind("http://", 0) == 0 || input.rfind("https://", 0) == 0) {
    std::string fetched_type;
    if (!fetch_url(input, bytes, fetched_type, error, limits.max_input_bytes)) {
      err << "conventiond extract: " << error << "\n";
      return 2;
    }
    if (content_type.empty()) content_type = fetched_type;
  } else {
    const std::string path = input.rfind("file://", 0) == 0 ? input.substr(7) : input;
    if (!read_file(path, bytes, error, limits.max_input_bytes)) {
      err << "conventiond extract: " << error << "\n";
      return 2;
    }
  }
  Result<Extraction> ex = extract_document(bytes, content_type, input, limits);
  if (!ex) {
    err << "conventiond extract: " << ex.error().message << "\n";
    return 2;
  }
  if (plain_text) {
    out << ex->document.plain_text() << "\n";
    return 0;
  }
  if (text_only) {
    print_numbered_text(out, ex->document);
    return 0;
  }
  boost::json::value v = to_json(*ex);
  v.as_object()["document"].as_object()["source"] = input;
  if (compact) {
    out << boost::json::serialize(v) << "\n";
  } else {
    std::string text;
    text.reserve(1 << 16);
    PrettyPrinter(text).print(v);
    text += '\n';
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  return 0;
}

}  // namespace conventiond::app
