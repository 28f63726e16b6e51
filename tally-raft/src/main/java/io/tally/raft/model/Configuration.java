package io.tally.raft.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A cluster configuration (Raft thesis §4): the members, each a voter or a non-voter, and — during a
 * joint-consensus change (§4.3) — the voter set being left behind. Decisions in a joint configuration
 * need a majority of {@link #voters()} and a majority of {@link #outgoingVoters()}.
 */
public record Configuration(List<Member> members, Set<String> outgoingVoters) {

    public static final Configuration EMPTY = new Configuration(List.of(), Set.of());

    public Configuration {
        members = List.copyOf(members);
        outgoingVoters = Collections.unmodifiableSet(new LinkedHashSet<>(outgoingVoters));
        Set<String> seen = new LinkedHashSet<>();
        for (Member m : members) {
            if (!seen.add(m.id())) {
                throw new IllegalArgumentException("duplicate member id " + m.id());
            }
        }
    }

    /** A plain (non-joint) configuration. */
    public static Configuration of(List<Member> members) {
        return new Configuration(members, Set.of());
    }

    /** A plain configuration of voters with empty addresses (in-memory clusters). */
    public static Configuration ofVoters(String... ids) {
        List<Member> ms = new ArrayList<>();
        for (String id : ids) {
            ms.add(Member.voter(id));
        }
        return of(ms);
    }

    /** The ids of the (incoming) voters, in member order. */
    public Set<String> voters() {
        Set<String> v = new LinkedHashSet<>();
        for (Member m : members) {
            if (m.voter()) {
                v.add(m.id());
            }
        }
        return v;
    }

    public boolean isJoint() {
        return !outgoingVoters.isEmpty();
    }

    /** Whether the id votes in either half of the configuration. */
    public boolean isVoter(String id) {
        return outgoingVoters.contains(id) || member(id).map(Member::voter).orElse(false);
    }

    public boolean contains(String id) {
        return member(id).isPresent() || outgoingVoters.contains(id);
    }

    public Optional<Member> member(String id) {
        for (Member m : members) {
            if (m.id().equals(id)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** Every id this configuration replicates to: members plus outgoing voters. */
    public Set<String> allIds() {
        Set<String> all = new LinkedHashSet<>();
        for (Member m : members) {
            all.add(m.id());
        }
        all.addAll(outgoingVoters);
        return all;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (Member m : members) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(m.id()).append(m.voter() ? "" : "(non-voter)");
        }
        if (isJoint()) {
            sb.append(" | outgoing ").append(outgoingVoters);
        }
        return sb.append('}').toString();
    }

    public static void requireValidBootstrap(Configuration c) {
        Objects.requireNonNull(c, "configuration");
        if (c.voters().isEmpty()) {
            throw new IllegalArgumentException("a bootstrap configuration needs at least one voter");
        }
        if (c.isJoint()) {
            throw new IllegalArgumentException("a bootstrap configuration cannot be joint");
        }
    }
}
