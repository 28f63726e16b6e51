#!/usr/bin/env bash
# wrk with 2000 connections against one node of a 3-node durable cluster (issue 13): every answer must be 200 or
# 503 overloaded, no connection reset, the node ready afterwards; its RSS is sampled every second.
# Usage: tally-bench/wrk-c2000.sh [DURATION=30s] [CONNECTIONS=2000]  (needs wrk: apt-get install wrk; run from the
# repository root after `mvn -B package -DskipTests -pl tally-dist -am`). Set WRK_READS=1 for GETs instead of PUTs.
set -euo pipefail
DURATION="${1:-30s}"
CONNS="${2:-2000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$(ls -d "$ROOT"/tally-dist/target/tally-*/tally-*/bin/tally | head -1)"
[ -x "$BIN" ] || { echo "build the release image first: mvn -B package -DskipTests -pl tally-dist -am" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
[ "$(ulimit -n)" -ge $((CONNS + 1000)) ] || ulimit -n $((CONNS + 1000)) || { echo "ulimit -n is below $((CONNS + 1000))" >&2; exit 2; }
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
C="n1=127.0.0.1:17101/127.0.0.1:18101,n2=127.0.0.1:17102/127.0.0.1:18102,n3=127.0.0.1:17103/127.0.0.1:18103"
for i in 1 2 3; do
  "$BIN" server --id "n$i" --data-dir "$WORK/n$i" --raft "127.0.0.1:1710$i" --http "127.0.0.1:1810$i" --cluster "$C" \
    --log-level warn >"$WORK/n$i.log" 2>&1 &
  PIDS+=($!)
done
LEADER=""; LEADER_PID=""
for _ in $(seq 1 120); do
  for i in 1 2 3; do
    if curl -s --max-time 1 "http://127.0.0.1:1810$i/v1/status" | grep -q '"state":"leader"'; then
      LEADER="127.0.0.1:1810$i"; LEADER_PID=${PIDS[$((i - 1))]}
    fi
  done
  [ -n "$LEADER" ] && break
  sleep 0.5
done
[ -n "$LEADER" ] || { echo "no leader; logs in $WORK" >&2; exit 1; }
# The JVM behind bin/tally is a child of its shell script: take the java process.
JPID="$(pgrep -P "$LEADER_PID" java || echo "$LEADER_PID")"
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$JPID/status"; }
echo "leader $LEADER (pid $JPID), RSS before: $(rss) MiB; wrk -t2 -c$CONNS -d$DURATION"
( while kill -0 "$JPID" 2>/dev/null; do rss; sleep 1; done ) >"$WORK/rss" &
SAMPLER=$!
wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 10s -s "$ROOT/tally-bench/wrk-statuses.lua" "http://$LEADER" | tee "$WORK/wrk.out"
kill "$SAMPLER" 2>/dev/null || true
echo "RSS of the node during the run: max $(sort -n "$WORK/rss" | tail -1) MiB, after: $(rss) MiB"
echo "ready after the run: $(curl -s -o /dev/null -w '%{http_code}' "http://$LEADER/readyz")"
