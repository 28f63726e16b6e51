package io.tally.server.cli;

import io.tally.client.Consistency;
import picocli.CommandLine.Option;

/** {@code --consistency} of a read (env {@code TALLY_CONSISTENCY}). */
final class ConsistencyOption {

    @Option(names = "--consistency", paramLabel = "linearizable|lease|stale", defaultValue = "${env:TALLY_CONSISTENCY:-linearizable}",
            description = "how the read is served: linearizable (through the leader, ReadIndex), lease (the leader's lease) "
                    + "or stale (the node asked, as it is) (env TALLY_CONSISTENCY; default ${DEFAULT-VALUE})")
    Consistency consistency;
}
