// GET /v1/export (docs/console.md, "CSV exports"; docs/api.md): the records as a ZIP data
// package ready to publish on data.gouv.fr: conventions.csv and funding.csv (the bytes of
// GET /v1/conventions.csv and GET /v1/funding.csv, csv_export.cpp), a Frictionless Data Package
// descriptor (datapackage.json, tabular-data-package, a Table Schema per file) and a README.md.
// The ZIP is written in memory by libzip.
#include <zip.h>

#include <chrono>
#include <ctime>
#include <map>
#include <memory>

#include <boost/json.hpp>

#include <conventiond/http/response.hpp>
#include <conventiond/http/router.hpp>
#include <conventiond/model/timestamp.hpp>

#include "csv_export.hpp"
#include "daemon_impl.hpp"

namespace conventiond {

namespace {

namespace json = boost::json;
using http::json_error;
using http::Request;
using http::Responder;

constexpr std::string_view kPackageName = "conventions-pauvrete";
constexpr std::string_view kPackageTitle =
    "Conventions départementales de prévention et de lutte contre la pauvreté";
// The version of the package's layout (files and columns): the major number changes when a
// column is removed or changes meaning, the minor one when a column or file is added.
constexpr std::string_view kPackageVersion = "1.0.0";
constexpr std::string_view kLicenceName = "etalab-2.0";
constexpr std::string_view kLicencePath = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/";
constexpr std::string_view kLicenceTitle = "Licence Ouverte / Open Licence version 2.0";

// --- The descriptor -------------------------------------------------------------------------

// `v` as JSON indented by two spaces, one member or element a line (people open this file).
void pretty(std::string& out, const json::value& v, int depth) {
  const std::string pad(static_cast<std::size_t>(depth + 1) * 2, ' ');
  const std::string close(static_cast<std::size_t>(depth) * 2, ' ');
  if (v.is_object() && !v.get_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& m : v.get_object()) {
      if (!first) out += ",\n";
      first = false;
      out += pad + json::serialize(json::string(m.key())) + ": ";
      pretty(out, m.value(), depth + 1);
    }
    out += "\n" + close + "}";
  } else if (v.is_array() && !v.get_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& e : v.get_array()) {
      if (!first) out += ",\n";
      first = false;
      out += pad;
      pretty(out, e, depth + 1);
    }
    out += "\n" + close + "]";
  } else {
    out += json::serialize(v);
  }
}

json::object table_schema(CsvTable table) {
  json::array fields;
  for (const CsvColumn& col : csv_columns(table)) {
    json::object f{{"name", col.name}, {"type", col.type}, {"description", col.description}};
    if (!col.format.empty()) f["format"] = col.format;
    if (!col.allowed.empty()) {
      json::array values;
      for (std::string_view v : col.allowed) values.emplace_back(v);
      f["constraints"] = json::object{{"enum", std::move(values)}};
    }
    fields.push_back(std::move(f));
  }
  json::object schema{{"fields", std::move(fields)}, {"missingValues", json::array{""}}};
  if (table == CsvTable::conventions) {
    schema["primaryKey"] = json::array{"id"};
  } else {
    schema["foreignKeys"] = json::array{json::object{
        {"fields", json::array{"convention_id"}},
        {"reference", json::object{{"resource", "conventions"}, {"fields", json::array{"id"}}}}}};
  }
  return schema;
}

json::object resource(CsvTable table, std::string_view title, std::string_view description,
                      std::size_t bytes) {
  const std::string_view file = csv_file_name(table);
  return json::object{
      {"name", file.substr(0, file.size() - 4)},
      {"path", file},
      {"title", title},
      {"description", description},
      {"profile", "tabular-data-resource"},
      {"format", "csv"},
      {"mediatype", "text/csv"},
      {"encoding", "utf-8"},
      {"bytes", bytes},
      {"dialect", json::object{{"delimiter", ","}, {"lineTerminator", "\r\n"}, {"quoteChar", "\""},
                               {"doubleQuote", true}, {"header", true}}},
      {"schema", table_schema(table)}};
}

// The distinct documents the records' chosen values come from, by address.
json::array sources_of(const std::vector<const Convention*>& records) {
  std::map<std::string, std::string> titles;  // url -> title
  for (const Convention* c : records) {
    for (const FieldProvenance& p : c->provenance) {
      if (p.chosen.url.empty()) continue;
      std::string& t = titles[p.chosen.url];
      if (t.empty()) t = p.chosen.title;
    }
  }
  json::array out;
  for (const auto& [url, title] : titles) {
    out.push_back(json::object{{"title", title.empty() ? url : title}, {"path", url}});
  }
  return out;
}

// "departement=67&region=Grand Est" as the request gave them ("" without filters).
std::string filters_text(const http::Headers& query) {
  std::string out;
  for (const auto& [k, v] : query) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

std::string readme(const std::string& date, const std::string& created, const std::string& filters,
                   std::size_t records, std::size_t funding_lines, std::size_t sources) {
  std::string out;
  out += "# " + std::string(kPackageTitle) + "\n\n";
  out += "Export du " + date + " (" + created + ", UTC) par conventiond.\n\n";
  out += "## Les données\n\n";
  out += "Les conventions d'appui à la lutte contre la pauvreté et d'accès à l'emploi signées entre "
         "l'État et les départements (stratégie nationale de prévention et de lutte contre la "
         "pauvreté, à partir de 2019) : une ligne par convention et département, avec sa date de "
         "signature, sa période, les crédits de l'État et du département, les mesures et les "
         "signataires, et chaque ligne de financement (convention, actions, avenants).\n\n";
  out += "- `conventions.csv` : " + std::to_string(records) + " enregistrement(s), un par convention ;\n";
  out += "- `funding.csv` : " + std::to_string(funding_lines) +
         " ligne(s) de financement, liées à `conventions.csv` par `convention_id` ;\n";
  out += "- `datapackage.json` : la description du jeu de données au format Frictionless Data "
         "Package (tabular-data-package), avec le schéma (Table Schema) de chaque fichier : le nom, "
         "le type et la description de chaque colonne ;\n";
  out += "- `README.md` : ce fichier.\n\n";
  out += "Les fichiers CSV sont en UTF-8, séparés par des virgules, lignes terminées par CRLF, avec "
         "une ligne d'en-tête (RFC 4180). Une cellule vide : une valeur inconnue ou sans objet.\n\n";
  if (!filters.empty()) {
    out += "Cet export ne contient que les enregistrements qui répondent aux filtres `" + filters +
           "`.\n\n";
  }
  out += "## Comment elles sont produites\n\n";
  out += "conventiond collecte les documents publiés (conventions, avenants, communiqués, pages "
         "des préfectures et des départements), en extrait les faits et fusionne les sources : "
         "chaque valeur garde l'adresse du document d'où elle vient (colonnes `*_url`), et les " +
         std::to_string(sources) +
         " document(s) source(s) des valeurs retenues sont listés dans `datapackage.json` "
         "(`sources`). Les montants sont ceux que les documents écrivent ; `qualifier` dit s'ils "
         "sont exacts ou approchés.\n\n";
  out += "## Licence\n\n";
  out += std::string(kLicenceTitle) + " (" + std::string(kLicenceName) + ") : " +
         std::string(kLicencePath) +
         "\n\nRéutilisation libre, y compris commerciale, à condition de mentionner la source "
         "(ces conventions et leurs documents sources) et la date de l'export.\n";
  return out;
}

// --- The ZIP ----------------------------------------------------------------------------------

struct ZipSourceFree {
  void operator()(zip_source_t* s) const { zip_source_free(s); }
};

// A ZIP archive holding `files` (name, bytes) in that order, deflated, dated `mtime`.
Result<std::string> zip_archive(const std::vector<std::pair<std::string, std::string>>& files,
                                std::time_t mtime) {
  auto fail = [](std::string what, zip_error_t* e) {
    std::string m = "zip: " + what + ": " + zip_error_strerror(e);
    zip_error_fini(e);
    return Error::make("zip", m);
  };
  zip_error_t err;
  zip_error_init(&err);
  std::unique_ptr<zip_source_t, ZipSourceFree> buffer(zip_source_buffer_create(nullptr, 0, 0, &err));
  if (!buffer) return fail("a buffer", &err);
  zip_t* archive = zip_open_from_source(buffer.get(), ZIP_TRUNCATE, &err);
  if (archive == nullptr) return fail("open", &err);
  zip_source_keep(buffer.get());  // zip_close() frees the archive's reference, not ours
  for (const auto& [name, bytes] : files) {
    zip_source_t* s = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    const zip_int64_t index = s ? zip_file_add(archive, name.c_str(), s, ZIP_FL_ENC_UTF_8) : -1;
    if (index < 0) {
      if (s) zip_source_free(s);
      std::string m = "zip: adding " + name + ": " + zip_strerror(archive);
      zip_discard(archive);
      return Error::make("zip", m);
    }
    if (zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_DEFLATE, 0) != 0 ||
        zip_file_set_mtime(archive, static_cast<zip_uint64_t>(index), mtime, 0) != 0) {
      std::string m = "zip: " + name + ": " + zip_strerror(archive);
      zip_discard(archive);
      return Error::make("zip", m);
    }
  }
  if (zip_close(archive) != 0) {
    std::string m = std::string("zip: close: ") + zip_strerror(archive);
    zip_discard(archive);
    return Error::make("zip", m);
  }
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_stat(buffer.get(), &st) != 0 || zip_source_open(buffer.get()) != 0) {
    return Error::make("zip", std::string("zip: reading the archive: ") +
                                  zip_error_strerror(zip_source_error(buffer.get())));
  }
  std::string out(static_cast<std::size_t>(st.size), '\0');
  const zip_int64_t n = zip_source_read(buffer.get(), out.data(), st.size);
  zip_source_close(buffer.get());
  if (n < 0 || static_cast<zip_uint64_t>(n) != st.size) {
    return Error::make("zip", "zip: reading the archive: short read");
  }
  return out;
}

}  // namespace

void Daemon::Impl::register_export_routes() {

  // The records matching the /v1/conventions filters (none: every record) as a ZIP data package.
  add_route("GET", "/v1/export", [this](const Request& req, Responder r) {
    auto csv = parse_csv_request(req.query, false);
    if (!csv) return (void)r.send(json_error(400, "bad_request", csv.error().message));
    offload(std::move(r), [this, q = std::move(csv->query), filters = filters_text(req.query)]() -> http::Response {
      auto all = store_->conventions();
      if (!all) return store_error("conventions", all.error());
      auto records = matching_conventions(*all, q);
      if (!records) return json_error(400, "bad_request", records.error().message);

      const auto now = std::chrono::system_clock::now();
      const std::string created = format_rfc3339(now);
      const std::string date = created.substr(0, 10);
      std::string conventions = render_csv(*records, CsvTable::conventions);
      std::string funding = render_csv(*records, CsvTable::funding);
      std::size_t funding_lines = 0;
      for (char c : funding) funding_lines += c == '\n' ? 1 : 0;
      funding_lines -= 1;  // the header
      json::array sources = sources_of(*records);
      const std::size_t source_n = sources.size();

      std::string description =
          "Les conventions signées entre l'État et les départements dans la stratégie nationale "
          "de prévention et de lutte contre la pauvreté : dates, périodes, crédits de l'État et "
          "des départements par année, mesures, signataires, et chaque ligne de financement, avec "
          "l'adresse du document source de chaque valeur.";
      if (!filters.empty()) description += " Enregistrements répondant aux filtres : " + filters + ".";
      json::object package{
          {"profile", "tabular-data-package"},
          {"name", kPackageName},
          {"title", kPackageTitle},
          {"description", description},
          {"version", kPackageVersion},
          {"created", created},
          {"licenses", json::array{json::object{
                           {"name", kLicenceName}, {"path", kLicencePath}, {"title", kLicenceTitle}}}},
          {"sources", std::move(sources)},
          {"keywords", json::array{"pauvreté", "contractualisation", "départements", "conventions"}},
          {"resources",
           json::array{resource(CsvTable::conventions, "Conventions",
                                "Une ligne par convention (programme et département).",
                                conventions.size()),
                       resource(CsvTable::funding, "Lignes de financement",
                                "Une ligne par ligne de financement d'une convention, d'une de ses "
                                "actions ou d'un avenant.",
                                funding.size())}}};

      std::vector<std::pair<std::string, std::string>> files;
      std::string descriptor;
      pretty(descriptor, package, 0);
      files.emplace_back("datapackage.json", descriptor + "\n");
      files.emplace_back("README.md", readme(date, created, filters, records->size(), funding_lines, source_n));
      files.emplace_back(std::string(csv_file_name(CsvTable::conventions)), std::move(conventions));
      files.emplace_back(std::string(csv_file_name(CsvTable::funding)), std::move(funding));
      auto zip = zip_archive(files, std::chrono::system_clock::to_time_t(now));
      if (!zip) return json_error(500, "internal", zip.error().message);

      http::Response resp;
      resp.content_type = "application/zip";
      resp.body = std::move(*zip);
      resp.headers.emplace_back("Content-Disposition",
                                "attachment; filename=\"" + std::string(kPackageName) + "-" + date + ".zip\"");
      return resp;
    });
  }, http::Access::read);
}

}  // namespace conventiond
