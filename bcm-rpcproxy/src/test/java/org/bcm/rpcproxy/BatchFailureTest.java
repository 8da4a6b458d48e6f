package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A batch with a {@code getblock} whose segments bitcoind answers with something other than JSON: before
 * the array's head bitcoind's answer is the whole answer, after it each element of the segment is an error
 * element that names bitcoind's status and body. bitcoind here is a hand-made one that answers each request
 * by its body.
 */
class BatchFailureTest {

    private static final String HASH = "33".repeat(32);
    private static final String COUNT = "{\"method\":\"getblockcount\",\"id\":1}";
    private static final String GETBLOCK = "{\"method\":\"getblock\",\"params\":[\"" + HASH + "\",0],\"id\":2}";
    /** bitcoind's answer to a sub-batch of {@link #COUNT}. */
    private static final String COUNT_5 = answer(200, "application/json", "[{\"result\":5,\"error\":null,\"id\":1}]\n");
    /** bitcoind's answer to {@link #GETBLOCK}: a block of one byte. */
    private static final String BLOCK_00 = answer(200, "application/json", "{\"result\":\"00\",\"error\":null,\"id\":2}\n");
    /** Core's refusal when its work queue is full (src/httpserver.cpp). */
    private static final String QUEUE_FULL = answer(503, "text/html; charset=ISO-8859-1", "Work queue depth exceeded");

    /** An HTTP/1.1 answer with a Content-Length. */
    private static String answer(int status, String type, String body) {
        return "HTTP/1.1 " + status + " X\r\nContent-Type: " + type + "\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    /**
     * The proxy's answer to {@code batch} when bitcoind answers every sub-batch (a body that is an array) with
     * {@code subBatchAnswer} and every single request (a getblock element) with {@code getBlockAnswer}.
     */
    private static Http.Response throughProxy(String subBatchAnswer, String getBlockAnswer, String batch) throws IOException {
        UnaryOperator<String> bitcoind = b -> b.startsWith("[") ? subBatchAnswer : getBlockAnswer;
        try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread accept = new Thread(() -> {
                while (!upstream.isClosed()) {
                    try {
                        Socket c = upstream.accept();
                        Thread t = new Thread(() -> answerAll(c, bitcoind));
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            accept.setDaemon(true);
            accept.start();
            try (RpcProxy proxy = RpcProxy.start(ProxyFixture.configForUpstream(upstream.getLocalPort()).build())) {
                return Http.post(proxy.port(), Http.cookie(proxy), batch);
            }
        }
    }

    /** Answers every request of a keep-alive connection with {@code bitcoind}'s answer to its body. */
    private static void answerAll(Socket c, UnaryOperator<String> bitcoind) {
        try (c) {
            InputStream in = c.getInputStream();
            OutputStream out = c.getOutputStream();
            while (true) {
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    int b = in.read();
                    if (b < 0) return;
                    head.write(b);
                }
                int length = 0;
                for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).trim());
                    }
                }
                String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                out.write(bitcoind.apply(body).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // the proxy closed the connection
        }
    }

    @Test
    void aGetBlockElementAnsweredWithTextAfterTheHeadIsAnErrorElement() throws IOException {
        Http.Response r = throughProxy(COUNT_5, answer(502, "text/plain", "bad gateway\n"), "[" + COUNT + "," + GETBLOCK + "]");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("[{\"result\":5,\"error\":null,\"id\":1},"
                + "{\"result\":null,\"error\":{\"code\":-1,\"message\":\"bitcoind answered HTTP 502: bad gateway\"},\"id\":2}]\n");
    }

    @Test
    void aSubBatchAnsweredWithTextAfterTheHeadIsAnErrorElementPerElement() throws IOException {
        Http.Response r = throughProxy(answer(500, "text/html", "oops"), BLOCK_00,
                "[" + GETBLOCK + "," + COUNT + "," + COUNT.replace("\"id\":1", "\"id\":3") + "]");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("[{\"result\":\"00\",\"error\":null,\"id\":2},"
                + "{\"result\":null,\"error\":{\"code\":-1,\"message\":\"bitcoind answered HTTP 500: oops\"},\"id\":1},"
                + "{\"result\":null,\"error\":{\"code\":-1,\"message\":\"bitcoind answered HTTP 500: oops\"},\"id\":3}]\n");
    }

    @Test
    void aSubBatchRefusedBeforeTheHeadIsTheWholeAnswer() throws IOException {
        Http.Response r = throughProxy(QUEUE_FULL, BLOCK_00, "[" + COUNT + "," + GETBLOCK + "]");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.header("content-type")).isEqualTo("text/html; charset=ISO-8859-1");
        assertThat(r.text()).isEqualTo("Work queue depth exceeded");
    }

    @Test
    void aGetBlockElementRefusedBeforeTheHeadIsTheWholeAnswer() throws IOException {
        Http.Response r = throughProxy(COUNT_5, QUEUE_FULL, "[" + GETBLOCK + "," + COUNT + "]");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.chunked()).isFalse();
        assertThat(r.header("content-length")).isEqualTo("25");
        assertThat(r.text()).isEqualTo("Work queue depth exceeded");
    }
}
