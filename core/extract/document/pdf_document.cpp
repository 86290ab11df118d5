// PDF documents to a TextDocument with poppler's core API (libpoppler-private-dev): words
// with their boxes per page from TextOutputDev, laid out by pdf_layout.cpp.
//
// Why the core API and not poppler-cpp: poppler-cpp's page::text_list() converts every word
// to UTF-16 through a fresh iconv converter (iconv_open per word, about 20 % of a PDF's
// instructions) and computes a box per character that is never read. Here the same
// TextOutputDev (same settings as text_list: reading order, no physical layout) gives each
// word's Unicode code points, written to UTF-8 directly: the words, boxes and flags are the
// ones text_list gave, without the conversions.

#include <conventiond/extract/pdf_document.hpp>

#include <Error.h>
#include <GlobalParams.h>
#include <Page.h>
#include <PDFDoc.h>
#include <Stream.h>
#include <TextOutputDev.h>
#include <goo/GooString.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <memory>
#include <mutex>
#include <string>

#include "document/pdf_layout.hpp"
#include "document/text_util.hpp"
#include "document/utf8_util.hpp"

namespace conventiond {
namespace {

using Clock = std::chrono::steady_clock;

thread_local std::size_t t_poppler_errors = 0;

void count_poppler_message(ErrorCategory /*category*/, Goffset /*pos*/, const char* /*msg*/) {
  ++t_poppler_errors;
}

// poppler's global parameters (text encoding UTF-8, built-in font tables), once per process;
// poppler's messages are counted, never printed.
void init_poppler() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (!globalParams) globalParams = std::make_unique<GlobalParams>();
    setErrorCallback(&count_poppler_message);
  });
}

// A word's text as UTF-8, as poppler-cpp's text_list gave it (UTF-8 from poppler's text
// encoding, then UTF-16 through iconv): code points past U+10FFFF are dropped, the text
// stops at a U+0000, and a word holding a surrogate code point (which iconv refused) is
// empty, hence skipped.
std::string word_utf8(const TextWord& w) {
  std::string out;
  int n = w.getLength();
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto u = static_cast<char32_t>(*w.getChar(i));
    if (u == 0) break;
    if (u > 0x10FFFF) continue;
    if (u >= 0xD800 && u <= 0xDFFF) return {};
    if (u < 0x80) {
      out.push_back(static_cast<char>(u));
    } else {
      document_detail::append_utf8(out, u);
    }
  }
  return out;
}

// A PDF text string (document information) as poppler-cpp read it: UTF-16 with a byte order
// mark, else one byte a character.
std::u16string pdf_string_utf16(const GooString& g) {
  const std::string& b = g.toStr();
  std::u16string out;
  bool be = b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0xFE &&
            static_cast<unsigned char>(b[1]) == 0xFF;
  bool le = b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0xFF &&
            static_cast<unsigned char>(b[1]) == 0xFE;
  if (be || le) {
    for (std::size_t i = 2; i + 1 < b.size(); i += 2) {
      auto hi = static_cast<unsigned char>(b[be ? i : i + 1]);
      auto lo = static_cast<unsigned char>(b[be ? i + 1 : i]);
      out.push_back(static_cast<char16_t>((hi << 8) | lo));
    }
  } else {
    for (char c : b) out.push_back(static_cast<char16_t>(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string utf8(const std::u16string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char32_t u = s[i];
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 &&
        s[i + 1] <= 0xDFFF) {
      u = 0x10000 + ((u - 0xD800) << 10) + (char32_t{s[i + 1]} - 0xDC00);
      ++i;
    }
    document_detail::append_utf8(out, u);  // lone surrogates become U+FFFD
  }
  return out;
}

// A metadata title worth keeping (not a file name or a word processor's placeholder).
std::string clean_title(std::string t) {
  t = document_detail::normalize_text(t);
  static constexpr std::string_view kPrefixes[] = {"Microsoft Word - ", "Microsoft PowerPoint - ",
                                                   "Microsoft Excel - "};
  for (auto p : kPrefixes) {
    if (t.starts_with(p)) t = t.substr(p.size());
  }
  std::string f = document_detail::fold_ascii(t);
  static constexpr std::string_view kFileExt[] = {".doc",  ".docx", ".odt",  ".pdf", ".rtf",
                                                  ".indd", ".xls",  ".xlsx", ".ppt", ".pptx"};
  for (auto e : kFileExt) {
    if (f.ends_with(e)) return {};
  }
  if (f == "untitled" || f == "sans titre" || f.starts_with("document") || f.size() < 4) return {};
  return t;
}

std::string name_str(std::string_view n) { return std::string(n); }

}  // namespace

Result<TextDocument> parse_pdf(std::string_view bytes, std::string_view name,
                               const ExtractLimits& limits) {
  auto start = Clock::now();
  if (bytes.size() > limits.max_input_bytes) {
    return Error{"limit", name_str(name) + ": PDF input of " + std::to_string(bytes.size()) +
                              " bytes exceeds the limit of " +
                              std::to_string(limits.max_input_bytes) + " bytes"};
  }
  if (bytes.empty()) return Error{"parse", name_str(name) + ": not a PDF (empty input)"};
  if (bytes.substr(0, std::min<std::size_t>(bytes.size(), 1024)).find("%PDF-") ==
      std::string_view::npos) {
    return Error{"parse", name_str(name) + ": not a PDF (no %PDF- header)"};
  }
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    return Error{"limit", name_str(name) + ": PDF input too large for the PDF reader"};
  }
  init_poppler();
  t_poppler_errors = 0;
  try {
    TextDocument doc;
    doc.media_type = "application/pdf";
    doc.content_hash = document_detail::sha256_hex(bytes);
    // the stream reads `bytes` in place (no copy); the document owns the stream
    auto pdf = std::make_unique<PDFDoc>(
        new MemStream(bytes.data(), 0, static_cast<Goffset>(bytes.size()), Object(objNull)));
    if (!pdf->isOk()) {
      if (pdf->getErrorCode() == errEncrypted) {
        return Error{"parse",
                     name_str(name) + ": encrypted PDF (a password is needed to read it)"};
      }
      return Error{"parse",
                   name_str(name) + ": not a PDF / damaged PDF (the PDF reader could not open it)"};
    }
    int n = pdf->getNumPages();
    if (n <= 0) return Error{"parse", name_str(name) + ": damaged PDF (no pages)"};
    auto count = static_cast<std::size_t>(n);
    if (count > limits.max_pdf_pages) {
      doc.warnings.push_back(name_str(name) + ": only the first " +
                             std::to_string(limits.max_pdf_pages) + " of " + std::to_string(count) +
                             " pages were read");
      count = limits.max_pdf_pages;
    }
    // page by page: a page's words become lines at once and are released with the page
    document_detail::PdfLayout layout;
    std::size_t missing = 0;
    std::size_t text_bytes = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (Clock::now() - start > limits.max_time) {
        return Error{"limit", name_str(name) + ": time limit of " +
                                  std::to_string(limits.max_time.count()) + " ms exceeded after " +
                                  std::to_string(i) + " of " + std::to_string(count) + " pages"};
      }
      Page* page = pdf->getCatalog()->getPage(static_cast<int>(i) + 1);
      if (page == nullptr) {
        ++missing;
        continue;
      }
      document_detail::PdfPage p;
      p.number = static_cast<int>(i) + 1;
      const PDFRectangle* box = page->getCropBox();
      p.width = box->x2 - box->x1;
      p.height = box->y2 - box->y1;
      int rotate = page->getRotate();
      if (rotate == 90 || rotate == 270) {
        std::swap(p.width, p.height);  // words come in display coordinates
      }
      // the settings of poppler-cpp's text_list: reading order, no physical layout, 72 dpi,
      // the page's own rotation, crop box off
      TextOutputDev dev(nullptr, false, 0, false, false);
      pdf->displayPageSlice(&dev, static_cast<int>(i) + 1, 72, 72, 0, false, false, false, -1, -1,
                            -1, -1);
      std::unique_ptr<TextWordList> words = dev.makeWordList();
      int word_count = words ? words->getLength() : 0;
      p.words.reserve(static_cast<std::size_t>(word_count));
      // text running along the margins (registration stamps, vertical labels) is not read:
      // only words in the page's main direction
      std::array<std::size_t, 4> by_rotation{};
      for (int k = 0; k < word_count; ++k) {
        by_rotation[static_cast<std::size_t>(words->get(k)->getRotation() & 3)] += 1;
      }
      int main_rotation = static_cast<int>(
          std::max_element(by_rotation.begin(), by_rotation.end()) - by_rotation.begin());
      for (int k = 0; k < word_count; ++k) {
        const TextWord* w = words->get(k);
        if ((w->getRotation() & 3) != main_rotation) continue;
        document_detail::PdfWord pw;
        pw.text = word_utf8(*w);
        if (pw.text.empty()) continue;
        w->getBBox(&pw.x0, &pw.y0, &pw.x1, &pw.y1);
        pw.space_after = w->hasSpaceAfter();
        text_bytes += pw.text.size() + 1;
        p.words.push_back(std::move(pw));
      }
      layout.add_page(p);
      if (text_bytes > limits.max_text_bytes) {
        doc.warnings.push_back(name_str(name) + ": text cut at " +
                               std::to_string(limits.max_text_bytes) + " bytes (page " +
                               std::to_string(i + 1) + ")");
        break;
      }
    }
    if (missing > 0) {
      doc.warnings.push_back(name_str(name) + ": " + std::to_string(missing) +
                             " page(s) could not be read (damaged PDF)");
    }
    if (text_bytes == 0) {
      doc.warnings.push_back(name_str(name) + ": no text in the PDF (scanned or image-only?)");
    }
    layout.finish(doc, limits.max_text_bytes, name);
    if (Clock::now() - start > limits.max_time) {
      return Error{"limit", name_str(name) + ": time limit of " +
                                std::to_string(limits.max_time.count()) + " ms exceeded"};
    }
    if (t_poppler_errors > 0) {
      doc.warnings.push_back(name_str(name) + ": the PDF reader reported " +
                             std::to_string(t_poppler_errors) + " error(s) (damaged PDF?)");
    }
    if (std::unique_ptr<GooString> title = pdf->getDocInfoStringEntry("Title")) {
      doc.title = clean_title(utf8(pdf_string_utf16(*title)));
    }
    if (doc.title.empty()) {
      for (const auto& b : doc.blocks) {
        if (b.kind == BlockKind::title || b.kind == BlockKind::heading) {
          doc.title = b.text;
          break;
        }
      }
    }
    std::string sample;
    for (const auto& b : doc.blocks) {
      if (sample.size() > 8000) break;
      sample.push_back(' ');
      sample += b.text;
      sample.push_back(' ');
    }
    doc.language = document_detail::detect_language(sample);
    return doc;
  } catch (const std::bad_alloc&) {
    return Error{"limit", name_str(name) + ": out of memory while reading the PDF"};
  } catch (const std::exception& e) {
    return Error{"parse", name_str(name) + ": damaged PDF (" + e.what() + ")"};
  }
}

}  // namespace conventiond
