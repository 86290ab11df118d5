#include <conventiond/extract/plain_text_document.hpp>

#include <string>

#include <conventiond/extract/encoding.hpp>

#include "facts/content_hash.hpp"

namespace conventiond {
namespace {

std::string collapse_spaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = true;
  for (char c : s) {
    const bool sp = c == ' ' || c == '\t' || c == '\r';
    if (sp) {
      if (!space) out.push_back(' ');
      space = true;
    } else {
      out.push_back(c);
      space = false;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> split_tabs(std::string_view line) {
  std::vector<std::string> cells;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == '\t') {
      cells.push_back(collapse_spaces(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  return cells;
}

}  // namespace

Result<TextDocument> parse_plain_text(std::string_view bytes, std::string_view name,
                                      const ExtractLimits& limits) {
  if (bytes.size() > limits.max_input_bytes)
    return Error::make("limit", std::string(name) + ": text of " + std::to_string(bytes.size()) +
                                    " bytes is over the limit of " + std::to_string(limits.max_input_bytes));
  if (bytes.find('\0') != std::string_view::npos)
    return Error::make("parse", std::string(name) + ": binary data (NUL bytes) is not a text document");
  TextDocument doc;
  doc.media_type = "text/plain";
  doc.content_hash = extract_detail::sha256_hash(bytes);
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  std::string text;
  if (is_valid_utf8(bytes)) {
    doc.source_encoding = "utf-8";
    text.assign(bytes);
  } else {
    doc.source_encoding = "windows-1252";
    auto decoded = to_utf8(bytes, "windows-1252");
    if (!decoded) return Error::make("parse", std::string(name) + ": " + decoded.error().message);
    text = std::move(decoded).value();
  }
  std::size_t start = 0;
  std::size_t total = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + start, nl - start);
    start = nl + 1;
    if (line.find('\t') != std::string_view::npos) {
      TextBlock b;
      b.kind = BlockKind::table_row;
      for (const std::string& c : split_tabs(line)) {
        if (!b.text.empty()) b.text += " | ";
        b.cell_spans.push_back({static_cast<std::uint32_t>(b.text.size()), static_cast<std::uint32_t>(c.size())});
        b.text += c;
      }
      if (!b.text.empty()) doc.blocks.push_back(std::move(b));
      continue;
    }
    std::string clean = collapse_spaces(line);
    if (clean.empty()) continue;
    total += clean.size();
    if (total > limits.max_text_bytes) {
      doc.warnings.push_back(std::string(name) + ": text cut at " + std::to_string(limits.max_text_bytes) + " bytes");
      break;
    }
    if (doc.title.empty()) doc.title = clean;
    doc.blocks.push_back(TextBlock{doc.blocks.empty() ? BlockKind::title : BlockKind::paragraph, std::move(clean), {}, 0});
    if (nl == text.size()) break;
  }
  return doc;
}

}  // namespace conventiond
