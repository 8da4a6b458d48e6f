package org.bcm.lxd;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An image in the image store.
 *
 * @param fingerprint SHA-256 (hex, 64 characters) of the image files
 * @param aliases alias names pointing at the image
 * @param properties image properties ({@code os}, {@code description}, ...)
 * @param size size in bytes
 * @param architecture e.g. {@code "x86_64"}
 * @param type {@code "container"} or {@code "virtual-machine"}
 * @param filename the file name it was uploaded as
 * @param createdAt creation date from the image metadata, or {@code null} if LXD reports none
 * @param uploadedAt when it was imported, or {@code null}
 */
public record Image(String fingerprint, List<String> aliases, Map<String, String> properties, long size,
                    String architecture, String type, String filename, Instant createdAt, Instant uploadedAt) {
    public Image {
        aliases = List.copyOf(aliases);
        properties = Map.copyOf(properties);
    }
}
