package org.bcm.rpcproxy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bcm-rpcproxy} / {@code bcm proxy run}: runs the proxy until SIGTERM or SIGINT. Every config
 * key but {@code upstream-password} is also a flag ({@code --key=value}); flags override the file given
 * with {@code --config}. No secret is taken from the arguments, which every local user can read.
 *
 * <p>To embed it as a subcommand: {@code parent.addSubcommand("run", RpcProxyCommand.commandLine(..))}
 * and call {@link #run(RpcProxySettings, Map, Consumer)} or use {@link #execute(Consumer, String...)};
 * the exit codes are {@link #EXIT_OK}, {@link #EXIT_INTERNAL}, and {@link
 * RpcProxyException.Reason#exitCode()}. The embedding application applies {@code log-level} itself
 * (to the logger {@code org.bcm.rpcproxy}); the launcher's default passes it to its logback.xml.
 */
@Command(name = "bcm-rpcproxy", mixinStandardHelpOptions = true, versionProvider = RpcProxyCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "JSON-RPC proxy for a pruned bitcoind: forwards every call and serves pruned blocks by fetching them "
                    + "from bitcoind's peers (getblockfrompeer).",
            "Every option is also a key of the config file (key=value lines). See bcm-rpcproxy/README.md.",
            "bitcoind's password is never a flag: upstream-password in the config file (mode 0600) or $BCM_RPCPROXY_UPSTREAM_PASSWORD."
        },
        subcommands = {RpcProxyCommand.RpcAuthCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped by SIGTERM or SIGINT after a graceful shutdown",
            "1:internal error",
            "2:invalid flag, config file, key or value",
            "3:cannot listen on the listen or metrics-listen address",
            "4:the block cache directory cannot be used",
            "5:the proxy's cookie file (rpccookiefile) cannot be written"
        })
public final class RpcProxyCommand implements Callable<Integer> {

    public static final int EXIT_OK = 0;
    public static final int EXIT_INTERNAL = 1;
    public static final int EXIT_USAGE = 2;

    /** The launcher's way to apply log-level: the system property its conf/logback.xml reads. */
    private static final Consumer<String> LAUNCHER_LOG_LEVEL =
            level -> System.setProperty("bcm.rpcproxy.log.level", level.toUpperCase(java.util.Locale.ROOT));

    private final Consumer<String> logLevelSink;

    @Spec
    CommandSpec spec;

    /** The command as the launcher runs it. */
    public RpcProxyCommand() {
        this(LAUNCHER_LOG_LEVEL);
    }

    /**
     * @param logLevelSink receives the log level ({@code error}, {@code warn}, {@code info}, {@code debug}
     *     or {@code trace}) before the proxy makes its first logger
     */
    public RpcProxyCommand(Consumer<String> logLevelSink) {
        this.logLevelSink = logLevelSink;
    }

    @Option(names = "--config", paramLabel = "FILE", description = "Config file of key=value lines; mode 0600 when it holds upstream-password.")
    Path config;

    @Option(names = "--stacktrace", description = "Print the stack trace of an error.")
    boolean stacktrace;

    @Option(names = "--chain", paramLabel = "CHAIN", description = "main (default), test, testnet4, signet or regtest: default ports and cookie path.")
    String chain;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Where clients connect (default 127.0.0.1:<bitcoind RPC port + 10>).")
    String listen;

    @Option(names = "--upstream", paramLabel = "URL", description = "bitcoind's RPC URL (default http://127.0.0.1:<chain RPC port>).")
    String upstream;

    @Option(names = "--upstream-user", paramLabel = "USER", description = "bitcoind RPC user; its password comes from upstream-password in the config file (mode 0600) or $BCM_RPCPROXY_UPSTREAM_PASSWORD, never from a flag.")
    String upstreamUser;

    /**
     * Not a flag: every local user can read a process's arguments ({@code ps}, {@code /proc/<pid>/cmdline}).
     * Declared, hidden, only to refuse it with a message that does not repeat the password, as picocli's
     * "Unknown option" would.
     */
    @Option(names = "--upstream-password", hidden = true, paramLabel = "PASSWORD")
    String upstreamPasswordRefused;

    @Option(names = "--upstream-cookie", paramLabel = "FILE", description = "bitcoind's cookie file (default <datadir>[/<chain>]/.cookie).")
    String upstreamCookie;

    @Option(names = "--datadir", paramLabel = "DIR", description = "bitcoind's datadir, for the default cookie path (default ~/.bitcoin).")
    String datadir;

    @Option(names = "--upstream-timeout", paramLabel = "DURATION", description = "Longest wait for bitcoind's answer to start, or pause in it (default 900s, as bitcoin-cli).")
    String upstreamTimeout;

    @Option(names = "--upstream-connections", paramLabel = "N", description = "Keep-alive connections to bitcoind, below its rpcthreads (default 3).")
    String upstreamConnections;

    @Option(names = "--upstream-queue", paramLabel = "N", description = "Requests that may wait for a connection before 503 (default 1024).")
    String upstreamQueue;

    @Option(names = "--rpcauth", paramLabel = "USER:SALT$HMAC", description = "An incoming user, as bitcoind's rpcauth (repeatable).")
    List<String> rpcauth;

    @Option(names = "--rpcwhitelist", paramLabel = "USER:METHOD,...", description = "Methods a user may call, as bitcoind's rpcwhitelist (repeatable).")
    List<String> rpcwhitelist;

    @Option(names = "--rpcwhitelistdefault", paramLabel = "0|1", description = "Users without a whitelist may call nothing (default 1 when any whitelist is set).")
    String rpcwhitelistdefault;

    @Option(names = "--rpccookiefile", paramLabel = "FILE", description = "Without rpcauth users, the proxy writes its own cookie here (mode 0600) and clients must send it, as bitcoind's .cookie (default <cache-dir>/.cookie).")
    String rpccookiefile;

    @Option(names = "--insecure-no-authentication", paramLabel = "0|1", description = "1: no authentication at all, every local user can call bitcoind through the proxy; only without rpcauth users, only on a loopback listen address (default 0).")
    String insecureNoAuthentication;

    @Option(names = "--fetch-wait", paramLabel = "DURATION", description = "How long a getblock of a pruned block waits before Core's pruned error (default 5s).")
    String fetchWait;

    @Option(names = "--fetch-peer-timeout", paramLabel = "DURATION", description = "How long one peer may take to deliver before another is asked (default 10s).")
    String fetchPeerTimeout;

    @Option(names = "--fetch-timeout", paramLabel = "DURATION", description = "How long one block's fetch tries in all (default 120s).")
    String fetchTimeout;

    @Option(names = "--fetch-poll", paramLabel = "DURATION", description = "How often bitcoind is asked whether a fetched block arrived (default 50ms).")
    String fetchPoll;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "On-disk cache of fetched blocks (default $XDG_CACHE_HOME/bcm-rpcproxy/<chain>).")
    String cacheDir;

    @Option(names = "--cache-size", paramLabel = "MIB", description = "Cache size limit in MiB; 0 disables it (default 512).")
    String cacheSize;

    @Option(names = "--max-request-size", paramLabel = "SIZE", description = "Largest request body; larger ones get 413 (default 32MiB).")
    String maxRequestSize;

    @Option(names = "--request-memory", paramLabel = "SIZE", description = "Request bytes held at once over all clients; past it 503 (default a quarter of the heap).")
    String requestMemory;

    @Option(names = "--client-timeout", paramLabel = "DURATION", description = "Time for a whole request, idle keep-alive, and a stalled reader (default 30s).")
    String clientTimeout;

    @Option(names = "--max-clients", paramLabel = "N", description = "Client connections at most (default 512).")
    String maxClients;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT", description = "Serve Prometheus metrics at GET /metrics, without authentication (default off); a loopback address unless --metrics-allow-remote=1.")
    String metricsListen;

    @Option(names = "--metrics-allow-remote", paramLabel = "0|1", description = "Allow a metrics-listen address that is not loopback (default 0).")
    String metricsAllowRemote;

    @Option(names = "--io-threads", paramLabel = "N", description = "Event-loop threads (default 1).")
    String ioThreads;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION", description = "Time answers in progress get at shutdown (default 10s).")
    String shutdownGrace;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "error, warn, info (default), debug or trace.")
    String logLevel;

    /** A command line for this command as the launcher runs it, with its error handling and exit codes. */
    public static CommandLine commandLine() {
        return commandLine(LAUNCHER_LOG_LEVEL);
    }

    /**
     * A command line for this command, with bcm-rpcproxy's error handling and exit codes.
     *
     * @param logLevelSink applies the log level, see {@link #RpcProxyCommand(Consumer)}
     */
    public static CommandLine commandLine(Consumer<String> logLevelSink) {
        CommandLine cl = new CommandLine(new RpcProxyCommand(logLevelSink));
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("bcm-rpcproxy: " + ex.getMessage());
            err.println("hint: bcm-rpcproxy --help lists the options");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            boolean trace = parseResult.hasMatchedOption("--stacktrace");
            int code;
            if (ex instanceof RpcProxyException p) {
                err.println("bcm-rpcproxy: " + p.getMessage());
                code = p.reason().exitCode();
            } else {
                err.println("bcm-rpcproxy: internal error: " + ex);
                code = EXIT_INTERNAL;
            }
            if (trace) {
                ex.printStackTrace(err);
            } else if (code == EXIT_INTERNAL) {
                err.println("hint: run again with --stacktrace for the details");
            }
            err.flush();
            return code;
        });
        return cl;
    }

    /** Parses {@code args} and runs as the launcher; returns the exit code. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** Parses {@code args} and runs, the log level applied by {@code logLevelSink}; returns the exit code. */
    public static int execute(Consumer<String> logLevelSink, String... args) {
        return commandLine(logLevelSink).execute(args);
    }

    /** The settings the flags (and the config file they name) give. */
    public RpcProxySettings settings() {
        if (upstreamPasswordRefused != null) {
            throw RpcProxyException.invalid("--upstream-password is not accepted: every local user can read a process's "
                    + "arguments. Put upstream-password in the config file (mode 0600) or set " + RpcProxySettings.PASSWORD_ENV);
        }
        RpcProxySettings file = config == null ? RpcProxySettings.empty() : RpcProxySettings.readFile(config);
        RpcProxySettings flags = RpcProxySettings.empty();
        flag(flags, "chain", chain);
        flag(flags, "listen", listen);
        flag(flags, "upstream", upstream);
        flag(flags, "upstream-user", upstreamUser);
        flag(flags, "upstream-cookie", upstreamCookie);
        flag(flags, "datadir", datadir);
        flag(flags, "upstream-timeout", upstreamTimeout);
        flag(flags, "upstream-connections", upstreamConnections);
        flag(flags, "upstream-queue", upstreamQueue);
        if (rpcauth != null) rpcauth.forEach(v -> flag(flags, "rpcauth", v));
        if (rpcwhitelist != null) rpcwhitelist.forEach(v -> flag(flags, "rpcwhitelist", v));
        flag(flags, "rpcwhitelistdefault", rpcwhitelistdefault);
        flag(flags, "rpccookiefile", rpccookiefile);
        flag(flags, "insecure-no-authentication", insecureNoAuthentication);
        flag(flags, "fetch-wait", fetchWait);
        flag(flags, "fetch-peer-timeout", fetchPeerTimeout);
        flag(flags, "fetch-timeout", fetchTimeout);
        flag(flags, "fetch-poll", fetchPoll);
        flag(flags, "cache-dir", cacheDir);
        flag(flags, "cache-size", cacheSize);
        flag(flags, "max-request-size", maxRequestSize);
        flag(flags, "request-memory", requestMemory);
        flag(flags, "client-timeout", clientTimeout);
        flag(flags, "max-clients", maxClients);
        flag(flags, "metrics-listen", metricsListen);
        flag(flags, "metrics-allow-remote", metricsAllowRemote);
        flag(flags, "io-threads", ioThreads);
        flag(flags, "shutdown-grace", shutdownGrace);
        flag(flags, "log-level", logLevel);
        return file.overriddenBy(flags);
    }

    private static void flag(RpcProxySettings s, String key, String value) {
        if (value != null) s.add(key, value, "--" + key);
    }

    @Override
    public Integer call() throws InterruptedException {
        RpcProxySettings settings = settings();
        // before the first logger exists: the launcher's logback.xml reads it
        logLevelSink.accept(settings.logLevel());
        return run(settings, System.getenv(), proxy -> {});
    }

    /**
     * Starts a proxy from {@code settings} and serves until SIGTERM/SIGINT (or until {@code
     * onStarted}'s proxy is closed), then shuts down gracefully.
     *
     * @param onStarted called once the proxy listens (tests read its port there)
     * @return {@link #EXIT_OK}
     * @throws RpcProxyException for invalid settings or a failure to start
     */
    public static int run(RpcProxySettings settings, Map<String, String> env, Consumer<RpcProxy> onStarted)
            throws InterruptedException {
        RpcProxyConfig cfg = settings.toConfig(env);
        RpcProxy proxy = RpcProxy.start(cfg);
        Signals.onTermination(() -> new Thread(proxy::close, "rpcproxy-shutdown").start());
        onStarted.accept(proxy);
        proxy.awaitClose();
        return EXIT_OK;
    }

    /** Prints {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = RpcProxy.class.getPackage().getImplementationVersion();
            return new String[] {"bcm-rpcproxy " + (v == null ? "(development build)" : v)};
        }
    }

    /** {@code bcm-rpcproxy rpcauth USER}: makes an rpcauth line (password random, or read from stdin). */
    @Command(name = "rpcauth", mixinStandardHelpOptions = true,
            description = {"Prints an rpcauth=USER:SALT$HMAC line for the config file, and the password.",
                "The password is random unless --password-stdin reads it (one line) from standard input."})
    public static final class RpcAuthCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "USER", description = "The user name (no ':').")
        String user;

        @Option(names = "--password-stdin", description = "Read the password from standard input.")
        boolean passwordStdin;

        @Override
        public Integer call() throws IOException {
            if (user.isEmpty() || user.contains(":")) {
                throw RpcProxyException.invalid("the user name must be non-empty and contain no ':'");
            }
            String password;
            if (passwordStdin) {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                password = in.readLine();
                if (password == null || password.isEmpty()) {
                    throw RpcProxyException.invalid("no password on standard input");
                }
            } else {
                byte[] b = new byte[32];
                new SecureRandom().nextBytes(b);
                password = HexFormat.of().formatHex(b);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("rpcauth=" + RpcAuthUser.create(user, password).value());
            if (!passwordStdin) {
                out.println("# password for " + user + ": " + password);
            }
            out.flush();
            return EXIT_OK;
        }
    }
}
