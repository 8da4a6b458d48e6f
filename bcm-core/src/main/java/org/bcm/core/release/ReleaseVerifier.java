package org.bcm.core.release;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Sha256;
import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPSignatureSubpacketVector;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;

/**
 * Verifies the files of an upstream release against its {@link ReleaseSpec}, with BouncyCastle's
 * OpenPGP (RFC 4880) and nothing of the operator's gpg keyring:
 *
 * <ol>
 *   <li>the pinned keys: every key file holds only keys whose primary fingerprint is a pinned
 *       signer's, and every signer has its key;</li>
 *   <li>the signatures over the checksum file: each signature whose issuer is a pinned key (the
 *       primary key or a signing subkey bound to it, with its back-signature, RFC 4880 5.2.1 types
 *       0x18 and 0x19) is checked; a BAD one refuses the release (as {@code gpg --verify}'s exit code
 *       does for Core's {@code contrib/verify-binaries/verify.py}); a good one counts for its signer
 *       when the key was neither revoked nor expired when it signed and the hash is not MD5, SHA-1 or
 *       RIPEMD-160. Signatures by keys that are not pinned never count (unlike {@code verify.py},
 *       which counts good signatures by any key gpg has). At least {@code threshold} distinct signers
 *       must count;</li>
 *   <li>the checksum file lists the archive's file name with the pinned SHA-256;</li>
 *   <li>the archive's SHA-256 is the pinned one.</li>
 * </ol>
 *
 * Every refusal is a {@link BcmException} of kind VERIFY_FAILED whose message names the file, the
 * signer or fingerprint and what was expected (a malformed key file is INVALID_INPUT).
 */
public final class ReleaseVerifier {

    private static final Pattern ARMORED = Pattern.compile(
            "-----BEGIN PGP (SIGNATURE|PUBLIC KEY BLOCK)-----\\R.*?-----END PGP \\1-----", Pattern.DOTALL);
    private static final Set<Integer> WEAK_HASHES = Set.of(HashAlgorithmTags.MD5, HashAlgorithmTags.SHA1, HashAlgorithmTags.RIPEMD160);
    private static final Pattern SUMS_LINE = Pattern.compile("([0-9a-fA-F]{64}) [ *]?(\\S.*)");

    private ReleaseVerifier() {
    }

    /**
     * What a verification established.
     *
     * @param sha256  the archive's SHA-256
     * @param signers the pinned signers whose good signatures counted, in recipe order
     */
    public record Verified(String sha256, List<ReleaseSpec.Signer> signers) {
        public Verified {
            signers = List.copyOf(signers);
        }
    }

    /**
     * Steps 1 to 4 on files at hand.
     *
     * @param signatures signature file name to content, at least one
     * @throws BcmException VERIFY_FAILED for a bad hash, a missing or bad signature, too few signers,
     *     an unknown key, or a checksum file that does not list the pinned hash; INVALID_INPUT for a
     *     key file that is not an OpenPGP public key
     */
    public static Verified verify(ReleaseSpec spec, Path archive, byte[] checksums, Map<String, byte[]> signatures) {
        List<ReleaseSpec.Signer> signers = verifySigned(spec, checksums, signatures);
        verifyArchive(spec, archive);
        return new Verified(spec.sha256(), signers);
    }

    /**
     * Steps 1 to 3: the signatures over the checksum file and its line for the archive, before the
     * archive is at hand (so that a download of a release that would be refused is not started).
     *
     * @return the signers whose signatures counted
     * @throws BcmException as {@link #verify}
     */
    public static List<ReleaseSpec.Signer> verifySigned(ReleaseSpec spec, byte[] checksums, Map<String, byte[]> signatures) {
        Map<String, PGPPublicKeyRing> keys = pinnedKeys(spec);
        List<Named> all = new ArrayList<>();
        for (var file : signatures.entrySet()) {
            List<PGPSignature> found = signatures(file.getValue());
            if (found.isEmpty()) {
                throw new BcmException(Kind.VERIFY_FAILED, "Missing signature: " + file.getKey() + " of " + spec.title()
                        + " holds no OpenPGP signature", "fetch it again from " + url(spec, file.getKey()) + " (" + spec.origin() + ")");
            }
            found.forEach(signature -> all.add(new Named(file.getKey(), signature)));
        }
        if (all.isEmpty()) {
            throw new BcmException(Kind.VERIFY_FAILED, "Missing signature: no signature over " + spec.checksumsName() + " of "
                    + spec.title() + " was given", "fetch " + String.join(" and ", spec.signatureUrls()));
        }
        Set<ReleaseSpec.Signer> good = new LinkedHashSet<>();
        Set<String> unknown = new LinkedHashSet<>();
        List<String> notCounted = new ArrayList<>();
        for (Named named : all) {
            PGPSignature signature = named.signature();
            long keyId = issuer(signature);
            List<PGPPublicKeyRing> owners = keys.values().stream().filter(ring -> ring.getPublicKey(keyId) != null).toList();
            if (owners.isEmpty()) {
                unknown.add(String.format("%016X", keyId));
                continue;
            }
            if (owners.size() > 1) {
                throw new BcmException(Kind.VERIFY_FAILED, "The key " + String.format("%016X", keyId) + " that signed "
                        + named.file() + " is in two pinned keys: " + owners.stream().map(ReleaseVerifier::fingerprint).toList(),
                        "fix the key files in " + spec.keys() + " (" + spec.origin() + ")");
            }
            PGPPublicKeyRing ring = owners.get(0);
            ReleaseSpec.Signer signer = spec.signer(fingerprint(ring));
            String who = signer.name() + " (" + signer.fingerprint() + ")";
            if (!check(signature, ring.getPublicKey(keyId), checksums)) {
                throw new BcmException(Kind.VERIFY_FAILED, "BAD signature by " + who + " in " + named.file() + ": "
                        + spec.checksumsName() + " of " + spec.title() + " is not what " + signer.name() + " signed",
                        "the checksum file or the signature was changed or damaged: fetch both again from "
                                + spec.checksumsUrl() + " and " + url(spec, named.file()) + "; if it stays bad, do not use this release");
            }
            String problem = problem(signature, ring, ring.getPublicKey(keyId));
            if (problem != null) {
                notCounted.add(signer.name() + ": " + problem);
            } else {
                good.add(signer);
            }
        }
        if (good.size() < spec.threshold()) {
            String others = (unknown.isEmpty() ? "" : "; signatures by keys the recipe does not pin do not count: "
                    + String.join(", ", unknown)) + (notCounted.isEmpty() ? "" : "; not counted: " + String.join(", ", notCounted));
            if (good.isEmpty() && notCounted.isEmpty() && !unknown.isEmpty()) {
                throw new BcmException(Kind.VERIFY_FAILED, "Unknown key: " + spec.checksumsName() + " of " + spec.title()
                        + " is signed only by keys the recipe does not pin (" + String.join(", ", unknown) + ")",
                        "the signatures are not by the pinned signers " + names(spec.signers()) + " of " + spec.origin()
                                + ": fetch the signatures from " + String.join(" and ", spec.signatureUrls()));
            }
            throw new BcmException(Kind.VERIFY_FAILED, "Too few signers: " + spec.checksumsName() + " of " + spec.title()
                    + " has good signatures by " + good.size() + " of the pinned signers" + (good.isEmpty() ? "" : " (" + names(good) + ")")
                    + ", the recipe requires " + spec.threshold() + others,
                    "fetch the signatures again from " + String.join(" and ", spec.signatureUrls()) + "; pinned signers: "
                            + names(spec.signers()) + " (" + spec.origin() + ")");
        }
        checkListing(spec, checksums, good);
        return spec.signers().stream().filter(good::contains).toList();
    }

    /**
     * Step 4: the archive's SHA-256 is the pinned one.
     *
     * @throws BcmException VERIFY_FAILED (a bad hash) naming both hashes
     */
    public static void verifyArchive(ReleaseSpec spec, Path archive) {
        String actual = sha256(archive);
        if (!actual.equals(spec.sha256())) {
            throw new BcmException(Kind.VERIFY_FAILED, "Bad hash: " + archive.getFileName() + " of " + spec.title() + " has SHA-256 "
                    + actual + ", but " + spec.origin() + " pins " + spec.sha256(),
                    "the file is damaged or not the release: fetch it again from " + spec.archiveUrl());
        }
    }

    /** The SHA-256 of a file, lower-case hex. */
    public static String sha256(Path file) {
        try {
            return Sha256.hex(file);
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Failed reading " + file + ": " + e.getMessage(), null, e);
        }
    }

    /**
     * The pinned keys by primary fingerprint: every key of every key file must be a pinned signer's,
     * and every signer must have one.
     *
     * @throws BcmException VERIFY_FAILED for a key that is not pinned or a signer without a key;
     *     INVALID_INPUT for a file that holds no public key
     */
    static Map<String, PGPPublicKeyRing> pinnedKeys(ReleaseSpec spec) {
        Map<String, PGPPublicKeyRing> keys = new LinkedHashMap<>();
        for (ReleaseSpec.KeyFile file : spec.keyFiles()) {
            List<PGPPublicKeyRing> rings = publicKeys(file.content(), file.name(), spec);
            for (PGPPublicKeyRing ring : rings) {
                String fingerprint = fingerprint(ring);
                if (spec.signer(fingerprint) == null) {
                    throw new BcmException(Kind.VERIFY_FAILED, "Unknown key: the key file " + file.name() + " in " + spec.keys()
                            + " holds the key " + fingerprint + ", which " + spec.origin() + " does not pin among the signers of "
                            + spec.title(), "add {name, fingerprint: " + fingerprint + "} to signers when you trust it, or remove the file");
                }
                keys.put(fingerprint, ring);
            }
        }
        for (ReleaseSpec.Signer signer : spec.signers()) {
            if (!keys.containsKey(signer.fingerprint())) {
                throw new BcmException(Kind.VERIFY_FAILED, "The pinned signer " + signer.name() + " (" + signer.fingerprint()
                        + ") of " + spec.title() + " has no key in " + spec.keys(),
                        "add the signer's public key file to " + spec.keys() + " (" + spec.origin() + ")");
            }
        }
        return keys;
    }

    /** The v4 fingerprint of a certificate's primary key, 40 upper-case hex digits. */
    static String fingerprint(PGPPublicKeyRing ring) {
        return HexFormat.of().withUpperCase().formatHex(ring.getPublicKey().getFingerprint());
    }

    private static List<PGPPublicKeyRing> publicKeys(byte[] content, String name, ReleaseSpec spec) {
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        try {
            for (byte[] packets : packets(content)) {
                BcPGPObjectFactory factory = new BcPGPObjectFactory(packets);
                for (Object o; (o = factory.nextObject()) != null; ) {
                    if (o instanceof PGPPublicKeyRing ring) {
                        rings.add(ring);
                    } else if (!(o instanceof PGPMarker)) {
                        throw new IOException("it holds a " + o.getClass().getSimpleName());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new BcmException(Kind.INVALID_INPUT, "The key file " + name + " in " + spec.keys() + " (" + spec.origin()
                    + ") is not an OpenPGP public key: " + e.getMessage(), "put only the signers' public keys there", e);
        }
        if (rings.isEmpty()) {
            throw new BcmException(Kind.INVALID_INPUT, "The key file " + name + " in " + spec.keys() + " (" + spec.origin()
                    + ") holds no OpenPGP public key", "put only the signers' public keys there");
        }
        return rings;
    }

    /** Every signature in a signature file: binary packets, or one or more armored blocks (concatenated as in Core's SHA256SUMS.asc). */
    static List<PGPSignature> signatures(byte[] content) {
        List<PGPSignature> found = new ArrayList<>();
        try {
            for (byte[] packets : packets(content)) {
                BcPGPObjectFactory factory = new BcPGPObjectFactory(packets);
                for (Object o; (o = factory.nextObject()) != null; ) {
                    if (o instanceof PGPSignatureList list) {
                        list.forEach(found::add);
                    } else if (!(o instanceof PGPMarker)) {
                        return List.of();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return found;
        }
        return found;
    }

    /** The binary packets of a file: each armored block decoded, or the bytes themselves when it has none. */
    private static List<byte[]> packets(byte[] content) throws IOException {
        String text = new String(content, StandardCharsets.ISO_8859_1);
        if (!text.contains("-----BEGIN PGP ")) {
            return List.of(content);
        }
        List<byte[]> blocks = new ArrayList<>();
        Matcher block = ARMORED.matcher(text);
        while (block.find()) {
            try (ArmoredInputStream armored = ArmoredInputStream.builder().build(
                    new ByteArrayInputStream(block.group().getBytes(StandardCharsets.ISO_8859_1)))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                armored.transferTo(out);
                blocks.add(out.toByteArray());
            }
        }
        return blocks;
    }

    /** The issuer's key ID: the issuer subpacket, else the low 64 bits of the issuer fingerprint subpacket (RFC 4880bis). */
    private static long issuer(PGPSignature signature) {
        if (signature.getKeyID() != 0) {
            return signature.getKeyID();
        }
        for (PGPSignatureSubpacketVector packets : java.util.Arrays.asList(signature.getHashedSubPackets(), signature.getUnhashedSubPackets())) {
            if (packets != null && packets.getIssuerFingerprint() != null) {
                byte[] fingerprint = packets.getIssuerFingerprint().getFingerprint();
                return fingerprint.length < 8 ? 0 : java.nio.ByteBuffer.wrap(fingerprint, fingerprint.length - 8, 8).getLong();
            }
        }
        return 0;
    }

    /** Whether the signature is a cryptographically good one by {@code key} over {@code data}. */
    private static boolean check(PGPSignature signature, PGPPublicKey key, byte[] data) {
        int type = signature.getSignatureType();
        if (type != PGPSignature.BINARY_DOCUMENT && type != PGPSignature.CANONICAL_TEXT_DOCUMENT) {
            return false;
        }
        try {
            signature.init(new BcPGPContentVerifierBuilderProvider(), key);
            signature.update(type == PGPSignature.CANONICAL_TEXT_DOCUMENT ? canonicalText(data) : data);
            return signature.verify();
        } catch (PGPException | RuntimeException e) {
            return false;
        }
    }

    /** Why a good signature does not count, or null when it does. */
    private static String problem(PGPSignature signature, PGPPublicKeyRing ring, PGPPublicKey key) {
        if (WEAK_HASHES.contains(signature.getHashAlgorithm())) {
            return "a signature with a weak hash (algorithm " + signature.getHashAlgorithm() + ")";
        }
        PGPPublicKey primary = ring.getPublicKey();
        Date signed = signature.getCreationTime();
        if (revoked(primary, null)) {
            return "the key is revoked";
        }
        if (expired(primary, signed)) {
            return "the key had expired when it signed";
        }
        if (key == primary) {
            Integer flags = primaryFlags(primary);
            return flags == null || (flags & KeyFlags.SIGN_DATA) != 0 ? null : "the primary key is not for signing";
        }
        PGPSignature binding = binding(primary, key);
        if (binding == null) {
            return "the subkey " + String.format("%016X", key.getKeyID()) + " is not bound to the key";
        }
        if (revoked(primary, key)) {
            return "the subkey " + String.format("%016X", key.getKeyID()) + " is revoked";
        }
        PGPSignatureSubpacketVector hashed = binding.getHashedSubPackets();
        if (hashed == null || (hashed.getKeyFlags() & KeyFlags.SIGN_DATA) == 0) {
            return "the subkey " + String.format("%016X", key.getKeyID()) + " is not for signing";
        }
        long valid = hashed.getKeyExpirationTime();
        if (valid > 0 && signed.getTime() > key.getCreationTime().getTime() + valid * 1000) {
            return "the subkey " + String.format("%016X", key.getKeyID()) + " had expired when it signed";
        }
        if (!backSigned(primary, key, binding)) {
            return "the subkey " + String.format("%016X", key.getKeyID()) + " has no valid back-signature (0x19)";
        }
        return null;
    }

    /** The key flags of the primary key's newest valid self-signature that has some, or null. */
    private static Integer primaryFlags(PGPPublicKey primary) {
        PGPSignature newest = null;
        for (Iterator<PGPSignature> it = primary.getSignatures(); it.hasNext(); ) {
            PGPSignature sig = it.next();
            if (sig.getKeyID() == primary.getKeyID() && sig.getHashedSubPackets() != null
                    && sig.getHashedSubPackets().getKeyFlags() != 0 && (newest == null || sig.getCreationTime().after(newest.getCreationTime()))) {
                newest = sig;
            }
        }
        return newest == null ? null : newest.getHashedSubPackets().getKeyFlags();
    }

    /** The newest subkey binding signature (0x18) by the primary key that verifies, or null. */
    private static PGPSignature binding(PGPPublicKey primary, PGPPublicKey subkey) {
        PGPSignature newest = null;
        for (Iterator<PGPSignature> it = subkey.getSignaturesOfType(PGPSignature.SUBKEY_BINDING); it.hasNext(); ) {
            PGPSignature sig = it.next();
            try {
                sig.init(new BcPGPContentVerifierBuilderProvider(), primary);
                if (sig.verifyCertification(primary, subkey) && (newest == null || sig.getCreationTime().after(newest.getCreationTime()))) {
                    newest = sig;
                }
            } catch (PGPException | RuntimeException e) {
                // not a valid binding
            }
        }
        return newest;
    }

    /**
     * Whether the binding carries a valid primary key binding signature (0x19) made by the subkey, in
     * its hashed or unhashed area (GnuPG puts it in the unhashed one: it is a signature itself).
     */
    private static boolean backSigned(PGPPublicKey primary, PGPPublicKey subkey, PGPSignature binding) {
        for (PGPSignatureSubpacketVector area : java.util.Arrays.asList(binding.getHashedSubPackets(), binding.getUnhashedSubPackets())) {
            try {
                if (area == null) {
                    continue;
                }
                for (PGPSignature back : area.getEmbeddedSignatures()) {
                    if (back.getSignatureType() == PGPSignature.PRIMARYKEY_BINDING) {
                        back.init(new BcPGPContentVerifierBuilderProvider(), subkey);
                        if (back.verifyCertification(primary, subkey)) {
                            return true;
                        }
                    }
                }
            } catch (PGPException | RuntimeException e) {
                // not a valid back-signature
            }
        }
        return false;
    }

    /** Whether a valid revocation by the primary key exists for the primary key ({@code subkey} null) or the subkey. */
    private static boolean revoked(PGPPublicKey primary, PGPPublicKey subkey) {
        PGPPublicKey target = subkey == null ? primary : subkey;
        int type = subkey == null ? PGPSignature.KEY_REVOCATION : PGPSignature.SUBKEY_REVOCATION;
        for (Iterator<PGPSignature> it = target.getSignaturesOfType(type); it.hasNext(); ) {
            PGPSignature sig = it.next();
            try {
                sig.init(new BcPGPContentVerifierBuilderProvider(), primary);
                if (subkey == null ? sig.verifyCertification(primary) : sig.verifyCertification(primary, subkey)) {
                    return true;
                }
            } catch (PGPException | RuntimeException e) {
                // not a valid revocation
            }
        }
        return false;
    }

    private static boolean expired(PGPPublicKey primary, Date signed) {
        long valid = primary.getValidSeconds();
        return valid > 0 && signed.getTime() > primary.getCreationTime().getTime() + valid * 1000;
    }

    /** RFC 4880 5.2.1, type 0x01: line endings as CR LF. */
    private static byte[] canonicalText(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 64);
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) {
                out.write('\r');
            }
            out.write(data[i]);
        }
        return out.toByteArray();
    }

    /** The checksum file lists the archive's name with the pinned SHA-256. */
    private static void checkListing(ReleaseSpec spec, byte[] checksums, Set<ReleaseSpec.Signer> signers) {
        String name = spec.archiveName();
        List<String> listed = new ArrayList<>();
        for (String line : new String(checksums, StandardCharsets.UTF_8).lines().toList()) {
            Matcher m = SUMS_LINE.matcher(line.strip());
            if (m.matches()) {
                String file = m.group(2).strip();
                if (file.equals(name) || file.endsWith("/" + name)) {
                    listed.add(m.group(1).toLowerCase(Locale.ROOT));
                }
            }
        }
        if (listed.contains(spec.sha256())) {
            return;
        }
        String signed = "signed by " + names(signers);
        throw new BcmException(Kind.VERIFY_FAILED, listed.isEmpty()
                ? spec.checksumsName() + " of " + spec.title() + " (" + signed + ") does not list " + name
                : spec.checksumsName() + " of " + spec.title() + " (" + signed + ") lists " + String.join(", ", listed) + " for " + name
                        + ", but " + spec.origin() + " pins " + spec.sha256(),
                "the recipe's archive or hash is not this release's: compare " + spec.origin() + " with " + spec.checksumsUrl());
    }

    private static String url(ReleaseSpec spec, String fileName) {
        return spec.signatureUrls().stream().filter(u -> ReleaseSpec.fileName(u).equals(fileName)).findFirst().orElse(fileName);
    }

    private static String names(java.util.Collection<ReleaseSpec.Signer> signers) {
        return String.join(", ", signers.stream().map(ReleaseSpec.Signer::name).toList());
    }

    private record Named(String file, PGPSignature signature) {
    }
}
