package io.tally.raft.message;

import io.tally.raft.model.Entry;

import java.util.List;

/** AppendEntries (Figure 2): entries following (prevLogIndex, prevLogTerm), and the leader's commit index. */
public record AppendRequest(String from, String to, long term, long prevLogIndex, long prevLogTerm,
                            List<Entry> entries, long leaderCommit) implements RaftMessage {

    public AppendRequest {
        entries = List.copyOf(entries);
    }

    /** Index of the last entry carried, or prevLogIndex when empty. */
    public long lastIndex() {
        return prevLogIndex + entries.size();
    }
}
