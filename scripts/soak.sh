#!/usr/bin/env bash
# Soak test (not part of CI; docs/reliability.md): runs the demo under load for DURATION and
# samples the agent's live heap (after a forced GC), RSS, threads and open files every INTERVAL,
# then prints the table and whether each stayed flat (median of the last third against the median
# of the first third, after a warm-up).
#
#   scripts/soak.sh 30m            # DURATION: 90s, 10m, 30m, 2h ...
#   scripts/soak.sh 10m 15 400     # INTERVAL seconds (default 30), fleet size (default 300)
#
# Load, besides the fleet's clients of every behaviour through the proxy and the probe: /metrics
# scraped every second, /api/summary every 2 s, the bundled sample posted to /v1/capture every 2 s.
# Environment: JAR (default target/gatewatch.jar, built when missing), HEAP (default 256m),
# PORT_BASE (default 19470: HTTP, +1 gateway, +2 proxy), OUT (default target/soak).
# Exit status: 0 flat, 1 something grew, 2 bad usage or the agent died.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/soak.sh DURATION [INTERVAL_SECONDS] [CLIENTS]" >&2; exit 2; }
[ $# -ge 1 ] || usage
# A duration as gatewatch reads it (docs/config.md): a unit always; a bare number is refused.
seconds() {
  case "$1" in
    *[0-9]ms) n=${1%ms}; [[ $n =~ ^[0-9]+$ ]] && echo $(( n / 1000 )) ;;
    *[0-9]s) n=${1%s}; [[ $n =~ ^[0-9]+$ ]] && echo "$n" ;;
    *[0-9]m) n=${1%m}; [[ $n =~ ^[0-9]+$ ]] && echo $(( n * 60 )) ;;
    *[0-9]h) n=${1%h}; [[ $n =~ ^[0-9]+$ ]] && echo $(( n * 3600 )) ;;
    *) false ;;
  esac
}
if [[ $1 =~ ^[0-9]+$ ]]; then
  echo "scripts/soak.sh: DURATION: \"$1\" has no unit; add one, e.g. ${1}s (units: ms, s, m, h)" >&2
  exit 2
fi
DURATION=$(seconds "$1") || usage
INTERVAL=${2:-30}
CLIENTS=${3:-300}
JAR=${JAR:-target/gatewatch.jar}
HEAP=${HEAP:-256m}
PORT_BASE=${PORT_BASE:-19470}
OUT=${OUT:-target/soak}
HTTP="127.0.0.1:${PORT_BASE}"
[ "$DURATION" -ge $(( INTERVAL * 6 )) ] || { echo "DURATION must be at least 6 intervals" >&2; exit 2; }

[ -f "$JAR" ] || mvn -B -q -DskipTests package
mkdir -p "$OUT"
samples="$OUT/samples.tsv"
log="$OUT/demo.log"

java -Xmx"$HEAP" -jar "$JAR" demo --clients "$CLIENTS" --duration "$(( DURATION + 5 ))s" \
  --every 60s --http-listen "$HTTP" --gateway-listen "127.0.0.1:$(( PORT_BASE + 1 ))" \
  --proxy-listen "127.0.0.1:$(( PORT_BASE + 2 ))" >"$log" 2>&1 &
PID=$!
loaders=()
cleanup() {
  for l in "${loaders[@]}"; do kill "$l" 2>/dev/null || true; done
  kill "$PID" 2>/dev/null || true
}
trap cleanup EXIT

for _ in $(seq 1 60); do
  curl -sf "http://$HTTP/-/ready" >/dev/null 2>&1 && break
  sleep 1
done
curl -sf "http://$HTTP/-/ready" >/dev/null || { echo "the demo did not become ready; $log:" >&2; tail -20 "$log" >&2; exit 2; }

( while :; do curl -s -o /dev/null "http://$HTTP/metrics"; sleep 1; done ) & loaders+=($!)
( while :; do curl -s -o /dev/null "http://$HTTP/api/summary"; sleep 2; done ) & loaders+=($!)
( while :; do curl -s -o /dev/null --data-binary @samples/fluxer-sample.ndjson "http://$HTTP/v1/capture"; sleep 2; done ) & loaders+=($!)

heap_kib() {
  jcmd "$PID" GC.run >/dev/null 2>&1 || return 1
  # G1: " garbage-first heap   total 262144K, used 31245K [..."
  jcmd "$PID" GC.heap_info 2>/dev/null | awk '/heap/ && /used/ { for (i = 1; i <= NF; i++) if ($i == "used") { sub(/K.*/, "", $(i + 1)); print $(i + 1); exit } }'
}

printf 'elapsed_s\theap_live_kib\trss_kib\tthreads\topen_fds\n' >"$samples"
start=$(date +%s)
while :; do
  now=$(( $(date +%s) - start ))
  [ "$now" -le "$DURATION" ] || break
  kill -0 "$PID" 2>/dev/null || { echo "the agent died after ${now}s; $log:" >&2; tail -20 "$log" >&2; exit 2; }
  heap=$(heap_kib || echo NA)
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status")
  threads=$(awk '/^Threads:/ { print $2 }' "/proc/$PID/status")
  fds=$(ls "/proc/$PID/fd" | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\n' "$now" "$heap" "$rss" "$threads" "$fds" | tee -a "$samples"
  sleep "$INTERVAL"
done

# Verdict. The first 10% of the run (at least two samples) is warm-up (JIT, pools filling);
# of the rest, the median of the last third may exceed the median of the first third by at most
# 10% or a small absolute slack (heap 8 MiB, RSS 32 MiB, 4 threads, 8 files).
awk -F'\t' -v dur="$DURATION" '
  NR == 1 { next }
  $2 == "NA" { next }
  { t[n] = $1; for (c = 2; c <= 5; c++) v[c, n] = $c; n++ }
  function median(c, from, to,   k, m, a, i, j, x) {
    m = 0
    for (k = from; k < to; k++) a[m++] = v[c, k] + 0
    for (i = 1; i < m; i++) { x = a[i]; for (j = i - 1; j >= 0 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
    return m % 2 ? a[int(m / 2)] : (a[m / 2 - 1] + a[m / 2]) / 2
  }
  END {
    w = 0; while (w < n && t[w] < dur * 0.1) w++
    if (w < 2) w = 2
    m = n - w; third = int(m / 3)
    if (third < 1) { print "too few samples for a verdict"; exit 2 }
    split("heap_live_kib rss_kib threads open_fds", name, " ")
    split("8192 32768 4 8", slack, " ")
    bad = 0
    printf "\n%-14s %14s %14s %8s  %s\n", "measure", "first third", "last third", "change", "verdict"
    for (c = 2; c <= 5; c++) {
      a = median(c, w, w + third); b = median(c, n - third, n)
      limit = a * 1.10; if (a + slack[c - 1] > limit) limit = a + slack[c - 1]
      ok = b <= limit
      if (!ok) bad = 1
      printf "%-14s %14d %14d %7.1f%%  %s\n", name[c - 1], a, b, a ? (b - a) * 100 / a : 0, ok ? "flat" : "GROWING"
    }
    printf "\n%d samples over %ds (warm-up: first %d dropped): %s\n", n, dur, w, bad ? "NOT FLAT" : "FLAT"
    exit bad
  }' "$samples"
