// libFuzzer target: the PDF path.
//  - input starting with "%PDF": parse_pdf (poppler + layout) with small limits;
//  - any other input: read as positioned words and laid out directly (the layout code is
//    where this project's logic is, and poppler is slow per input), 8 bytes of geometry and
//    a length byte per word, then the word's bytes:
//      page(1) x(2) y(2) width(1) height(1) flags(1) len(1) text(len)

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <conventiond/extract/encoding.hpp>
#include <conventiond/extract/pdf_document.hpp>

#include "../core/extract/document/pdf_layout.hpp"

namespace {

void check(const conventiond::TextDocument& d) {
  for (const auto& b : d.blocks) {
    if (!conventiond::is_valid_utf8(b.text)) __builtin_trap();
    for (const auto& c : b.cells()) {
      if (!conventiond::is_valid_utf8(c)) __builtin_trap();
    }
  }
  for (const auto& t : d.tables) {
    if (t.first_block + t.block_count > d.blocks.size()) __builtin_trap();
    for (std::size_t i = t.first_block; i < t.first_block + t.block_count; ++i) {
      if (d.blocks[i].kind != conventiond::BlockKind::table_row) __builtin_trap();
      if (d.blocks[i].cells().size() != t.column_x.size()) __builtin_trap();
    }
  }
  (void)d.plain_text();
}

void layout_words(std::string_view in) {
  namespace dd = conventiond::document_detail;
  std::vector<dd::PdfPage> pages;
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
  while (i + 9 <= in.size() && pages.size() < 8) {
    std::size_t page = byte(i) % 4;
    double x = (byte(i + 1) << 8 | byte(i + 2)) % 700;
    double y = (byte(i + 3) << 8 | byte(i + 4)) % 900;
    double w = byte(i + 5) / 2.0;
    double h = 1 + byte(i + 6) / 16.0;
    bool space = (byte(i + 7) & 1) != 0;
    std::size_t len = byte(i + 8) % 24;
    i += 9;
    if (i + len > in.size()) len = in.size() - i;
    while (pages.size() <= page) {
      dd::PdfPage p;
      p.number = static_cast<int>(pages.size()) + 1;
      p.width = 595;
      p.height = 842;
      pages.push_back(std::move(p));
    }
    pages[page].words.push_back(
        dd::PdfWord{std::string(in.substr(i, len)), x, y, x + w, y + h, space});
    i += len;
  }
  conventiond::TextDocument d;
  dd::layout_pdf_pages(pages, d, 64u * 1024u, "fuzz.pdf");
  check(d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (!bytes.starts_with("%PDF")) {
    layout_words(bytes);
    return 0;
  }
  conventiond::ExtractLimits limits;
  limits.max_input_bytes = 1u << 20;
  limits.max_text_bytes = 256u * 1024u;
  limits.max_pdf_pages = 20;
  limits.max_time = std::chrono::milliseconds(5000);
  auto r = conventiond::parse_pdf(bytes, "fuzz.pdf", limits);
  if (r.ok()) check(*r);
  return 0;
}
