#!/usr/bin/env bash
# Only the load part of scripts/bench (the whole suite, with the one table): proxy against a bare
# relay. Builds target/benchmarks.jar (bench profile) and runs io.gatewatch.bench.ProxyLoad, which
# starts the simulator and each proxy in their own JVMs. Extra arguments go to ProxyLoad (try
# --help), e.g.
#   scripts/bench-proxy.sh --connections 500 --duration-s 15 --idle 2000
set -euo pipefail
cd "$(dirname "$0")/.."

# Raise the soft open-file limit to the hard one when we can; ProxyLoad caps the idle count to it.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$(ulimit -n)" -lt "$hard" ]; then
  ulimit -n "$hard" 2>/dev/null || true
fi
echo "open-file limit: $(ulimit -n)"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  # Retry once: an interrupted incremental build can leave stale class files behind.
  mvn -B -q -Pbench -DskipTests package || mvn -B -q -Pbench -DskipTests clean package
fi

echo "machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
java -version 2>&1 | head -1

exec java ${BENCH_JAVA_OPTS:--Xms2g -Xmx2g} \
  -cp target/benchmarks.jar io.gatewatch.bench.ProxyLoad "$@"
