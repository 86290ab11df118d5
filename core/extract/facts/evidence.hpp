#pragma once
// Evidence of extracted values: the sentence or table row of the cleaned text
// (TextDocument::plain_text()) that states a value, with its offsets there in Unicode
// characters, its page, and the confidence of the rule that read it (docs/extraction.md).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/extract/text_document.hpp>
#include <conventiond/model/convention.hpp>

#include "facts/sentences.hpp"

namespace conventiond::extract_detail {

// The rules and their confidence: how often, on the shared and real corpora, a value read by
// that rule is right (a fixed grade per rule, not a probability fitted per value).
struct EvidenceRule {
  std::string_view name;
  double confidence;
};
namespace rules {
inline constexpr EvidenceRule kSigningSentenceDepartement{"departement_in_signing_sentence", 0.95};
inline constexpr EvidenceRule kTitleDepartement{"departement_in_title", 0.9};
inline constexpr EvidenceRule kEnumeratedDepartement{"departement_enumerated", 0.85};
inline constexpr EvidenceRule kPublisherDepartement{"departement_of_publisher", 0.8};
inline constexpr EvidenceRule kMostNamedDepartement{"departement_most_named", 0.6};
inline constexpr EvidenceRule kSignatureBlockDate{"date_of_signature_block", 0.95};
inline constexpr EvidenceRule kSigningSentenceDate{"date_in_signing_sentence", 0.9};
inline constexpr EvidenceRule kPairedDate{"date_after_departement_in_enumeration", 0.8};
inline constexpr EvidenceRule kWeekdayDate{"weekday_after_signing_word", 0.7};
inline constexpr EvidenceRule kAvenantDate{"avenant_date_in_signing_sentence", 0.85};
inline constexpr EvidenceRule kStatedPeriod{"period_stated", 0.9};
inline constexpr EvidenceRule kYearOfConvention{"convention_for_one_year", 0.75};
inline constexpr EvidenceRule kSignatureBlockPerson{"person_in_signature_block", 0.95};
inline constexpr EvidenceRule kSigningSentencePerson{"person_in_signing_sentence", 0.9};
inline constexpr EvidenceRule kRoleNamesDepartement{"person_whose_role_names_departement", 0.8};
inline constexpr EvidenceRule kNamedParty{"prefet_or_president_named_elsewhere", 0.6};
inline constexpr EvidenceRule kAmountInSentence{"amount_in_sentence", 0.85};
inline constexpr EvidenceRule kAmountForDepartement{"amount_placed_by_departement", 0.75};
inline constexpr EvidenceRule kFunderTableRow{"funder_row_of_table", 0.9};
inline constexpr EvidenceRule kActionTableRow{"action_row_of_annex_table", 0.9};
inline constexpr EvidenceRule kMeasureWording{"measure_wording", 0.7};
}  // namespace rules

// Two funding lines state the same value (whatever their evidence).
inline bool same_value(const FundingLine& a, const FundingLine& b) {
  return a.funder == b.funder && a.year == b.year && a.amount_eur == b.amount_eur && a.qualifier == b.qualifier &&
         a.per_year == b.per_year;
}

// Offsets of the blocks in the cleaned text, to place any quote of a block there.
class EvidenceLocator {
 public:
  explicit EvidenceLocator(const TextDocument& doc) : doc_(doc) {
    // Mirrors TextDocument::plain_text(): "\n" between blocks once the text is not empty.
    std::size_t bytes = 0;
    std::size_t chars = 0;
    lines_.reserve(doc.blocks.size());
    for (const TextBlock& b : doc.blocks) {
      if (bytes > 0) {
        ++bytes;
        ++chars;
      }
      lines_.push_back({bytes, chars});
      const std::string line = line_text(b);
      bytes += line.size();
      chars += characters(line);
    }
  }

  // The block's line in the cleaned text: its text, or a table row's cells joined.
  static std::string line_text(const TextBlock& b) {
    return b.kind == BlockKind::table_row && b.cell_count() > 0 ? b.joined_cells() : b.text;
  }

  // Code points in UTF-8 text (bytes that do not continue a sequence).
  static std::size_t characters(std::string_view s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  }

  // Bytes [begin, end) of block `first`'s line to bytes [.., end) of block `last`'s line.
  Evidence range(std::size_t first, std::size_t begin, std::size_t last, std::size_t end, EvidenceRule rule) const {
    Evidence e;
    e.rule = rule.name;
    e.confidence = rule.confidence;
    if (first >= doc_.blocks.size() || last >= doc_.blocks.size() || last < first) return e;
    const std::string a = line_text(doc_.blocks[first]);
    begin = std::min(begin, a.size());
    if (first == last) {
      end = std::clamp(end, begin, a.size());
      e.quote = a.substr(begin, end - begin);
    } else {
      e.quote = a.substr(begin);
      for (std::size_t b = first + 1; b <= last; ++b) {
        const std::string line = line_text(doc_.blocks[b]);
        e.quote += '\n';
        e.quote += b == last ? line.substr(0, std::min(end, line.size())) : line;
      }
    }
    const auto start = static_cast<std::int64_t>(lines_[first].chars + characters(std::string_view(a).substr(0, begin)));
    e.begin = start;
    e.end = start + static_cast<std::int64_t>(characters(e.quote));
    e.page = doc_.blocks[first].page;
    return e;
  }

  Evidence sentence(const Sentence& s, EvidenceRule rule) const { return range(s.block, s.begin, s.block, s.end, rule); }

  // From the start of sentence `a` to the end of sentence `b` (a signature block's lines).
  Evidence sentences(const Sentence& a, const Sentence& b, EvidenceRule rule) const {
    return range(a.block, a.begin, b.block, b.end, rule);
  }

  Evidence block(std::size_t b, EvidenceRule rule) const {
    return b < doc_.blocks.size() ? range(b, 0, b, std::string::npos, rule) : bare({}, rule);
  }

  // A quote that is not in the cleaned text: no offsets.
  static Evidence bare(std::string_view quote, EvidenceRule rule) {
    Evidence e;
    e.quote = std::string(quote);
    e.rule = rule.name;
    e.confidence = rule.confidence;
    return e;
  }

  // Bytes [begin, end) of the cleaned text itself, quoted as the sentences that hold them.
  Evidence text_range(std::size_t begin, std::size_t end, EvidenceRule rule) const {
    if (lines_.empty()) return bare({}, rule);
    const auto line_of = [&](std::size_t at) {
      auto it = std::upper_bound(lines_.begin(), lines_.end(), at,
                                 [](std::size_t o, const LineStart& l) { return o < l.bytes; });
      return static_cast<std::size_t>((it == lines_.begin() ? it : it - 1) - lines_.begin());
    };
    const std::size_t first = line_of(begin);
    const std::size_t last = line_of(end > begin ? end - 1 : begin);
    const auto sentence_bounds = [&](std::size_t b, std::size_t at, bool want_end) {
      const std::string line = line_text(doc_.blocks[b]);
      for (const auto& [sb, se] : split_sentence_spans(line))
        if (at < se || (want_end && at <= se)) return want_end ? se : sb;
      return want_end ? line.size() : std::size_t{0};
    };
    const std::size_t b0 = sentence_bounds(first, begin - lines_[first].bytes, false);
    const std::size_t e0 = sentence_bounds(last, std::max(end, lines_[last].bytes) - lines_[last].bytes, true);
    return range(first, b0, last, e0, rule);
  }

  // Document metadata (title, site name): the block that repeats it when there is one, else
  // the text alone, with no offsets.
  Evidence metadata(std::string_view text, EvidenceRule rule) const {
    for (std::size_t b = 0; b < doc_.blocks.size() && b < 12; ++b)
      if (doc_.blocks[b].kind != BlockKind::table_row && doc_.blocks[b].text == text) return block(b, rule);
    return bare(text, rule);
  }

 private:
  struct LineStart {
    std::size_t bytes = 0;
    std::size_t chars = 0;
  };
  const TextDocument& doc_;
  std::vector<LineStart> lines_;
};

// Evidence of a range of a text made of whole sentences joined (each followed by one
// separator byte): the sentences that cover bytes [begin, end) of it.
class JoinedSentences {
 public:
  void add(const Sentence& s) {
    pieces_.push_back({text_.size(), &s});
    text_ += s.text;
    text_ += separator_;
  }
  explicit JoinedSentences(char separator) : separator_(separator) {}
  const std::string& text() const { return text_; }
  bool empty() const { return pieces_.empty(); }

  Evidence evidence(const EvidenceLocator& where, std::size_t begin, std::size_t end, EvidenceRule rule) const {
    if (pieces_.empty()) return EvidenceLocator::bare({}, rule);
    const Sentence& a = *piece_at(begin).sentence;
    const Sentence& b = *piece_at(end > begin ? end - 1 : begin).sentence;
    return where.sentences(a, b, rule);
  }

 private:
  struct Piece {
    std::size_t at = 0;
    const Sentence* sentence = nullptr;
  };
  const Piece& piece_at(std::size_t offset) const {
    auto it = std::upper_bound(pieces_.begin(), pieces_.end(), offset,
                               [](std::size_t o, const Piece& p) { return o < p.at; });
    return it == pieces_.begin() ? *it : *(it - 1);
  }
  char separator_;
  std::string text_;
  std::vector<Piece> pieces_;
};

}  // namespace conventiond::extract_detail
