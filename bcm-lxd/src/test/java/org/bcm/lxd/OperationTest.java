package org.bcm.lxd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OperationTest {

    private static Operation op(Operation.Waiter w, String status, int code, String err) {
        return new Operation(w, "creating instance 'c1'", "uuid-1", "Creating instance", status, code, err,
                Map.of(), Map.of());
    }

    @Test
    void waitIsRoundedUpToWholeSeconds() {
        assertThat(Operation.waitSeconds(Duration.ofMillis(1))).isEqualTo(1);
        assertThat(Operation.waitSeconds(Duration.ofMillis(1500))).isEqualTo(2);
        assertThat(Operation.waitSeconds(Duration.ofSeconds(30))).isEqualTo(30);
        assertThat(Operation.waitSeconds(Duration.ZERO)).isEqualTo(1);
        assertThat(Operation.waitSeconds(null)).isEqualTo(1);
    }

    @Test
    void completedOperationAwaitsWithoutAsking() {
        Operation done = Operation.completed("creating profile 'p'", Map.of());
        assertThat(done.ended()).isTrue();
        assertThat(done.await(Duration.ofSeconds(1))).isSameAs(done);
    }

    @Test
    void awaitPassesTheTimeoutAndReturnsTheFinishedOperation() {
        AtomicReference<Duration> asked = new AtomicReference<>();
        Operation.Waiter w = (o, t) -> {
            asked.set(t);
            return op(null, "Success", 200, "");
        };
        Operation result = op(w, "Running", 103, "").await(Duration.ofSeconds(7));
        assertThat(result.succeeded()).isTrue();
        assertThat(asked.get()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void failureThrowsWithErr() {
        Operation.Waiter w = (o, t) -> op(null, "Failure", 400, "boom");
        assertThatThrownBy(() -> op(w, "Running", 103, "").await(Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(LxdException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.lxdError()).isEqualTo("boom");
                    assertThat(e.getMessage()).startsWith("Failed creating instance 'c1': boom (400)");
                });
        assertThatThrownBy(() -> op(null, "Cancelled", 401, "").await(Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(LxdException.class, e -> assertThat(e.statusCode()).isEqualTo(401));
    }

    @Test
    void stillRunningAtTheTimeoutThrowsNamingOperationAndTime() {
        Operation.Waiter w = (o, t) -> o;
        assertThatThrownBy(() -> op(w, "Running", 103, "").await(Duration.ofMillis(2500)))
                .isInstanceOfSatisfying(LxdException.class, e -> {
                    assertThat(e.statusCode()).isZero();
                    assertThat(e.getMessage()).contains("uuid-1").contains("Creating instance")
                            .contains("after waiting 3 s");
                });
    }

    @Test
    void exposesResources() {
        Operation o = new Operation(null, "x", "id", "d", "Success", 200, "", Map.of("k", 1),
                Map.of("instances", List.of("/1.0/instances/c1")));
        assertThat(o.resources().get("instances")).containsExactly("/1.0/instances/c1");
        assertThat(o.metadata()).containsEntry("k", 1);
        assertThat(o.toString()).contains("id").contains("Success");
    }
}
