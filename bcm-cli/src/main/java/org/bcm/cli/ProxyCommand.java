package org.bcm.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.bcm.rpcproxy.RpcProxyCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** {@code bcm proxy}: the pruned-block JSON-RPC proxy (module bcm-rpcproxy). */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = "The pruned-block JSON-RPC proxy that lets a Lightning node run on a pruned bitcoind (bcm-rpcproxy/README.md).",
        subcommands = {ProxyCommand.Run.class})
final class ProxyCommand {

    /**
     * {@code bcm proxy run [OPTIONS]}: the same program as the {@code bcm-rpcproxy} launcher, with
     * its options, messages and exit codes ({@code bcm proxy run --help}). Its log lines (a start line,
     * one per peer fetch) show at its {@code --log-level}, default info, although bcm itself shows only
     * warnings.
     */
    @Command(name = "run", description = "Run the proxy in the foreground; takes bcm-rpcproxy's options (bcm proxy run --help).")
    static final class Run implements Callable<Integer> {
        @Unmatched
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            return RpcProxyCommand.execute(level -> ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                    .getLogger("org.bcm.rpcproxy")).setLevel(ch.qos.logback.classic.Level.toLevel(level)),
                    args.toArray(String[]::new));
        }
    }
}
