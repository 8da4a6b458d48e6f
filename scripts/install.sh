#!/usr/bin/env bash
# Prepares this Debian/Ubuntu machine for bcm and installs the `bcm` command. Safe to run again:
# every step checks first and does only what is missing.
#   1. host packages: debootstrap, iptables (LXD's bridge firewall), a JDK 17+ and Maven;
#      gnupg, git, pass and openssh-client, the tools the Trezor-backed identity serves
#   2. installs, starts and initialises LXD where needed (scripts/lxd-endpoint.sh)
#   3. builds bcm and installs it: /usr/local/lib/bcm, launcher /usr/local/bin/bcm, and the
#      class-data sharing archive for its jars (lib/bcm.jsa, made by bin/bcm-cds)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
log() { printf '[install] %s\n' "$*" >&2; }

# --- 1. host packages --------------------------------------------------------------------------
packages=()
command -v debootstrap >/dev/null 2>&1 || packages+=(debootstrap)
command -v iptables >/dev/null 2>&1 || packages+=(iptables)
java_ok() {
  command -v javac >/dev/null 2>&1 || return 1
  local v; v=$(javac -version 2>&1 | sed -E 's/^javac ([0-9]+).*/\1/')
  [ "${v:-0}" -ge 17 ] 2>/dev/null
}
java_ok || packages+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || packages+=(maven)
command -v gpg >/dev/null 2>&1 || packages+=(gnupg)
command -v git >/dev/null 2>&1 || packages+=(git)
command -v pass >/dev/null 2>&1 || packages+=(pass)
command -v ssh >/dev/null 2>&1 || packages+=(openssh-client)
if [ ${#packages[@]} -gt 0 ]; then
  log "installing ${packages[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${packages[@]}"
fi

# --- 2. LXD running and initialised (the same script bcm runs on a remote endpoint over SSH) ------
$sudo sh "$repo/scripts/lxd-endpoint.sh" >/dev/null
log "LXD is running"

# --- 3. build and install bcm ------------------------------------------------------------------
log "building bcm"
(cd "$repo" && mvn -B -q -DskipTests package)
$sudo rm -rf /usr/local/lib/bcm
$sudo mkdir -p /usr/local/lib
$sudo cp -r "$repo/bcm-cli/target/bcm" /usr/local/lib/bcm
$sudo chmod 0755 /usr/local/lib/bcm/bin/bcm /usr/local/lib/bcm/bin/bcm-cds /usr/local/lib/bcm/bin/bcm-gpg-agent
$sudo ln -sf /usr/local/lib/bcm/bin/bcm /usr/local/bin/bcm
# The class-data sharing archive for exactly these jars and this JDK (docs/benchmarks.md, "Start-up");
# bcm runs without it, only slower to start.
log "building the class-data sharing archive (bin/bcm-cds)"
$sudo /usr/local/lib/bcm/bin/bcm-cds || log "no class-data sharing archive: bcm starts slower"
log "installed $(/usr/local/bin/bcm --version)"
