// Amounts of money in French text. One left-to-right pass over the tokens of french_text.hpp;
// every rule looks at a bounded number of tokens around a number, so the scan is linear.

#include <conventiond/extract/amounts.hpp>

#include <array>
#include <limits>

#include "text/french_text.hpp"

namespace conventiond {

namespace {

using text::Token;

constexpr std::uint64_t kMaxEuros = 1'000'000'000'000'000ULL;  // 10^15: anything above is noise
constexpr std::uint32_t kMaxIntegerDigits = 16;
constexpr std::uint32_t kMaxFractionDigits = 9;

bool is_currency_word(const Token& t) {
  return t.is_word("euro") || t.is_word("euros") || t.is_word("eur");
}

bool in(const Token& t, std::initializer_list<std::string_view> words) {
  if (!t.is_word() || t.longword) return false;
  for (const std::string_view w : words) {
    if (t.word() == w) return true;
  }
  return false;
}

// A qualifier phrase, as folded tokens ("'" is an apostrophe; hyphens in the text are skipped).
struct Phrase {
  std::array<std::string_view, 5> w;
  std::size_t n;
  Qualifier q;
};

constexpr auto kQualifiers = std::to_array<Phrase>({
    {{"pres", "de"}, 2, Qualifier::about},
    {{"pres", "d", "'"}, 3, Qualifier::about},
    {{"a", "peu", "pres"}, 3, Qualifier::about},
    {{"environ"}, 1, Qualifier::about},
    {{"autour", "de"}, 2, Qualifier::about},
    {{"autour", "d", "'"}, 3, Qualifier::about},
    {{"quelque"}, 1, Qualifier::about},
    {{"approximativement"}, 1, Qualifier::about},
    {{"de", "l", "'", "ordre", "de"}, 5, Qualifier::about},
    {{"aux", "alentours", "de"}, 3, Qualifier::about},
    {{"presque"}, 1, Qualifier::about},
    {{"quasiment"}, 1, Qualifier::about},
    {{"un", "peu", "plus", "de"}, 4, Qualifier::more_than},
    {{"plus", "de"}, 2, Qualifier::more_than},
    {{"de", "plus"}, 2, Qualifier::more_than},  // "un soutien de plus 4,2 millions": "de plus de"
    {{"plus", "d", "'"}, 3, Qualifier::more_than},
    {{"au", "moins"}, 2, Qualifier::more_than},
    {{"au", "dela", "de"}, 3, Qualifier::more_than},
    {{"au", "dela", "d", "'"}, 4, Qualifier::more_than},
    {{"superieur", "a"}, 2, Qualifier::more_than},
    {{"superieure", "a"}, 2, Qualifier::more_than},
    {{"superieurs", "a"}, 2, Qualifier::more_than},
    {{"superieures", "a"}, 2, Qualifier::more_than},
    {{"minimum", "de"}, 2, Qualifier::more_than},
    {{"minimum", "d", "'"}, 3, Qualifier::more_than},
    {{"au", "minimum"}, 2, Qualifier::more_than},
    {{"un", "peu", "moins", "de"}, 4, Qualifier::less_than},
    {{"moins", "de"}, 2, Qualifier::less_than},
    {{"moins", "d", "'"}, 3, Qualifier::less_than},
    {{"jusqu", "'", "a"}, 3, Qualifier::less_than},
    {{"au", "plus"}, 2, Qualifier::less_than},
    {{"dans", "la", "limite", "de"}, 4, Qualifier::less_than},
    {{"dans", "la", "limite", "d", "'"}, 5, Qualifier::less_than},
    {{"maximum"}, 1, Qualifier::less_than},
    {{"maximum", "de"}, 2, Qualifier::less_than},
    {{"maximum", "d", "'"}, 3, Qualifier::less_than},
    {{"maximal", "de"}, 2, Qualifier::less_than},
    {{"inferieur", "a"}, 2, Qualifier::less_than},
    {{"inferieure", "a"}, 2, Qualifier::less_than},
    {{"inferieurs", "a"}, 2, Qualifier::less_than},
    {{"plafonne", "a"}, 2, Qualifier::less_than},
    {{"plafonnee", "a"}, 2, Qualifier::less_than},
    {{"plafond", "de"}, 2, Qualifier::less_than},
    {{"n", "'", "excedant", "pas"}, 4, Qualifier::less_than},
    {{"pas", "moins", "de"}, 3, Qualifier::more_than},  // "pas moins de": at least
    {{"pas", "plus", "de"}, 3, Qualifier::less_than},   // "pas plus de": at most
});

std::uint64_t pow10(std::uint32_t n) {
  std::uint64_t r = 1;
  for (std::uint32_t i = 0; i < n; ++i) r *= 10;
  return r;
}

class AmountScanner {
 public:
  explicit AmountScanner(bool cell) : cell_(cell) {}

  std::vector<AmountMention> run(std::string_view text) {
    text::for_each_piece(text, t_, [this](const std::vector<Token>&) { scan(); });
    return std::move(out_);
  }

 private:
  void scan() {
    floor_ = 0;
    for (std::size_t i = 0; i < t_.size();) {
      const std::size_t next = step(i);
      i = next > i ? next : i + 1;
    }
  }

  std::vector<Token> t_;
  bool cell_;
  std::vector<AmountMention> out_;
  std::size_t floor_ = 0;  // tokens before this index belong to an earlier amount

  bool has(std::size_t i) const { return i < t_.size(); }

  // Index just past a glued chain of numbers and punctuation starting at i ("5-8", "1.2.3").
  std::size_t skip_chain(std::size_t i) const {
    std::size_t k = i + 1;
    while (has(k) && t_[k].glued() && (t_[k].is_number() || t_[k].kind == text::TokKind::punct)) {
      ++k;
    }
    return k;
  }

  struct Number {
    std::size_t first = 0;
    std::size_t last = 0;
    std::uint64_t integer = 0;
    std::uint64_t frac = 0;
    std::uint32_t frac_digits = 0;
    bool grouped = false;
    bool decimal = false;
    bool words = false;
  };

  struct Suffix {
    std::uint64_t mult = 1;
    bool currency = false;
    bool multiplier = false;
    std::size_t last = 0;  // last token of the amount
  };

  std::size_t step(std::size_t i) {
    const Token& tk = t_[i];
    if (tk.is_number()) return digits_at(i);
    if (tk.is_word() && !tk.longword && text::number_word_value(tk) >= 0) {
      return words_at(i);
    }
    return i + 1;
  }

  // ---- numbers written with digits ---------------------------------------------------------
  std::size_t digits_at(std::size_t i) {
    const Token& a = t_[i];
    if (a.ndigits > kMaxIntegerDigits) return skip_chain(i);
    if (i > 0 && a.glued()) {
      const Token& p = t_[i - 1];
      if (p.is_word()) {
        if (!is_currency_word(p)) return skip_chain(i);  // "CD2018", "14h30", "n3"
      } else if (p.is_punct(text::kDegreeSign)) {
        return skip_chain(i);  // "n°3"
      } else if ((p.is_punct(',') || p.is_punct('.') || p.is_punct('-') || p.is_punct('/') ||
                  p.is_punct(':')) &&
                 i >= 2 && p.glued() && t_[i - 2].is_number()) {
        return skip_chain(i);  // tail of "5-8", "2018/059", "14:30"
      }
    }
    Number n;
    n.first = i;
    n.last = i;
    n.integer = a.value;
    enum class Sep : std::uint8_t { none, space, dot, comma } sep = Sep::none;
    const bool may_group = a.ndigits <= 3;
    bool overflow = false;
    while (may_group) {
      const std::size_t k = n.last + 1;
      if (!has(k)) break;
      std::size_t group = 0;
      if ((sep == Sep::none || sep == Sep::space) && t_[k].is_number() && t_[k].ndigits == 3 &&
          !t_[k].brk && t_[k].gap >= 1 && t_[k].gap <= 2) {
        group = k;
        sep = Sep::space;
      } else if ((sep == Sep::none || sep == Sep::dot) && has(k + 1) && t_[k].is_punct('.') &&
                 t_[k].glued() && t_[k + 1].is_number() && t_[k + 1].glued() &&
                 t_[k + 1].ndigits == 3) {
        group = k + 1;
        sep = Sep::dot;
      } else if ((sep == Sep::comma || (sep == Sep::none && comma_group(k + 2))) &&
                 comma_group(k)) {
        group = k + 1;  // "1,125,000": commas separate thousands only when two groups follow
        sep = Sep::comma;
      } else {
        break;
      }
      if (n.integer > (kMaxEuros - t_[group].value) / 1000) overflow = true;
      if (!overflow) n.integer = n.integer * 1000 + t_[group].value;
      n.grouped = true;
      n.last = group;
    }
    if (overflow) return skip_chain(n.last);  // all its groups go, not just the first
    // Decimal part: ",67"; ".5" too, unless dots separate thousands.
    if (std::size_t k = n.last + 1; has(k + 1) && t_[k].glued() && t_[k + 1].glued() &&
                                    t_[k + 1].is_number() &&
                                    ((t_[k].is_punct(',') && sep != Sep::comma) ||
                                     (t_[k].is_punct('.') && sep != Sep::dot))) {
      if (t_[k + 1].ndigits > kMaxFractionDigits) return skip_chain(i);
      n.frac = t_[k + 1].value;
      n.frac_digits = t_[k + 1].ndigits;
      n.decimal = true;
      n.last = k + 1;
    }
    // What follows must not make it something else: "1,5,6", "5-8", "14h30", "2nd", "50 %".
    if (std::size_t k = n.last + 1; has(k)) {
      const Token& x = t_[k];
      if (x.glued() && x.kind == text::TokKind::punct && has(k + 1) && t_[k + 1].glued() &&
          t_[k + 1].is_number() &&
          (x.is_punct(',') || x.is_punct('.') || x.is_punct('-') || x.is_punct('/') ||
           x.is_punct(':'))) {
        return skip_chain(i);
      }
      if (x.is_punct('%')) return n.last + 2;
      if (x.glued() && x.is_word() && !suffix_word(x)) return n.last + 1;
    }
    return finish(n);
  }

  // ",125" glued at k: a comma and a three-digit group.
  bool comma_group(std::size_t k) const {
    return has(k + 1) && t_[k].is_punct(',') && t_[k].glued() && t_[k + 1].is_number() &&
           t_[k + 1].glued() && t_[k + 1].ndigits == 3;
  }

  // Words that may be glued to a number as its unit ("110k€", "2,5M€", "200euros").
  static bool suffix_word(const Token& x) {
    return in(x, {"k", "m", "md", "mds", "mrd", "mrds", "ke", "keur", "meur", "million",
                  "millions", "milliard", "milliards", "euro", "euros", "eur"});
  }

  // ---- numbers written with words: "trois millions d'euros", "cent mille euros" -------------
  std::size_t words_at(std::size_t i) {
    std::size_t last = i;
    const std::optional<std::uint64_t> v = text::parse_number_words(t_, i, last);
    if (!v) return i + 1;
    Number n;
    n.first = i;
    n.last = last;
    n.integer = *v;
    n.words = true;
    return finish(n);
  }

  // ---- unit, currency, qualifier, "par an" ------------------------------------------------
  Suffix suffix(const Number& n) const {
    Suffix s;
    s.last = n.last;
    std::size_t k = n.last + 1;
    if (has(k) && t_[k].is_word() && !t_[k].longword) {
      const Token& x = t_[k];
      const bool near = x.glued() || (!x.brk && x.gap <= 2);
      if (in(x, {"million", "millions"})) {
        s.mult = 1'000'000;
      } else if (in(x, {"milliard", "milliards"})) {
        s.mult = 1'000'000'000;
      } else if (near && in(x, {"md", "mds", "mrd", "mrds"})) {
        s.mult = 1'000'000'000;
      } else if (near && x.is_word("m") && !n.words) {
        s.mult = 1'000'000;
      } else if (near && x.is_word("k") && !n.words) {
        s.mult = 1'000;
      } else if (x.is_word("mille") && !n.words) {
        s.mult = 1'000;
      } else if (near && in(x, {"ke", "keur"}) && !n.words) {
        s.mult = 1'000;
        s.currency = true;
      } else if (near && x.is_word("meur") && !n.words) {
        s.mult = 1'000'000;
        s.currency = true;
      }
      if (s.mult != 1) {
        s.multiplier = true;
        s.last = k;
        ++k;
      }
    }
    if (!s.currency && has(k)) {
      const Token& x = t_[k];
      if (x.is_punct(text::kEuroSign) || is_currency_word(x)) {
        s.currency = true;
        s.last = k;
      } else if (x.is_word("d") && has(k + 2) && t_[k + 1].is_punct('\'') &&
                 t_[k + 1].glued() && (is_currency_word(t_[k + 2])) && !t_[k + 2].brk &&
                 t_[k + 2].gap <= 1) {
        s.currency = true;  // "millions d'euros"
        s.last = k + 2;
      } else if (s.multiplier && x.is_word("de") && has(k + 1) && is_currency_word(t_[k + 1])) {
        s.currency = true;  // "millions de euros"
        s.last = k + 1;
      }
    }
    return s;
  }

  std::size_t qualifier(std::size_t first, Qualifier& q) const {
    std::size_t best_first = first;
    std::size_t best_len = 0;
    for (const Phrase& ph : kQualifiers) {
      if (ph.n <= best_len) continue;
      std::size_t p = first;
      bool ok = true;
      for (std::size_t w = ph.n; w-- > 0;) {
        // step back over hyphens ("au-delà de")
        while (p > floor_ && t_[p - 1].is_punct('-')) --p;
        if (p <= floor_) {
          ok = false;
          break;
        }
        --p;
        const Token& x = t_[p];
        if (ph.w[w] == "'" ? !x.is_punct('\'') : !x.is_word(ph.w[w])) {
          ok = false;
          break;
        }
      }
      if (ok) {
        best_first = p;
        best_len = ph.n;
        q = ph.q;
      }
    }
    return best_first;
  }

  bool per_year(std::size_t last) const {
    std::size_t k = last + 1;
    int words = 0;
    while (has(k) && words <= 2) {
      const Token& x = t_[k];
      const bool an_next = has(k + 1) && (t_[k + 1].is_word("an") || t_[k + 1].is_word("annee"));
      if ((x.is_word("par") || x.is_punct('/')) && an_next) return true;
      if (x.is_word("chaque") && has(k + 1) && t_[k + 1].is_word("annee")) return true;
      if (x.is_word("l") && has(k + 2) && t_[k + 1].is_punct('\'') && t_[k + 2].is_word("an")) {
        return true;
      }
      if (in(x, {"annuel", "annuels", "annuelle", "annuelles", "annuellement"})) return true;
      if (x.is_word()) {
        ++words;
      } else if (!(x.is_punct('\'') || x.is_punct('-'))) {
        return false;
      }
      ++k;
    }
    return false;
  }

  // Bare numbers that are not amounts in a table cell: "2019", "n° 3", "Article 4".
  bool bare_rejected(const Number& n) const {
    if (!n.grouped && !n.decimal && !n.words && t_[n.first].ndigits == 4 &&
        n.integer >= 1900 && n.integer <= 2100) {
      return true;
    }
    std::size_t p = n.first;
    if (p > 0 && (t_[p - 1].is_punct(text::kDegreeSign) || t_[p - 1].is_punct('#'))) return true;
    if (p > 0 && t_[p - 1].is_punct('.')) --p;
    if (p > 0 && in(t_[p - 1], {"n", "no", "num", "numero", "art", "article", "action", "fiche",
                                "annexe", "page", "p", "pages", "axe", "mesure", "chapitre",
                                "titre", "point", "tome", "volet", "objectif"})) {
      return true;
    }
    return false;
  }

  std::size_t finish(const Number& n) {
    const Suffix s = suffix(n);
    const std::size_t next = s.last + 1;
    std::size_t first = n.first;
    bool currency = s.currency;
    if (!currency && n.first > floor_) {
      const Token& p = t_[n.first - 1];
      const Token& a = t_[n.first];
      if ((p.is_punct(text::kEuroSign) || p.is_word("eur")) && !a.brk && a.gap <= 2) {
        currency = true;  // "€ 200", "EUR 1 000"
        first = n.first - 1;
      }
    }
    // "près de 10 millions d'euros (9,6 millions précisément)", "3 M€, soit 1 million par an": a
    // restatement of the amount just before, whose currency it keeps
    if (!currency && s.multiplier && !out_.empty() && out_.back().has_currency && floor_ > 0 && n.first >= floor_ &&
        n.first - floor_ <= 6) {
      for (std::size_t k = floor_; k < n.first; ++k)
        if (t_[k].is_punct('(') || t_[k].is_word("soit") || t_[k].is_word("dont")) currency = true;
    }
    if (!cell_ && !currency) return next;
    if (cell_ && n.words && !currency && !s.multiplier) return next;
    if (!currency && bare_rejected(n)) return next;

    std::int64_t euros = 0;
    if (n.integer > kMaxEuros / s.mult) return next;
    std::uint64_t v = n.integer * s.mult;
    if (n.frac_digits > 0) {
      const std::uint64_t scale = pow10(n.frac_digits);
      v += (n.frac * s.mult * 2 + scale) / (2 * scale);  // frac < 10^9, mult <= 10^9
    }
    if (v > kMaxEuros) return next;
    euros = static_cast<std::int64_t>(v);

    AmountMention m;
    m.amount_eur = euros;
    m.has_currency = currency;
    m.qualifier = Qualifier::exact;
    first = qualifier(first, m.qualifier);
    std::size_t last = s.last;
    if (m.qualifier == Qualifier::exact && has(last + 1) && t_[last + 1].is_word("environ")) {
      m.qualifier = Qualifier::about;  // "3 M€ environ"
      ++last;
    }
    m.begin = t_[first].begin;
    m.end = t_[last].end;
    m.per_year = per_year(last);
    out_.push_back(m);
    floor_ = last + 1;
    return last + 1;
  }
};

}  // namespace

std::vector<AmountMention> find_amounts(std::string_view text) {
  return AmountScanner(false).run(text);
}

std::optional<AmountMention> parse_amount_cell(std::string_view text) {
  const std::vector<AmountMention> all = AmountScanner(true).run(text);
  const AmountMention* with_currency = nullptr;
  const AmountMention* bare = nullptr;
  std::size_t n_currency = 0;
  std::size_t n_bare = 0;
  for (const AmountMention& m : all) {
    if (m.has_currency) {
      with_currency = &m;
      ++n_currency;
    } else {
      bare = &m;
      ++n_bare;
    }
  }
  if (n_currency == 1) return *with_currency;
  if (n_currency == 0 && n_bare == 1) return *bare;
  return std::nullopt;
}

}  // namespace conventiond
