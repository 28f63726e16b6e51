package io.tally.client;

import java.util.List;
import java.util.Optional;

/**
 * One page of a range read ({@link TallyClient#range(Range)}): keys in key order, all at one revision.
 *
 * @param items    the keys of this page
 * @param more     whether keys follow: ask again with {@link Range#after(String)} the last key of this page
 * @param revision the store's revision the page reflects
 */
public record Page(List<KeyValue> items, boolean more, long revision) {

    public Page {
        items = List.copyOf(items);
    }

    /** The last key of the page, the {@code after} of the next one. */
    public Optional<String> lastKey() {
        return items.isEmpty() ? Optional.empty() : Optional.of(items.get(items.size() - 1).key());
    }
}
