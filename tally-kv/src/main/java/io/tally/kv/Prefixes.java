package io.tally.kv;

/** Key ranges given by a prefix, in the store's key order ({@link String#compareTo}: UTF-16 code units). */
final class Prefixes {

    private Prefixes() {
    }

    /**
     * The smallest key greater than every key that starts with {@code prefix}, or null when there is none (the
     * prefix is empty or all {@code '\uffff'}): the exclusive end of the prefix's range.
     */
    static String end(String prefix) {
        int i = prefix.length() - 1;
        while (i >= 0 && prefix.charAt(i) == Character.MAX_VALUE) {
            i--;
        }
        if (i < 0) {
            return null;
        }
        return prefix.substring(0, i) + (char) (prefix.charAt(i) + 1);
    }

    /** Whether the ranges of two prefixes share a key: one prefix starts with the other. */
    static boolean overlap(String a, String b) {
        return a.startsWith(b) || b.startsWith(a);
    }
}
