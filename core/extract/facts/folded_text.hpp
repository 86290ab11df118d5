#pragma once
// French text folded for matching: lower case, accents removed, typographic apostrophes,
// dashes and spaces normalised, with a map from every folded byte back to the original text.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace conventiond::extract_detail {

class FoldedText {
 public:
  explicit FoldedText(std::string_view original);

  const std::string& text() const noexcept { return folded_; }
  std::string_view original() const noexcept { return original_; }
  // Byte offset in the original text of folded byte `i` (i may be text().size()).
  std::size_t original_offset(std::size_t i) const noexcept { return offsets_[i]; }
  // The original text behind folded range [begin, end).
  std::string_view original_slice(std::size_t begin, std::size_t end) const noexcept;

  // True when the original character at folded position i is an upper-case letter.
  bool is_upper_at(std::size_t i) const noexcept;

 private:
  std::string_view original_;
  std::string folded_;
  std::vector<std::size_t> offsets_;
};

// Folds a short string (no offset map): "Préfète du Bas-Rhin" -> "prefete du bas-rhin".
std::string fold(std::string_view s);

// The same into out[0..), which needs s.size() bytes (folding never lengthens a text);
// returns the folded size.
std::size_t fold_to(std::string_view s, char* out) noexcept;

// Word characters for boundary tests on folded text: ASCII letters, digits, and any byte of a
// multi-byte UTF-8 sequence (letters that folding kept as they were).
bool is_word_byte(char c) noexcept;

// True when folded[pos, pos+len) is a whole word: no word byte just before or after.
bool whole_word_at(std::string_view folded, std::size_t pos, std::size_t len) noexcept;

// Finds `needle` as a whole word in folded text from `from`; npos when absent.
std::size_t find_word(std::string_view folded, std::string_view needle, std::size_t from = 0);

}  // namespace conventiond::extract_detail
