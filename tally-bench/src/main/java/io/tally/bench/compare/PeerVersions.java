package io.tally.bench.compare;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The versions of the peers this build was compiled against, from {@code peer-versions.properties}, which Maven
 * fills in under the {@code compare} profile (absent from the default build).
 */
final class PeerVersions {

    private static final Properties VERSIONS = new Properties();

    static {
        try (InputStream in = PeerVersions.class.getResourceAsStream("peer-versions.properties")) {
            if (in != null) {
                VERSIONS.load(in);
            }
        } catch (IOException e) {
            // leave them unknown
        }
    }

    private PeerVersions() {
    }

    /** {@code jraft}, {@code ratis} or {@code jetcd}: the version, or "?" outside the compare profile. */
    static String get(String peer) {
        return VERSIONS.getProperty(peer, "?");
    }
}
