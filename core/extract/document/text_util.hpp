#pragma once
// Text normalisation, a small French date reader and SHA-256, shared by the document
// parsers (internal to conventiond::extract).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <conventiond/model/date.hpp>

namespace conventiond::document_detail {

// Accumulates UTF-8 text with whitespace collapsed: ASCII whitespace, NBSP (U+00A0),
// narrow/thin/figure spaces and other Unicode spaces become one space; soft hyphens,
// zero-width characters, BOMs and C0/C1 controls are removed. No leading space is kept.
class TextBuilder {
 public:
  void append(std::string_view utf8);
  // A hard separator: the next text starts after one space (unless nothing follows).
  void space() { pending_space_ = !out_.empty(); }
  bool empty() const noexcept { return out_.empty(); }
  std::size_t size() const noexcept { return out_.size(); }
  // The collected text without trailing space; resets the builder.
  std::string take();
  const std::string& str() const noexcept { return out_; }
  void clear() {
    out_.clear();
    pending_space_ = false;
  }

 private:
  std::string out_;
  bool pending_space_ = false;
};

// One-shot normalisation with TextBuilder rules.
std::string normalize_text(std::string_view utf8);

// Classification of a code point as collapsible space / removable (see TextBuilder).
bool is_space_cp(char32_t cp) noexcept;
bool is_ignorable_cp(char32_t cp) noexcept;

// Lower-cases ASCII and folds common Latin-1 accented letters (é -> e, ç -> c ...), for
// keyword matching.
std::string fold_ascii(std::string_view utf8);

// Reads one French date at the start of `s` (leading spaces skipped): "23 janvier 2019",
// "1er juillet 2019", "mardi 18 décembre 2018", "03/06/2020", "3.6.2020", "2019-06-27"
// (also ISO date-times). Sets *used to the number of bytes read.
std::optional<Date> read_french_date(std::string_view s, std::size_t* used = nullptr);

// Finds the first date read_french_date accepts anywhere in `s`.
std::optional<Date> find_french_date(std::string_view s);

bool valid_date(int y, int m, int d) noexcept;

// A page-chrome date line: "Publié le 23 janvier 2019", "Mis à jour le 03/06/2020",
// "Publié le 12/03/2019 - Mis à jour le 15/03/2019", "Date de publication : ...". Returns
// true (and fills the dates found) when the whole line is such a statement.
bool read_date_line(std::string_view text, std::optional<Date>& published,
                    std::optional<Date>& updated);

// A dateline opening a press release: "Arras, le 18 décembre 2018", "Strasbourg, le 5 mars
// 2019", "Paris le 1er juillet 2019". Returns the date when the whole line is one.
std::optional<Date> read_dateline(std::string_view text);

// "fr" when the text reads as French (stop-word count), "" otherwise.
std::string detect_language(std::string_view text);

// "sha256:<64 hex digits>" of the bytes.
std::string sha256_hex(std::string_view bytes);

}  // namespace conventiond::document_detail
