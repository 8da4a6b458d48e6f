#!/usr/bin/env bash
# The main job in one command: prepares this machine (install.sh), then brings up a standalone bcm
# data center on the local LXD daemon: the cluster `local` with its gateway, kafka and bitcoin tier
# hosts joined into one Docker Swarm.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/install.sh"

bcm cluster create --cluster-name=local --provider=local
bcm cluster verify --cluster-name=local
bcm show --cluster-name=local
