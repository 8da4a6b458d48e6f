#!/usr/bin/env bash
# The main job in one command: prepares this machine (install.sh), then brings up a standalone bcm
# data center on the local LXD daemon: the cluster `local` with its gateway, kafka and bitcoin tier
# hosts joined into one Docker Swarm, and on it the project `standalone` (regtest): gateway (Tor and the
# cluster's image registry), kafka (the broker that keeps every service's logs: bcm logs), bitcoin
# (bitcoind), electrum (Fulcrum), chainevents (new blocks and transactions as Kafka topics) and
# monitoring (Prometheus, Alertmanager, exporters: bcm status).
# lightning and monero are one `bcm project add-stack` away (README.md).
# Bitcoin Core and Fulcrum are downloaded from their verified upstream releases on the first deploy.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/install.sh"

bcm cluster create --cluster-name=local --provider=local
bcm cluster verify --cluster-name=local
# A regtest project is an offline one: Tor dials only 127.0.0.1:9 (TOR_NETWORK=offline).
bcm project list | grep -q "^standalone " || bcm project create --project-name=standalone --chain=regtest --stacks=gateway,kafka,bitcoin,electrum,chainevents,monitoring
bcm project deploy --project-name=standalone --cluster-name=local
bcm show --cluster-name=local
bcm stack list --cluster-name=local
