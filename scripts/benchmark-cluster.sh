#!/usr/bin/env bash
# Measures the figures of docs/benchmarks.md for clusters, with the installed bcm:
#   1. `bcm cluster create` of a new cluster on an LXD without it, base image already cached
#   2. a second `bcm cluster create` that has nothing to do (hyperfine, 5 runs)
#   3. `bcm --help` (JVM start; hyperfine, 10 runs)
# Uses the cluster `bench` and destroys it at the end. Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
cluster=bench

command -v hyperfine >/dev/null || { echo "apt-get install hyperfine first" >&2; exit 2; }
bcm cluster destroy --cluster-name=$cluster >/dev/null 2>&1 || true
# Make sure the base image is cached, so (1) measures the cluster alone.
bcm cluster create --cluster-name=$cluster >/dev/null 2>&1
bcm cluster destroy --cluster-name=$cluster >/dev/null 2>&1

echo "== 1. create from an LXD without the cluster (base image cached)"
/usr/bin/time -f "%e s wall" bcm cluster create --cluster-name=$cluster 2>&1 >/dev/null | tail -1

echo "== 2. second create, nothing to do"
hyperfine --runs 5 --warmup 1 "bcm cluster create --cluster-name=$cluster"

echo "== 3. bcm --help"
hyperfine --runs 10 --warmup 2 "bcm --help"

bcm cluster destroy --cluster-name=$cluster >/dev/null 2>&1
