package io.tally.kv.auth;

/** What a permission allows on the keys under its prefix. */
public enum Access {
    READ, WRITE;

    public String word() {
        return this == READ ? "read" : "write";
    }
}
