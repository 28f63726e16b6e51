#!/usr/bin/env bash
# What a read can cost at best: 256 connections against the leader of a fresh 3-node durable cluster, interleaved
# rounds of 100 % writes and of 90 % reads served linearizable (ReadIndex), by lease, and stale (this node's state,
# no Raft at all: the ceiling any read protocol can reach through this HTTP API and load generator).
# Then the same three kinds of request from wrk (C, a small fraction of a core per 10k requests/s), which takes the
# load generator's own cost out: PUTs, the 90 % mixes, GETs only (linearizable and stale).
# Usage: tally-bench/reads-ceiling.sh ROUNDS BIN_TALLY   (wrk: apt-get install wrk)
set -u
rounds=$1 T=$2
C="n1=127.0.0.1:17001/127.0.0.1:18001,n2=127.0.0.1:17002/127.0.0.1:18002,n3=127.0.0.1:17003/127.0.0.1:18003"
d=$(mktemp -d /tmp/reads-ceiling.XXXX)
for i in 1 2 3; do
  $T server --id n$i --data-dir $d/n$i --raft 127.0.0.1:1700$i --http 127.0.0.1:1800$i --cluster "$C" > $d/n$i.log 2>&1 &
  echo $! > $d/n$i.pid
done
leader=""
for t in $(seq 1 150); do
  for i in 1 2 3; do
    curl -s --max-time 1 http://127.0.0.1:1800$i/v1/status | grep -q '"state":"leader"' && leader=$i
  done
  [ -n "$leader" ] && break; sleep 0.2
done
for r in $(seq 1 "$rounds"); do
  for w in "0 linearizable" "0.9 linearizable" "0.9 lease" "0.9 stale"; do
    set -- $w
    out=$($T bench --endpoints 127.0.0.1:1800$leader --clients 256 --connections 256 --reads $1 --consistency $2 \
      --duration 15s --warmup 5s --json $d/b.json 2>&1 | grep -iE "throughput|ops/s|p50|errors" | tr '\n' ' ' | tr -s ' ')
    echo "round $r reads=$1 consistency=$2: $out"
  done
done
LUA="$(cd "$(dirname "$0")" && pwd)/wrk-statuses.lua"
for r in $(seq 1 "$rounds"); do
  for w in "0 " "0.9 " "0.9 consistency=stale" "1 " "1 consistency=stale"; do
    set -- $w
    out=$(WRK_READS=$1 WRK_QUERY=${2:-} wrk -t2 -c256 -d15s -s "$LUA" http://127.0.0.1:1800$leader 2>&1 \
      | grep -E "Requests/sec|status|errors|Latency" | tr '\n' ' ' | tr -s ' ')
    echo "round $r wrk reads=$1 ${2:-}: $out"
  done
done
for i in 1 2 3; do kill $(cat $d/n$i.pid); done; wait 2>/dev/null; rm -rf $d
