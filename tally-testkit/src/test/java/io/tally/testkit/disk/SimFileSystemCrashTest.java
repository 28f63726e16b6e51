package io.tally.testkit.disk;

import io.tally.storage.fs.StorageFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random crashes checked against an independent oracle: what survives must be the durable state with some
 * prefix of the unsynced operations applied, the next one possibly torn (files), or with some prefix of the
 * pending entry operations applied (directories).
 */
class SimFileSystemCrashTest {

    private static final Path DIR = Path.of("/d");
    private static final Path FILE = DIR.resolve("f");

    private static long seed;

    @BeforeAll
    static void seed() {
        seed = Long.getLong("tally.test.seed", new SplittableRandom().nextLong()); // replay: -Dtally.test.seed=N
        System.out.println("SimFileSystemCrashTest seed = " + seed + " (replay with -Dtally.test.seed=" + seed + ")");
    }

    /** The oracle's record of an unsynced operation: a write ({@code data != null}) or a truncation. */
    private record Op(int position, byte[] data, int size) {
        static Op write(int position, byte[] data) {
            return new Op(position, data, -1);
        }

        static Op truncate(int size) {
            return new Op(-1, null, size);
        }

        /** The file after this operation, with only the first {@code landed} bytes of a write. */
        byte[] applyTo(byte[] file, int landed) {
            if (data == null) {
                return size < file.length ? Arrays.copyOf(file, size) : file;
            }
            if (landed == 0) {
                return file;
            }
            byte[] out = Arrays.copyOf(file, Math.max(file.length, position + landed));
            System.arraycopy(data, 0, out, position, landed);
            return out;
        }

        byte[] applyTo(byte[] file) {
            return applyTo(file, data == null ? 0 : data.length);
        }
    }

    private enum Outcome { NOTHING, PREFIX, EVERYTHING, TORN }

    /** Which allowed outcome {@code got} is, or null if none. */
    private static Outcome classify(byte[] durable, List<Op> ops, byte[] got) {
        byte[] state = durable;
        for (int k = 0; k <= ops.size(); k++) {
            if (Arrays.equals(state, got)) {
                return k == ops.size() ? Outcome.EVERYTHING : k == 0 ? Outcome.NOTHING : Outcome.PREFIX;
            }
            if (k == ops.size()) {
                break;
            }
            Op op = ops.get(k);
            if (op.data != null) {
                for (int landed = 1; landed < op.data.length; landed++) {
                    if (Arrays.equals(op.applyTo(state, landed), got)) {
                        return Outcome.TORN;
                    }
                }
            }
            state = op.applyTo(state);
        }
        return null;
    }

    private static byte[] current(byte[] durable, List<Op> ops) {
        byte[] state = durable;
        for (Op op : ops) {
            state = op.applyTo(state);
        }
        return state;
    }

    @Test
    void randomCrashKeepsAPrefixOfUnsyncedOperationsPossiblyTorn() throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        Map<Outcome, Integer> seen = new HashMap<>();
        for (int c = 0; c < 2_000; c++) {
            SimFileSystem fs = new SimFileSystem();
            fs.createDirectories(DIR);
            fs.syncDirectory(Path.of("/"));
            byte[] durable = new byte[0];
            List<Op> ops = new ArrayList<>();
            try (StorageFile f = fs.open(FILE, true)) {
                fs.syncDirectory(DIR);
                int steps = 1 + random.nextInt(30);
                for (int s = 0; s < steps; s++) {
                    byte[] cur = current(durable, ops);
                    int choice = random.nextInt(12);
                    if (choice == 0) {
                        f.force();
                        durable = cur;
                        ops.clear();
                    } else if (choice == 1) {
                        int size = random.nextInt(cur.length + 1);
                        f.truncate(size);
                        ops.add(Op.truncate(size));
                    } else {
                        int pos = random.nextInt(cur.length + (choice == 2 ? 40 : 1)); // sometimes leaves a hole
                        byte[] data = new byte[1 + random.nextInt(24)];
                        random.nextBytes(data);
                        f.write(ByteBuffer.wrap(data), pos);
                        ops.add(Op.write(pos, data));
                    }
                    byte[] expected = current(durable, ops);
                    assertEquals(expected.length, f.size(), "case " + c);
                    assertTrue(Arrays.equals(expected, SimFileSystemTest.readAll(fs, FILE)), "reads must see the page cache, case " + c);
                }
            }
            SimFileSystem after = fs.crash(random);
            byte[] got = SimFileSystemTest.readAll(after, FILE);
            Outcome outcome = classify(durable, ops, got);
            if (outcome == null) {
                fail("case " + c + " (seed " + seed + "): " + got.length + " surviving bytes match no prefix of the "
                        + ops.size() + " unsynced operations over " + durable.length + " durable bytes");
            }
            if (ops.isEmpty()) {
                assertEquals(Outcome.EVERYTHING, outcome); // everything durable: nothing to lose
            } else {
                seen.merge(outcome, 1, Integer::sum);
            }
            assertEquals(got.length, after.durableSize(FILE));
            assertEquals(got.length, after.totalSize());
        }
        System.out.println("crash outcomes: " + seen);
        for (Outcome o : Outcome.values()) {
            assertTrue(seen.getOrDefault(o, 0) > 0, "outcome " + o + " never happened: " + seen);
        }
    }

    @Test
    void randomCrashKeepsAPrefixOfPendingDirectoryOperations() throws IOException {
        SplittableRandom random = new SplittableRandom(seed ^ 0xD1B54A32D192ED03L);
        String[] names = {"a", "b", "c", "d", "e"};
        int partial = 0;
        for (int c = 0; c < 1_000; c++) {
            SimFileSystem fs = new SimFileSystem();
            fs.createDirectories(DIR);
            fs.syncDirectory(Path.of("/"));
            TreeMap<String, String> model = new TreeMap<>();
            int nextContent = 0;
            List<TreeMap<String, String>> states = new ArrayList<>(); // states[i]: durable + i pending ops
            states.add(new TreeMap<>(model));
            int steps = 1 + random.nextInt(15);
            for (int s = 0; s < steps; s++) {
                String name = names[random.nextInt(names.length)];
                int choice = random.nextInt(10);
                if (choice == 0) {
                    fs.syncDirectory(DIR);
                    states.clear();
                } else if (choice <= 4 && !model.containsKey(name)) {
                    String content = "content-" + nextContent++;
                    try (StorageFile f = fs.open(DIR.resolve(name), true)) {
                        f.write(ByteBuffer.wrap(SimFileSystemTest.bytes(content)), 0);
                        f.force(); // the content is durable, the name is not
                    }
                    model.put(name, content);
                } else if (choice <= 7 && !model.isEmpty()) {
                    String from = model.keySet().stream().skip(random.nextInt(model.size())).findFirst().orElseThrow();
                    if (!from.equals(name)) {
                        fs.rename(DIR.resolve(from), DIR.resolve(name));
                        model.put(name, model.remove(from));
                    }
                } else if (model.containsKey(name)) {
                    fs.delete(DIR.resolve(name));
                    model.remove(name);
                }
                if (states.isEmpty() || !states.get(states.size() - 1).equals(model)) {
                    states.add(new TreeMap<>(model));
                }
                assertEquals(new ArrayList<>(model.keySet()), fs.list(DIR));
            }
            SimFileSystem after = fs.crash(random);
            TreeMap<String, String> got = new TreeMap<>();
            for (String n : after.list(DIR)) {
                got.put(n, SimFileSystemTest.readString(after, DIR.resolve(n)));
            }
            int index = states.indexOf(got);
            assertTrue(index >= 0, "case " + c + " (seed " + seed + "): " + got + " is not one of " + states);
            if (index > 0 && index < states.size() - 1) {
                partial++;
            }
        }
        assertTrue(partial > 0, "no crash kept a strict, non-empty prefix");
    }
}
