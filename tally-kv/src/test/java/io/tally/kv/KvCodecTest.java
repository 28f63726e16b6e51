package io.tally.kv;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvCodecTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final List<KvCommand> EVERY_KIND = List.of(
            KvCommand.put("k/ü", b("v")).withExpectedVersion(3).withLease(77).withSession(12, 9).withStamp(42),
            KvCommand.append("k", b("more")),
            KvCommand.delete("k").withExpectedVersion(0),
            KvCommand.deletePrefix(""),
            KvCommand.deletePrefix("dir/"),
            KvCommand.register().withStamp(5),
            KvCommand.grantLease(10_000),
            KvCommand.revokeLease(8),
            KvCommand.expireLease(9),
            KvCommand.txn(
                    List.of(new Compare.VersionIs("a", 0), new Compare.ValueIs("b", b("x")), new Compare.Exists("c", true)),
                    List.of(new TxnOp.Put("a", b("1"), 0), new TxnOp.Get("a"), new TxnOp.Delete("b"), new TxnOp.DeletePrefix("d/")),
                    List.of(new TxnOp.Get("a"), new TxnOp.Put("z", b(""), 4))).withSession(3, 1));

    @Test
    void everyKindOfCommandSurvivesItsBinaryForm() {
        for (KvCommand c : EVERY_KIND) {
            KvCommand back = KvCommand.decode(c.encode());
            assertEquals(c, back, c.toString());
            assertEquals(c.toString(), back.toString());
        }
        KvRequest.Txn t = (KvRequest.Txn) KvCommand.decode(EVERY_KIND.get(9).encode()).request();
        assertArrayEquals(b("x"), ((Compare.ValueIs) t.compare().get(1)).value());
        assertEquals(4, ((TxnOp.Put) t.failure().get(1)).lease());
    }

    @Test
    void cutOrPaddedEntriesAreRefused() {
        for (KvCommand c : EVERY_KIND) {
            byte[] bytes = c.encode();
            for (int cut = 1; cut < bytes.length; cut++) {
                byte[] shorter = Arrays.copyOf(bytes, cut);
                assertThrows(IllegalArgumentException.class, () -> KvCommand.decode(shorter), c + " cut to " + cut);
            }
            byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
            assertThrows(IllegalArgumentException.class, () -> KvCommand.decode(longer), c + " with a byte more");
        }
    }

    @Test
    void unknownVersionsAndKindsAreRefused() {
        byte[] bytes = KvCommand.grantLease(5).encode();
        bytes[0] = 9;
        assertThrows(IllegalArgumentException.class, () -> KvCommand.decode(bytes));
        byte[] kind = KvCommand.grantLease(5).encode();
        kind[25] = 4; // the retired member-directory code
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KvCommand.decode(kind)).getMessage().contains("kind 4"));
    }

    /** Version 2: {@code u8 2, u8 op, i64 stamp, i64 session, i64 seq, str key, i64 expected, i32 length, value}. */
    static byte[] version2(int op, long session, long seq, String key, long expected, byte[] value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(2);
        out.writeByte(op);
        out.writeLong(1234);
        out.writeLong(session);
        out.writeLong(seq);
        out.writeUTF(key);
        out.writeLong(expected);
        out.writeInt(value.length);
        out.write(value);
        return bytes.toByteArray();
    }

    @Test
    void versionTwoEntriesAreStillRead() throws IOException {
        KvCommand put = KvCommand.decode(version2(1, 7, 2, "k", 3, b("v")));
        assertEquals(KvCommand.put("k", b("v")).withExpectedVersion(3).withSession(7, 2).withStamp(1234), put);
        assertEquals(KvCommand.delete("k").withStamp(1234), KvCommand.decode(version2(2, 0, 0, "k", -1, new byte[0])));
        assertInstanceOf(KvRequest.Append.class, KvCommand.decode(version2(3, 0, 0, "k", -1, b("x"))).request());
        assertInstanceOf(KvRequest.Register.class, KvCommand.decode(version2(5, 0, 0, "", -1, new byte[0])).request());
        assertThrows(IllegalArgumentException.class, () -> KvCommand.decode(version2(4, 0, 0, "n1", -1, b("addr"))),
                "the retired member directory is not a version-2 operation");
        assertThrows(IllegalArgumentException.class, () -> KvCommand.decode(version2(1, 0, 0, "", -1, b("v"))), "empty key");
    }
}
