package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tally.testkit.harness.Poll;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A real browser for tests: Debian's {@code chromium}, headless, driven over the Chrome DevTools Protocol on its
 * WebSocket (the JDK's {@link WebSocket} client). One page: {@link #navigate}, {@link #evaluate} JavaScript in it (the
 * DOM as the user sees it), {@link #screenshot} it. {@link #find()} says where the browser is, or why there is none.
 */
final class HeadlessChromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    /** The browser's executable: {@code -Dtally.chromium=PATH}, else {@code chromium} or {@code chromium-browser} on the PATH. */
    static Optional<Path> find() {
        String configured = System.getProperty("tally.chromium", "");
        if (!configured.isBlank()) {
            Path p = Path.of(configured);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** Starts the browser with a fresh profile under {@code workDir} and a window of {@code width} x {@code height}. */
    static HeadlessChromium start(Path executable, Path workDir, int width, int height) throws IOException, InterruptedException {
        Path profile = Files.createDirectories(workDir).resolve("chromium-profile-" + System.nanoTime());
        Files.createDirectories(profile);
        Path log = workDir.resolve("chromium.log");
        Process p = new ProcessBuilder(executable.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-background-timer-throttling",
                "--disable-renderer-backgrounding", "--hide-scrollbars", "--remote-allow-origins=*",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=" + width + "," + height,
                "about:blank")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            // The browser writes its port to the profile once it listens.
            Path portFile = profile.resolve("DevToolsActivePort");
            String port = Poll.until("chromium listens for DevTools (log: " + log + ")", Duration.ofSeconds(30), () -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("chromium exited with " + p.exitValue() + "; log: " + log);
                }
                try {
                    List<String> lines = Files.exists(portFile) ? Files.readAllLines(portFile) : List.of();
                    return lines.isEmpty() || lines.get(0).isBlank() ? Optional.empty() : Optional.of(lines.get(0).trim());
                } catch (IOException e) {
                    return Optional.empty();
                }
            });
            HttpClient http = HttpClient.newHttpClient();
            String pageSocket = Poll.until("chromium lists its page", Duration.ofSeconds(10), () -> {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    for (JsonNode t : JSON.readTree(r.body())) {
                        if (t.path("type").asText().equals("page")) {
                            return Optional.of(t.path("webSocketDebuggerUrl").asText());
                        }
                    }
                    return Optional.empty();
                } catch (IOException e) {
                    return Optional.empty();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            });
            return new HeadlessChromium(p, profile, http, URI.create(pageSocket));
        } catch (RuntimeException | Error e) {
            destroy(p);
            throw e;
        }
    }

    private HeadlessChromium(Process process, Path profile, HttpClient http, URI pageSocket) throws InterruptedException {
        this.process = process;
        this.profile = profile;
        try {
            this.socket = http.newWebSocketBuilder().buildAsync(pageSocket, new Listener()).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            destroy(process);
            throw new IllegalStateException("cannot open chromium's DevTools socket " + pageSocket, e);
        }
        command("Page.enable", JSON.createObjectNode());
        command("Runtime.enable", JSON.createObjectNode());
    }

    /** Receives the browser's messages (possibly in parts) and completes the command each answers. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    JsonNode msg = JSON.readTree(text);
                    if (msg.has("id")) {
                        CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asLong());
                        if (f != null) {
                            if (msg.has("error")) {
                                f.completeExceptionally(new IllegalStateException("DevTools error: " + msg.get("error")));
                            } else {
                                f.complete(msg.path("result"));
                            }
                        }
                    } // events (no id) are not needed
                } catch (IOException e) {
                    pending.values().forEach(f -> f.completeExceptionally(e));
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            pending.values().forEach(f -> f.completeExceptionally(error));
        }
    }

    /** Sends one DevTools command and waits for its result. */
    JsonNode command(String method, ObjectNode params) {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params);
        socket.sendText(msg.toString(), true);
        try {
            return f.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted during " + method);
        } catch (ExecutionException e) {
            throw new AssertionError(method + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError(method + " had no answer within " + COMMAND_TIMEOUT);
        } finally {
            pending.remove(id);
        }
    }

    /** Loads {@code url} in the page (returns once the navigation started; poll the DOM for what must be there). */
    void navigate(String url) {
        JsonNode r = command("Page.navigate", JSON.createObjectNode().put("url", url));
        if (r.hasNonNull("errorText")) {
            throw new AssertionError("cannot load " + url + ": " + r.get("errorText").asText());
        }
    }

    /** The value of {@code expression} in the page (JSON-serializable values; promises are awaited). */
    JsonNode evaluate(String expression) {
        JsonNode r = command("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        if (r.has("exceptionDetails")) {
            throw new AssertionError("the page threw on " + expression + ": " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** Saves what the page shows, all of it, as a PNG. */
    void screenshot(Path png) throws IOException {
        JsonNode r = command("Page.captureScreenshot", JSON.createObjectNode().put("format", "png")
                .put("captureBeyondViewport", true));
        Files.createDirectories(png.getParent());
        Files.write(png, Base64.getDecoder().decode(r.path("data").asText()));
    }

    @Override
    public void close() {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the browser goes anyway
        }
        destroy(process);
        try (Stream<Path> walk = Files.walk(profile)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException e) {
            // a leftover profile under target/ is harmless
        }
    }

    /** Ends the browser and every process it started. */
    private static void destroy(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                children.forEach(ProcessHandle::destroyForcibly);
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
