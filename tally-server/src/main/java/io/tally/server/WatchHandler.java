package io.tally.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.tally.kv.KeyFilter;
import io.tally.kv.KvService;
import io.tally.kv.Watch;
import io.tally.kv.WatchEvent;
import io.tally.kv.WatchHub;
import io.tally.kv.WatchListener;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v1/watch?key=K} or {@code ?prefix=P}, with {@code &from=R} (default: this node's revision + 1): the
 * events under the key or prefix from revision R on, streamed as {@code application/x-ndjson} (one JSON object per
 * line), or as server-sent events with {@code Accept: text/event-stream} (the last event of each revision carries
 * {@code id: revision}, so that {@code Last-Event-ID} resumes). When idle, {@code {"progress": R}} at least every 10 s. Any node serves a watch from
 * its own applied state: each event exactly once, in revision order; a client that reconnects anywhere with
 * {@code from} = last revision + 1 misses nothing and sees nothing twice. A watch holds no thread: it is the
 * connection's event loop that writes, and while the client does not read, the watch waits (and later catches up from
 * the history).
 */
final class WatchHandler implements Handler {

    static final String NDJSON = "application/x-ndjson";
    static final String SSE = "text/event-stream";

    private final KvService kv;
    private final EventLines lines = new EventLines();

    WatchHandler(KvService kv) {
        this.kv = kv;
    }

    @Override
    public CompletableFuture<Reply> handle(Exchange ex) throws HttpError {
        KeyFilter filter = filter(ex);
        WatchHub hub = kv.watches();
        boolean sse = accepts(ex.header("Accept"), SSE);
        long from = from(ex, hub, sse);
        long oldest = hub.oldest();
        if (from < oldest) {
            throw new HttpError(410, "compacted", "revision " + from + " is older than the history this node keeps; the "
                    + "oldest a watch may start from is " + oldest + ": read the current state and watch from its revision + 1",
                    Map.of("oldest", oldest));
        }
        Map<String, String> headers = Map.of(KvJson.INDEX_HEADER, Long.toString(hub.revision()), "Cache-Control", "no-cache");
        return CompletableFuture.completedFuture(Reply.streaming(sse ? SSE : NDJSON, headers, new Stream(hub, filter, from, sse, lines)));
    }

    private static KeyFilter filter(Exchange ex) throws HttpError {
        String key = ex.query.get("key");
        String prefix = ex.query.get("prefix");
        if ((key == null) == (prefix == null)) {
            throw HttpError.badRequest("a watch needs exactly one of ?key=K and ?prefix=P");
        }
        try {
            return key != null ? KeyFilter.key(key) : KeyFilter.prefix(prefix);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "invalid-key", e.getMessage());
        }
    }

    private static long from(Exchange ex, WatchHub hub, boolean sse) throws HttpError {
        String lastEventId = sse ? ex.header("Last-Event-ID") : null;
        if (lastEventId != null) {
            if (ex.query.containsKey("from")) {
                throw HttpError.badRequest("give either from= or Last-Event-ID, not both");
            }
            try {
                return Math.addExact(Long.parseLong(lastEventId.trim()), 1);
            } catch (NumberFormatException | ArithmeticException e) {
                throw HttpError.badRequest("Last-Event-ID must be a revision, not '" + lastEventId + "'");
            }
        }
        return ex.longParam("from", hub.revision() + 1, 1);
    }

    static boolean accepts(String accept, String type) {
        return accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains(type);
    }

    /** One watch's body: events, progress and the end, written as they come. */
    private static final class Stream implements ResponseStream, WatchListener {
        private final WatchHub hub;
        private final KeyFilter filter;
        private final long from;
        private final boolean sse;
        private final EventLines lines;
        private ResponseStream.Sink sink;
        private Watch watch;
        private boolean done;

        Stream(WatchHub hub, KeyFilter filter, long from, boolean sse, EventLines lines) {
            this.hub = hub;
            this.filter = filter;
            this.from = from;
            this.sse = sse;
            this.lines = lines;
        }

        @Override
        public void start(ResponseStream.Sink sink) {
            this.sink = sink;
            sink.onWritabilityChanged(() -> {
                if (watch != null && sink.writable()) {
                    watch.resume();
                }
            });
            watch = hub.watch(filter, from, sink.loop(), this);
        }

        @Override
        public void cancel() {
            done = true;
            if (watch != null) {
                watch.cancel();
            }
        }

        @Override
        public void onEvents(List<WatchEvent> events) {
            if (done) {
                return;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < events.size(); i++) {
                WatchEvent e = events.get(i);
                boolean lastOfRevision = i + 1 == events.size() || events.get(i + 1).revision() != e.revision();
                // An SSE id only once a revision is whole (a batch holds whole revisions): Last-Event-ID then never
                // skips the rest of a revision cut off mid-way.
                line(out, lines.json(e), lastOfRevision ? e.revision() : -1);
            }
            sink.write(out.toByteArray());
            if (!sink.writable()) {
                watch.suspend(); // the client does not keep up: wait, then catch up from the history
            }
        }

        @Override
        public void onProgress(long revision) {
            if (!done) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                line(out, Map.of("progress", revision), -1);
                sink.write(out.toByteArray());
            }
        }

        @Override
        public void onCompacted(long oldest) {
            if (done) {
                return;
            }
            Map<String, Object> end = new LinkedHashMap<>();
            end.put("error", "this watch fell behind the history this node keeps; resume from the current state");
            end.put("code", "compacted");
            end.put("oldest", oldest);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            line(out, end, -1);
            sink.write(out.toByteArray());
            done = true;
            sink.end();
        }

        @Override
        public void onClosed() {
            if (!done) {
                done = true;
                sink.end(); // the node stops: the client resumes elsewhere from its next revision
            }
        }

        private void line(ByteArrayOutputStream out, Map<String, Object> object, long id) {
            try {
                line(out, Exchange.JSON.writeValueAsBytes(object), id);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        private void line(ByteArrayOutputStream out, byte[] json, long id) {
            if (sse) {
                if (id >= 0) {
                    out.writeBytes(("id: " + id + "\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.writeBytes(DATA);
                out.writeBytes(json);
                out.writeBytes(END_EVENT);
            } else {
                out.writeBytes(json);
                out.write('\n');
            }
        }
    }

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_EVENT = "\n\n".getBytes(StandardCharsets.US_ASCII);
}
