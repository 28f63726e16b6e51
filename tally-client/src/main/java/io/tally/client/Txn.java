package io.tally.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A transaction (etcd's {@code Txn}): if every comparison holds, the success operations run, else the failure ones,
 * all atomically at one revision. Like every write it goes through the client's session: applied exactly once.
 *
 * <pre>{@code
 * TxnResult r = client.txn(Txn.builder()
 *         .compare(Comparison.version("config", 7))
 *         .onSuccess(Operation.put("config", newValue), Operation.delete("config.lock"))
 *         .onFailure(Operation.get("config"))
 *         .build());
 * if (!r.succeeded()) { OpResult.Get current = (OpResult.Get) r.results().get(0); ... }
 * }</pre>
 *
 * The server takes at most {@value #MAX_OPS} comparisons and {@value #MAX_OPS} operations per branch, and refuses a
 * malformed transaction with a {@link TallyException} (status 400) naming the offending part; nothing is applied then.
 */
public record Txn(List<Comparison> compare, List<Operation> success, List<Operation> failure) {

    /** The most comparisons, and the most operations of one branch, the server takes. */
    public static final int MAX_OPS = 128;

    public Txn {
        compare = List.copyOf(compare);
        success = List.copyOf(success);
        failure = List.copyOf(failure);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The transaction a {@code POST /v1/txn} body describes ({@code {"compare": [...], "success": [...],
     * "failure": [...]}}, values in base64), as {@code ./tally txn} reads it.
     *
     * @throws IllegalArgumentException naming the part that is malformed
     */
    public static Txn fromJson(byte[] json) {
        return Json.txn(json);
    }

    /** The {@code POST /v1/txn} body of this transaction. */
    public byte[] toJson() {
        return Json.write(Json.txnBody(this));
    }

    /** Collects a transaction's comparisons and branches. */
    public static final class Builder {
        private final List<Comparison> compare = new ArrayList<>();
        private final List<Operation> success = new ArrayList<>();
        private final List<Operation> failure = new ArrayList<>();

        private Builder() {
        }

        public Builder compare(Comparison... comparisons) {
            for (Comparison c : comparisons) {
                compare.add(Objects.requireNonNull(c, "comparison"));
            }
            return this;
        }

        public Builder onSuccess(Operation... ops) {
            for (Operation o : ops) {
                success.add(Objects.requireNonNull(o, "operation"));
            }
            return this;
        }

        public Builder onFailure(Operation... ops) {
            for (Operation o : ops) {
                failure.add(Objects.requireNonNull(o, "operation"));
            }
            return this;
        }

        public Txn build() {
            return new Txn(compare, success, failure);
        }
    }
}
