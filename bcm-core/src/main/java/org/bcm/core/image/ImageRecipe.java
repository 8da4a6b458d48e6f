package org.bcm.core.image;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bcm.core.BcmException;
import org.bcm.core.Sha256;

/**
 * The recipe of a Debian-based root filesystem: what debootstrap installs and which files are laid
 * on top. Read from YAML (see {@code stacks/base/lxd-image.yml}); identified by the SHA-256 of
 * the recipe's bytes, so any edit yields a new image and an unchanged recipe reuses the cached one.
 *
 * @param distribution always {@code debian} for now
 * @param suite        the Debian suite, e.g. {@code bookworm}
 * @param variant      the debootstrap variant, e.g. {@code minbase}
 * @param mirror       the Debian mirror URL
 * @param packages     packages installed on top of the variant
 * @param services     systemd units enabled in the image
 * @param files        absolute path in the image to file content
 * @param templates    absolute path to an LXD template (pongo2) rendered when an instance is created
 * @param hash         lower-case hex SHA-256 of the recipe's bytes
 */
public record ImageRecipe(
        String distribution,
        String suite,
        String variant,
        String mirror,
        List<String> packages,
        List<String> services,
        Map<String, String> files,
        Map<String, String> templates,
        String hash) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ImageRecipe {
        packages = packages == null ? List.of() : List.copyOf(packages);
        services = services == null ? List.of() : List.copyOf(services);
        files = files == null ? Map.of() : new TreeMap<>(files);
        templates = templates == null ? Map.of() : new TreeMap<>(templates);
    }

    /** The recipe of the tier-host base image, shipped in the bcm jar from {@code stacks/base/lxd-image.yml}. */
    public static ImageRecipe baseImage() {
        return fromResource("bcm/stacks/base/lxd-image.yml");
    }

    /**
     * Reads a recipe from the class path.
     *
     * @throws BcmException INVALID_INPUT when it is missing or malformed
     */
    public static ImageRecipe fromResource(String resource) {
        try (InputStream in = ImageRecipe.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new BcmException(BcmException.Kind.INTERNAL, "Image recipe " + resource + " is not in the bcm distribution",
                        "rebuild bcm with scripts/install.sh");
            }
            return parse(in.readAllBytes(), resource);
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "Failed reading image recipe " + resource, null, e);
        }
    }

    /**
     * Parses recipe YAML.
     *
     * @param origin names the source in error messages
     * @throws BcmException INVALID_INPUT when the YAML is malformed or lacks suite, variant or mirror
     */
    public static ImageRecipe parse(byte[] yaml, String origin) {
        Fields f;
        try {
            f = YAML.readValue(yaml, Fields.class);
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INVALID_INPUT, "Malformed image recipe " + origin + ": " + e.getMessage(),
                    "fix the YAML", e);
        }
        if (f == null || f.suite == null || f.variant == null || f.mirror == null) {
            throw new BcmException(BcmException.Kind.INVALID_INPUT,
                    "Image recipe " + origin + " must name suite, variant and mirror", "add the missing keys");
        }
        for (String path : concat(f.files, f.templates)) {
            if (!path.startsWith("/") || path.contains("..")) {
                throw new BcmException(BcmException.Kind.INVALID_INPUT,
                        "Image recipe " + origin + ": file path '" + path + "' must be absolute and must not contain '..'",
                        "fix the path");
            }
        }
        return new ImageRecipe(f.distribution, f.suite, f.variant, f.mirror, f.packages, f.services, f.files,
                f.templates, Sha256.hex(yaml));
    }

    /** The LXD alias of the image built from this recipe: {@code <prefix>-<first 12 hex digits of the hash>}. */
    public String alias(String prefix) {
        return prefix + "-" + hash.substring(0, 12);
    }


    private static List<String> concat(Map<String, String> a, Map<String, String> b) {
        List<String> all = new java.util.ArrayList<>();
        if (a != null) {
            all.addAll(a.keySet());
        }
        if (b != null) {
            all.addAll(b.keySet());
        }
        return all;
    }

    /** The YAML shape. */
    private static final class Fields {
        public String distribution;
        public String suite;
        public String variant;
        public String mirror;
        public List<String> packages;
        public List<String> services;
        public Map<String, String> files;
        public Map<String, String> templates;
    }
}
