#!/usr/bin/env bash
# What a capture costs on disk for the demo's fleet (30 clients of every behaviour against the
# demo's simulator, through the proxy): the demo runs twice, once writing the default
# metadata-only capture and once with --capture-payloads, and this prints records, bytes per record
# and per frame, the gzip size (what a rotated file keeps) and the rate per hour, for both; then
# it replays both captures (each must be accepted whole). Not a timing: the figures depend on the
# traffic, not on the machine. Results in docs/performance.md.
#
#   scripts/capture-size.sh          # 60 s per run
#   scripts/capture-size.sh 120s
#
# Not part of the tests. Builds target/gatewatch.jar unless SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-60s}
out=target/capture-size
rm -rf "$out"
mkdir -p "$out"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -DskipTests package
fi
jar=target/gatewatch.jar

run() { # NAME [extra demo flags...]
  local name=$1
  shift
  java -jar "$jar" demo --duration "$duration" --http-listen 127.0.0.1:0 --gateway-listen 127.0.0.1:0 \
    --proxy-listen 127.0.0.1:0 --capture "$out/$name.ndjson" "$@" >"$out/$name.log" 2>&1
}

run metadata
run payloads --capture-payloads

seconds=${duration%s}
case "$duration" in
  *m) seconds=$((${duration%m} * 60)) ;;
  *ms) seconds=1 ;;
esac

printf '%-10s %9s %9s %11s %11s %10s %11s %9s %12s\n' capture records frames bytes \
  bytes/record bytes/frame gzip_bytes gzip_x MB/hour
for name in metadata payloads; do
  f=$out/$name.ndjson
  records=$(wc -l <"$f")
  frames=$(grep -c '"type":"frame"' "$f")
  bytes=$(wc -c <"$f")
  frame_bytes=$(grep '"type":"frame"' "$f" | wc -c)
  gz=$(gzip -6 -c "$f" | wc -c)
  awk -v n="$name" -v r="$records" -v fr="$frames" -v b="$bytes" -v fb="$frame_bytes" -v g="$gz" \
    -v s="$seconds" 'BEGIN { printf "%-10s %9d %9d %11d %11.1f %10.1f %11d %9.1f %12.1f\n",
      n, r, fr, b, b / r, fb / fr, g, b / g, b / s * 3600 / 1e6 }'
done

for name in metadata payloads; do
  if ! java -jar "$jar" replay "$out/$name.ndjson" >"$out/$name.replay" 2>"$out/$name.replay.err"
  then
    echo "replay of $name rejected lines: see $out/$name.replay.err" >&2
    exit 1
  fi
  head -1 "$out/$name.replay"
done
