#include <conventiond/plugin_host/install_layout.hpp>

#include <system_error>

namespace conventiond {
namespace {

namespace fs = std::filesystem;

bool directory_exists(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// The configuration file of an installation under prefix (GNUInstallDirs' sysconfdir rule).
fs::path installed_config(const fs::path& prefix) {
  const fs::path etc = prefix == "/usr" ? fs::path("/etc") : prefix / "etc";
  return etc / "conventiond" / "conventiond.toml";
}

}  // namespace

InstallLayout install_layout_of(const fs::path& exe) {
  const fs::path bindir = exe.parent_path();
  InstallLayout layout;
  const fs::path shipped = (bindir / CONVENTIOND_PLUGIN_DIR_FROM_BINDIR).lexically_normal();
  fs::path prefix = (bindir / "..").lexically_normal();  // "/usr/bin/.." is "/usr/"
  if (prefix.filename().empty() && prefix != prefix.root_path()) prefix = prefix.parent_path();
  if (directory_exists(shipped)) {
    layout.installed = true;
    layout.plugin_dir = shipped;
    layout.config_file = installed_config(prefix);
    return layout;
  }
  for (fs::path dir = bindir; !dir.empty(); dir = dir.parent_path()) {
    if (file_exists(dir / "CMakeCache.txt")) {
      layout.plugin_dir = dir / "plugins";
      layout.config_file = fs::path("config") / "conventiond.toml";
      return layout;
    }
    if (dir == dir.root_path()) break;
  }
  layout.installed = true;
  layout.plugin_dir = shipped;
  layout.config_file = installed_config(prefix);
  return layout;
}

const InstallLayout& install_layout() {
  static const InstallLayout layout = [] {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) exe = fs::current_path(ec) / "conventiond";
    return install_layout_of(exe);
  }();
  return layout;
}

}  // namespace conventiond
