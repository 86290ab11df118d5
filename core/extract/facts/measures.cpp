#include <conventiond/extract/measures.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "facts/folded_text.hpp"

namespace conventiond {
namespace {

using extract_detail::fold;

struct Wording {
  Measure measure;
  std::string_view first;   // folded phrase that must appear
  std::string_view second;  // and this one within the same sentence ("" = none needed)
};

// Folded wordings. Two-part wordings need both parts in one sentence.
constexpr std::array<Wording, 52> kWordings = {{
    {Measure::sorties_ase, "sortir de l'aide sociale a l'enfance", ""},
    {Measure::sorties_ase, "sortir de l'ase", ""},
    {Measure::sorties_ase, "jeunes de l'ase", "autonomie"},
    {Measure::sorties_ase, "jeunes de l'aide sociale a l'enfance", "autonomie"},
    {Measure::insertion_rsa, "allocataires du rsa", "accompagnement"},
    {Measure::insertion_rsa, "allocataires du rsa", "orientation"},
    {Measure::insertion_rsa, "allocataires du rsa", "emploi"},
    {Measure::insertion_rsa, "allocataires du rsa", "insertion"},
    {Measure::insertion_rsa, "beneficiaires du rsa", "insertion"},
    {Measure::insertion_rsa, "allocataires du revenu de solidarite active", ""},
    {Measure::petite_enfance, "creche", ""},
    {Measure::petite_enfance, "creches", ""},
    {Measure::petite_enfance, "accueil du jeune enfant", ""},
    {Measure::formation_travailleurs_sociaux, "formations communes aux travailleurs sociaux", ""},
    {Measure::formation_travailleurs_sociaux, "formation des professionnels de l'action sociale", ""},
    {Measure::formation_travailleurs_sociaux, "formation des intervenants sociaux", ""},
    {Measure::sorties_ase, "sorties de l'ase", ""},
    {Measure::sorties_ase, "sorties de l'aide sociale a l'enfance", ""},
    {Measure::sorties_ase, "sorties seches", ""},
    {Measure::sorties_ase, "sortie seche", ""},
    {Measure::sorties_ase, "sorties sans solution", ""},
    {Measure::sorties_ase, "sortant de l'ase", ""},
    {Measure::sorties_ase, "sortants de l'ase", ""},
    {Measure::sorties_ase, "sortie de l'ase", ""},
    {Measure::sorties_ase, "sortie des jeunes majeurs", ""},
    {Measure::sorties_ase, "sortant de l'aide sociale a l'enfance", ""},
    {Measure::sorties_ase, "sortants de l'aide sociale a l'enfance", ""},
    {Measure::sorties_ase, "sortie de l'aide sociale a l'enfance", ""},
    {Measure::sorties_ase, "jeunes majeurs", "aide sociale a l'enfance"},
    {Measure::sorties_ase, "jeunes majeurs", "ase"},
    {Measure::premier_accueil, "premier accueil", ""},
    {Measure::premier_accueil, "1er accueil", ""},
    {Measure::premier_accueil, "accueil social", ""},
    {Measure::premier_accueil, "accueil inconditionnel", ""},
    {Measure::referent_parcours, "referent de parcours", ""},
    {Measure::referent_parcours, "referents de parcours", ""},
    {Measure::referent_parcours, "referent parcours", ""},
    {Measure::referent_parcours, "referents parcours", ""},
    {Measure::insertion_rsa, "insertion des beneficiaires du r", ""},
    {Measure::insertion_rsa, "insertion des allocataires du r", ""},
    {Measure::insertion_rsa, "allocataires de minima sociaux", ""},
    {Measure::insertion_rsa, "beneficiaires du revenu de solidarite active", ""},
    {Measure::insertion_rsa, "beneficiaires du rsa", "accompagnement"},
    {Measure::insertion_rsa, "beneficiaires du rsa", "orientation"},
    {Measure::insertion_rsa, "beneficiaires du rsa", "emploi"},
    {Measure::garantie_activite, "garantie d'activite", ""},
    {Measure::maraudes, "maraude", ""},
    {Measure::formation_travailleurs_sociaux, "formation des travailleurs sociaux", ""},
    {Measure::formation_travailleurs_sociaux, "formation continue des travailleurs sociaux", ""},
    {Measure::formation_travailleurs_sociaux, "former les travailleurs sociaux", ""},
    {Measure::petite_enfance, "petite enfance", ""},
    {Measure::petite_enfance, "jeunes enfants", "modes d'accueil"},
}};

// Sentence bounds around pos in folded text (". ", "\n", ";" end a sentence).
std::string_view sentence_around(std::string_view t, std::size_t pos) {
  std::size_t b = pos;
  while (b > 0 && t[b - 1] != '\n' && !(t[b - 1] == ' ' && b >= 2 && t[b - 2] == '.')) --b;
  std::size_t e = pos;
  while (e < t.size() && t[e] != '\n' && !(t[e] == '.' && (e + 1 == t.size() || t[e + 1] == ' '))) ++e;
  return t.substr(b, e - b);
}

// For each measure, the first wording (in kWordings order) found anywhere wins, at its first
// position. The text is read in chunks cut at line ends, so memory does not grow with the
// document (the folded copy and its offset map were 9 bytes per byte of text: 10 MB at 400
// pages). A wording never spans a line and sentence_around() stops at one: the result is the
// same as on the whole text. 16 KiB chunks: a chunk's folded copy and map take about 150 KB
// (64 KiB ones took 590 KB, the largest allocation after the sentences were built).
class MeasureFinder {
 public:
  static constexpr std::size_t kChunk = 16 * 1024;

  // One chunk of the text, starting at byte `begin` of the whole.
  void scan(std::string_view chunk, std::size_t begin) {
    const extract_detail::FoldedText ft(chunk);
    const std::string& t = ft.text();
    for (std::size_t k = 0; k < kWordings.size(); ++k) {
      if (by_wording_[k]) continue;
      const Wording& w = kWordings[k];
      for (std::size_t pos = t.find(w.first); pos != std::string::npos;
           pos = t.find(w.first, pos + 1)) {
        if (pos > 0 && extract_detail::is_word_byte(t[pos - 1])) continue;  // starts a word
        if (!w.second.empty()) {
          const std::string_view s = sentence_around(t, pos);
          if (extract_detail::find_word(s, w.second) == std::string_view::npos) continue;
        }
        by_wording_[k] = MeasureMention{w.measure, begin + ft.original_offset(pos),
                                        begin + ft.original_offset(pos + w.first.size())};
        break;
      }
    }
  }

  std::vector<MeasureMention> result() const {
    std::array<std::optional<MeasureMention>, 8> seen{};
    for (std::size_t k = 0; k < kWordings.size(); ++k) {
      const auto idx = static_cast<std::size_t>(kWordings[k].measure);
      if (!seen[idx] && by_wording_[k]) seen[idx] = by_wording_[k];
    }
    std::vector<MeasureMention> out;
    for (const auto& m : seen)
      if (m) out.push_back(*m);
    return out;
  }

 private:
  std::array<std::optional<MeasureMention>, kWordings.size()> by_wording_{};
};

}  // namespace

std::vector<MeasureMention> find_measure_mentions(std::string_view text) {
  MeasureFinder finder;
  for (std::size_t begin = 0; begin < text.size();) {
    std::size_t end = std::min(text.size(), begin + MeasureFinder::kChunk);
    if (end < text.size()) {
      const std::size_t nl = text.find('\n', end);
      end = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    finder.scan(text.substr(begin, end - begin), begin);
    begin = end;
  }
  return finder.result();
}

std::vector<MeasureMention> find_measure_mentions(const TextDocument& doc) {
  // The chunks of find_measure_mentions(doc.plain_text()), cut the same way (at the first line
  // end at or after kChunk bytes, or the end), built block by block.
  MeasureFinder finder;
  std::string chunk;
  std::size_t begin = 0;  // offset of chunk[0] in the plain text
  const auto cut_full_chunks = [&] {
    while (chunk.size() > MeasureFinder::kChunk) {
      const std::size_t nl = chunk.find('\n', MeasureFinder::kChunk);
      if (nl == std::string::npos) return;  // the line goes on in the next block
      finder.scan(std::string_view(chunk).substr(0, nl + 1), begin);
      begin += nl + 1;
      chunk.erase(0, nl + 1);
    }
  };
  for (const TextBlock& b : doc.blocks) {
    if (begin + chunk.size() > 0) chunk.push_back('\n');  // as plain_text(): once not empty
    if (b.kind == BlockKind::table_row && b.cell_count() > 0) {
      chunk += b.joined_cells();
    } else {
      chunk += b.text;
    }
    cut_full_chunks();
  }
  if (!chunk.empty()) finder.scan(chunk, begin);
  return finder.result();
}

std::vector<Measure> find_measures(std::string_view text) {
  std::vector<Measure> out;
  for (const MeasureMention& m : find_measure_mentions(text)) out.push_back(m.measure);
  return out;
}

}  // namespace conventiond
