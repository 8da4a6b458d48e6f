package org.bcm.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bcm.core.cluster.ClusterService;
import org.bcm.core.cluster.ClusterStore;
import org.bcm.trezor.TrezorDevices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bcm info}: the active cluster, the LXD endpoint, the bcm home and the Trezor plugged in. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the active cluster, the LXD endpoint, the bcm home directory and the Trezor device.")
final class InfoCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
        Context context = new Context(spec);
        ClusterStore store = context.clusters();
        String active = store.activeCluster().orElse(null);
        String endpoint = active == null ? ClusterService.localEndpoint()
                : store.load(active).map(d -> d.endpoint()).orElse(ClusterService.localEndpoint());
        List<TrezorDevices.UsbTrezor> devices = new TrezorDevices().connected();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("activeCluster", active);
        info.put("endpoint", endpoint);
        info.put("home", context.home().root().toString());
        info.put("device", devices.isEmpty() ? null : devices.get(0).kind() + " at USB " + devices.get(0).busPath());
        if (output.json()) {
            OutputOption.printJson(context.out(), info);
        } else {
            context.out().println("active cluster: " + (active == null ? "none (bcm cluster create --cluster-name=NAME)" : active));
            context.out().println("endpoint:       " + endpoint);
            context.out().println("home:           " + info.get("home"));
            context.out().println("device:         " + (info.get("device") == null ? "no Trezor plugged in" : info.get("device")));
            context.out().flush();
        }
        return 0;
    }
}
