#!/usr/bin/env bash
# Measures the remote-endpoint figures of docs/benchmarks.md, with the installed bcm, against a
# "machine" made as RemoteEndpointIT makes it: an LXD container on this host's LXD (nesting, a
# 131,072-id map, its own bridge), with sshd and without LXD. A key file stands in for the Trezor so
# the figures measure bcm, not a confirmation on a device.
#   1. `bcm cluster create --provider=ssh` on the fresh machine (LXD installed by bcm over SSH)
#   2. the same create again, nothing to do (5 runs)
#   3. `bcm cluster verify` (three dockerd through the LXD exec relays)
#   4. `bcm project deploy` of the gateway stack (regtest) through the relays
# Uses its own bcm home, the machine `bench-machine` and the bridge `benchrnet0`, and deletes them.
set -euo pipefail
machine=bench-machine
bridge=benchrnet0
export BCM_HOME
BCM_HOME=$(mktemp -d)
work=$(mktemp -d)
cleanup() {
  bcm cluster destroy --cluster-name=rt >/dev/null 2>&1 || true
  lxc delete -f "$machine" >/dev/null 2>&1 || true
  lxc network delete "$bridge" >/dev/null 2>&1 || true
  rm -rf "$BCM_HOME" "$work"
}
trap cleanup EXIT
lxc delete -f "$machine" >/dev/null 2>&1 || true
lxc network delete "$bridge" >/dev/null 2>&1 || true

image=$(lxc image list --format csv -c l | grep -o 'bcm-base-[0-9a-f]*' | head -1)
[ -n "$image" ] || { echo "no bcm base image in LXD: run 'bcm cluster create --cluster-name=local' once first" >&2; exit 2; }
lxc network create "$bridge" ipv4.address=10.213.48.1/24 ipv4.nat=true ipv6.address=none >/dev/null
lxc launch "$image" "$machine" -n "$bridge" -c security.nesting=true -c security.idmap.isolated=true \
  -c security.idmap.size=131072 >/dev/null
until ip=$(lxc list "$machine" -c 4 --format csv | grep -o '10\.213\.48\.[0-9]*'); do sleep 1; done
# This kernel's cgroup v1 layout (docs/architecture.md, "What this machine allows"), then sshd.
lxc exec "$machine" -- sh -c 'mount --options-mode ignore -o remount,rw,nosuid,nodev,noexec /sys/fs/cgroup;
  cd /sys/fs/cgroup; if [ -L cpu ]; then rm cpu cpuacct; rmdir cpu,cpuacct; mkdir cpu cpuacct;
  mount -t cgroup -o cpu cgroup cpu; mount -t cgroup -o cpuacct cgroup cpuacct; fi'
lxc exec "$machine" -- sh -c "export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null;
  apt-get install -y -q openssh-server >/dev/null;
  printf 'HostKey /etc/ssh/ssh_host_ed25519_key\nPasswordAuthentication no\n' > /etc/ssh/sshd_config.d/bench.conf;
  systemctl restart ssh"
ssh-keygen -q -t ed25519 -N "" -f "$work/key"
lxc file push -q --create-dirs --mode 0600 "$work/key.pub" "$machine/root/.ssh/authorized_keys"
hostkey=$(lxc exec "$machine" -- ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2)

echo "== 1. create --provider=ssh on a fresh machine"
/usr/bin/time -f "%e s wall" bcm cluster create --cluster-name=rt --provider=ssh --hostname="$ip" \
  --ssh-host-key="$hostkey" --ssh-identity-file="$work/key" 2>&1 >/dev/null | tail -1

echo "== 2. the same create again, nothing to do (5 runs)"
for run in 1 2 3 4 5; do
  /usr/bin/time -f "%e s wall" bcm cluster create --cluster-name=rt --ssh-identity-file="$work/key" 2>&1 >/dev/null | tail -1
done

echo "== 3. cluster verify"
/usr/bin/time -f "%e s wall" bcm cluster verify --cluster-name=rt 2>&1 >/dev/null | tail -1

echo "== 4. deploy the gateway stack (regtest) through the relays"
bcm project create --project-name=rp --chain=regtest --stacks=gateway >/dev/null 2>&1
/usr/bin/time -f "%e s wall" bcm project deploy --project-name=rp --cluster-name=rt 2>&1 >/dev/null | tail -1
