package org.bcm.core.release;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;

/**
 * HTTP downloads of release files on the controller (OkHttp), through a SOCKS proxy whenever there
 * is one, privacy first:
 *
 * <ol>
 *   <li>{@code BCM_SOCKS_PROXY=HOST:PORT}: that SOCKS5 proxy; {@code BCM_SOCKS_PROXY=none}: directly;</li>
 *   <li>unset: Tor's SOCKS port 127.0.0.1:9050 when a SOCKS5 server answers its greeting there
 *       (RFC 1928: {@code 05 01 00} answered by {@code 05 00}); else directly.</li>
 * </ol>
 *
 * Through a proxy, host names are resolved by the proxy (SOCKS5 domain-name addresses), so no DNS
 * query leaves the controller. Redirects are followed within the same scheme only; responses are
 * taken as sent ({@code Accept-Encoding: identity}), never transparently decompressed.
 */
public final class Downloads {

    /** The environment variable that chooses the proxy. */
    public static final String PROXY_VARIABLE = "BCM_SOCKS_PROXY";
    /** Tor's default SOCKS port on the controller. */
    public static final InetSocketAddress TOR = new InetSocketAddress("127.0.0.1", 9050);

    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):(\\d{1,5})");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(800);

    private final InetSocketAddress configured;
    private final boolean probeTor;
    private OkHttpClient client;
    private String route;

    private Downloads(InetSocketAddress proxy, boolean probeTor) {
        this.configured = proxy;
        this.probeTor = probeTor;
    }

    /**
     * The downloads {@code BCM_SOCKS_PROXY} in {@code environment} chooses (see the class comment).
     *
     * @throws BcmException INVALID_INPUT when it is neither {@code HOST:PORT} nor {@code none}
     */
    public static Downloads fromEnvironment(Map<String, String> environment) {
        String value = environment.get(PROXY_VARIABLE);
        if (value == null || value.isBlank()) {
            return new Downloads(null, true);
        }
        if (value.strip().equals("none")) {
            return new Downloads(null, false);
        }
        Matcher m = HOST_PORT.matcher(value.strip());
        int port = m.matches() ? Integer.parseInt(m.group(2)) : 0;
        if (port < 1 || port > 65535) {
            throw new BcmException(Kind.INVALID_INPUT, PROXY_VARIABLE + "='" + value + "' is not a SOCKS proxy",
                    "set it to HOST:PORT (e.g. 127.0.0.1:9050, Tor's SOCKS port), or to none to download directly");
        }
        String host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
        return new Downloads(new InetSocketAddress(host, port), false);
    }

    /** Downloads without a proxy. */
    public static Downloads direct() {
        return new Downloads(null, false);
    }

    /** How downloads go, for messages: "through the SOCKS proxy 127.0.0.1:9050" or "directly (...)". Probes Tor the first time. */
    public synchronized String route() {
        client();
        return route;
    }

    /**
     * A small file, whole.
     *
     * @param maxBytes the most it may have
     * @throws IOException when it cannot be fetched (the message names the URL and the reason)
     */
    public byte[] fetch(String url, int maxBytes) throws IOException {
        try (Response response = call(url, 0)) {
            if (response.code() != 200) {
                throw new IOException("HTTP " + response.code() + " from " + url);
            }
            ResponseBody body = response.body();
            byte[] bytes = body.byteStream().readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw new IOException(url + " is larger than " + maxBytes + " bytes");
            }
            return bytes;
        }
    }

    /** What a resumable download reports: bytes at hand now, and the whole size (-1 when unknown). */
    @FunctionalInterface
    public interface Listener {
        void progress(long have, long total);
    }

    /**
     * Downloads {@code url} into {@code partial}, continuing a partial file left by an earlier try
     * (an HTTP Range request, RFC 9110 14.2; a server that ignores it sends the whole file, which then
     * replaces the partial one). The file is locked while it is written.
     *
     * @throws IOException when the download fails; what arrived stays in {@code partial} for the next try
     * @throws BcmException CONFLICT when another process is downloading into {@code partial}
     */
    public void fetchTo(String url, Path partial, Listener listener) throws IOException {
        Files.createDirectories(partial.getParent());
        try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new BcmException(Kind.CONFLICT, "Another bcm is downloading " + url + " into " + partial,
                        "wait for it to finish, then run again");
            }
            long have = channel.size();
            try (Response response = call(url, have)) {
                long total;
                if (response.code() == 206) {
                    Matcher range = CONTENT_RANGE.matcher(String.valueOf(response.header("Content-Range")));
                    if (!range.matches() || Long.parseLong(range.group(1)) != have) {
                        throw new IOException("the server's Content-Range '" + response.header("Content-Range")
                                + "' for " + url + " does not continue at byte " + have);
                    }
                    total = range.group(3).equals("*") ? -1 : Long.parseLong(range.group(3));
                } else if (response.code() == 200) {
                    have = 0;
                    channel.truncate(0);
                    total = response.body().contentLength();
                } else if (response.code() == 416 && have > 0) {
                    listener.progress(have, have);   // the partial file is whole already; its hash decides
                    return;
                } else {
                    throw new IOException("HTTP " + response.code() + " from " + url);
                }
                channel.position(have);
                listener.progress(have, total);
                OutputStream out = Channels.newOutputStream(channel);
                byte[] buffer = new byte[1 << 16];
                try (InputStream in = response.body().byteStream()) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        out.write(buffer, 0, n);
                        have += n;
                        listener.progress(have, total);
                    }
                }
                channel.force(true);
                if (total >= 0 && have != total) {
                    throw new IOException("the download of " + url + " ended after " + have + " of " + total + " bytes");
                }
            }
        }
    }

    private Response call(String url, long from) throws IOException {
        Request.Builder request = new Request.Builder().url(url).header("Accept-Encoding", "identity");
        if (from > 0) {
            request.header("Range", "bytes=" + from + "-");
        }
        try {
            return client().newCall(request.build()).execute();
        } catch (IOException e) {
            throw new IOException("cannot fetch " + url + " " + route + ": " + e.getMessage(), e);
        }
    }

    private synchronized OkHttpClient client() {
        if (client == null) {
            InetSocketAddress proxy = configured;
            if (proxy != null) {
                route = "through the SOCKS proxy " + show(proxy) + " (" + PROXY_VARIABLE + ")";
            } else if (probeTor && socks5Answers(TOR)) {
                proxy = TOR;
                route = "through the SOCKS proxy " + show(TOR) + " (Tor)";
            } else {
                route = probeTor ? "directly (no SOCKS proxy answers at " + show(TOR) + "; " + PROXY_VARIABLE + " chooses one)"
                        : "directly (" + PROXY_VARIABLE + "=none)";
            }
            client = new OkHttpClient.Builder()
                    .proxy(proxy == null ? Proxy.NO_PROXY : new Proxy(Proxy.Type.SOCKS, proxy))
                    .connectTimeout(Duration.ofSeconds(60))
                    .readTimeout(Duration.ofSeconds(60))
                    .followSslRedirects(false)
                    .retryOnConnectionFailure(false)
                    .build();
        }
        return client;
    }

    /** Whether a SOCKS5 server that accepts "no authentication" answers at {@code address} (RFC 1928 section 3). */
    static boolean socks5Answers(InetSocketAddress address) {
        try (Socket socket = new Socket(Proxy.NO_PROXY)) {
            socket.connect(address, (int) PROBE_TIMEOUT.toMillis());
            socket.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
            socket.getOutputStream().write(new byte[] {5, 1, 0});
            socket.getOutputStream().flush();
            byte[] answer = socket.getInputStream().readNBytes(2);
            return answer.length == 2 && answer[0] == 5 && answer[1] == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static String show(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }
}
