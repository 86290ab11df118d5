// PDF page layout: positioned words -> lines -> (running headers/footers dropped) ->
// table regions and text flows -> table_row blocks and paragraphs.
//
// Lines: words grouped by vertical centre, split into segments at horizontal gaps wider
// than ~1.25 line heights (table columns, columns of a signature block).
// Tables: a run of lines in which lines of >= 2 segments share column starts and no line
// crosses a column boundary; columns are the clustered segment starts. A row starts after a
// vertical gap larger than the line pitch, at a line whose first cell starts a new item
// ("Action 2-1"), or at each line of a dense table; other lines continue the current row's
// cells (multi-line cells rejoined). Rows keep one cell per column ("" when empty).
// Paragraphs: consecutive text lines, broken at vertical gaps, font-size changes, list
// markers, and short lines (the next line's first word would have fitted) that end a
// sentence or precede a capitalised line.

#include "document/pdf_layout.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <span>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "document/text_util.hpp"
#include "document/utf8_util.hpp"

namespace conventiond::document_detail {
namespace {

// ---------------------------------------------------------------------------------------
// UTF-8 character classes (French text)

char32_t first_cp(std::string_view s) {
  if (s.empty()) return 0;
  std::size_t i = 0;
  return next_code_point(s, i);
}

char32_t last_cp(std::string_view s) {
  if (s.empty()) return 0;
  std::size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0u) == 0x80u) --i;
  std::size_t j = i;
  return next_code_point(s, j);
}

bool is_lower_cp(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7) || c == 0x153 ||
         c == 0x161 || c == 0x17E;
}

bool is_upper_cp(char32_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) || c == 0x152 ||
         c == 0x160 || c == 0x17D || c == 0x178;
}

bool is_letter_cp(char32_t c) { return is_lower_cp(c) || is_upper_cp(c); }

bool is_digit_cp(char32_t c) { return c >= '0' && c <= '9'; }

std::size_t cp_count(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0u) != 0x80u) ++n;
  }
  return n;
}

bool ends_sentence(std::string_view s) {
  char32_t c = last_cp(s);
  return c == '.' || c == ':' || c == '!' || c == '?' || c == ';' || c == 0xBB || c == 0x2026;
}

bool has_digit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  auto it = v.begin() + static_cast<std::ptrdiff_t>(k);
  std::nth_element(v.begin(), it, v.end());
  return *it;
}

// Typographic ligatures and private-use bullets of Symbol/Wingdings fonts.
std::string clean_word(std::string_view w) {
  if (std::all_of(w.begin(), w.end(), [](char c) { return c > 0x20 && c < 0x7F; })) {
    return std::string(w);  // plain ASCII word: nothing to clean
  }
  std::string out;
  out.reserve(w.size());
  std::size_t i = 0;
  while (i < w.size()) {
    std::size_t s = i;
    char32_t c = next_code_point(w, i);
    switch (c) {
      case 0xFB00:
        out += "ff";
        break;
      case 0xFB01:
        out += "fi";
        break;
      case 0xFB02:
        out += "fl";
        break;
      case 0xFB03:
        out += "ffi";
        break;
      case 0xFB04:
        out += "ffl";
        break;
      case 0xFB05:
      case 0xFB06:
        out += "st";
        break;
      case 0xF0B7:
      case 0xF0A7:
      case 0xF0D8:
      case 0xF076:
      case 0xF0FC:
      case 0xF0A8:
        out += "\xE2\x80\xA2";  // bullet
        break;
      default:
        out.append(w.data() + s, i - s);
    }
  }
  TextBuilder b;
  b.append(out);
  return b.take();
}

// ---------------------------------------------------------------------------------------
// Lines

struct Seg {
  double x0 = 0;
  double x1 = 0;
  std::string_view text;  // in its page's text (PageLines)
  double first_word_w = 0;
  bool single_word = true;
  double char_w = 0;  // average character width
};

struct Line {
  int page = 0;
  double x0 = 0;
  double x1 = 0;
  double top = 0;
  double bottom = 0;
  double h = 0;  // median word height
  std::span<const Seg> segs;  // in its page's segments (PageLines)
  bool removed = false;
};

// A page's lines, kept until the whole document is read (running headers and the body size
// need every page): the segments of all lines in one array and their text in one buffer,
// exactly sized, rather than a vector and a string per line and segment.
struct PageLines {
  std::unique_ptr<char[]> text;
  std::vector<Seg> segs;
  std::vector<Line> lines;
};

// The kept lines in reading order, as views into their pages' own line vectors (which stay
// where add_page built them): only the lines of the pages finish() still holds are listed;
// indexes stay those of the whole document (the lines before `base` were released).
struct LineList {
  std::deque<const Line*> lines;
  std::deque<std::uint32_t> page_index;  // of each line, in PdfLayout's pages
  std::size_t base = 0;                  // the document index of lines.front()
  const Line& operator[](std::size_t i) const { return *lines[i - base]; }
  const Line& back() const { return *lines.back(); }
  std::size_t size() const { return base + lines.size(); }
  std::uint32_t page_of(std::size_t i) const { return page_index[i - base]; }
  void push(const Line* l, std::uint32_t page) {
    lines.push_back(l);
    page_index.push_back(page);
  }
  // forgets the lines of the pages before `page`
  void release_before(std::uint32_t page) {
    while (!page_index.empty() && page_index.front() < page) {
      lines.pop_front();
      page_index.pop_front();
      ++base;
    }
  }
};

std::string line_text(const Line& l) {
  std::string t;
  for (const auto& s : l.segs) {
    if (!t.empty()) t.push_back(' ');
    t += s.text;
  }
  return t;
}

PageLines build_lines(const PdfPage& page) {
  // lines as they are built; stored compactly at the end
  struct BuildSeg {
    double x0 = 0;
    double x1 = 0;
    std::string text;
    double first_word_w = 0;
    bool single_word = true;
    double char_w = 0;
  };
  struct BuildLine {
    int page = 0;
    double x0 = 0;
    double x1 = 0;
    double top = 0;
    double bottom = 0;
    double h = 0;
    std::vector<BuildSeg> segs;
  };
  struct W {
    const PdfWord* w;
    const std::string* text;  // cleaned text (in `texts`)
    double yc;
    double h;
  };
  std::vector<std::string> texts;
  texts.reserve(page.words.size());
  std::vector<W> ws;
  ws.reserve(page.words.size());
  for (const auto& w : page.words) {
    if (!(w.x1 >= w.x0) || !(w.y1 >= w.y0) || !std::isfinite(w.x0) || !std::isfinite(w.y0) ||
        !std::isfinite(w.x1) || !std::isfinite(w.y1)) {
      continue;
    }
    std::string t = clean_word(w.text);
    if (t.empty()) continue;
    texts.push_back(std::move(t));
    ws.push_back({&w, nullptr, (w.y0 + w.y1) / 2, std::max(0.5, w.y1 - w.y0)});
  }
  for (std::size_t k = 0; k < ws.size(); ++k) ws[k].text = &texts[k];
  std::sort(ws.begin(), ws.end(), [](const W& a, const W& b) {
    if (a.yc != b.yc) return a.yc < b.yc;
    return a.w->x0 < b.w->x0;
  });
  std::vector<BuildLine> lines;
  std::size_t i = 0;
  while (i < ws.size()) {
    std::size_t j = i + 1;
    double ref = ws[i].yc;
    double href = ws[i].h;
    while (j < ws.size() && ws[j].yc - ref <= 0.4 * std::min(href, ws[j].h)) ++j;
    std::vector<W*> lw;
    lw.reserve(j - i);
    for (std::size_t k = i; k < j; ++k) lw.push_back(&ws[k]);
    std::sort(lw.begin(), lw.end(), [](const W* a, const W* b) { return a->w->x0 < b->w->x0; });
    BuildLine line;
    line.page = page.number;
    std::vector<double> hs;
    line.top = lw.front()->w->y0;
    line.bottom = lw.front()->w->y1;
    for (const W* w : lw) {
      hs.push_back(w->h);
      line.top = std::min(line.top, w->w->y0);
      line.bottom = std::max(line.bottom, w->w->y1);
    }
    line.h = median(hs);
    double gap_split = std::max(1.25 * line.h, 4.0);
    const W* prev = nullptr;
    for (const W* w : lw) {
      if (prev != nullptr && *w->text == *prev->text && std::abs(w->w->x0 - prev->w->x0) < 1.0 &&
          std::abs(w->yc - prev->yc) < 1.0) {
        continue;  // overprinted (fake bold) duplicate
      }
      double gap = prev == nullptr ? 0 : w->w->x0 - prev->w->x1;
      if (prev == nullptr || gap > gap_split) {
        BuildSeg s;
        s.x0 = w->w->x0;
        s.x1 = w->w->x1;
        s.text = *w->text;
        s.first_word_w = w->w->x1 - w->w->x0;
        line.segs.push_back(std::move(s));
      } else {
        BuildSeg& s = line.segs.back();
        if (prev->w->space_after || gap > 0.15 * line.h) s.text.push_back(' ');
        s.text += *w->text;
        s.x1 = std::max(s.x1, w->w->x1);
        s.single_word = false;
      }
      prev = w;
    }
    for (auto& s : line.segs) {
      s.char_w = (s.x1 - s.x0) / static_cast<double>(std::max<std::size_t>(1, cp_count(s.text)));
    }
    line.x0 = line.segs.front().x0;
    line.x1 = line.segs.back().x1;
    lines.push_back(std::move(line));
    i = j;
  }
  // reading order top to bottom (sorted by centre already); keep stable by top
  PageLines out;
  std::size_t text_bytes = 0;
  std::size_t seg_count = 0;
  for (const auto& l : lines) {
    seg_count += l.segs.size();
    for (const auto& sg : l.segs) text_bytes += sg.text.size();
  }
  out.text = std::make_unique<char[]>(std::max<std::size_t>(1, text_bytes));
  out.segs.reserve(seg_count);  // never grows past: the lines' spans stay valid
  out.lines.reserve(lines.size());
  char* t = out.text.get();
  for (const auto& l : lines) {
    const std::size_t first = out.segs.size();
    for (const auto& sg : l.segs) {
      std::copy(sg.text.begin(), sg.text.end(), t);
      out.segs.push_back({sg.x0, sg.x1, std::string_view(t, sg.text.size()), sg.first_word_w,
                          sg.single_word, sg.char_w});
      t += sg.text.size();
    }
    out.lines.push_back({l.page, l.x0, l.x1, l.top, l.bottom, l.h,
                         std::span<const Seg>(out.segs.data() + first, l.segs.size()), false});
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Running headers and footers

std::string header_key(const Line& l) {
  std::string f = fold_ascii(line_text(l));
  std::string k;
  for (char c : f) {
    if (c >= '0' && c <= '9') {
      if (k.empty() || k.back() != '#') k.push_back('#');
    } else if (c != ' ') {
      k.push_back(c);
    }
  }
  return k;
}

bool is_page_number_line(const Line& l) {
  std::string f = fold_ascii(line_text(l));
  std::string k;
  for (char c : f) {
    if (c >= '0' && c <= '9') {
      if (k.empty() || k.back() != '#') k.push_back('#');
    } else if (c != ' ') {
      k.push_back(c);
    }
  }
  static constexpr std::array<std::string_view, 12> kForms{
      "#",   "-#-", "page#", "page#/#", "page#sur#", "page#de#",
      "#/#", "p.#", "p#",    "pages#",  "[#]",       "(#)"};
  return std::find(kForms.begin(), kForms.end(), k) != kForms.end();
}

// ---------------------------------------------------------------------------------------
// Output helper

class Emitter {
 public:
  Emitter(TextDocument& doc, std::size_t max_bytes, std::string_view name)
      : doc_(doc), max_(max_bytes), name_(name) {}
  bool push(TextBlock b) {
    if (cut_) return false;
    std::size_t sz = b.text.size() + 1;
    if (bytes_ + sz > max_) {
      cut_ = true;
      doc_.warnings.push_back(std::string(name_) + ": text cut at " + std::to_string(max_) +
                              " bytes");
      return false;
    }
    bytes_ += sz;
    // the text was grown by appending lines: held until the document is done, without slack
    b.text.shrink_to_fit();
    doc_.blocks.push_back(std::move(b));
    return true;
  }
  bool cut() const { return cut_; }
  TextDocument& doc() { return doc_; }

 private:
  TextDocument& doc_;
  std::size_t max_;
  std::string_view name_;
  std::size_t bytes_ = 0;
  bool cut_ = false;
};

// ---------------------------------------------------------------------------------------
// Joining lines

bool compound_prefix(std::string_view word) {
  static constexpr std::array<std::string_view, 32> kPrefixes{
      "socio", "medico", "psycho",  "sous",  "auto",  "anti",  "extra",  "inter",
      "intra", "non",    "post",    "pre",   "semi",  "ex",    "vice",   "demi",
      "mi",    "multi",  "neo",     "pluri", "quasi", "super", "ultra",  "bien",
      "apres", "avant",  "arriere", "co",    "sur",   "grand", "franco", "europe"};
  std::string f = fold_ascii(word);
  return std::find(kPrefixes.begin(), kPrefixes.end(), f) != kPrefixes.end();
}

// Appends the next line of a paragraph or cell to acc.
void join_line(std::string& acc, std::string_view next, bool glue = false) {
  if (next.empty()) return;
  if (acc.empty()) {
    acc.assign(next);
    return;
  }
  if (glue) {
    acc.append(next);
    return;
  }
  std::size_t n = acc.size();
  if (n >= 2 && acc[n - 1] == '-') {
    // the word broken at the end of the line
    std::size_t ws = acc.find_last_of(' ', n - 2);
    ws = ws == std::string::npos ? 0 : ws + 1;
    std::string_view word(acc.data() + ws, n - 1 - ws);
    char32_t before = last_cp(word);
    if (is_letter_cp(before)) {
      char32_t after = first_cp(next);
      if (is_lower_cp(after) && word.find('-') == std::string_view::npos &&
          !compound_prefix(word)) {
        acc.pop_back();  // "départe-" + "ment"
      }
      acc.append(next);  // "Pas-de-" + "Calais", "socio-" + "économique"
      return;
    }
  }
  acc.push_back(' ');
  acc.append(next);
}

// ---------------------------------------------------------------------------------------
// Regions (tables)

struct Region {
  std::vector<std::size_t> lines;  // indexes into the flat line list
  std::vector<double> cols;        // running column starts
  std::size_t multi = 0;
  bool table = false;
  bool text_columns = false;
};

struct Item {
  bool region = false;
  std::size_t index = 0;  // line index or region index
};

constexpr double kColTol = 4.0;
constexpr std::size_t kMaxColumns = 40;  // more distinct column starts: not a table

bool straddles(const Seg& s, const std::vector<double>& cols) {
  for (double c : cols) {
    if (c > s.x0 + kColTol && c < s.x1 - kColTol) return true;
  }
  return false;
}

bool near_col(double x, const std::vector<double>& cols) {
  return std::any_of(cols.begin(), cols.end(),
                     [&](double c) { return std::abs(c - x) <= kColTol; });
}

void add_cols(std::vector<double>& cols, const Line& l) {
  for (const auto& s : l.segs) {
    if (!near_col(s.x0, cols)) cols.push_back(s.x0);
  }
  std::sort(cols.begin(), cols.end());
}

// Final columns of a table region from its multi-segment lines: clustered segment starts;
// neighbouring clusters that never share a line and overlap (right-aligned numbers) merge.
std::vector<double> table_columns(const LineList& all, const Region& r) {
  struct Start {
    double x;
    std::size_t line;
    double x1;
  };
  std::vector<Start> starts;
  for (std::size_t li : r.lines) {
    const Line& l = all[li];
    if (l.segs.size() < 2) continue;
    for (const auto& s : l.segs) starts.push_back({s.x0, li, s.x1});
  }
  std::sort(starts.begin(), starts.end(), [](const Start& a, const Start& b) { return a.x < b.x; });
  struct Cluster {
    double x0;
    double xmax;
    double x1max;
    std::vector<std::size_t> lines;
  };
  std::vector<Cluster> cl;
  for (const auto& s : starts) {
    if (!cl.empty() && s.x - cl.back().xmax <= kColTol) {
      cl.back().xmax = s.x;
      cl.back().x1max = std::max(cl.back().x1max, s.x1);
      cl.back().lines.push_back(s.line);
    } else {
      cl.push_back({s.x, s.x, s.x1, {s.line}});
    }
  }
  // merge right-aligned fragments
  for (std::size_t i = 0; i + 1 < cl.size();) {
    Cluster& a = cl[i];
    Cluster& b = cl[i + 1];
    bool share = false;
    for (std::size_t la : a.lines) {
      if (std::find(b.lines.begin(), b.lines.end(), la) != b.lines.end()) {
        share = true;
        break;
      }
    }
    if (!share && a.x1max > b.x0 + kColTol) {
      a.xmax = b.xmax;
      a.x1max = std::max(a.x1max, b.x1max);
      a.lines.insert(a.lines.end(), b.lines.begin(), b.lines.end());
      cl.erase(cl.begin() + static_cast<std::ptrdiff_t>(i + 1));
    } else {
      ++i;
    }
  }
  std::vector<double> cols;
  cols.reserve(cl.size());
  for (const auto& c : cl) cols.push_back(c.x0);
  // a column left of every multi-segment start (single-segment first-column lines)
  double min_single = 1e9;
  for (std::size_t li : r.lines) {
    const Line& l = all[li];
    if (l.segs.size() == 1) min_single = std::min(min_single, l.segs[0].x0);
  }
  if (!cols.empty() && min_single < cols.front() - kColTol) {
    // only when such lines sit left of the first column without reaching the second
    bool fits = true;
    for (std::size_t li : r.lines) {
      const Line& l = all[li];
      if (l.segs.size() == 1 && l.segs[0].x0 < cols.front() - kColTol &&
          l.segs[0].x1 > cols.front() + kColTol) {
        fits = false;
      }
    }
    if (fits) cols.insert(cols.begin(), min_single);
  }
  return cols;
}

std::size_t column_of(double x, const std::vector<double>& cols) {
  std::size_t c = 0;
  for (std::size_t k = 0; k < cols.size(); ++k) {
    if (cols[k] <= x + kColTol) c = k;
  }
  return c;
}

// "Action 2-1", "Mesure 3.2", "Fiche 4-1", "2-1", "1.", "TOTAL": a new item in a first column.
bool starts_item(std::string_view text) {
  std::string f = fold_ascii(text.substr(0, std::min<std::size_t>(text.size(), 40)));
  if (f.starts_with("total")) return true;
  std::size_t i = 0;
  auto is_d = [&](std::size_t k) { return k < f.size() && f[k] >= '0' && f[k] <= '9'; };
  // optional leading word
  if (i < f.size() && f[i] >= 'a' && f[i] <= 'z') {
    while (i < f.size() && f[i] >= 'a' && f[i] <= 'z') ++i;
    if (i >= f.size() || f[i] != ' ') return false;
    ++i;
    if (!is_d(i)) return false;
  }
  if (!is_d(i)) return false;
  while (is_d(i)) ++i;
  if (i < f.size() && (f[i] == '-' || f[i] == '.')) {
    ++i;
    if (is_d(i)) return true;             // 2-1, 3.2
    return i >= f.size() || f[i] == ' ';  // "1." / "1-"
  }
  return false;
}

struct Cell {
  std::string text;
  double last_x1 = 0;
  bool last_glued_full = false;
  bool has = false;
};

struct Row {
  std::vector<Cell> cells;
  int page = 0;
};

class TableBuilder {
 public:
  TableBuilder(const LineList& all, const Region& r, double body_h)
      : all_(all), r_(r), body_h_(body_h) {}

  void build(std::vector<Row>& rows, std::vector<double>& cols) {
    cols_ = table_columns(all_, r_);
    cols = cols_;
    if (cols_.empty()) return;
    widths_.assign(cols_.size(), 0.0);
    for (std::size_t li : r_.lines) {
      for (const auto& s : all_[li].segs) {
        std::size_t c = column_of(s.x0, cols_);
        widths_[c] = std::max(widths_[c], s.x1 - cols_[c]);
      }
    }
    // line pitch inside cells vs gaps between rows
    std::vector<double> deltas;
    for (std::size_t k = 1; k < r_.lines.size(); ++k) {
      const Line& a = all_[r_.lines[k - 1]];
      const Line& b = all_[r_.lines[k]];
      if (a.page != b.page) continue;
      double d = b.top - a.top;
      if (d > 0.5 * body_h_) deltas.push_back(d);
    }
    double pitch = deltas.empty() ? 1.2 * body_h_ : percentile(deltas, 0.2);
    double gap_thr = std::max(pitch * 1.3, 1.2 * body_h_);
    bool dense = std::none_of(deltas.begin(), deltas.end(), [&](double d) { return d > gap_thr; });

    const Line* prev = nullptr;
    for (std::size_t li : r_.lines) {
      const Line& l = all_[li];
      std::vector<const Seg*> lc(cols_.size(), nullptr);
      std::vector<std::string> extra(cols_.size());
      for (const auto& s : l.segs) {
        std::size_t c = column_of(s.x0, cols_);
        if (lc[c] == nullptr) {
          lc[c] = &s;
        } else {
          extra[c] += ' ';  // a second segment in one column
          extra[c] += s.text;
        }
      }
      bool new_row = false;
      if (rows.empty()) {
        new_row = true;
      } else if (prev->page != l.page) {
        new_row = !continues(rows.back(), lc);
      } else if (l.top - prev->top > gap_thr || dense) {
        new_row = !continues(rows.back(), lc);
      } else if (lc[0] != nullptr && rows.back().cells[0].has && starts_item(lc[0]->text)) {
        new_row = true;
      }
      if (new_row) {
        Row r;
        r.cells.resize(cols_.size());
        r.page = l.page;
        rows.push_back(std::move(r));
      }
      Row& row = rows.back();
      for (std::size_t c = 0; c < cols_.size(); ++c) {
        if (lc[c] == nullptr) continue;
        append(row.cells[c], *lc[c], c);
        if (!extra[c].empty()) row.cells[c].text += extra[c];
      }
      prev = &l;
    }
  }

 private:
  // A line continuing the current row: each of its cells starts in lower case (or with
  // punctuation) where the row already has text.
  static bool continues(const Row& row, const std::vector<const Seg*>& lc) {
    bool any = false;
    for (std::size_t c = 0; c < lc.size(); ++c) {
      if (lc[c] == nullptr) continue;
      any = true;
      if (!row.cells[c].has) return false;
      char32_t f = first_cp(lc[c]->text);
      if (is_upper_cp(f) || is_digit_cp(f) || f == 0x2022) return false;
      if (!is_lower_cp(f) && !(f == '(' || f == ',' || f == ';' || f == ')' || f == 0xAB ||
                               f == 0xBB || f == '-' || f == '[' || f == '\'')) {
        return false;
      }
    }
    return any;
  }

  void append(Cell& cell, const Seg& s, std::size_t c) {
    if (!cell.has) {
      cell.text = s.text;
      cell.has = true;
      cell.last_x1 = s.x1;
      cell.last_glued_full = false;
      return;
    }
    // a word longer than the column, wrapped by characters ("Montant p" / "révisionn" / "el")
    double limit = cols_[c] + widths_[c];
    double cw = std::max(0.5, s.char_w);
    bool prev_full = cell.last_x1 >= limit - 1.5 * cw;
    bool seg_full = s.single_word && s.x1 >= limit - 1.5 * cw;
    bool glue = is_letter_cp(last_cp(cell.text)) && is_lower_cp(first_cp(s.text)) && prev_full &&
                (seg_full || cell.last_glued_full);
    join_line(cell.text, s.text, glue);
    cell.last_glued_full = glue && seg_full;
    cell.last_x1 = s.x1;
  }

  const LineList& all_;
  const Region& r_;
  double body_h_;
  std::vector<double> cols_;
  std::vector<double> widths_;
};

// ---------------------------------------------------------------------------------------
// Paragraphs

struct TLine {
  int page = 0;
  double x0 = 0;
  double x1 = 0;
  double top = 0;
  double h = 0;
  std::string text;
  double first_word_w = 0;
  double space_w = 0;
  double right = 0;  // right margin of its flow
  double pitch = 0;  // typical line pitch of its page
};

bool bullet_prefix(std::string_view t, std::size_t& len) {
  static constexpr std::array<std::string_view, 7> kSymbols{
      "\xE2\x80\xA2", "\xE2\x96\xAA", "\xE2\x97\xA6", "\xE2\x97\x8F",
      "\xE2\x96\xA0", "\xE2\x80\xA3", "\xE2\x9E\xA2"};
  for (auto b : kSymbols) {
    if (t.starts_with(b)) {
      len = b.size();
      return true;
    }
  }
  return false;
}

// "- item", "• item", "1. Item", "a) item"
bool list_marker(std::string_view t) {
  std::size_t bl = 0;
  if (bullet_prefix(t, bl)) return true;
  if (t.starts_with("- ") || t.starts_with("\xE2\x80\x93 ") || t.starts_with("\xE2\x80\x94 ") ||
      t.starts_with("* ")) {
    return true;
  }
  std::size_t i = 0;
  while (i < t.size() && i < 3 && t[i] >= '0' && t[i] <= '9') ++i;
  if (i > 0 && i + 2 < t.size() && (t[i] == '.' || t[i] == ')') && t[i + 1] == ' ' &&
      is_upper_cp(first_cp(t.substr(i + 2)))) {
    return true;
  }
  if (t.size() > 3 && t[0] >= 'a' && t[0] <= 'h' && t[1] == ')' && t[2] == ' ') return true;
  return false;
}

bool looks_heading_text(std::string_view t) {
  if (t.size() > 200 || (ends_sentence(t) && last_cp(t) != ':')) return false;
  std::size_t upper = 0;
  std::size_t letters = 0;
  std::size_t i = 0;
  while (i < t.size()) {
    char32_t c = next_code_point(t, i);
    if (is_letter_cp(c)) {
      ++letters;
      if (is_upper_cp(c)) ++upper;
    }
  }
  return letters >= 5 && upper * 10 >= letters * 8;
}

class ParagraphBuilder {
 public:
  ParagraphBuilder(Emitter& out, double body_h) : out_(out), body_h_(body_h) {}

  void add(const TLine& l) {
    if (out_.cut()) return;
    if (auto d = read_dateline(l.text)) {
      flush();
      TextBlock b;
      b.kind = BlockKind::dateline;
      b.text = l.text;
      b.page = l.page;
      out_.push(std::move(b));
      if (!out_.doc().published_on) out_.doc().published_on = d;
      return;
    }
    bool marker = list_marker(l.text);
    bool large = l.h >= 1.12 * body_h_;
    if (!lines_.empty()) {
      const TLine& p = lines_.back();
      bool brk = false;
      // a line that ends in a hyphenated word does not end its paragraph
      bool short_line =
          (p.right - p.x1) > l.first_word_w + l.space_w + 2.0 && !p.text.ends_with("-");
      char32_t f = first_cp(l.text);
      bool capital = is_upper_cp(f) || f == 0xAB || f == '"';
      if (l.page != p.page) {
        brk = short_line || std::abs(l.h - p.h) > 0.12 * std::max(l.h, p.h) || !is_lower_cp(f);
        if (ends_sentence(p.text) && capital) brk = true;
      } else {
        double delta = l.top - p.top;
        double pitch = std::max(p.pitch, 0.8 * p.h);
        // a wider gap breaks the paragraph, unless the sentence visibly goes on
        bool goes_on = !ends_sentence(p.text) && is_lower_cp(f) && delta < 2.5 * pitch;
        if ((delta > 1.4 * pitch && !goes_on) || delta < 0) brk = true;
        if (std::abs(l.h - p.h) > 0.12 * std::max(l.h, p.h)) brk = true;
        if (short_line && (ends_sentence(p.text) || capital)) brk = true;
        if (large != large_) brk = true;
      }
      if (marker) brk = true;
      if (brk) flush();
    }
    if (lines_.empty()) {
      large_ = large;
      list_ = marker;
    }
    lines_.push_back(l);
    join_line(text_, l.text);
  }

  void flush() {
    if (lines_.empty()) return;
    std::string t = std::move(text_);
    text_.clear();
    TextBlock b;
    b.page = lines_.front().page;
    if (list_) {
      b.kind = BlockKind::list_item;
      std::size_t bl = 0;
      if (bullet_prefix(t, bl)) t = normalize_text(std::string_view(t).substr(bl));
    } else if (lines_.size() <= 3 && ((large_ && t.size() <= 200) || looks_heading_text(t))) {
      b.kind = BlockKind::heading;
    } else {
      b.kind = BlockKind::paragraph;
    }
    b.text = std::move(t);
    lines_.clear();
    if (!b.text.empty()) out_.push(std::move(b));
  }

 private:
  Emitter& out_;
  double body_h_;
  std::vector<TLine> lines_;
  std::string text_;
  bool large_ = false;
  bool list_ = false;
};

}  // namespace

namespace {

// ---------------------------------------------------------------------------------------
// Pages held until the end of the document

// A page's lines wait for the end of the document: the body text size and the running
// headers are known only then. The first pages stay in memory; past a budget they are
// written to a temporary file and read back one at a time by finish(), so that memory does
// not grow with the page count. When no temporary file can be had (or a write fails), the
// pages stay in memory.
class PageStore {
 public:
  explicit PageStore(std::size_t memory_budget) : budget_(memory_budget) {}
  PageStore(const PageStore&) = delete;
  PageStore& operator=(const PageStore&) = delete;
  ~PageStore() {
    if (file_ != nullptr) std::fclose(file_);
  }

  void put(PageLines&& page) {
    const std::size_t bytes = held_bytes(page);
    if (!spilling_) {
      if (failed_ || held_ + bytes <= budget_) {
        held_ += bytes;
        front_.push_back(std::move(page));
        return;
      }
      file_ = std::tmpfile();
      if (file_ == nullptr) {
        failed_ = true;
        held_ += bytes;
        front_.push_back(std::move(page));
        return;
      }
      spilling_ = true;
    }
    if (!failed_ && write(page)) {
      ++spilled_;
      return;
    }
    failed_ = true;
    held_ += bytes;
    back_.push_back(std::move(page));
  }

  // The pages in the order they were put, each once.
  PageLines take() {
    PageLines out;
    if (!front_.empty()) {
      out = std::move(front_.front());
      front_.pop_front();
      held_ -= held_bytes(out);
    } else if (read_ < spilled_) {
      out = read();
      ++read_;
    } else if (!back_.empty()) {
      out = std::move(back_.front());
      back_.pop_front();
      held_ -= held_bytes(out);
    }
    return out;
  }

  std::size_t pages_in_memory() const { return front_.size() + back_.size(); }
  std::size_t lines_in_memory() const {
    std::size_t n = 0;
    for (const auto& p : front_) n += p.lines.size();
    for (const auto& p : back_) n += p.lines.size();
    return n;
  }
  std::size_t pages_spilled() const { return spilled_ - read_; }

 private:
  static_assert(std::is_trivially_copyable_v<Seg> && std::is_trivially_copyable_v<Line>);

  struct Header {
    std::uint64_t text_bytes;
    std::uint64_t seg_count;
    std::uint64_t line_count;
  };

  static std::size_t held_bytes(const PageLines& p) {
    std::size_t text = 0;
    for (const auto& s : p.segs) text += s.text.size();
    return text + p.segs.capacity() * sizeof(Seg) + p.lines.capacity() * sizeof(Line);
  }

  // the segments and lines as they are (their views are rebuilt when read back), after the
  // page's text
  bool write(const PageLines& p) {
    Header h{0, p.segs.size(), p.lines.size()};
    for (const auto& s : p.segs) h.text_bytes += s.text.size();
    buf_.clear();
    buf_.append(reinterpret_cast<const char*>(&h), sizeof h);
    if (h.text_bytes > 0) buf_.append(p.text.get(), h.text_bytes);
    buf_.append(reinterpret_cast<const char*>(p.segs.data()), p.segs.size() * sizeof(Seg));
    buf_.append(reinterpret_cast<const char*>(p.lines.data()), p.lines.size() * sizeof(Line));
    bool ok = std::fwrite(buf_.data(), 1, buf_.size(), file_) == buf_.size() &&
              std::fflush(file_) == 0;
    if (buf_.capacity() > (std::size_t{1} << 20)) std::string().swap(buf_);
    return ok;
  }

  PageLines read() {
    if (read_ == 0 && std::fseek(file_, 0, SEEK_SET) != 0) fail();
    Header h{};
    get(&h, sizeof h);
    PageLines p;
    p.text = std::make_unique<char[]>(std::max<std::size_t>(1, h.text_bytes));
    get(p.text.get(), h.text_bytes);
    p.segs.resize(h.seg_count);
    get(p.segs.data(), h.seg_count * sizeof(Seg));
    p.lines.resize(h.line_count);
    get(p.lines.data(), h.line_count * sizeof(Line));
    const char* t = p.text.get();
    for (auto& s : p.segs) {
      s.text = std::string_view(t, s.text.size());
      t += s.text.size();
    }
    std::size_t first = 0;
    for (auto& l : p.lines) {
      l.segs = std::span<const Seg>(p.segs.data() + first, l.segs.size());
      first += l.segs.size();
    }
    return p;
  }

  void get(void* to, std::size_t n) {
    if (n > 0 && std::fread(to, 1, n, file_) != n) fail();
  }

  [[noreturn]] static void fail() {
    throw std::runtime_error("the page layout's temporary file could not be read back");
  }

  std::size_t budget_;
  std::size_t held_ = 0;  // bytes of the pages in memory
  std::deque<PageLines> front_;  // in memory, before the spilled pages
  std::deque<PageLines> back_;   // in memory, after them (a write failed)
  std::FILE* file_ = nullptr;
  bool spilling_ = false;
  bool failed_ = false;
  std::size_t spilled_ = 0;
  std::size_t read_ = 0;
  std::string buf_;
};

// A line that may be a running header or footer: one of the first and last 3 lines of its
// page, inside the top or bottom margin.
struct Candidate {
  static constexpr std::uint32_t kNoKey = UINT32_MAX;
  std::uint32_t line = 0;      // in its page's lines
  std::uint32_t key = kNoKey;  // header_key, interned in State::key_ids
  double h = 0;
  std::size_t chars = 0;
  bool page_number = false;
  bool removed = false;
};

}  // namespace

// What is kept of the pages read so far: their lines (in the PageStore), the candidate
// running headers and footers, and the text by line height of the other lines. A page's
// words are not kept once its lines are built.
struct PdfLayout::State {
  explicit State(std::size_t memory_budget) : budget(memory_budget), store(memory_budget) {}
  std::size_t budget;
  PageStore store;
  std::size_t pages = 0;
  std::vector<Candidate> candidates;                // of all pages, in page order
  std::vector<std::uint32_t> first_candidate{0};    // of each page, and the end
  std::unordered_map<std::string, std::uint32_t> key_ids;
  std::vector<std::array<std::size_t, 3>> key_counts;  // pages holding a key: all, odd, even
  std::map<double, std::size_t> heights;  // bytes of text of the other lines by line height
};

PdfLayout::PdfLayout(std::size_t memory_budget)
    : s_(std::make_unique<State>(memory_budget)) {}
PdfLayout::~PdfLayout() = default;

void PdfLayout::add_page(const PdfPage& page) {
  State& st = *s_;
  PageLines pl = build_lines(page);
  const std::size_t p = st.pages++;
  const double height = page.height > 0 ? page.height : 842.0;
  auto in_zone = [&](const Line& l) { return l.bottom <= 0.12 * height || l.top >= 0.88 * height; };
  const std::vector<Line>& lines = pl.lines;
  // candidate lines: up to 3 at the top and 3 at the bottom of the page, inside the margins
  std::array<std::size_t, 6> cand{};
  std::size_t cand_count = 0;
  for (std::size_t i = 0; i < lines.size() && i < 3; ++i) {
    if (in_zone(lines[i])) cand[cand_count++] = i;
  }
  for (std::size_t k = 0; k < 3 && k < lines.size(); ++k) {
    std::size_t i = lines.size() - 1 - k;
    if (i < 3) break;
    if (in_zone(lines[i])) cand[cand_count++] = i;
  }
  auto chars_of = [](const Line& l) {
    std::size_t chars = 0;
    for (const auto& sg : l.segs) chars += sg.text.size();
    return chars;
  };
  std::array<std::uint32_t, 6> seen{};
  std::size_t seen_count = 0;
  for (std::size_t c = 0; c < cand_count; ++c) {
    const Line& l = lines[cand[c]];
    Candidate cd;
    cd.line = static_cast<std::uint32_t>(cand[c]);
    cd.h = l.h;
    cd.chars = chars_of(l);
    cd.page_number = is_page_number_line(l);
    std::string k = header_key(l);
    if (!k.empty()) {
      auto [it, added] =
          st.key_ids.try_emplace(std::move(k), static_cast<std::uint32_t>(st.key_counts.size()));
      if (added) st.key_counts.push_back({0, 0, 0});
      cd.key = it->second;
      if (std::find(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(seen_count),
                    cd.key) == seen.begin() + static_cast<std::ptrdiff_t>(seen_count)) {
        seen[seen_count++] = cd.key;
        auto& cnt = st.key_counts[cd.key];
        ++cnt[0];
        ++cnt[1 + p % 2];
      }
    }
    st.candidates.push_back(cd);
  }
  st.first_candidate.push_back(static_cast<std::uint32_t>(st.candidates.size()));
  // the body size counts the other lines now, the candidates once they are known to stay
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (std::find(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(cand_count), i) !=
        cand.begin() + static_cast<std::ptrdiff_t>(cand_count)) {
      continue;
    }
    st.heights[lines[i].h] += chars_of(lines[i]);
  }
  st.store.put(std::move(pl));
}

PdfLayout::Held PdfLayout::held() const {
  Held h;
  h.pages = s_->pages;
  h.pages_in_memory = s_->store.pages_in_memory();
  h.lines_in_memory = s_->store.lines_in_memory();
  h.pages_spilled = s_->store.pages_spilled();
  h.candidate_lines = s_->candidates.size();
  return h;
}

void layout_pdf_pages(const std::vector<PdfPage>& pages, TextDocument& doc,
                      std::size_t max_text_bytes, std::string_view name) {
  PdfLayout layout;
  for (const auto& p : pages) layout.add_page(p);
  layout.finish(doc, max_text_bytes, name);
}

void PdfLayout::finish(TextDocument& doc, std::size_t max_text_bytes, std::string_view name) {
  std::unique_ptr<State> st = std::move(s_);
  s_ = std::make_unique<State>(st->budget);
  const std::size_t n = st->pages;

  // 1. running headers and footers (lines repeated at the top or bottom of half the pages,
  // or of half the odd or even pages) and page numbers are dropped; the body text size is
  // the median line height weighted by text
  {
    const std::size_t need_all = std::max<std::size_t>(2, (n + 1) / 2);
    const std::size_t odd_pages = (n + 1) / 2;
    const std::size_t even_pages = n / 2;
    for (auto& c : st->candidates) {
      bool running = false;
      if (n >= 2 && c.key != Candidate::kNoKey) {
        const auto& cnt = st->key_counts[c.key];
        running =
            cnt[0] >= need_all ||
            (n >= 4 && cnt[1] >= std::max<std::size_t>(2, (odd_pages + 1) / 2) && cnt[2] == 0) ||
            (n >= 4 && cnt[2] >= std::max<std::size_t>(2, (even_pages + 1) / 2) && cnt[1] == 0);
      }
      c.removed = c.page_number || running;
      if (!c.removed) st->heights[c.h] += c.chars;
    }
    decltype(st->key_ids)().swap(st->key_ids);
    decltype(st->key_counts)().swap(st->key_counts);
  }
  double body_h = 10.0;
  {
    std::size_t total_chars = 0;
    for (const auto& [h, c] : st->heights) total_chars += c;
    std::size_t acc = 0;
    for (const auto& [h, c] : st->heights) {
      acc += c;
      if (2 * acc >= total_chars) {
        body_h = h;
        break;
      }
    }
    decltype(st->heights)().swap(st->heights);
  }

  // Then page by page, each read back once: 2. table regions, 3. items (lines and regions)
  // 4. tables continued on the next page merged, 5. the page's right margin and line pitch,
  // 6. the items that can no longer change emitted. Only the pages of items not emitted yet
  // are held (a table running over pages holds its pages).
  LineList all;
  std::vector<Region> regions;
  std::deque<Item> items;   // laid out, the last one (a region) maybe continued on the next page
  std::deque<Item> merged;  // final, the last one (a region) maybe merged with the next one
  std::deque<PageLines> window;  // pages window_first, window_first + 1, ...
  std::size_t window_first = 0;
  std::unordered_map<int, double> right;  // by page number
  std::unordered_map<int, double> pitch;
  auto classify = [&](Region& r) {
    // a table needs figures outside its first column; text in columns is read column by column
    std::size_t figure_lines = 0;
    for (std::size_t li : r.lines) {
      const Line& l = all[li];
      for (std::size_t k = 1; k < l.segs.size(); ++k) {
        if (has_digit(l.segs[k].text)) {
          ++figure_lines;
          break;
        }
      }
    }
    r.table = figure_lines >= 2;
    // columns that all hold prose (a page set in two columns) are text, whatever figures
    // they mention
    std::vector<std::vector<double>> lens(r.cols.size());
    for (std::size_t li : r.lines) {
      for (const auto& sg : all[li].segs) {
        lens[column_of(sg.x0, r.cols)].push_back(static_cast<double>(cp_count(sg.text)));
      }
    }
    std::size_t used = 0;
    std::size_t prose = 0;
    for (const auto& l : lens) {
      if (l.size() < 3) continue;
      ++used;
      if (median(l) >= 30) ++prose;
    }
    if (used >= 2 && prose == used) r.table = false;
    r.text_columns = !r.table;
  };
  // 6. emission
  Emitter out(doc, max_text_bytes, name);
  ParagraphBuilder para(out, body_h);
  auto tline = [&](const Line& l, std::string text, double x0, double x1, double rmargin,
                   double fw) {
    TLine t;
    t.page = l.page;
    t.x0 = x0;
    t.x1 = x1;
    t.top = l.top;
    t.h = l.h;
    t.text = std::move(text);
    t.first_word_w = fw;
    t.space_w = 0.28 * l.h;
    t.right = rmargin;
    auto pit = pitch.find(l.page);
    t.pitch = pit != pitch.end() && pit->second > 0 ? pit->second : 1.2 * l.h;
    return t;
  };
  auto emit = [&](const Item& it) {
    if (out.cut()) return;
    if (!it.region) {
      const Line& l = all[it.index];
      auto rm = right.find(l.page);
      double rmargin = rm != right.end() ? std::max(rm->second, l.x1) : l.x1;
      para.add(tline(l, line_text(l), l.x0, l.x1, rmargin, l.segs.front().first_word_w));
      return;
    }
    const Region& r = regions[it.index];
    para.flush();
    if (r.text_columns) {
      std::vector<double> cols = table_columns(all, r);
      if (cols.empty()) cols.push_back(all[r.lines.front()].x0);
      for (std::size_t c = 0; c < cols.size(); ++c) {
        // a column's right margin tells nothing (signature lines are all short): every line
        // counts as short, so a line that ends a sentence or precedes a capital ends its block
        constexpr double kNoMargin = 1e9;
        for (std::size_t li : r.lines) {
          const Line& l = all[li];
          for (const auto& s : l.segs) {
            if (column_of(s.x0, cols) != c) continue;
            para.add(tline(l, std::string(s.text), s.x0, s.x1, kNoMargin, s.first_word_w));
          }
        }
        para.flush();
      }
      return;
    }
    std::vector<Row> rows;
    std::vector<double> cols;
    TableBuilder(all, r, body_h).build(rows, cols);
    TextTable table;
    table.first_block = doc.blocks.size();
    table.column_x = cols;
    for (auto& row : rows) {
      TextBlock b;
      b.kind = BlockKind::table_row;
      b.page = row.page;
      bool any = false;
      std::vector<std::string> cells;
      cells.reserve(row.cells.size());
      for (auto& c : row.cells) {
        any = any || !c.text.empty();
        cells.push_back(std::move(c.text));
      }
      if (!any) continue;
      b.set_cells(cells);  // sized exactly: held until the document is done
      if (!out.push(std::move(b))) break;
    }
    table.block_count = doc.blocks.size() - table.first_block;
    if (table.block_count > 0) doc.tables.push_back(std::move(table));
  };
  // 4. tables continued on the next page (same columns, nothing in between) are merged
  auto merge = [&](const Item& it) {
    if (it.region && !merged.empty() && merged.back().region) {
      Region& a = regions[merged.back().index];
      Region& b = regions[it.index];
      bool next_page = all[b.lines.front()].page == all[a.lines.back()].page + 1;
      bool same_cols = a.table;  // b may hold no figures of its own (a continued annex)
      if (same_cols) {
        for (double c : b.cols) same_cols = same_cols && near_col(c, a.cols);
      }
      if (next_page && same_cols) {
        a.lines.insert(a.lines.end(), b.lines.begin(), b.lines.end());
        a.multi += b.multi;
        b = Region{};
        return;
      }
    }
    merged.push_back(it);
  };
  auto emit_final = [&](bool all_of_them) {
    while (!merged.empty() && (all_of_them || merged.size() > 1 || !merged.front().region)) {
      const Item it = merged.front();
      merged.pop_front();
      emit(it);
      if (it.region) regions[it.index] = Region{};
    }
  };
  auto first_page = [&](const Item& it) {
    return all.page_of(it.region ? regions[it.index].lines.front() : it.index);
  };

  for (std::size_t page_index = 0; page_index < n && !out.cut(); ++page_index) {
    window.push_back(st->store.take());
    std::vector<Line>& page_lines = window.back().lines;
    for (std::uint32_t c = st->first_candidate[page_index];
         c < st->first_candidate[page_index + 1]; ++c) {
      const Candidate& cd = st->candidates[c];
      if (cd.removed && cd.line < page_lines.size()) page_lines[cd.line].removed = true;
    }
    const std::vector<Line>& pl = page_lines;
    const std::size_t first_new = items.size();
    Region cur;
    bool open = false;
    bool cont = false;
    std::size_t cont_target = 0;
    if (!items.empty() && items.back().region && regions[items.back().index].table) {
      cont_target = items.back().index;
      cur.cols = regions[cont_target].cols;
      open = true;
      cont = true;
    }
    auto close = [&] {
      if (!open) return;
      open = false;
      if (cont) {
        Region& t = regions[cont_target];
        t.lines.insert(t.lines.end(), cur.lines.begin(), cur.lines.end());
        t.multi += cur.multi;
        t.cols = cur.cols;
        cont = false;
      } else if (cur.multi >= 2 && cur.cols.size() >= 2 && cur.cols.size() <= kMaxColumns) {
        classify(cur);
        regions.push_back(std::move(cur));
        items.push_back({true, regions.size() - 1});
      } else {
        for (std::size_t li : cur.lines) items.push_back({false, li});
      }
      cur = Region{};
    };
    for (const Line& l : pl) {
      if (l.removed) continue;
      std::size_t li = all.size();
      all.push(&l, static_cast<std::uint32_t>(page_index));
      const Line& line = all.back();
      bool multi = line.segs.size() >= 2;
      if (open) {
        bool ok = true;
        if (!cur.lines.empty()) {
          const Line& last = all[cur.lines.back()];
          ok = line.top - last.bottom <= 4.0 * body_h;
        }
        for (const auto& sg : line.segs) {
          if (ok && straddles(sg, cur.cols)) ok = false;
        }
        if (ok && multi && cur.cols.size() >= 2) {
          bool aligned = false;
          for (const auto& sg : line.segs) aligned = aligned || near_col(sg.x0, cur.cols);
          ok = aligned;
        }
        if (ok && multi && cur.cols.size() > kMaxColumns) ok = false;  // not a table
        if (ok && !multi && cont && cur.lines.empty()) {
          // a single line at the top of a page continues the table only as a cell's tail
          char32_t f = first_cp(line.segs[0].text);
          ok = near_col(line.segs[0].x0, cur.cols) && !is_upper_cp(f) && !is_digit_cp(f);
        }
        if (ok) {
          cur.lines.push_back(li);
          if (multi) {
            ++cur.multi;
            add_cols(cur.cols, line);
          }
          continue;
        }
        close();
      }
      if (multi) {
        open = true;
        cur.lines.push_back(li);
        cur.multi = 1;
        add_cols(cur.cols, line);
      } else {
        items.push_back({false, li});
      }
    }
    close();

    // 5. typical right margin and pitch of the page (text lines of body size)
    {
      std::unordered_map<int, std::vector<double>> deltas;
      const Line* prev = nullptr;
      for (std::size_t k = first_new; k < items.size(); ++k) {
        const Item& it = items[k];
        if (it.region) {
          prev = nullptr;
          continue;
        }
        const Line& l = all[it.index];
        if (std::abs(l.h - body_h) <= 0.2 * body_h) right[l.page] = std::max(right[l.page], l.x1);
        if (prev != nullptr && prev->page == l.page) {
          double d = l.top - prev->top;
          if (d > 0.6 * l.h && d < 3.0 * l.h) deltas[l.page].push_back(d);
        }
        prev = &l;
      }
      for (auto& [p, ds] : deltas) pitch[p] = median(ds);
    }
    // the items before the last region are final
    while (items.size() > 1 || (!items.empty() && !items.back().region)) {
      merge(items.front());
      items.pop_front();
    }
    emit_final(false);
    // release the pages no pending item reads
    std::size_t needed = page_index + 1;
    for (const Item& it : merged) needed = std::min<std::size_t>(needed, first_page(it));
    for (const Item& it : items) needed = std::min<std::size_t>(needed, first_page(it));
    for (; window_first < needed; ++window_first) {
      if (!window.front().lines.empty()) {
        right.erase(window.front().lines.front().page);
        pitch.erase(window.front().lines.front().page);
      }
      window.pop_front();
    }
    all.release_before(static_cast<std::uint32_t>(needed));
  }
  for (const Item& it : items) merge(it);
  items.clear();
  emit_final(true);
  para.flush();

  // the blocks are held until the document is done: no growth slack
  doc.blocks.shrink_to_fit();

  // 7. the document title block: the first heading of page 1 in the largest type
  for (auto& b : doc.blocks) {
    if (b.page > 1) break;
    if (b.kind == BlockKind::heading) {
      b.kind = BlockKind::title;
      break;
    }
    if (b.kind == BlockKind::paragraph || b.kind == BlockKind::table_row) break;
  }
}

}  // namespace conventiond::document_detail
