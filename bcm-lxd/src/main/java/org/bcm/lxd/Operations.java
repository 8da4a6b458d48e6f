package org.bcm.lxd;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import org.bcm.lxd.LxdConnection.Reply;

/**
 * LXD's background operations (/1.0/operations): a mutation's reply turned into an {@link
 * Operation}, the long-poll that waits for one ({@link Operation.Waiter}), and the lookups by id and
 * of those still running.
 */
final class Operations implements Operation.Waiter {

    /** Slack added to OkHttp's read timeout on top of an operation wait. */
    private static final Duration WAIT_SLACK = Duration.ofSeconds(30);

    private final LxdConnection lxd;
    private final Duration timeout;

    /**
     * @param timeout how long {@link #complete} waits: the client's operation timeout
     */
    Operations(LxdConnection lxd, Duration timeout) {
        this.lxd = lxd;
        this.timeout = timeout;
    }

    /** Sends a mutation and returns its operation, still running or (for a synchronous reply) ended. */
    Operation start(String method, ApiPath path, RequestBody body, Map<String, String> headers, String attempted) {
        return from(lxd.send(method, path, body, headers, attempted), attempted);
    }

    /** Sends a mutation and waits for it up to the client's operation timeout. */
    void complete(String method, ApiPath path, RequestBody body, Map<String, String> headers, String attempted) {
        start(method, path, body, headers, attempted).await(timeout);
    }

    /** Turns a reply into an Operation: a background one for "async", an ended one for "sync". */
    Operation from(Reply reply, String attempted) {
        JsonNode json = reply.json();
        if (json != null && "async".equals(Json.text(json, "type"))) {
            return from(json.path("metadata"), attempted);
        }
        return Operation.completed(attempted, json == null ? Map.of() : Json.objectMap(json.get("metadata")));
    }

    /** See {@link LxdClient#operation}. */
    Optional<Operation> byId(String id) {
        String attempted = "getting operation " + id;
        return lxd.sendOptional(lxd.scoped("operations", id), attempted)
                .map(r -> from(r.metadata(), attempted));
    }

    /** See {@link LxdClient#runningOperations}. */
    List<Operation> running() {
        String attempted = "listing operations";
        Reply reply = lxd.send("GET", lxd.scoped("operations").query("recursion", 1), null, null, attempted);
        List<Operation> running = new ArrayList<>();
        JsonNode list = reply.metadata() == null ? null : reply.metadata().path("running");
        if (list != null && list.isArray()) {
            for (JsonNode m : list) {
                running.add(from(m, "operation '" + Json.text(m, "description") + "'"));
            }
        }
        return running;
    }

    /** Waits with GET /1.0/operations/ID/wait?timeout=S; OkHttp's read timeout exceeds the wait. */
    @Override
    public Operation waitFor(Operation op, Duration wait) {
        long seconds = Operation.waitSeconds(wait);
        OkHttpClient waiting = lxd.http().newBuilder()
                .readTimeout(Duration.ofSeconds(seconds).plus(WAIT_SLACK))
                .callTimeout(0, TimeUnit.MILLISECONDS)
                .build();
        String attempted = "waiting for operation " + op.id() + " (" + op.attempted() + ")";
        Reply r = lxd.send(waiting, "GET", lxd.scoped("operations", op.id(), "wait").query("timeout", seconds), null,
                null, attempted);
        return from(r.metadata(), op.attempted());
    }

    private Operation from(JsonNode m, String attempted) {
        return new Operation(this, attempted, Json.text(m, "id"), Json.text(m, "description"),
                Json.text(m, "status"), m.path("status_code").asInt(0), Json.text(m, "err"),
                Json.objectMap(m.get("metadata")), Json.resources(m.get("resources")));
    }
}
