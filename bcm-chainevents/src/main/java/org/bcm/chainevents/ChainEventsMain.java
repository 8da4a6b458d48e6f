package org.bcm.chainevents;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The bridge's process: configuration from the environment (the chainevents stack sets it), the RPC
 * password from a file (a swarm secret), never from the command line.
 *
 * <pre>
 * CHAINEVENTS_ZMQ_HASHBLOCK      tcp://bitcoind:28334
 * CHAINEVENTS_ZMQ_RAWTX          tcp://bitcoind:28333
 * CHAINEVENTS_RPC_URL            http://bitcoind:18443/
 * CHAINEVENTS_RPC_USER           chainevents
 * CHAINEVENTS_RPC_PASSWORD_FILE  /run/secrets/rpc_password
 * CHAINEVENTS_KAFKA              broker:9092
 * </pre>
 *
 * Exit codes: 0 after SIGTERM, 2 for a missing or unreadable setting.
 */
public final class ChainEventsMain {

    private ChainEventsMain() {
    }

    public static void main(String[] args) {
        ChainEventsBridge.Config config;
        try {
            config = config(System.getenv());
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("bcm-chainevents: " + e.getMessage());
            System.exit(2);
            return;
        }
        ChainEventsBridge bridge = new ChainEventsBridge(config);
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            bridge.close();
            try {
                main.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        bridge.run();
    }

    static ChainEventsBridge.Config config(Map<String, String> env) throws IOException {
        String password = Files.readString(Path.of(require(env, "CHAINEVENTS_RPC_PASSWORD_FILE")), StandardCharsets.UTF_8).strip();
        return new ChainEventsBridge.Config(require(env, "CHAINEVENTS_ZMQ_HASHBLOCK"), require(env, "CHAINEVENTS_ZMQ_RAWTX"),
                URI.create(require(env, "CHAINEVENTS_RPC_URL")), require(env, "CHAINEVENTS_RPC_USER"), password,
                require(env, "CHAINEVENTS_KAFKA"));
    }

    private static String require(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is not set");
        }
        return value.strip();
    }
}
