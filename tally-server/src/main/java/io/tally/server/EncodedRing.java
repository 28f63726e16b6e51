package io.tally.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.util.RawValue;

import java.util.ArrayList;
import java.util.List;

/**
 * A bounded ring of the newest items, each kept with its JSON encoding, made once when it is added: a reader that asks
 * for the newest N again and again (the status page, twice a second) gets the stored text spliced into one array
 * instead of having every item encoded anew. The oldest item goes when a new one comes. Not thread-safe: its owner
 * synchronizes.
 */
final class EncodedRing<T> {

    private final Object[] items;
    private final String[] encoded;
    private long added;

    EncodedRing(int capacity) {
        items = new Object[capacity];
        encoded = new String[capacity];
    }

    /** Adds {@code item}, whose JSON form is {@code json} (anything Jackson encodes). */
    void add(T item, Object json) {
        int slot = (int) (added % items.length);
        try {
            encoded[slot] = Exchange.JSON.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + item + " as JSON", e);
        }
        items[slot] = item;
        added++;
    }

    /** How many items were ever added. */
    long added() {
        return added;
    }

    /** The newest {@code n} items (fewer if there are not as many), oldest first. */
    @SuppressWarnings("unchecked")
    List<T> newest(int n) {
        List<T> out = new ArrayList<>();
        for (long i = first(n); i < added; i++) {
            out.add((T) items[(int) (i % items.length)]);
        }
        return out;
    }

    /** The newest {@code n} items' encodings as one JSON array, oldest first, written out verbatim by Jackson. */
    RawValue newestJson(int n) {
        StringBuilder b = new StringBuilder(2 + (int) Math.min(n, added) * 400).append('[');
        for (long i = first(n); i < added; i++) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append(encoded[(int) (i % items.length)]);
        }
        return new RawValue(b.append(']').toString());
    }

    private long first(int n) {
        return added - Math.min(Math.min(Math.max(n, 0), items.length), added);
    }
}
