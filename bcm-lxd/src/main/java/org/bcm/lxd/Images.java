package org.bcm.lxd;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import org.bcm.lxd.LxdConnection.Reply;
import org.bcm.lxd.Requests.ImageAliasesPost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The image store (/1.0/images): images by fingerprint or alias, split-image import, aliases. */
final class Images {

    private static final Logger LOG = LoggerFactory.getLogger(LxdClient.class);

    private final LxdConnection lxd;
    private final Operations operations;

    Images(LxdConnection lxd, Operations operations) {
        this.lxd = lxd;
        this.operations = operations;
    }

    /** See {@link LxdClient#images}. */
    List<Image> list() {
        return lxd.list(lxd.scoped("images"), "listing images", Json::image);
    }

    /** See {@link LxdClient#image}. */
    Optional<Image> get(String fingerprint) {
        return lxd.sendOptional(lxd.scoped("images", fingerprint), "getting image " + fingerprint)
                .map(r -> Json.image(r.metadata()));
    }

    /** See {@link LxdClient#imageByAlias}. */
    Optional<Image> byAlias(String alias) {
        return lxd.sendOptional(lxd.scoped("images", "aliases", alias), "getting image alias '" + alias + "'")
                .flatMap(r -> get(Json.text(r.metadata(), "target")));
    }

    /** See {@link LxdClient#importImage}. */
    Image importSplit(Path metadataTarball, Path rootfsTarball, Map<String, String> properties,
                      LongConsumer bytesUploaded, Duration timeout) {
        String attempted = "importing image from " + metadataTarball.getFileName() + " and "
                + rootfsTarball.getFileName();
        long start = System.nanoTime();
        String fingerprint;
        RequestBody body;
        try {
            fingerprint = splitImageFingerprint(metadataTarball, rootfsTarball);
            Optional<Image> existing = get(fingerprint);
            if (existing.isPresent()) {
                LOG.debug("image {} already present, not uploading", fingerprint);
                return existing.get();
            }
            AtomicLong sent = new AtomicLong();
            body = new MultipartBody.Builder()
                    .setType(MultipartBody.FORM)
                    .addFormDataPart("metadata", metadataTarball.getFileName().toString(),
                            new ProgressFileBody(metadataTarball, sent, bytesUploaded))
                    .addFormDataPart("rootfs", rootfsTarball.getFileName().toString(),
                            new ProgressFileBody(rootfsTarball, sent, bytesUploaded))
                    .build();
        } catch (IOException e) {
            throw new LxdException("Failed " + attempted + ": cannot read " + e.getMessage(), 0, null, e);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        if (properties != null && !properties.isEmpty()) {
            headers.put("X-LXD-properties", encodeProperties(properties));
        }
        headers.put("X-LXD-public", "false");
        OkHttpClient upload = lxd.http().newBuilder().callTimeout(timeout).writeTimeout(timeout).build();
        Reply reply = lxd.send(upload, "POST", lxd.scoped("images"), body, headers, attempted);
        Duration left = timeout.minusNanos(System.nanoTime() - start);
        Operation op = operations.from(reply, attempted).await(left.isNegative() ? Duration.ofSeconds(1) : left);
        Object fp = op.metadata().get("fingerprint");
        String actual = fp == null ? fingerprint : fp.toString();
        return get(actual).orElseThrow(() ->
                new LxdException("Failed " + attempted + ": image " + actual + " not found after import", 404));
    }

    /** LXD's fingerprint of a split image: SHA-256 over the metadata tarball followed by the rootfs tarball. */
    static String splitImageFingerprint(Path metadataTarball, Path rootfsTarball) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (Path p : List.of(metadataTarball, rootfsTarball)) {
                try (InputStream in = Files.newInputStream(p)) {
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        sha.update(buffer, 0, n);
                    }
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The {@code X-LXD-properties} header: the properties as a URL-encoded query string
     * ({@code key=value&...}, keys sorted, UTF-8, space as {@code +}), as Go's {@code
     * url.Values.Encode} writes it.
     */
    static String encodeProperties(Map<String, String> properties) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(properties).entrySet()) {
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue() == null ? "" : e.getValue(), StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    /** See {@link LxdClient#createImageAlias}. */
    Operation createAlias(String alias, String fingerprint, String description) {
        ImageAliasesPost body = new ImageAliasesPost(alias, fingerprint, description == null ? "" : description);
        return operations.start("POST", lxd.scoped("images", "aliases"), LxdConnection.json(body), null,
                "creating image alias '" + alias + "'");
    }

    /** See {@link LxdClient#deleteImageAlias}. */
    Operation deleteAlias(String alias) {
        return operations.start("DELETE", lxd.scoped("images", "aliases", alias), null, null,
                "deleting image alias '" + alias + "'");
    }

    /** See {@link LxdClient#deleteImage}. */
    Operation delete(String fingerprint) {
        return operations.start("DELETE", lxd.scoped("images", fingerprint), null, null,
                "deleting image " + fingerprint);
    }
}
