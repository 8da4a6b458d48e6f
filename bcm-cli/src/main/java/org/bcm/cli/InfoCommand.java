package org.bcm.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.bcm.core.identity.IdentityService;
import org.bcm.core.identity.OperatorIdentity;
import java.util.concurrent.Callable;
import org.bcm.core.adapter.LocalPorts;
import org.bcm.core.cluster.ClusterStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bcm info}: the active cluster, the LXD endpoint, the bcm home, the Trezor plugged in, the identity and the live agent sockets. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the active cluster, the LXD endpoint, the bcm home, the Trezor, the identity, which agent sockets are live and where project secrets are kept.")
final class InfoCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
        Context context = new Context(spec);
        ClusterStore store = context.clusters();
        String active = store.activeCluster().orElse(null);
        String endpoint = Optional.ofNullable(active).flatMap(store::load).map(d -> d.endpoint())
                .orElseGet(() -> LocalPorts.create().lxdEndpoint());
        List<String> devices = context.deviceService().pluggedIn();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("activeCluster", active);
        info.put("endpoint", endpoint);
        info.put("home", context.home().root().toString());
        info.put("device", devices.isEmpty() ? null : devices.get(0));
        IdentityService identities = context.identities();
        Optional<OperatorIdentity> identity = identities.load();
        info.put("identity", identity.map(i -> i.userId() + " " + i.fingerprint() + " (" + i.curve() + ")").orElse(null));
        Path gpgSocket = identities.gpgAgentSocket();
        Path sshSocket = identities.sshAgentSocket();
        info.put("gpgAgent", IdentityService.socketAnswers(gpgSocket) ? gpgSocket.toString() : null);
        info.put("sshAgent", IdentityService.socketAnswers(sshSocket) ? sshSocket.toString() : null);
        info.put("projectSecrets", context.projectSecrets(new DeviceOption()).describeStorage());
        if (output.json()) {
            OutputOption.printJson(context.out(), info);
        } else {
            context.out().println("active cluster: " + (active == null ? "none (bcm cluster create --cluster-name=NAME)" : active));
            context.out().println("endpoint:       " + endpoint);
            context.out().println("home:           " + info.get("home"));
            context.out().println("device:         " + (info.get("device") == null ? "no Trezor plugged in" : info.get("device")));
            context.out().println("identity:       " + (info.get("identity") == null ? "none (bcm init --name=NAME --username=USER --hostname=HOST)" : info.get("identity")));
            context.out().println("gpg-agent:      " + (info.get("gpgAgent") == null ? "not running (gpg starts it when needed)" : "live on " + info.get("gpgAgent")));
            context.out().println("ssh-agent:      " + (info.get("sshAgent") == null ? "not running (bcm ssh agent)" : "live on " + info.get("sshAgent")));
            context.out().println("project secrets: " + info.get("projectSecrets"));
            context.out().flush();
        }
        return 0;
    }
}
