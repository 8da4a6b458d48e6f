#!/usr/bin/env bash
# Runs every test of bcm, unit and integration, on this machine: prepares the host (install.sh),
# adds what only the tests need, then `mvn -B verify`. The integration tests drive the real LXD
# daemon and real Docker daemons inside real containers.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

"$repo/scripts/install.sh"

# The LXD client tests build a tiny image from a static busybox.
if ! dpkg -s busybox-static >/dev/null 2>&1; then
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q busybox-static
fi

cd "$repo"
exec mvn -B verify "$@"
