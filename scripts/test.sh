#!/usr/bin/env bash
# Runs every test of bcm, unit and integration, on this machine: prepares the host (install.sh),
# adds what only the tests need, then `mvn -B verify`. The integration tests drive the real LXD
# daemon and real Docker daemons inside real containers.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

"$repo/scripts/install.sh"

# The LXD client tests build a tiny image from a static busybox; the device tests check the
# development device with Trezor's own client, trezorctl (Debian package trezor); the identity
# tests log in to a real OpenSSH server on 127.0.0.1 (openssh-server; it is started only by the test);
# the durability tests watch a real process's fsyncs and renames with strace.
missing=()
for package in busybox-static trezor openssh-server strace; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi

# The alert rules' tests run Prometheus's promtool: taken out of Debian's prometheus package into
# ~/.cache/bcm/promtool (not installed: the package would start a Prometheus server on systemd hosts).
promtool_dir="${XDG_CACHE_HOME:-$HOME/.cache}/bcm/promtool"
if [ ! -x "$promtool_dir/usr/bin/promtool" ]; then
  mkdir -p "$promtool_dir"
  (cd "$promtool_dir" && apt-get download prometheus >/dev/null 2>&1 || { $sudo apt-get update -q && apt-get download prometheus; })
  dpkg-deb -x "$promtool_dir"/prometheus_*.deb "$promtool_dir"
  rm -f "$promtool_dir"/prometheus_*.deb
fi
export BCM_PROMTOOL="$promtool_dir/usr/bin/promtool"

cd "$repo"
exec mvn -B verify "$@"
