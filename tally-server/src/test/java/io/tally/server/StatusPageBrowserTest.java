package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.tally.testkit.harness.Poll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The status page ({@code /ui}) in a real browser: Debian's {@code chromium}, headless, driven over the DevTools
 * Protocol ({@link HeadlessChromium}). Three node processes; the page is loaded from a follower and read through its
 * DOM only. Screenshots go to {@code tally-server/target/ui-screenshots/}. Without chromium the test skips with the
 * reason, unless {@code -Dtally.browser.required=true} (CI as root, where {@code .ci/run} installs it) makes it fail.
 */
class StatusPageBrowserTest {

    private static final Path SHOTS = Path.of("target", "ui-screenshots").toAbsolutePath();

    /** Each member's row as the page shows it: id to {@code data-role}. */
    private static final String ROLES_JS = "JSON.stringify(Object.fromEntries([...document.querySelectorAll("
            + "'#members tr[data-member]')].map(r => [r.dataset.member, r.dataset.role])))";
    /** The newest cluster-wide write rate in the writes chart's legend ("" before any sample). */
    private static final String WRITE_RATE_JS = "(document.querySelector('figure[data-chart=\"writes\"] "
            + "li[data-series=\"total\"]') || {dataset: {value: ''}}).dataset.value";

    @Test
    void aFollowersPageShowsTheMembersTheWriteRateAndTheFailover() throws Exception {
        Optional<Path> chromium = HeadlessChromium.find();
        if (chromium.isEmpty()) {
            String why = "chromium is not installed (Debian: apt-get install chromium; or -Dtally.chromium=PATH)";
            if (Boolean.getBoolean("tally.browser.required")) {
                throw new AssertionError("the browser test is required here (-Dtally.browser.required) but cannot run: " + why);
            }
            System.out.println("StatusPageBrowserTest skipped: " + why);
            Assumptions.abort(why);
        }
        try (ProcessCluster c = ProcessCluster.loopback("ui", 3);
             HeadlessChromium browser = HeadlessChromium.start(chromium.get(), Path.of("target", "chromium").toAbsolutePath(),
                     1280, 1900)) {
            c.startAll();
            NodeProcess leader = c.awaitLeader(Duration.ofSeconds(30));
            NodeProcess follower = c.nodes.stream().filter(p -> p != leader).findFirst().orElseThrow();
            browser.navigate("http://" + follower.httpAddress() + "/ui");

            // Every member is listed with its role, as the follower gathers it from each member.
            Map<String, String> expected = new LinkedHashMap<>();
            c.nodes.forEach(p -> expected.put(p.id, p == leader ? "leader" : "follower"));
            awaitRoles(browser, "every member listed with its role", expected);
            browser.screenshot(SHOTS.resolve("1-loaded.png"));
            assertEquals(0.0, writeRate(browser), "no client has written yet");

            // The write rate moves while a client writes (to the leader: the follower's page shows the cluster).
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger written = new AtomicInteger();
            Thread writer = new Thread(() -> {
                long end = System.nanoTime() + Duration.ofSeconds(90).toNanos(); // bounded, whatever happens
                while (writing.get() && System.nanoTime() < end) {
                    if (c.proposeVia(leader.alive() ? leader : follower, Duration.ofSeconds(2)).ok()) {
                        written.incrementAndGet();
                    }
                }
            }, "ui-test-writer");
            writer.setDaemon(true);
            writer.start();
            try {
                double rate = Poll.until("the page shows writes per second above 0", Duration.ofSeconds(20), () -> {
                    double r = writeRate(browser);
                    return r > 0 ? Optional.of(r) : Optional.empty();
                });
                System.out.printf("the page showed %.1f writes/s after %d acknowledged writes%n", rate, written.get());

                // The key browser lists the keys written, values as text.
                browser.evaluate("document.getElementById('keys-prefix').value = 'w';"
                        + "document.getElementById('keys-form').requestSubmit(); true");
                JsonNode first = Poll.until("the key browser lists keys under 'w'", Duration.ofSeconds(10), () -> {
                    JsonNode row = browser.evaluate("(() => { const r = document.querySelector('#keys tbody tr');"
                            + " return r ? {key: r.dataset.key, value: r.querySelector('td.value').lastChild.textContent,"
                            + " kind: r.querySelector('td.value').dataset.kind} : null; })()");
                    return row.isNull() || row.isMissingNode() ? Optional.empty() : Optional.of(row);
                });
                String key = first.path("key").asText();
                assertTrue(key.matches("w\\d{6}"), "a key the test wrote: " + key);
                assertEquals("value-" + Integer.parseInt(key.substring(1)), first.path("value").asText());
                assertEquals("text", first.path("kind").asText());
                browser.screenshot(SHOTS.resolve("2-writing.png"));

                // SIGKILL the leader: the page shows it unreachable and the new leader within a few seconds.
                leader.kill();
                Map<String, String> after = Poll.until("the page shows " + leader.id + " unreachable and a new leader",
                        Duration.ofSeconds(15), () -> {
                            Map<String, String> roles = roles(browser);
                            boolean newLeader = roles.entrySet().stream()
                                    .anyMatch(e -> !e.getKey().equals(leader.id) && e.getValue().equals("leader"));
                            return "unreachable".equals(roles.get(leader.id)) && newLeader ? Optional.of(roles) : Optional.empty();
                        });
                NodeProcess next = c.awaitLeader(Duration.ofSeconds(10), c.nodes.stream().filter(NodeProcess::alive).toList());
                assertEquals("leader", after.get(next.id), "the page names the leader the cluster has: " + after);
                Poll.until("the events list the new leader", Duration.ofSeconds(10), () -> browser.evaluate(
                        "[...document.querySelectorAll('#events tr[data-kind=\"leader\"]')].some(r => r.textContent.includes('"
                                + next.id + " leads term'))").asBoolean());
                browser.screenshot(SHOTS.resolve("3-failover.png"));
            } finally {
                writing.set(false);
                writer.join(10_000);
            }
            assertTrue(written.get() > 0);
        }
    }

    private static void awaitRoles(HeadlessChromium browser, String what, Map<String, String> expected) {
        Poll.until(what + ": " + expected, Duration.ofSeconds(20), () -> roles(browser).equals(expected));
    }

    private static Map<String, String> roles(HeadlessChromium browser) {
        Map<String, String> roles = new LinkedHashMap<>();
        try {
            JsonNode r = new com.fasterxml.jackson.databind.ObjectMapper().readTree(browser.evaluate(ROLES_JS).asText());
            r.fields().forEachRemaining(e -> roles.put(e.getKey(), e.getValue().asText()));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return new java.util.TreeMap<>(roles);
    }

    private static double writeRate(HeadlessChromium browser) {
        String v = browser.evaluate(WRITE_RATE_JS).asText();
        return v.isEmpty() ? 0.0 : Double.parseDouble(v);
    }
}
