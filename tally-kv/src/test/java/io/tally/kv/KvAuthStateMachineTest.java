package io.tally.kv;

import io.tally.kv.auth.AuthState;
import io.tally.kv.auth.PasswordHash;
import io.tally.kv.auth.Permission;
import io.tally.kv.auth.Role;
import io.tally.raft.StateMachine.Command;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The access model in the replicated state: its changes, and permissions checked when commands apply. */
class KvAuthStateMachineTest {

    /** One hash for every user here: PBKDF2 is slow on purpose, and these tests check rules, not hashing. */
    private static final PasswordHash HASH = PasswordHash.of("secret");
    private static final byte[] KEY = new byte[AuthState.KEY_BYTES];

    private final KvStateMachine kv = new KvStateMachine(Duration.ofSeconds(10));
    private long index;

    private KvResult run(KvCommand c) {
        return kv.apply(List.of(new Command(++index, 1, c.encode()))).get(0);
    }

    private KvResult.Status status(KvCommand c) {
        return run(c).status();
    }

    private static KvCommand auth(KvRequest.AuthChange a, String user) {
        return KvCommand.auth(a).withUser(user);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Root, a reader of a/, a writer of a/ and auth on. */
    private void setUp() {
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.UserAdd("root", HASH), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.UserAdd("reader", HASH), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.UserAdd("writer", HASH), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.RoleChange("a-read", true), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.RoleChange("a-write", true), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.RolePermission("a-read", new Permission("a/", true, false), true), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.RolePermission("a-write", new Permission("a/", true, true), true), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.UserRole("reader", "a-read", true), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.UserRole("writer", "a-write", true), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.AuthEnable(KEY), "")));
        assertTrue(kv.view().auth().enabled());
    }

    @Test
    void authenticationTurnsOnOnlyOnceARootUserExists() {
        assertEquals(KvResult.Status.AUTH_CONFLICT, status(auth(new KvRequest.AuthEnable(KEY), "")));
        assertFalse(kv.view().auth().enabled());
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.UserAdd("root", HASH), "")));
        assertTrue(kv.view().auth().isRoot("root"), "the root user gets the root role");
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.AuthEnable(KEY), "")));
        assertTrue(kv.view().auth().enabled());
        assertEquals(index, kv.view().auth().keyId(), "the key is named after its revision");
        // While on, root cannot be deleted nor lose its role; nobody else may change anything.
        assertEquals(KvResult.Status.AUTH_CONFLICT, status(auth(new KvRequest.UserDelete("root"), "root")));
        assertEquals(KvResult.Status.AUTH_CONFLICT, status(auth(new KvRequest.UserRole("root", "root", false), "root")));
        assertEquals(KvResult.Status.PERMISSION_DENIED, status(auth(new KvRequest.AuthDisable(), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.AuthDisable(), "root")));
        assertFalse(kv.view().auth().enabled());
    }

    @Test
    void writesAreCheckedAgainstTheStateTheyFindAndARefusalAppliesNothing() {
        setUp();
        assertEquals(KvResult.Status.OK, status(KvCommand.put("a/1", b("x")).withUser("writer")));
        assertEquals(KvResult.Status.PERMISSION_DENIED, status(KvCommand.put("a/2", b("x")).withUser("reader")));
        assertEquals(KvResult.Status.PERMISSION_DENIED, status(KvCommand.put("b/1", b("x")).withUser("writer")));
        assertEquals(KvResult.Status.PERMISSION_DENIED, status(KvCommand.put("a/3", b("x"))), "no user");
        assertEquals(KvResult.Status.PERMISSION_DENIED, status(KvCommand.put("a/3", b("x")).withUser("ghost")));
        assertEquals(KvResult.Status.PERMISSION_DENIED, status(KvCommand.deletePrefix("a").withUser("writer")),
                "a prefix wider than the permission");
        assertEquals(KvResult.Status.OK, status(KvCommand.deletePrefix("a/x").withUser("writer")));
        // A transaction with one operation outside the permissions is refused whole, whichever branch it is in.
        KvCommand txn = KvCommand.txn(List.of(new Compare.Exists("a/1", true)), List.of(new TxnOp.Put("a/9", b("y"), 0)),
                List.of(new TxnOp.Get("b/1"))).withUser("writer");
        assertEquals(KvResult.Status.PERMISSION_DENIED, status(txn));
        KvCommand compareOutside = KvCommand.txn(List.of(new Compare.Exists("b/1", true)), List.of(), List.of())
                .withUser("writer");
        assertEquals(KvResult.Status.PERMISSION_DENIED, status(compareOutside));
        assertEquals(List.of("a/1"), kv.view().range("").keySet().stream().toList(), "only the permitted write applied");
        // Revoked while "in flight": the next write finds the revocation.
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.UserRole("writer", "a-write", false), "root")));
        assertEquals(KvResult.Status.PERMISSION_DENIED, status(KvCommand.put("a/1", b("z")).withUser("writer")));
        assertEquals("x", new String(kv.get("a/1").orElseThrow().value(), StandardCharsets.UTF_8));
        // Root may do anything; the leader's own expiry needs no user.
        assertEquals(KvResult.Status.OK, status(KvCommand.put("b/1", b("r")).withUser("root")));
        assertEquals(KvResult.Status.LEASE_NOT_FOUND, status(KvCommand.expireLease(42)));
    }

    @Test
    void aLeaseIsRevokedOnlyByAUserWhoMayWriteEveryKeyOnIt() {
        setUp();
        long lease = run(KvCommand.grantLease(60_000).withUser("writer")).revision();
        assertEquals(KvResult.Status.OK, status(KvCommand.put("a/l", b("1")).withLease(lease).withUser("writer")));
        assertEquals(KvResult.Status.OK, status(KvCommand.put("b/l", b("1")).withLease(lease).withUser("root")));
        assertEquals(KvResult.Status.PERMISSION_DENIED, status(KvCommand.revokeLease(lease).withUser("writer")));
        assertTrue(kv.get("a/l").isPresent());
        assertEquals(KvResult.Status.OK, status(KvCommand.revokeLease(lease).withUser("root")));
        assertTrue(kv.get("a/l").isEmpty());
    }

    @Test
    void aSessionServesOnlyTheUserWhoOpenedIt() {
        setUp();
        long s = run(KvCommand.register().withUser("writer")).revision();
        KvCommand first = KvCommand.txn(List.of(), List.of(new TxnOp.Get("a/secret")), List.of()).withSession(s, 1);
        assertEquals(KvResult.Status.OK, status(first.withUser("writer")));
        // Another user replaying the same session and number learns nothing of the recorded answer.
        assertEquals(KvResult.Status.SESSION_EXPIRED, status(first.withUser("reader")));
        assertEquals(KvResult.Status.PERMISSION_DENIED, status(KvCommand.register()), "no user, no session");
    }

    @Test
    void usersAndRolesFollowEtcdsRules() {
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.UserAdd("u", HASH), "")));
        assertEquals(KvResult.Status.USER_EXISTS, status(auth(new KvRequest.UserAdd("u", HASH), "")));
        assertEquals(KvResult.Status.ROLE_NOT_FOUND, status(auth(new KvRequest.UserRole("u", "r", true), "")));
        assertEquals(KvResult.Status.ROLE_EXISTS, status(auth(new KvRequest.RoleChange("root", true), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.RoleChange("r", true), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.UserRole("u", "r", true), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.RolePermission("r", new Permission("p/", true, false), true), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.RolePermission("r", new Permission("p/", false, true), true), "")));
        assertEquals(List.of(new Permission("p/", true, true)), kv.view().auth().role("r").orElseThrow().permissions());
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.RolePermission("r", new Permission("p/", true, false), false), "")));
        assertEquals(List.of(new Permission("p/", false, true)), kv.view().auth().role("r").orElseThrow().permissions());
        assertEquals(KvResult.Status.ROLE_NOT_FOUND, status(auth(new KvRequest.RolePermission("r", new Permission("q/", true, true), false), "")));
        long generation = kv.view().auth().user("u").orElseThrow().generation();
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.UserPassword("u", HASH), "")));
        assertTrue(kv.view().auth().user("u").orElseThrow().generation() > generation, "a new password, a new generation");
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.RoleChange("r", false), "")));
        assertFalse(kv.view().auth().user("u").orElseThrow().hasRole("r"), "a deleted role leaves its users");
        assertEquals(KvResult.Status.USER_NOT_FOUND, status(auth(new KvRequest.UserDelete("nobody"), "")));
        // With auth on, a user may change its own password, and nothing else.
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.UserAdd("root", HASH), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.AuthEnable(KEY), "")));
        assertEquals(KvResult.Status.OK, status(auth(new KvRequest.UserPassword("u", HASH), "u")));
        assertEquals(KvResult.Status.PERMISSION_DENIED, status(auth(new KvRequest.UserPassword("root", HASH), "u")));
        assertEquals(KvResult.Status.PERMISSION_DENIED, status(auth(new KvRequest.RoleChange("mine", true), "u")));
    }

    @Test
    void theAccessModelSurvivesASnapshotAndOldSnapshotsStillRestore() throws IOException {
        setUp();
        long s = run(KvCommand.register().withUser("writer")).revision();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        kv.snapshot().writeTo(out);
        assertEquals(KvSnapshotFormat.TKV5, java.nio.ByteBuffer.wrap(out.toByteArray()).getInt());
        KvStateMachine copy = new KvStateMachine(Duration.ofSeconds(10));
        copy.restore(new ByteArrayInputStream(out.toByteArray()));
        assertEquals(kv.view().auth(), copy.view().auth());
        assertTrue(copy.view().auth().user("root").orElseThrow().password().matches("secret"));
        // The session's owner came along.
        KvCommand w = KvCommand.put("a/s", b("1")).withSession(s, 1);
        KvResult r = copy.apply(List.of(new Command(100, 1, w.withUser("reader").encode()))).get(0);
        assertEquals(KvResult.Status.SESSION_EXPIRED, r.status());
        // Cut anywhere, the snapshot is refused, never misread.
        byte[] bytes = out.toByteArray();
        for (int cut = bytes.length - 200; cut < bytes.length; cut += 7) {
            byte[] shorter = Arrays.copyOf(bytes, cut);
            assertThrows(IOException.class, () -> new KvStateMachine().restore(new ByteArrayInputStream(shorter)));
        }
    }

    @Test
    void authChangesAndUsersSurviveTheirBinaryForm() {
        List<KvCommand> every = List.of(
                auth(new KvRequest.AuthEnable(KEY), "root"),
                auth(new KvRequest.AuthDisable(), "root"),
                auth(new KvRequest.UserAdd("alice", HASH), ""),
                auth(new KvRequest.UserDelete("alice"), "root"),
                auth(new KvRequest.UserPassword("alice", HASH), "alice"),
                auth(new KvRequest.UserRole("alice", "r", true), "root"),
                auth(new KvRequest.UserRole("alice", "r", false), "root"),
                auth(new KvRequest.RoleChange("r", true), "root"),
                auth(new KvRequest.RolePermission("r", new Permission("", true, false), false), "root"),
                KvCommand.put("k", b("v")).withUser("alice").withSession(3, 4));
        for (KvCommand c : every) {
            byte[] bytes = c.encode();
            assertEquals(4, bytes[0], "version 4 carries a user or an access-model change");
            assertEquals(c, KvCommand.decode(bytes), c.toString());
            for (int cut = 1; cut < bytes.length; cut++) {
                byte[] shorter = Arrays.copyOf(bytes, cut);
                assertThrows(IllegalArgumentException.class, () -> KvCommand.decode(shorter), c + " cut to " + cut);
            }
        }
        assertEquals(3, KvCommand.put("k", b("v")).encode()[0], "without a user, what older versions read");
        assertFalse(KvCommand.auth(new KvRequest.UserAdd("bob", HASH)).encode().length < 40);
        assertTrue(Role.ROOT.equals("root"));
    }
}
