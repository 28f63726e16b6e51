package io.tally.transport.netty;

import io.tally.raft.message.AppendRequest;
import io.tally.raft.message.AppendResponse;
import io.tally.raft.message.RaftMessage;
import io.tally.raft.message.SnapshotAck;
import io.tally.raft.message.SnapshotChunk;

/**
 * The two connections a node keeps to each peer. Elections and leader liveness ride on CONTROL, so a
 * megabyte of entries or a snapshot chunk on DATA can never delay a heartbeat or a vote past an
 * election timeout (the head-of-line blocking a single TCP stream would have).
 */
enum Lane {
    CONTROL(io.tally.wire.v1.Lane.LANE_CONTROL),
    DATA(io.tally.wire.v1.Lane.LANE_DATA);

    final io.tally.wire.v1.Lane wire;

    Lane(io.tally.wire.v1.Lane wire) {
        this.wire = wire;
    }

    static Lane of(RaftMessage m) {
        return m instanceof AppendRequest || m instanceof AppendResponse || m instanceof SnapshotChunk
                || m instanceof SnapshotAck ? DATA : CONTROL;
    }
}
