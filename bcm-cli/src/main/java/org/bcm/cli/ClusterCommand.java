package org.bcm.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.bcm.core.cluster.ClusterDefinition;
import org.bcm.core.cluster.ClusterService;
import org.bcm.core.cluster.SshLogin;
import org.bcm.core.cluster.ClusterStatus;
import org.bcm.core.cluster.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bcm cluster}: create, list, verify, stop and destroy clusters of LXD tier hosts. */
@Command(name = "cluster", description = "Manage clusters: LXD system containers per tier, joined into one Docker Swarm.",
        mixinStandardHelpOptions = true,
        subcommands = {ClusterCommand.Create.class, ClusterCommand.ListClusters.class, ClusterCommand.Verify.class,
            ClusterCommand.Stop.class, ClusterCommand.Destroy.class})
final class ClusterCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a cluster, or converge an existing or half-made one.",
                "Builds the base image on first use, then the LXD storage pool, network, project, profile and the tier "
                        + "hosts bcm-<tier>-<NN>, each running dockerd, joined into one swarm."})
    static final class Create implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;

        @Option(names = "--cluster-name", required = true, paramLabel = "NAME",
                description = "1-11 lower-case letters, digits or inner hyphens.")
        String name;

        @Option(names = "--provider", paramLabel = "PROVIDER",
                description = {"Where the cluster runs: local (the LXD daemon on this machine), lxd (an LXD already listening on "
                        + "HTTPS, joined with --trust-token) or ssh (a host bcm logs in to, installs and initialises LXD on, "
                        + "then drives over HTTPS).", "Default: the cluster's stored provider, else local."})
        String provider;

        @Option(names = "--endpoint", paramLabel = "URL", description = "For --provider=lxd: https://HOST:8443.")
        String endpoint;

        @Option(names = "--trust-token", paramLabel = "TOKEN", interactive = true, arity = "0..1",
                description = "For --provider=lxd: a token from 'lxc config trust add --name bcm' on the endpoint, needed until it"
                        + " trusts this controller. Without a value bcm asks for it (it is a secret: keep it out of the command line).")
        String trustToken;

        @Option(names = "--hostname", paramLabel = "HOST", description = "For --provider=ssh: the host to log in to.")
        String hostname;

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

        @Override
        public Integer call() {
            Context context = new Context(spec);
            SshLogin ssh = new SshLogin(hostname, sshUser, sshPort, sshHostKey, sshIdentityFile, () -> context.deviceKeys(device),
                            fingerprint -> context.confirm("The host key of " + hostname + " is not known: " + fingerprint
                                    + ". Is that the key 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' shows on the host?"));
            ClusterDefinition definition = context.clusterService().create(name,
                    new ClusterService.Placement(provider, endpoint, trustToken, ssh));
            context.out().println("Cluster '" + definition.name() + "' is up on " + definition.endpoint()
                    + " (network " + definition.subnet() + "); see 'bcm show'.");
            context.out().flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the clusters bcm knows and their state.")
    static final class ListClusters implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin OutputOption output;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            List<ClusterStatus> clusters = context.clusterService().list();
            if (output.json()) {
                OutputOption.printJson(context.out(), clusters);
                return 0;
            }
            Table table = new Table("NAME", "ACTIVE", "PROVIDER", "SUBNET", "INSTANCES", "ENDPOINT");
            for (ClusterStatus c : clusters) {
                table.row(c.name(), c.active() ? "*" : "", c.provider(), c.subnet(),
                        c.running() + "/" + c.instances().size() + " running", c.endpoint());
            }
            table.print(context.out());
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check every piece of a cluster: LXD, instances, Docker daemons, swarm nodes.",
                "Exits with 7 and names the failing piece when one fails."})
    static final class Verify implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ClusterOption cluster;
        @Mixin OutputOption output;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            VerifyReport report = context.clusterService().verify(cluster.resolve(context.clusters()));
            if (output.json()) {
                OutputOption.printJson(context.out(), report);
            } else {
                Table table = new Table("CHECK", "RESULT", "DETAIL");
                report.checks().forEach(c -> table.row(c.subject(), c.passed() ? "ok" : "FAILED", c.detail()));
                table.print(context.out());
            }
            if (!report.passed()) {
                String failed = String.join(", ", report.checks().stream().filter(c -> !c.passed()).map(VerifyReport.Check::subject).toList());
                context.err().println("bcm: cluster '" + report.cluster() + "' failed verification: " + failed);
                context.err().println("  hint: 'bcm cluster create --cluster-name=" + report.cluster() + "' converges it again");
                context.err().flush();
                return org.bcm.core.BcmException.Kind.VERIFY_FAILED.exitCode();
            }
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop every instance of a cluster; 'create' starts them again.")
    static final class Stop implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin ClusterOption cluster;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            String name = cluster.resolve(context.clusters());
            context.clusterService().stop(name);
            context.out().println("Cluster '" + name + "' is stopped.");
            context.out().flush();
            return 0;
        }
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true,
            description = "Remove everything labelled with the cluster's name from LXD, and its definition; the projects deployed on it are no longer.")
    static final class Destroy implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin ClusterOption cluster;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            String name = cluster.resolve(context.clusters());
            List<String> removed = context.projectService().destroyCluster(name);
            removed.forEach(r -> context.out().println("removed " + r));
            context.out().println("Cluster '" + name + "' is destroyed.");
            context.out().flush();
            return 0;
        }
    }
}
