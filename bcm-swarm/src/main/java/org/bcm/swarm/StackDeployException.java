package org.bcm.swarm;

import java.util.List;

/**
 * A stack could not be deployed or did not converge: an external object it names is missing, a
 * file it names cannot be read, or its services did not reach their desired tasks in time. The
 * message names the stack and each service concerned with its task errors.
 */
public class StackDeployException extends RuntimeException {

    private final transient List<StackDeployer.ServiceStatus> services;

    /**
     * @param message  full message
     * @param services the services that did not converge (empty when the failure is not about tasks)
     */
    public StackDeployException(String message, List<StackDeployer.ServiceStatus> services) {
        super(message);
        this.services = List.copyOf(services);
    }

    /** The services that did not converge, with their running and desired task counts and errors. */
    public List<StackDeployer.ServiceStatus> services() {
        return services;
    }
}
