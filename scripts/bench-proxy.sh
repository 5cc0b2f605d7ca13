#!/usr/bin/env bash
# Proxy against a bare relay: builds target/benchmarks.jar (bench profile) and runs
# io.gatewatch.bench.ProxyLoad. Extra arguments go to ProxyLoad (try --help), e.g.
#   scripts/bench-proxy.sh --connections 500 --duration-s 15 --idle 2000
# Defaults: 1,000 connections, heartbeat every 200 ms, 10 dispatches/s per session,
# 10 s warm-up + 30 s measured, 3 rounds of bare/observed, 10,000 idle connections (capped by
# the open-file limit: 4 fds per relayed connection, all in one process). About 6 minutes.
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
