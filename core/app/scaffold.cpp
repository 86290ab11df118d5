#include "scaffold.hpp"

#include <cctype>
#include <fstream>
#include <system_error>

namespace conventiond::app {
namespace {

namespace fs = std::filesystem;

// my_source -> MySource
std::string class_name(std::string_view name) {
  std::string out;
  bool up = true;
  for (const char c : name) {
    if (c == '_') {
      up = true;
      continue;
    }
    out.push_back(up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    up = false;
  }
  return out + "Connector";
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

std::string connector_name_problem(std::string_view name) {
  if (name.empty()) return "a connector name is needed";
  if (name.size() > 64) return "'" + std::string(name) + "' is longer than 64 characters";
  if (std::islower(static_cast<unsigned char>(name.front())) == 0) {
    return "'" + std::string(name) + "' must start with a lower-case letter (a-z)";
  }
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::islower(u) == 0 && std::isdigit(u) == 0 && c != '_') {
      return "'" + std::string(name) +
             "' is not a plugin name: lower-case letters, digits and '_' only";
    }
  }
  return {};
}

Result<fs::path> write_connector_project(std::string_view name, const fs::path& parent) {
  if (const std::string problem = connector_name_problem(name); !problem.empty()) {
    return Error::make("usage", problem);
  }
  const fs::path dir = parent / std::string(name);
  std::error_code ec;
  if (fs::exists(dir, ec) || fs::is_symlink(dir, ec)) {
    return Error::make("exists", dir.string() +
                                     " already exists: nothing written (choose another "
                                     "name or --dir)");
  }
  const std::string klass = class_name(name);
  for (std::size_t i = 0; i < kScaffoldFileCount; ++i) {
    const ScaffoldFile& f = kScaffoldFiles[i];
    const fs::path to = dir / f.path;
    fs::create_directories(to.parent_path(), ec);
    if (ec)
      return Error::make("io", to.parent_path().string() + ": cannot be created: " + ec.message());
    std::string text =
        replace_all(std::string(reinterpret_cast<const char*>(f.data), f.size), "@NAME@", name);
    text = replace_all(std::move(text), "@CLASS@", klass);
    std::ofstream out(to, std::ios::binary);
    out << text;
    if (!out) return Error::make("io", to.string() + ": cannot be written");
  }
  return dir;
}

}  // namespace conventiond::app
