#!/usr/bin/env bash
# What the status page costs a loaded node. A 3-node cluster (file storage, loopback) and three modes, interleaved over
# ROUNDS rounds (the order rotating each round):
#   none      nothing else;
#   page      /ui open on the leader in headless chromium (at nice BROWSER_NICE: on this one machine the browser's
#             drawing competes with the nodes for the same cores, which it would not from an operator's desk);
#   requests  the page's requests alone, without a browser: what the node itself serves (curl, at the page's pace);
#   requestsN the same N times a second (e.g. requests20: ten pages' worth), to see the per-request cost above the noise.
# Three parts (PARTS, default all three):
#   load   write throughput and the leader's CPU under `./tally bench --clients 256 --connections 256` (saturating);
#   rate   the leader's CPU per committed write under the same 256 streams held to RATE writes/s (well below
#          saturation): the load is then the same in every mode, so the leader's CPU time (from /proc/PID/stat)
#          shows the page's cost, which the noisy throughput of a shared machine cannot;
#   idle   the nodes' CPU without any load, IDLE seconds per mode, twice.
# Prints each run, the medians and the page's cost as a fraction of the loaded leader's CPU. docs/benchmarks.md
# ("The status page under write load") has a run.
#
#   tally-bench/status-page-cost.sh [ROUNDS]   (default 5; PARTS="load rate idle", DURATION=20s, WARMUP=10s, RATE=2000,
#                                              RATE_DURATION=30s, IDLE=30, BROWSER_NICE=0, MODES="none page requests",
#                                              PORT=18230: HTTP ports PORT+1..3, Raft ports PORT-1000+1..3)
#
# TALLY is the command that runs Tally (default: ./tally, which builds on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
TALLY="${TALLY:-./tally}"
ROUNDS="${1:-5}"
read -r -a PARTS <<<"${PARTS:-load rate idle}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-10s}"   # 256 sessions to open first: long on a busy machine
RATE="${RATE:-2000}"
RATE_DURATION="${RATE_DURATION:-30s}"
IDLE="${IDLE:-30}"
BROWSER_NICE="${BROWSER_NICE:-0}"
PORT="${PORT:-18230}"
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
for i in 1 2 3; do CLUSTER="${CLUSTER:+$CLUSTER,}n$i=127.0.0.1:$((PORT - 1000 + i))/127.0.0.1:$((PORT + i))"; done
for i in 1 2 3; do
  $TALLY server --id "n$i" --data-dir "$WORK/n$i" --raft "127.0.0.1:$((PORT - 1000 + i))" --http "127.0.0.1:$((PORT + i))" \
    --cluster "$CLUSTER" >"$WORK/n$i.log" 2>&1 &
  PIDS+=($!)
done
LEADER=""
for _ in $(seq 1 60); do
  for i in 1 2 3; do
    if curl -s "http://127.0.0.1:$((PORT + i))/v1/status" | grep -q '"state":"leader"'; then
      LEADER="127.0.0.1:$((PORT + i))"; LEADER_PID=${PIDS[$((i - 1))]}
    fi
  done
  [ -n "$LEADER" ] && break
  sleep 1
done
[ -n "$LEADER" ] || { echo "no leader; logs in $WORK" >&2; exit 1; }
echo "leader: $LEADER; $ROUNDS rounds of ${PARTS[*]} (chromium at nice $BROWSER_NICE); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

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
  if [[ "$2" =~ ^requests([0-9]*)$ ]]; then
    # As the page: the whole history once, then twice a second (requestsN: N times a second) the newest samples
    # (events only when there are new ones), on one kept-alive connection as a browser does.
    local pace="${BASH_REMATCH[1]:-2}" i
    [ -f "$WORK/requests.curl" ] || for i in $(seq 1 100000); do
      echo "url = \"http://$LEADER/v1/ui/cluster?history=3&events=0&timeout=3s\""; echo "output = /dev/null"; done >"$WORK/requests.curl"
    ( curl -s -o /dev/null "http://$LEADER/v1/ui/cluster?history=300&events=256&timeout=3s"
      exec curl -s --rate "$pace/s" -K "$WORK/requests.curl" ) &
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
    pkill -P "$EXTRA" 2>/dev/null || true # chromium's own processes
    kill "$EXTRA" 2>/dev/null || true
    wait "$EXTRA" 2>/dev/null || true
  fi
}

# run ROUND MODE BENCH_ARGS...: one measured bench run;
# prints "MODE WRITES_PER_S UI_REQUESTS LEADER_CPU_MS_PER_S LEADER_CPU_US_PER_WRITE"
run() {
  local round=$1 mode=$2 before after cpu0 cpu1 t0 t1 ops
  shift 2
  start_mode "$round" "$mode"
  before=$(ui_requests)
  $TALLY bench --endpoints "$LEADER" --clients 256 --connections 256 --reads 0 --warmup "$WARMUP" \
    --timeout 30s --json "$WORK/$round-$mode.json" "$@" >"$WORK/$round-$mode.out" 2>&1 &
  local bench=$!
  sleep "${WARMUP%s}"
  cpu0=$(cpu_ms "$LEADER_PID"); t0=$(date +%s%N)
  wait "$bench" || true
  cpu1=$(cpu_ms "$LEADER_PID"); t1=$(date +%s%N)
  after=$(ui_requests)
  stop_mode
  ops=$(grep -o '"operations" *: *[0-9]*' "$WORK/$round-$mode.json" | grep -o '[0-9]*$')
  echo "$mode $(grep -o '"throughput" *: *[0-9]*' "$WORK/$round-$mode.json" | grep -o '[0-9]*$') $((after - before)) \
$(( (cpu1 - cpu0) * 1000000000 / (t1 - t0) )) $(( (cpu1 - cpu0) * 1000 / (ops > 0 ? ops : 1) ))"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
range() { sort -n | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%s–%s", lo, hi}'; }
has_part() { [[ " ${PARTS[*]} " == *" $1 "* ]]; }

rounds() { # rounds PART BENCH_ARGS...: ROUNDS interleaved rounds of every mode, into $WORK/PART
  local part=$1 n=${#MODES[@]} r k mode line
  shift
  for r in $(seq 1 "$ROUNDS"); do
    for k in $(seq 0 $((n - 1))); do
      mode=${MODES[$(((k + r - 1) % n))]}
      line=$(run "$part-$r" "$mode" "$@")
      echo "$line" | awk -v p="$part" -v r="$r" '{printf "%s round %s %-8s %6s writes/s  %3s status page requests  leader CPU %4s ms/s, %4s µs per write\n", p, r, $1, $2, $3, $4, $5}'
      echo "$line" >>"$WORK/$part"
    done
  done
}

LOADED_CPU=""
if has_part load && [ "$ROUNDS" -gt 0 ]; then
  echo "== load: 256 connections of writes, as fast as they go, $DURATION per run"
  rounds load --duration "$DURATION"
  NONE=$(awk '$1 == "none" {print $2}' "$WORK/load" | median)
  LOADED_CPU=$(awk '$1 == "none" {print $4}' "$WORK/load" | median)
  for mode in "${MODES[@]}"; do
    M=$(awk -v m="$mode" '$1 == m {print $2}' "$WORK/load" | median)
    echo "load, $mode: median $M writes/s (range $(awk -v m="$mode" '$1 == m {print $2}' "$WORK/load" | range);" \
      "$(awk -v a="$NONE" -v b="$M" 'BEGIN {printf "%+.1f %%", (b - a) / a * 100}') against none)," \
      "leader CPU median $(awk -v m="$mode" '$1 == m {print $4}' "$WORK/load" | median) ms/s"
  done
fi

if has_part rate && [ "$ROUNDS" -gt 0 ]; then
  echo "== rate: 256 connections of writes held to $RATE writes/s, $RATE_DURATION per run"
  rounds rate --duration "$RATE_DURATION" --rate "$RATE"
  BASE=$(awk '$1 == "none" {print $4}' "$WORK/rate" | median)
  for mode in "${MODES[@]}"; do
    M=$(awk -v m="$mode" '$1 == m {print $4}' "$WORK/rate" | median)
    echo "rate, $mode: leader CPU median $M ms/s (range $(awk -v m="$mode" '$1 == m {print $4}' "$WORK/rate" | range)), " \
      "$(awk -v m="$mode" '$1 == m {print $5}' "$WORK/rate" | median) µs per write;" \
      "$(awk -v a="$BASE" -v b="$M" 'BEGIN {printf "%+.1f", b - a}') ms/s against none$( [ -n "$LOADED_CPU" ] && \
      awk -v a="$BASE" -v b="$M" -v l="$LOADED_CPU" 'BEGIN {printf ", %+.2f %% of the loaded leader'"'"'s %d ms/s", (b - a) / l * 100, l}')"
  done
fi

if has_part idle; then
  # Without the write load: IDLE seconds of each mode, twice, the nodes' CPU time summed.
  echo "== idle: the three nodes' CPU over ${IDLE} s per mode"
  for r in 1 2; do
    for mode in "${MODES[@]}"; do
      start_mode "idle-$r" "$mode"
      sleep 2
      before=$(ui_requests); c0=$(nodes_cpu_ms); l0=$(cpu_ms "$LEADER_PID")
      sleep "$IDLE"
      c1=$(nodes_cpu_ms); l1=$(cpu_ms "$LEADER_PID"); after=$(ui_requests)
      stop_mode
      echo "idle $r $mode: nodes $(( (c1 - c0) / IDLE )) ms/s of CPU (leader $(( (l1 - l0) / IDLE )) ms/s), $((after - before)) status page requests"
    done
  done
fi
