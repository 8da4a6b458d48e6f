package org.bcm.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParseException;
import com.github.dockerjava.api.exception.BadRequestException;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.exception.NotAcceptableException;
import com.github.dockerjava.api.exception.NotFoundException;
import java.net.ConnectException;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class EngineErrorsTest {

    private static final String ENDPOINT = "unix:///run/bcm/node1.sock";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static RuntimeException translate(String action, Throwable failure) {
        return EngineErrors.translate(action, ENDPOINT, TIMEOUT, failure);
    }

    @Test
    void notFoundCarriesStatusEngineTextActionAndEndpoint() {
        RuntimeException e = translate("removing node abc",
                new NotFoundException("{\"message\":\"node abc not found\"}\n"));

        assertThat(e).isExactlyInstanceOf(DockerEngineException.class);
        DockerEngineException de = (DockerEngineException) e;
        assertThat(de.statusCode()).isEqualTo(404);
        assertThat(de.isNotFound()).isTrue();
        assertThat(de.engineMessage()).isEqualTo("node abc not found");
        assertThat(de.endpoint()).isEqualTo(ENDPOINT);
        assertThat(de.getMessage())
                .isEqualTo("Failed removing node abc on unix:///run/bcm/node1.sock: node abc not found (HTTP 404)");
        assertThat(de.getCause()).isInstanceOf(NotFoundException.class);
    }

    @Test
    void eachDockerJavaStatusExceptionKeepsItsStatus() {
        assertThat(status(new BadRequestException("{\"message\":\"bad\"}"))).isEqualTo(400);
        assertThat(status(new NotAcceptableException("{\"message\":\"no\"}"))).isEqualTo(406);
        assertThat(status(new ConflictException("{\"message\":\"conflict\"}"))).isEqualTo(409);
        assertThat(status(new InternalServerErrorException("{\"message\":\"boom\"}"))).isEqualTo(500);
        assertThat(status(new DockerException("{\"message\":\"This node is not a swarm manager.\"}", 503)))
                .isEqualTo(503);
    }

    private static int status(Throwable failure) {
        return ((DockerEngineException) translate("x", failure)).statusCode();
    }

    @Test
    void notASwarmManagerIsASwarmStateProblem() {
        DockerEngineException e = (DockerEngineException) translate("listing the swarm nodes",
                new DockerException("{\"message\":\"This node is not a swarm manager. Use \\\"docker swarm init\\\" "
                        + "or \\\"docker swarm join\\\" to connect this node to swarm and try again.\"}\n", 503));

        assertThat(e.isSwarmStateUnsuitable()).isTrue();
        assertThat(e.isNotFound()).isFalse();
        assertThat(e.engineMessage()).startsWith("This node is not a swarm manager. Use \"docker swarm init\"");
    }

    @Test
    void updateOutOfSequenceIsAVersionConflict() {
        DockerEngineException outOfSequence = (DockerEngineException) translate("updating",
                new InternalServerErrorException("{\"message\":\"rpc error: code = Unknown desc = update out of sequence\"}"));
        DockerEngineException otherServerError = (DockerEngineException) translate("updating",
                new InternalServerErrorException("{\"message\":\"rpc error: code = Unknown desc = something else\"}"));
        DockerEngineException conflict = (DockerEngineException) translate("updating",
                new ConflictException("{\"message\":\"version mismatch\"}"));

        assertThat(outOfSequence.isVersionConflict()).isTrue();
        assertThat(otherServerError.isVersionConflict()).isFalse();
        assertThat(conflict.isVersionConflict()).isTrue();
    }

    @Test
    void engineMessageFallsBackToTheRawBody() {
        assertThat(EngineErrors.engineMessage("Status 502: Bad Gateway\n")).isEqualTo("Bad Gateway");
        assertThat(EngineErrors.engineMessage("Status 500: {not json")).isEqualTo("{not json");
        assertThat(EngineErrors.engineMessage("Status 500: ")).isNull();
        assertThat(EngineErrors.engineMessage("Status 500: {\"message\":\"\"}")).isNull();
        assertThat(EngineErrors.engineMessage(null)).isNull();
    }

    @Test
    void emptyBodySaysSo() {
        DockerEngineException e = (DockerEngineException) translate("pinging the engine", new DockerException("", 500));
        assertThat(e.getMessage()).endsWith(": no error text (HTTP 500)");
        assertThat(e.engineMessage()).isNull();
    }

    @Test
    void missingSocketIsUnavailableWithStatusZero() {
        RuntimeException e = translate("pinging the engine",
                new RuntimeException(new SocketException("No such file or directory")));

        assertThat(e).isInstanceOf(DockerEngineUnavailableException.class);
        DockerEngineException de = (DockerEngineException) e;
        assertThat(de.statusCode()).isZero();
        assertThat(de.getMessage()).isEqualTo(
                "Failed pinging the engine on unix:///run/bcm/node1.sock: no socket at /run/bcm/node1.sock"
                        + " (the engine is not exposed there)");
    }

    @Test
    void refusedConnectionIsUnavailable() {
        RuntimeException e = translate("pinging the engine",
                new RuntimeException(new ConnectException("Connection refused")));

        assertThat(e).isInstanceOf(DockerEngineUnavailableException.class);
        assertThat(e.getMessage()).endsWith("nothing is listening on socket /run/bcm/node1.sock");
    }

    @Test
    void directIoExceptionFromOwnCallsIsUnavailableToo() {
        RuntimeException e = translate("reading the swarm state", new java.io.EOFException("closed"));
        assertThat(e).isInstanceOf(DockerEngineUnavailableException.class);
        assertThat(e.getMessage()).endsWith("the engine did not answer (EOFException: closed)");
    }

    @Test
    void deadlineIsUnavailableAndNamesTheTimeout() {
        RuntimeException e = EngineErrors.translate("joining the swarm", ENDPOINT, Duration.ofMillis(1500),
                new TimeoutException());

        assertThat(e).isInstanceOf(DockerEngineUnavailableException.class);
        assertThat(e.getMessage()).endsWith("the engine did not reply within 1500 ms");
    }

    @Test
    void unreadableReplyIsStatusZeroButNotUnavailable() {
        RuntimeException e = translate("reading the engine version",
                new RuntimeException(new JsonParseException(null, "Unexpected character")));

        assertThat(e).isExactlyInstanceOf(DockerEngineException.class);
        assertThat(((DockerEngineException) e).statusCode()).isZero();
        assertThat(e.getMessage()).contains("unreadable reply from the engine (Unexpected character)");
    }

    @Test
    void clientSideFailureIsStatusZero() {
        RuntimeException e = translate("pinging the engine", new DockerClientException("'dockerHost' is null"));

        assertThat(e).isExactlyInstanceOf(DockerEngineException.class);
        assertThat(((DockerEngineException) e).statusCode()).isZero();
        assertThat(e.getMessage()).endsWith(": 'dockerHost' is null");
    }

    @Test
    void programmingErrorsPassThroughAndErrorsAreRethrown() {
        IllegalStateException bug = new IllegalStateException("bug");
        assertThat(translate("x", bug)).isSameAs(bug);

        DockerEngineException already = new DockerEngineException("m", 404, ENDPOINT, null, null);
        assertThat(translate("x", already)).isSameAs(already);

        assertThatThrownBy(() -> translate("x", new OutOfMemoryError("oom"))).isInstanceOf(OutOfMemoryError.class);
    }
}
