package org.bcm.swarm;

import java.util.Objects;

/**
 * A user and password of an image registry, sent to the engine as its {@code X-Registry-Auth}
 * header (Engine API: base64url of the JSON {@code {"username","password","serveraddress"}}) when
 * it pushes, asks the registry about an image, or creates or updates a service (the swarm keeps them
 * with the service, so every node pulls its image with them). {@link #toString()} hides the password.
 *
 * @param server   the registry, e.g. {@code 127.0.0.1:5000}
 * @param user     the user name
 * @param password the password
 */
public record RegistryCredentials(String server, String user, String password) {

    public RegistryCredentials {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "RegistryCredentials[server=" + server + ", user=" + user + ", password=<redacted>]";
    }
}
