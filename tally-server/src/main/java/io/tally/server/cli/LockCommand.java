package io.tally.server.cli;

import io.tally.client.Comparison;
import io.tally.client.KeyValue;
import io.tally.client.Lease;
import io.tally.client.LeaseLostException;
import io.tally.client.OpResult;
import io.tally.client.Operation;
import io.tally.client.Page;
import io.tally.client.Range;
import io.tally.client.TallyClient;
import io.tally.client.Txn;
import io.tally.client.TxnResult;
import io.tally.client.Watch;
import io.tally.client.WatchEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./tally lock NAME [-- COMMAND...]}: etcd's lock recipe. Each contender holds a lease (kept alive in the
 * background) and creates its own key {@code NAME/<lease id>} attached to it; the order of the keys' creating
 * revisions is the queue. A contender holds the lock once no key under {@code NAME/} was created before its own: until
 * then it waits, by a watch, for the key created just before its own to be deleted (its holder released the lock, or
 * its lease expired), and looks again. The holder runs COMMAND (or, without one, holds the lock until interrupted),
 * then revokes its lease, which deletes its key and wakes the next contender. If the lease is lost while COMMAND runs,
 * the lock may already belong to another: COMMAND is stopped and the exit code is 3.
 */
@Command(name = "lock", mixinStandardHelpOptions = true, description = {"Hold a lock (lease-backed, etcd's recipe) while "
        + "COMMAND runs, then release it; exit with COMMAND's exit code.",
        "Contenders queue in the order they asked. COMMAND gets TALLY_LOCK_KEY and TALLY_LOCK_REVISION in its environment. "
                + "Without COMMAND, print the lock's key and hold the lock until interrupted. If the lease is lost (no "
                + "keep-alive got through within its TTL), COMMAND is stopped (SIGTERM, then SIGKILL after 10 s) and the exit "
                + "code is 3."})
final class LockCommand implements Callable<Integer> {

    private final Console console;

    @Parameters(index = "0", paramLabel = "NAME", description = "the lock's name: its keys live under NAME/")
    String name;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "COMMAND", description = "the command to run while holding the "
            + "lock, after --")
    List<String> command;

    @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10s",
            description = "the lease's TTL: how long the lock outlives this process if it dies (default ${DEFAULT-VALUE})")
    Duration ttl;

    @Mixin
    ClientOptions client;

    LockCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() throws Exception {
        if (name.isEmpty()) {
            throw CliFailure.usage("the lock needs a name");
        }
        try (TallyClient c = client.connect(Duration.ofSeconds(5))) {
            Lease lease = c.newLease(ttl);
            String key = name + "/" + lease.id();
            Holder holder = new Holder(lease);
            Thread hook = new Thread(holder::release, "tally-lock-release");
            Runtime.getRuntime().addShutdownHook(hook); // Ctrl-C: stop COMMAND, give the lock up at once
            try {
                long revision = register(c, key, lease);
                awaitTurn(c, name + "/", key, revision, lease);
                console.err().println("tally lock: holding " + name + " (key " + key + ", revision " + revision + ")");
                console.err().flush();
                if (command == null || command.isEmpty()) {
                    console.out().println(key);
                    console.out().flush();
                    throw lost((LeaseLostException) join(lease.lost()), "the lock");
                }
                return holder.run(key, revision);
            } finally {
                holder.release();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // shutting down: the hook runs anyway
                }
            }
        }
    }

    /** Creates this contender's key with the lease unless it exists; returns its creating revision, its place in line. */
    private static long register(TallyClient c, String key, Lease lease) {
        TxnResult r = c.txn(Txn.builder()
                .compare(Comparison.absent(key))
                .onSuccess(Operation.put(key, new byte[0], lease.id()))
                .onFailure(Operation.get(key))
                .build());
        if (r.succeeded()) {
            return r.revision();
        }
        OpResult.Get existing = (OpResult.Get) r.results().get(0);
        return existing.value().map(KeyValue::created).orElseThrow(() -> new CliFailure(ExitCode.UNAVAILABLE,
                "the lock's key " + key + " vanished while it was created"));
    }

    /** Waits until no key under {@code prefix} was created before {@code revision}. */
    private void awaitTurn(TallyClient c, String prefix, String key, long revision, Lease lease) {
        while (true) {
            KeyValue before = null;
            boolean mine = false;
            long readAt = 0;
            String after = null;
            Page page;
            do {
                Range r = Range.prefix(prefix).keysOnly();
                page = c.range(after == null ? r : r.after(after));
                readAt = Math.max(readAt, page.revision());
                for (KeyValue kv : page.items()) {
                    mine |= kv.key().equals(key);
                    if (kv.created() < revision && (before == null || kv.created() > before.created())) {
                        before = kv;
                    }
                }
                after = page.lastKey().orElse(after);
            } while (page.more());
            if (!mine) {
                throw lost(lease.lost().getNow(null), "the lock's key " + key);
            }
            if (before == null) {
                return;
            }
            console.err().println("tally lock: waiting for " + before.key() + " (created at revision " + before.created() + ")");
            console.err().flush();
            awaitDelete(c, before.key(), readAt + 1, lease);
        }
    }

    /** Waits for {@code key} to be deleted at revision {@code from} or later; fails if the lease is lost meanwhile. */
    private static void awaitDelete(TallyClient c, String key, long from, Lease lease) {
        CompletableFuture<Void> deleted = new CompletableFuture<>();
        Flow.Subscription[] sub = new Flow.Subscription[1];
        c.watch(Watch.key(key).from(from).executor(Runnable::run)).subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                sub[0] = s;
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(WatchEvent e) {
                if (e.type() == WatchEvent.Type.DELETE) {
                    deleted.complete(null);
                }
            }

            @Override
            public void onError(Throwable t) {
                deleted.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                deleted.complete(null);
            }
        });
        try {
            Object first = join(CompletableFuture.anyOf(deleted, lease.lost()));
            if (first instanceof LeaseLostException e) {
                throw lost(e, "the lock's lease while waiting");
            }
        } finally {
            sub[0].cancel();
        }
    }

    private static Object join(CompletableFuture<?> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private static CliFailure lost(LeaseLostException e, String what) {
        return new CliFailure(ExitCode.UNAVAILABLE, "lost " + what + ": " + (e == null ? "it was deleted" : e.getMessage()));
    }

    /** The held lock: the child process while it runs, and the release, done once. */
    private final class Holder {
        private final Lease lease;
        private volatile Process child;
        private boolean released;

        Holder(Lease lease) {
            this.lease = lease;
        }

        int run(String key, long revision) throws InterruptedException {
            ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
            pb.environment().put("TALLY_LOCK_KEY", key);
            pb.environment().put("TALLY_LOCK_REVISION", Long.toString(revision));
            try {
                child = pb.start();
            } catch (IOException e) {
                throw CliFailure.usage("cannot run " + String.join(" ", command) + ": " + e.getMessage());
            }
            Object first = join(CompletableFuture.anyOf(child.onExit(), lease.lost()));
            if (first instanceof LeaseLostException e) {
                stop(child);
                throw lost(e, "the lock while " + command.get(0) + " ran; it was stopped");
            }
            return child.exitValue();
        }

        /** Stops COMMAND if it runs and revokes the lease (deleting the key): the next contender goes on. */
        synchronized void release() {
            if (released) {
                return;
            }
            released = true;
            Process p = child;
            if (p != null && p.isAlive()) {
                stop(p);
            }
            try {
                lease.revoke();
            } catch (RuntimeException e) {
                lease.close(); // gone already, or the cluster is unreachable: the lease then expires after its TTL
            }
        }

        private void stop(Process p) {
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }
}
