#!/usr/bin/env bash
# The Debian packages (cmake/ConventiondPackaging.cmake), made by cpack from BUILD_DIR:
# - conventiond_VERSION_amd64.deb holds the binary, its command library, the shipped plugins,
#   the man pages, the systemd unit, the config as a conffile and a postinst making the
#   `conventiond` system user; extracted into a temporary root (dpkg-deb -x, no root needed),
#   its binary lists the plugins of that root (not of the build tree) and passes check-config
#   on that root's config;
# - conventiond-dev_VERSION_all.deb holds the SDK, and the out-of-tree example plugin builds
#   against it alone and loads in the extracted binary.
#   usage: deb_package.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in cpack dpkg-deb; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt install cmake dpkg)"
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conventiond-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
version=$(sed -nE 's/^CMAKE_PROJECT_VERSION:STATIC=(.*)/\1/p' "$build/CMakeCache.txt")
[ -n "$version" ] || fail "no project version in $build/CMakeCache.txt"

start=$(date +%s)
(cd "$build" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) \
  || fail "cpack failed: $(tail -n 30 "$tmp/cpack.log")"
deb="$tmp/out/conventiond_${version}_amd64.deb"
dev="$tmp/out/conventiond-dev_${version}_all.deb"
[ -f "$deb" ] || fail "no $(basename "$deb"); made: $(ls "$tmp/out")"
[ -f "$dev" ] || fail "no $(basename "$dev"); made: $(ls "$tmp/out")"
echo "cpack: $(( $(date +%s) - start )) s; $(basename "$deb") $(du -k "$deb" | cut -f1) KiB," \
     "$(basename "$dev") $(du -k "$dev" | cut -f1) KiB"

# 1. Control data: name, dependencies, maintainer scripts, the conffile.
info=$(dpkg-deb -I "$deb")
grep -qE '^ Package: conventiond$' <<<"$info" || fail "package name: $info"
grep -qE "^ Version: ${version}$" <<<"$info" || fail "version: $info"
grep -qE '^ Depends: .*adduser' <<<"$info" || fail "no Depends on adduser: $info"
grep -qE '^ Depends: .*libc6' <<<"$info" || fail "no Depends on libc6 (shared library dependencies): $info"
grep -qE '^ Depends: .*libzip4' <<<"$info" || fail "no Depends on libzip4 (GET /v1/export's ZIP): $info"
[ "$(dpkg-deb -I "$deb" conffiles)" = "/etc/conventiond/conventiond.toml" ] \
  || fail "conffiles: $(dpkg-deb -I "$deb" conffiles 2>&1)"
dpkg-deb -I "$deb" postinst | grep -q "adduser --system --group" || fail "postinst does not add the system user"
dpkg-deb -I "$deb" postinst | grep -q "/var/lib/conventiond" || fail "postinst does not make /var/lib/conventiond"

# 2. Contents.
contents=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for path in ./usr/bin/conventiond ./usr/lib/conventiond/libconventiond_cli.so \
            ./usr/lib/conventiond/plugins/press_releases.so ./usr/lib/conventiond/plugins/jsonl_sink.so \
            ./usr/share/man/man1/conventiond.1.gz ./usr/share/man/man5/conventiond.toml.5.gz \
            ./lib/systemd/system/conventiond.service ./etc/conventiond/conventiond.toml; do
  grep -qxF "$path" <<<"$contents" || fail "$path is not in the package: $contents"
done
if grep -q "include/" <<<"$contents"; then fail "SDK headers in the daemon package"; fi
dev_contents=$(dpkg-deb -c "$dev" | awk '{print $NF}')
for path in ./usr/include/conventiond/sdk/plugin_abi.h ./usr/include/conventiond/sdk/connector.hpp \
            ./usr/lib/cmake/conventiond/conventiondConfig.cmake; do
  grep -qxF "$path" <<<"$dev_contents" || fail "$path is not in the -dev package: $dev_contents"
done

# 3. The extracted tree runs on its own: its plugins, its config.
root="$tmp/root"
dpkg-deb -x "$deb" "$root"
dpkg-deb -x "$dev" "$root"
grep -qx 'ExecStart=/usr/bin/conventiond serve --config /etc/conventiond/conventiond.toml' \
  "$root/lib/systemd/system/conventiond.service" || fail "the unit's ExecStart: $(grep ExecStart "$root/lib/systemd/system/conventiond.service")"
list=$("$root/usr/bin/conventiond" plugins list 2>&1) || fail "plugins list failed: $list"
echo "$list"
shipped=0
for so in "$build"/plugins/*.so; do
  name=$(basename "$so" .so)
  # The file column is the extracted tree's copy, not the build tree's.
  line=$(awk -v f="$root/usr/lib/conventiond/plugins/$name.so" '$NF == f' <<<"$list")
  [ -n "$line" ] || fail "$name.so is not listed from $root/usr/lib/conventiond/plugins"
  shipped=$((shipped + 1))
done
[ "$shipped" -ge 9 ] || fail "only $shipped shipped plugins in $build/plugins"
if grep -qF "$build" <<<"$list"; then fail "plugins list shows the build tree: $list"; fi
check=$("$root/usr/bin/conventiond" check-config "$root/etc/conventiond/conventiond.toml" 2>&1) \
  || fail "check-config of the packaged config: $check"
grep -q ": valid (2 job(s), 0 sink(s), store sqlite:/var/lib/conventiond/conventiond.db)" <<<"$check" \
  || fail "check-config: $check"
echo "$check"
# A third-party directory in [plugins] dirs holding a shipped plugin's copy: refused, both named.
mkdir -p "$tmp/third"
cp "$root/usr/lib/conventiond/plugins/jsonl_sink.so" "$tmp/third/my_sink.so"
printf '[plugins]\ndirs = ["%s"]\n' "$tmp/third" > "$tmp/dup.toml"
set +e
dup=$("$root/usr/bin/conventiond" check-config "$tmp/dup.toml" 2>&1)
rc=$?
set -e
[ "$rc" = 2 ] || fail "a duplicate plugin name: exit status $rc: $dup"
grep -qF "two plugins are named 'jsonl_sink': $root/usr/lib/conventiond/plugins/jsonl_sink.so and $tmp/third/my_sink.so" <<<"$dup" \
  || fail "the duplicate is not reported with both files: $dup"

# 4. The SDK of the -dev package alone builds the out-of-tree example, which the packaged
#    binary loads.
generator=""
if command -v ninja >/dev/null 2>&1; then generator="-GNinja"; fi
cmake -S "$src/tests/out_of_tree" -B "$tmp/oot" $generator -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$root/usr" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$tmp/oot.log" 2>&1 \
  || fail "configuring the out-of-tree plugin against the -dev package: $(tail -n 20 "$tmp/oot.log")"
grep -q "conventiond_DIR:PATH=$root/usr/lib/cmake/conventiond" "$tmp/oot/CMakeCache.txt" \
  || fail "find_package(conventiond) did not use the -dev package: $(grep conventiond_DIR "$tmp/oot/CMakeCache.txt")"
cmake --build "$tmp/oot" >>"$tmp/oot.log" 2>&1 || fail "building the out-of-tree plugin: $(tail -n 20 "$tmp/oot.log")"
oot=$("$root/usr/bin/conventiond" plugins list --plugin-dir "$tmp/oot/plugins" 2>&1) || fail "oot plugin: $oot"
grep -q "^oot_example " <<<"$oot" || fail "the out-of-tree plugin is not listed: $oot"
# plugins list with a config: the shipped plugins, then its [plugins] dirs; a name taken twice
# is an error naming both files (exit 1).
printf '[plugins]\ndirs = ["%s"]\n' "$tmp/oot/plugins" >"$tmp/third.toml"
both=$("$root/usr/bin/conventiond" plugins list --config "$tmp/third.toml" 2>&1) || fail "plugins list --config: $both"
awk -v f="$tmp/oot/plugins/oot_example.so" '$1 == "oot_example" && $NF == f {found=1} END {exit !found}' <<<"$both" \
  || fail "plugins list --config does not list the config's directory: $both"
grep -q "$root/usr/lib/conventiond/plugins/press_releases.so" <<<"$both" || fail "plugins list --config: no shipped plugins: $both"
set +e
dup_list=$("$root/usr/bin/conventiond" plugins list --config "$tmp/dup.toml" 2>&1)
rc=$?
set -e
[ "$rc" = 1 ] || fail "plugins list with a name taken twice: exit status $rc: $dup_list"
grep -qF "$tmp/third/my_sink.so" <<<"$dup_list" || fail "plugins list does not name the second file: $dup_list"
# 5. The extracted tree serves the demo (config/demo.toml, its site on a loopback port, the
#    store in the temporary root): the same ExecStart as the unit's, by hand, with the
#    connectors in the packaged binary's own worker processes.
#    The site's pages name their own address (127.0.0.1:18765): a copy is served on a free
#    port, its addresses rewritten to it.
cp -r "$src/demo/site" "$tmp/site"
python3 -m http.server 0 --bind 127.0.0.1 --directory "$tmp/site" >"$tmp/site.log" 2>&1 &
site_pid=$!
daemon_pid=""
trap 'kill "$site_pid" ${daemon_pid:+"$daemon_pid"} 2>/dev/null || true; rm -rf "$tmp"' EXIT
site_port=""
for _ in $(seq 1 100); do
  site_port=$(sed -nE 's/.*port ([0-9]+).*/\1/p' "$tmp/site.log" | head -n 1)
  [ -n "$site_port" ] && break
  sleep 0.1
done
[ -n "$site_port" ] || fail "the demo site did not start: $(cat "$tmp/site.log")"
grep -rlF "127.0.0.1:18765" "$tmp/site" | while read -r f; do
  sed -i "s#127.0.0.1:18765#127.0.0.1:$site_port#g" "$f"
done
sed -e "s#127.0.0.1:18765#127.0.0.1:$site_port#g" -e "s#sqlite:../var/demo.db#sqlite:$tmp/demo.db#" \
    -e 's#listen = "127.0.0.1:8080"#listen = "127.0.0.1:0"#' "$src/config/demo.toml" >"$tmp/demo.toml"
"$root/usr/bin/conventiond" serve --config "$tmp/demo.toml" >"$tmp/serve.log" 2>&1 &
daemon_pid=$!
api=""
for _ in $(seq 1 200); do
  api=$(sed -nE 's#.*listening on (http://127\.0\.0\.1:[0-9]+).*#\1#p' "$tmp/serve.log" | head -n 1)
  [ -n "$api" ] && break
  sleep 0.1
done
[ -n "$api" ] || fail "the packaged daemon did not listen: $(cat "$tmp/serve.log")"
grep -q "worker process" "$tmp/serve.log" || fail "no worker processes: $(cat "$tmp/serve.log")"
count=0
deadline=$(( $(date +%s) + 120 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  count=$(python3 -c 'import json,sys,urllib.request; print(len(json.load(urllib.request.urlopen(sys.argv[1] + "/v1/conventions", timeout=5))["items"]))' "$api" 2>/dev/null || echo 0)
  [ "$count" -ge 5 ] && break
  sleep 0.5
done
[ "$count" -ge 5 ] || fail "the packaged daemon serves $count conventions of the demo, not 5: $(cat "$tmp/serve.log")"
kill -TERM "$daemon_pid"
set +e
wait "$daemon_pid"
rc=$?
set -e
daemon_pid=""
[ "$rc" = 0 ] || fail "the packaged daemon exited $rc on SIGTERM: $(tail -n 20 "$tmp/serve.log")"
echo "the packaged daemon served the demo's $count conventions"
installed_kib=$(du -sk "$root" | cut -f1)
echo "deb packages: ok in $(( $(date +%s) - start )) s; $(basename "$deb") $(du -k "$deb" | cut -f1) KiB," \
     "installed (both packages) $installed_kib KiB"
