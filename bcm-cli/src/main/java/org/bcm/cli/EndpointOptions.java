package org.bcm.cli;

import org.bcm.core.cluster.ClusterService;
import org.bcm.core.cluster.SshLogin;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where a cluster or an added endpoint runs: {@code --provider} and the options of a remote LXD ({@code cluster create}, {@code add-endpoint}). */
final class EndpointOptions {

    @Option(names = "--provider", paramLabel = "PROVIDER",
            description = {"Where the cluster runs: local (the LXD daemon on this machine), lxd (an LXD already listening on "
                    + "HTTPS, joined with --trust-token) or ssh (a host bcm logs in to, installs and initialises LXD on, "
                    + "then drives over HTTPS).", "Default: as stored; else local for a cluster, and for an added endpoint ssh with "
                    + "--hostname, lxd with --endpoint."})
    String provider;

    @Option(names = "--endpoint", paramLabel = "URL", description = "For --provider=lxd: https://HOST:8443.")
    String endpoint;

    @Option(names = "--trust-token", paramLabel = "TOKEN", interactive = true, arity = "0..1",
            description = "For --provider=lxd: a token from 'lxc config trust add --name bcm' on the endpoint, needed until it"
                    + " trusts this controller. Without a value bcm asks for it (it is a secret: keep it out of the command line).")
    String trustToken;

    @Option(names = "--hostname", paramLabel = "HOST",
            description = {"For --provider=ssh: the host to log in to.", "cluster create takes it more than once: the first host is "
                    + "the cluster's endpoint, each further one is added as by add-endpoint (named by its first label, e.g. nuc2 "
                    + "for nuc2.lan, or endpointN), with the same SSH options."})
    java.util.List<String> hostnames;

    @Option(names = "--ssh-user", paramLabel = "USER",
            description = "For --provider=ssh: the login name (not root: commands run with sudo -n). Default: root.")
    String sshUser;

    @Option(names = "--ssh-port", paramLabel = "PORT", description = "For --provider=ssh. Default: 22.")
    int sshPort;

    @Option(names = "--ssh-host-key", paramLabel = "SHA256:...",
            description = "For --provider=ssh: the host key's fingerprint ('ssh-keygen -lf' on the host), for a host not in"
                    + " known_hosts. Without it bcm asks at a terminal and refuses elsewhere.")
    String sshHostKey;

    @Option(names = "--ssh-identity-file", paramLabel = "FILE",
            description = "For --provider=ssh: an OpenSSH private key to log in with. Default: the Trezor-held identity"
                    + " USER@HOST through bcm's agent.")
    java.nio.file.Path sshIdentityFile;

    @Mixin DeviceOption device;

    /** The options as a placement, with the first {@code --hostname}; the SSH login asks at the terminal for an unknown host key. */
    ClusterService.Placement placement(Context context) {
        return placement(context, hostnames == null || hostnames.isEmpty() ? null : hostnames.get(0));
    }

    /** The {@code --hostname}s after the first. */
    java.util.List<String> furtherHostnames() {
        return hostnames == null || hostnames.size() < 2 ? java.util.List.of() : hostnames.subList(1, hostnames.size());
    }

    /** The options as a placement on {@code hostname}. */
    ClusterService.Placement placement(Context context, String hostname) {
        SshLogin ssh = new SshLogin(hostname, sshUser, sshPort, sshHostKey, sshIdentityFile, () -> context.deviceKeys(device),
                fingerprint -> context.confirm("The host key of " + hostname + " is not known: " + fingerprint
                        + ". Is that the key 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' shows on the host?"));
        return new ClusterService.Placement(provider, endpoint, trustToken, ssh);
    }
}
