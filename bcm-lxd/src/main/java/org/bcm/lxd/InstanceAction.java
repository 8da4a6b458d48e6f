package org.bcm.lxd;

import java.util.Locale;

/** State changes for {@link LxdClient#changeState} (LXD: PUT /1.0/instances/NAME/state). */
public enum InstanceAction {
    START, STOP, RESTART, FREEZE, UNFREEZE;

    /** The word LXD expects in the {@code action} field. */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** For messages: "starting", "stopping"... */
    String gerund() {
        return switch (this) {
            case START -> "starting";
            case STOP -> "stopping";
            case RESTART -> "restarting";
            case FREEZE -> "freezing";
            case UNFREEZE -> "unfreezing";
        };
    }
}
