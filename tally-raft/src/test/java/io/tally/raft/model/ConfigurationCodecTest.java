package io.tally.raft.model;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConfigurationCodecTest {

    private static final Configuration JOINT = new Configuration(
            List.of(Member.voter("a", "10.0.0.1:7000"), Member.voter("d", "10.0.0.4:7000"),
                    Member.nonVoter("learner", "10.0.0.9:7000")),
            new LinkedHashSet<>(List.of("a", "b", "c")));

    private static void assertRoundTrip(Configuration c) {
        byte[] bytes = ConfigurationCodec.encode(c);
        Configuration back = ConfigurationCodec.decode(bytes);
        assertEquals(c, back);
        assertEquals(c.voters(), back.voters());
        assertEquals(c.outgoingVoters(), back.outgoingVoters());
        assertEquals(c.isJoint(), back.isJoint());
        assertArrayEquals(bytes, ConfigurationCodec.encode(back), "encoding is deterministic");
    }

    // Thesis §4.1: configurations are stored in the log as CONFIGURATION entries and must survive storage exactly.
    @Test
    void plainConfigurationsRoundTrip() {
        assertRoundTrip(Configuration.ofVoters("a"));
        assertRoundTrip(Configuration.ofVoters("a", "b", "c", "d", "e"));
        assertRoundTrip(Configuration.EMPTY);
        assertRoundTrip(Configuration.of(List.of(Member.voter("ñødé-é", "[::1]:9000"),
                Member.nonVoter("x".repeat(255), ""))));
    }

    // Thesis §4.3: a joint configuration (C_old,new) keeps both voter sets, including the outgoing one.
    @Test
    void jointConfigurationRoundTrips() {
        assertRoundTrip(JOINT);
        Configuration back = ConfigurationCodec.decode(ConfigurationCodec.encode(JOINT));
        assertEquals(List.of("a", "b", "c"), List.copyOf(back.outgoingVoters()));
        assertEquals(Set.of("a", "d"), back.voters());
        assertEquals(false, back.member("learner").orElseThrow().voter());
        assertEquals("10.0.0.4:7000", back.member("d").orElseThrow().address());
    }

    // A CONFIGURATION entry is decoded on recovery: a torn/truncated entry must be reported, not misread.
    @Test
    void everyTruncationIsRejected() {
        byte[] full = ConfigurationCodec.encode(JOINT);
        for (int len = 0; len < full.length; len++) {
            byte[] prefix = Arrays.copyOf(full, len);
            assertThrows(IllegalArgumentException.class, () -> ConfigurationCodec.decode(prefix), "prefix length " + len);
        }
    }

    // Storage format versioning: an unknown encoding version is rejected.
    @Test
    void badVersionIsRejected() {
        byte[] bytes = ConfigurationCodec.encode(JOINT);
        for (byte v : new byte[] {0, 3, (byte) 0xFF}) {
            byte[] bad = bytes.clone();
            bad[0] = v;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigurationCodec.decode(bad));
            assertEquals(true, e.getMessage().contains("version"), e.getMessage());
        }
    }

    // Version 2 carries member metadata; version 1 entries (written before it existed) still decode.
    @Test
    void metadataSurvivesAndVersionOneStillDecodes() {
        Configuration withMeta = Configuration.of(java.util.List.of(
                new Member("a", "h:1", true).withMetadata("http", "h:8001"), new Member("b", "h:2", false)));
        assertEquals(withMeta, ConfigurationCodec.decode(ConfigurationCodec.encode(withMeta)));
        byte[] v1 = {1, 0, 1, 0, 1, 'a', 0, 3, 'h', ':', '1', 1, 0, 0};
        assertEquals(Configuration.of(java.util.List.of(new Member("a", "h:1", true))), ConfigurationCodec.decode(v1));
    }

    // Exact framing: trailing garbage after a configuration is malformed input.
    @Test
    void trailingBytesAreRejected() {
        byte[] bytes = ConfigurationCodec.encode(Configuration.ofVoters("a", "b"));
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(IllegalArgumentException.class, () -> ConfigurationCodec.decode(longer));
    }

    // Malformed contents (absurd counts, duplicate ids, invalid ids, bad UTF-8) raise IllegalArgumentException.
    @Test
    void malformedContentsAreRejected() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> ConfigurationCodec.decode(bytes(out -> {
            out.writeByte(1);
            out.writeShort(0xFFFF); // far more members than allowed
        })));
        assertThrows(IllegalArgumentException.class, () -> ConfigurationCodec.decode(bytes(out -> {
            out.writeByte(1);
            out.writeShort(2);
            out.writeUTF("a");
            out.writeUTF("");
            out.writeBoolean(true);
            out.writeUTF("a"); // duplicate id
            out.writeUTF("");
            out.writeBoolean(true);
            out.writeShort(0);
        })));
        assertThrows(IllegalArgumentException.class, () -> ConfigurationCodec.decode(bytes(out -> {
            out.writeByte(1);
            out.writeShort(1);
            out.writeUTF(""); // empty id
            out.writeUTF("");
            out.writeBoolean(true);
            out.writeShort(0);
        })));
        assertThrows(IllegalArgumentException.class, () -> ConfigurationCodec.decode(new byte[] {
                1, 0, 1, 0, 2, (byte) 0xC0, (byte) 0x20, 0, 0, 1, 0, 0})); // invalid modified UTF-8 in the id
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] bytes(Writer w) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        w.write(out);
        out.flush();
        return b.toByteArray();
    }
}
