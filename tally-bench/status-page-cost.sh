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
    if curl -s "http://127.0.0.1:1823$i/v1/status" | grep -q '"state":"leader"'; then
      LEADER="127.0.0.1:1823$i"; LEADER_PID=${PIDS[$((i - 1))]}
    fi
  done
  [ -n "$LEADER" ] && break
  sleep 1
done
[ -n "$LEADER" ] || { echo "no leader; logs in $WORK" >&2; exit 1; }
echo "leader: $LEADER; $ROUNDS rounds of $DURATION each, with and without the page (chromium at nice $BROWSER_NICE)"

cpu_ms() { # CPU time (user + system) the process has used so far, in ms
  awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) * 1000 / hz}' "/proc/$1/stat"
}

nodes_cpu_ms() { # the three nodes' CPU time so far, in ms
  local sum=0
  for p in "${PIDS[@]}"; do sum=$((sum + $(cpu_ms "$p"))); done
  echo "$sum"
}

ui_requests() { # requests for the status page the leader has answered so far
  curl -s "http://$LEADER/metrics" | awk '/^tally_http_requests_seconds_count\{operation="ui"/ {s += $2} END {printf "%d", s}'
}

EXTRA=""
start_mode() { # start_mode ROUND MODE: starts what MODE adds to the node (nothing, the page's requests, the page)
  EXTRA=""
  if [ "$2" = requests ]; then
    # As the page: the whole history once, then twice a second the newest samples (events only when there are new ones).
    ( curl -s -o /dev/null "http://$LEADER/v1/ui/cluster?history=300&events=256&timeout=3s"
      while :; do curl -s -o /dev/null "http://$LEADER/v1/ui/cluster?history=3&events=0&timeout=3s"; sleep 0.5; done ) &
    EXTRA=$!
  elif [ "$2" = page ]; then
    nice -n "$BROWSER_NICE" "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
      --remote-debugging-port=0 --user-data-dir="$WORK/profile-$1" --window-size=1280,1900 \
      "http://$LEADER/ui" >"$WORK/chromium-$1.log" 2>&1 &
    EXTRA=$!
    sleep 3 # loaded and polling
  fi
}

stop_mode() {
  if [ -n "$EXTRA" ]; then
    pkill -P "$EXTRA" 2>/dev/null || true
    kill "$EXTRA" 2>/dev/null || true
    wait "$EXTRA" 2>/dev/null || true
  fi
}

run() { # run ROUND MODE: one measured bench run; prints "MODE THROUGHPUT UI_REQUESTS LEADER_CPU_MS_PER_S"
  local round=$1 mode=$2 before after cpu0 cpu1 t0 t1
  start_mode "$round" "$mode"
  before=$(ui_requests)
  $TALLY bench --endpoints "$LEADER" --clients 256 --connections 256 --reads 0 --duration "$DURATION" --warmup "$WARMUP" \
    --timeout 30s --json "$WORK/$round-$mode.json" >"$WORK/$round-$mode.out" 2>&1 &
  local bench=$!
  sleep "${WARMUP%s}"
  cpu0=$(cpu_ms "$LEADER_PID"); t0=$(date +%s%N)
  wait "$bench" || true
  cpu1=$(cpu_ms "$LEADER_PID"); t1=$(date +%s%N)
  after=$(ui_requests)
  stop_mode
  echo "$mode $(grep -o '"throughput" *: *[0-9]*' "$WORK/$round-$mode.json" | grep -o '[0-9]*$') $((after - before)) \
$(( (cpu1 - cpu0) * 1000000000 / (t1 - t0) ))"
}

RESULTS="$WORK/results"
for r in $(seq 1 "$ROUNDS"); do
  n=${#MODES[@]}
  for k in $(seq 0 $((n - 1))); do
    mode=${MODES[$(((k + r - 1) % n))]}
    line=$(run "$r" "$mode")
    echo "round $r: $line" | awk '{printf "round %s %-8s %8s writes/s  (%s status page requests served meanwhile; leader CPU %s ms/s)\n", $2, $3, $4, $5, $6}'
    echo "$line" >>"$RESULTS"
  done
done
[ "$ROUNDS" -gt 0 ] || { echo "no load rounds"; SKIP_MEDIANS=1; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
[ -n "${SKIP_MEDIANS:-}" ] || NONE=$(awk '$1 == "none" {print $2}' "$RESULTS" | median)
[ -n "${SKIP_MEDIANS:-}" ] || for mode in "${MODES[@]}"; do
  M=$(awk -v m="$mode" '$1 == m {print $2}' "$RESULTS" | median)
  echo "median writes/s, $mode: $M ($(awk -v a="$NONE" -v b="$M" 'BEGIN {printf "%+.1f %%", (b - a) / a * 100}') against none)"
done

# What the page costs the nodes in CPU, measured without the write load (CPU time is what a busy machine's noise does
# not blur): IDLE seconds of each mode, twice, the nodes' CPU time summed.
IDLE="${IDLE:-60}"
echo "without load: the three nodes' CPU over ${IDLE} s per mode"
for r in 1 2; do
  for mode in "${MODES[@]}"; do
    start_mode "idle-$r" "$mode"
    sleep 2
    before=$(ui_requests); c0=$(nodes_cpu_ms); l0=$(cpu_ms "$LEADER_PID")
    sleep "$IDLE"
    c1=$(nodes_cpu_ms); l1=$(cpu_ms "$LEADER_PID"); after=$(ui_requests)
    stop_mode
    echo "idle $r $mode: nodes $(( (c1 - c0) * 1000 / IDLE / 1000 )) ms/s of CPU (leader $(( (l1 - l0) / IDLE )) ms/s), $((after - before)) status page requests"
  done
done
