package io.tally.raft.architecture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's shape, checked so that it cannot erode silently (docs/architecture.md): no two packages import each
 * other, directly or around a loop; no main class is over 500 lines and the façade {@code RaftNode} over 400; the
 * runtime queues typed events, never {@code Object}s.
 */
class ShapeTest {

    private static final Path MAIN = Path.of("src/main/java/io/tally/raft");
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.tally\\.raft\\.([a-z]+)\\.[A-Z]");
    private static final Pattern ROOT_REFERENCE = Pattern.compile("\\bio\\.tally\\.raft\\.[A-Z]");

    private record Source(String pkg, Path file, List<String> code) {
    }

    /** Every main source file with its package ("" for io.tally.raft) and its lines outside comments. */
    private static List<Source> sources() throws IOException {
        List<Source> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String rel = MAIN.relativize(f.getParent()).toString().replace('/', '.');
                List<String> code = new ArrayList<>();
                boolean inComment = false;
                for (String line : Files.readAllLines(f)) {
                    String t = line.trim();
                    if (inComment) {
                        inComment = !t.contains("*/");
                        continue;
                    }
                    if (t.startsWith("/*")) {
                        inComment = !t.contains("*/");
                        continue;
                    }
                    if (t.startsWith("//") || t.startsWith("*")) {
                        continue;
                    }
                    code.add(line);
                }
                out.add(new Source(rel, f, code));
            }
        }
        return out;
    }

    @Test
    void noPackageDependsOnItselfThroughOthers() throws IOException {
        Map<String, Set<String>> deps = new TreeMap<>();
        for (Source s : sources()) {
            Set<String> d = deps.computeIfAbsent(s.pkg(), k -> new TreeSet<>());
            for (String line : s.code()) {
                Matcher m = REFERENCE.matcher(line);
                while (m.find()) {
                    if (!m.group(1).equals(s.pkg())) {
                        d.add(m.group(1));
                    }
                }
                if (!s.pkg().isEmpty() && ROOT_REFERENCE.matcher(line).find()) {
                    d.add("");
                }
            }
        }
        List<String> cycles = new ArrayList<>();
        for (String start : deps.keySet()) {
            // Depth-first search for a path from start back to itself.
            Deque<List<String>> paths = new ArrayDeque<>();
            paths.push(List.of(start));
            Set<String> seen = new HashSet<>();
            while (!paths.isEmpty()) {
                List<String> path = paths.pop();
                String last = path.get(path.size() - 1);
                for (String next : deps.getOrDefault(last, Set.of())) {
                    if (next.equals(start)) {
                        List<String> cycle = new ArrayList<>(path);
                        cycle.add(start);
                        cycles.add(String.join(" -> ", cycle.stream().map(p -> p.isEmpty() ? "io.tally.raft" : p).toList()));
                    } else if (seen.add(next)) {
                        List<String> longer = new ArrayList<>(path);
                        longer.add(next);
                        paths.push(longer);
                    }
                }
            }
        }
        assertEquals(List.of(), cycles, "package dependencies: " + deps);
        assertTrue(deps.size() >= 8, "expected the library's packages, found " + deps.keySet());
    }

    @Test
    void classesAreSmallAndTheFacadeIsThin() throws IOException {
        Map<String, Integer> tooLong = new HashMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                int lines = Files.readAllLines(f).size();
                int limit = f.getFileName().toString().equals("RaftNode.java") ? 400 : 500;
                if (lines > limit) {
                    tooLong.put(MAIN.relativize(f).toString(), lines);
                }
            }
        }
        assertEquals(Map.of(), tooLong, "RaftNode.java at most 400 lines, every other class at most 500");
    }

    @Test
    void theRuntimeQueuesTypedEventsNotObjects() throws IOException {
        List<String> offences = new ArrayList<>();
        for (Source s : sources()) {
            if (!s.pkg().equals("node")) {
                continue;
            }
            for (String line : s.code()) {
                if (line.contains("Queue<Object>") || line.contains("List<Object> batch")) {
                    offences.add(s.file().getFileName() + ": " + line.trim());
                }
            }
        }
        assertEquals(List.of(), offences);
    }
}
