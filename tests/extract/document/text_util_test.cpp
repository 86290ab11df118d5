#include <catch2/catch.hpp>

#include <conventiond/extract/text_document.hpp>

#include "document/text_util.hpp"

using conventiond::BlockKind;
using conventiond::Date;
using conventiond::TextBlock;
using conventiond::TextDocument;
namespace dd = conventiond::document_detail;

TEST_CASE("normalize_text: spaces collapsed, NBSP and narrow spaces are spaces", "[text]") {
  CHECK(dd::normalize_text("  a \t\n b  ") == "a b");
  CHECK(dd::normalize_text("1\xC2\xA0"
                           "125\xE2\x80\xAF"
                           "000\xE2\x80\x89\xE2\x82\xAC") == "1 125 000 \xE2\x82\xAC");
  CHECK(dd::normalize_text("\xC2\xA0\xC2\xA0") == "");
}

TEST_CASE("normalize_text: soft hyphens, zero-width and control characters removed", "[text]") {
  CHECK(dd::normalize_text("d\xC3\xA9part\xC2\xAD"
                           "ement") == "d\xC3\xA9partement");
  CHECK(dd::normalize_text("a\xE2\x80\x8B"
                           "b\xEF\xBB\xBF"
                           "c") == "abc");
  CHECK(dd::normalize_text(std::string("x\x01y\0z", 6)) == "xyz");
  CHECK(dd::normalize_text("2019une") == "2019une");  // glued text stays glued
}

TEST_CASE("read_french_date: the forms of press releases", "[text][dates]") {
  CHECK(dd::read_french_date("23 janvier 2019") == Date{2019, 1, 23});
  CHECK(dd::read_french_date("1er juillet 2019") == Date{2019, 7, 1});
  CHECK(dd::read_french_date("mardi 18 d\xC3\xA9"
                             "cembre 2018") == Date{2018, 12, 18});
  CHECK(dd::read_french_date("18 D\xC3\x89"
                             "CEMBRE 2018") == Date{2018, 12, 18});
  CHECK(dd::read_french_date("3 sept. 2019") == Date{2019, 9, 3});
  CHECK(dd::read_french_date("15 aout 2019") == Date{2019, 8, 15});
  CHECK(dd::read_french_date("03/06/2020") == Date{2020, 6, 3});
  CHECK(dd::read_french_date("3.6.2020") == Date{2020, 6, 3});
  CHECK(dd::read_french_date("2019-06-27T10:00:00+02:00") == Date{2019, 6, 27});
}

TEST_CASE("read_french_date: glued text, invalid dates, bytes used", "[text][dates]") {
  std::size_t used = 0;
  CHECK(dd::read_french_date("27 juin 2019une convention", &used) == Date{2019, 6, 27});
  CHECK(used == 12);
  CHECK_FALSE(dd::read_french_date("31 f\xC3\xA9vrier 2019"));
  CHECK_FALSE(dd::read_french_date("32/01/2019"));
  CHECK_FALSE(dd::read_french_date("27 juin"));  // no year: not this reader's job
  CHECK_FALSE(dd::read_french_date("27 juin 20191"));
  CHECK_FALSE(dd::read_french_date("plus de 800 000"));
  CHECK(dd::find_french_date("sign\xC3\xA9 le 27 juin 2019une convention") == Date{2019, 6, 27});
}

TEST_CASE("read_date_line: publication and update statements", "[text][dates]") {
  std::optional<Date> pub;
  std::optional<Date> upd;
  CHECK(dd::read_date_line("Publi\xC3\xA9 le 23 janvier 2019", pub, upd));
  CHECK(pub == Date{2019, 1, 23});
  CHECK_FALSE(upd);

  pub.reset();
  CHECK(dd::read_date_line("Mis \xC3\xA0 jour le 03/06/2020", pub, upd));
  CHECK(upd == Date{2020, 6, 3});
  CHECK_FALSE(pub);

  pub.reset();
  upd.reset();
  CHECK(dd::read_date_line(
      "Publi\xC3\xA9 le 12/03/2019 - Mis \xC3\xA0 jour le 15/03/2019 \xC3\xA0 10h30", pub, upd));
  CHECK(pub == Date{2019, 3, 12});
  CHECK(upd == Date{2019, 3, 15});

  pub.reset();
  upd.reset();
  CHECK(dd::read_date_line("Date de publication : 5 mars 2019", pub, upd));
  CHECK(pub == Date{2019, 3, 5});
}

TEST_CASE("read_date_line: sentences are not page chrome", "[text][dates]") {
  std::optional<Date> pub;
  std::optional<Date> upd;
  CHECK_FALSE(dd::read_date_line("Le rapport publi\xC3\xA9 le 3 mars 2019", pub, upd));
  CHECK_FALSE(dd::read_date_line("Ils ont sign\xC3\xA9 le 27 juin 2019 une convention.", pub, upd));
  CHECK_FALSE(dd::read_date_line("Publi\xC3\xA9 le", pub, upd));
  CHECK_FALSE(pub);
  CHECK_FALSE(upd);
}

TEST_CASE("read_dateline: place, le date", "[text][dates]") {
  CHECK(dd::read_dateline("Arras, le 18 d\xC3\xA9"
                          "cembre 2018") == Date{2018, 12, 18});
  CHECK(dd::read_dateline("Strasbourg le 5 mars 2019") == Date{2019, 3, 5});
  CHECK(dd::read_dateline("Saint-\xC3\x89tienne, le 1er juillet 2019.") == Date{2019, 7, 1});
  CHECK_FALSE(dd::read_dateline("Fait \xC3\xA0 Strasbourg, le"));
  CHECK_FALSE(
      dd::read_dateline("le 18 d\xC3\xA9"
                        "cembre 2018, le pr\xC3\xA9"
                        "fet a sign\xC3\xA9"));
  CHECK_FALSE(
      dd::read_dateline("Arras, le 18 d\xC3\xA9"
                        "cembre 2018, le pr\xC3\xA9"
                        "fet a sign\xC3\xA9"));
}

TEST_CASE("detect_language: French prose", "[text]") {
  CHECK(dd::detect_language(" La convention est sign\xC3\xA9"
                            "e par le pr\xC3\xA9"
                            "fet et le "
                            "pr\xC3\xA9sident du conseil d\xC3\xA9partemental pour les ann\xC3\xA9"
                            "es "
                            "2019 \xC3\xA0 2021 dans le cadre de la strat\xC3\xA9gie. ") == "fr");
  CHECK(dd::detect_language(" The agreement is signed by the prefect and the president of the "
                            "council for the years 2019 to 2021. ") == "");
}

TEST_CASE("sha256_hex", "[text]") {
  CHECK(dd::sha256_hex("abc") ==
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(dd::sha256_hex("") ==
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // FIPS 180-2 vectors and the lengths around a block's padding (55, 56, 63, 64 bytes)
  CHECK(dd::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(dd::sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnop"
                       "qklmnopqrlmnopqrsmnopqrstnopqrstu") ==
        "sha256:cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  CHECK(dd::sha256_hex(std::string(1000000, 'a')) ==
        "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  CHECK(dd::sha256_hex(std::string(55, 'x')) ==
        "sha256:d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
  CHECK(dd::sha256_hex(std::string(63, 'x')) ==
        "sha256:75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2");
  CHECK(dd::sha256_hex(std::string(64, 'x')) ==
        "sha256:7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
}

TEST_CASE("TextDocument::plain_text joins blocks and table cells", "[text]") {
  TextDocument d;
  d.blocks.push_back(TextBlock{BlockKind::title, "Titre", {}, 0});
  TextBlock row;
  row.kind = BlockKind::table_row;
  row.set_cells({"Action 5-1", "", "", "40 000"});
  row.text = conventiond::join_cells(row.cells());
  d.blocks.push_back(row);
  d.blocks.push_back(TextBlock{BlockKind::paragraph, "Fin.", {}, 0});
  CHECK(row.text == "Action 5-1 | | | 40 000");
  CHECK(d.plain_text() == "Titre\nAction 5-1 | | | 40 000\nFin.");
  CHECK(TextDocument{}.plain_text().empty());
}
