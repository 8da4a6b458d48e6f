package org.bcm.core.cluster;

import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.bcm.core.cluster.ClusterDefinition.SshTarget;
import org.bcm.core.identity.DeviceKeys;

/**
 * How {@code bcm cluster create --provider=ssh} logs in to a host.
 *
 * @param hostname        host name or address
 * @param user            the login name; not {@code root}: commands run with {@code sudo -n}
 * @param port            the SSH port
 * @param hostKey         the host key's fingerprint the operator vouches for ({@code SHA256:...}, as
 *                        {@code ssh-keygen -lf} prints it), or null: only known_hosts
 * @param identityFile    an OpenSSH private key file to log in with, or null: the Trezor-held
 *                        identity {@code USER@HOST} through bcm's agent
 * @param device          opens the device for the Trezor-held identity (called only when needed)
 * @param confirmHostKey  asked with the fingerprint of an unknown host key when {@code hostKey} is
 *                        null; true accepts it (a terminal prompt), false refuses
 */
public record SshLogin(String hostname, String user, int port, String hostKey, Path identityFile,
                       Supplier<DeviceKeys> device, Predicate<String> confirmHostKey) {

    /** The default login name. */
    public static final String DEFAULT_USER = "root";
    /** The default SSH port. */
    public static final int DEFAULT_PORT = 22;

    public SshLogin {
        user = user == null || user.isBlank() ? DEFAULT_USER : user;
        port = port <= 0 ? DEFAULT_PORT : port;
        confirmHostKey = confirmHostKey == null ? fingerprint -> false : confirmHostKey;
    }

    /** The target a definition stores (no key material, no device). */
    SshTarget target() {
        return new SshTarget(hostname, user, port);
    }

    /** A login to a stored target, with the key options of {@code given} (may be null: known_hosts, no device). */
    static SshLogin of(SshTarget target, SshLogin given) {
        return given == null ? new SshLogin(target.hostname(), target.user(), target.port(), null, null, null, null)
                : new SshLogin(target.hostname(), target.user(), target.port(), given.hostKey(), given.identityFile(), given.device(),
                        given.confirmHostKey());
    }

    /** {@code USER@HOST} (with {@code :PORT} when not 22). */
    @Override
    public String toString() {
        return user + "@" + hostname + (port == DEFAULT_PORT ? "" : ":" + port);
    }
}
