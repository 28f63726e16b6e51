#!/usr/bin/env bash
# 256 connections of 90 % linearizable reads and of writes against the leader of a fresh 3-node durable cluster,
# for each given release image (bin/tally), interleaved rounds. Usage: tally-bench/reads-ab.sh ROUNDS BIN_TALLY...
set -u
rounds=$1; shift
C="n1=127.0.0.1:17001/127.0.0.1:18001,n2=127.0.0.1:17002/127.0.0.1:18002,n3=127.0.0.1:17003/127.0.0.1:18003"
for r in $(seq 1 "$rounds"); do
  for T in "$@"; do
    d=$(mktemp -d /tmp/reads-ab.XXXX)
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
    for reads in 0.9 0; do
      out=$($T bench --endpoints 127.0.0.1:1800$leader --clients 256 --connections 256 --reads $reads --duration 15s --warmup 5s --json $d/b.json 2>&1 | grep -iE "throughput|ops/s|p50|errors" | tr '\n' ' ' | tr -s ' ')
      echo "round $r $T reads=$reads: $out"
    done
    for i in 1 2 3; do kill $(cat $d/n$i.pid); done; wait 2>/dev/null; rm -rf $d
  done
done
