#!/usr/bin/env bash
# Measures the figures of docs/benchmarks.md for projects, with the installed bcm, on the cluster
# `bench` (created if missing, destroyed at the end):
#   1. the first `bcm project deploy` with an empty image cache (images built from Debian packages,
#      loaded, pushed; stacks deployed and converged); the image build times are its progress lines
#   2. a repeat with nothing to do (hyperfine, 5 runs)
#   3. the same services created by hand with the docker CLI through the gateway's socket, against
#      the same swarm with the images already in its registry: the engine calls alone (--detach),
#      and until converged; beside it, `bcm project deploy` of the same project after `project
#      remove` (images present), so the ratio shows bcm's own overhead.
# Needs hyperfine (apt-get install hyperfine) and a docker CLI (the docker.io package's client).
set -euo pipefail
cluster=bench
project=bench
home=${BCM_HOME:-$HOME/.bcm}
export BCM_CACHE_DIR=$(mktemp -d /var/tmp/bcm-bench-cache.XXXXXX)
trap 'rm -rf "$BCM_CACHE_DIR"' EXIT

command -v hyperfine >/dev/null || { echo "apt-get install hyperfine first" >&2; exit 2; }
command -v docker >/dev/null || { echo "a docker CLI is needed for step 3" >&2; exit 2; }
bcm cluster destroy --cluster-name=$cluster >/dev/null 2>&1 || true
bcm project destroy --project-name=$project >/dev/null 2>&1 || true
bcm cluster create --cluster-name=$cluster >/dev/null 2>&1
bcm project create --project-name=$project --chain=regtest >/dev/null

echo "== 1. first deploy, empty image cache ($BCM_CACHE_DIR)"
/usr/bin/time -f "%e s wall" bcm project deploy --project-name=$project --cluster-name=$cluster 2>&1 >/dev/null \
  | grep -E "built|s wall"

echo "== 2. repeat, nothing to do"
hyperfine --runs 5 --warmup 1 "bcm project deploy --project-name=$project --cluster-name=$cluster"

echo "== 3. bcm against raw engine calls, images in the registry"
export DOCKER_HOST=unix://$home/clusters/$cluster/docker/bcm-gateway-01.sock
registry=$(docker service inspect gateway_registry --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}')
tor=$(docker service inspect gateway_tor --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}')
stacks=$(mktemp -d)
cp -r "$(dirname "$0")/../stacks/gateway/tor" "$stacks/"
bcm project remove --project-name=$project --cluster-name=$cluster >/dev/null
/usr/bin/time -f "bcm project deploy after remove: %e s wall" \
  bcm project deploy --project-name=$project --cluster-name=$cluster >/dev/null 2>/tmp/bcm-bench.err
tail -1 /tmp/bcm-bench.err
bcm project remove --project-name=$project --cluster-name=$cluster >/dev/null
raw() {
  printf 'bench:no-password\n' | docker secret create raw_secret - >/dev/null   # an htpasswd file with no usable entry
  docker config create raw_torrc "$stacks/tor/torrc" >/dev/null
  docker config create raw_net "$stacks/tor/network-offline.conf" >/dev/null
  docker network create -d overlay --attachable raw_tor >/dev/null
  docker network create -d overlay raw_registry >/dev/null
  docker service create --detach --quiet --name raw_registry --network raw_registry --endpoint-mode dnsrr \
    --publish mode=host,target=5000,published=5000 --constraint 'node.labels.bcm.tier == gateway' \
    --secret source=raw_secret,target=registry_htpasswd,mode=0444 --mount source=raw_registry-data,target=/var/lib/docker-registry \
    --health-cmd "bash -c 'exec 3<>/dev/tcp/127.0.0.1/5000'" --health-interval 5s --health-start-period 5s \
    "$registry" serve /etc/docker/registry/config.yml >/dev/null
  docker service create --detach --quiet --name raw_mirror --network raw_registry --network raw_tor --endpoint-mode dnsrr \
    --replicas 0 --constraint 'node.labels.bcm.tier == gateway' "$registry" serve /etc/docker/registry/mirror.yml >/dev/null
  docker service create --detach --quiet --name raw_tor --network raw_tor --endpoint-mode dnsrr \
    --constraint 'node.labels.bcm.tier == gateway' --mount source=raw_tor-data,target=/var/lib/tor \
    --config source=raw_torrc,target=/etc/tor/torrc --config source=raw_net,target=/etc/tor/torrc.d/network.conf \
    --health-cmd "bash -c 'exec 3<>/dev/tcp/127.0.0.1/9050'" --health-interval 5s --health-start-period 10s \
    "$tor" --Log "notice stdout" >/dev/null
}
converged() {
  until [ "$(docker service ls --filter name=raw_ --format '{{.Replicas}}' | sort | tr '\n' ' ')" = "0/0 1/1 1/1 " ]; do sleep 0.5; done
}
unraw() {
  docker service rm raw_registry raw_mirror raw_tor >/dev/null
  sleep 5
  docker network rm raw_tor raw_registry >/dev/null; docker secret rm raw_secret >/dev/null; docker config rm raw_torrc raw_net >/dev/null
}
start=$(date +%s.%N); raw; calls=$(date +%s.%N); converged; done_=$(date +%s.%N)
echo "raw docker CLI: engine calls $(echo "$calls - $start" | bc) s, until converged $(echo "$done_ - $start" | bc) s"
unraw
rm -rf "$stacks"
bcm cluster destroy --cluster-name=$cluster >/dev/null 2>&1
bcm project destroy --project-name=$project >/dev/null 2>&1
