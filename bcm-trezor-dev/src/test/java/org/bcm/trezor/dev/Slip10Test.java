package org.bcm.trezor.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;

import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SLIP-0010 test vectors, from satoshilabs/slips {@code slip-0010.md} ("Test vectors"). */
class Slip10Test {

    private static final HexFormat HEX = HexFormat.of();
    private static final String SEED1 = "000102030405060708090a0b0c0d0e0f";

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        // Test vector 1 for nist256p1
        "nist256p1, m, 00000000, beeb672fe4621673f722f38529c07392fecaa61015c80c34f29ce8b41b3cb6ea, 612091aaa12e22dd2abef664f8a01a82cae99ad7441b7ef8110424915c268bc2, 0266874dc6ade47b3ecd096745ca09bcd29638dd52c2c12117b11ed3e458cfa9e8",
        "nist256p1, m/0', be6105b5, 3460cea53e6a6bb5fb391eeef3237ffd8724bf0a40e94943c98b83825342ee11, 6939694369114c67917a182c59ddb8cafc3004e63ca5d3b84403ba8613debc0c, 0384610f5ecffe8fda089363a41f56a5c7ffc1d81b59a612d0d649b2d22355590c",
        "nist256p1, m/0'/1, 9b02312f, 4187afff1aafa8445010097fb99d23aee9f599450c7bd140b6826ac22ba21d0c, 284e9d38d07d21e4e281b645089a94f4cf5a5a81369acf151a1c3a57f18b2129, 03526c63f8d0b4bbbf9c80df553fe66742df4676b241dabefdef67733e070f6844",
        "nist256p1, m/0'/1/2', b98005c1, 98c7514f562e64e74170cc3cf304ee1ce54d6b6da4f880f313e8204c2a185318, 694596e8a54f252c960eb771a3c41e7e32496d03b954aeb90f61635b8e092aa7, 0359cf160040778a4b14c5f4d7b76e327ccc8c4a6086dd9451b7482b5a4972dda0",
        "nist256p1, m/0'/1/2'/2, 0e9f3274, ba96f776a5c3907d7fd48bde5620ee374d4acfd540378476019eab70790c63a0, 5996c37fd3dd2679039b23ed6f70b506c6b56b3cb5e424681fb0fa64caf82aaa, 029f871f4cb9e1c97f9f4de9ccd0d4a2f2a171110c61178f84430062230833ff20",
        "nist256p1, m/0'/1/2'/2/1000000000, 8b2b5c4b, b9b7b82d326bb9cb5b5b121066feea4eb93d5241103c9e7a18aad40f1dde8059, 21c4f269ef0a5fd1badf47eeacebeeaa3de22eb8e5b0adcd0f27dd99d34d0119, 02216cd26d31147f72427a453c443ed2cde8a1e53c9cc44e5ddf739725413fe3f4",
        // Test vector 1 for ed25519
        "ed25519, m, 00000000, 90046a93de5380a72b5e45010748567d5ea02bbf6522f979e05c0d8d8ca9fffb, 2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7, 00a4b2856bfec510abab89753fac1ac0e1112364e7d250545963f135f2a33188ed",
        "ed25519, m/0', ddebc675, 8b59aa11380b624e81507a27fedda59fea6d0b779a778918a2fd3590e16e9c69, 68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3, 008c8a13df77a28f3445213a0f432fde644acaa215fc72dcdf300d5efaa85d350c",
        "ed25519, m/0'/1', 13dab143, a320425f77d1b5c2505a6b1b27382b37368ee640e3557c315416801243552f14, b1d0bad404bf35da785a64ca1ac54b2617211d2777696fbffaf208f746ae84f2, 001932a5270f335bed617d5b935c80aedb1a35bd9fc1e31acafd5372c30f5c1187",
        "ed25519, m/0'/1'/2', ebe4cb29, 2e69929e00b5ab250f49c3fb1c12f252de4fed2c1db88387094a0f8c4c9ccd6c, 92a5b23c0b8a99e37d07df3fb9966917f5d06e02ddbd909c7e184371463e9fc9, 00ae98736566d30ed0e9d2f4486a64bc95740d89c7db33f52121f8ea8f76ff0fc1",
        "ed25519, m/0'/1'/2'/2', 316ec1c6, 8f6d87f93d750e0efccda017d662a1b31a266e4a6f5993b15f5c1f07f74dd5cc, 30d1dc7e5fc04c31219ab25a27ae00b50f6fd66622f6e9c913253d6511d1e662, 008abae2d66361c879b900d204ad2cc4984fa2aa344dd7ddc46007329ac76c429c",
        "ed25519, m/0'/1'/2'/2'/1000000000', d6322ccd, 68789923a0cac2cd5a29172a475fe9e0fb14cd6adb5ad98a3fa70333e7afa230, 8f94d394a8e8fd6b1bc2f3f49f5c47e385281d5c17e65324b0f62483e37e8793, 003c24da049451555d51a7014a37337aa4e12d41e485abccfa46b47dfb2af54b7a",
        // Test vector 1 for secp256k1 (= BIP-32 test vector 1)
        "secp256k1, m, 00000000, 873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508, e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35, 0339a36013301597daef41fbe593a02cc513d0b55527ec2df1050e2e8ff49c85c2",
        "secp256k1, m/0', 3442193e, 47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141, edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea, 035a784662a4a20a65bf6aab9ae98a6c068a81c52e4b032c0fb5400c706cfccc56",
        "secp256k1, m/0'/1, 5c1bd648, 2a7857631386ba23dacac34180dd1983734e444fdbf774041578e9b6adb37c19, 3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368, 03501e454bf00751f24b1b489aa925215d66af2234e3891c3b21a52bedb3cd711c",
        "secp256k1, m/0'/1/2'/2/1000000000, d880d7d8, c783e67b921d2beb8f6b389cc646d7263b4145701dadd2161548a8b078e65e9e, 471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8, 022a471424da5e657499d1ff51cb43c47481a03b1e77f951fe64cec9f5a48f7011",
        // Test derivation retry for nist256p1
        "nist256p1, m/28578', be6105b5, e94c8ebe30c2250a14713212f6449b20f3329105ea15b652ca5bdfc68f6c65c2, 06f0db126f023755d0b8d86d4591718a5210dd8d024e3e14b6159d63f53aa669, 02519b5554a4872e8c9c1c847115363051ec43e93400e030ba3c36b52a3e70a5b7",
        "nist256p1, m/28578'/33941, 3e2b7bc6, 9e87fe95031f14736774cd82f25fd885065cb7c358c1edf813c72af535e83071, 092154eed4af83e078ff9b84322015aefe5769e31270f62c3f66c33888335f3a, 0235bfee614c0d5b2cae260000bb1d0d84b270099ad790022c1ae0b2e782efe120",
    })
    void testVector1(String curveName, String path, String fingerprint, String chainCode, String privateKey,
                     String publicKey) {
        Curve curve = Curve.fromFirmwareName(curveName);
        DerivationPath p = DerivationPath.parse(path);
        HdNode node = Slip10.derive(HEX.parseHex(SEED1), curve, p);
        assertThat(node.curve()).isEqualTo(curve);
        assertThat(node.path()).isEqualTo(p);
        assertThat(node.depth()).isEqualTo(p.depth());
        assertThat(node.childNumber()).isEqualTo(p.depth() == 0 ? 0 : p.indices().get(p.depth() - 1));
        assertThat(String.format("%08x", node.parentFingerprint())).as("fingerprint").isEqualTo(fingerprint);
        assertThat(HEX.formatHex(node.chainCode())).as("chain code").isEqualTo(chainCode);
        assertThat(HEX.formatHex(node.privateKey())).as("private").isEqualTo(privateKey);
        assertThat(node.publicKey().hex()).as("public").isEqualTo(publicKey);
    }

    @Test
    void seedRetryForNist256p1() {
        // SLIP-0010 "Test seed retry for nist256p1"
        HdNode m = Slip10.derive(HEX.parseHex("a7305bc8df8d0951f0cb224c0e95d7707cbdf2c6ce7e8d481fec69c7ff5e9446"),
                Curve.NIST256P1, DerivationPath.MASTER);
        assertThat(m.parentFingerprint()).isZero();
        assertThat(HEX.formatHex(m.chainCode())).isEqualTo("7762f9729fed06121fd13f326884c82f59aa95c57ac492ce8c9654e60efd130c");
        assertThat(HEX.formatHex(m.privateKey())).isEqualTo("3b8c18469a4634517d6d0b65448f8e6c62091b45540a1743c5846be55d47d88f");
        assertThat(m.publicKey().hex()).isEqualTo("0383619fadcde31063d8c5cb00dbfe1713f3e6fa169d8541a798752a1c1ca0cb20");
    }

    @Test
    void ed25519AndCurve25519AreHardenedOnly() {
        byte[] seed = HEX.parseHex(SEED1);
        for (Curve curve : new Curve[] {Curve.ED25519, Curve.CURVE25519}) {
            assertThatThrownBy(() -> Slip10.derive(seed, curve, DerivationPath.parse("m/0'/1")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("hardened indices only").hasMessageContaining(curve.toString())
                    .hasMessageContaining("m/0'/1");
        }
    }

    @Test
    void curve25519PublicKeyIsX25519OfTheBasePoint() {
        HdNode node = Slip10.derive(HEX.parseHex(SEED1), Curve.CURVE25519, DerivationPath.parse("m/17'/1'"));
        byte[] expected = new byte[32];
        X25519.scalarMultBase(node.privateKey(), 0, expected, 0);
        assertThat(node.publicKey().bytes()[0]).isZero();
        assertThat(node.publicKey().rawKey()).isEqualTo(expected);
        // the curve25519 master key uses its own HMAC key, so it differs from ed25519's
        assertThat(Slip10.derive(HEX.parseHex(SEED1), Curve.CURVE25519, DerivationPath.MASTER).privateKey())
                .isNotEqualTo(Slip10.derive(HEX.parseHex(SEED1), Curve.ED25519, DerivationPath.MASTER).privateKey());
    }

    @Test
    void rejectsSeedsOutsideSlip10Range() {
        assertThatThrownBy(() -> Slip10.derive(new byte[15], Curve.SECP256K1, DerivationPath.MASTER))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16 to 64");
        assertThatThrownBy(() -> Slip10.derive(new byte[65], Curve.SECP256K1, DerivationPath.MASTER))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16 to 64");
    }

    @Test
    void toStringHidesThePrivateKey() {
        HdNode node = Slip10.derive(HEX.parseHex(SEED1), Curve.NIST256P1, DerivationPath.MASTER);
        assertThat(node.toString()).doesNotContain(HEX.formatHex(node.privateKey()))
                .contains(node.publicKey().hex());
    }
}
