package io.tally.kv;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvRequestTest {

    private static String refusal(List<TxnOp> success) {
        return assertThrows(IllegalArgumentException.class, () -> KvCommand.txn(List.of(), success, List.of())).getMessage();
    }

    @Test
    void aBranchMayNotWriteOneKeyTwice() {
        TxnOp put = new TxnOp.Put("a", new byte[0], 0);
        assertTrue(refusal(List.of(put, new TxnOp.Put("a", new byte[1], 0))).startsWith("success[1]: key 'a' is written twice"));
        assertTrue(refusal(List.of(put, new TxnOp.Delete("a"))).contains("success[1]"));
        assertTrue(refusal(List.of(new TxnOp.DeletePrefix("a"), put)).contains("lies under prefix 'a'"));
        assertTrue(refusal(List.of(put, new TxnOp.DeletePrefix(""))).contains("covers key 'a'"));
        assertTrue(refusal(List.of(new TxnOp.DeletePrefix("d/x"), new TxnOp.DeletePrefix("d/"))).contains("overlaps"));
        // Reads do not count, nor do writes in the other branch, nor disjoint prefixes.
        assertDoesNotThrow(() -> KvCommand.txn(List.of(), List.of(put, new TxnOp.Get("a"), new TxnOp.Get("a")), List.of(put)));
        assertDoesNotThrow(() -> KvCommand.txn(List.of(), List.of(new TxnOp.DeletePrefix("d/"), new TxnOp.DeletePrefix("e/"),
                new TxnOp.Put("f", new byte[0], 0)), List.of()));
    }

    @Test
    void eachListHoldsAtMost128Entries() {
        List<TxnOp> gets = new ArrayList<>(Collections.nCopies(128, new TxnOp.Get("a")));
        assertDoesNotThrow(() -> KvCommand.txn(List.of(), gets, gets));
        gets.add(new TxnOp.Get("a"));
        assertTrue(refusal(gets).contains("success list has 129 entries; at most 128"));
        List<Compare> compares = Collections.nCopies(129, new Compare.Exists("a", true));
        assertThrows(IllegalArgumentException.class, () -> KvCommand.txn(compares, List.of(), List.of()));
    }

    @Test
    void badKeysVersionsAndLeasesAreRefusedWhenTheRequestIsMade() {
        assertThrows(IllegalArgumentException.class, () -> new TxnOp.Get(""));
        assertThrows(IllegalArgumentException.class, () -> new Compare.VersionIs("a", -1));
        assertThrows(IllegalArgumentException.class, () -> new TxnOp.Put("a", null, -2));
        assertThrows(IllegalArgumentException.class, () -> KvCommand.put("a", null).withLease(-1));
        assertThrows(IllegalArgumentException.class, () -> KvCommand.grantLease(0));
        assertThrows(IllegalArgumentException.class, () -> KvCommand.revokeLease(0));
        assertThrows(IllegalArgumentException.class, () -> KvCommand.deletePrefix("p".repeat(4097)));
        assertThrows(IllegalArgumentException.class, () -> KvCommand.delete("k").withLease(3));
        assertThrows(IllegalArgumentException.class, () -> KvCommand.deletePrefix("p").withExpectedVersion(3));
        assertThrows(NullPointerException.class, () -> KvCommand.put(null, new byte[0]));
        assertEquals(0, KvCommand.put("a", null).withLease(0).session());
    }

    @Test
    void prefixEndsAreTheSmallestKeyAfterTheRange() {
        assertEquals("b", Prefixes.end("a"));
        assertEquals("a0", Prefixes.end("a/"));
        assertEquals("b", Prefixes.end("a\uffff"));
        assertEquals(null, Prefixes.end(""));
        assertEquals(null, Prefixes.end("\uffff\uffff"));
    }
}
