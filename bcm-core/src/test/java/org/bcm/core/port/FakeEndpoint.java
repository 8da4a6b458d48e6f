package org.bcm.core.port;

import java.nio.file.Path;
import java.time.Duration;
import org.bcm.core.cluster.ClusterTimeouts;
import org.bcm.core.image.BaseImage;
import org.bcm.core.image.ImageRecipe;

/**
 * An in-memory LXD endpoint (with bcm's base image imported) and its tier hosts' swarm, as
 * {@link Ports}, with waits short enough for tests (the fakes answer at once or never).
 */
public final class FakeEndpoint {

    public static final ClusterTimeouts FAST = new ClusterTimeouts(Duration.ofSeconds(2), Duration.ofMillis(300),
            Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(20));

    public final FakeLxd lxd = new FakeLxd();
    public final FakeSwarm swarm = new FakeSwarm();

    /** @param cacheDir where the base image's alias is computed (nothing is built) */
    public FakeEndpoint(Path cacheDir) {
        lxd.addImage(new BaseImage(ImageRecipe.baseImage(), cacheDir, (step, message) -> { }).alias());
    }

    public Ports ports() {
        return new Ports("unix:///fake/lxd.sock", lxd::connect, remote -> {
            throw new org.bcm.lxd.LxdUnavailableException("no remote endpoint in the fake: " + remote.endpoint());
        }, swarm.connector());
    }

    /** Whether every connection opened to LXD and the engines was closed. */
    public boolean everyConnectionClosed() {
        return lxd.openConnections() == 0 && swarm.openConnections() == 0;
    }
}
