#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <conventiond/plugin_host/install_layout.hpp>

using namespace conventiond;
namespace fs = std::filesystem;

namespace {

struct Tree {
  fs::path root = fs::temp_directory_path() / ("cvd-layout-" + std::to_string(::getpid()));
  Tree() {
    fs::remove_all(root);
    fs::create_directories(root);
  }
  ~Tree() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  fs::path file(const fs::path& rel) const {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << "x";
    return root / rel;
  }
};

}  // namespace

TEST_CASE("an installed binary finds its plugins and config relative to its prefix", "[install]") {
  Tree t;
  const fs::path exe = t.file("opt/cvd/bin/conventiond");
  fs::create_directories(t.root / "opt/cvd/lib/conventiond/plugins");
  // A CMakeCache.txt further up does not make it a build tree: the installed layout wins.
  t.file("CMakeCache.txt");
  const InstallLayout l = install_layout_of(exe);
  CHECK(l.installed);
  CHECK(l.plugin_dir == t.root / "opt/cvd/lib/conventiond/plugins");
  CHECK(l.config_file == t.root / "opt/cvd/etc/conventiond/conventiond.toml");
}

TEST_CASE("under /usr the config is in /etc/conventiond (FHS)", "[install]") {
  const InstallLayout l = install_layout_of("/usr/bin/conventiond");
  CHECK(l.installed);
  CHECK(l.plugin_dir == fs::path("/usr/lib/conventiond/plugins"));
  CHECK(l.config_file == fs::path("/etc/conventiond/conventiond.toml"));
}

TEST_CASE("a build-tree binary finds the build's plugins, wherever the tree is", "[install]") {
  Tree t;
  t.file("b/CMakeCache.txt");
  const InstallLayout top = install_layout_of(t.file("b/conventiond"));
  CHECK_FALSE(top.installed);
  CHECK(top.plugin_dir == t.root / "b/plugins");
  CHECK(top.config_file == fs::path("config/conventiond.toml"));
  // A test executable deeper in the same tree.
  const InstallLayout test = install_layout_of(t.file("b/tests/config/config_tests"));
  CHECK_FALSE(test.installed);
  CHECK(test.plugin_dir == t.root / "b/plugins");
}

TEST_CASE("this test process is in the build tree: the build's plugins", "[install]") {
  const InstallLayout& l = install_layout();
  CHECK_FALSE(l.installed);
  CHECK(fs::equivalent(l.plugin_dir, CONVENTIOND_PLUGIN_DIR));
}
