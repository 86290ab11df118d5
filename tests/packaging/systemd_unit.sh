#!/usr/bin/env bash
# The systemd unit (packaging/systemd/conventiond.service.in), as `cmake --install` writes it:
# systemd-analyze verify finds nothing to say (its ExecStart and man pages exist in the
# install), it has the lines docs/install.md promises, and its exposure is low.
#   usage: systemd_unit.sh BUILD_DIR SOURCE_DIR      (exit 77: skipped, no systemd-analyze)
set -euo pipefail
build=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze is not installed (apt install systemd); the unit is not verified"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
cmake --install "$build" --component daemon --prefix "$prefix" >/dev/null
unit="$prefix/lib/systemd/system/conventiond.service"
[ -f "$unit" ] || fail "no unit installed at $unit"
[ -f "$prefix/etc/conventiond/conventiond.toml" ] || fail "no config installed in $prefix/etc/conventiond"
grep -qx "ExecStart=$prefix/bin/conventiond serve --config $prefix/etc/conventiond/conventiond.toml" "$unit" \
  || fail "ExecStart is not the installed binary and config: $(grep ExecStart= "$unit")"
for line in "Type=notify" "WatchdogSec=60s" 'ExecReload=/bin/kill -HUP $MAINPID' "User=conventiond" \
            "StateDirectory=conventiond" "ProtectSystem=strict" "ProtectHome=yes" \
            "NoNewPrivileges=yes" "PrivateTmp=yes"; do
  grep -qxF "$line" "$unit" || fail "the unit has no '$line'"
done

# verify prints every problem (an unknown key, a bad value, a missing binary or man page) but
# exits 0 for most: any output is a failure.
out=$(MANPATH="$prefix/share/man" systemd-analyze verify "$unit" 2>&1) || fail "verify failed: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"
# The hardening keeps the exposure low (0 = fully locked down, 10 = none).
security=$(systemd-analyze security --offline=true --threshold=25 "$unit" 2>&1) \
  || fail "exposure above 2.5: $(tail -n 3 <<<"$security")"
grep -a "Overall exposure" <<<"$security" || true
echo "systemd unit: ok"
