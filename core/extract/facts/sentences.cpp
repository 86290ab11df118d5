#include "facts/sentences.hpp"

#include <algorithm>
#include <array>

namespace conventiond::extract_detail {
namespace {

bool is_upper_ascii(char c) { return c >= 'A' && c <= 'Z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Words after which a period does not end a sentence.
bool is_abbreviation(std::string_view word) {
  static constexpr std::array<std::string_view, 16> kAbbrev = {
      "M", "MM", "Mme", "Mmes", "Mlle", "Dr", "St", "Ste", "art", "Art", "cf", "p", "n", "no",
      "av", "etc"};
  if (word.size() == 1 && is_upper_ascii(word[0])) return true;  // initials: "J. Dupont"
  return std::find(kAbbrev.begin(), kAbbrev.end(), word) != kAbbrev.end();
}

// Does a new sentence start at text[i] (after spaces)? Upper-case letter, digit, quote, bullet.
bool starts_sentence(std::string_view text, std::size_t i) {
  if (i >= text.size()) return false;
  const auto c = static_cast<unsigned char>(text[i]);
  if (is_upper_ascii(text[i]) || is_digit(text[i]) || text[i] == '"' || text[i] == '-') return true;
  if (c == 0xC3 && i + 1 < text.size()) {  // À..Þ
    const auto d = static_cast<unsigned char>(text[i + 1]);
    return d >= 0x80 && d <= 0x9E;
  }
  return c == 0xE2 || c == 0xC2;  // « • and other typographic marks
}

// [b, e) of text without its white space at both ends.
std::pair<std::size_t, std::size_t> trimmed(std::string_view text, std::size_t b, std::size_t e) {
  while (b < e && (text[b] == ' ' || text[b] == '\n' || text[b] == '\t')) ++b;
  while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\n' || text[e - 1] == '\t')) --e;
  return {b, e};
}

// "annexe a", "annexe 1", "fiche 4-1", "fiche action 2", "synthese des actions"
bool starts_annex(std::string_view folded) {
  // "Annexe 2 à la convention ... signée le 4 juillet 2019 entre ...": a statement, not a heading
  if (folded.find(" signee") != std::string_view::npos || folded.find(" signe ") != std::string_view::npos) return false;
  return folded.rfind("annexe", 0) == 0 || folded.find("synthese des actions") != std::string_view::npos ||
         folded.rfind("fiche", 0) == 0;
}

// "Lire aussi : ...", "Sur le même sujet": links to other articles, not this one's text.
bool is_navigation(std::string_view folded) {
  for (std::string_view p : {"lire aussi", "a lire aussi", "voir aussi", "sur le meme sujet", "articles lies",
                             "a lire egalement", "lire egalement", "dans la meme rubrique"})
    if (folded.rfind(p, 0) == 0) return true;
  return false;
}

}  // namespace

std::vector<std::pair<std::size_t, std::size_t>> split_sentence_spans(std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      if (i > start) out.push_back(trimmed(text, start, i));
      start = i + 1;
      continue;
    }
    if (c != '.' && c != '!' && c != '?') continue;
    if (c == '.' && i > 0 && is_digit(text[i - 1]) && i + 1 < text.size() && is_digit(text[i + 1]))
      continue;  // 1.5, 2.3.1
    std::size_t j = i + 1;
    if (j >= text.size() || text[j] != ' ') continue;
    while (j < text.size() && text[j] == ' ') ++j;
    if (!starts_sentence(text, j)) continue;
    if (c == '.') {
      std::size_t wb = i;
      while (wb > start && text[wb - 1] != ' ' && text[wb - 1] != '(') --wb;
      if (is_abbreviation(text.substr(wb, i - wb))) continue;
    }
    out.push_back(trimmed(text, start, i + 1));
    start = j;
    i = j - 1;
  }
  if (start < text.size()) out.push_back(trimmed(text, start, text.size()));
  out.erase(std::remove_if(out.begin(), out.end(), [](const auto& r) { return r.first == r.second; }),
            out.end());
  return out;
}

std::vector<std::string> split_sentences(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& [b, e] : split_sentence_spans(text)) out.emplace_back(text.substr(b, e - b));
  return out;
}

DocumentSentences document_sentences(const TextDocument& doc) {
  // Two passes: the sentences' places first (12 bytes each), then the sentences themselves in
  // a vector of the exact size, never grown by doubling nor copied to shrink it (on a long PDF
  // that copy held the sentences twice), with their folded forms end to end in one buffer
  // (folding never lengthens a text).
  struct Place {
    std::uint32_t block;
    std::uint32_t begin;
    std::uint32_t end;
  };
  std::vector<Place> places;
  std::vector<bool> annex_block(doc.blocks.size(), false);
  std::size_t bytes = 0;
  bool annex = false;
  for (std::size_t b = 0; b < doc.blocks.size(); ++b) {
    const TextBlock& block = doc.blocks[b];
    if (block.kind == BlockKind::table_row) continue;
    const std::string folded_block = fold(block.text);
    if (is_navigation(folded_block)) continue;
    if (starts_annex(folded_block)) annex = true;
    annex_block[b] = annex;
    for (const auto& [begin, end] : split_sentence_spans(block.text)) {
      places.push_back({static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(begin),
                        static_cast<std::uint32_t>(end)});
      bytes += end - begin;
    }
  }
  DocumentSentences out;
  out.folded_text = std::make_unique_for_overwrite<char[]>(bytes);
  char* folded = out.folded_text.get();
  out.list.reserve(places.size());  // held through the whole extraction: no growth slack
  for (const Place& p : places) {
    const TextBlock& block = doc.blocks[p.block];
    Sentence sent;
    sent.text = std::string_view(block.text).substr(p.begin, p.end - p.begin);
    const std::size_t n = fold_to(sent.text, folded);
    sent.folded = std::string_view(folded, n);
    folded += n;
    sent.begin = p.begin;
    sent.end = p.end;
    sent.block = p.block;
    sent.index = static_cast<std::uint32_t>(out.list.size());
    sent.kind = block.kind;
    sent.in_annex = annex_block[p.block];
    out.list.push_back(std::move(sent));
  }
  return out;
}

}  // namespace conventiond::extract_detail
