#!/bin/sh
# Measures the figures of docs/benchmarks.md for bcm-rpcproxy (issue 6) and prints them as markdown:
# getblockcount through the proxy vs straight to the upstream (1, 4, 16, 64 clients; keep-alive and one
# connection per request), getblock verbosity 0 of a 4 MB block (MB/s, proxy heap), and the pruned
# path's latency from block arrival to answer. The upstream is the bitcoind simulator and the proxy the
# packaged launcher, each in its own JVM; see RpcProxyBenchmark for the method.
#
# Usage (from anywhere): bcm-rpcproxy/src/test/bench/benchmark-rpcproxy.sh [--seconds=5] [--warmup=3] [--no-build]
#   [--rounds=N] [--relay] [--variant=NAME:--flag=value,...] [--compare-launcher=PATH] [--clients=1,4,16,64]
#   [--keep-alive-only] [--only-getblockcount]   (RpcProxyBenchmark's javadoc describes every flag)
set -eu
module=$(cd "$(dirname "$0")/../../.." && pwd)
root=$(dirname "$module")
build=1
args=""
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    *) args="$args $a" ;;
  esac
done
if [ "$build" = 1 ]; then
  (cd "$root" && mvn -q -pl src-test-fixtures,bcm-rpcproxy -am install -DskipTests)
  (cd "$root" && mvn -q -pl bcm-rpcproxy test-compile)
fi
(cd "$module" && mvn -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath)
cd "$module"
# shellcheck disable=SC2086
exec java -XX:+UseParallelGC -Xmx1g -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  org.bcm.rpcproxy.bench.RpcProxyBenchmark --launcher="$module/target/bcm-rpcproxy/bin/bcm-rpcproxy" $args
