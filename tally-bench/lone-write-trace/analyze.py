#!/usr/bin/env python3
"""Joins the trace files of one run.sh run (DIR/trace-PID.txt, lines "point nanos") into per-write steps.

The leader's file is the one with HTTP requests (point h0). Writes are one at a time, so write i owns every point
recorded between its request (h0) and the next one; the follower whose answer left first is the one on the
critical path. The first 30 % of the writes are dropped as warm-up. Prints each step's median and p90 in µs.
The leader's points (its send s1, the answer's a0 and a1) are its first in the window, whichever follower they
concern, so a single leg may pair the leader's point for one follower with the other follower's point; the legs
still add up to the path.
"""
import bisect
import glob
import statistics
import sys

procs = {}
for name in glob.glob(sys.argv[1] + "/trace-*.txt"):
    points = {}
    with open(name) as f:
        for line in f:
            p, t = line.split()
            points.setdefault(p, []).append(int(t))
    for ts in points.values():
        ts.sort()
    procs[name] = points
leaders = [n for n, pts in procs.items() if len(pts.get("h0", [])) > 100]
if len(leaders) != 1 or len(procs) != 3:
    sys.exit(f"expected three trace files, one of them the leader's; found {len(procs)} files, {len(leaders)} leaders")
leader = procs[leaders[0]]
followers = [pts for n, pts in procs.items() if n != leaders[0]]


def first(points, p, t0, t1):
    ts = points.get(p, [])
    j = bisect.bisect_left(ts, t0)
    return ts[j] if j < len(ts) and ts[j] < t1 else None


STEPS = [  # (label, from, to); L. the leader, F. the follower whose answer left first
    ("HTTP request read -> leader's Raft loop takes it", "L.h0", "L.r0"),
    ("-> AppendEntries handed to the transport", "L.r0", "L.s0"),
    ("-> written to the follower's socket", "L.s0", "L.s1"),
    ("-> follower's transport decodes it", "L.s1", "F.f0"),
    ("-> follower's Raft loop handles it", "F.f0", "F.f1"),
    ("-> follower's log writer starts", "F.f1", "F.w0"),
    ("append + fdatasync (follower)", "F.w0", "F.w1"),
    ("-> answer written to the socket", "F.w1", "F.f4"),
    ("-> leader's transport decodes it", "F.f4", "L.a0"),
    ("-> leader's Raft loop handles it", "L.a0", "L.a1"),
    ("-> committed, handed to the applier", "L.a1", "L.a2"),
    ("-> applier starts", "L.a2", "L.p0"),
    ("apply", "L.p0", "L.p1"),
    ("-> HTTP response written", "L.p1", "L.h1"),
    ("total: HTTP request read -> response written", "L.h0", "L.h1"),
    ("leader's own append + fdatasync (alongside)", "L.w0", "L.w1"),
]
deltas = {label: [] for label, _, _ in STEPS}
h0 = leader["h0"]
writes = leader_later = 0
for i in range(int(len(h0) * 0.3), len(h0) - 1):
    t0, t1 = h0[i], h0[i + 1]
    at = {"L." + p: first(leader, p, t0, t1) for p in ["h0", "r0", "s0", "s1", "w0", "w1", "a0", "a1", "a2", "p0", "p1", "h1"]}
    answered = []
    for f in followers:
        fa = {"F." + p: first(f, p, t0, t1) for p in ["f0", "f1", "w0", "w1", "f4"]}
        if None not in fa.values():
            answered.append(fa)
    if None in at.values() or not answered:
        continue  # a point fell outside the window (a retry, a heartbeat's timing): not a clean lone write
    at.update(min(answered, key=lambda fa: fa["F.f4"]))
    writes += 1
    leader_later += at["L.w1"] > at["L.a1"]
    for label, a, b in STEPS:
        deltas[label].append((at[b] - at[a]) / 1000)
print(f"{writes} writes (of {len(h0)}); the leader's own fdatasync ended after the first follower's answer in "
      f"{leader_later} ({100 * leader_later / max(writes, 1):.0f} %)")
print(f"{'step':48s} {'median µs':>10s} {'p90 µs':>9s}")
for label, _, _ in STEPS:
    v = sorted(deltas[label])
    print(f"{label:48s} {statistics.median(v):10.1f} {v[int(len(v) * 0.9)]:9.1f}")
