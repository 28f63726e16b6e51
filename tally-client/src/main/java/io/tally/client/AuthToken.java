package io.tally.client;

import java.time.Instant;

/** A token from {@code POST /v1/auth/token}, for {@link TallyClientBuilder#token} or {@code Authorization: Bearer}. */
public record AuthToken(String token, Instant expires) {

    @Override
    public String toString() {
        return "AuthToken[expires=" + expires + "]"; // the token is a secret: not in logs
    }
}
