// Amounts of money: find_amounts / parse_amount_cell. Each table row is one case; every row
// checks the exact amounts, their qualifier, "per year", and the text each mention covers.

#include <catch2/catch.hpp>

#include <conventiond/extract/amounts.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using conventiond::AmountMention;
using conventiond::find_amounts;
using conventiond::parse_amount_cell;
using conventiond::Qualifier;

constexpr Qualifier kExact = Qualifier::exact;
constexpr Qualifier kAbout = Qualifier::about;
constexpr Qualifier kMore = Qualifier::more_than;
constexpr Qualifier kLess = Qualifier::less_than;

struct Want {
  std::int64_t eur;
  std::string_view span;  // the exact text the mention covers
  Qualifier q = kExact;
  bool per_year = false;
};

struct Row {
  std::string_view text;
  std::vector<Want> want;
};

std::size_t check_rows(const std::vector<Row>& rows) {
  for (const Row& r : rows) {
    INFO("text: " << r.text);
    const std::vector<AmountMention> got = find_amounts(r.text);
    REQUIRE(got.size() == r.want.size());
    std::size_t from = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      const Want& w = r.want[i];
      const AmountMention& m = got[i];
      INFO("mention " << i);
      CHECK(m.amount_eur == w.eur);
      CHECK(m.qualifier == w.q);
      CHECK(m.per_year == w.per_year);
      CHECK(m.has_currency);
      const std::size_t expected_begin = r.text.find(w.span, from);
      REQUIRE(expected_begin != std::string_view::npos);
      CHECK(m.begin == expected_begin);
      CHECK(m.end == expected_begin + w.span.size());
      from = expected_begin + w.span.size();
    }
  }
  return rows.size();
}

}  // namespace

TEST_CASE("amounts: digits and currency", "[amounts]") {
  const std::vector<Row> rows = {
      {"soit 1 125 000 € au total", {{1125000, "1 125 000 €"}}},
      {"soit 1 125 000 euros", {{1125000, "1 125 000 euros"}}},
      {"soit 1 125 000 d'euros", {{1125000, "1 125 000 d'euros"}}},
      {"soit 1.125.000 €", {{1125000, "1.125.000 €"}}},
      {"soit 1 125 000,00 €", {{1125000, "1 125 000,00 €"}}},
      {"soit 12 345,67 €", {{12346, "12 345,67 €"}}},
      {"soit 12 345,49 €", {{12345, "12 345,49 €"}}},
      {"soit 1.125.000,50 €", {{1125001, "1.125.000,50 €"}}},
      {"soit 0,49 €", {{0, "0,49 €"}}},
      {"soit 1\u00A0125\u00A0000\u00A0€", {{1125000, "1\u00A0125\u00A0000\u00A0€"}}},
      {"soit 1\u202F125\u202F000\u202F€", {{1125000, "1\u202F125\u202F000\u202F€"}}},
      {"soit 1  125 000 €", {{1125000, "1  125 000 €"}}},
      {"soit 1 125 000  €", {{1125000, "1 125 000  €"}}},
      {"soit 1 125 000€", {{1125000, "1 125 000€"}}},
      {"soit 570 000 €", {{570000, "570 000 €"}}},
      {"à hauteur de 400 000 euros.", {{400000, "400 000 euros"}}},
      {"de 800 000 euros", {{800000, "800 000 euros"}}},
      {"200€", {{200, "200€"}}},
      {"€ 200", {{200, "€ 200"}}},
      {"EUR 1 000", {{1000, "EUR 1 000"}}},
      {"1 000 EUR", {{1000, "1 000 EUR"}}},
      {"1 000 Euros", {{1000, "1 000 Euros"}}},
      {"3 200 000€ HT", {{3200000, "3 200 000€"}}},
      {"200 € et 300 €", {{200, "200 €"}, {300, "300 €"}}},
      {"le montant de 1 000 000 €.", {{1000000, "1 000 000 €"}}},
      {"EUR 1,125,000.50", {{1125001, "EUR 1,125,000.50"}}},
      {"soit 1,125 €", {{1, "1,125 €"}}},
  };
  CHECK(check_rows(rows) == 27);
}

TEST_CASE("amounts: multipliers", "[amounts]") {
  const std::vector<Row> rows = {
      {"3,2 millions d'euros", {{3200000, "3,2 millions d'euros"}}},
      {"3,2 millions d’euros", {{3200000, "3,2 millions d’euros"}}},
      {"3,2 millions €", {{3200000, "3,2 millions €"}}},
      {"3 millions d'euros", {{3000000, "3 millions d'euros"}}},
      {"1,5 million d'euros", {{1500000, "1,5 million d'euros"}}},
      {"3 MILLIONS D'EUROS", {{3000000, "3 MILLIONS D'EUROS"}}},
      {"2 M€", {{2000000, "2 M€"}}},
      {"2,5M€", {{2500000, "2,5M€"}}},
      {"2.5 M€", {{2500000, "2.5 M€"}}},
      {"2,5 Md€", {{2500000000, "2,5 Md€"}}},
      {"2,5 milliards d'euros", {{2500000000, "2,5 milliards d'euros"}}},
      {"110k€", {{110000, "110k€"}}},
      {"110 k€", {{110000, "110 k€"}}},
      {"190 K€", {{190000, "190 K€"}}},
      {"1 137 K€", {{1137000, "1 137 K€"}}},
      {"40 K Euros", {{40000, "40 K Euros"}}},
      {"40 K euros", {{40000, "40 K euros"}}},
      {"100 KE", {{100000, "100 KE"}}},
      {"100 k euros", {{100000, "100 k euros"}}},
      {"1,137 M€", {{1137000, "1,137 M€"}}},
      {"un million d'euros", {{1000000, "un million d'euros"}}},
      {"deux millions d'euros", {{2000000, "deux millions d'euros"}}},
      {"cent mille euros", {{100000, "cent mille euros"}}},
      {"quatre-vingt mille euros", {{80000, "quatre-vingt mille euros"}}},
      {"10 mille euros", {{10000, "10 mille euros"}}},
  };
  CHECK(check_rows(rows) == 25);
}

TEST_CASE("amounts: qualifiers", "[amounts]") {
  const std::vector<Row> rows = {
      {"s’élève à près de 3,2 millions d’euros.", {{3200000, "près de 3,2 millions d’euros", kAbout}}},
      {"pres de 3 M€", {{3000000, "pres de 3 M€", kAbout}}},
      {"environ 200 000 €", {{200000, "environ 200 000 €", kAbout}}},
      {"autour de 1 M€", {{1000000, "autour de 1 M€", kAbout}}},
      {"quelque 50 000 euros", {{50000, "quelque 50 000 euros", kAbout}}},
      {"approximativement 10 000 €", {{10000, "approximativement 10 000 €", kAbout}}},
      {"de l'ordre de 2 millions d'euros", {{2000000, "de l'ordre de 2 millions d'euros", kAbout}}},
      {"près d’un million d’euros", {{1000000, "près d’un million d’euros", kAbout}}},
      {"L’État à hauteur de plus de 800 000 euros", {{800000, "plus de 800 000 euros", kMore}}},
      {"au titre de l’année 2019 un peu plus de 570 000 €.",
       {{570000, "un peu plus de 570 000 €", kMore}}},
      {"au moins 1 000 €", {{1000, "au moins 1 000 €", kMore}}},
      // "de plus de" written without its second "de"
      {"un soutien de plus 4,2 millions d’euros", {{4200000, "de plus 4,2 millions d’euros", kMore}}},
      {"au-delà de 5 000 €", {{5000, "au-delà de 5 000 €", kMore}}},
      {"supérieur à 10 000 €", {{10000, "supérieur à 10 000 €", kMore}}},
      {"moins de 1 000 €", {{1000, "moins de 1 000 €", kLess}}},
      {"un peu moins de 2 M€", {{2000000, "un peu moins de 2 M€", kLess}}},
      {"jusqu'à 50 000 €", {{50000, "jusqu'à 50 000 €", kLess}}},
      {"jusqu’à 50 000 €", {{50000, "jusqu’à 50 000 €", kLess}}},
      {"au plus 3 000 €", {{3000, "au plus 3 000 €", kLess}}},
      {"dans la limite de 100 000 €", {{100000, "dans la limite de 100 000 €", kLess}}},
      {"maximum 20 000 €", {{20000, "maximum 20 000 €", kLess}}},
      {"à hauteur de près de 2 millions d’euros", {{2000000, "près de 2 millions d’euros", kAbout}}},
      {"soit 3 M€ environ.", {{3000000, "3 M€ environ", kAbout}}},
      {"pas moins de 1 000 €, pas plus de 2 000 €",
       {{1000, "pas moins de 1 000 €", kMore}, {2000, "pas plus de 2 000 €", kLess}}},
  };
  CHECK(check_rows(rows) == 24);
}

TEST_CASE("amounts: per year", "[amounts]") {
  const std::vector<Row> rows = {
      {"240 000 € par an pour l'Etat et 240 000 € pour le Département, de 2019 à 2021",
       {{240000, "240 000 €", kExact, true}, {240000, "240 000 €", kExact, false}}},
      {"90 000 €/an", {{90000, "90 000 €", kExact, true}}},
      {"1 000 € / an", {{1000, "1 000 €", kExact, true}}},
      {"200 000 € par année", {{200000, "200 000 €", kExact, true}}},
      {"50 000 € chaque année", {{50000, "50 000 €", kExact, true}}},
      {"300 000 euros annuels", {{300000, "300 000 euros", kExact, true}}},
      {"100 000 € versés annuellement", {{100000, "100 000 €", kExact, true}}},
      {"100 KE par an avec appui des services", {{100000, "100 KE", kExact, true}}},
      {"1 M€, 2019 par an", {{1000000, "1 M€"}}},
  };
  CHECK(check_rows(rows) == 9);
}

TEST_CASE("amounts: corpus sentences", "[amounts]") {
  const std::vector<Row> rows = {
      {"Le département du Territoire de Belfort y participe à hauteur de près de 2 millions "
       "d’euros, L’État à hauteur de plus de 800 000 euros et le Fonds social européen (FSE) à "
       "hauteur de 400 000 euros.",
       {{2000000, "près de 2 millions d’euros", kAbout},
        {800000, "plus de 800 000 euros", kMore},
        {400000, "400 000 euros"}}},
      {"Pour l’année 2019, année de démarrage du plan, le coût total des actions s’élève à "
       "786 000 euros, le Département y participe à hauteur de 421 000 euros, L’État à hauteur de "
       "213 000 euros et le FSE à hauteur de 152 000 euros.",
       {{786000, "786 000 euros"},
        {421000, "421 000 euros"},
        {213000, "213 000 euros"},
        {152000, "152 000 euros"}}},
      {"Action 2-2 Référent de parcours\t80 k€\t80k€\t80k€\t80k€\tréférentiel",
       {{80000, "80 k€"}, {80000, "80k€"}, {80000, "80k€"}, {80000, "80k€"}}},
      {"Action 3-2 Appel d'offres\t190 K€\t568 K€\t1 137 K€\tContribution identique",
       {{190000, "190 K€"}, {568000, "568 K€"}, {1137000, "1 137 K€"}}},
      {"culturels</p>\t\t\t\t200€", {{200, "200€"}}},
      {"ensemble du territoire départemental 40 K Euros", {{40000, "40 K Euros"}}},
      {"Prise en charge CD : 3 millions d'euros", {{3000000, "3 millions d'euros"}}},
      {"2019 : 1 000 €", {{1000, "1 000 €"}}},
      {"en 2019 1 000 €", {{1000, "1 000 €"}}},
      {"2019\t155 000 €\t155 000 €", {{155000, "155 000 €"}, {155000, "155 000 €"}}},
  };
  CHECK(check_rows(rows) == 10);
}

TEST_CASE("amounts: a restatement in millions keeps the currency of the amount just before", "[amounts]") {
  const std::vector<Row> rows = {
      {"près de 10 millions d’euros sur trois ans (9,6 millions précisément)",
       {{10000000, "près de 10 millions d’euros", kAbout}, {9600000, "9,6 millions", kExact}}},
      {"3 M€ sur trois ans, soit 1 million par an",
       {{3000000, "3 M€", kExact}, {1000000, "1 million", kExact, true}}},
  };
  CHECK(check_rows(rows) == 2);
  // alone, or far from a currency, "millions" are not money
  CHECK(find_amounts("3 M€ pour les actions engagées auprès de près de 3,2 millions de personnes").size() == 1);
}

TEST_CASE("amounts: things that are not money", "[amounts]") {
  const std::vector<Row> rows = {
      {"un cofinancement à hauteur maximum de 50 % des crédits", {}},
      {"50 %", {}},
      {"1,5", {}},
      {"3 millions", {}},
      {"près de 3,2 millions de personnes", {}},
      {"plus de 6 000 acteurs sont mobilisés", {}},
      {"5 000 bénéficiaires du RSA", {}},
      {"A l'heure où 300 000 emplois ne sont pas pourvus", {}},
      {"les délibérations n° CD2018/059 et CD2018/148", {}},
      {"PDF - 0,14 Mb - 27/06/2019", {}},
      {"à 14h30", {}},
      {"le 27 juin 2019", {}},
      {"Article L. 115-1 du code", {}},
      {"1234567890123456789012345678901234567890 €", {}},
      {"20 000 000 000 000 000 €", {}},
      {"1,5 %", {}},
      {"3,1415926535897 €", {}},
      {"2 M de personnes", {}},
      {"une enveloppe", {}},
      {"1.2.3 €", {}},
  };
  CHECK(check_rows(rows) == 20);
}

TEST_CASE("parse_amount_cell", "[amounts]") {
  struct Case {
    std::string_view text;
    std::optional<std::int64_t> eur;
    bool currency = false;
    Qualifier q = kExact;
    bool per_year = false;
  };
  const std::vector<Case> cases = {
      {"155 000", 155000},
      {"1 137 000", 1137000},
      {"80 000", 80000},
      {"**1 125 000**", 1125000},
      {"12 345,67", 12346},
      {"80 k", 80000},
      {"trois millions", 3000000},
      {"155 000 €", 155000, true},
      {"110k€", 110000, true},
      {"190 K€", 190000, true},
      {"1 137 K€", 1137000, true},
      {"Prise en charge CD : 3 millions d'euros", 3000000, true},
      {"100 KE par an avec appui des services de l'Etat", 100000, true, kExact, true},
      {"environ 3 M€", 3000000, true, kAbout},
      {" 200€ ", 200, true},
      {"Contribution identique à celle de l'Etat", std::nullopt},
      {"Idem Part Etat", std::nullopt},
      {"Partenariat complémentaire", std::nullopt},
      {"Partenariat ARS/CD", std::nullopt},
      {"", std::nullopt},
      {"   ", std::nullopt},
      {"2019", std::nullopt},
      {"n° 3", std::nullopt},
      {"70%", std::nullopt},
      {"70 %", std::nullopt},
      {"Action 5-8", std::nullopt},
      {"2019 2020", std::nullopt},
      {"155 000\t155 000", std::nullopt},
      {"1234567890123456789012345678901234567890", std::nullopt},
      {"110 k€ puis 120 k€", std::nullopt},
  };
  for (const Case& c : cases) {
    INFO("cell: " << c.text);
    const std::optional<AmountMention> got = parse_amount_cell(c.text);
    REQUIRE(got.has_value() == c.eur.has_value());
    if (!got) continue;
    CHECK(got->amount_eur == *c.eur);
    CHECK(got->has_currency == c.currency);
    CHECK(got->qualifier == c.q);
    CHECK(got->per_year == c.per_year);
  }
  CHECK(cases.size() == 30);
}

TEST_CASE("amounts: offsets around a cell amount", "[amounts]") {
  const std::string cell = "Prise en charge CD : 3 millions d'euros";
  const std::optional<AmountMention> got = parse_amount_cell(cell);
  REQUIRE(got);
  CHECK(cell.substr(got->begin, got->end - got->begin) == "3 millions d'euros");
}

TEST_CASE("amounts: hostile input", "[amounts]") {
  const std::string text = std::string("\xff\xfe 1 000 \xe2\x82 €") + '\0' + "\xc3 200 € \xf4";
  const std::vector<AmountMention> got = find_amounts(text);
  REQUIRE(got.size() == 1);
  CHECK(got[0].amount_eur == 200);
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "1 000 000 000 000 000 000,5.5.5 k M % ";
  CHECK(find_amounts(big).empty());
  CHECK(find_amounts(std::string(100000, '9') + " €").empty());
  std::string words;
  for (int i = 0; i < 20000; ++i) words += "deux cent trente-quatre ";
  CHECK(find_amounts(words).empty());
}

TEST_CASE("amounts: long texts are scanned piece by piece without losing amounts", "[amounts]") {
  std::string text;
  std::vector<std::size_t> where;
  for (int i = 0; i < 100000; ++i) {
    text += "soit ";
    where.push_back(text.size());
    text += "1 125 000 €";
    text += i < 50000 ? " ; voir\n\n" : " ; voir\n";
  }
  const std::vector<AmountMention> got = find_amounts(text);
  REQUIRE(got.size() == where.size());
  const std::size_t len = std::string_view("1 125 000 €").size();
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i].begin != where[i] || got[i].end != where[i] + len || got[i].amount_eur != 1125000) {
      FAIL("mention " << i << " at " << got[i].begin << " instead of " << where[i]);
    }
  }
}

TEST_CASE("amounts: a long text without line breaks is cut between words", "[amounts]") {
  std::string text;
  std::vector<std::size_t> where;
  for (int i = 0; i < 80000; ++i) {
    text += "soit ";
    where.push_back(text.size());
    text += "1 125 000 €";
    text += " et ";
  }
  const std::vector<AmountMention> got = find_amounts(text);
  REQUIRE(got.size() == where.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i].begin != where[i] || got[i].amount_eur != 1125000) {
      FAIL("mention " << i << " at " << got[i].begin << " instead of " << where[i]);
    }
  }
  // Without any space either: no crash, nothing found, bounded memory.
  std::string euros;
  for (int i = 0; i < 1'000'000; ++i) euros += "€";
  CHECK(find_amounts(euros).empty());
  CHECK_FALSE(parse_amount_cell(euros));
}
