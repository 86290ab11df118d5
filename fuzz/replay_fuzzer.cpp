// libFuzzer target for the connector test kit's replay sets (include/conventiond/testkit/
// replay.hpp): the input is read as a HAR file and as a replay folder's index.json. Either
// loads, and then every saved entry answers, or it is an Error naming the file; never a
// crash, a hang or an exception.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <conventiond/testkit/replay.hpp>

namespace {

const std::filesystem::path& work_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("replay-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::ofstream(d / "body.html") << "<p>a saved body</p>";
    return d;
  }();
  return dir;
}

void check(const conventiond::Result<conventiond::testkit::ReplaySet>& set, const std::string& name) {
  if (!set) {
    if (set.error().message.find(name) == std::string::npos) std::abort();  // names its input
    return;
  }
  for (const char* url : {"https://example.org/", "http://127.0.0.1/a", ""}) {
    (void)set->answer("GET", url);
    (void)set->answer("POST", url, "x=1");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path& dir = work_dir();
  {
    std::ofstream(dir / "input.har", std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  check(conventiond::testkit::ReplaySet::load_har(dir / "input.har"), "input.har");
  std::filesystem::copy_file(dir / "input.har", dir / "index.json",
                             std::filesystem::copy_options::overwrite_existing);
  check(conventiond::testkit::ReplaySet::load_folder(dir), "index.json");
  return 0;
}
