package io.tally.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /ui} and {@code GET /ui/NAME}: the status page and its few static files, read from the jar once at start
 * and served from memory. The page refers to everything by relative URL ({@code ui/app.js}, {@code v1/ui/cluster}), so
 * it works under whatever scheme, host and path prefix it was loaded from; {@code /ui/} redirects to {@code /ui}.
 */
final class UiAssetsHandler implements Handler {

    static final String PAGE = "/ui";
    static final String PREFIX = "/ui/";
    private static final String RESOURCES = "/io/tally/server/ui/";
    /** The page's files and their content types; nothing else is served. */
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "chart.js", "text/javascript; charset=utf-8",
            "keys.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8");
    /** Scripts and styles only from this origin, no inline code; fetches only to this origin. */
    private static final String CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
            + "frame-ancestors 'none'";

    private final Map<String, Reply> replies = new LinkedHashMap<>();

    UiAssetsHandler() {
        for (Map.Entry<String, String> f : FILES.entrySet()) {
            replies.put(f.getKey(), new Reply(200, f.getValue(), read(f.getKey()), Map.of(
                    "Cache-Control", "no-cache",
                    "X-Content-Type-Options", "nosniff",
                    "Content-Security-Policy", CSP)));
        }
    }

    private static byte[] read(String name) {
        try (InputStream in = UiAssetsHandler.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("the status page's " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        String path = ex.path();
        if (path.equals(PAGE)) {
            return CompletableFuture.completedFuture(replies.get("index.html"));
        }
        String name = path.substring(PREFIX.length());
        if (name.isEmpty()) {
            return CompletableFuture.completedFuture(new Reply(308, "text/plain; charset=utf-8",
                    "the status page is at /ui\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of("Location", "../ui")));
        }
        Reply r = replies.get(name);
        if (r == null || name.equals("index.html")) {
            throw new HttpError(404, "not-found", "no such file of the status page: " + path);
        }
        return CompletableFuture.completedFuture(r);
    }
}
