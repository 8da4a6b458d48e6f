package org.bcm.trezor.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bcm.trezor.TrezorException;

/**
 * Trezor Bridge ({@code trezord}), the HTTP service on 127.0.0.1:21325 that owns the USB devices
 * when it runs (trezord-go {@code server/api/api.go}). Every call is a POST; a device is acquired
 * into a session, messages go through {@code /post/SESSION} and come back from
 * {@code /read/SESSION} as hex of {@code type (BE16) || length (BE32) || protobuf}, without codec v1
 * chunking. The bridge refuses requests without an allowed {@code Origin}.
 */
public final class Bridge {

    /** Where the bridge listens by default. */
    public static final URI DEFAULT_URL = URI.create("http://127.0.0.1:21325");
    private static final String ORIGIN = "https://python.trezor.io";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI url;
    private final HttpClient http;

    public Bridge(URI url) {
        this.url = url;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    /** The bridge at {@link #DEFAULT_URL}. */
    public Bridge() {
        this(DEFAULT_URL);
    }

    /** A device the bridge sees. {@code session} is null when no one holds it. */
    public record Device(String path, String session) { }

    /** True when a bridge answers {@code POST /}. */
    public boolean running() {
        try {
            post("/", "", Duration.ofSeconds(2));
            return true;
        } catch (TrezorException e) {
            return false;
        }
    }

    /**
     * {@code POST /enumerate}.
     *
     * @throws TrezorException.TransportFailed when no bridge answers
     */
    public List<Device> enumerate() {
        JsonNode answer = json(post("/enumerate", "", Duration.ofSeconds(5)));
        List<Device> devices = new ArrayList<>();
        for (JsonNode entry : answer) {
            JsonNode session = entry.path("session");
            devices.add(new Device(entry.path("path").asText(), session.isTextual() ? session.asText() : null));
        }
        return devices;
    }

    /**
     * Acquires {@code path} ({@code POST /acquire/PATH/PREVIOUS}) and returns a transport on the new session.
     *
     * @throws TrezorException.TransportFailed when the bridge refuses
     */
    public Transport open(Device device) {
        String body = post("/acquire/" + device.path() + "/" + (device.session() == null ? "null" : device.session()), "",
                Duration.ofSeconds(10));
        JsonNode session = json(body).path("session");
        if (!session.isTextual()) {
            throw new TrezorException.TransportFailed("the bridge did not give a session for " + device.path() + ": " + body, null);
        }
        return new BridgeTransport(device.path(), session.asText());
    }

    private JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new TrezorException.Protocol("Trezor Bridge at " + url + " answered with something that is not JSON: " + abbreviate(body));
        }
    }

    private String post(String path, String body, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(url.resolve(path))
                .timeout(timeout)
                .header("Origin", ORIGIN)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new TrezorException.Timeout("Trezor Bridge at " + url + " did not answer " + path + " within " + timeout.toSeconds() + " s");
        } catch (ConnectException e) {
            throw new TrezorException.TransportFailed("no Trezor Bridge at " + url, e);
        } catch (IOException e) {
            throw new TrezorException.TransportFailed("Trezor Bridge at " + url + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TrezorException.TransportFailed("interrupted while talking to Trezor Bridge", e);
        }
        if (response.statusCode() != 200) {
            String error = response.body();
            if (path.startsWith("/read") || path.startsWith("/post")) {
                if (error.contains("device disconnected") || error.contains("closed device") || error.contains("session not found")) {
                    throw new TrezorException.DeviceGone("Trezor Bridge lost the device: " + error.strip(), null);
                }
            }
            throw new TrezorException.TransportFailed("Trezor Bridge answered " + response.statusCode() + " to " + path + ": " + error.strip(), null);
        }
        return response.body();
    }

    /** Messages through {@code /post} and {@code /read} of one bridge session. */
    private final class BridgeTransport implements Transport {
        private final String devicePath;
        private final String session;

        BridgeTransport(String devicePath, String session) {
            this.devicePath = devicePath;
            this.session = session;
        }

        @Override
        public String path() {
            return "bridge:" + devicePath;
        }

        @Override
        public void write(WireMessage message) {
            post("/post/" + session, encode(message), Duration.ofSeconds(10));
        }

        @Override
        public WireMessage read(Duration timeout) {
            return decode(post("/read/" + session, "", timeout));
        }

        @Override
        public void close() {
            try {
                post("/release/" + session, "", Duration.ofSeconds(5));
            } catch (TrezorException e) {
                // the bridge or device is gone already: nothing to release
            }
        }
    }

    /** Hex of {@code type (BE16) || length (BE32) || payload}. */
    static String encode(WireMessage message) {
        byte[] payload = message.payload();
        return HexFormat.of().formatHex(ByteBuffer.allocate(6 + payload.length)
                .putShort((short) message.type()).putInt(payload.length).put(payload).array());
    }

    /**
     * The inverse of {@link #encode}.
     *
     * @throws TrezorException.Protocol when the text is not such hex or the length disagrees
     */
    static WireMessage decode(String hex) {
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(hex.strip());
        } catch (IllegalArgumentException e) {
            throw new TrezorException.Protocol("Trezor Bridge sent something that is not hex: " + abbreviate(hex));
        }
        if (bytes.length < 6) {
            throw new TrezorException.Protocol("Trezor Bridge sent a message of " + bytes.length + " bytes, shorter than its header");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int type = buffer.getShort() & 0xffff;
        long length = buffer.getInt() & 0xffffffffL;
        if (length != bytes.length - 6) {
            throw new TrezorException.Protocol("Trezor Bridge sent message " + type + " announcing " + length + " bytes with "
                    + (bytes.length - 6));
        }
        byte[] payload = new byte[(int) length];
        buffer.get(payload);
        return new WireMessage(type, payload);
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
}
