package io.tally.transport.netty.tls;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The names a certificate gives its holder: the subject's CN and the DNS subject alternative names. */
public final class PeerNames {

    private PeerNames() {
    }

    public static List<String> of(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    names.add(rdn.getValue().toString());
                }
            }
        } catch (InvalidNameException e) {
            // no CN to take
        }
        try {
            Collection<List<?>> alt = cert.getSubjectAlternativeNames();
            if (alt != null) {
                for (List<?> entry : alt) {
                    if (entry.size() >= 2 && Integer.valueOf(2).equals(entry.get(0))) { // dNSName
                        names.add(String.valueOf(entry.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no alternative names to take
        }
        return names;
    }

    /** Whether the certificate names {@code id} (its CN, or one of its DNS SANs, equals it exactly). */
    public static boolean names(X509Certificate cert, String id) {
        return of(cert).contains(id);
    }
}
