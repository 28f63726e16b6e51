package io.tally.testkit.disk;

import io.tally.raft.RaftConfig;
import io.tally.raft.node.RaftNode;
import io.tally.raft.RaftState;
import io.tally.raft.StateMachine;
import io.tally.raft.model.Configuration;
import io.tally.testkit.net.InMemoryNetwork;
import io.tally.storage.fs.NioFileSystem;
import io.tally.storage.log.LogCorruptionException;
import io.tally.storage.log.SegmentedLogOptions;
import io.tally.storage.log.SegmentedLogStore;
import io.tally.storage.stable.FileStableStore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node on real files whose log was corrupted in the middle refuses to start, and says which file, offset
 * and entry index: it must never serve (or vote with) data it cannot trust.
 */
class NodeOnCorruptedLogTest {

    private static final class Counter implements StateMachine<Long> {
        private long n;

        @Override
        public List<Long> apply(List<Command> commands) {
            List<Long> out = new ArrayList<>();
            for (Command c : commands) {
                out.add(++n);
            }
            return out;
        }

        @Override
        public Snapshot snapshot() {
            throw new UnsupportedOperationException("not used");
        }

        @Override
        public void restore(InputStream in) {
            throw new UnsupportedOperationException("not used");
        }
    }

    /** The start path of a node on file storage: open the stores (recovering them), build, start. */
    private static RaftNode<Long> startNode(Path dir, InMemoryNetwork net) throws IOException {
        SegmentedLogStore log = SegmentedLogStore.open(NioFileSystem.INSTANCE, dir.resolve("log"), SegmentedLogOptions.defaults());
        FileStableStore stable = FileStableStore.open(NioFileSystem.INSTANCE, dir.resolve("raft"));
        RaftNode<Long> node = RaftNode.<Long>builder().id("solo").config(RaftConfig.defaults()).stateMachine(new Counter())
                .logStore(log).stableStore(stable).transport(net.transport("solo")).build();
        node.start();
        return node;
    }

    @Test
    void corruptedRecordInTheMiddleStopsTheNodeFromStartingNamingFileOffsetAndIndex(@TempDir Path dir) throws Exception {
        InMemoryNetwork net = new InMemoryNetwork();
        RaftNode<Long> node = startNode(dir, net);
        node.bootstrap(Configuration.ofVoters("solo")).get(5, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (node.state() != RaftState.LEADER && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        for (int i = 0; i < 200; i++) {
            node.apply(("command " + i).getBytes()).get(5, TimeUnit.SECONDS);
        }
        node.close();

        Path segment;
        try (Stream<Path> s = Files.list(dir.resolve("log"))) {
            segment = s.filter(p -> p.toString().endsWith(".seg")).sorted().findFirst().orElseThrow();
        }
        long offset = 2_000; // well inside the records: 200 commands of ~40 bytes follow the 32-byte header
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x10)).rewind();
            ch.write(b, offset);
        }

        LogCorruptionException e = assertThrows(LogCorruptionException.class, () -> startNode(dir, new InMemoryNetwork()));
        System.out.println("refused as expected: " + e.getMessage());
        assertTrue(e.getMessage().contains(segment.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains("offset"), "names the offset: " + e.getMessage());
        assertTrue(e.getMessage().contains("entry"), "names the entry index: " + e.getMessage());
        assertTrue(e.offset() <= offset && e.offset() > offset - 100, "the offending record is where the bit flipped: " + e.offset());
        assertTrue(e.index() > 1, "index " + e.index());
        assertEquals(segment, e.file());
    }
}
