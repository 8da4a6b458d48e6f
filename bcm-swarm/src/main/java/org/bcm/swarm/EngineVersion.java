package org.bcm.swarm;

/**
 * The engine's version as reported by {@code GET /version}.
 *
 * @param version engine version, for example {@code "20.10.24+dfsg1"}
 * @param apiVersion highest Engine API version the engine speaks, for example {@code "1.41"}
 * @param minApiVersion lowest Engine API version the engine accepts, for example {@code "1.12"}
 * @param os operating system, for example {@code "linux"}
 * @param arch architecture, for example {@code "amd64"}
 * @param kernelVersion kernel version of the host the engine runs on
 */
public record EngineVersion(
        String version,
        String apiVersion,
        String minApiVersion,
        String os,
        String arch,
        String kernelVersion) {}
