// French dates: find_dates / parse_date. Each table row is one case; every row checks the exact
// dates found, their byte offsets (through the text they cover) and their flags.

#include <catch2/catch.hpp>

#include <conventiond/extract/dates.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace Catch {
template <>
struct StringMaker<conventiond::Date> {
  static std::string convert(const conventiond::Date& d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
    return buf;
  }
};
}  // namespace Catch

namespace {

using conventiond::Date;
using conventiond::DateMention;
using conventiond::find_dates;
using conventiond::parse_date;

enum Flags : unsigned { kStated = 0, kNoYear = 1, kRelative = 2, kMonthOnly = 4 };

struct Want {
  Date date;
  std::string_view span;  // the exact text the mention covers
  unsigned flags = kStated;
};

struct Row {
  std::string_view text;
  std::optional<Date> ref;
  std::vector<Want> want;
};

std::size_t check_rows(const std::vector<Row>& rows) {
  for (const Row& r : rows) {
    INFO("text: " << r.text);
    if (r.ref) INFO("reference: " << Catch::StringMaker<Date>::convert(*r.ref));
    const std::vector<DateMention> got = find_dates(r.text, r.ref);
    REQUIRE(got.size() == r.want.size());
    std::size_t from = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      const Want& w = r.want[i];
      const DateMention& m = got[i];
      INFO("mention " << i);
      CHECK(m.date == w.date);
      const std::size_t expected_begin = r.text.find(w.span, from);
      REQUIRE(expected_begin != std::string_view::npos);
      CHECK(m.begin == expected_begin);
      CHECK(m.end == expected_begin + w.span.size());
      CHECK(m.year_stated == ((w.flags & kNoYear) == 0));
      CHECK(m.relative == ((w.flags & kRelative) != 0));
      CHECK(m.month_only == ((w.flags & kMonthOnly) != 0));
      from = expected_begin + w.span.size();
    }
  }
  return rows.size();
}

constexpr Date kRef2018{2018, 12, 18};  // a Tuesday
constexpr Date kRef2019{2019, 6, 28};   // a Friday

}  // namespace

TEST_CASE("dates: day month year in words", "[dates]") {
  const std::vector<Row> rows = {
      {"ont signé le 27 juin 2019 une convention", {}, {{{2019, 6, 27}, "27 juin 2019"}}},
      {"ont signé le 27 juin 2019une convention visant", {}, {{{2019, 6, 27}, "27 juin 2019"}}},
      {"à compter du 1er juillet 2019.", {}, {{{2019, 7, 1}, "1er juillet 2019"}}},
      {"à compter du 1 er juillet 2019", {}, {{{2019, 7, 1}, "1 er juillet 2019"}}},
      {"au 1^{er} juillet 2019", {}, {{{2019, 7, 1}, "1^{er} juillet 2019"}}},
      {"le 1ᵉʳ juillet 2019", {}, {{{2019, 7, 1}, "1ᵉʳ juillet 2019"}}},
      {"le 1ER JUILLET 2019", {}, {{{2019, 7, 1}, "1ER JUILLET 2019"}}},
      {"le premier juillet 2019", {}, {{{2019, 7, 1}, "premier juillet 2019"}}},
      {"ARRAS, LE 18 DÉCEMBRE 2018", {}, {{{2018, 12, 18}, "18 DÉCEMBRE 2018"}}},
      {"le 18 decembre 2018", {}, {{{2018, 12, 18}, "18 decembre 2018"}}},
      {"le 5 févr. 2019", {}, {{{2019, 2, 5}, "5 févr. 2019"}}},
      {"le 3 déc. 2018", {}, {{{2018, 12, 3}, "3 déc. 2018"}}},
      {"le 12 sept. 2019", {}, {{{2019, 9, 12}, "12 sept. 2019"}}},
      {"le 10 janv. 2020", {}, {{{2020, 1, 10}, "10 janv. 2020"}}},
      {"le 8 aout 2019 et le 9 août 2019",
       {},
       {{{2019, 8, 8}, "8 aout 2019"}, {{2019, 8, 9}, "9 août 2019"}}},
      {"le 14 fevrier 2019", {}, {{{2019, 2, 14}, "14 fevrier 2019"}}},
      {"mardi 18 décembre 2018", {}, {{{2018, 12, 18}, "mardi 18 décembre 2018"}}},
      {"le mercredi 16 janvier 2019.", {}, {{{2019, 1, 16}, "mercredi 16 janvier 2019"}}},
      {"MARDI 18 DÉCEMBRE 2018", {}, {{{2018, 12, 18}, "MARDI 18 DÉCEMBRE 2018"}}},
      {"le\u00A027\u00A0juin\u00A02019", {}, {{{2019, 6, 27}, "27\u00A0juin\u00A02019"}}},
      {"le 27\u202Fjuin\u202F2019", {}, {{{2019, 6, 27}, "27\u202Fjuin\u202F2019"}}},
      {"le 18décembre 2018", {}, {{{2018, 12, 18}, "18décembre 2018"}}},
      {"le 27 juin\n2019", {}, {{{2019, 6, 27}, "27 juin\n2019"}}},
      {"le 18 de\u0301cembre 2018 (NFD)", {}, {{{2018, 12, 18}, "18 de\u0301cembre 2018"}}},
      {"Publié le 23 janvier 2019", {}, {{{2019, 1, 23}, "23 janvier 2019"}}},
      {"le 12 mars 2019 à 14h30", {}, {{{2019, 3, 12}, "12 mars 2019"}}},
      {"du 12 au 14 mars 2019", {}, {{{2019, 3, 14}, "14 mars 2019"}}},
      {"le 29 février 2020", {}, {{{2020, 2, 29}, "29 février 2020"}}},
      {"au 31 décembre de l'année 2019", {}, {{{2019, 12, 31}, "31 décembre de l'année 2019"}}},
      {"le 2 mai 2019 puis le 3 mai 2019",
       {},
       {{{2019, 5, 2}, "2 mai 2019"}, {{2019, 5, 3}, "3 mai 2019"}}},
  };
  CHECK(check_rows(rows) == 30);
}

TEST_CASE("dates: corpus traps", "[dates]") {
  const std::vector<Row> rows = {
      {"Mis à jour le 03/06/2020\n\nSophie Elizéon, préfète du Territoire de Belfort, et Florian "
       "Bouquet ont signé le 27 juin 2019une convention pour la période 2019-2021.",
       {},
       {{{2020, 6, 3}, "03/06/2020"}, {{2019, 6, 27}, "27 juin 2019"}}},
      {"La stratégie nationale, annoncée par le Président de la République le 17 octobre 2018, se "
       "décline",
       {},
       {{{2018, 10, 17}, "17 octobre 2018"}}},
      {"Arras, le 18 décembre 2018\n\nCe mardi 18 décembre, Fabien SUDRY, Préfet du "
       "Pas-de-Calais, et Jean-Claude LEROY ont signé",
       kRef2018,
       {{{2018, 12, 18}, "18 décembre 2018"}, {{2018, 12, 18}, "mardi 18 décembre", kNoYear}}},
      {"Ce mardi 18 décembre, Fabien SUDRY", kRef2018,
       {{{2018, 12, 18}, "mardi 18 décembre", kNoYear}}},
      {"protocole signé le 9 novembre 2018 entre l'Etat, la Région, le département du Nord",
       {},
       {{{2018, 11, 9}, "9 novembre 2018"}}},
      {"seront précisés par avenant avant le 31 mars 2019 à l'issue d'un dialogue",
       {},
       {{{2019, 3, 31}, "31 mars 2019"}}},
      {"Télécharger Communiqué de presse PDF - 0,14 Mb - 27/06/2019",
       {},
       {{{2019, 6, 27}, "27/06/2019"}}},
      {"en date du 13 décembre autorisant le Président", Date{2019, 1, 20},
       {{{2018, 12, 13}, "13 décembre", kNoYear}}},
      {"le lancement de la contractualisation le 21 février 2019, le Premier ministre",
       {},
       {{{2019, 2, 21}, "21 février 2019"}}},
      {"d'ici la fin juin 2019.", {}, {{{2019, 6, 1}, "juin 2019", kMonthOnly}}},
      {"au plus tard le 31 décembre de chaque année au Préfet", kRef2019, {}},
      {"au plus tard 31 mars de l'exercice suivant", kRef2019, {}},
      {"au 1^{er} trimestre 2019, notamment", {}, {}},
      {"les délibérations n° CD2018/059 et CD2018/148 du Conseil", {}, {}},
      {"Article L. 115-1 du code de l'action sociale", {}, {}},
  };
  CHECK(check_rows(rows) == 15);
}

TEST_CASE("dates: years completed from the reference", "[dates]") {
  const std::vector<Row> rows = {
      // The reference year, unless that puts the date more than a month after the reference.
      {"le 13 décembre", kRef2018, {{{2018, 12, 13}, "13 décembre", kNoYear}}},
      {"le 13 décembre", Date{2019, 1, 20}, {{{2018, 12, 13}, "13 décembre", kNoYear}}},
      {"le 5 janvier", Date{2018, 12, 20}, {{{2019, 1, 5}, "5 janvier", kNoYear}}},
      {"le 10 juillet", kRef2019, {{{2019, 7, 10}, "10 juillet", kNoYear}}},
      {"le 10 septembre", kRef2019, {{{2018, 9, 10}, "10 septembre", kNoYear}}},
      {"le 1er juillet", kRef2019, {{{2019, 7, 1}, "1er juillet", kNoYear}}},
      {"le 5 févr.", kRef2019, {{{2019, 2, 5}, "5 févr.", kNoYear}}},
      {"le 29 février", Date{2021, 3, 10}, {{{2020, 2, 29}, "29 février", kNoYear}}},
      // The weekday picks the year.
      {"mardi 18 décembre", Date{2019, 12, 1}, {{{2018, 12, 18}, "mardi 18 décembre", kNoYear}}},
      {"mercredi 18 décembre", Date{2019, 12, 1},
       {{{2019, 12, 18}, "mercredi 18 décembre", kNoYear}}},
      {"le vendredi 28 juin", Date{2019, 7, 15}, {{{2019, 6, 28}, "vendredi 28 juin", kNoYear}}},
      // "dernier"
      {"le 12 mars dernier", Date{2019, 6, 1}, {{{2019, 3, 12}, "12 mars dernier", kNoYear}}},
      {"le 12 mars dernier", Date{2019, 2, 1}, {{{2018, 3, 12}, "12 mars dernier", kNoYear}}},
      {"le 12 mars prochain", Date{2019, 6, 1}, {{{2020, 3, 12}, "12 mars prochain", kNoYear}}},
      // Without a reference, no guess.
      {"le 13 décembre", {}, {}},
      {"le 12 mars dernier", {}, {}},
      {"Ce mardi 18 décembre", {}, {}},
  };
  CHECK(check_rows(rows) == 17);
}

TEST_CASE("dates: relative dates", "[dates]") {
  const std::vector<Row> rows = {
      {"ce vendredi, la convention", kRef2019,
       {{{2019, 6, 28}, "vendredi", kNoYear | kRelative}}},
      {"Ce vendredi, la convention", Date{2019, 7, 2},
       {{{2019, 6, 28}, "vendredi", kNoYear | kRelative}}},
      {"signée vendredi dernier", Date{2019, 7, 2},
       {{{2019, 6, 28}, "vendredi dernier", kNoYear | kRelative}}},
      {"signée vendredi dernier", kRef2019,
       {{{2019, 6, 21}, "vendredi dernier", kNoYear | kRelative}}},
      {"lundi prochain", kRef2019, {{{2019, 7, 1}, "lundi prochain", kNoYear | kRelative}}},
      {"signée hier", Date{2019, 3, 1}, {{{2019, 2, 28}, "hier", kNoYear | kRelative}}},
      {"signée avant-hier", Date{2019, 1, 1},
       {{{2018, 12, 30}, "avant-hier", kNoYear | kRelative}}},
      {"signée aujourd'hui", kRef2019, {{{2019, 6, 28}, "aujourd'hui", kNoYear | kRelative}}},
      {"se traduit aujourd’hui par la signature", kRef2019,
       {{{2019, 6, 28}, "aujourd’hui", kNoYear | kRelative}}},
      {"AUJOURD'HUI", kRef2019, {{{2019, 6, 28}, "AUJOURD'HUI", kNoYear | kRelative}}},
      {"la réunion de mardi a eu lieu", kRef2019, {}},
      {"ce vendredi, hier, aujourd'hui", {}, {}},
  };
  CHECK(check_rows(rows) == 12);
}

TEST_CASE("dates: numeric forms", "[dates]") {
  const std::vector<Row> rows = {
      {"Mis à jour le 03/06/2020", {}, {{{2020, 6, 3}, "03/06/2020"}}},
      {"le 3/6/2020", {}, {{{2020, 6, 3}, "3/6/2020"}}},
      {"le 03.06.2020", {}, {{{2020, 6, 3}, "03.06.2020"}}},
      {"le 03-06-2020", {}, {{{2020, 6, 3}, "03-06-2020"}}},
      {"modifié 2019-06-27T10:00", {}, {{{2019, 6, 27}, "2019-06-27"}}},
      {"le 03/06/20", {}, {{{2020, 6, 3}, "03/06/20"}}},
      {"le 15/12/98", {}, {{{1998, 12, 15}, "15/12/98"}}},
      {"(27/06/2019)", {}, {{{2019, 6, 27}, "27/06/2019"}}},
      {"le 03/06/2020.", {}, {{{2020, 6, 3}, "03/06/2020"}}},
      {"1/2/2019 et 28/02/2019", {}, {{{2019, 2, 1}, "1/2/2019"}, {{2019, 2, 28}, "28/02/2019"}}},
  };
  CHECK(check_rows(rows) == 10);
}

TEST_CASE("dates: month and year", "[dates]") {
  const std::vector<Row> rows = {
      {"depuis juin 2019", {}, {{{2019, 6, 1}, "juin 2019", kMonthOnly}}},
      {"en mars 2019, le plan", {}, {{{2019, 3, 1}, "mars 2019", kMonthOnly}}},
      {"en déc. 2018", {}, {{{2018, 12, 1}, "déc. 2018", kMonthOnly}}},
      {"Mars 2019", {}, {{{2019, 3, 1}, "Mars 2019", kMonthOnly}}},
      {"SEPTEMBRE 2018", {}, {{{2018, 9, 1}, "SEPTEMBRE 2018", kMonthOnly}}},
      {"pour la période 2019-2021", {}, {}},
      {"contrats de trois ans (2019/2020/2021)", {}, {}},
      {"en 2019", {}, {}},
      {"la planète Mars", {}, {}},
      {"sept 2019", {}, {}},
  };
  CHECK(check_rows(rows) == 10);
}

TEST_CASE("dates: things that are not dates", "[dates]") {
  const std::vector<Row> rows = {
      {"le 31 février 2019", {}, {}},
      {"le 31 avril 2019", {}, {}},
      {"le 29 février 2019", {}, {}},
      {"00/13/2020", {}, {}},
      {"32/01/2020", {}, {}},
      {"2019-02-30", {}, {}},
      {"le 18 juin 1940", {}, {}},
      {"en juin 1789", {}, {}},
      {"01/01/2101", {}, {}},
      {"1 137 000", {}, {}},
      {"Tél. : 03 84 57 00 00", {}, {}},
      {"Tél. : 03.84.57.00.00", {}, {}},
      {"Tél. : 06.12.20.30.40", {}, {}},
      {"rendez-vous à 14h30", {}, {}},
      {"voir page 12/13", {}, {}},
      {"serveur 192.168.1.20", {}, {}},
      {"https://example.fr/2019/06/27/article", {}, {}},
      {"mardi", kRef2019, {}},
      {"300 000 emplois ne sont pas pourvus", {}, {}},
      {"le 45 juin 2019", {}, {}},
      {"version 1.2.2020", {}, {}},
      {"le 3-6-2020", {}, {}},
  };
  CHECK(check_rows(rows) == 22);
}

TEST_CASE("dates: a whole paragraph, offsets in order", "[dates]") {
  const std::string text =
      "Vous êtes ici\n\nLa préfecture de Région a lancé officiellement la concertation le "
      "mercredi 16 janvier 2019. Annoncée par le chef de l'Etat le 13 septembre 2018, la "
      "stratégie (…) d'ici la fin juin 2019.\nAu cours du lancement le 21 février 2019, le "
      "Premier ministre a annoncé la désignation.\n\nPublié le 23 janvier 2019";
  const std::vector<DateMention> got = find_dates(text);
  REQUIRE(got.size() == 5);
  const std::vector<std::pair<Date, std::string_view>> want = {
      {{2019, 1, 16}, "mercredi 16 janvier 2019"}, {{2018, 9, 13}, "13 septembre 2018"},
      {{2019, 6, 1}, "juin 2019"},                 {{2019, 2, 21}, "21 février 2019"},
      {{2019, 1, 23}, "23 janvier 2019"},
  };
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].date == want[i].first);
    CHECK(text.substr(got[i].begin, got[i].end - got[i].begin) == want[i].second);
    if (i > 0) CHECK(got[i].begin >= got[i - 1].end);
  }
  CHECK(got[2].month_only);
}

TEST_CASE("parse_date: one date per text", "[dates]") {
  struct Case {
    std::string_view text;
    std::optional<Date> want;
  };
  const std::vector<Case> cases = {
      {"27 juin 2019", Date{2019, 6, 27}},
      {"27/06/2019", Date{2019, 6, 27}},
      {"2019-06-27", Date{2019, 6, 27}},
      {"le 1er juillet 2019", Date{2019, 7, 1}},
      {"  18 DÉCEMBRE 2018 ", Date{2018, 12, 18}},
      {"mardi 18 décembre 2018", Date{2018, 12, 18}},
      {"juin 2019", Date{2019, 6, 1}},
      {"", std::nullopt},
      {"bonjour", std::nullopt},
      {"27 juin 2019 et 28 juin 2019", std::nullopt},
      {"31/02/2019", std::nullopt},
      {"Arras, le 18 décembre 2018", std::nullopt},
      {"le 13 décembre", std::nullopt},
      {"2019", std::nullopt},
      {"1 137 000", std::nullopt},
  };
  for (const Case& c : cases) {
    INFO("text: " << c.text);
    CHECK(parse_date(c.text) == c.want);
  }
  CHECK(cases.size() == 15);
}

TEST_CASE("dates: hostile input", "[dates]") {
  // Invalid UTF-8, lone continuation bytes, NULs and truncated sequences must not derail the
  // scanner: dates around them are still found.
  const std::string text = std::string("\xff\xfe\x80 le 27 juin 2019 \xe2\x82") + '\0' +
                           "\xc3 03/06/2020 \xf4\x90\x80\x80";
  const std::vector<DateMention> got = find_dates(text);
  REQUIRE(got.size() == 2);
  CHECK(got[0].date == Date{2019, 6, 27});
  CHECK(got[1].date == Date{2020, 6, 3});
  // A long run of digits, separators and month names stays linear and finds nothing odd.
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "1/2/3.4-5 juin juin 31 ";
  CHECK(find_dates(big).empty());
  CHECK(find_dates(std::string(100000, '9')).empty());
}

TEST_CASE("dates: long texts are scanned piece by piece without losing dates", "[dates]") {
  // ~2.6 MB: paragraphs (blank lines) for the first half, single lines for the second half, so
  // that both ways of cutting pieces are crossed many times.
  std::string text;
  std::vector<std::size_t> where;
  for (int i = 0; i < 100000; ++i) {
    text += "Signé le ";
    where.push_back(text.size());
    text += "27 juin 2019";
    text += i < 50000 ? " ; voir\n\n" : " ; voir\n";
  }
  const std::vector<DateMention> got = find_dates(text);
  REQUIRE(got.size() == where.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i].begin != where[i] || got[i].end != where[i] + 12 || !(got[i].date == Date{2019, 6, 27})) {
      FAIL("mention " << i << " at " << got[i].begin << " instead of " << where[i]);
    }
  }
}
