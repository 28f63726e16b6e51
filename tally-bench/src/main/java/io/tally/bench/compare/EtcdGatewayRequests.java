package io.tally.bench.compare;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * etcd's gRPC-JSON gateway (v3 API): {@code POST /v3/kv/put} with the key and value in base64, and
 * {@code POST /v3/kv/range} with {@code serializable=false}, etcd's linearizable read. Bodies are prepared once per
 * key, so building a request costs a copy.
 */
final class EtcdGatewayRequests implements HttpRequests {

    private final String host;
    private final byte[][] puts;
    private final byte[][] ranges;

    EtcdGatewayRequests(String host, KeySpace keys, byte[] value) {
        this.host = host;
        Base64.Encoder b64 = Base64.getEncoder();
        String v = b64.encodeToString(value);
        puts = new byte[keys.size()][];
        ranges = new byte[keys.size()][];
        for (int i = 0; i < keys.size(); i++) {
            String k = b64.encodeToString(keys.key(i));
            puts[i] = ("{\"key\":\"" + k + "\",\"value\":\"" + v + "\"}").getBytes(StandardCharsets.US_ASCII);
            ranges[i] = ("{\"key\":\"" + k + "\",\"serializable\":false}").getBytes(StandardCharsets.US_ASCII);
        }
    }

    @Override
    public FullHttpRequest write(int k) {
        return post("/v3/kv/put", puts[k]);
    }

    @Override
    public FullHttpRequest read(int k) {
        return post("/v3/kv/range", ranges[k]);
    }

    private FullHttpRequest post(String path, byte[] body) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path,
                Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.HOST, host).set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    @Override
    public String failure(boolean read, FullHttpResponse response) {
        // The gateway answers 200 with the response message, or another status with {"error": ..., "code": ...}.
        return response.status().code() == 200 ? null : HttpRequests.describe(response);
    }
}
