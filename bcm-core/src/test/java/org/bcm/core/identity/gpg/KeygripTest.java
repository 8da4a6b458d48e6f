package org.bcm.core.identity.gpg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class KeygripTest {

    /**
     * Two certificates gpg 2.2.40 (libgcrypt 1.10.1) generated: "T" nistp256 sign + nistp256 encr,
     * "E" ed25519 sign + cv25519 encr; with the keygrips {@code gpg --with-keygrip} printed for them.
     */
    static final String RECORDED = """
            -----BEGIN PGP PUBLIC KEY BLOCK-----

            mFIEawELxhMIKoZIzj0DAQcCAwTiKukvb1Vr7p6iotAWmNpahUi7I54bYW0LCt4D
            iYUJTR0Wu11EkoiT6YL28P2JB69mf7SBq2DdA+iLozpCbdmatAdUIDx0QHg+iJAE
            ExMIADgWIQSzzd4TdfxFoJAea53KdKZ8TFmoMAUCawELxgIbAwULCQgHAgYVCgkI
            CwIEFgIDAQIeAQIXgAAKCRDKdKZ8TFmoMGlwAQDdXLOG7Kn+s37w1DzVUjuT9iXN
            FvktchbyLY1tKMcJsAD+NloxPlm8TFfFLwVm7FYvLJnHGQNvZIoSoBYQM2qC+u+4
            VgRrAQvGEggqhkjOPQMBBwIDBNZI1GsQXAvPvTgiWTxpxytCAJ9VJRlia3nzxQjW
            0E2PIcK93NKf3+RMLuYgL02NpY3X+HXvJ0ibV7o+7pl6SqMDAQgHiHgEGBMIACAW
            IQSzzd4TdfxFoJAea53KdKZ8TFmoMAUCawELxgIbDAAKCRDKdKZ8TFmoMGhTAQC3
            E+UZbBOFGqi15HLeK174IMKlun/e/dKGD0DkU0n39AEA3kuZuOw5KE05qt3vmpzd
            Kqe6My3SM3sI7J+gUPvbst+YMwRrAQvKFgkrBgEEAdpHDwEBB0BKnvEH7QNslF2s
            1wIExNcLM8wdTaUOAD+c+tspfS1VwbQHRSA8ZUB4PoiQBBMWCAA4FiEEItCdUl+F
            PTS0slYTL1PeZ3PUGugFAmsBC8oCGwMFCwkIBwIGFQoJCAsCBBYCAwECHgECF4AA
            CgkQL1PeZ3PUGugzZAD/RCgKFLFYgwT2o+6l7HrlruHIFAE8Z2Di+f8/J8AcOd8A
            /jjZ6iPARswvCVqnRpkNtHdB2db/LUhrfxY7J3nY9PAGuDgEawELyhIKKwYBBAGX
            VQEFAQEHQPReCVYMYx7X+GXTjQIRBMhLa8oWPknw48+q3nsRsNEwAwEIB4h4BBgW
            CAAgFiEEItCdUl+FPTS0slYTL1PeZ3PUGugFAmsBC8oCGwwACgkQL1PeZ3PUGugZ
            dgEA6UkPYGgPOD1KRLDeZUJcSp3bdls+xgnOBlDVvS5T0qkBALR5nrOnstE38O6A
            9QPXSTXwXvVG6XJGx1NmZ6TKYB0P
            =DgXy
            -----END PGP PUBLIC KEY BLOCK-----
            """;

    static final List<String> RECORDED_GRIPS = List.of(
            "C9B0425230F47899417CB7A9F23C4AD49B4E45CE",  // T: ECDSA nistp256
            "34649E39A2071A214756A383EC880E882B408553",  // T: ECDH nistp256
            "6FD032449A0AB6DBC6D1207F9E72E5FD3A9962B0",  // E: EdDSA ed25519
            "39DDFB012ED1E0C760E7E419B59FE01D267AF860"); // E: ECDH cv25519

    @Test
    void matchesTheKeygripsGpgRecordedForAllFourKeyKinds() throws Exception {
        List<PGPPublicKey> keys = keys(new ByteArrayInputStream(RECORDED.getBytes(StandardCharsets.US_ASCII)));

        assertThat(keys).extracting(Keygrip::hex).containsExactlyElementsOf(RECORDED_GRIPS);
        assertThat(keys).extracting(GcryptCurve::of)
                .containsExactly(GcryptCurve.NIST_P256, GcryptCurve.NIST_P256, GcryptCurve.ED25519, GcryptCurve.CURVE25519);
        assertThat(Keygrip.of(keys.get(0))).hasSize(20);
    }

    @Test
    void matchesTheKeygripsOfKeysTheInstalledGpgGenerates() throws Exception {
        Assumptions.assumeTrue(GpgHome.installed(), "gpg is not installed");
        try (GpgHome home = new GpgHome()) {
            for (String[] kinds : new String[][] {{"nistp256", "nistp256"}, {"ed25519", "cv25519"}}) {
                String user = kinds[0] + "@bcm.test";
                home.gpgOk(null, "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", "T <" + user + ">", kinds[0], "sign", "0");
                String fingerprint = home.gpgOk(null, "--with-colons", "--list-keys", user).out().lines()
                        .filter(l -> l.startsWith("fpr:")).findFirst().orElseThrow().split(":")[9];
                home.gpgOk(null, "--pinentry-mode", "loopback", "--passphrase", "", "--quick-add-key", fingerprint, kinds[1], "encr");

                List<PGPPublicKey> keys = keys(new ByteArrayInputStream(home.gpgOk(null, "--export", user).stdout()));

                assertThat(keys).hasSize(2).extracting(Keygrip::hex).containsExactlyElementsOf(home.keygrips(user));
            }
        }
    }

    @Test
    void hashesTheDomainParametersAndTheCompactPointAsLibgcryptDoes() {
        byte[] q = new byte[33];
        q[0] = 0x40;
        q[32] = 9;

        // djb-tweak drops the 0x40 prefix; the same 32 bytes without it give the same grip
        assertThat(Keygrip.of(GcryptCurve.CURVE25519, q)).isEqualTo(Keygrip.of(GcryptCurve.CURVE25519, java.util.Arrays.copyOfRange(q, 1, 33)));
        assertThat(GcryptCurve.CURVE25519.domainParameters()[1]).isEqualTo(HexFormat.of().parseHex("01db41"));
        assertThat(GcryptCurve.ED25519.domainParameters()[3]).hasSize(65).startsWith(4);
        assertThat(new String(GcryptCurve.ED25519.publicKeySexp(q), StandardCharsets.ISO_8859_1))
                .startsWith("(10:public-key(3:ecc(5:curve7:Ed25519)(5:flags5:eddsa)(1:q33:@");
    }

    @Test
    void refusesKeysGpgAgentKeysHereDoNotUse() throws Exception {
        PGPPublicKey ecdsa = keys(new ByteArrayInputStream(RECORDED.getBytes(StandardCharsets.US_ASCII))).get(0);

        assertThatThrownBy(() -> GcryptCurve.ED25519.point(ecdsa)).isInstanceOf(IllegalArgumentException.class);
    }

    static List<PGPPublicKey> keys(InputStream in) throws IOException, PGPException {
        List<PGPPublicKey> keys = new ArrayList<>();
        for (PGPPublicKeyRing ring : new PGPPublicKeyRingCollection(PGPUtil.getDecoderStream(in), new BcKeyFingerprintCalculator())) {
            ring.getPublicKeys().forEachRemaining(keys::add);
        }
        return keys;
    }
}
