#pragma once
// Saved responses for testing a connector without the network (`conventiond connector test
// --replay`, the shipped connectors' tests): a replay folder or a HAR 1.2 file, read into one
// set, and the writer of the folder (`--record`). docs/writing-a-connector.md describes both
// formats.
//
// A replay folder holds index.json and the bodies, one file each:
//
//   {"format": "conventiond-replay/1",
//    "responses": [
//      {"method": "GET", "url": "https://www.nord.gouv.fr/rss.xml", "status": 200,
//       "headers": {"content-type": "application/rss+xml"}, "body_file": "rss.xml"}]}
//
// Optional members of an entry: "final_url" (after redirects), "request_body_sha256" (hex
// SHA-256 of a POST body, to tell apart POSTs to one URL). A 3xx entry with a Location header
// is followed, as in a HAR file, where redirects are entries of their own.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <conventiond/result.hpp>
#include <conventiond/sdk/messages.hpp>

namespace conventiond::testkit {

inline constexpr std::string_view kReplayFormat = "conventiond-replay/1";

struct SavedResponse {
  std::string method = "GET";       // upper case
  std::string url;                  // as requested
  std::string request_body_sha256;  // "" matches any body
  int status = 200;
  sdk::Headers headers;  // names in lower case, in saved order
  std::string body;
  std::string final_url;  // "" = url
  std::string origin;     // where it was read ("index.json entry 2", "x.har entry 5")
};

class ReplaySet {
 public:
  // A folder (its index.json) or a HAR file (any other file). Errors (code "replay") name the
  // file, the entry and the member at fault.
  static Result<ReplaySet> load(const std::filesystem::path& folder_or_har);
  static Result<ReplaySet> load_folder(const std::filesystem::path& folder);
  static Result<ReplaySet> load_har(const std::filesystem::path& file);

  // The saved answer to a request, its redirects followed (at most 10): the response the
  // connector sees (url = the final URL, meta empty). An Error (code "missing") naming the
  // method, the URL and the set when there is none.
  Result<sdk::Response> answer(std::string_view method, std::string_view url,
                               std::string_view body = {}) const;

  // The saved entry for exactly this request, redirects not followed; nullptr when none.
  const SavedResponse* find(std::string_view method, std::string_view url,
                            std::string_view body = {}) const;

  const std::vector<SavedResponse>& responses() const { return responses_; }
  const std::string& name() const { return name_; }  // the folder or file, for messages

 private:
  std::vector<SavedResponse> responses_;
  std::string name_;
};

// Writes a replay folder: one body file per response, named by a hash of method and URL,
// then index.json at finish(). The folder must not exist or be empty.
class ReplayRecorder {
 public:
  static Result<ReplayRecorder> create(const std::filesystem::path& folder);

  // Saves one response (a later one for the same method, URL and body replaces it).
  Status add(SavedResponse response);
  // Writes index.json; the folder is a replay folder from then on.
  Status finish() const;

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    SavedResponse response;
    std::string body_file;
  };
  std::filesystem::path folder_;
  std::vector<Entry> entries_;
};

}  // namespace conventiond::testkit
