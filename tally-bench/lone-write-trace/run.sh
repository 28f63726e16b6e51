#!/usr/bin/env bash
# Where a lone write's time goes: one write at a time against three durable node processes, each recording when
# the write passes 14 points of its path, then the median time of each step (docs/benchmarks.md, "Where a lone
# write's time goes").
#
#   git worktree add /tmp/traced HEAD && cd /tmp/traced
#   git apply tally-bench/lone-write-trace/stage-trace.patch    # the points; off unless -Dtally.trace is given
#   mvn -B -q -DskipTests package -pl tally-dist -am
#   tally-bench/lone-write-trace/run.sh tally-dist/target/tally-*/tally-*/ /tmp/trace-out
#
# Usage: run.sh IMAGE OUTDIR [more ./tally bench flags]   (IMAGE: an unpacked release tree, with bin/tally)
# DURATION and WARMUP (default 20s and 10s) set the measured period and the warm-up before it. Run it on a quiet
# machine: every step below is a thread waking on one of the machine's cores.
set -u
T=$1/bin/tally; out=$2; shift 2
C="n1=127.0.0.1:17001/127.0.0.1:18001,n2=127.0.0.1:17002/127.0.0.1:18002,n3=127.0.0.1:17003/127.0.0.1:18003"
rm -rf "$out"; mkdir -p "$out"; d=$(mktemp -d /tmp/lone-write.XXXX)
for i in 1 2 3; do
  TALLY_JAVA_OPTS="-Dtally.trace=$out" $T server --id n$i --data-dir $d/n$i --raft 127.0.0.1:1700$i \
    --http 127.0.0.1:1800$i --cluster "$C" > $d/n$i.log 2>&1 &
  echo $! > $d/n$i.pid
done
leader=""
for t in $(seq 1 150); do
  for i in 1 2 3; do curl -s --max-time 1 http://127.0.0.1:1800$i/v1/status | grep -q '"state":"leader"' && leader=$i; done
  [ -n "$leader" ] && break; sleep 0.2
done
[ -n "$leader" ] || { echo "no leader within 30 s; logs in $d" >&2; exit 1; }
$T bench --endpoints 127.0.0.1:1800$leader --clients 1 --connections 1 --reads 0 --duration "${DURATION:-20s}" \
  --warmup "${WARMUP:-10s}" "$@" 2>&1 | grep -iE "ops/s|p50"
for i in 1 2 3; do kill "$(cat $d/n$i.pid)"; done  # SIGTERM: each node writes its trace at exit
wait 2>/dev/null; rm -rf "$d"
python3 "$(dirname "$0")/analyze.py" "$out"
