package org.bcm.swarm;

import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServiceModeConfig;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.api.model.TaskState;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What the tasks of a service say about it (how many run, how many should, why the others ended), and
 * the wait until a stack's services converged.
 */
final class ServiceStates {

    private ServiceStates() {
    }

    /**
     * The state of a service from its tasks: running (and healthy) against desired, and the errors of
     * its tasks that ended, newest first, at most three.
     */
    static StackDeployer.ServiceStatus status(DockerEngine manager, Service service) {
        List<Task> tasks = manager.tasks(service.getId());
        int running = 0;
        int wanted = 0;
        List<Task> ended = new ArrayList<>();
        for (Task task : tasks) {
            TaskState state = task.getStatus() == null ? null : task.getStatus().getState();
            if (task.getDesiredState() == TaskState.RUNNING) {
                wanted++;
                if (state == TaskState.RUNNING) {
                    running++;
                }
            }
            if (state == TaskState.FAILED || state == TaskState.REJECTED || state == TaskState.COMPLETE
                    || (task.getStatus() != null && task.getStatus().getErr() != null)) {
                ended.add(task);
            }
        }
        ServiceModeConfig mode = service.getSpec().getMode();
        int desired = mode != null && mode.getReplicated() != null
                ? (int) mode.getReplicated().getReplicas() : Math.max(wanted, 1);
        ended.sort(Comparator.comparing((Task task) -> Objects.toString(task.getStatus().getTimestamp(), "")).reversed());
        List<String> errors = ended.stream().map(ServiceStates::describeEnd).distinct().limit(3).toList();
        String declared = service.getSpec().getLabels() == null ? null : service.getSpec().getLabels().get(StackDeployer.REPLICAS_LABEL);
        return new StackDeployer.ServiceStatus(service.getSpec().getName(), running, desired, errors,
                declared != null && declared.matches("[0-9]{1,9}") ? Integer.parseInt(declared) : desired);
    }

    /**
     * How a task ended: {@code "failed: task: non-zero exit (2) (exit code 2)"}. A task stopped
     * without an error (exit 0, "complete") while it should run was usually stopped by its failing
     * healthcheck; the text says so.
     */
    private static String describeEnd(Task task) {
        var status = task.getStatus();
        String state = status.getState() == null ? "ended" : status.getState().name().toLowerCase(Locale.ROOT);
        String what = status.getErr() != null && !status.getErr().isBlank() ? status.getErr() : status.getMessage();
        Long exit = status.getContainerStatus() == null ? null : status.getContainerStatus().getExitCodeLong();
        String text = state + ": " + what + (exit == null ? "" : " (exit code " + exit + ")");
        if (status.getState() == TaskState.COMPLETE) {
            text += " - stopped without an error, usually by a failing healthcheck";
        }
        return text;
    }

    /**
     * Waits until every service of the stack (those named in {@code services}, or all) has its desired
     * tasks running and no update in progress, reporting each change of state to {@code progress}.
     *
     * @throws StackDeployException at the timeout, naming each service that did not converge and its
     *     task errors; at once when an update was paused or rolled back
     */
    static void awaitConverged(DockerEngine manager, String stack, Set<String> services, Duration timeout, Duration poll,
            Consumer<String> progress) {
        Map<String, String> reported = new HashMap<>();
        List<StackDeployer.ServiceStatus> pending;
        if (timeout.compareTo(poll) <= 0) {
            // Failsafe wants a longer wait than one poll: a wait this short is one look
            pending = pendingServices(manager, stack, services, reported, progress);
        } else {
            RetryPolicy<List<StackDeployer.ServiceStatus>> untilConverged = RetryPolicy.<List<StackDeployer.ServiceStatus>>builder()
                    .handleIf((stillPending, failure) -> failure == null && !stillPending.isEmpty())
                    .withDelay(poll).withMaxDuration(timeout).withMaxRetries(-1).build();
            try {
                pending = Failsafe.with(untilConverged).get(() -> pendingServices(manager, stack, services, reported, progress));
            } catch (FailsafeException e) {
                throw StackDeployer.interrupted(e);
            }
        }
        if (pending.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder("Stack " + stack + " did not converge within " + timeout.toSeconds() + " s:");
        for (StackDeployer.ServiceStatus state : pending) {
            message.append("\n  ").append(state.name()).append(": ").append(state.running()).append('/')
                    .append(state.desired()).append(" tasks running");
            state.errors().forEach(error -> message.append("\n    task error: ").append(error));
        }
        throw new StackDeployException(message.toString(), pending);
    }

    /**
     * The services of the stack (those named in {@code services}, or all) that have not converged,
     * reporting each service's state when it changed since {@code reported}.
     *
     * @throws StackDeployException when an update was paused or rolled back
     */
    private static List<StackDeployer.ServiceStatus> pendingServices(DockerEngine manager, String stack, Set<String> services,
            Map<String, String> reported, Consumer<String> progress) {
        List<StackDeployer.ServiceStatus> pending = new ArrayList<>();
        for (Service service : manager.services(Map.of(StackDeployer.NAMESPACE_LABEL, stack))) {
            if (services != null && !services.contains(service.getSpec().getName().substring(stack.length() + 1))) {
                continue;
            }
            String updateState = service.getUpdateStatus() == null || service.getUpdateStatus().getState() == null
                    ? null : service.getUpdateStatus().getState().name().toLowerCase(Locale.ROOT);
            if (updateState != null && (updateState.equals("paused") || updateState.startsWith("rollback"))) {
                throw new StackDeployException("The update of service " + service.getSpec().getName()
                        + " stopped (" + updateState + "): " + service.getUpdateStatus().getMessage(),
                        List.of(status(manager, service)));
            }
            StackDeployer.ServiceStatus state = status(manager, service);
            boolean updating = "updating".equals(updateState);
            StackDeployer.ServiceStatus counted = updating ? new StackDeployer.ServiceStatus(state.name(), Math.min(state.running(), state.desired() - 1),
                    state.desired(), state.errors()) : state;
            if (!counted.converged()) {
                pending.add(counted);
            }
            String line = state.name() + ": " + state.running() + "/" + state.desired() + " running"
                    + (updating ? " (updating)" : "");
            if (!line.equals(reported.put(state.name(), line))) {
                progress.accept(line);
            }
        }
        return pending;
    }
}
