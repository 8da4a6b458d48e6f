package org.bcm.core.lightning;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Sha256;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.identity.OpenPgpFiles;

/**
 * The static channel backups of a project's Lightning node, kept on the controller encrypted to the
 * operator's OpenPGP identity (its key on the Trezor): Core Lightning's {@code emergency.recover}
 * (since v0.12.0) and lnd's {@code channel.backup} (docs/recovery.md), which each node rewrites whenever
 * a channel opens or closes.
 *
 * <p>{@link #take} reads the file from the node's container through the engine, and when its content
 * changed since the last backup, writes it as an OpenPGP message ({@link OpenPgpFiles#encrypt}, readable
 * by {@code gpg --decrypt} through bcm's agent) to {@code <bcm home>/backups/<project>/} and, when asked,
 * to a second directory, keeping the newest {@code keep} of each. A backup is named
 * {@code <UTC time>-<first 16 hex of the SHA-256 of its content>-<file name>.gpg}, so its content is
 * checked again at {@link #verify} and {@link #restore}. Once, beside them, the node's secret (Core
 * Lightning's {@code hsm_secret} as 64 hex digits; lnd's BIP-32 root key and its birthday) as
 * {@code node-secret-<implementation>-<the project's creation, UTC>.gpg}, taken from the project's secrets (the device decrypts it,
 * once per directory): with it and the newest backup, the node's funds can be recovered without bcm
 * (docs/lightning.md).
 */
public final class ChannelBackups {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern NAME = Pattern.compile("(\\d{8}T\\d{9}Z)-([0-9a-f]{16})-(emergency\\.recover|channel\\.backup)\\.gpg");

    private final BcmHome home;
    private final LightningService lightning;
    private final OpenPgpFiles openPgp;
    /** Per project, the hash this instance last told the node's exporter ({@code bcm backup watch} tells it once per change). */
    private final java.util.Map<String, String> recorded = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param openPgp the operator's identity ({@link OpenPgpFiles#of}: NOT_FOUND before {@code bcm init})
     */
    public ChannelBackups(BcmHome home, LightningService lightning, OpenPgpFiles openPgp) {
        this.home = home;
        this.lightning = lightning;
        this.openPgp = openPgp;
    }

    /**
     * One backup on the controller.
     *
     * @param file    its path
     * @param taken   when bcm took it (UTC, from its name)
     * @param sha256  the first 16 hex digits of the SHA-256 of the node's file
     * @param scb     the node's file name: {@code emergency.recover} or {@code channel.backup}
     */
    public record Backup(Path file, Instant taken, String sha256, String scb) {
    }

    /**
     * What {@link #take} did.
     *
     * @param backup  the newest backup, or null when the node has written no static channel backup yet
     * @param created whether it was made now (else the node's file had not changed)
     * @param problem why the node's secret is not beside the backups yet (the device did not decrypt it),
     *                or null; the channel backups are taken all the same, and the next take tries again
     * @param unrecorded why the node's exporter could not be told which file the newest backup holds
     *                ({@link LightningService#recordBackup}), or null; the next take tries again
     */
    public record Taken(Backup backup, boolean created, String problem, String unrecorded) {
    }

    /** The directory of a project's backups: {@code <bcm home>/backups/<project>/}. */
    public Path directory(String project) {
        return home.root().resolve("backups").resolve(project);
    }

    /**
     * Backs up the node's static channel backup when it changed since the newest backup, and tells the
     * node's exporter which file the newest backup holds, unless this instance told it that already (the
     * monitoring stack alerts when the node's file changed and no backup took it within the lightning
     * stack's {@code BACKUP_WITHIN_MINUTES}).
     *
     * @param cluster the cluster, or null for the only one the project is deployed on
     * @param keep    how many backups to keep in each directory (at least 1)
     * @param copyTo  a second directory to keep them in too (e.g. an offsite disk), or null
     * @param withNodeSecret whether to write the node's secret where it is missing (the device may be asked)
     * @throws BcmException NOT_FOUND (project, lightning stack, no running node; copyTo missing),
     *     INVALID_INPUT (keep), DOCKER_FAILED, INTERNAL (a file cannot be written)
     */
    public Taken take(String project, String cluster, int keep, Path copyTo, boolean withNodeSecret) {
        if (keep < 1) {
            throw new BcmException(Kind.INVALID_INPUT, "--keep must be at least 1, not " + keep, "keep at least the newest backup");
        }
        if (copyTo != null && !Files.isDirectory(copyTo)) {
            throw new BcmException(Kind.NOT_FOUND, "The directory " + copyTo + " does not exist", "mount or create it, or leave out --copy-to");
        }
        LightningNode node = lightning.node(project);
        Optional<byte[]> content = lightning.readFile(project, cluster, node, node.staticChannelBackup());
        if (content.isEmpty()) {
            return new Taken(null, false, null, null);
        }
        List<Path> dirs = new ArrayList<>(List.of(directory(project)));
        if (copyTo != null) {
            dirs.add(copyTo.resolve(project));
        }
        String sha = Sha256.hex(content.get()).substring(0, 16);
        String scb = node.staticChannelBackup().substring(node.staticChannelBackup().lastIndexOf('/') + 1);
        Optional<Backup> newest = newest(project);
        boolean changed = newest.isEmpty() || !newest.get().sha256().equals(sha);
        Backup backup = changed ? null : newest.get();
        String problem = null;
        for (Path dir : dirs) {
            try {
                Files.createDirectories(dir);
                try {
                    if (withNodeSecret) {
                        writeNodeSecretOnce(project, node, dir);
                    }
                } catch (BcmException e) {
                    if (!DEVICE_KINDS.contains(e.kind())) {
                        throw e;
                    }
                    problem = "the node's secret is not in " + dir + " yet: " + e.getMessage();
                }
                if (changed) {
                    Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
                    Path file = dir.resolve(TIME.format(now) + "-" + sha + "-" + scb + ".gpg");
                    encryptTo(file, content.get(), scb);
                    if (dir.equals(directory(project))) {
                        backup = new Backup(file, now, sha, scb);
                    }
                }
                rotate(dir, keep);
            } catch (IOException e) {
                throw new BcmException(Kind.INTERNAL, "Cannot write the backup into " + dir + ": " + e.getMessage(),
                        "check the directory's space and permissions, then take the backup again", e);
            }
        }
        String unrecorded = null;
        if (!sha.equals(recorded.get(project))) {
            try {
                lightning.recordBackup(project, cluster, node, sha, Instant.now());
                recorded.put(project, sha);
            } catch (BcmException e) {
                unrecorded = e.getMessage();
            }
        }
        return new Taken(backup, changed, problem, unrecorded);
    }

    /** What a device that does not decrypt ends in: the backup goes on without the node's secret. */
    private static final java.util.Set<Kind> DEVICE_KINDS = java.util.EnumSet.of(Kind.DEVICE_UNAVAILABLE, Kind.DEVICE_CANCELLED,
            Kind.WRONG_PIN, Kind.DEVICE_FAILED, Kind.TIMEOUT);

    /**
     * The node's secret, encrypted, once per directory (the project's secrets keep it too), named by the
     * implementation and the project's creation: a project destroyed and made again has another secret.
     */
    private void writeNodeSecretOnce(String project, LightningNode node, Path dir) throws IOException {
        Path file = dir.resolve("node-secret-" + node.implementation().value() + "-"
                + TIME.format(lightning.projectCreated(project)).replaceFirst("\\d{3}Z$", "Z") + ".gpg");
        if (Files.exists(file)) {
            return;
        }
        Optional<byte[]> secret = lightning.nodeSecret(project, node);
        if (secret.isPresent()) {
            encryptTo(file, secret.get(), file.getFileName().toString().replace(".gpg", ""));
        }
    }

    private void encryptTo(Path file, byte[] content, String name) throws IOException {
        BcmHome.createNew(file, true, out -> openPgp.encrypt(new ByteArrayInputStream(content), out, name, false));
    }

    /** Deletes all but the newest {@code keep} backups of a directory (never the node secret). */
    private static void rotate(Path dir, int keep) throws IOException {
        List<Path> backups = backups(dir).stream().map(Backup::file).toList();
        for (int i = 0; i < backups.size() - keep; i++) {
            Files.deleteIfExists(backups.get(i));
        }
    }

    /** The backups of a directory, oldest first. */
    private static List<Backup> backups(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Backup> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                Matcher m = NAME.matcher(file.getFileName().toString());
                if (m.matches()) {
                    all.add(new Backup(file, Instant.from(TIME.parse(m.group(1))), m.group(2), m.group(3)));
                }
            }
        }
        return all;
    }

    /**
     * A project's backups on the controller, oldest first.
     *
     * @throws BcmException INTERNAL when the directory cannot be read
     */
    public List<Backup> list(String project) {
        try {
            return backups(directory(project));
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Cannot read " + directory(project) + ": " + e.getMessage(), "check its permissions", e);
        }
    }

    private Optional<Backup> newest(String project) {
        List<Backup> all = list(project);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * The backup a command names: the file given, else the project's newest.
     *
     * @throws BcmException NOT_FOUND when there is none or the file does not exist; INVALID_INPUT for a
     *     file whose name is not a backup's
     */
    public Backup choose(String project, Path file) {
        if (file == null) {
            return newest(project).orElseThrow(() -> new BcmException(Kind.NOT_FOUND, "Project '" + project + "' has no backup in "
                    + directory(project), "take one: bcm backup take --project-name=" + project));
        }
        if (!Files.isRegularFile(file)) {
            throw new BcmException(Kind.NOT_FOUND, file + ": no such file", "give a backup of 'bcm backup list'");
        }
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
            throw new BcmException(Kind.INVALID_INPUT, file + " is not named as bcm names a backup (TIME-SHA256-FILE.gpg)",
                    "give a backup of 'bcm backup list'");
        }
        return new Backup(file, Instant.from(TIME.parse(m.group(1))), m.group(2), m.group(3));
    }

    /**
     * The backup's content, decrypted through the device and checked against the hash in its name.
     *
     * @throws BcmException VERIFY_FAILED when the content is not what was backed up; INVALID_INPUT for a
     *     message not encrypted to the identity; a device error kind
     */
    public byte[] decrypt(Backup backup, DeviceKeys keys) {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (InputStream in = Files.newInputStream(backup.file())) {
            openPgp.decrypt(in, plain, keys);
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Cannot read " + backup.file() + ": " + e.getMessage(), "check its permissions", e);
        }
        byte[] content = plain.toByteArray();
        if (!Sha256.hex(content).startsWith(backup.sha256())) {
            throw new BcmException(Kind.VERIFY_FAILED, backup.file() + " decrypts to content whose SHA-256 is not " + backup.sha256()
                    + "...: it is not the backup bcm took", "use another backup of 'bcm backup list'");
        }
        return content;
    }

    /**
     * What {@link #verify} found.
     *
     * @param bytes   the size of the node's file
     * @param checked how the implementation's file was checked
     */
    public record Verified(Backup backup, int bytes, String checked) {
    }

    /**
     * Decrypts a backup through the device, checks its hash, and has the running node check it with
     * its implementation's own tools: lnd's {@code lncli verifychanbackup}; for Core Lightning, first its
     * format (a 24-byte XChaCha20-Poly1305 secretstream header, the record of at least 14 bytes, a 17-byte
     * tag: plugins/chanbackup.c), then {@code lightning-hsmtool getemergencyrecover} and
     * {@code lightning-cli decode}, which only the node whose secret made the file can decode.
     *
     * @param cluster the cluster of the running node, or null for the only one the project is deployed on
     * @throws BcmException VERIFY_FAILED when a check fails; as {@link #decrypt}; as {@link LightningService#view}
     */
    public Verified verify(String project, String cluster, Backup backup, DeviceKeys keys) {
        LightningNode node = requireImplementationOf(project, backup);
        byte[] content = decrypt(backup, keys);
        if (node.implementation() == LightningNode.Implementation.CLN && content.length < 24 + 14 + 17) {
            throw new BcmException(Kind.VERIFY_FAILED, backup.file() + " holds " + content.length + " bytes, too few for Core Lightning's"
                    + " emergency.recover (a 24-byte header, the record, a 17-byte tag)", "use another backup of 'bcm backup list'");
        }
        try {
            lightning.run(project, cluster, node, "verify-backup", content, "to verify the backup");
        } catch (BcmException e) {
            if (e.kind() != Kind.DOCKER_FAILED) {
                throw e;
            }
            throw new BcmException(Kind.VERIFY_FAILED, backup.file() + ": " + e.getMessage(), "use another backup of 'bcm backup list'", e);
        }
        return new Verified(backup, content.length, "SHA-256, and " + (node.implementation() == LightningNode.Implementation.CLN
                ? "the format and lightning-cli decode" : "lncli verifychanbackup") + " in the running node");
    }

    /** The project's node, when the backup is of its implementation's file. */
    private LightningNode requireImplementationOf(String project, Backup backup) {
        LightningNode node = lightning.node(project);
        String expected = node.staticChannelBackup().substring(node.staticChannelBackup().lastIndexOf('/') + 1);
        if (!expected.equals(backup.scb())) {
            throw new BcmException(Kind.VERIFY_FAILED, backup.file() + " is a " + backup.scb() + ", but the project's node ("
                    + node.implementation().value() + ") keeps a " + expected, "use it with a node of its implementation");
        }
        return node;
    }

    /**
     * Gives the running node the backup and starts its recovery: Core Lightning's
     * {@code emergency.recover} replaced, then {@code lightning-cli emergencyrecover}; lnd's
     * {@code lncli restorechanbackup}. The node must run with the project's node secret (a new cluster's
     * deploy of the same project gives it that); the peers then force-close the channels and the funds
     * come back on chain (docs/lightning.md).
     *
     * @return what the node answered
     * @throws BcmException VERIFY_FAILED when the backup is another implementation's; as {@link #decrypt}
     *     and {@link LightningService#view}
     */
    public com.fasterxml.jackson.databind.JsonNode restore(String project, String cluster, Backup backup, DeviceKeys keys) {
        LightningNode node = requireImplementationOf(project, backup);
        byte[] content = decrypt(backup, keys);
        return lightning.run(project, cluster, node, "restore-backup", content, "the backup (" + (node.implementation()
                == LightningNode.Implementation.CLN ? "lightning-cli emergencyrecover" : "lncli restorechanbackup") + ")");
    }
}
