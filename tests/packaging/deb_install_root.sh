#!/usr/bin/env bash
# The Debian package installed for real: a fresh Debian 12 root (debootstrap --variant=minbase),
# `apt-get install ./conventiond_VERSION_amd64.deb` in it (apt resolves the dependencies from
# Debian, the maintainer scripts run: the system user, the state directory, the config's mode),
# then the service started as systemd would start it from the installed unit, by hand, since
# systemd cannot boot here: the unit's User=, Group=, WorkingDirectory=, UMask=, LimitNOFILE=,
# NoNewPrivileges= and ExecStart= line as written, a NOTIFY_SOCKET that must receive READY=1
# (Type=notify) and WATCHDOG=1 pings (WatchdogSec=, shortened to 2 s), ExecReload (SIGHUP)
# answered by RELOADING=1 then READY=1, and SIGTERM within TimeoutStopSec=. Between start and
# stop the installed service serves the demo (the demo's jobs added to the installed config, as
# an operator would edit it), then `apt-get purge` removes the package and its state.
#
#   usage: deb_install_root.sh BUILD_DIR SOURCE_DIR
# Needs root (chroot, a private mount namespace with unshare), debootstrap, and the Debian
# mirror for the first run; the base root and the downloaded packages are cached in
# ${CONVENTIOND_ROOT_CACHE:-$HOME/.cache/conventiond} (later runs: about 15 s, offline but for
# `apt-get update`). Exit 77 (skipped) when not root.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: installing the package into a Debian root needs root (chroot, mount namespace)"
  exit 77
fi
for tool in cpack debootstrap unshare chroot python3; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/setup-deps.sh --test installs it)"
done
start=$(date +%s)
cache=${CONVENTIOND_ROOT_CACHE:-$HOME/.cache/conventiond}
mkdir -p "$cache/apt-archives/partial"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conventiond-root.XXXXXX")
site_pid=""
notify_pid=""
cleanup() {
  kill ${site_pid:+"$site_pid"} ${notify_pid:+"$notify_pid"} 2>/dev/null || true
  # Nothing is mounted outside the private namespaces; a daemon left running would be killed
  # by its namespace's end. The root's files are plain files.
  rm -rf "$tmp"
}
trap cleanup EXIT

version=$(sed -nE 's/^CMAKE_PROJECT_VERSION:STATIC=(.*)/\1/p' "$build/CMakeCache.txt")
[ -n "$version" ] || fail "no project version in $build/CMakeCache.txt"
(cd "$build" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) \
  || fail "cpack failed: $(tail -n 30 "$tmp/cpack.log")"
deb="$tmp/out/conventiond_${version}_amd64.deb"
[ -f "$deb" ] || fail "no $(basename "$deb"); made: $(ls "$tmp/out")"

# 1. A fresh Debian 12 root: made once by debootstrap and kept as a tar file.
base="$cache/bookworm-minbase.tar"
if [ ! -f "$base" ]; then
  mirror=$(sed -nE 's#^URIs: (http[^ ]*/debian)$#\1#p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "making a Debian 12 root with debootstrap from $mirror (once; cached in $base)"
  debootstrap --variant=minbase bookworm "$tmp/base" "$mirror" >"$tmp/debootstrap.log" 2>&1 \
    || fail "debootstrap: $(tail -n 20 "$tmp/debootstrap.log")"
  tar -C "$tmp/base" -cf "$base.part" . && mv "$base.part" "$base"
  rm -rf "$tmp/base"
fi
root="$tmp/root"
mkdir -p "$root"
tar -C "$root" -xf "$base"
cp "$deb" "$root/tmp/"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

# Runs a command in the root, in a private mount namespace (/proc, /dev and the package cache
# mounted there only, gone with it).
in_root() {
  unshare --mount --fork -- sh -c '
    root=$1; cache=$2; shift 2
    mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev" &&
    mount --bind "$cache" "$root/var/cache/apt/archives" &&
    exec chroot "$root" "$@"' sh "$root" "$cache/apt-archives" "$@"
}

# 2. apt installs the package and what it depends on; the maintainer scripts run.
in_root sh -c "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq &&
  apt-get install -y -qq --no-install-recommends /tmp/$(basename "$deb")" >"$tmp/apt.log" 2>&1 \
  || fail "apt-get install of the package in a fresh Debian 12 root: $(tail -n 30 "$tmp/apt.log")"
echo "installed in a fresh Debian 12 root: $(grep -c '^Setting up' "$tmp/apt.log") packages set up"
grep -q "^Setting up conventiond (${version})" "$tmp/apt.log" || fail "conventiond was not set up: $(tail -n 20 "$tmp/apt.log")"
uid=$(awk -F: '$1 == "conventiond" {print $3}' "$root/etc/passwd")
gid=$(awk -F: '$1 == "conventiond" {print $3}' "$root/etc/group")
[ -n "$uid" ] && [ -n "$gid" ] || fail "the postinst made no conventiond user and group"
[ "$uid" -lt 1000 ] || fail "conventiond is not a system user (uid $uid)"
[ "$(stat -c '%u:%g %a' "$root/var/lib/conventiond")" = "$uid:$gid 750" ] \
  || fail "/var/lib/conventiond: $(stat -c '%u:%g %a' "$root/var/lib/conventiond")"
[ "$(stat -c '%u:%g %a' "$root/etc/conventiond/conventiond.toml")" = "0:$gid 640" ] \
  || fail "/etc/conventiond/conventiond.toml: $(stat -c '%u:%g %a' "$root/etc/conventiond/conventiond.toml")"
list=$(in_root /usr/bin/conventiond plugins list 2>&1) || fail "plugins list in the root: $list"
grep -q "/usr/lib/conventiond/plugins/press_releases.so" <<<"$list" || fail "plugins list: $list"

# 3. The demo's jobs in the installed config (its site served on a free loopback port), the
#    API on a free port; check-config as the service user.
cp -r "$src/demo/site" "$tmp/site"
python3 -m http.server 0 --bind 127.0.0.1 --directory "$tmp/site" >"$tmp/site.log" 2>&1 &
site_pid=$!
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
conf="$root/etc/conventiond/conventiond.toml"
sed -i 's#^listen = "127.0.0.1:8080"#listen = "127.0.0.1:0"#' "$conf"
sed -n '/^\[jobs\.demo_communiques\]/,$p' "$src/config/demo.toml" \
  | sed "s#127.0.0.1:18765#127.0.0.1:$site_port#g" >>"$conf"
as_user=(setpriv --reuid="$uid" --regid="$gid" --init-groups)
check=$(in_root "${as_user[@]}" /usr/bin/conventiond check-config /etc/conventiond/conventiond.toml 2>&1) \
  || fail "check-config as the conventiond user: $check"
grep -q "valid (5 job(s)" <<<"$check" || fail "check-config: $check"
echo "$check"

# 4. The unit's own lines, and its ExecStart run as the unit says.
unit="$root/lib/systemd/system/conventiond.service"
[ -f "$unit" ] || fail "no unit at /lib/systemd/system/conventiond.service"
key() { sed -nE "s/^$1=(.*)/\1/p" "$unit" | tail -n 1; }
exec_start=$(key ExecStart)
[ "$(key Type)" = notify ] || fail "Type=$(key Type)"
[ "$(key User)" = conventiond ] && [ "$(key Group)" = conventiond ] || fail "User/Group: $(key User)/$(key Group)"
workdir=$(key WorkingDirectory)
umask_value=$(key UMask)
nofile=$(key LimitNOFILE)
[ "$(key NoNewPrivileges)" = yes ] || fail "NoNewPrivileges=$(key NoNewPrivileges)"
[ "$(key ExecReload)" = '/bin/kill -HUP $MAINPID' ] || fail "ExecReload=$(key ExecReload)"
stop_timeout=$(key TimeoutStopSec | tr -d s)
echo "ExecStart=$exec_start (User=conventiond, WorkingDirectory=$workdir, UMask=$umask_value)"

# The notify socket systemd would listen on: every datagram, one per line (\n inside → ';').
python3 - "$root/run/notify.sock" "$tmp/notify.txt" <<'PY' &
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)
with open(out, "a", buffering=1) as f:
    f.write("listening\n")
    while True:
        f.write(s.recv(4096).decode("utf-8", "replace").replace("\n", ";") + "\n")
PY
notify_pid=$!
for _ in $(seq 1 50); do grep -q listening "$tmp/notify.txt" 2>/dev/null && break; sleep 0.1; done
grep -q listening "$tmp/notify.txt" || fail "the notify socket did not start"

# shellcheck disable=SC2086  # ExecStart is split into words as systemd does (no quotes in it)
# As systemd: limits and umask set as root, then the user, then the working directory.
# (LimitNOFILE= above this container's hard limit is capped to it.)
in_root sh -c 'echo $$ >/run/conventiond.test.pid && { ulimit -n "$1" 2>/dev/null || ulimit -n "$(ulimit -Hn)"; } && umask "$2" && shift 2 &&
               exec "$@"' sh "$nofile" "$umask_value" \
  "${as_user[@]}" --no-new-privs env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  NOTIFY_SOCKET=/run/notify.sock WATCHDOG_USEC=2000000 \
  sh -c 'cd "$1" && shift && exec "$@"' sh "$workdir" $exec_start >"$tmp/serve.log" 2>&1 &
daemon_pid=$!
wait_for() {  # wait_for SECONDS PATTERN FILE
  local deadline=$(( $(date +%s) + $1 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    grep -q "$2" "$3" 2>/dev/null && return 0
    kill -0 "$daemon_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
wait_for 60 "^READY=1" "$tmp/notify.txt" \
  || fail "no READY=1 on the notify socket: $(cat "$tmp/notify.txt") $(cat "$tmp/serve.log")"
api=$(sed -nE 's#.*listening on (http://127\.0\.0\.1:[0-9]+).*#\1#p' "$tmp/serve.log" | head -n 1)
[ -n "$api" ] || fail "the service did not say where it listens: $(cat "$tmp/serve.log")"
grep "^READY=1" "$tmp/notify.txt" | head -n 1
wait_for 10 "^WATCHDOG=1" "$tmp/notify.txt" || fail "no watchdog ping in 10 s: $(cat "$tmp/notify.txt")"
count=0
deadline=$(( $(date +%s) + 120 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  count=$(python3 -c 'import json,sys,urllib.request; print(len(json.load(urllib.request.urlopen(sys.argv[1] + "/v1/conventions", timeout=5))["items"]))' "$api" 2>/dev/null || echo 0)
  [ "$count" -ge 5 ] && break
  sleep 0.5
done
[ "$count" -ge 5 ] || fail "the installed service serves $count conventions of the demo, not 5: $(cat "$tmp/serve.log")"
echo "the installed service serves the demo's $count conventions at $api"
db_owner=$(stat -c '%u' "$root/var/lib/conventiond/conventiond.db" 2>/dev/null || echo none)
[ "$db_owner" = "$uid" ] || fail "the store is not the service user's: owner $db_owner"

# ExecReload: SIGHUP reloads the config (RELOADING=1, then READY=1 again) and the service stays.
main_pid=$(cat "$root/run/conventiond.test.pid")
grep -qa "serve" "/proc/$main_pid/cmdline" || fail "pid $main_pid is not the service: $(tr '\0' ' ' <"/proc/$main_pid/cmdline")"
kill -HUP "$main_pid" || fail "no service process to reload"
wait_for 20 "^RELOADING=1" "$tmp/notify.txt" || fail "SIGHUP: no RELOADING=1: $(cat "$tmp/notify.txt")"
[ "$(grep -c "^READY=1" "$tmp/notify.txt")" -ge 2 ] || sleep 2
[ "$(grep -c "^READY=1" "$tmp/notify.txt")" -ge 2 ] || fail "no READY=1 after the reload: $(cat "$tmp/notify.txt")"
python3 -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1] + "/healthz", timeout=5)' "$api" \
  || fail "the service does not answer after SIGHUP: $(tail -n 20 "$tmp/serve.log")"

# Stop: SIGTERM to the service, which ends within TimeoutStopSec= with status 0.
stop_start=$(date +%s)
kill -TERM "$main_pid"
for _ in $(seq 1 $(( ${stop_timeout:-60} * 10 ))); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$daemon_pid" 2>/dev/null && fail "the service did not stop within TimeoutStopSec=${stop_timeout}s"
set +e
wait "$daemon_pid"
rc=$?
set -e
[ "$rc" = 0 ] || fail "the service exited $rc on SIGTERM: $(tail -n 20 "$tmp/serve.log")"
grep -q "^STOPPING=1" "$tmp/notify.txt" || fail "no STOPPING=1: $(cat "$tmp/notify.txt")"
echo "stopped by SIGTERM in $(( $(date +%s) - stop_start )) s"
installed_kib=$(in_root dpkg-query -W -f='${Installed-Size}' conventiond)

# 5. Purge: the package, its config and its state go; the system user stays (Debian policy).
in_root sh -c "DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq conventiond" >"$tmp/purge.log" 2>&1 \
  || fail "apt-get purge: $(tail -n 20 "$tmp/purge.log")"
[ ! -e "$root/usr/bin/conventiond" ] || fail "/usr/bin/conventiond is left after purge"
[ ! -e "$root/var/lib/conventiond" ] || fail "/var/lib/conventiond is left after purge"
[ ! -e "$root/etc/conventiond/conventiond.toml" ] || fail "the config is left after purge"
echo "deb install in a Debian 12 root: ok in $(( $(date +%s) - start )) s;" \
     "$(basename "$deb") $(du -k "$deb" | cut -f1) KiB, installed size $installed_kib KiB"
