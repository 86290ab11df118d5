#include "synthetic_documents.hpp"

#include <array>
#include <span>
#include <sstream>
#include <vector>

#include <conventiond/departements.hpp>

namespace conventiond::bench {
namespace {

constexpr std::array<std::string_view, 8> kFirstNames = {"Claire", "Paul", "Sophie", "Jean-Marc",
                                                         "Nathalie", "Olivier", "Isabelle", "Thierry"};
constexpr std::array<std::string_view, 8> kLastNames = {"Martin", "Durand", "Lefèvre", "MOREAU",
                                                        "Garnier", "ROUSSEAU", "Fontaine", "Chevalier"};
constexpr std::array<std::string_view, 12> kMonths = {"janvier", "février", "mars", "avril", "mai", "juin",
                                                      "juillet", "août", "septembre", "octobre", "novembre", "décembre"};

std::uint32_t next(std::uint32_t& s) {
  s = s * 1664525u + 1013904223u;
  return s >> 8;
}

std::string amount(std::uint32_t& s) {
  const std::uint32_t thousands = 100 + next(s) % 2900;
  std::string out = std::to_string(thousands / 1000 ? thousands / 1000 : thousands);
  if (thousands >= 1000) {
    std::string rest = std::to_string(thousands % 1000);
    out += " " + std::string(3 - rest.size(), '0') + rest;
  }
  return out + " 000";
}

}  // namespace

std::string make_press_release_html(std::uint32_t seed) {
  std::uint32_t s = seed * 2654435761u + 1;
  const auto deps = all_departements();
  const Departement& d = deps[next(s) % deps.size()];
  const Departement& other = deps[next(s) % deps.size()];
  const std::string prefet = std::string(kFirstNames[next(s) % 8]) + " " + std::string(kLastNames[next(s) % 8]);
  const std::string president = std::string(kFirstNames[next(s) % 8]) + " " + std::string(kLastNames[next(s) % 8]);
  const int day = 1 + static_cast<int>(next(s) % 28);
  const std::string_view month = kMonths[next(s) % 12];
  const int year = 2019 + static_cast<int>(next(s) % 3);
  std::ostringstream h;
  h << "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Convention pauvreté "
    << d.name << "</title></head><body><header><nav class=\"menu\"><ul>";
  for (int i = 0; i < 30; ++i) h << "<li><a href=\"/rubrique/" << i << "\">Rubrique " << i << "</a></li>";
  h << "</ul></nav></header><div class=\"breadcrumb\">Accueil &gt; Actualités</div><main><article><h1>"
    << "Signature de la convention d'appui à la lutte contre la pauvreté " << d.of_form << "</h1>"
    << "<p>Publié le " << day << " " << month << " " << year << "</p>"
    << "<p>" << prefet << ", préfet " << d.of_form << ", et " << president
    << ", président du conseil départemental " << d.of_form << ", ont signé le " << day << " " << month
    << " " << year << " la convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi pour la "
    << "période 2019-2021.</p><ul><li>prévenir les sorties sèches de l'aide sociale à l'enfance ;</li>"
    << "<li>généraliser le premier accueil social inconditionnel ;</li><li>déployer les référents de "
    << "parcours.</li></ul><p>Pour l'année " << year << ", l'État apporte " << amount(s)
    << " euros et le Département près de " << amount(s) << " euros.</p>";
  for (int i = 0; i < 6; ++i)
    h << "<p>La stratégie nationale de prévention et de lutte contre la pauvreté se décline au niveau "
         "local au travers de la convention, qui permet de valoriser les politiques sociales du "
         "département et d'y apporter un cofinancement de l'État.</p>";
  h << "</article></main><aside class=\"sidebar\"><h3>Agenda</h3><p>Le 12 septembre 2019 : réunion "
    << other.in_form << ".</p></aside><footer><p>Mentions légales - " << other.name
    << "</p></footer></body></html>";
  return h.str();
}

namespace {

// Escapes text for a PDF literal string; the text is written in WinAnsi (Latin-1 subset).
std::string pdf_string(std::string_view utf8) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c == 0xC3 && i + 1 < utf8.size()) {
      c = static_cast<unsigned char>(0x40u + static_cast<unsigned char>(utf8[++i]));
    } else if (c >= 0x80) {
      continue;
    }
    if (c == '(' || c == ')' || c == '\\') out.push_back('\\');
    out.push_back(static_cast<char>(c));
  }
  return out;
}

struct Line {
  double x;
  double y;
  std::string text;
};

std::string page_stream(const std::vector<Line>& lines) {
  std::ostringstream c;
  for (const Line& l : lines)
    c << "BT /F1 10 Tf " << l.x << " " << l.y << " Td (" << pdf_string(l.text) << ") Tj ET\n";
  return c.str();
}

}  // namespace

std::string make_convention_pdf(std::uint32_t seed, int pages) {
  std::uint32_t s = seed * 2246822519u + 7;
  const auto deps = all_departements();
  const Departement& d = deps[next(s) % deps.size()];
  std::vector<std::vector<Line>> page_lines;
  for (int p = 0; p < pages; ++p) {
    std::vector<Line> lines;
    lines.push_back({300, 20, "Convention d'appui à la lutte contre la pauvreté - " + std::string(d.name) + " Page " + std::to_string(p + 1)});
    if (p < pages - 2) {
      double y = 780;
      if (p == 0) {
        lines.push_back({60, y, "CONVENTION D'APPUI À LA LUTTE CONTRE LA PAUVRETÉ ET D'ACCÈS À L'EMPLOI 2019-2021"});
        y -= 30;
        lines.push_back({60, y, "Le Département " + std::string(d.of_form) + ", représenté par Paul Durand, Président du conseil"});
        y -= 14;
        lines.push_back({60, y, "départemental " + std::string(d.of_form) + ", d'autre part,"});
        y -= 20;
      }
      for (; y > 60; y -= 14)
        lines.push_back({60, y, "Le Département s'engage à mettre en oeuvre des actions nouvelles dans le cadre de la"});
    } else {
      double y = 780;
      lines.push_back({60, y, "Annexe A"});
      lines.push_back({330, y, "2019"});
      lines.push_back({400, y, "2020"});
      lines.push_back({470, y, "2021"});
      lines.push_back({530, y, "Part CD"});
      y -= 24;
      for (int a = 1; a <= 20 && y > 60; ++a, y -= 32) {
        const std::string v = amount(s);
        lines.push_back({60, y, "Action " + std::to_string(p) + "-" + std::to_string(a) + " Accompagner les jeunes"});
        lines.push_back({330, y, v});
        lines.push_back({400, y, v});
        lines.push_back({470, y, v});
        lines.push_back({530, y, v});
        lines.push_back({60, y - 12, "sortant de l'aide sociale à l'enfance"});
      }
    }
    page_lines.push_back(std::move(lines));
  }
  // Objects: 1 catalog, 2 pages, 3 font, then per page: page object and content stream.
  std::vector<std::string> objects;
  objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  std::string kids;
  for (int p = 0; p < pages; ++p) kids += std::to_string(4 + 2 * p) + " 0 R ";
  objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages) + " >>");
  objects.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  for (int p = 0; p < pages; ++p) {
    const std::string stream = page_stream(page_lines[static_cast<std::size_t>(p)]);
    objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents " +
                      std::to_string(5 + 2 * p) + " 0 R >>");
    objects.push_back("<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream + "endstream");
  }
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (std::size_t off : offsets) {
    std::string o = std::to_string(off);
    pdf += std::string(10 - o.size(), '0') + o + " 00000 n \n";
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

}  // namespace conventiond::bench
