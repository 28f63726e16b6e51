package io.tally.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.util.RawValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One member's {@code /v1/ui/node} answer as {@link UiClusterHandler} uses it: the few fields it reads or passes on,
 * and the member's samples and events as the member encoded them. Those are passed on verbatim: a peer's answer is
 * read with a streaming parser that skips over the two arrays (checking that they are well-formed JSON) and keeps
 * their text, so that gathering the cluster twice a second for a status page neither builds nor re-encodes a tree of
 * every sample. Numbers absent from the answer are null, as is {@code progress} off the leader.
 */
record MemberView(String id, String state, Long term, String leader, Long commitIndex, Long appliedIndex,
                  Long lastLogIndex, Long configurationIndex, Long started, Long time, Long eventSeq,
                  Map<String, Long> progress, RawValue samples, RawValue events) {

    private static final RawValue EMPTY = new RawValue("[]");

    long termOrZero() {
        return term == null ? 0 : term;
    }

    /** This node's own view, from {@link UiNodeHandler#describe} (no JSON in between). */
    @SuppressWarnings("unchecked")
    static MemberView of(Map<String, Object> body) {
        return new MemberView((String) body.get("id"), (String) body.get("state"), (Long) body.get("term"),
                (String) body.get("leader"), (Long) body.get("commitIndex"), (Long) body.get("appliedIndex"),
                (Long) body.get("lastLogIndex"), (Long) body.get("configurationIndex"), (Long) body.get("started"),
                (Long) body.get("time"), (Long) body.get("eventSeq"), (Map<String, Long>) body.get("progress"),
                (RawValue) body.get("samples"), (RawValue) body.get("events"));
    }

    /** A peer's answer; IOException if it is not a JSON object with fields of the expected kinds. */
    static MemberView parse(byte[] json) throws IOException {
        Builder b = new Builder();
        try (JsonParser p = Exchange.JSON.getFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.getCurrentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "id" -> b.id = text(p, t, field);
                    case "state" -> b.state = text(p, t, field);
                    case "leader" -> b.leader = text(p, t, field);
                    case "term" -> b.term = number(p, t, field);
                    case "commitIndex" -> b.commitIndex = number(p, t, field);
                    case "appliedIndex" -> b.appliedIndex = number(p, t, field);
                    case "lastLogIndex" -> b.lastLogIndex = number(p, t, field);
                    case "configurationIndex" -> b.configurationIndex = number(p, t, field);
                    case "started" -> b.started = number(p, t, field);
                    case "time" -> b.time = number(p, t, field);
                    case "eventSeq" -> b.eventSeq = number(p, t, field);
                    case "progress" -> b.progress = progress(p, t);
                    case "samples" -> b.samples = verbatim(p, t, json, field);
                    case "events" -> b.events = verbatim(p, t, json, field);
                    default -> p.skipChildren(); // the other /v1/status fields; a scalar skips itself
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new IOException("not one JSON object");
            }
        }
        return new MemberView(b.id, b.state, b.term, b.leader, b.commitIndex, b.appliedIndex, b.lastLogIndex,
                b.configurationIndex, b.started, b.time, b.eventSeq, b.progress,
                b.samples == null ? EMPTY : b.samples, b.events == null ? EMPTY : b.events);
    }

    private static final class Builder {
        String id = "";
        String state = "";
        String leader;
        Long term;
        Long commitIndex;
        Long appliedIndex;
        Long lastLogIndex;
        Long configurationIndex;
        Long started;
        Long time;
        Long eventSeq;
        Map<String, Long> progress;
        RawValue samples;
        RawValue events;
    }

    private static String text(JsonParser p, JsonToken t, String field) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw new IOException(field + " is not a string");
        }
        return p.getText();
    }

    private static Long number(JsonParser p, JsonToken t, String field) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new IOException(field + " is not an integer");
        }
        return p.getLongValue();
    }

    private static Map<String, Long> progress(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_OBJECT) {
            throw new IOException("progress is not an object");
        }
        Map<String, Long> out = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String id = p.getCurrentName();
            out.put(id, number(p, p.nextToken(), "progress of " + id));
        }
        return out;
    }

    /** The array starting at the current token, as its text in {@code json}. */
    private static RawValue verbatim(JsonParser p, JsonToken t, byte[] json, String field) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            throw new IOException(field + " is not an array");
        }
        long start = p.getTokenLocation().getByteOffset();
        p.skipChildren();
        long end = p.getCurrentLocation().getByteOffset();
        if (start < 0 || end > json.length || end <= start) {
            throw new IOException("cannot locate " + field + " in the answer");
        }
        return new RawValue(new String(json, (int) start, (int) (end - start), StandardCharsets.UTF_8));
    }
}
