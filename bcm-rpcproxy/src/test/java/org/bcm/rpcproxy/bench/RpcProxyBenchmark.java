package org.bcm.rpcproxy.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.bcm.fixtures.bitcoind.RpcAuth;

/**
 * The figures of docs/benchmarks.md for the proxy (issue 6), measured in one run on one machine:
 *
 * <ol>
 *   <li>{@code getblockcount} through the proxy and straight to the upstream at 1, 4, 16 and 64
 *       concurrent clients, keep-alive and one connection per request: requests per second, p50 and
 *       p99 latency;
 *   <li>{@code getblock <4 MB block> 0} at 1 and 4 clients: MB/s of answer, and the proxy's heap and
 *       Netty direct memory sampled during the run (proxy started with -Xmx64m);
 *   <li>the time from a block's arrival in the node to the client's answer on the pruned path.
 * </ol>
 *
 * The upstream is the bitcoind simulator (bcm-test-fixtures) in its own JVM, the proxy is the packaged
 * launcher in its own JVM, the load comes from this JVM: closed-loop clients on blocking sockets, each
 * sending its next request when the previous answer is complete; latency includes the connect for
 * one-connection-per-request. Prints a markdown report on standard output.
 *
 * <p>Each getblockcount row also gives the CPU time per request of every process involved (from
 * /proc/PID/stat: the simulator and the load generator in the direct run; the proxy, the simulator and
 * the load generator in the proxied run) and the whole machine's busy time with its softirq part (the
 * loopback receive path), from /proc/stat: what the shared cores can give at best.
 *
 * <p>Flags:
 *
 * <ul>
 *   <li>{@code --launcher=PATH} the bcm-rpcproxy launcher; {@code --seconds=N} per measurement
 *       (default 5); {@code --warmup=N} seconds (default 3);
 *   <li>{@code --proxy-arg=--key=value} (repeatable) an extra flag for the measured proxies, e.g.
 *       {@code --proxy-arg=--io-threads=2}; {@code --proxy-jvm-arg=OPTION} (repeatable) a JVM option
 *       added to theirs, e.g. {@code -XX:+PreserveFramePointer} for perf;
 *   <li>{@code --clients=1,4,16,64} the client counts of the getblockcount table; {@code
 *       --keep-alive-only}; {@code --only-getblockcount} (no getblock or pruned-path measurements);
 *   <li>{@code --rounds=N} each getblockcount row as N rounds of seconds/N that alternate the targets,
 *       added up (default 1), so that a change in the machine's speed touches all targets alike;
 *   <li>{@code --compare-launcher=PATH} (repeatable) another build or configuration of the proxy (a
 *       launcher, or a script that runs one with other flags), measured in the same rows right after the
 *       proxy and named by the directory that holds its {@code bin/};
 *   <li>{@code --variant=NAME:--flag=value,--flag=value} (repeatable) the proxy with other flags (they
 *       replace the benchmark's own), measured likewise, e.g. {@code
 *       --variant=tuned:--io-threads=2,--upstream-connections=16};
 *   <li>{@code --relay} the keep-alive rows through {@link NullRelay}, a relay that only copies bytes: the
 *       floor of what any proxy costs here.
 * </ul>
 */
public final class RpcProxyBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "bench";
    private static final String PASSWORD = "bench-password";
    private static final String RELAY = "null relay";

    private final List<Process> processes = new ArrayList<>();
    private List<String> proxyArgs = List.of();
    private int simPort;
    private long simPid;
    private int proxyPort;
    private int metricsPort;
    private long proxyPid;
    private String directAuth;
    private String proxyAuth;
    private int[] clientCounts = {1, 4, 16, 64};
    private boolean onlyCount;
    private boolean keepAliveOnly;
    private String proxyJvmArgs = "";
    private final List<Path> compareLaunchers = new ArrayList<>();
    private final List<String> variants = new ArrayList<>();
    private boolean relay;
    private int rounds = 1;
    private long lastPid;

    public static void main(String[] args) throws Exception {
        String launcher = "target/bcm-rpcproxy/bin/bcm-rpcproxy";
        int seconds = 5;
        int warmup = 3;
        List<String> proxyArgs = new ArrayList<>();
        RpcProxyBenchmark b = new RpcProxyBenchmark();
        for (String a : args) {
            if (a.startsWith("--proxy-jvm-arg=")) {
                b.proxyJvmArgs += " " + a.substring(16);
                continue;
            }
            if (a.startsWith("--proxy-arg=")) {
                proxyArgs.add(a.substring(12));
                continue;
            }
            if (a.startsWith("--launcher=")) launcher = a.substring(11);
            else if (a.startsWith("--seconds=")) seconds = Integer.parseInt(a.substring(10));
            else if (a.startsWith("--warmup=")) warmup = Integer.parseInt(a.substring(9));
            else if (a.startsWith("--clients=")) b.clientCounts = Arrays.stream(a.substring(10).split(",")).mapToInt(Integer::parseInt).toArray();
            else if (a.equals("--only-getblockcount")) b.onlyCount = true;
            else if (a.equals("--keep-alive-only")) b.keepAliveOnly = true;
            else if (a.startsWith("--compare-launcher=")) b.compareLaunchers.add(Path.of(a.substring(19)));
            else if (a.startsWith("--variant=")) b.variants.add(a.substring(10));
            else if (a.equals("--relay")) b.relay = true;
            else if (a.startsWith("--rounds=")) b.rounds = Integer.parseInt(a.substring(9));
            else throw new IllegalArgumentException("unknown flag " + a);
        }
        try {
            b.proxyArgs = proxyArgs;
            b.run(Path.of(launcher), seconds, warmup);
        } finally {
            b.stop();
        }
    }

    private void stop() throws InterruptedException {
        for (Process p : processes) p.destroy();
        for (Process p : processes) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String line(Process p, String prefix) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String l;
        while ((l = r.readLine()) != null) {
            if (l.contains(prefix)) return l;
        }
        throw new IOException("process ended before printing '" + prefix + "'");
    }

    private int startProxy(Path launcher, Path work, String name, List<String> extra, boolean metrics) throws Exception {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--chain=regtest", "--listen=127.0.0.1:" + port,
                "--upstream=http://127.0.0.1:" + simPort, "--upstream-user=" + USER, "--upstream-connections=12",
                "--rpcauth=" + RpcAuth.line("client", "client-password"), "--cache-dir=" + work.resolve(name)));
        if (metrics) {
            metricsPort = freePort();
            cmd.add("--metrics-listen=127.0.0.1:" + metricsPort);
        }
        List<String> more = new ArrayList<>(extra);
        more.addAll(proxyArgs);
        for (String m : more) {
            String key = m.contains("=") ? m.substring(0, m.indexOf('=') + 1) : m;
            cmd.removeIf(c -> c.startsWith(key));
        }
        cmd.addAll(more);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("BCM_RPCPROXY_UPSTREAM_PASSWORD", PASSWORD);
        pb.environment().put("BCM_RPCPROXY_JAVA_OPTS", "-XX:+UseSerialGC -Xms64m -Xmx64m -Xss512k" + proxyJvmArgs);
        Process p = pb.start();
        processes.add(p);
        line(p, "listening on");
        Thread drain = new Thread(() -> {
            try {
                p.getInputStream().transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                // ended
            }
        });
        drain.setDaemon(true);
        drain.start();
        if (metrics) proxyPid = p.pid();
        lastPid = p.pid();
        return port;
    }

    private void run(Path launcher, int seconds, int warmup) throws Exception {
        Path work = Files.createTempDirectory("rpcproxy-bench");
        List<String> sim = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "org.bcm.fixtures.bitcoind.BitcoindSimulatorMain", "--blocks=300", "--big-block=100:4000000",
                "--rpc-threads=16", "--work-queue=4096", "--pruned", "--rpcuser=" + USER, "--rpcpassword=" + PASSWORD);
        Process s = new ProcessBuilder(sim).redirectErrorStream(true).start();
        processes.add(s);
        simPort = Integer.parseInt(line(s, "listening 127.0.0.1:").replaceAll(".*:", ""));
        simPid = s.pid();
        directAuth = basic(USER, PASSWORD);
        proxyAuth = basic("client", "client-password");
        proxyPort = startProxy(launcher, work, "main", List.of(), true);
        int prunedDefault = startProxy(launcher, work, "p50", List.of("--cache-size=0"), false);
        int pruned10 = startProxy(launcher, work, "p10", List.of("--cache-size=0", "--fetch-poll=10ms"), false);

        StringBuilder out = new StringBuilder();
        out.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"))
                .append(", Java ").append(System.getProperty("java.version")).append(". ")
                .append(seconds).append(" s per measurement after ").append(warmup).append(" s of warm-up.\n")
                .append("Upstream: bitcoind simulator JVM (16 RPC threads, work queue 4096). Proxy: packaged launcher, ")
                .append("-XX:+UseSerialGC -Xmx64m, 12 upstream connections, rpcauth on, extra flags ").append(proxyArgs).append(". Load: closed-loop ")
                .append("clients in a third JVM on the same machine.\n\n");

        String count = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getblockcount\",\"params\":[]}";
        // warm-up of every path
        measure(simPort, directAuth, count, 16, true, warmup);
        measure(proxyPort, proxyAuth, count, 16, true, warmup);
        measure(proxyPort, proxyAuth, count, 4, false, Math.max(1, warmup / 2));
        Target direct = new Target("direct", simPort, directAuth, 0);
        Target proxied = new Target("proxy", proxyPort, proxyAuth, proxyPid);
        List<Target> others = new ArrayList<>();
        for (Path other : compareLaunchers) {
            int port = startProxy(other, work, "compare" + others.size(), List.of(), false);
            String name = other.getParent() != null && other.getParent().getParent() != null
                    ? other.getParent().getParent().getFileName().toString() : other.toString();
            others.add(new Target(name, port, proxyAuth, lastPid));
            measure(port, proxyAuth, count, 16, true, warmup);
        }
        for (String v : variants) {
            int colon = v.indexOf(':');
            int port = startProxy(launcher, work, "variant" + others.size(), List.of(v.substring(colon + 1).split(",")), false);
            others.add(new Target(v.substring(0, colon), port, proxyAuth, lastPid));
            measure(port, proxyAuth, count, 16, true, warmup);
        }
        if (relay) {
            Process r = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:+UseSerialGC", "-Xms64m", "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                    NullRelay.class.getName(), Integer.toString(simPort)).redirectErrorStream(true).start();
            processes.add(r);
            int port = Integer.parseInt(line(r, "relay listening ").replaceAll(".* ", ""));
            others.add(new Target(RELAY, port, directAuth, r.pid()));
            measure(port, directAuth, count, 16, true, warmup);
        }
        StringBuilder extra = new StringBuilder();
        StringBuilder cpu = new StringBuilder();
        out.append("### getblockcount\n\n")
                .append("| clients | connections | direct req/s | proxy req/s | proxy/direct | direct p50 / p99 (ms) | proxy p50 / p99 (ms) | added p99 (ms) |\n")
                .append("|---:|---|---:|---:|---:|---:|---:|---:|\n");
        cpu.append("\n### getblockcount, CPU time per request (µs)\n\n")
                .append("Per process from /proc/PID/stat (utime + stime; with tick-based accounting a process is also charged ")
                .append("the softirq time, the loopback receive path, that ran in its context); the whole machine's busy time ")
                .append("and the softirq part of it from /proc/stat, with the machine's busy share during the run.\n\n")
                .append("| clients | connections | direct: simulator + load | direct: machine (softirq; busy) ")
                .append("| proxied: proxy + simulator + load | proxied: machine (softirq; busy) |\n")
                .append("|---:|---|---:|---:|---:|---:|\n");
        if (!others.isEmpty()) {
            extra.append("\n### getblockcount, reference runs (measured in the same rows, right after the proxy)\n\n");
            if (relay) {
                extra.append("The null relay (NullRelay) copies bytes between each client and its own upstream connection and does ")
                        .append("nothing else: the floor for any proxy in a JVM here. It opens an upstream connection per client ")
                        .append("connection, so it is measured with keep-alive clients only.\n\n");
            }
            extra.append("| clients | connections | what | req/s | / direct | p50 / p99 (ms) | CPU µs/req: it + simulator + load | machine CPU µs/req (softirq; busy) |\n")
                    .append("|---:|---|---|---:|---:|---:|---:|---:|\n");
        }
        for (boolean keepAlive : keepAliveOnly ? new boolean[] {true} : new boolean[] {true, false}) {
            for (int clients : clientCounts) {
                // rounds alternate the targets, so a drift of the machine's speed touches all of them alike
                Run d = null;
                Run p = null;
                Run[] o = new Run[others.size()];
                int per = Math.max(1, seconds / rounds);
                for (int round = 0; round < rounds; round++) {
                    d = direct.run(count, clients, keepAlive, per).plus(d);
                    p = proxied.run(count, clients, keepAlive, per).plus(p);
                    for (int i = 0; i < o.length; i++) {
                        if (keepAlive || !others.get(i).name.equals(RELAY)) o[i] = others.get(i).run(count, clients, keepAlive, per).plus(o[i]);
                    }
                }
                String mode = keepAlive ? "keep-alive" : "one per request";
                out.append(String.format(Locale.ROOT, "| %d | %s | %.0f | %.0f | %.2f | %.3f / %.3f | %.3f / %.3f | %.3f |%n",
                        clients, mode, d.r.rate(), p.r.rate(), p.r.rate() / d.r.rate(),
                        d.r.p(50), d.r.p(99), p.r.p(50), p.r.p(99), p.r.p(99) - d.r.p(99)));
                cpu.append(String.format(Locale.ROOT, "| %d | %s | %.0f + %.0f | %.0f (%.0f; %.0f%%) | %.0f + %.0f + %.0f | %.0f (%.0f; %.0f%%) |%n",
                        clients, mode, d.simCpu(), d.loadCpu(), d.machineCpu(), d.softirqCpu(), d.busyPercent(),
                        p.ownCpu(), p.simCpu(), p.loadCpu(), p.machineCpu(), p.softirqCpu(), p.busyPercent()));
                for (int i = 0; i < o.length; i++) {
                    if (o[i] == null) continue;
                    extra.append(String.format(Locale.ROOT, "| %d | %s | %s | %.0f | %.2f | %.3f / %.3f | %.0f + %.0f + %.0f | %.0f (%.0f; %.0f%%) |%n",
                            clients, mode, others.get(i).name, o[i].r.rate(), o[i].r.rate() / d.r.rate(), o[i].r.p(50),
                            o[i].r.p(99), o[i].ownCpu(), o[i].simCpu(), o[i].loadCpu(), o[i].machineCpu(), o[i].softirqCpu(),
                            o[i].busyPercent()));
                }
                System.err.println("getblockcount " + clients + " " + keepAlive + " done");
            }
        }
        out.append(cpu).append(extra);
        if (onlyCount) {
            System.out.println(out);
            return;
        }

        String big = call(simPort, directAuth, "getblockhash", "[100]").asText();
        String getblock = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getblock\",\"params\":[\"" + big + "\",0]}";
        measure(proxyPort, proxyAuth, getblock, 4, true, warmup);
        out.append("\n### getblock verbosity 0 of a 4 MB block (8 MB of hex)\n\n")
                .append("| clients | direct MB/s | proxy MB/s | proxy/direct | direct p50 (ms) | proxy p50 (ms) | proxy heap used min-max (MiB) | proxy heap after GC (MiB) | proxy Netty direct max (MiB) | proxy RSS max (MiB) |\n")
                .append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int clients : new int[] {1, 4}) {
            Result d = measure(simPort, directAuth, getblock, clients, true, seconds);
            Sampler sampler = new Sampler();
            sampler.start();
            Result p = measure(proxyPort, proxyAuth, getblock, clients, true, seconds);
            sampler.stop();
            out.append(String.format(Locale.ROOT, "| %d | %.0f | %.0f | %.2f | %.1f | %.1f | %.1f-%.1f | %.1f | %.1f | %.0f |%n",
                    clients, d.mbps(), p.mbps(), p.mbps() / d.mbps(), d.p(50), p.p(50), sampler.heapMin / 1048576.0,
                    sampler.heapMax / 1048576.0, sampler.heapAfterGc / 1048576.0, sampler.directMax / 1048576.0,
                    sampler.rssMax / 1048576.0));
            System.err.println("getblock " + clients + " done");
        }

        out.append("\n### Pruned path: block arrival in the node to the client's complete answer\n\n")
                .append("The peer delivers 200 ms after getblockfrompeer; fetch-wait 5 s (default); the client asks once and gets the block. ")
                .append("Cache off so every block goes through the fetch.\n\n")
                .append("| block | fetch-poll | samples | p50 (ms) | max (ms) | request to answer p50 (ms) |\n|---|---:|---:|---:|---:|---:|\n");
        control("{\"op\":\"peers\",\"peers\":[{\"id\":1,\"type\":\"inbound\",\"ping\":0.001,\"delay_ms\":0},"
                + "{\"id\":2,\"type\":\"outbound-full-relay\",\"ping\":0.05,\"delay_ms\":200}]}");
        control("{\"op\":\"prune\",\"height\":250}");
        int height = 1;
        for (int[] c : new int[][] {{prunedDefault, 50}, {pruned10, 10}}) {
            double[] arrival = new double[15];
            double[] total = new double[15];
            for (int i = 0; i < arrival.length; i++, height++) {
                String hash = call(simPort, directAuth, "getblockhash", "[" + (height == 100 ? ++height : height) + "]").asText();
                double[] t = prunedFetch(c[0], hash);
                arrival[i] = t[0];
                total[i] = t[1];
            }
            out.append(String.format(Locale.ROOT, "| ~250 bytes | %d ms | %d | %.1f | %.1f | %.1f |%n", c[1], arrival.length,
                    pct(arrival, 50), pct(arrival, 100), pct(total, 50)));
            double[] bigArrival = new double[5];
            double[] bigTotal = new double[5];
            for (int i = 0; i < bigArrival.length; i++) {
                control("{\"op\":\"reprune\",\"hash\":\"" + big + "\"}");
                double[] t = prunedFetch(c[0], big);
                bigArrival[i] = t[0];
                bigTotal[i] = t[1];
            }
            out.append(String.format(Locale.ROOT, "| 4 MB | %d ms | %d | %.1f | %.1f | %.1f |%n", c[1], bigArrival.length,
                    pct(bigArrival, 50), pct(bigArrival, 100), pct(bigTotal, 50)));
        }
        System.out.println(out);
    }

    /** Returns {arrival to answer ms, request to answer ms}. */
    private double[] prunedFetch(int port, String hash) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getblock\",\"params\":[\"" + hash + "\",0]}";
        long t0 = System.nanoTime();
        byte[] answer = post(port, proxyAuth, body);
        long t1 = System.nanoTime();
        Instant end = Instant.now();
        String text = new String(answer, 0, Math.min(200, answer.length), StandardCharsets.UTF_8);
        if (!text.startsWith("{\"jsonrpc\":\"2.0\",\"result\":\"")) throw new IOException("no block: " + text);
        JsonNode arrival = control("{\"op\":\"arrival\",\"hash\":\"" + hash + "\"}").get("epoch_micros");
        long endMicros = end.getEpochSecond() * 1_000_000 + end.getNano() / 1000;
        return new double[] {(endMicros - arrival.asLong()) / 1000.0, (t1 - t0) / 1e6};
    }

    private JsonNode control(String body) throws IOException {
        return JSON.readTree(post(simPort, null, body, "/simulator"));
    }

    private JsonNode call(int port, String auth, String method, String params) throws IOException {
        JsonNode r = JSON.readTree(post(port, auth, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}"));
        if (r.hasNonNull("error")) throw new IOException(method + ": " + r.get("error"));
        return r.get("result");
    }

    private static byte[] post(int port, String auth, String body) throws IOException {
        return post(port, auth, body, "/");
    }

    private static byte[] post(int port, String auth, String body, String path) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            Conn c = new Conn(s);
            s.getOutputStream().write(request(port, auth, body, true, path));
            return c.readResponse(true);
        }
    }

    static byte[] request(int port, String auth, String body, boolean close, String path) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + (auth == null ? "" : "Authorization: " + auth + "\r\n")
                + "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n";
        byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = Arrays.copyOf(h, h.length + b.length);
        System.arraycopy(b, 0, all, h.length, b.length);
        return all;
    }

    /** A response reader over one socket: status line, headers, Content-Length body. */
    static final class Conn {
        private final InputStream in;
        private final byte[] buf = new byte[65536];
        private int pos;
        private int lim;

        Conn(Socket s) throws IOException {
            s.setTcpNoDelay(true);
            this.in = s.getInputStream();
        }

        private int read() throws IOException {
            if (pos == lim) {
                lim = in.read(buf);
                pos = 0;
                if (lim <= 0) {
                    lim = 0;
                    return -1;
                }
            }
            return buf[pos++] & 0xff;
        }

        /** Reads one answer; returns the body when {@code keep}, else only counts it (returns null). */
        byte[] readResponse(boolean keep) throws IOException {
            StringBuilder line = new StringBuilder();
            long length = -1;
            int status = -1;
            while (true) {
                int c = read();
                if (c < 0) throw new IOException("closed");
                if (c == '\n') {
                    String l = line.toString().trim();
                    line.setLength(0);
                    if (status < 0) {
                        status = Integer.parseInt(l.split(" ")[1]);
                    } else if (l.isEmpty()) {
                        break;
                    } else if (l.regionMatches(true, 0, "content-length:", 0, 15)) {
                        length = Long.parseLong(l.substring(15).trim());
                    }
                } else {
                    line.append((char) c);
                }
            }
            if (status != 200 || length < 0) throw new IOException("HTTP " + status + " length " + length);
            lastLength = length;
            byte[] body = keep ? new byte[(int) length] : null;
            long got = 0;
            while (got < length) {
                if (pos == lim) {
                    lim = in.read(buf);
                    pos = 0;
                    if (lim <= 0) throw new IOException("closed in body");
                }
                int n = (int) Math.min(lim - pos, length - got);
                if (keep) System.arraycopy(buf, pos, body, (int) got, n);
                pos += n;
                got += n;
            }
            return body;
        }

        long lastLength;
    }

    /** Where load goes: the simulator itself, a proxy, the null relay. */
    private final class Target {
        final String name;
        final int port;
        final String auth;
        final long pid;

        Target(String name, int port, String auth, long pid) {
            this.name = name;
            this.port = port;
            this.auth = auth;
            this.pid = pid;
        }

        /** A measurement with the CPU of this target's process, the simulator and the load generator. */
        Run run(String body, int clients, boolean keepAlive, int seconds) throws Exception {
            long self = ProcessHandle.current().pid();
            long own0 = pid == 0 ? 0 : cpuMicros(pid);
            long sim0 = cpuMicros(simPid);
            long load0 = cpuMicros(self);
            System.err.println("measuring " + name + " pid " + pid + ": " + clients + " clients, " + (keepAlive ? "keep-alive" : "one per request"));
            long[] m0 = machineMicros();
            Result r = measure(port, auth, body, clients, keepAlive, seconds);
            long[] m1 = machineMicros();
            return new Run(r, pid == 0 ? 0 : cpuMicros(pid) - own0, cpuMicros(simPid) - sim0, cpuMicros(self) - load0,
                    m1[0] - m0[0], m1[1] - m0[1], m1[2] - m0[2]);
        }
    }

    /**
     * A measurement (or several, added up), the CPU µs its processes used (utime + stime), and the whole
     * machine's busy and softirq µs.
     */
    record Run(Result r, long own, long sim, long load, long busy, long softirq, long all) {
        Run plus(Run other) {
            if (other == null) return this;
            long[] lat = Arrays.copyOf(r.latencies(), r.latencies().length + other.r.latencies().length);
            System.arraycopy(other.r.latencies(), 0, lat, r.latencies().length, other.r.latencies().length);
            Arrays.sort(lat);
            return new Run(new Result(lat, r.bytes() + other.r.bytes(), r.seconds() + other.r.seconds()),
                    own + other.own, sim + other.sim, load + other.load, busy + other.busy, softirq + other.softirq,
                    all + other.all);
        }

        private double perRequest(long micros) {
            return micros / (double) Math.max(1, r.latencies().length);
        }

        double ownCpu() {
            return perRequest(own);
        }

        double simCpu() {
            return perRequest(sim);
        }

        double loadCpu() {
            return perRequest(load);
        }

        double softirqCpu() {
            return perRequest(softirq);
        }

        /** All CPU time the machine spent per request (every process, kernel threads, interrupts). */
        double machineCpu() {
            return perRequest(busy);
        }

        /** The machine's busy share, in per cent. */
        double busyPercent() {
            return all == 0 ? 0 : 100.0 * busy / all;
        }
    }

    /** The machine's CPU time from /proc/stat, in µs: {busy, softirq, busy + idle}. */
    private static long[] machineMicros() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long user = Long.parseLong(f[1]);
            long nice = Long.parseLong(f[2]);
            long system = Long.parseLong(f[3]);
            long idle = Long.parseLong(f[4]);
            long iowait = Long.parseLong(f[5]);
            long irq = Long.parseLong(f[6]);
            long softirq = Long.parseLong(f[7]);
            long steal = Long.parseLong(f[8]);
            long busy = user + nice + system + irq + softirq + steal;
            return new long[] {busy * 10_000L, softirq * 10_000L, (busy + idle + iowait) * 10_000L};
        } catch (IOException | RuntimeException e) {
            return new long[3];
        }
    }

    /** One measurement: latencies (ns) and answer bytes. */
    record Result(long[] latencies, long bytes, double seconds) {
        double rate() {
            return latencies.length / seconds;
        }

        double mbps() {
            return bytes / seconds / 1e6;
        }

        double p(double percentile) {
            if (latencies.length == 0) return Double.NaN;
            int i = (int) Math.min(latencies.length - 1, Math.ceil(percentile / 100.0 * latencies.length) - 1);
            return latencies[Math.max(0, i)] / 1e6;
        }
    }

    /** utime + stime of a process in microseconds (/proc/PID/stat, clock ticks of 10 ms). */
    private static long cpuMicros(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000L;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static double pct(double[] values, double percentile) {
        double[] v = values.clone();
        Arrays.sort(v);
        int i = (int) Math.min(v.length - 1, Math.ceil(percentile / 100.0 * v.length) - 1);
        return v[Math.max(0, i)];
    }

    private static Result measure(int port, String auth, String body, int clients, boolean keepAlive, int seconds)
            throws Exception {
        byte[] request = request(port, auth, body, !keepAlive, "/");
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong bytes = new AtomicLong();
        long[][] samples = new long[clients][];
        int[] counts = new int[clients];
        CountDownLatch done = new CountDownLatch(clients);
        List<Thread> threads = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int c = 0; c < clients; c++) {
            int me = c;
            Thread t = new Thread(() -> {
                long[] lat = new long[1 << 16];
                int n = 0;
                long b = 0;
                Socket socket = null;
                Conn conn = null;
                try {
                    while (running.get()) {
                        long t0 = System.nanoTime();
                        if (socket == null) {
                            socket = new Socket();
                            socket.connect(new InetSocketAddress("127.0.0.1", port));
                            conn = new Conn(socket);
                        }
                        socket.getOutputStream().write(request);
                        conn.readResponse(false);
                        long t1 = System.nanoTime();
                        b += conn.lastLength;
                        if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
                        lat[n++] = t1 - t0;
                        if (!keepAlive) {
                            socket.close();
                            socket = null;
                        }
                    }
                } catch (Throwable e) {
                    synchronized (failure) {
                        if (failure[0] == null) failure[0] = e;
                    }
                } finally {
                    try {
                        if (socket != null) socket.close();
                    } catch (IOException e) {
                        // closing
                    }
                    samples[me] = lat;
                    counts[me] = n;
                    bytes.addAndGet(b);
                    done.countDown();
                }
            });
            threads.add(t);
        }
        long start = System.nanoTime();
        threads.forEach(Thread::start);
        Thread.sleep(seconds * 1000L);
        running.set(false);
        done.await();
        double elapsed = (System.nanoTime() - start) / 1e9;
        if (failure[0] != null) throw new IllegalStateException("load client failed", failure[0]);
        int total = 0;
        for (int n : counts) total += n;
        long[] all = new long[total];
        int at = 0;
        for (int c = 0; c < clients; c++) {
            System.arraycopy(samples[c], 0, all, at, counts[c]);
            at += counts[c];
        }
        Arrays.sort(all);
        return new Result(all, bytes.get(), elapsed);
    }

    /** Samples the proxy's heap, Netty direct memory and RSS every 50 ms. */
    private final class Sampler {
        volatile boolean on = true;
        long heapMin = Long.MAX_VALUE;
        long heapMax;
        long heapAfterGc;
        long directMax;
        long rssMax;
        private Thread thread;

        void start() {
            thread = new Thread(() -> {
                while (on) {
                    try {
                        String m = new String(get(metricsPort, "/metrics"), StandardCharsets.UTF_8);
                        long heap = 0;
                        long afterGc = 0;
                        for (String l : m.split("\n")) {
                            if (l.startsWith("jvm_memory_used_bytes{area=\"heap\"}")) heap = value(l);
                            if (l.startsWith("jvm_memory_pool_collection_used_bytes{pool=\"Tenured Gen\"}")) afterGc = value(l);
                            if (l.startsWith("rpcproxy_netty_direct_memory_bytes")) directMax = Math.max(directMax, value(l));
                        }
                        heapMin = Math.min(heapMin, heap);
                        heapMax = Math.max(heapMax, heap);
                        heapAfterGc = Math.max(heapAfterGc, afterGc);
                        for (String l : Files.readAllLines(Path.of("/proc/" + proxyPid + "/status"))) {
                            if (l.startsWith("VmRSS:")) rssMax = Math.max(rssMax, Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024);
                        }
                        Thread.sleep(50);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            thread.start();
        }

        void stop() throws InterruptedException {
            on = false;
            thread.join();
        }

        private long value(String line) {
            return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }

        private byte[] get(int port, String path) throws IOException {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                return new Conn(s).readResponse(true);
            }
        }
    }
}
