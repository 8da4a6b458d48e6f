package org.bcm.lxd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class LxdErrorsTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void mapsLxdErrorJsonWithErrorCodeAndAttempt() {
        LxdException e = LxdErrors.fromResponse(409, utf8(
                "{\"type\":\"error\",\"status\":\"\",\"status_code\":0,\"operation\":\"\",\"error_code\":409,"
                        + "\"error\":\"Instance already exists\",\"metadata\":null}"), "creating instance 'x'");
        assertThat(e).isNotInstanceOf(LxdUnavailableException.class);
        assertThat(e.statusCode()).isEqualTo(409);
        assertThat(e.lxdError()).isEqualTo("Instance already exists");
        assertThat(e.getMessage()).isEqualTo("Failed creating instance 'x': Instance already exists (409)");
    }

    @Test
    void errorCodeFromBodyWinsAndMissingOnesFallBackToHttpStatus() {
        assertThat(LxdErrors.fromResponse(500, utf8("{\"type\":\"error\",\"error\":\"x\",\"error_code\":412}"), "a")
                .statusCode()).isEqualTo(412);
        LxdException e = LxdErrors.fromResponse(404, utf8("{\"type\":\"error\",\"error\":\"Not Found\"}"), "a");
        assertThat(e.statusCode()).isEqualTo(404);
        assertThat(e.isNotFound()).isTrue();
    }

    @Test
    void nonJsonBodiesAreQuotedShortened() {
        LxdException e = LxdErrors.fromResponse(502, utf8("<html>" + "x".repeat(500) + "</html>"), "listing images");
        assertThat(e.statusCode()).isEqualTo(502);
        assertThat(e.getMessage()).startsWith("Failed listing images: HTTP 502: <html>xxx").endsWith("... (502)");
        assertThat(e.getMessage().length()).isLessThan(300);
        assertThat(LxdErrors.fromResponse(503, new byte[0], "x").getMessage()).isEqualTo("Failed x: HTTP 503 (503)");
    }

    @Test
    void connectFailuresAreUnavailableAndNameTheTarget() {
        LxdException refused = LxdErrors.fromTransport(new ConnectException("Connection refused"), "getting server info",
                "unix socket /tmp/x.sock");
        assertThat(refused).isInstanceOf(LxdUnavailableException.class);
        assertThat(refused.statusCode()).isZero();
        assertThat(refused.getMessage()).contains("/tmp/x.sock").contains("Connection refused");

        assertThat(LxdErrors.fromTransport(new SSLHandshakeException("PKIX"), "a", "https://h:8443/"))
                .isInstanceOf(LxdUnavailableException.class).hasMessageContaining("https://h:8443/");
        assertThat(LxdErrors.fromTransport(new SocketException("No such file or directory"), "a", "t"))
                .isInstanceOf(LxdUnavailableException.class);
        assertThat(LxdErrors.fromTransport(new org.newsclub.net.unix.ConnectionRefusedSocketException("x"), "a", "t"))
                .isInstanceOf(LxdUnavailableException.class);
    }

    @Test
    void timeoutsAndBrokenConnectionsAreStatusZeroButNotUnavailable() {
        LxdException timeout = LxdErrors.fromTransport(new SocketTimeoutException("timeout"), "exec", "t");
        assertThat(timeout).isNotInstanceOf(LxdUnavailableException.class);
        assertThat(timeout.statusCode()).isZero();
        assertThat(timeout.getMessage()).contains("in time");
        assertThat(LxdErrors.fromTransport(new IOException("unexpected end of stream"), "a", "t"))
                .isNotInstanceOf(LxdUnavailableException.class);
        assertThat(LxdErrors.fromTransport(new SocketException("Connection reset"), "a", "t"))
                .isNotInstanceOf(LxdUnavailableException.class);
    }

    @Test
    void failedOperationCarriesErrAndStatus() {
        Operation op = new Operation(null, "creating instance 'c1'", "abc", "Creating instance", "Failure", 400,
                "This \"instances\" entry already exists", Map.of(), Map.of("instances", List.of("/1.0/instances/c1")));
        LxdException e = LxdErrors.fromOperation(op.attempted(), op);
        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(e.lxdError()).isEqualTo("This \"instances\" entry already exists");
        assertThat(e.getMessage()).startsWith("Failed creating instance 'c1': This \"instances\" entry already exists (400)")
                .contains("abc");
    }
}
