package io.tally.bench.compare;

/** A command that a library refused or failed, by the library's own name for the failure (e.g. {@code EBUSY}). */
final class LibraryFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    LibraryFailure(String kind) {
        super(kind, null, false, false);
    }
}
