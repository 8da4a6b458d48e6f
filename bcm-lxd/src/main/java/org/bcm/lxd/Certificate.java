package org.bcm.lxd;

import java.util.List;

/**
 * A certificate in LXD's trust store.
 *
 * @param fingerprint SHA-256 fingerprint (hex) of the DER certificate
 * @param name name given when it was added
 * @param type {@code "client"} (or {@code "metrics"})
 * @param certificatePem the certificate, PEM encoded
 * @param restricted true when limited to {@link #projects()}
 * @param projects projects a restricted certificate may use
 */
public record Certificate(String fingerprint, String name, String type, String certificatePem,
                          boolean restricted, List<String> projects) {
    public Certificate {
        projects = List.copyOf(projects);
    }
}
