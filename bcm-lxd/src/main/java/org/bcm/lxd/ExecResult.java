package org.bcm.lxd;

/**
 * Outcome of {@link LxdClient#exec}.
 *
 * @param exitCode the command's exit code (127 when the command was not found)
 * @param stdout everything the command wrote to standard output (UTF-8)
 * @param stderr everything the command wrote to standard error (UTF-8)
 */
public record ExecResult(int exitCode, String stdout, String stderr) {
    /** True when the command exited with code 0. */
    public boolean succeeded() {
        return exitCode == 0;
    }
}
