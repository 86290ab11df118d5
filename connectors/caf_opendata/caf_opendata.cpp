// caf_opendata: territorial indicators from the CAF open-data portal (data.caf.fr, an
// OpenDataSoft portal): households receiving the RSA, persons covered, amounts, per
// département and month.
//
// start() asks for the first page of each configured dataset; each page tells how many
// records there are, and the first one asks for the others at once (or, past the portal's
// 10,000-record paging limit, for the CSV export instead). Every page maps its records to
// indicators through the dataset's field mapping; a page with a bad record emits one error
// and no indicator. See README.md and connectors/common/opendatasoft.hpp.

#include <string>
#include <utility>
#include <vector>

#include <conventiond/sdk/connector.hpp>

#include "../common/opendatasoft.hpp"

namespace sdk = conventiond::sdk;
namespace feeds = conventiond::feeds;

namespace {

constexpr const char* kName = "caf_opendata";
constexpr const char* kVersion = "1.0.0";

constexpr sdk::ConfigKey kConfig[] = {
    sdk::string_key("base_url", "Address of the OpenDataSoft portal")
        .default_json("\"https://data.caf.fr\""),
    sdk::table_key("datasets",
                   "Datasets to read, one table each (dataset id, api, field mapping); see "
                   "README.md")
        .required(),
    sdk::integer_key("page_size", "Records per page of the records APIs")
        .default_json("100")
        .range(1, 100),
    sdk::integer_key("max_records",
                     "Paging limit of the portal (offset + limit): a larger dataset is read "
                     "through its CSV export")
        .default_json("10000")
        .range(1, 10000),
    sdk::integer_key("max_pages", "Most pages per dataset before the export is used instead")
        .default_json("1000")
        .range(1, 100000),
    sdk::string_list_key("departements", "INSEE codes of the départements to keep (all when empty)")
        .default_json("[]"),
};

// The RSA datasets of data.caf.fr: one row per département and month.
feeds::DatasetSpec rsa_defaults() {
  feeds::DatasetSpec d;
  d.departement_field = "numdep";
  d.period_field = "dtreffre";
  d.period = feeds::PeriodKind::month;
  d.order_by = "dtreffre,numdep";
  const std::string rounded = "counts rounded to 5";
  d.values = {
      {"indfoy_rsa", "caf.foyers_rsa", "foyers", rounded},
      {"indnbp_rsa", "caf.personnes_couvertes_rsa", "personnes", rounded},
      {"indmtt_rsa", "caf.montant_rsa", "euros", ""},
  };
  d.not_departement = {"Total", "France", "France entière", "Total France", "TOTAL"};
  return d;
}

class CafOpendata final : public sdk::SourceConnector {
 public:
  explicit CafOpendata(const sdk::Config& config) : feed_(make_feed(config)) {}

  void start(sdk::Context& ctx) override { feed_.start(ctx); }

  void parse(const sdk::Response& response, sdk::Context& ctx) override {
    feed_.parse(response, ctx);
  }

 private:
  static feeds::OdsFeed make_feed(const sdk::Config& config) {
    auto datasets = feeds::datasets_from_config(config.find("datasets"), rsa_defaults());
    if (!datasets.ok()) throw sdk::Failure(datasets.error().message);
    if (datasets->empty()) throw sdk::Failure("datasets: no dataset to read");
    auto departements = feeds::departements_from_config(config.string_list("departements"));
    if (!departements.ok()) throw sdk::Failure(departements.error().message);
    feeds::FeedSettings s;
    s.connector = kName;
    s.connector_version = kVersion;
    s.base_url = config.string("base_url");
    s.page_size = config.integer("page_size");
    s.max_records = config.integer("max_records");
    s.max_pages = config.integer("max_pages");
    s.departements = std::move(*departements);
    return feeds::OdsFeed(std::move(s), std::move(*datasets));
  }

  feeds::OdsFeed feed_;
};

}  // namespace

CONVENTIOND_SOURCE_PLUGIN(CafOpendata, "caf_opendata", "1.0.0",
                          "CAF open data (data.caf.fr): RSA households, persons and amounts per "
                          "département and month",
                          kConfig);
