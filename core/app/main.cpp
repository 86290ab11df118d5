// conventiond: the command-line entry point, kept lean. `extract` of a local file runs here,
// linked with the extractor alone (poppler, gumbo, pugixml, Boost.JSON); every other command
// (and `extract` of a URL) is in libconventiond_cli.so, loaded on demand. So the most frequent
// one-shot command does not pay, at every start, for the 30-odd shared libraries that libcurl,
// libpq and SQLite bring (issue 12: process start was a fifth of a PDF's extraction).
#include <dlfcn.h>
#include <unistd.h>

#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cli_extract.hpp"
#include "cli_main.hpp"

namespace {

namespace fs = std::filesystem;

// Where libconventiond_cli.so is: next to the executable (build tree), or where `cmake
// --install` puts it relative to the executable (CONVENTIOND_CLI_LIBRARY_RELPATH).
std::vector<fs::path> library_candidates() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  const fs::path dir = ec ? fs::path(".") : exe.parent_path();
  return {dir / "libconventiond_cli.so", dir / CONVENTIOND_CLI_LIBRARY_RELPATH};
}

int run_full(int argc, char** argv) {
  std::string tried;
  for (const fs::path& candidate : library_candidates()) {
    std::error_code ec;
    if (!fs::exists(candidate, ec)) {
      tried += (tried.empty() ? "" : ", ") + candidate.string();
      continue;
    }
    void* handle = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = ::dlerror();
      std::cerr << "conventiond: cannot load " << candidate.string() << ": "
                << (why != nullptr ? why : "unknown error") << "\n";
      return 1;
    }
    using Entry = int (*)(int, char**);
    auto* entry = reinterpret_cast<Entry>(::dlsym(handle, kConventiondCliMain));
    if (entry == nullptr) {
      std::cerr << "conventiond: " << candidate.string() << " has no " << kConventiondCliMain
                << " (a library of another version?)\n";
      return 1;
    }
    return entry(argc, argv);  // never unloaded: its threads and statics live to exit
  }
  std::cerr << "conventiond: the command library libconventiond_cli.so is missing (looked at "
            << tried << "); reinstall conventiond\n";
  return 1;
}

bool is_url(std::string_view a) {
  return a.rfind("http://", 0) == 0 || a.rfind("https://", 0) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view command = argc > 1 ? argv[1] : "";
  if (command == "version" || command == "--version") {
    std::cout << "conventiond " << CONVENTIOND_VERSION << "\n";
    return 0;
  }
  if (command == "extract") {
    const std::vector<std::string> args(argv + 2, argv + argc);
    bool url = false;
    for (const std::string& a : args) url = url || is_url(a);
    if (!url) {
      try {
        return conventiond::app::run_extract_command(args, std::cout, std::cerr);
      } catch (const std::exception& e) {
        std::cerr << "conventiond: " << e.what() << "\n";
        return 1;
      }
    }
  }
  return run_full(argc, argv);
}
