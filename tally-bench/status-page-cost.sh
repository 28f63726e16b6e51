#!/usr/bin/env bash
# What the status page costs a loaded node: write throughput of a 3-node cluster (file storage, loopback) under
# `./tally bench --clients 256 --connections 256` against its leader, in three modes interleaved over ROUNDS rounds
# (the order rotates each round):
#   none      nothing else;
#   page      /ui open on the leader in headless chromium (at nice BROWSER_NICE: on this one machine the browser's
#             drawing competes with the nodes for the same cores, which it would not from an operator's desk);
#   requests  the page's requests alone, without a browser: what the node itself serves (curl, at the page's pace).
# Prints each run and the medians. docs/benchmarks.md ("The status page under write load") has a run.
#
#   tally-bench/status-page-cost.sh [ROUNDS]   (default 5; DURATION=20s, WARMUP=10s, BROWSER_NICE=0, MODES="none page requests")
#
# TALLY is the command that runs Tally (default: ./tally, which builds on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
TALLY="${TALLY:-./tally}"
ROUNDS="${1:-5}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-10s}"   # 256 sessions to open first: long on a busy machine
BROWSER_NICE="${BROWSER_NICE:-0}"
read -r -a MODES <<<"${MODES:-none page requests}"
CHROMIUM="${CHROMIUM:-chromium}"
command -v "$CHROMIUM" >/dev/null || { echo "needs chromium (Debian: apt-get install chromium)" >&2; exit 2; }
WORK="$(mktemp -d /tmp/tally-ui-cost.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

CLUSTER=""
for i in 1 2 3; do CLUSTER="${CLUSTER:+$CLUSTER,}n$i=127.0.0.1:1723$i/127.0.0.1:1823$i"; done
for i in 1 2 3; do
  $TALLY server --id "n$i" --data-dir "$WORK/n$i" --raft "127.0.0.1:1723$i" --http "127.0.0.1:1823$i" \
    --cluster "$CLUSTER" >"$WORK/n$i.log" 2>&1 &
  PIDS+=($!)
done
LEADER=""
for _ in $(seq 1 60); do
  for i in 1 2 3; do
    if curl -s "http://127.0.0.1:1823$i/v1/status" | grep -q '"state":"leader"'; then LEADER="127.0.0.1:1823$i"; fi
  done
  [ -n "$LEADER" ] && break
  sleep 1
done
[ -n "$LEADER" ] || { echo "no leader; logs in $WORK" >&2; exit 1; }
echo "leader: $LEADER; $ROUNDS rounds of $DURATION each, with and without the page (chromium at nice $BROWSER_NICE)"

ui_requests() { # requests for the status page the leader has answered so far
  curl -s "http://$LEADER/metrics" | awk '/^tally_http_requests_seconds_count\{operation="ui"/ {s += $2} END {printf "%d", s}'
}

run() { # run ROUND MODE: one measured bench run; prints "MODE THROUGHPUT UI_REQUESTS"
  local round=$1 mode=$2 browser="" before after
  if [ "$mode" = requests ]; then
    # As the page: the whole history once, then twice a second the newest samples and events.
    ( curl -s -o /dev/null "http://$LEADER/v1/ui/cluster?history=300&events=256&timeout=3s"
      while :; do curl -s -o /dev/null "http://$LEADER/v1/ui/cluster?history=3&events=16&timeout=3s"; sleep 0.5; done ) &
    browser=$!
  elif [ "$mode" = page ]; then
    nice -n "$BROWSER_NICE" "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
      --remote-debugging-port=0 --user-data-dir="$WORK/profile-$round" --window-size=1280,1900 \
      "http://$LEADER/ui" >"$WORK/chromium-$round.log" 2>&1 &
    browser=$!
    sleep 3 # loaded and polling
  fi
  before=$(ui_requests)
  $TALLY bench --endpoints "$LEADER" --clients 256 --connections 256 --reads 0 --duration "$DURATION" --warmup "$WARMUP" \
    --timeout 30s --json "$WORK/$round-$mode.json" >"$WORK/$round-$mode.out" 2>&1
  after=$(ui_requests)
  if [ -n "$browser" ]; then pkill -P "$browser" 2>/dev/null || true; kill "$browser"; wait "$browser" 2>/dev/null || true; fi
  echo "$mode $(grep -o '"throughput" *: *[0-9]*' "$WORK/$round-$mode.json" | grep -o '[0-9]*$') $((after - before))"
}

RESULTS="$WORK/results"
for r in $(seq 1 "$ROUNDS"); do
  n=${#MODES[@]}
  for k in $(seq 0 $((n - 1))); do
    mode=${MODES[$(((k + r - 1) % n))]}
    line=$(run "$r" "$mode")
    echo "round $r: $line" | awk '{printf "round %s %-8s %8s writes/s  (%s status page requests served meanwhile)\n", $2, $3, $4, $5}'
    echo "$line" >>"$RESULTS"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
NONE=$(awk '$1 == "none" {print $2}' "$RESULTS" | median)
for mode in "${MODES[@]}"; do
  M=$(awk -v m="$mode" '$1 == m {print $2}' "$RESULTS" | median)
  echo "median writes/s, $mode: $M ($(awk -v a="$NONE" -v b="$M" 'BEGIN {printf "%+.1f %%", (b - a) / a * 100}') against none)"
done
