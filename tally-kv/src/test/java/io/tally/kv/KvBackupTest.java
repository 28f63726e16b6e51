package io.tally.kv;

import io.tally.raft.StateMachine;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backup file (TBAK): what {@link KvBackup#write} writes, {@link KvBackup#readVerified} gives back whole; a
 * damaged file — any flipped byte, cut short, bytes after it, a length that lies — is an {@link IOException} naming
 * what is wrong, never an allocation of the length it claims.
 */
class KvBackupTest {

    @Test
    void aBackupReadsBackToItsSnapshotAndDescribesIt() throws IOException {
        byte[] snapshot = snapshotOf(500);
        byte[] backup = backup(snapshot);

        KvBackup.Verified v = KvBackup.readVerified(new ByteArrayInputStream(backup));

        assertArrayEquals(snapshot, v.snapshot());
        assertEquals(500, v.info().revision());
        assertEquals(500, v.info().keys());
        assertEquals(snapshot.length, v.info().snapshotBytes());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(v.info(), KvBackup.read(new ByteArrayInputStream(backup), out));
        assertArrayEquals(snapshot, out.toByteArray());
        // The same from a stream that does not say how much is left (a network stream): the array grows instead.
        assertArrayEquals(snapshot, KvBackup.readVerified(unsized(backup)).snapshot());
    }

    @Test
    void everyFlippedByteIsRefused() throws IOException {
        byte[] backup = backup(snapshotOf(20));
        for (int i = 0; i < backup.length; i++) {
            byte[] damaged = backup.clone();
            damaged[i] ^= 0x10;
            IOException e = assertThrows(IOException.class, () -> KvBackup.readVerified(new ByteArrayInputStream(damaged)),
                    "byte " + i + " flipped");
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty(), "byte " + i + ": " + e);
        }
    }

    @Test
    void aBackupCutShortOrWithBytesAfterItIsRefused() throws IOException {
        byte[] backup = backup(snapshotOf(50));
        IOException shortened = assertThrows(IOException.class,
                () -> KvBackup.readVerified(new ByteArrayInputStream(Arrays.copyOf(backup, backup.length / 2))));
        assertTrue(shortened.getMessage().contains("cut short"), shortened.getMessage());
        IOException longer = assertThrows(IOException.class,
                () -> KvBackup.readVerified(new ByteArrayInputStream(Arrays.copyOf(backup, backup.length + 1))));
        assertTrue(longer.getMessage().contains("bytes follow it"), longer.getMessage());
    }

    @Test
    void aLengthThatLiesIsCutShortNotAHugeAllocation() throws IOException {
        byte[] backup = backup(snapshotOf(50));
        byte[] lying = backup.clone();
        ByteBuffer.wrap(lying).putLong(13, KvBackup.MAX_SNAPSHOT_BYTES); // the length field: magic(4) format(1) revision(8)
        for (InputStream in : List.of(new ByteArrayInputStream(lying), unsized(lying))) {
            IOException e = assertThrows(IOException.class, () -> KvBackup.readVerified(in));
            assertTrue(e.getMessage().contains("cut short"), e.getMessage());
        }
        ByteBuffer.wrap(lying).putLong(13, KvBackup.MAX_SNAPSHOT_BYTES + 1);
        IOException e = assertThrows(IOException.class, () -> KvBackup.readVerified(new ByteArrayInputStream(lying)));
        assertTrue(e.getMessage().contains("claiming a snapshot of"), e.getMessage());
    }

    private static InputStream unsized(byte[] bytes) {
        return new FilterInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            public int available() {
                return 0;
            }
        };
    }

    private static byte[] snapshotOf(int keys) throws IOException {
        KvStateMachine sm = new KvStateMachine(Duration.ofHours(1));
        List<StateMachine.Command> batch = new ArrayList<>();
        for (int i = 1; i <= keys; i++) {
            batch.add(new StateMachine.Command(i, 1, KvCommand.put("key/" + i, ("value " + i).getBytes(StandardCharsets.UTF_8)).encode()));
        }
        sm.apply(batch);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sm.snapshot().writeTo(out);
        return out.toByteArray();
    }

    private static byte[] backup(byte[] snapshot) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        KvBackup.write(new ByteArrayInputStream(snapshot), snapshot.length, out);
        return out.toByteArray();
    }
}
