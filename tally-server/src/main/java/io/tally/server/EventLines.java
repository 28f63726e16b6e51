package io.tally.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.tally.kv.WatchEvent;

/**
 * The JSON line of a watch event, encoded once however many watches send it: every watch of a node receives the same
 * {@link WatchEvent} objects, so a small direct-mapped cache keyed by identity turns a fan-out to N watches into one
 * encoding and N copies of its bytes. Thread-safe without locks: a slot holds an immutable pair, replaced whole.
 */
final class EventLines {

    private static final int SLOTS = 4096;

    private record Slot(WatchEvent event, byte[] json) {
    }

    private final Slot[] slots = new Slot[SLOTS];

    /** The event as one JSON object (no newline). */
    byte[] json(WatchEvent e) {
        int i = (int) ((e.revision() * 31 + e.key().hashCode()) & (SLOTS - 1));
        Slot s = slots[i];
        if (s != null && s.event() == e) {
            return s.json();
        }
        byte[] json;
        try {
            json = Exchange.JSON.writeValueAsBytes(KvJson.event(e));
        } catch (JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
        slots[i] = new Slot(e, json);
        return json;
    }
}
