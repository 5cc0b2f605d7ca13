#!/usr/bin/env bash
# Concurrency test (not part of CI; docs/reliability.md): N WebSocket clients held open at once
# through one gatewatch proxy, in three processes (upstream, proxy, clients) so the proxy's process
# has the whole open-file limit for its two sockets per relayed connection. Samples the proxy's
# live heap (after a forced GC), RSS, threads and open files before, with the N connections open,
# and after they closed, and says whether threads stayed fixed and everything came back down.
#
#   scripts/concurrency.sh            # N = 10000, or the largest that fits the open-file limit
#   scripts/concurrency.sh 5000 20    # N, and how long to hold them (seconds, default 30)
#
# Exit status: 0 when all N were relayed and the proxy came back to its baseline, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

WANT=${1:-10000}
HOLD=${2:-30}
OUT=${OUT:-target/concurrency}
mkdir -p "$OUT"

limit=$(ulimit -n)
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$limit" -lt "$hard" ]; then ulimit -n "$hard"; limit=$hard; fi
# the proxy process: two sockets per connection, plus ~200 for the JVM, jars, selectors, pipes
fits=$(( (limit - 200) / 2 ))
N=$WANT
if [ "$N" -gt "$fits" ]; then
  echo "open-file limit $limit: the proxy's process can hold $fits relayed connections, not $WANT;"
  echo "testing $fits (raise 'ulimit -n' to $(( WANT * 2 + 200 )) for $WANT)"
  N=$fits
fi

[ -d target/test-classes/io/gatewatch/proxy ] || mvn -B -q -DskipTests test-compile
[ -f "$OUT/classpath" ] || mvn -B -q dependency:build-classpath -Dmdep.outputFile="$OUT/classpath" >/dev/null
CP="target/classes:target/test-classes:$(cat "$OUT/classpath")"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

await_line() { # FILE PATTERN SECONDS -> the first matching line
  for _ in $(seq 1 $(( $3 * 10 ))); do
    line=$(grep -m1 -E "$2" "$1" 2>/dev/null || true)
    [ -n "$line" ] && { echo "$line"; return 0; }
    sleep 0.1
  done
  echo "timed out waiting for '$2' in $1:" >&2; tail -5 "$1" >&2; return 1
}

java -Xmx256m -cp "$CP" io.gatewatch.proxy.ConcurrencyLoad upstream >"$OUT/upstream.log" 2>&1 &
pids+=($!)
UP_PORT=$(await_line "$OUT/upstream.log" '^UPSTREAM ' 60 | cut -d' ' -f2)

java -Xmx512m -cp "$CP" io.gatewatch.proxy.ConcurrencyLoad proxy "$UP_PORT" "$N" >"$OUT/proxy.log" 2>&1 &
pids+=($!)
PROXY_PORT=$(await_line "$OUT/proxy.log" '^PROXY ' 60 | cut -d' ' -f2)
PROXY_PID=${pids[1]}

sample() { # heap_live_kib rss_kib threads open_fds
  jcmd "$PROXY_PID" GC.run >/dev/null 2>&1
  heap=$(jcmd "$PROXY_PID" GC.heap_info | awk '/heap/ && /used/ { for (i = 1; i <= NF; i++) if ($i == "used") { sub(/K.*/, "", $(i + 1)); print $(i + 1); exit } }')
  echo "$heap $(awk '/^VmRSS:/ { print $2 }' /proc/$PROXY_PID/status) $(awk '/^Threads:/ { print $2 }' /proc/$PROXY_PID/status) $(ls /proc/$PROXY_PID/fd | wc -l)"
}
active() { tail -1 "$OUT/proxy.log" | awk '$1 == "ACTIVE" { print $2 }'; }

read -r h0 r0 t0 f0 <<<"$(sample)"
started=$(date +%s)
java -Xmx512m -cp "$CP" io.gatewatch.proxy.ConcurrencyLoad clients "$PROXY_PORT" "$N" "$HOLD" >"$OUT/clients.log" 2>&1 &
pids+=($!)
connected=$(await_line "$OUT/clients.log" '^CONNECTED ' 600 | cut -d' ' -f2)
ramp=$(( $(date +%s) - started ))
echoed=$(await_line "$OUT/clients.log" '^ECHOED ' 120 | cut -d' ' -f2)
sleep 2
peak_active=$(active)
read -r h1 r1 t1 f1 <<<"$(sample)"
await_line "$OUT/clients.log" '^CLOSED' $(( HOLD + 120 )) >/dev/null
for _ in $(seq 1 600); do [ "$(active)" = 0 ] && break; sleep 0.1; done
sleep 2
read -r h2 r2 t2 f2 <<<"$(sample)"

printf '\n%-22s %12s %12s %12s\n' "proxy process" before "$N open" after
printf '%-22s %12s %12s %12s\n' "relayed connections" 0 "$peak_active" "$(active)"
printf '%-22s %12s %12s %12s\n' "live heap (KiB)" "$h0" "$h1" "$h2"
printf '%-22s %12s %12s %12s\n' "RSS (KiB)" "$r0" "$r1" "$r2"
printf '%-22s %12s %12s %12s\n' "threads" "$t0" "$t1" "$t2"
printf '%-22s %12s %12s %12s\n' "open files" "$f0" "$f1" "$f2"
echo
echo "connected $connected of $N in ${ramp}s; a sample of $echoed echoed through the proxy"
echo "live heap per relayed connection: $(( (h1 - h0) * 1024 / (N > 0 ? N : 1) )) bytes"

ok=1
[ "$connected" = "$N" ] && [ "$peak_active" = "$N" ] || { echo "FAIL: not all $N connections were relayed"; ok=0; }
# Netty starts its event loops (one per core) as the first sockets arrive; beyond them, none
loops=$(nproc)
[ "$t1" -le $(( t0 + loops + 2 )) ] || { echo "FAIL: threads grew with connections ($t0 -> $t1)"; ok=0; }
[ "$f2" -le $(( f0 + 10 )) ] || { echo "FAIL: open files did not come back ($f0 -> $f2)"; ok=0; }
[ "$h2" -le $(( h0 + 8192 )) ] || { echo "FAIL: live heap did not come back ($h0 -> $h2 KiB)"; ok=0; }
[ "$(active)" = 0 ] || { echo "FAIL: connections left after the clients closed"; ok=0; }
[ $ok = 1 ] && echo "PASS: $N concurrent connections, threads fixed, back to baseline after" && exit 0
exit 1
