// French dates in running text. One left-to-right pass over the tokens of french_text.hpp;
// every rule looks at a bounded number of tokens, so the scan is linear in the text size.

#include <conventiond/extract/dates.hpp>

#include <array>
#include <cstdint>

#include "text/french_text.hpp"

namespace conventiond {

namespace {

using text::Token;

constexpr int kMinYear = 1990;
constexpr int kMaxYear = 2100;
constexpr std::int64_t kFutureSlackDays = 31;  // a year-less date may lie this far after ref

bool year_ok(int y) { return y >= kMinYear && y <= kMaxYear; }

std::int64_t serial(const Date& d) { return text::days_from_civil(d.year, d.month, d.day); }

Date from_serial(std::int64_t z) {
  Date d;
  text::civil_from_days(z, d.year, d.month, d.day);
  return d;
}

bool is_sep(const Token& t) { return t.is_punct('/') || t.is_punct('.') || t.is_punct('-'); }

class DateScanner {
 public:
  explicit DateScanner(std::optional<Date> reference) {
    if (reference && text::valid_ymd(reference->year, reference->month, reference->day)) {
      ref_ = reference;
    }
  }

  std::vector<DateMention> run(std::string_view text) {
    text::for_each_piece(text, t_, [this](const std::vector<Token>&) { scan(); });
    return std::move(out_);
  }

 private:
  void scan() {
    for (std::size_t i = 0; i < t_.size();) {
      const std::size_t next = step(i);
      i = next > i ? next : i + 1;
    }
  }

  std::vector<Token> t_;
  std::optional<Date> ref_;
  std::vector<DateMention> out_;

  bool has(std::size_t i) const { return i < t_.size(); }
  bool word_at(std::size_t i, std::string_view w) const { return has(i) && t_[i].is_word(w); }

  void emit(const Date& d, std::size_t first, std::size_t last, bool year_stated, bool relative,
            bool month_only) {
    DateMention m;
    m.date = d;
    m.begin = t_[first].begin;
    m.end = t_[last].end;
    m.year_stated = year_stated;
    m.relative = relative;
    m.month_only = month_only;
    out_.push_back(m);
  }

  // Returns the index of the next token to look at (> i when something was consumed).
  std::size_t step(std::size_t i) {
    const Token& tk = t_[i];
    if (tk.is_number()) {
      if (const std::size_t n = numeric(i); n > i) return n;
      return day_month(i, i, -1);
    }
    if (!tk.is_word() || tk.longword) return i + 1;
    if (const int wd = text::weekday_from_word(tk); wd >= 0) return weekday(i, wd);
    if (tk.is_word("premier")) return day_month(i, i, -1);
    bool abbr = false;
    if (const int m = text::month_from_word(tk, abbr); m > 0) return month_year(i, m, abbr);
    return relative_word(i);
  }

  // ---- "27/06/2019", "3.6.20", "2019-06-27" ------------------------------------------------
  std::size_t numeric(std::size_t i) {
    if (!has(i + 4)) return i;
    const Token& a = t_[i];
    const Token& s1 = t_[i + 1];
    const Token& b = t_[i + 2];
    const Token& s2 = t_[i + 3];
    const Token& c = t_[i + 4];
    if (!is_sep(s1) || !s1.glued() || !b.is_number() || !b.glued() || s2.value != s1.value ||
        s2.kind != s1.kind || !s2.glued() || !c.is_number() || !c.glued()) {
      return i;
    }
    // Part of a longer chain (phone number, version, IP address, URL path): not a date.
    if (i > 0 && a.glued()) {
      const Token& p = t_[i - 1];
      if (is_sep(p) || p.is_punct(',') || p.is_punct(':')) return i + 5;
    }
    if (has(i + 6) && t_[i + 5].glued() && t_[i + 6].glued() && t_[i + 6].is_number() &&
        (is_sep(t_[i + 5]) || t_[i + 5].is_punct(',') || t_[i + 5].is_punct(':'))) {
      return i + 5;
    }
    int y = 0;
    int m = 0;
    int d = 0;
    // Single-digit days and months only with slashes ("3/6/2020"): "1.2.2020" is a version.
    const std::uint32_t min_digits = s1.is_punct('/') ? 1 : 2;
    if (a.ndigits <= 2 && b.ndigits <= 2 && a.ndigits >= min_digits && b.ndigits >= min_digits &&
        (c.ndigits == 4 || c.ndigits == 2)) {
      d = static_cast<int>(a.value);
      m = static_cast<int>(b.value);
      y = static_cast<int>(c.value);
      if (c.ndigits == 2) y += y >= 90 ? 1900 : 2000;
    } else if (a.ndigits == 4 && b.ndigits <= 2 && c.ndigits <= 2 && !s1.is_punct('.')) {
      y = static_cast<int>(a.value);
      m = static_cast<int>(b.value);
      d = static_cast<int>(c.value);
    } else {
      return i;
    }
    if (year_ok(y) && text::valid_ymd(y, m, d)) emit(Date{y, m, d}, i, i + 4, true, false, false);
    return i + 5;
  }

  // ---- "27 juin 2019", "1er juillet", "mardi 18 décembre", "le 12 mars dernier" -----------
  struct Day {
    int day = 0;
    std::size_t next = 0;  // first token after the day (and its "er")
  };

  std::optional<Day> day_at(std::size_t j) const {
    if (!has(j)) return std::nullopt;
    const Token& tk = t_[j];
    if (tk.is_word("premier")) return Day{1, j + 1};
    if (!tk.is_number() || tk.ndigits > 2 || tk.value < 1 || tk.value > 31) return std::nullopt;
    Day r{static_cast<int>(tk.value), j + 1};
    if (r.day == 1) {
      const std::size_t k = j + 1;
      if (word_at(k, "er") && (t_[k].glued() || (!t_[k].brk && t_[k].gap <= 1))) {
        r.next = k + 1;  // "1er", "1 er", "1ᵉʳ"
      } else if (has(k + 3) && t_[k].is_punct('^') && t_[k].glued() && t_[k + 1].is_punct('{') &&
                 t_[k + 1].glued() && t_[k + 2].is_word("er") && t_[k + 2].glued() &&
                 t_[k + 3].is_punct('}') && t_[k + 3].glued()) {
        r.next = k + 4;  // "1^{er}"
      } else if (has(k + 1) && t_[k].is_punct('^') && t_[k].glued() && t_[k + 1].is_word("er") &&
                 t_[k + 1].glued()) {
        r.next = k + 2;  // "1^er"
      }
    }
    return r;
  }

  // `first` is where the mention begins (the weekday or the day), `j` the day.
  std::size_t day_month(std::size_t first, std::size_t j, int wd) {
    const std::optional<Day> day = day_at(j);
    if (!day) return first + 1;
    if (wd < 0 && t_[j].is_number() && j >= 2 && t_[j].glued()) {
      // "3,18 juin", "14:18", "12/18": the number belongs to something else.
      const Token& p = t_[j - 1];
      if ((p.is_punct(',') || p.is_punct('.') || p.is_punct(':') || p.is_punct('/')) &&
          p.glued() && t_[j - 2].is_number()) {
        return j + 1;
      }
    }
    std::size_t k = day->next;
    if (!has(k) || !t_[k].is_word() || t_[k].longword) return first + 1;
    bool abbr = false;
    const int month = text::month_from_word(t_[k], abbr);
    if (month == 0) return first + 1;
    std::size_t last = k;
    if (abbr && has(k + 1) && t_[k + 1].is_punct('.') && t_[k + 1].glued()) last = k + 1;
    k = last + 1;

    // A stated year: four digits, possibly glued to the next word ("2019une").
    if (has(k) && t_[k].is_number() && t_[k].ndigits == 4) {
      const int y = static_cast<int>(t_[k].value);
      if (year_ok(y) && text::valid_ymd(y, month, day->day)) {
        emit(Date{y, month, day->day}, first, k, true, false, false);
      }
      return k + 1;
    }
    // "le 31 décembre de chaque année", "31 mars de l'exercice suivant": a rule, not a date.
    if (word_at(k, "de") || word_at(k, "d")) {
      std::size_t q = k + 1;
      if (has(q) && t_[q].is_punct('\'')) ++q;
      if (word_at(q, "l") && has(q + 1) && t_[q + 1].is_punct('\'')) q += 2;
      if (word_at(q, "annee") && has(q + 1) && t_[q + 1].is_number() && t_[q + 1].ndigits == 4) {
        const int y = static_cast<int>(t_[q + 1].value);  // "31 décembre de l'année 2019"
        if (year_ok(y) && text::valid_ymd(y, month, day->day)) {
          emit(Date{y, month, day->day}, first, q + 1, true, false, false);
        }
        return q + 2;
      }
      if (word_at(q, "chaque") || word_at(q, "annee") || word_at(q, "exercice")) return k;
    }

    if (!ref_) return k;
    const Date& ref = *ref_;
    const std::int64_t ref_serial = serial(ref);

    // "le 12 mars dernier" / "le 12 mars prochain".
    if (has(k) && t_[k].is_word() &&
        (t_[k].is_word("dernier") || t_[k].is_word("derniere") || t_[k].is_word("prochain") ||
         t_[k].is_word("prochaine"))) {
      const bool past = t_[k].word().starts_with("dern");
      for (int dy = 0; dy <= 8; ++dy) {
        const int y = past ? ref.year - dy : ref.year + dy;
        if (!text::valid_ymd(y, month, day->day)) continue;
        const std::int64_t s = text::days_from_civil(y, month, day->day);
        if (past ? s < ref_serial : s > ref_serial) {
          if (year_ok(y)) emit(Date{y, month, day->day}, first, k, false, false, false);
          break;
        }
      }
      return k + 1;
    }

    // No year: the weekday, when given, picks the year among ref.year and its neighbours;
    // otherwise the latest such date not after ref + one month.
    std::optional<int> year;
    if (wd >= 0) {
      for (const int dy : {0, -1, 1}) {
        const int y = ref.year + dy;
        if (text::valid_ymd(y, month, day->day) && text::weekday_of(y, month, day->day) == wd) {
          year = y;
          break;
        }
      }
    }
    if (!year) {
      for (int y = ref.year + 1; y >= ref.year - 8; --y) {
        if (text::valid_ymd(y, month, day->day) &&
            text::days_from_civil(y, month, day->day) <= ref_serial + kFutureSlackDays) {
          year = y;
          break;
        }
      }
    }
    if (year && year_ok(*year)) {
      emit(Date{*year, month, day->day}, first, last, false, false, false);
    }
    return k;
  }

  // ---- weekdays: "mardi 18 décembre 2018", "ce vendredi", "vendredi dernier" ---------------
  std::size_t weekday(std::size_t i, int wd) {
    if (day_at(i + 1)) {
      const std::size_t n = day_month(i, i + 1, wd);
      if (n > i + 1) return n;
    }
    if (!ref_) return i + 1;
    const std::int64_t ref_serial = serial(*ref_);
    const int ref_wd = text::weekday_of(ref_->year, ref_->month, ref_->day);
    const std::int64_t back = (ref_wd - wd + 7) % 7;  // days back to the same weekday
    std::int64_t target = 0;
    std::size_t last = i;
    if (word_at(i + 1, "dernier")) {
      target = ref_serial - (back == 0 ? 7 : back);
      last = i + 1;
    } else if (word_at(i + 1, "prochain")) {
      const std::int64_t fwd = (wd - ref_wd + 7) % 7;
      target = ref_serial + (fwd == 0 ? 7 : fwd);
      last = i + 1;
    } else if (i > 0 && (t_[i - 1].is_word("ce") || t_[i - 1].is_word("cet"))) {
      target = ref_serial - back;
    } else {
      return i + 1;
    }
    const Date d = from_serial(target);
    if (year_ok(d.year)) emit(d, i, last, false, true, false);
    return last + 1;
  }

  // ---- "juin 2019" ----------------------------------------------------------------------
  std::size_t month_year(std::size_t i, int month, bool abbr) {
    // "le 45 juin 2019": the day was not a day; the rest is not a month either.
    if (i > 0 && t_[i - 1].is_number() && t_[i - 1].ndigits <= 2) return i + 1;
    std::size_t k = i + 1;
    if (abbr) {
      // Short forms only with their dot ("déc. 2018"): "sept", "oct" alone are too ambiguous.
      if (!has(k) || !t_[k].is_punct('.') || !t_[k].glued()) return i + 1;
      ++k;
    }
    if (!has(k) || !t_[k].is_number() || t_[k].ndigits != 4) return i + 1;
    const int y = static_cast<int>(t_[k].value);
    if (!year_ok(y)) return k + 1;
    emit(Date{y, month, 1}, i, k, true, false, true);
    return k + 1;
  }

  // ---- "hier", "avant-hier", "aujourd'hui" ----------------------------------------------
  std::size_t relative_word(std::size_t i) {
    const Token& tk = t_[i];
    if (!ref_ || (tk.w[0] != 'h' && tk.w[0] != 'a')) return i + 1;
    std::int64_t delta = 0;
    std::size_t last = i;
    if (tk.is_word("hier")) {
      delta = -1;
    } else if (tk.is_word("avant")) {
      std::size_t k = i + 1;
      if (has(k) && t_[k].is_punct('-') && t_[k].glued()) ++k;
      if (!word_at(k, "hier") || t_[k].brk) return i + 1;
      delta = -2;
      last = k;
    } else if (tk.is_word("aujourd")) {
      if (!has(i + 2) || !t_[i + 1].is_punct('\'') || !t_[i + 1].glued() ||
          !t_[i + 2].is_word("hui") || !t_[i + 2].glued()) {
        return i + 1;
      }
      last = i + 2;
    } else if (tk.is_word("aujourdhui")) {
      // written without its apostrophe
    } else {
      return i + 1;
    }
    const Date d = from_serial(serial(*ref_) + delta);
    if (year_ok(d.year)) emit(d, i, last, false, true, false);
    return last + 1;
  }
};

}  // namespace

std::vector<DateMention> find_dates(std::string_view text, std::optional<Date> reference) {
  return DateScanner(reference).run(text);
}

std::optional<Date> parse_date(std::string_view text) {
  const std::vector<DateMention> found = find_dates(text);
  if (found.size() != 1) return std::nullopt;
  const DateMention& m = found.front();
  // Around the date, only punctuation and a few words ("le", "du", "en date du") may appear.
  static constexpr std::array<std::string_view, 8> kAllowed = {"le", "l",  "du",   "au",
                                                               "en", "ce", "date", "a"};
  bool ok = true;
  std::vector<Token> tokens;
  text::for_each_piece(text, tokens, [&](const std::vector<Token>& piece) {
    for (const Token& t : piece) {
      if (!ok) return;
      if (t.begin >= m.begin && t.end <= m.end) continue;
      if (t.is_number()) ok = false;
      if (t.is_word()) {
        bool allowed = false;
        for (const std::string_view w : kAllowed) allowed = allowed || t.is_word(w);
        ok = allowed;
      }
    }
  });
  if (!ok) return std::nullopt;
  return m.date;
}

}  // namespace conventiond
