package io.tally.raft.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A requested membership change, resolved against the configuration in force when the leader starts it (so
 * that a queued single-member request applies to the latest membership, not to the one its caller saw).
 * Whatever it resolves to is carried out by joint consensus (Raft thesis §4.3).
 */
public sealed interface ConfigChange {

    /**
     * The members the cluster should have afterwards, given the plain configuration in force.
     *
     * @throws IllegalArgumentException when the change makes no sense against {@code current}
     */
    List<Member> resolve(Configuration current);

    /** Replace the whole membership: any members may be added, removed, promoted or demoted at once. */
    record SetMembers(List<Member> members) implements ConfigChange {

        public SetMembers {
            members = List.copyOf(members);
        }

        @Override
        public List<Member> resolve(Configuration current) {
            return members;
        }
    }

    /**
     * Add a member as a voter or non-voter; for an existing member, change its role (promote or demote) and
     * address. Adding a voter goes through catch-up first: it joins as a non-voter and is promoted once
     * its log is close to the leader's.
     */
    record AddMember(Member member) implements ConfigChange {

        public AddMember {
            Objects.requireNonNull(member, "member");
        }

        @Override
        public List<Member> resolve(Configuration current) {
            List<Member> out = new ArrayList<>();
            boolean replaced = false;
            for (Member m : current.members()) {
                if (m.id().equals(member.id())) {
                    // Keep what the application recorded about it unless the request says otherwise.
                    java.util.Map<String, String> meta = new java.util.TreeMap<>(m.metadata());
                    meta.putAll(member.metadata());
                    String address = member.address().isEmpty() ? m.address() : member.address();
                    out.add(new Member(m.id(), address, member.voter(), meta));
                    replaced = true;
                } else {
                    out.add(m);
                }
            }
            if (!replaced) {
                out.add(member);
            }
            return out;
        }
    }

    /** Remove a member (voter or non-voter), possibly the leader itself. */
    record RemoveMember(String id) implements ConfigChange {

        public RemoveMember {
            Objects.requireNonNull(id, "id");
        }

        @Override
        public List<Member> resolve(Configuration current) {
            if (current.member(id).isEmpty()) {
                throw new IllegalArgumentException(id + " is not a member of " + current);
            }
            List<Member> out = new ArrayList<>(current.members());
            out.removeIf(m -> m.id().equals(id));
            return out;
        }
    }
}
