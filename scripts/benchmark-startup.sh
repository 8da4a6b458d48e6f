#!/usr/bin/env bash
# Measures bcm's start-up for docs/benchmarks.md ("Start-up") and prints a markdown table (median and
# minimum wall time, median CPU time: user + system, all threads) of:
#   - bcm --help
#   - bcm project deploy --project-name=nonexistent --cluster-name=bench: fails fast (exit 3, no such
#     project): JVM start, the command tree, the bcm home, its lock and the cluster definition;
#   - bcm project deploy of a project whose cluster's LXD is not there: reads the project, its stacks
#     and Compose files, starts logging and the LXD client, then fails at the socket (exit 5). What a
#     deploy loads before its first LXD call; the no-op deploy on a real cluster adds the LXD and
#     Docker round trips (scripts/benchmark-project.sh).
# each for every launcher given (default: the installed bcm) as it is, and with BCM_JAVA_OPTS set to
# the options the launcher had before the class-data sharing archive ("former options"). Every round
# runs each command once, in turn, so a change in the machine's speed (other work on the cores)
# touches all of them alike; two rounds of warm-up are not counted.
# Only a temporary folder is written: BCM_HOME, the image cache and LXD_DIR point into it.
#
# Usage: scripts/benchmark-startup.sh [--runs=20] [LAUNCHER...]
set -euo pipefail

runs=20
launchers=()
for a in "$@"; do
  case "$a" in
    --runs=*) runs=${a#--runs=} ;;
    *) launchers+=("$a") ;;
  esac
done
[ ${#launchers[@]} -gt 0 ] || launchers=(bcm)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/no-lxd" "$work/home/clusters/bench"
cat > "$work/home/clusters/bench/cluster.yml" <<EOF
name: bench
provider: local
endpoint: unix://$work/no-lxd/unix.socket
subnet: 10.254.253.0/24
createdAt: 2000-01-01T00:00:00Z
EOF
export BCM_HOME="$work/home" BCM_CACHE_DIR="$work/cache" LXD_DIR="$work/no-lxd"
unset BCM_JAVA_OPTS
"${launchers[0]}" project create --project-name=bench >/dev/null
former="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto"

commands=()
names=()
for launcher in "${launchers[@]}"; do
  for opts in "" "$former"; do
    label="$launcher"
    [ -z "$opts" ] || label="$launcher, former options"
    commands+=("$opts|$launcher --help")
    names+=("\`bcm --help\` ($label)")
    commands+=("$opts|$launcher project deploy --project-name=nonexistent --cluster-name=bench")
    names+=("\`bcm project deploy --project-name=nonexistent --cluster-name=bench\` ($label)")
    commands+=("$opts|$launcher project deploy --project-name=bench --cluster-name=bench")
    names+=("\`bcm project deploy\`, no LXD ($label)")
  done
done

TIMEFORMAT='%3R %3U %3S'
for round in $(seq -1 "$runs"); do
  for i in "${!commands[@]}"; do
    opts=${commands[$i]%%|*}
    envs=()
    [ -z "$opts" ] || envs=(BCM_JAVA_OPTS="$opts")
    # shellcheck disable=SC2086
    { time env "${envs[@]}" ${commands[$i]#*|} >/dev/null 2>&1; } 2>>"$work/t$i" || true
    [ "$round" -gt 0 ] || : >"$work/t$i"
  done
  printf '.' >&2
done
echo >&2

echo "| command | median | min | CPU median |"
echo "|---|---:|---:|---:|"
for i in "${!commands[@]}"; do
  awk -v name="${names[$i]}" '
    { wall[NR] = $1 * 1000; cpu[NR] = ($2 + $3) * 1000 }
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END { m = median(wall, NR); lo = wall[1]; c = median(cpu, NR)
          printf "| %s | %d ms | %d ms | %d ms |\n", name, m, lo, c }' "$work/t$i"
done
