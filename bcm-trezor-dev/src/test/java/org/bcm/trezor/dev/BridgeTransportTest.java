package org.bcm.trezor.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import org.bcm.trezor.Challenge;
import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;
import org.bcm.trezor.KeyOperations;
import org.bcm.trezor.SignedIdentity;
import org.bcm.trezor.TrezorClient;
import org.bcm.trezor.TrezorDevices;
import org.bcm.trezor.TrezorException;
import org.bcm.trezor.transport.Bridge;
import org.bcm.trezor.transport.ChunkTransport;
import org.bcm.trezor.transport.Transport;
import org.bcm.trezor.transport.UdpLink;
import org.bcm.trezor.transport.WireMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bridge transport against a stand-in for Trezor Bridge that follows trezord-go's HTTP API
 * (POST only, Origin required, hex of type||length||payload) and passes messages to the
 * development device over UDP.
 */
class BridgeTransportTest {

    private TestDevice device;
    private HttpServer bridge;
    private Transport upstream;
    private String session;

    @BeforeEach
    void start() throws IOException {
        device = TestDevice.all();
        bridge = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        bridge.createContext("/", this::handle);
        bridge.start();
    }

    @AfterEach
    void stop() {
        bridge.stop(0);
        device.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (!"POST".equals(exchange.getRequestMethod()) || !"https://python.trezor.io".equals(exchange.getRequestHeaders().getFirst("Origin"))) {
            reply(exchange, 403, "{\"error\":\"Origin not allowed\"}");
            return;
        }
        if (path.equals("/")) {
            reply(exchange, 200, "{\"version\":\"2.0.33\"}");
        } else if (path.equals("/enumerate")) {
            reply(exchange, 200, "[{\"path\":\"1\",\"vendor\":4617,\"product\":21441,\"debug\":false,\"session\":"
                    + (session == null ? "null" : "\"" + session + "\"") + ",\"debugSession\":null}]");
        } else if (path.startsWith("/acquire/1/")) {
            session = "7";
            upstream = new ChunkTransport(new UdpLink("127.0.0.1", device.server.port()));
            reply(exchange, 200, "{\"session\":\"7\"}");
        } else if (path.equals("/post/7")) {
            WireMessage message = decode(body);
            upstream.write(message);
            reply(exchange, 200, "");
        } else if (path.equals("/read/7")) {
            reply(exchange, 200, encode(upstream.read(Duration.ofSeconds(10))));
        } else if (path.equals("/release/7")) {
            session = null;
            upstream.close();
            reply(exchange, 200, "{}");
        } else {
            reply(exchange, 400, "{\"error\":\"session not found\"}");
        }
    }

    private static WireMessage decode(String hex) {
        byte[] bytes = HexFormat.of().parseHex(hex);
        byte[] payload = new byte[bytes.length - 6];
        System.arraycopy(bytes, 6, payload, 0, payload.length);
        return new WireMessage(((bytes[0] & 0xff) << 8) | (bytes[1] & 0xff), payload);
    }

    private static String encode(WireMessage message) {
        byte[] payload = message.payload();
        byte[] out = new byte[6 + payload.length];
        out[0] = (byte) (message.type() >> 8);
        out[1] = (byte) message.type();
        out[5] = (byte) payload.length;
        out[4] = (byte) (payload.length >> 8);
        System.arraycopy(payload, 0, out, 6, payload.length);
        return HexFormat.of().formatHex(out);
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + bridge.getAddress().getPort());
    }

    @Test
    void aSessionThroughTheBridgeSignsLikeTheDevice() {
        TrezorDevices devices = new TrezorDevices(Path.of("/nonexistent"), url(), "127.0.0.1", 9);
        assertThat(devices.enumerate()).extracting(TrezorDevices.Found::path).containsExactly("bridge:1");
        try (TrezorClient client = TrezorClient.open(devices.open(null), device.interaction, TrezorClient.Timeouts.DEFAULT)) {
            assertThat(client.path()).isEqualTo("bridge:1");
            assertThat(client.features().developmentDevice()).isTrue();
            SignedIdentity signed = KeyOperations.signIdentity(client, Identity.parse("ssh://bcm@example.org"),
                    Challenge.hidden(HexFormat.of().parseHex("0eee361026e628424faae75365fb0dbefc0c82f8e8e3342a1a4f1a4a74eabc5c73657373696f6e2d6279746573")),
                    Curve.NIST256P1);
            assertThat(signed.signature().hex()).isEqualTo(
                    "006d32c94311950ac91ba2dc8cb8bd7c208f073ed70638699d9c6b1b91670e8c9d7573356b35e2cf12b4ce4aeaf1f788e7a7218be45d72626432fb79f2e96bd708");
        }
        assertThat(session).as("the session was released").isNull();
    }

    @Test
    void anUnknownBridgeDeviceAndNoBridgeAreNoDevice() {
        TrezorDevices devices = new TrezorDevices(Path.of("/nonexistent"), url(), "127.0.0.1", 9);
        assertThatThrownBy(() -> devices.open("bridge:42")).isInstanceOf(TrezorException.NoDevice.class);
        TrezorDevices none = new TrezorDevices(Path.of("/nonexistent"), URI.create("http://127.0.0.1:9"), "127.0.0.1", 9);
        assertThatThrownBy(() -> none.open("bridge")).isInstanceOf(TrezorException.NoDevice.class)
                .hasMessageContaining("no Trezor Bridge");
        assertThat(new Bridge(URI.create("http://127.0.0.1:9")).running()).isFalse();
    }
}
