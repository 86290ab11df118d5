#pragma once
// Where this conventiond finds its shipped plugins and its default config, from the location
// of the executable (never from a path compiled in when it was built), so that an installed
// binary and a build-tree binary each find their own (docs/install.md):
//
//   installed   PREFIX/bin/conventiond: plugins in PREFIX/lib/conventiond/plugins (the
//               relative path is compiled in: CONVENTIOND_PLUGIN_DIR_FROM_BINDIR); config
//               /etc/conventiond/conventiond.toml when PREFIX is /usr, else
//               PREFIX/etc/conventiond/conventiond.toml (the rule of GNUInstallDirs).
//   build tree  BUILD/conventiond, or a test executable below BUILD (the nearest directory up
//               holding CMakeCache.txt): plugins in BUILD/plugins; config
//               config/conventiond.toml, relative to the working directory (as before).
//
// An executable that is neither gets the installed layout, whose plugin directory then does
// not exist (and the errors name it).

#include <filesystem>

namespace conventiond {

struct InstallLayout {
  bool installed = false;             // false: a build tree
  std::filesystem::path plugin_dir;   // the shipped plugins, always loaded
  std::filesystem::path config_file;  // `serve` and `run` without --config
};

// The layout of the executable exe (an absolute path).
InstallLayout install_layout_of(const std::filesystem::path& exe);

// This process's (/proc/self/exe), worked out once.
const InstallLayout& install_layout();

}  // namespace conventiond
