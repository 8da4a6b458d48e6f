package org.bcm.lxd;

/**
 * The local image an instance is created from: exactly one of an alias or a fingerprint.
 *
 * @param alias image alias, or {@code null}
 * @param fingerprint image fingerprint (full or unambiguous prefix), or {@code null}
 */
public record ImageSource(String alias, String fingerprint) {
    public ImageSource {
        if ((alias == null) == (fingerprint == null)) {
            throw new IllegalArgumentException("give exactly one of alias or fingerprint");
        }
    }

    /** An image known by its alias. */
    public static ImageSource alias(String alias) {
        return new ImageSource(alias, null);
    }

    /** An image known by its fingerprint. */
    public static ImageSource fingerprint(String fingerprint) {
        return new ImageSource(null, fingerprint);
    }

    @Override
    public String toString() {
        return alias != null ? "alias " + alias : "fingerprint " + fingerprint;
    }
}
