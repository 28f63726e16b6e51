package io.tally.bench.compare;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;

/**
 * Tally's HTTP API v1: {@code PUT /v1/kv/{key}} with the raw value as the body, and {@code GET /v1/kv/{key}} with
 * the default consistency (linearizable, ReadIndex). A read of a key not written yet (404) is a served read.
 */
final class TallyHttpRequests implements HttpRequests {

    private final String host;
    private final String[] paths;
    private final byte[] value;
    private final String authorization;

    /** {@code authorization}: the Authorization header of every request, or null. */
    TallyHttpRequests(String host, KeySpace keys, byte[] value, String authorization) {
        this.host = host;
        this.authorization = authorization;
        this.value = value.clone();
        paths = new String[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            paths[i] = "/v1/kv/" + new String(keys.key(i), StandardCharsets.US_ASCII);
        }
    }

    @Override
    public FullHttpRequest write(int k) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, paths[k],
                Unpooled.wrappedBuffer(value));
        r.headers().set(HttpHeaderNames.HOST, host).set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, value.length);
        if (authorization != null) {
            r.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        return r;
    }

    @Override
    public FullHttpRequest read(int k) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, paths[k], Unpooled.EMPTY_BUFFER);
        r.headers().set(HttpHeaderNames.HOST, host).setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        if (authorization != null) {
            r.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        return r;
    }

    @Override
    public String failure(boolean read, FullHttpResponse response) {
        int code = response.status().code();
        return code == 200 || (read && code == 404) ? null : HttpRequests.describe(response);
    }
}
