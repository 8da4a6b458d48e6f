package org.bcm.cli;

import java.io.PrintWriter;
import org.bcm.core.Progress;
import org.bcm.core.adapter.LocalPorts;
import org.bcm.core.cluster.ClusterService;
import org.bcm.core.cluster.ClusterStore;
import org.bcm.core.project.ProjectSecrets;
import org.bcm.core.project.ProjectService;
import org.bcm.core.project.ProjectStore;
import org.bcm.core.device.DeviceService;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.identity.IdentityService;
import org.bcm.core.identity.TrezorKeys;
import picocli.CommandLine.Model.CommandSpec;

/** What every command needs, built from the environment: the bcm home and the services on it. */
final class Context {

    private final CommandSpec spec;

    Context(CommandSpec spec) {
        this.spec = spec;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Asks a yes/no question at the terminal; false (refused) when there is no terminal or the answer is not yes. */
    boolean confirm(String question) {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        String answer = console.readLine("%s [y/N] ", question);
        return answer != null && answer.strip().toLowerCase(java.util.Locale.ROOT).matches("y|yes");
    }

    BcmHome home() {
        return BcmHome.fromEnvironment(System.getenv());
    }

    IdentityService identities() {
        return new IdentityService(home());
    }

    DeviceService deviceService() {
        return new DeviceService(System.getenv());
    }

    /** The device's key operations, its questions asked on the terminal. */
    DeviceKeys deviceKeys(DeviceOption device) {
        return new TrezorKeys(deviceService(), device.selector, new TerminalInteraction(err()));
    }

    /** The release cache, downloads as BCM_SOCKS_PROXY says. */
    org.bcm.core.release.Releases releases() {
        return org.bcm.core.release.Releases.fromEnvironment(home().cacheDir(), System.getenv());
    }

    ClusterStore clusters() {
        return new ClusterStore(home());
    }

    ClusterService clusterService() {
        return new ClusterService(clusters(), LocalPorts.create(), progress());
    }

    /** Projects, their secrets kept without the device (or for commands that need none of them). */
    ProjectService projectService() {
        return projectService(new DeviceOption());
    }

    /** Projects, their secrets decrypted (with an identity) on the device {@code device} chooses, when a command needs them. */
    ProjectService projectService(DeviceOption device) {
        return new ProjectService(new ProjectStore(home()), projectSecrets(device), clusterService(), progress());
    }

    ProjectSecrets projectSecrets(DeviceOption device) {
        return new ProjectSecrets(home(), identities(), () -> deviceKeys(device));
    }

    /**
     * For the agents that run for hours: their requests and device prompts (INFO of
     * {@code org.bcm.core.identity}) go to standard error too, unless BCM_LOG_LEVEL says otherwise.
     */
    static void agentLogging() {
        if (System.getenv("BCM_LOG_LEVEL") == null) {
            ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.bcm.core.identity"))
                    .setLevel(ch.qos.logback.classic.Level.INFO);
        }
    }

    /** Progress on standard error, one line per event. */
    Progress progress() {
        PrintWriter err = err();
        return (step, message) -> {
            err.println("[" + step + "] " + message);
            err.flush();
        };
    }
}
