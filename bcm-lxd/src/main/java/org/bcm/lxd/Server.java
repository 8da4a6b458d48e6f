package org.bcm.lxd;

import java.util.List;
import java.util.Map;

/**
 * What {@code GET /1.0} reports about the daemon. For an untrusted client LXD hides the
 * environment: the version, kernel and storage fields are then empty strings / empty lists.
 *
 * @param apiVersion REST API version, e.g. {@code "1.0"}
 * @param serverVersion LXD version, e.g. {@code "5.0.2"}
 * @param apiExtensions API extensions the server supports
 * @param auth {@code "trusted"} or {@code "untrusted"}
 * @param serverName the server's name (host name when not clustered)
 * @param storageDriver the storage driver(s) in use, e.g. {@code "dir"} ({@code "dir | zfs"} with several)
 * @param storageDrivers names of the storage drivers the server supports
 * @param kernelVersion host kernel version
 * @param architectures architectures the server can run, e.g. {@code [x86_64, i686]}
 * @param certificatePem the server's TLS certificate (PEM), empty when untrusted
 * @param certificateFingerprint SHA-256 fingerprint (hex) of that certificate, empty when untrusted
 * @param config server configuration ({@code core.https_address}, ...)
 * @param etag ETag of the server configuration, sent back by {@link LxdClient#updateServerConfig}
 */
public record Server(
        String apiVersion,
        String serverVersion,
        List<String> apiExtensions,
        String auth,
        String serverName,
        String storageDriver,
        List<String> storageDrivers,
        String kernelVersion,
        List<String> architectures,
        String certificatePem,
        String certificateFingerprint,
        Map<String, String> config,
        String etag) {

    public Server {
        apiExtensions = List.copyOf(apiExtensions);
        storageDrivers = List.copyOf(storageDrivers);
        architectures = List.copyOf(architectures);
        config = Map.copyOf(config);
    }

    /** True when the server trusts this client. */
    public boolean trusted() {
        return "trusted".equals(auth);
    }

    /** True when the server supports the named API extension. */
    public boolean hasExtension(String extension) {
        return apiExtensions.contains(extension);
    }
}
