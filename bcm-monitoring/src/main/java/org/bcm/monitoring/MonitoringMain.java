package org.bcm.monitoring;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.bcm.swarm.DockerEngine;

/**
 * The monitoring stack's programs, one per container, configured from the environment (the stack sets
 * it; passwords from files, swarm secrets, never from the command line):
 *
 * <pre>
 * bcm-monitoring bitcoind   bitcoind's metrics ({@link BitcoindCollector})
 *   MONITORING_LISTEN             0.0.0.0:9332
 *   MONITORING_RPC_URL            http://bitcoind:18443/
 *   MONITORING_RPC_USER           monitoring
 *   MONITORING_RPC_PASSWORD_FILE  /run/secrets/rpc_password
 * bcm-monitoring swarm      the swarm's services and nodes ({@link SwarmCollector})
 *   MONITORING_LISTEN             0.0.0.0:9333
 *   MONITORING_DOCKER_SOCKET      /var/run/docker.sock (a manager's)
 * bcm-monitoring lightning  a Lightning node's metrics ({@link LightningCollector})
 *   MONITORING_LISTEN                    0.0.0.0:9335
 *   MONITORING_LIGHTNING_DIR             /run/bcm-metrics (what the node's healthcheck leaves)
 *   MONITORING_LIGHTNING_IMPLEMENTATION  cln or lnd
 *   MONITORING_LIGHTNING_BACKUP_WITHIN_MINUTES  60 (how soon a changed channel backup must be backed up)
 * bcm-monitoring alerts     Alertmanager's webhook into Kafka ({@link AlertsToKafka})
 *   MONITORING_LISTEN             0.0.0.0:9334
 *   MONITORING_KAFKA              broker:9092
 *   MONITORING_ALERTS_TOPIC       bcm.alerts
 * </pre>
 *
 * Metrics are served on {@code GET /metrics}. Exit codes: 0 after SIGTERM, 2 for a missing or
 * unreadable setting or an unknown program, 3 when the address cannot be bound.
 */
public final class MonitoringMain {

    private MonitoringMain() {
    }

    public static void main(String[] args) {
        AutoCloseable running;
        try {
            running = start(args.length == 1 ? args[0] : "", System.getenv());
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("bcm-monitoring: " + e.getMessage());
            System.exit(e instanceof java.net.BindException ? 3 : 2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                running.close();
            } catch (Exception e) {
                System.err.println("bcm-monitoring: " + e.getMessage());
            }
            stopped.countDown();
        }));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts the program {@code program} with the settings {@code env}.
     *
     * @throws IllegalArgumentException for an unknown program or a missing setting
     * @throws IOException              when the password file cannot be read or the address bound
     */
    static AutoCloseable start(String program, Map<String, String> env) throws IOException {
        InetSocketAddress listen = address(require(env, "MONITORING_LISTEN"));
        return switch (program) {
            case "bitcoind" -> {
                String password = Files.readString(Path.of(require(env, "MONITORING_RPC_PASSWORD_FILE")), StandardCharsets.UTF_8).strip();
                yield new MetricsEndpoint(listen, new BitcoindCollector(URI.create(require(env, "MONITORING_RPC_URL")),
                        require(env, "MONITORING_RPC_USER"), password));
            }
            case "swarm" -> {
                DockerEngine manager = DockerEngine.connect(Path.of(env.getOrDefault("MONITORING_DOCKER_SOCKET", "/var/run/docker.sock")));
                MetricsEndpoint endpoint = new MetricsEndpoint(listen, new SwarmCollector(manager));
                yield () -> {
                    endpoint.close();
                    manager.close();
                };
            }
            case "lightning" -> new MetricsEndpoint(listen, new LightningCollector(Path.of(require(env, "MONITORING_LIGHTNING_DIR")),
                    LightningCollector.Implementation.of(require(env, "MONITORING_LIGHTNING_IMPLEMENTATION")),
                    java.time.Duration.ofMinutes(minutes(env, "MONITORING_LIGHTNING_BACKUP_WITHIN_MINUTES", 60)), java.time.Clock.systemUTC()));
            case "alerts" -> new AlertsToKafka(listen, require(env, "MONITORING_KAFKA"),
                    env.getOrDefault("MONITORING_ALERTS_TOPIC", "bcm.alerts"));
            default -> throw new IllegalArgumentException("usage: bcm-monitoring bitcoind|swarm|lightning|alerts (got '" + program + "')");
        };
    }

    /** {@code HOST:PORT}. */
    static InetSocketAddress address(String value) {
        int colon = value.lastIndexOf(':');
        try {
            return new InetSocketAddress(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("MONITORING_LISTEN=" + value + " is not HOST:PORT");
        }
    }

    /** A whole number of minutes, at least 1, or {@code otherwise} when unset. */
    private static long minutes(Map<String, String> env, String name, long otherwise) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        try {
            long minutes = Long.parseLong(value.strip());
            if (minutes >= 1) {
                return minutes;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(name + "=" + value + " is not a number of minutes (1 or more)");
    }

    private static String require(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is not set");
        }
        return value.strip();
    }
}
