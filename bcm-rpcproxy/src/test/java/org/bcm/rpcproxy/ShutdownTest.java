package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bcm.fixtures.bitcoind.BitcoindSimulator;
import org.junit.jupiter.api.Test;

/**
 * Graceful shutdown ({@link RpcProxy#close()}, what SIGTERM runs): no new connections, idle ones closed at
 * once, answers in progress finish within {@code shutdown-grace}, and those that do not are cut at its end.
 */
class ShutdownTest {

    private static final String WAIT = "{\"method\":\"waitfornewblock\",\"params\":[0],\"id\":1}";

    private static CompletableFuture<Http.Response> inBackground(ProxyFixture fx, String body) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return fx.proxied(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static void awaitRefused(int port) {
        Await.until(Duration.ofSeconds(5), "new connections refused", () -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return false;
            } catch (ConnectException e) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    void answersInProgressFinishAndNothingNewIsTaken() throws Exception {
        try (ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(20), b -> b.shutdownGrace(Duration.ofSeconds(10)));
                Http idle = new Http(fx.port())) {
            assertThat(idle.post("/", fx.auth(), "{\"method\":\"getblockcount\",\"id\":1}").status()).isEqualTo(200);
            CompletableFuture<Http.Response> waiting = inBackground(fx, WAIT);
            Await.until(Duration.ofSeconds(5), "the call at bitcoind", () -> fx.sim.methodCalls("waitfornewblock") == 1);

            CompletableFuture<Void> closing = CompletableFuture.runAsync(fx.proxy::close);
            awaitRefused(fx.port());
            assertThat(idle.closedByServer()).isTrue();
            assertThat(closing).isNotDone();

            fx.sim.mine(1);
            Http.Response r = waiting.get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).contains("\"height\":21");
            closing.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void anAnswerThatOutlastsTheGraceIsCut() throws Exception {
        try (ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(20), b -> b.shutdownGrace(Duration.ofMillis(500)))) {
            CompletableFuture<Http.Response> waiting = inBackground(fx, WAIT);
            Await.until(Duration.ofSeconds(5), "the call at bitcoind", () -> fx.sim.methodCalls("waitfornewblock") == 1);
            long t0 = System.nanoTime();
            fx.proxy.close();
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(400L, 5000L);
            assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).hasRootCauseInstanceOf(IOException.class);
        }
    }
}
