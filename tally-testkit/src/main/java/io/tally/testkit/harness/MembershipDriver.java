package io.tally.testkit.harness;

import io.tally.raft.ClusterChangeException;
import io.tally.raft.Membership;
import io.tally.raft.RaftException;
import io.tally.raft.node.RaftNode;
import io.tally.raft.model.ConfigChange;
import io.tally.raft.model.Member;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Drives a cluster under test to an exact membership, as an operator would retry: asks whichever node leads for a
 * {@link ConfigChange.SetMembers} (so asking again is harmless), and asks again after a lost leadership, a change
 * in progress, a failed catch-up, an outcome-unknown answer or no answer at all (the asked node crashed).
 */
public final class MembershipDriver {

    private MembershipDriver() {
    }

    /**
     * @param leader   the node that leads now, or null when none does
     * @param describe the cluster's state, for the failure message
     * @return the committed membership
     * @throws AssertionError when the change is invalid, fails unexpectedly, or does not succeed within {@code maxMillis}
     */
    public static Membership setMembers(HarnessClock clock, Supplier<RaftNode<?>> leader, List<Member> members,
                                        long maxMillis, Supplier<String> describe) {
        long deadline = clock.nowMillis() + maxMillis;
        Throwable last = null;
        while (clock.nowMillis() < deadline) {
            long left = deadline - clock.nowMillis();
            RaftNode<?> node = leader.get();
            if (node == null) {
                clock.sleep(Math.min(50, left));
                continue;
            }
            long attempt = Math.max(1, Math.min(left, 10_000));
            CompletableFuture<Membership> f = node.changeMembership(new ConfigChange.SetMembers(members), -1,
                    Duration.ofMillis(attempt));
            if (!clock.await(f::isDone, attempt + 1_000)) {
                last = new AssertionError(node.id() + " gave no answer within " + (attempt + 1_000) + " ms");
                continue; // it crashed or was cut off for good: ask whoever leads now
            }
            if (!f.isCompletedExceptionally()) {
                return f.join();
            }
            last = f.handle((v, e) -> e).join();
            if (last instanceof CompletionException ce && ce.getCause() != null) {
                last = ce.getCause();
            }
            if (last instanceof ClusterChangeException c && c.kind() == ClusterChangeException.Kind.INVALID) {
                throw new AssertionError("membership change to " + members + " is invalid: " + c.getMessage(), c);
            }
            if (!(last instanceof RaftException)) {
                throw new AssertionError("membership change to " + members + " failed unexpectedly: " + last, last);
            }
            clock.sleep(Math.min(50, Math.max(1, deadline - clock.nowMillis())));
        }
        throw new AssertionError("membership change to " + members + " did not succeed within " + maxMillis
                + " ms; last error: " + last + "; " + describe.get());
    }

    /** Voting members with ids {@code n<i>} for the given node indexes. */
    public static List<Member> voters(int... indexes) {
        List<Member> ms = new ArrayList<>();
        for (int i : indexes) {
            ms.add(Member.voter(Cluster.id(i)));
        }
        return ms;
    }
}
