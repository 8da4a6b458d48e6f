#!/usr/bin/env bash
# Measures the identity figures of docs/benchmarks.md against the development device (`bcm device
# serve` on 127.0.0.1, mnemonic "all" x 12, automatic confirmation) and Debian's gpg, pass and ssh:
#   1. bcm init (a new JVM, two public keys and two signatures on the device, gpg import)
#   2. gpg --detach-sign through bcm's gpg-agent, the agent already running (gpg's own cost included)
#   3. gpg --decrypt of a small file through the agent
#   4. pass show through the agent, and bcm pass get (a new JVM, decryption in bcm)
# Run from the repository after `mvn -q install -DskipTests`. Needs hyperfine, gnupg, pass.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bcm="$repo/bcm-cli/target/bcm/bin/bcm"
port=${PORT:-31424}
command -v hyperfine >/dev/null || { echo "apt-get install hyperfine first" >&2; exit 2; }
work=$(mktemp -d /tmp/bcm-bench.XXXXXX)
export BCM_HOME="$work/home" BCM_TREZOR="udp:127.0.0.1:$port" GNUPGHOME="$work/home/gnupg" PASSWORD_STORE_DIR="$work/home/password_store"
trap 'gpgconf --kill gpg-agent 2>/dev/null || true; kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

(umask 077; echo "all all all all all all all all all all all all" > "$work/mnemonic")
"$bcm" device serve --port="$port" --mnemonic-file="$work/mnemonic" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q listening "$work/serve.log" 2>/dev/null && break; sleep 0.2; done

echo "== 1. bcm init"
hyperfine --runs 5 -N "$bcm init --name=Bench --username=bench --hostname=example.net"

head -c 4096 /dev/urandom > "$work/data"
gpg --batch --detach-sign --output "$work/warm.sig" "$work/data" 2>/dev/null   # gpg starts the agent
echo "== 2. gpg --detach-sign through the agent"
hyperfine --warmup 2 --runs 20 -N "gpg --batch --yes --detach-sign --output $work/data.sig $work/data"

gpg --batch --encrypt --default-recipient-self --output "$work/data.gpg" "$work/data" 2>/dev/null
echo "== 3. gpg --decrypt through the agent"
hyperfine --warmup 2 --runs 20 -N "gpg --batch --yes --output $work/data.out --decrypt $work/data.gpg"

echo "secret" | "$bcm" pass insert --name=bench/entry 2>/dev/null
echo "== 4. pass show through the agent; bcm pass get"
hyperfine --warmup 2 --runs 20 -N "pass show bench/entry" "$bcm pass get --name=bench/entry"
