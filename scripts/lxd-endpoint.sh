#!/bin/sh
# Makes this Debian/Ubuntu machine an LXD endpoint for bcm; safe to run again (each step checks
# first). Used by scripts/install.sh for the controller's own LXD, and run as root over SSH by
# `bcm cluster create --provider=ssh` on a remote host (shipped inside bcm).
#   1. installs the distribution's `lxd` package when there is no lxd
#   2. starts LXD when it is not running (systemd or not)
#   3. initialises it when it has no storage pool: a `dir` pool named default, no network (bcm
#      creates its own bridges; `lxd init --auto` fails where it cannot guess a free subnet)
#   4. with BCM_HTTPS_ADDRESS set (e.g. ":8443"), listens there for the HTTPS API unless it already
#      listens somewhere
# Prints "https_address <address>" last: where LXD listens for its HTTPS API (may be empty).
# Commands read nothing from standard input: over SSH, this script itself is standard input.
set -eu
log() { printf '[lxd-endpoint] %s\n' "$*" >&2; }

if ! command -v lxd >/dev/null 2>&1; then
  log "installing lxd"
  apt-get update -q >&2 </dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q lxd >&2 </dev/null
fi
# An endpoint that is itself a container (nesting) has only its own id map, and the lxd package
# gives root and _lxd ranges beyond it: LXD then runs only privileged containers. Fit both ranges
# into the map (ids 65536 and up) and restart LXD.
size=$(awk 'NR == 1 && $1 == 0 && $2 != 0 { print $3 }' /proc/self/uid_map)
if [ -n "$size" ] && [ "$(wc -l < /proc/self/uid_map)" -eq 1 ] && [ "$size" -ge 131072 ]; then
  range="65536:$((size - 65536))"
  if ! grep -qx "root:$range" /etc/subuid 2>/dev/null || ! grep -qx "root:$range" /etc/subgid 2>/dev/null; then
    log "fitting LXD's id ranges into this container's map ($range)"
    printf 'root:%s\n_lxd:%s\n' "$range" "$range" > /etc/subuid
    cp /etc/subuid /etc/subgid
    if lxd waitready --timeout 1 >/dev/null 2>&1 </dev/null; then
      if [ -d /run/systemd/system ]; then systemctl restart lxd </dev/null; else lxd shutdown </dev/null; fi
    fi
  fi
fi
if ! lxd waitready --timeout 2 >/dev/null 2>&1 </dev/null; then
  if [ -d /run/systemd/system ] && systemctl list-unit-files lxd.service >/dev/null 2>&1; then
    log "starting LXD (systemd)"
    systemctl start lxd </dev/null
  else
    log "starting LXD (no systemd)"
    group=root
    getent group lxd >/dev/null 2>&1 && group=lxd
    mkdir -p /var/log/lxd
    nohup lxd --group "$group" --logfile /var/log/lxd/lxd.log >/dev/null 2>&1 &
  fi
  lxd waitready --timeout 60 </dev/null
fi
if [ -z "$(lxc storage list --format csv 2>/dev/null)" ]; then
  log "initialising LXD (default dir storage pool)"
  lxd init --preseed <<'PRESEED'
storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    root: {path: /, pool: default, type: disk}
PRESEED
fi
if [ -n "${BCM_HTTPS_ADDRESS:-}" ] && [ -z "$(lxc config get core.https_address </dev/null)" ]; then
  log "listening on $BCM_HTTPS_ADDRESS for the HTTPS API"
  lxc config set core.https_address "$BCM_HTTPS_ADDRESS" </dev/null
fi
echo "https_address $(lxc config get core.https_address </dev/null)"
