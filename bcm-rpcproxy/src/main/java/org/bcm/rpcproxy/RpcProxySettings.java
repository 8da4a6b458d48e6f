package org.bcm.rpcproxy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The proxy's settings as {@code key=value} pairs, from a bitcoind-style config file and from
 * command-line flags ({@code --key=value}), turned into an {@link RpcProxyConfig} by {@link
 * #toConfig(Map)}.
 *
 * <p>Config file format: one {@code key=value} per line; blank lines and lines whose first non-blank
 * character is {@code #} are ignored; spaces around the key and the value are trimmed; there are no
 * inline comments (a password may contain {@code #}) and no {@code [section]}s. Unknown keys, a key
 * given twice (except the repeatable {@code rpcauth} and {@code rpcwhitelist}) and malformed lines are
 * errors naming the file and line. Flags override the file; repeatable keys from both are combined.
 *
 * <p>Secrets: {@code upstream-password} may come from the file or the environment variable {@code
 * BCM_RPCPROXY_UPSTREAM_PASSWORD}, never from a flag (see {@link #FILE_ONLY}); it is never logged. A
 * config file holding it must be accessible to its owner only ({@link #readFile}).
 */
public final class RpcProxySettings {

    /** Environment variable read for {@code upstream-password} when the config file does not set it. */
    public static final String PASSWORD_ENV = "BCM_RPCPROXY_UPSTREAM_PASSWORD";

    /** Every key, in the order the README documents them. */
    public static final List<String> KEYS = List.of(
            "chain", "listen", "upstream", "upstream-user", "upstream-password", "upstream-cookie", "datadir",
            "upstream-timeout", "upstream-connections", "upstream-queue", "rpcauth", "rpcwhitelist",
            "rpcwhitelistdefault", "rpccookiefile", "insecure-no-authentication", "fetch-wait", "fetch-peer-timeout", "fetch-timeout", "fetch-poll", "cache-dir",
            "cache-size", "max-request-size", "request-memory", "client-timeout", "max-clients", "metrics-listen",
            "metrics-allow-remote", "io-threads",
            "shutdown-grace", "log-level");

    /**
     * Keys that {@code RpcProxyCommand} takes from the config file only, never as a flag: secrets, since every
     * local user can read a process's arguments ({@code ps}, {@code /proc/<pid>/cmdline}).
     */
    public static final Set<String> FILE_ONLY = Set.of("upstream-password");

    /** Keys that may be given more than once. */
    public static final Set<String> REPEATABLE = Set.of("rpcauth", "rpcwhitelist");

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|K|M|G|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);

    /** A value and where it came from ({@code file:line} or {@code --flag}). */
    private record Value(String value, String source) {}

    private final Map<String, List<Value>> values = new LinkedHashMap<>();

    private RpcProxySettings() {}

    public static RpcProxySettings empty() {
        return new RpcProxySettings();
    }

    /**
     * Reads a config file. A file that holds {@code upstream-password} must not be readable or writable by
     * its group or others (mode 0600 or 0400), as ssh treats a private key: whoever reads it has bitcoind's
     * password, whoever writes it can send that password to a host of their choosing ({@code upstream}).
     * On a file system without POSIX permissions, where that cannot be checked, such a file is refused.
     *
     * @throws RpcProxyException (INVALID_CONFIG) when the file cannot be read, a line is invalid, or it
     *     holds {@code upstream-password} with a mode that lets other users read or change it (or no mode)
     */
    public static RpcProxySettings readFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw RpcProxyException.invalid("config file " + file + " does not exist");
        } catch (IOException e) {
            throw RpcProxyException.invalid("cannot read config file " + file + ": " + e.getMessage());
        }
        RpcProxySettings s = parse(text, file.toString());
        if (s.get("upstream-password") != null) {
            requireOwnerOnly(file);
        }
        return s;
    }

    private static void requireOwnerOnly(Path file) {
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            // a file system without POSIX modes cannot show that the password is private: refuse it there too
            throw RpcProxyException.invalid("config file " + file + " holds upstream-password, but its file system has no "
                    + "POSIX permissions to keep it private: move the file to a POSIX file system with mode 600, "
                    + "or give the password in " + PASSWORD_ENV + " instead");
        } catch (IOException e) {
            throw RpcProxyException.invalid("cannot read the permissions of config file " + file + ": " + e.getMessage());
        }
        Set<PosixFilePermission> others = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
        others.retainAll(mode);
        if (!others.isEmpty()) {
            throw RpcProxyException.invalid("config file " + file + " holds upstream-password but other users may read or "
                    + "change it (mode " + PosixFilePermissions.toString(mode) + "): chmod 600 " + file
                    + ", or give the password in " + PASSWORD_ENV + " instead");
        }
    }

    /** Parses config-file text; {@code name} is used in error messages. */
    public static RpcProxySettings parse(String text, String name) {
        RpcProxySettings s = new RpcProxySettings();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = name + ":" + (i + 1);
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw RpcProxyException.invalid(where + ": expected key=value, got '" + abbreviate(line) + "'");
            }
            String key = line.substring(0, eq).strip();
            if (key.startsWith("--")) {
                key = key.substring(2);
            }
            s.add(key, line.substring(eq + 1).strip(), where);
        }
        return s;
    }

    private static String abbreviate(String line) {
        return line.length() > 40 ? line.substring(0, 40) + "..." : line;
    }

    /**
     * Adds one value (a flag's source is {@code --key}).
     *
     * @throws RpcProxyException (INVALID_CONFIG) for an unknown key or a second value of a single key
     */
    public RpcProxySettings add(String key, String value, String source) {
        if (!KEYS.contains(key)) {
            throw RpcProxyException.invalid(source + ": unknown setting '" + key + "'");
        }
        List<Value> list = values.computeIfAbsent(key, k -> new ArrayList<>());
        if (!list.isEmpty() && !REPEATABLE.contains(key)) {
            throw RpcProxyException.invalid(source + ": " + key + " is already set at " + list.get(0).source());
        }
        list.add(new Value(value, source));
        return this;
    }

    /** These settings with {@code flags} on top: a single key of {@code flags} replaces this one's. */
    public RpcProxySettings overriddenBy(RpcProxySettings flags) {
        RpcProxySettings out = new RpcProxySettings();
        values.forEach((k, v) -> out.values.put(k, new ArrayList<>(v)));
        flags.values.forEach((k, v) -> {
            if (REPEATABLE.contains(k)) {
                out.values.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v);
            } else {
                out.values.put(k, new ArrayList<>(v));
            }
        });
        return out;
    }

    /** The value of a single key, or null. */
    public String get(String key) {
        List<Value> v = values.get(key);
        return v == null || v.isEmpty() ? null : v.get(v.size() - 1).value();
    }

    private String source(String key) {
        List<Value> v = values.get(key);
        return v == null || v.isEmpty() ? key : v.get(v.size() - 1).source();
    }

    /**
     * Resolves and checks every setting.
     *
     * @param env the environment ({@link #PASSWORD_ENV}, {@code XDG_CACHE_HOME})
     * @throws RpcProxyException (INVALID_CONFIG) naming the setting, its source and the problem
     */
    public RpcProxyConfig toConfig(Map<String, String> env) {
        Chain chain = Chain.MAIN;
        if (get("chain") != null) {
            try {
                chain = Chain.of(get("chain"));
            } catch (IllegalArgumentException e) {
                throw RpcProxyException.invalid(source("chain") + ": " + e.getMessage());
            }
        }
        RpcProxyConfig.Builder b = RpcProxyConfig.builder(chain);
        if (get("listen") != null) b.listen(hostPort("listen"));
        if (get("upstream") != null) b.upstream(upstream(chain));
        b.upstreamCredentials(credentials(chain, env));
        if (get("upstream-timeout") != null) b.upstreamTimeout(duration("upstream-timeout"));
        if (get("upstream-connections") != null) b.upstreamConnections(integer("upstream-connections"));
        if (get("upstream-queue") != null) b.upstreamQueue(integer("upstream-queue"));
        Set<String> users = new LinkedHashSet<>();
        for (Value v : values.getOrDefault("rpcauth", List.of())) {
            try {
                RpcAuthUser u = RpcAuthUser.parse(v.value());
                b.addRpcAuth(u);
                users.add(u.user());
            } catch (IllegalArgumentException e) {
                throw RpcProxyException.invalid(v.source() + ": " + e.getMessage());
            }
        }
        for (Value v : values.getOrDefault("rpcwhitelist", List.of())) {
            int colon = v.value().indexOf(':');
            String user = colon < 0 ? v.value() : v.value().substring(0, colon);
            Set<String> methods = new LinkedHashSet<>();
            if (colon >= 0) {
                for (String m : v.value().substring(colon + 1).split("[, ]")) {
                    if (!m.isEmpty()) methods.add(m);
                }
            }
            b.addRpcWhitelist(user, methods);
        }
        if (get("rpcwhitelistdefault") != null) b.rpcWhitelistDefault(bool("rpcwhitelistdefault"));
        boolean insecure = get("insecure-no-authentication") != null && bool("insecure-no-authentication");
        b.insecureNoAuthentication(insecure);
        if (get("rpccookiefile") != null) {
            if (get("rpccookiefile").isEmpty()) {
                throw RpcProxyException.invalid(source("rpccookiefile") + ": rpccookiefile is empty");
            }
            if (!users.isEmpty() || insecure) {
                throw RpcProxyException.invalid(source("rpccookiefile") + ": rpccookiefile is used only without rpcauth "
                        + "users and without insecure-no-authentication; remove it");
            }
            b.rpcCookieFile(Path.of(get("rpccookiefile")));
        }
        if (get("fetch-wait") != null) b.fetchWait(duration("fetch-wait"));
        if (get("fetch-peer-timeout") != null) b.fetchPeerTimeout(duration("fetch-peer-timeout"));
        if (get("fetch-timeout") != null) b.fetchTimeout(duration("fetch-timeout"));
        if (get("fetch-poll") != null) b.fetchPoll(duration("fetch-poll"));
        if (get("cache-dir") != null) b.cacheDir(Path.of(get("cache-dir")));
        else {
            String xdg = env.get("XDG_CACHE_HOME");
            Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
            b.cacheDir(base.resolve("bcm-rpcproxy").resolve(chain.id()));
        }
        if (get("cache-size") != null) b.cacheSizeMiB(integer("cache-size"));
        if (get("max-request-size") != null) b.maxRequestBytes(size("max-request-size"));
        if (get("request-memory") != null) b.requestMemoryBytes(size("request-memory"));
        if (get("client-timeout") != null) b.clientTimeout(duration("client-timeout"));
        if (get("max-clients") != null) b.maxClients(integer("max-clients"));
        if (get("metrics-listen") != null && !get("metrics-listen").isEmpty()) b.metricsListen(hostPort("metrics-listen"));
        if (get("metrics-allow-remote") != null) b.metricsAllowRemote(bool("metrics-allow-remote"));
        if (get("io-threads") != null) b.ioThreads(integer("io-threads"));
        if (get("shutdown-grace") != null) b.shutdownGrace(durationOrZero("shutdown-grace"));
        if (get("log-level") != null) logLevel(get("log-level"));
        return b.build();
    }

    /** The log level named by {@code log-level}: error, warn, info (default), debug, trace. */
    public String logLevel() {
        return get("log-level") == null ? "info" : logLevel(get("log-level"));
    }

    private String logLevel(String v) {
        String l = v.toLowerCase(Locale.ROOT);
        if (!Set.of("error", "warn", "info", "debug", "trace").contains(l)) {
            throw RpcProxyException.invalid(source("log-level") + ": log-level must be error, warn, info, debug or trace (got '" + v + "')");
        }
        return l;
    }

    private UpstreamCredentials credentials(Chain chain, Map<String, String> env) {
        String user = get("upstream-user");
        String password = get("upstream-password");
        if (password == null && user != null) {
            password = env.get(PASSWORD_ENV);
        }
        String cookie = get("upstream-cookie");
        if (cookie != null && (user != null || get("upstream-password") != null)) {
            throw RpcProxyException.invalid(source("upstream-cookie")
                    + ": upstream-cookie and upstream-user/upstream-password exclude each other: give one");
        }
        if (user != null || password != null) {
            if (user == null || password == null) {
                throw RpcProxyException.invalid("upstream-user and upstream-password go together: "
                        + (user == null ? "upstream-user is missing" : "upstream-password is missing (set it in the config file or in " + PASSWORD_ENV + ")"));
            }
            if (password.isEmpty()) {
                throw RpcProxyException.invalid(source("upstream-password") + ": upstream-password is empty");
            }
            return new UpstreamCredentials.Password(user, password);
        }
        if (cookie != null) {
            return new UpstreamCredentials.Cookie(Path.of(cookie));
        }
        Path datadir = get("datadir") != null ? Path.of(get("datadir")) : RpcProxyConfig.defaultDatadir();
        return new UpstreamCredentials.Cookie(RpcProxyConfig.defaultCookie(datadir, chain));
    }

    private URI upstream(Chain chain) {
        String v = get("upstream");
        try {
            URI u = new URI(v.contains("://") ? v : "http://" + v);
            if (!"http".equals(u.getScheme())) {
                throw RpcProxyException.invalid(source("upstream") + ": upstream must be an http:// URL (got '" + v + "'); bitcoind speaks plain HTTP");
            }
            if (u.getRawUserInfo() != null) {
                // the message leaves the credentials out: errors are printed and may be logged
                throw RpcProxyException.invalid(source("upstream") + ": upstream must not carry credentials (got 'http://…@"
                        + u.getHost() + "'); use upstream-user with upstream-password, or upstream-cookie");
            }
            if (u.getHost() == null) {
                throw RpcProxyException.invalid(source("upstream") + ": upstream has no host (got '" + v + "')");
            }
            if (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")) {
                throw RpcProxyException.invalid(source("upstream") + ": upstream must not have a path (got '" + v + "'); /wallet/<name> paths are passed through from the client");
            }
            int port = u.getPort() > 0 ? u.getPort() : chain.rpcPort();
            return new URI("http", null, u.getHost(), port, null, null, null);
        } catch (URISyntaxException e) {
            throw RpcProxyException.invalid(source("upstream") + ": upstream is not a URL (got '" + v + "')");
        }
    }

    private InetSocketAddress hostPort(String key) {
        String v = get(key);
        try {
            return parseHostPort(v);
        } catch (IllegalArgumentException e) {
            throw RpcProxyException.invalid(source(key) + ": " + key + " " + e.getMessage());
        }
    }

    /**
     * {@code HOST:PORT}, {@code [IPv6]:PORT}; port 0 picks a free port.
     *
     * @throws IllegalArgumentException with a message starting "must be"
     */
    public static InetSocketAddress parseHostPort(String v) {
        int colon = v.lastIndexOf(':');
        if (colon <= 0 || colon == v.length() - 1) {
            throw new IllegalArgumentException("must be HOST:PORT (got '" + v + "')");
        }
        String host = v.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(v.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be HOST:PORT with a numeric port (got '" + v + "')");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("must have a port from 0 to 65535 (got " + port + ")");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("must name a resolvable host (got '" + host + "')");
        }
    }

    /** {@code host:port}, with brackets around IPv6 addresses. */
    public static String format(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private Duration duration(String key) {
        Duration d = durationOrZero(key);
        if (d.isZero()) {
            throw RpcProxyException.invalid(source(key) + ": " + key + " must be more than 0");
        }
        return d;
    }

    private Duration durationOrZero(String key) {
        String v = get(key);
        try {
            return parseDuration(v);
        } catch (IllegalArgumentException e) {
            throw RpcProxyException.invalid(source(key) + ": " + key + " " + e.getMessage());
        }
    }

    /**
     * {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}; a bare number is seconds.
     *
     * @throws IllegalArgumentException with a message starting "must be"
     */
    public static Duration parseDuration(String v) {
        Matcher m = DURATION.matcher(v.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a duration such as 500ms, 5s, 2m or 1h (got '" + v + "')");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    private long size(String key) {
        String v = get(key);
        try {
            return parseSize(v);
        } catch (IllegalArgumentException e) {
            throw RpcProxyException.invalid(source(key) + ": " + key + " " + e.getMessage());
        }
    }

    /**
     * A byte count: {@code 1048576}, {@code 512KiB}, {@code 32MiB}, {@code 1GiB} (K, M, G and KB, MB,
     * GB mean the same binary units).
     *
     * @throws IllegalArgumentException with a message starting "must be"
     */
    public static long parseSize(String v) {
        Matcher m = SIZE.matcher(v.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a size such as 1048576, 512KiB or 32MiB (got '" + v + "')");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        return switch (unit.charAt(0)) {
            case 'K' -> n * 1024;
            case 'M' -> n * 1024 * 1024;
            case 'G' -> n * 1024 * 1024 * 1024;
            default -> n;
        };
    }

    private int integer(String key) {
        String v = get(key);
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw RpcProxyException.invalid(source(key) + ": " + key + " must be a whole number (got '" + v + "')");
        }
    }

    private boolean bool(String key) {
        String v = get(key).trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "1", "true", "yes" -> true;
            case "0", "false", "no" -> false;
            default -> throw RpcProxyException.invalid(source(key) + ": " + key + " must be 0 or 1 (got '" + get(key) + "')");
        };
    }
}
