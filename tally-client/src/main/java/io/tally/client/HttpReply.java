package io.tally.client;

import io.netty.handler.codec.http.HttpHeaders;

/** A whole HTTP answer: status, headers, body. */
record HttpReply(int status, HttpHeaders headers, byte[] body) {

    String header(String name) {
        return headers.get(name);
    }
}
