// The CSV exports' columns and rows (csv_export.hpp), shared by GET /v1/conventions.csv,
// GET /v1/funding.csv (routes_console.cpp) and GET /v1/export (routes_export.cpp).
#include "csv_export.hpp"

#include <cstdint>
#include <map>
#include <set>

#include <conventiond/departements.hpp>

namespace conventiond {

namespace {

// --- CSV (RFC 4180: CRLF line ends, fields quoted when they hold , " CR or LF) ---------------

void csv_field(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void csv_row(std::string& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    csv_field(out, fields[i]);
  }
  out += "\r\n";
}

std::string date_text(const std::optional<Date>& d) { return d ? d->to_iso() : std::string(); }

// The chosen source URL of a field ("" when the record has no provenance for it).
std::string chosen_url(const Convention& c, std::string_view field) {
  for (const FieldProvenance& p : c.provenance) {
    if (p.field == field) return p.chosen.url;
  }
  return {};
}

std::size_t source_count(const Convention& c) {
  std::set<std::string> urls;
  for (const FieldProvenance& p : c.provenance) {
    if (!p.chosen.url.empty()) urls.insert(p.chosen.url);
    for (const Alternative& a : p.alternatives) {
      if (!a.source.url.empty()) urls.insert(a.source.url);
    }
  }
  return urls.size();
}

// "2019=1000000;2020=2000000" for one funder's lines with a year (amounts added per year);
// the lines for the whole period as "period=N".
std::string amounts_by_year(const ConventionFacts& f, Funder funder) {
  std::map<std::string, std::int64_t> sums;
  for (const FundingLine& l : f.funding) {
    if (l.funder != funder) continue;
    sums[l.year ? std::to_string(*l.year) : std::string("period")] += l.amount_eur;
  }
  std::string out;
  for (const auto& [k, v] : sums) {
    if (!out.empty()) out += ';';
    out += k + "=" + std::to_string(v);
  }
  return out;
}

template <class Vocabulary>
std::vector<std::string_view> names_of(const Vocabulary& all) {
  std::vector<std::string_view> out;
  for (auto v : all) out.push_back(to_string(v));
  return out;
}

// The columns of conventions.csv, in order; convention_row() writes the same.
const std::vector<CsvColumn> kConventionColumns = {
    {"id", "string", "", "Identifiant de l'enregistrement : programme:département (pauvrete-2019:67)", {}},
    {"departement", "string", "", "Code INSEE du département (67, 2A, 974)", {}},
    {"departement_name", "string", "", "Nom du département", {}},
    {"region", "string", "", "Région du département", {}},
    {"programme", "string", "",
     "Programme de contractualisation (pauvrete-2019 : stratégie nationale de prévention et de lutte "
     "contre la pauvreté)", {}},
    {"signed_on", "date", "", "Date de signature de la convention (vide : inconnue)", {}},
    {"period_start", "year", "", "Première année couverte par la convention", {}},
    {"period_end", "year", "", "Dernière année couverte par la convention", {}},
    {"etat_eur_by_year", "string", "",
     "Crédits de l'État en euros par année, ANNÉE=MONTANT séparés par « ; » (period=MONTANT : pour "
     "toute la période) ; lignes de financement de la convention elle-même", {}},
    {"departement_eur_by_year", "string", "",
     "Crédits du département en euros par année, même forme que etat_eur_by_year", {}},
    {"measures", "string", "",
     "Mesures de la stratégie nommées par la convention, séparées par « ; » (sorties_ase, "
     "premier_accueil, referent_parcours, insertion_rsa, garantie_activite, maraudes, "
     "formation_travailleurs_sociaux, petite_enfance)", {}},
    {"signatories", "string", "", "Signataires, « nom (rôle) » séparés par « ; »", {}},
    {"sources", "integer", "", "Nombre de documents sources distincts de l'enregistrement", {}},
    {"revision", "integer", "", "Révision de l'enregistrement (croît à chaque changement)", {}},
    {"updated_at", "datetime", "", "Dernier changement de l'enregistrement (UTC)", {}},
    {"signed_on_source_url", "string", "uri", "Adresse du document source de la date de signature", {}},
    {"url", "string", "", "Chemin de l'enregistrement dans l'API du service : /v1/conventions/{id}", {}},
};

std::vector<std::string> convention_row(const Convention& c) {
  const Departement* d = find_departement(c.facts.departement);
  std::string measures, signatories;
  for (Measure m : c.facts.measures) {
    if (!measures.empty()) measures += ';';
    measures += to_string(m);
  }
  for (const Signatory& s : c.facts.signatories) {
    if (!signatories.empty()) signatories += ';';
    signatories += s.name + " (" + std::string(to_string(s.role)) + ")";
  }
  return {c.id,
          c.facts.departement,
          d ? std::string(d->name) : std::string(),
          d ? std::string(d->region) : std::string(),
          c.programme,
          date_text(c.facts.signed_on),
          c.facts.period ? std::to_string(c.facts.period->start) : std::string(),
          c.facts.period ? std::to_string(c.facts.period->end) : std::string(),
          amounts_by_year(c.facts, Funder::etat),
          amounts_by_year(c.facts, Funder::departement),
          measures,
          signatories,
          std::to_string(source_count(c)),
          std::to_string(c.revision),
          c.updated_at,
          chosen_url(c, "signed_on"),
          "/v1/conventions/" + c.id};
}

// The columns of funding.csv, in order; funding_rows() writes the same.
const std::vector<CsvColumn> kFundingColumns = {
    {"convention_id", "string", "", "Identifiant de l'enregistrement (colonne id de conventions.csv)", {}},
    {"departement", "string", "", "Code INSEE du département", {}},
    {"departement_name", "string", "", "Nom du département", {}},
    {"region", "string", "", "Région du département", {}},
    {"scope", "string", "",
     "Où la ligne figure : convention (la convention elle-même), action (une action de la "
     "convention), amendment (un avenant), amendment_action (une action d'un avenant)",
     {"convention", "action", "amendment", "amendment_action"}},
    {"amendment_year", "year", "", "Année de l'avenant (scope amendment et amendment_action)", {}},
    {"action_code", "string", "", "Code de l'action (scope action et amendment_action)", {}},
    {"action_title", "string", "", "Intitulé de l'action", {}},
    {"funder", "string", "", "Financeur (fse : Fonds social européen ; total : tous financeurs)",
     names_of(kAllFunders)},
    {"year", "year", "", "Année du financement (vide : toute la période)", {}},
    {"amount_eur", "integer", "", "Montant en euros", {}},
    {"qualifier", "string", "",
     "Précision du montant : exact, about (environ), more_than (plus de), less_than (moins de)",
     names_of(kAllQualifiers)},
    {"per_year", "boolean", "", "true : le montant est annuel, répété chaque année de la période", {}},
    {"source_url", "string", "uri", "Adresse du document source de la ligne", {}},
};

void funding_rows(std::string& out, const Convention& c) {
  const Departement* d = find_departement(c.facts.departement);
  const std::string name = d ? std::string(d->name) : std::string();
  const std::string region = d ? std::string(d->region) : std::string();
  auto line = [&](std::string_view scope, const std::string& amendment_year, const Action* action,
                  const FundingLine& l, const std::string& source) {
    csv_row(out, {c.id, c.facts.departement, name, region, std::string(scope), amendment_year,
                  action ? action->code : std::string(), action ? action->title : std::string(),
                  std::string(to_string(l.funder)), l.year ? std::to_string(*l.year) : std::string(),
                  std::to_string(l.amount_eur), std::string(to_string(l.qualifier)),
                  l.per_year ? "true" : "false", source});
  };
  const std::string funding_src = chosen_url(c, "funding");
  for (const FundingLine& l : c.facts.funding) line("convention", "", nullptr, l, funding_src);
  const std::string actions_src = chosen_url(c, "actions");
  for (const Action& a : c.facts.actions) {
    for (const FundingLine& l : a.funding) line("action", "", &a, l, actions_src);
  }
  const std::string amendments_src = chosen_url(c, "amendments");
  for (const Amendment& am : c.facts.amendments) {
    const std::string y = am.year ? std::to_string(*am.year) : std::string();
    for (const FundingLine& l : am.funding) line("amendment", y, nullptr, l, amendments_src);
    for (const Action& a : am.actions) {
      for (const FundingLine& l : a.funding) line("amendment_action", y, &a, l, amendments_src);
    }
  }
}

}  // namespace

const std::vector<CsvColumn>& csv_columns(CsvTable table) {
  return table == CsvTable::funding ? kFundingColumns : kConventionColumns;
}

std::string_view csv_file_name(CsvTable table) {
  return table == CsvTable::funding ? "funding.csv" : "conventions.csv";
}

Result<CsvRequest> parse_csv_request(const std::vector<std::pair<std::string, std::string>>& params,
                                     bool allow_bom) {
  auto bad = [](std::string m) { return Error::make("bad_request", std::move(m)); };
  CsvRequest out;
  std::vector<std::pair<std::string, std::string>> filters;
  for (const auto& [k, v] : params) {
    if (k == "bom" && allow_bom) {
      if (v != "0" && v != "1") return bad("query parameter 'bom': 0 or 1");
      out.bom = v == "1";
    } else if (k == "bom") {
      return bad("query parameter 'bom': the package's files are UTF-8 without a byte order mark");
    } else if (k == "cursor" || k == "limit") {
      return bad("query parameter '" + k + "': a CSV holds every matching record");
    } else {
      filters.emplace_back(k, v);
    }
  }
  auto query = parse_convention_query(filters);
  if (!query) return std::move(query).error();
  if (!query->region.empty()) {
    bool known = false;
    const std::string wanted = fold_region(query->region);
    for (const Departement& d : all_departements()) known = known || fold_region(d.region) == wanted;
    if (!known) return bad("query parameter 'region': no region '" + query->region.substr(0, 60) + "'");
  }
  out.query = std::move(*query);
  return out;
}

Result<std::vector<const Convention*>> matching_conventions(const std::vector<Convention>& all,
                                                            ConventionQuery query) {
  std::vector<const Convention*> out;
  query.limit = 500;
  for (;;) {
    auto page = run_convention_query(all, query);
    if (!page) return std::move(page).error();
    out.insert(out.end(), page->items.begin(), page->items.end());
    if (page->next_cursor.empty()) break;
    query.cursor = page->next_cursor;
  }
  return out;
}

std::string render_csv(const std::vector<const Convention*>& records, CsvTable table, bool bom) {
  std::string out = bom ? "\xEF\xBB\xBF" : "";
  std::vector<std::string> header;
  for (const CsvColumn& col : csv_columns(table)) header.emplace_back(col.name);
  csv_row(out, header);
  for (const Convention* c : records) {
    if (table == CsvTable::funding) funding_rows(out, *c);
    else csv_row(out, convention_row(*c));
  }
  return out;
}

}  // namespace conventiond
