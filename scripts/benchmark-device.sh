#!/usr/bin/env bash
# Measures the device figures of docs/benchmarks.md against the development device, run as its own
# process (`bcm device serve`) on 127.0.0.1 with mnemonic "all" x 12:
#   1. SignIdentity round trips per second through the UDP transport (one client, in one JVM that
#      is warmed up first; nist256p1 and ed25519)
#   2. one full ssh-style signature from the CLI: `bcm device sign-identity` as a new process,
#      JVM start included (hyperfine)
# Run from the repository after `mvn -q install -DskipTests`. Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bcm="$repo/bcm-cli/target/bcm/bin/bcm"
port=${PORT:-31324}
command -v hyperfine >/dev/null || { echo "apt-get install hyperfine first" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

(umask 077; echo "all all all all all all all all all all all all" > "$work/mnemonic")
BCM_HOME="$work/home" "$bcm" device serve --port="$port" --mnemonic-file="$work/mnemonic" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q listening "$work/serve.log" 2>/dev/null && break; sleep 0.2; done

echo "== 1. SignIdentity through UDP"
cd "$repo/bcm-trezor-dev"
mvn -q dependency:build-classpath -Dmdep.outputFile="$work/cp" -Dmdep.includeScope=test >/dev/null
echo "| what | signatures | rate | p50 | p99 |"
echo "|---|---|---|---|---|"
java -cp "target/test-classes:target/classes:$(cat "$work/cp")" org.bcm.trezor.dev.SignIdentityBenchmark "$port" 2000 2>/dev/null

echo "== 2. one ssh-style signature from the CLI"
head -c 64 /dev/urandom > "$work/challenge"
hyperfine --warmup 2 --runs 10 -N \
  "env BCM_HOME=$work/home $bcm device sign-identity --device=udp:127.0.0.1:$port --identity=ssh://bcm@example.org --curve=ed25519 --challenge-file=$work/challenge"
