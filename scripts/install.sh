#!/usr/bin/env bash
# Prepares this Debian/Ubuntu machine for bcm and installs the `bcm` command. Safe to run again:
# every step checks first and does only what is missing.
#   1. host packages: lxd, debootstrap, iptables (LXD's bridge firewall), a JDK 17+ and Maven;
#      gnupg, git, pass and openssh-client, the tools the Trezor-backed identity serves
#   2. starts LXD when it is not running (systemd or not) and initialises it when uninitialised
#   3. builds bcm and installs it: /usr/local/lib/bcm, launcher /usr/local/bin/bcm, and the
#      class-data sharing archive for its jars (lib/bcm.jsa, made by bin/bcm-cds)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
log() { printf '[install] %s\n' "$*" >&2; }

# --- 1. host packages --------------------------------------------------------------------------
packages=()
command -v lxd >/dev/null 2>&1 || packages+=(lxd)
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

# --- 2. LXD running and initialised --------------------------------------------------------------
lxd_socket() {
  if [ -n "${LXD_DIR:-}" ]; then echo "$LXD_DIR/unix.socket"
  elif [ -d /var/snap/lxd/common/lxd ] && [ ! -e /var/lib/lxd/unix.socket ]; then echo /var/snap/lxd/common/lxd/unix.socket
  else echo /var/lib/lxd/unix.socket; fi
}
if ! $sudo lxd waitready --timeout 2 >/dev/null 2>&1; then
  if [ -d /run/systemd/system ] && systemctl list-unit-files lxd.service >/dev/null 2>&1; then
    log "starting LXD (systemd)"
    $sudo systemctl start lxd
  else
    log "starting LXD (no systemd)"
    group=root
    getent group lxd >/dev/null 2>&1 && group=lxd
    $sudo mkdir -p /var/log/lxd
    $sudo sh -c "nohup lxd --group $group --logfile /var/log/lxd/lxd.log >/dev/null 2>&1 &"
  fi
  $sudo lxd waitready --timeout 60
fi
log "LXD is running at $(lxd_socket)"
if [ -z "$($sudo lxc storage list --format csv 2>/dev/null)" ]; then
  # `lxd init --auto` fails where it cannot guess a free subnet; bcm creates its own networks and
  # pools, so LXD only needs a default storage pool here.
  log "initialising LXD (default dir storage pool)"
  $sudo lxd init --preseed <<'PRESEED'
storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    root: {path: /, pool: default, type: disk}
PRESEED
fi

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
