package io.tally.bench.compare;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How one target's HTTP API spells a write and a linearizable read, and which answers are successes. */
interface HttpRequests {

    /** A write of the load's value to key {@code k} of the key space. */
    FullHttpRequest write(int k);

    /** A linearizable read of key {@code k}. */
    FullHttpRequest read(int k);

    /** {@code null} when {@code response} answers the request successfully, else the kind of error to count. */
    String failure(boolean read, FullHttpResponse response);

    /** {@code "503 overloaded"}: the status and the {@code "error"} field of a JSON body, when it has one. */
    static String describe(FullHttpResponse response) {
        String body = response.content().toString(StandardCharsets.UTF_8);
        Matcher m = ERROR_FIELD.matcher(body);
        String detail = m.find() ? " " + m.group(1) : "";
        if (detail.length() > 80) {
            detail = detail.substring(0, 80);
        }
        return response.status().code() + detail;
    }

    Pattern ERROR_FIELD = Pattern.compile("\"error\"\\s*:\\s*\"([^\"]*)\"");
}
