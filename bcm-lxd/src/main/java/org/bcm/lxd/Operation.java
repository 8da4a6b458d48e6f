package org.bcm.lxd;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A background operation of the LXD daemon (LXD: /1.0/operations/ID), as returned by every
 * mutation that LXD runs asynchronously. Call {@link #await(Duration)} to wait for its end.
 *
 * <p>LXD forgets finished operations after a few seconds: await an operation soon after it was
 * started. A mutation that LXD answered synchronously is represented by an operation that is
 * already {@link #ended() ended} (its {@link #id()} is empty).
 */
public final class Operation {

    /** Status of a successful operation. */
    public static final String SUCCESS = "Success";
    /** Status of a failed operation. */
    public static final String FAILURE = "Failure";
    /** Status of a cancelled operation. */
    public static final String CANCELLED = "Cancelled";
    /** Status of an operation still under way. */
    public static final String RUNNING = "Running";

    /** How an operation is waited on: the client that started it (package-private on purpose). */
    interface Waiter {
        /** Waits up to {@code timeout} and returns the operation as LXD then reports it. Never throws for Failure. */
        Operation waitFor(Operation op, Duration timeout);
    }

    private final Waiter waiter;
    private final String attempted;
    private final String id;
    private final String description;
    private final String status;
    private final int statusCode;
    private final String err;
    private final Map<String, Object> metadata;
    private final Map<String, List<String>> resources;

    Operation(Waiter waiter, String attempted, String id, String description, String status, int statusCode,
              String err, Map<String, Object> metadata, Map<String, List<String>> resources) {
        this.waiter = waiter;
        this.attempted = Objects.requireNonNull(attempted);
        this.id = id == null ? "" : id;
        this.description = description == null ? "" : description;
        this.status = status == null ? "" : status;
        this.statusCode = statusCode;
        this.err = err == null ? "" : err;
        this.metadata = metadata == null ? Map.of() : metadata;
        this.resources = resources == null ? Map.of() : resources;
    }

    /** An already-finished successful operation standing for a synchronous reply. */
    static Operation completed(String attempted, Map<String, Object> metadata) {
        return new Operation(null, attempted, "", attempted, SUCCESS, 200, "", metadata, Map.of());
    }

    /** The operation's UUID, empty for a synchronous reply. */
    public String id() {
        return id;
    }

    /** LXD's description, e.g. {@code "Creating instance"}. */
    public String description() {
        return description;
    }

    /** {@code "Running"}, {@code "Success"}, {@code "Failure"}, {@code "Cancelled"} (also "Pending"...). */
    public String status() {
        return status;
    }

    /** LXD's numeric status: 103 running, 200 success, 400 failure, 401 cancelled. */
    public int statusCode() {
        return statusCode;
    }

    /** Error text of a failed operation, empty otherwise. */
    public String err() {
        return err;
    }

    /** Operation metadata, e.g. {@code fingerprint} of an image import, {@code return} of an exec. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** API URLs of the objects the operation touches, by kind ({@code instances}, {@code images}...). */
    public Map<String, List<String>> resources() {
        return resources;
    }

    /** What the client was doing, e.g. {@code "creating instance 'x'"}. */
    public String attempted() {
        return attempted;
    }

    /** True once the operation has ended (success, failure or cancellation). */
    public boolean ended() {
        return SUCCESS.equals(status) || FAILURE.equals(status) || CANCELLED.equals(status);
    }

    /** True when the operation has ended successfully. */
    public boolean succeeded() {
        return SUCCESS.equals(status);
    }

    /**
     * Waits for the operation to end (LXD: GET /1.0/operations/ID/wait?timeout=SECONDS; the
     * timeout is rounded up to whole seconds, at least 1).
     *
     * @return the finished, successful operation (with its final metadata)
     * @throws LxdException with the operation's {@code err} and status code (400) when it failed or
     *     was cancelled; with status 0 and a message naming the operation and the time waited when
     *     it was still running at the timeout
     */
    public Operation await(Duration timeout) {
        Operation now = ended() || waiter == null ? this : waiter.waitFor(this, timeout);
        return now.requireSuccess(timeout);
    }

    /**
     * Waits for several operations at once, each on its own long-poll (LXD: GET
     * /1.0/operations/ID/wait). Awaiting them one after another is wrong: LXD forgets a finished
     * operation about 5 s after it ends, so one that ended while another was awaited would answer
     * 404 and lose its outcome.
     *
     * @param timeout how long each operation may take, counted from this call
     * @throws LxdException the first failure (in list order) once every wait has returned
     */
    public static void awaitAll(List<Operation> operations, Duration timeout) {
        if (operations.size() <= 1) {
            operations.forEach(op -> op.await(timeout));
            return;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(operations.size(), r -> {
            Thread t = new Thread(r, "lxd-operation-wait");
            t.setDaemon(true);
            return t;
        });
        try {
            List<java.util.concurrent.Future<Operation>> waits = new java.util.ArrayList<>();
            for (Operation op : operations) {
                waits.add(pool.submit(() -> op.await(timeout)));
            }
            LxdException first = null;
            for (java.util.concurrent.Future<Operation> wait : waits) {
                try {
                    wait.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof LxdException lxd ? lxd
                                : new LxdException("Failed waiting for an operation: " + e.getCause(), 0, null, e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LxdException("Interrupted while waiting for operations", 0, null, e);
                }
            }
            if (first != null) {
                throw first;
            }
        } finally {
            pool.shutdownNow();
        }
    }

    Operation requireSuccess(Duration waited) {
        if (FAILURE.equals(status) || CANCELLED.equals(status)) {
            throw LxdErrors.fromOperation(attempted, this);
        }
        if (!ended()) {
            throw LxdErrors.operationTimeout(attempted, this, waitSeconds(waited));
        }
        return this;
    }

    /** Rounds a wait up to whole seconds, at least 1. */
    static long waitSeconds(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            return 1;
        }
        long s = timeout.getSeconds() + (timeout.getNano() > 0 ? 1 : 0);
        return Math.max(1, s);
    }

    Waiter waiter() {
        return waiter;
    }

    @Override
    public String toString() {
        return "Operation[" + (id.isEmpty() ? "sync" : id) + " '" + description + "' " + status
                + (err.isEmpty() ? "" : ": " + err) + "]";
    }
}
