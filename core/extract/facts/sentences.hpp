#pragma once
// The main text of a document cut into sentences, with what each belongs to (block, heading,
// annex section) and its folded form for matching.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <conventiond/extract/text_document.hpp>

#include "facts/folded_text.hpp"

namespace conventiond::extract_detail {

// Held for every sentence of the document through the whole extraction: kept small (56 bytes,
// no allocation of its own). What a sentence names, for documents about several départements,
// is kept by the extractor beside the sentences, at `index`.
struct Sentence {
  std::string_view text;      // in the block's text (the document outlives its sentences)
  std::string_view folded;    // fold(text), in DocumentSentences::folded_text
  std::uint32_t block = 0;
  std::uint32_t begin = 0;   // byte offsets of `text` in the block's text
  std::uint32_t end = 0;
  std::uint32_t index = 0;   // set by the extractor once the sentences are final
  BlockKind kind = BlockKind::paragraph;
  bool in_annex = false;     // after an "Annexe" / "Fiche" heading
};

// The sentences and their folded forms, end to end in one buffer (no allocation per
// sentence). Movable, not copyable: the sentences point into the buffer.
struct DocumentSentences {
  std::vector<Sentence> list;
  std::unique_ptr<char[]> folded_text;
};

// Splits the text of one block into sentences ("M. Dupont", "n° 3", "1.5" are not ends).
std::vector<std::string> split_sentences(std::string_view text);

// The same, as byte ranges [begin, end) of `text` (trimmed, none empty).
std::vector<std::pair<std::size_t, std::size_t>> split_sentence_spans(std::string_view text);

// All non-table blocks of a document as sentences, in reading order.
DocumentSentences document_sentences(const TextDocument& doc);

}  // namespace conventiond::extract_detail
