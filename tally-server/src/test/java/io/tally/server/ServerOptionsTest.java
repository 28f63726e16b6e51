package io.tally.server;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerOptionsTest {

    private static final String[] GOOD = {"--id", "n1", "--data-dir", "/tmp/x", "--raft", "127.0.0.1:7001",
            "--http", "127.0.0.1:8001", "--cluster", "n1=127.0.0.1:7001/127.0.0.1:8001,n2=127.0.0.1:7002/127.0.0.1:8002"};

    @Test
    void aCompleteCommandLineParses() throws Exception {
        ServerOptions o = ServerOptions.parse(GOOD);
        assertEquals("n1", o.id());
        assertEquals(Map.of("n1", new ClusterFlag.Addresses("127.0.0.1:7001", "127.0.0.1:8001"),
                "n2", new ClusterFlag.Addresses("127.0.0.1:7002", "127.0.0.1:8002")), o.cluster());
        assertEquals("tally", o.clusterId());
        assertEquals("file", o.storage());
        assertEquals(500, o.electionTimeoutMs());
        assertEquals(o, ServerOptions.parse(new String[] {"--id=n1", "--data-dir=/tmp/x", "--raft=127.0.0.1:7001",
                "--http=127.0.0.1:8001", "--cluster=n1=127.0.0.1:7001/127.0.0.1:8001,n2=127.0.0.1:7002/127.0.0.1:8002"}));
    }

    @Test
    void aConfigFileGivesEveryFlagAndTheCommandLineWins(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(tmp.resolve("node.conf"), String.join("\n",
                "# a node", "id = n2", "data-dir = /var/lib/tally", "raft = 10.0.0.2:7000", "http = 10.0.0.2:8000",
                "", "cluster = n1=10.0.0.1:7000/10.0.0.1:8000,n2=10.0.0.2:7000/10.0.0.2:8000", "election-timeout-ms = 800"));
        ServerOptions o = ServerOptions.parse(new String[] {"--config", file.toString(), "--election-timeout-ms", "900"});
        assertEquals("n2", o.id());
        assertEquals(java.nio.file.Path.of("/var/lib/tally"), o.dataDir());
        assertEquals(900, o.electionTimeoutMs(), "the command line wins");
        assertEquals(2, o.cluster().size());
        java.nio.file.Path bad = java.nio.file.Files.writeString(tmp.resolve("bad.conf"), "id = n1\ncolour = blue\n");
        UsageException e = assertThrows(UsageException.class, () -> ServerOptions.parse(new String[] {"--config", bad.toString()}));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("colour"), e.getMessage());
        assertThrows(UsageException.class, () -> ServerOptions.parse(new String[] {"--config", tmp.resolve("missing").toString()}));
        java.nio.file.Path noEq = java.nio.file.Files.writeString(tmp.resolve("noeq.conf"), "id n1\n");
        assertThrows(UsageException.class, () -> ServerOptions.parse(new String[] {"--config", noEq.toString()}));
    }

    @Test
    void maxHttpInFlightDefaultsTo4096AndMustBePositive() throws Exception {
        assertEquals(4096, ServerOptions.parse(GOOD).maxHttpInFlight());
        assertEquals(7, ServerOptions.parse(concat(GOOD, "--max-http-in-flight", "7")).maxHttpInFlight());
        for (String bad : new String[] {"0", "-1", "many"}) {
            UsageException e = assertThrows(UsageException.class,
                    () -> ServerOptions.parse(concat(GOOD, "--max-http-in-flight", bad)));
            assertTrue(e.getMessage().contains("--max-http-in-flight"), e.getMessage());
        }
        assertTrue(ServerOptions.USAGE.contains("--max-http-in-flight"));
    }

    @Test
    void joinTakesHttpAddressesAndAnOptionalNonVoterSwitch() throws Exception {
        String[] base = {"--id", "n4", "--data-dir", "d", "--raft", "h:1", "--http", "h:2"};
        ServerOptions voter = ServerOptions.parse(concat(base, "--join", "a:8001,b:8002"));
        assertEquals(List.of("a:8001", "b:8002"), voter.join());
        assertTrue(!voter.nonVoter());
        ServerOptions nonVoter = ServerOptions.parse(concat(base, "--non-voter", "--join", "a:8001"));
        assertTrue(nonVoter.nonVoter());
        assertEquals(List.of(), ServerOptions.parse(base).join());
    }

    @Test
    void clusterNamesEveryMembersRaftAndHttpAddress() throws Exception {
        String[] base = {"--id", "n1", "--data-dir", "d", "--raft", "[::1]:7001", "--http", "[::1]:8001"};
        ServerOptions o = ServerOptions.parse(concat(base, "--cluster", "n1=[::1]:7001/[::1]:8001, n2=h2:7000/h2:8000"));
        assertEquals(List.of("n1", "n2"), List.copyOf(o.cluster().keySet()), "in the order given");
        assertEquals(new ClusterFlag.Addresses("h2:7000", "h2:8000"), o.cluster().get("n2"));
    }

    @Test
    void aBadClusterValueIsRefusedNamingTheProblem() {
        String[] base = {"--id", "n1", "--data-dir", "d", "--raft", "h:1", "--http", "h:2"};
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("n1=h:1", "has no HTTP address");                       // the old form, without /HTTP
        cases.put("n1=h:1/h:2,n2=h:3", "'n2=h:3' has no HTTP address");
        cases.put("n1=h:1/", "not HOST:PORT");
        cases.put("n1=h:1/h:x", "no numeric port");
        cases.put("n1=/h:2", "not HOST:PORT");
        cases.put("n1=h:1/h:2,", "empty item");
        cases.put("n1=h:1/h:2,n1=h:3/h:4", "names 'n1' twice");
        cases.put("n1=h:1/h:2,n2=h:3/h:2", "h:2 twice");
        cases.put("n1=h:1/h:1", "h:1 twice");
        cases.put("n1=h:1/h:2,n 2=h:3/h:4", "member id 'n 2'");
        cases.put("n1=h:1/h:9", "HTTP address h:9 but --http is h:2");
        cases.put("n1=h:9/h:2", "Raft address h:9 but --raft is h:1");
        cases.put("n2=h:3/h:4", "must include this node");
        cases.forEach((value, problem) -> {
            UsageException e = assertThrows(UsageException.class, () -> ServerOptions.parse(concat(base, "--cluster", value)), value);
            assertTrue(e.getMessage().contains(problem), value + ": " + e.getMessage());
        });
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void badInputIsRefusedWithTheReason() {
        List<List<String>> cases = List.of(
                List.of("--id", "n1"),
                List.of("--id", "n 1", "--data-dir", "d", "--raft", "h:1", "--http", "h:2"),
                List.of("--id", "n1", "--data-dir", "d", "--raft", "h", "--http", "h:2"),
                List.of("--id", "n1", "--data-dir", "d", "--raft", "h:99999", "--http", "h:2"),
                List.of("--id", "n1", "--data-dir", "d", "--raft", "h:1", "--http", "h:2", "--bogus", "x"),
                List.of("--id", "n1", "--data-dir", "d", "--raft", "h:1", "--http", "h:2", "--cluster", "n2=h:1/h:2"),
                List.of("--id", "n1", "--data-dir", "d", "--raft", "h:1", "--http", "h:2", "--cluster", "n1=h:3/h:2"),
                List.of("--id", "n1", "--data-dir", "d", "--raft", "h:1", "--http", "h:2", "--cluster", "n1h:1"),
                List.of("--id", "n1", "--data-dir", "d", "--raft", "h:1", "--http", "h:2", "--storage", "tape"),
                List.of("--id", "n1", "--data-dir", "d", "--raft", "h:1", "--http", "h:2", "--election-timeout-ms", "5"),
                List.of("--id", "n1", "--data-dir", "d", "--raft", "h:1", "--http", "h:2", "--snapshot-entries", "-1"),
                List.of("--id", "n1", "--data-dir", "d", "--raft", "h:1", "--http", "h:2", "--join", "h:8", "--cluster", "n1=h:1/h:2"),
                List.of("--id", "n1", "--data-dir", "d", "--raft", "h:1", "--http", "h:2", "--non-voter"),
                List.of("--id", "n1", "--data-dir", "d", "--raft", "h:1", "--http", "h:2", "--join", "nowhere"),
                List.of("--id", "n1", "--data-dir", "d", "--raft", "h:1", "--http", "h:2", "--join", "h:8", "--non-voter=maybe"),
                List.of("--id", "n1", "--id", "n2"),
                List.of("stray"),
                List.of("--id"));
        for (List<String> c : cases) {
            UsageException e = assertThrows(UsageException.class, () -> ServerOptions.parse(c.toArray(String[]::new)), c.toString());
            assertTrue(!e.getMessage().isBlank());
        }
    }

    @Test
    void securityFlagsGoTogetherAndNameReadableFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path f = java.nio.file.Files.writeString(tmp.resolve("x.pem"), "pem");
        String p = f.toString();
        assertEquals(SecurityOptions.NONE, ServerOptions.parse(GOOD).security());
        ServerOptions o = ServerOptions.parse(with("--tls-cert", p, "--tls-key", p, "--tls-client-ca", p, "--tls-ca", p,
                "--peer-tls-cert", p, "--peer-tls-key", p, "--peer-tls-ca", p, "--auth-token-ttl", "30s"));
        assertTrue(o.security().httpTls() && o.security().peerTls());
        assertEquals(java.time.Duration.ofSeconds(30), o.security().tokenTtl());
        for (String[] bad : List.of(new String[] {"--tls-cert", p}, new String[] {"--tls-client-ca", p},
                new String[] {"--peer-tls-cert", p, "--peer-tls-key", p}, new String[] {"--tls-cert", p, "--tls-key",
                tmp.resolve("missing.pem").toString()}, new String[] {"--auth-token-ttl", "0s"},
                new String[] {"--auth-token-ttl", "25h"}, new String[] {"--auth-token-ttl", "soon"})) {
            assertThrows(UsageException.class, () -> ServerOptions.parse(with(bad)), String.join(" ", bad));
        }
        assertTrue(ServerOptions.USAGE.contains("--peer-tls-ca") && ServerOptions.USAGE.contains("--auth-token-ttl"));
    }

    private static String[] with(String... more) {
        String[] all = java.util.Arrays.copyOf(GOOD, GOOD.length + more.length);
        System.arraycopy(more, 0, all, GOOD.length, more.length);
        return all;
    }

    @Test
    void logFlagsDefaultToTextInfoOnStandardErrorAndAreChecked() throws Exception {
        assertEquals(LogSettings.DEFAULTS, ServerOptions.parse(GOOD).logging());
        ServerOptions o = ServerOptions.parse(concat(GOOD, "--log-format", "json", "--log-level", "DEBUG",
                "--log-file", "/var/log/tally/tally.log"));
        assertEquals(new LogSettings("json", "debug", java.nio.file.Path.of("/var/log/tally/tally.log")), o.logging());
        for (String[] bad : new String[][] {{"--log-format", "xml"}, {"--log-level", "verbose"}, {"--log-file", " "}}) {
            UsageException e = assertThrows(UsageException.class, () -> ServerOptions.parse(concat(GOOD, bad)));
            assertTrue(e.getMessage().contains(bad[0]), e.getMessage());
        }
    }
}
