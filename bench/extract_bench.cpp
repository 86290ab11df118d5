// Extraction benchmark: a generated corpus of press-release pages and multi-page convention
// PDFs, extracted on one thread. Prints documents/s, per-document time and peak RSS.
//   build/bench/extract_bench [--pages N] [--pdfs N] [--pdf-pages N]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <conventiond/extract/extractor.hpp>

#include "synthetic_documents.hpp"

namespace {

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

struct Stats {
  std::size_t docs = 0;
  std::size_t bytes = 0;
  std::size_t conventions = 0;
  std::size_t errors = 0;
  double seconds = 0;
};

Stats run(const std::vector<std::string>& docs, const char* type) {
  Stats st;
  const auto t0 = std::chrono::steady_clock::now();
  for (const std::string& d : docs) {
    auto r = conventiond::extract_document(d, type, "bench");
    ++st.docs;
    st.bytes += d.size();
    if (r) st.conventions += r->conventions.size(); else ++st.errors;
  }
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

void print(const char* what, const Stats& s) {
  std::printf("%-22s %6zu docs %8.1f KiB avg  %9.1f docs/s  %8.3f ms/doc  conventions %zu  errors %zu\n", what,
              s.docs, static_cast<double>(s.bytes) / static_cast<double>(s.docs) / 1024.0,
              static_cast<double>(s.docs) / s.seconds, 1000.0 * s.seconds / static_cast<double>(s.docs),
              s.conventions, s.errors);
}

}  // namespace

int main(int argc, char** argv) {
  int pages = 1000, pdfs = 50, pdf_pages = 13;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (a == "--pages") pages = v;
    else if (a == "--pdfs") pdfs = v;
    else if (a == "--pdf-pages") pdf_pages = v;
  }
  std::vector<std::string> html, pdf;
  for (int i = 0; i < pages; ++i) html.push_back(conventiond::bench::make_press_release_html(static_cast<std::uint32_t>(i)));
  for (int i = 0; i < pdfs; ++i) pdf.push_back(conventiond::bench::make_convention_pdf(static_cast<std::uint32_t>(i), pdf_pages));
  std::printf("extract_bench: %d pages, %d PDFs of %d pages, one thread\n", pages, pdfs, pdf_pages);
  run(html, "text/html");  // warm-up
  print("press-release HTML", run(html, "text/html"));
  print("convention PDF", run(pdf, "application/pdf"));
  std::printf("peak RSS %ld KiB\n", peak_rss_kib());
  return 0;
}
