// PDF documents to a TextDocument with poppler-cpp: words with their boxes per page
// (page::text_list), laid out by pdf_layout.cpp.

#include <conventiond/extract/pdf_document.hpp>

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

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

void count_poppler_message(const std::string& /*msg*/, void* /*closure*/) { ++t_poppler_errors; }

void silence_poppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function(&count_poppler_message, nullptr); });
}

// ustring is UTF-16; its to_utf8() opens an iconv converter per call (slow per word).
std::string utf8(const poppler::ustring& s) {
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
  silence_poppler();
  t_poppler_errors = 0;
  try {
    TextDocument doc;
    doc.media_type = "application/pdf";
    doc.content_hash = document_detail::sha256_hex(bytes);
    std::unique_ptr<poppler::document> pdf(
        poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
    if (!pdf) {
      return Error{"parse",
                   name_str(name) + ": not a PDF / damaged PDF (the PDF reader could not open it)"};
    }
    if (pdf->is_locked()) {
      return Error{"parse", name_str(name) + ": encrypted PDF (a password is needed to read it)"};
    }
    int n = pdf->pages();
    if (n <= 0) return Error{"parse", name_str(name) + ": damaged PDF (no pages)"};
    auto count = static_cast<std::size_t>(n);
    if (count > limits.max_pdf_pages) {
      doc.warnings.push_back(name_str(name) + ": only the first " +
                             std::to_string(limits.max_pdf_pages) + " of " + std::to_string(count) +
                             " pages were read");
      count = limits.max_pdf_pages;
    }
    std::vector<document_detail::PdfPage> pages;
    pages.reserve(count);
    std::size_t missing = 0;
    std::size_t text_bytes = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (Clock::now() - start > limits.max_time) {
        return Error{"limit", name_str(name) + ": time limit of " +
                                  std::to_string(limits.max_time.count()) + " ms exceeded after " +
                                  std::to_string(i) + " of " + std::to_string(count) + " pages"};
      }
      std::unique_ptr<poppler::page> page(pdf->create_page(static_cast<int>(i)));
      if (!page) {
        ++missing;
        continue;
      }
      document_detail::PdfPage p;
      p.number = static_cast<int>(i) + 1;
      poppler::rectf box = page->page_rect();
      p.width = box.width();
      p.height = box.height();
      auto orientation = page->orientation();
      if (orientation == poppler::page::landscape || orientation == poppler::page::seascape) {
        std::swap(p.width, p.height);  // words come in display coordinates
      }
      std::vector<poppler::text_box> words = page->text_list();
      p.words.reserve(words.size());
      // text running along the margins (registration stamps, vertical labels) is not read:
      // only words in the page's main direction
      std::array<std::size_t, 4> by_rotation{};
      for (auto& w : words) by_rotation[static_cast<std::size_t>(w.rotation() & 3)] += 1;
      int main_rotation = static_cast<int>(
          std::max_element(by_rotation.begin(), by_rotation.end()) - by_rotation.begin());
      for (auto& w : words) {
        if ((w.rotation() & 3) != main_rotation) continue;
        document_detail::PdfWord pw;
        pw.text = utf8(w.text());
        if (pw.text.empty()) continue;
        poppler::rectf r = w.bbox();
        pw.x0 = r.left();
        pw.y0 = r.top();
        pw.x1 = r.right();
        pw.y1 = r.bottom();
        pw.space_after = w.has_space_after();
        text_bytes += pw.text.size() + 1;
        p.words.push_back(std::move(pw));
      }
      pages.push_back(std::move(p));
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
    document_detail::layout_pdf_pages(pages, doc, limits.max_text_bytes, name);
    if (Clock::now() - start > limits.max_time) {
      return Error{"limit", name_str(name) + ": time limit of " +
                                std::to_string(limits.max_time.count()) + " ms exceeded"};
    }
    if (t_poppler_errors > 0) {
      doc.warnings.push_back(name_str(name) + ": the PDF reader reported " +
                             std::to_string(t_poppler_errors) + " error(s) (damaged PDF?)");
    }
    doc.title = clean_title(utf8(pdf->get_title()));
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
