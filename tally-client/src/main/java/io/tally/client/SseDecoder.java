package io.tally.client;

import io.netty.buffer.ByteBuf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Splits a server-sent event stream into events: lines of {@code field: value}, an event ending at a blank line.
 * Only the fields a watch uses are kept: {@code data} (one line per event here) and {@code id}; comments and other
 * fields are skipped, as the SSE specification says. Not thread-safe: one stream, one event loop.
 */
final class SseDecoder {

    /** An event: its data, and its id if it had one (null otherwise). */
    interface Listener {
        void onEvent(String id, byte[] data) throws IOException;
    }

    private final int maxLineBytes;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private ByteArrayOutputStream data;
    private String id;

    SseDecoder(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * Takes the next bytes of the stream, calling {@code listener} for each event they complete.
     *
     * @throws IOException when a line is longer than the limit, or the listener refuses an event
     */
    void feed(ByteBuf bytes, Listener listener) throws IOException {
        while (bytes.isReadable()) {
            int nl = bytes.indexOf(bytes.readerIndex(), bytes.writerIndex(), (byte) '\n');
            int end = nl < 0 ? bytes.writerIndex() : nl;
            int n = end - bytes.readerIndex();
            if (line.size() + n > maxLineBytes) {
                throw new IOException("a line of the watch stream is longer than " + maxLineBytes + " bytes");
            }
            bytes.readBytes(line, n);
            if (nl < 0) {
                return;
            }
            bytes.skipBytes(1);
            byte[] l = line.toByteArray();
            line.reset();
            int len = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
            field(l, len, listener);
        }
    }

    private void field(byte[] l, int len, Listener listener) throws IOException {
        if (len == 0) {
            if (data != null) {
                byte[] d = data.toByteArray();
                String eventId = id;
                data = null;
                id = null;
                listener.onEvent(eventId, d);
            }
            id = null;
            return;
        }
        if (l[0] == ':') {
            return; // a comment
        }
        int colon = indexOf(l, len, (byte) ':');
        String name = new String(l, 0, colon < 0 ? len : colon, StandardCharsets.UTF_8);
        int from = colon < 0 ? len : colon + 1;
        if (from < len && l[from] == ' ') {
            from++;
        }
        switch (name) {
            case "data" -> {
                if (data == null) {
                    data = new ByteArrayOutputStream(len - from);
                } else {
                    data.write('\n');
                }
                data.write(l, from, len - from);
            }
            case "id" -> id = new String(l, from, len - from, StandardCharsets.UTF_8);
            default -> {
                // event, retry and unknown fields: not used by watches
            }
        }
    }

    private static int indexOf(byte[] b, int len, byte c) {
        for (int i = 0; i < len; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
