package io.tally.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP/1.1 connection spoken by hand, for tests of what a library client hides: several requests written at once
 * (pipelining), bodies that lie about or exceed their length, and whether the same connection still serves afterwards.
 */
final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttp(String hostPort) throws IOException {
        socket = new Socket(hostPort.substring(0, hostPort.lastIndexOf(':')),
                Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1)));
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** The text of a request with {@code body} and its Content-Length (no body for null). */
    static String request(String method, String pathAndQuery, String body) {
        StringBuilder b = new StringBuilder(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\nHost: test\r\n");
        if (body != null) {
            b.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
        }
        return b.append("\r\n").append(body == null ? "" : body).toString();
    }

    /** Writes {@code bytes} as they are: one request, several, or part of one. */
    void send(String bytes) throws IOException {
        out.write(bytes.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** An answer: status, headers by lower-case name, body. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() throws IOException {
            return Exchange.JSON.readTree(body);
        }

        String code() throws IOException {
            return json().get("code").asText();
        }
    }

    /** Reads the next answer on the connection (its body by Content-Length), an interim {@code 100 Continue} included. */
    Response read() throws IOException {
        String statusLine = line();
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new TreeMap<>();
        for (String h = line(); !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new IOException("the connection closed in the middle of a body");
        }
        return new Response(status, headers, body);
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("the connection closed before an answer");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
