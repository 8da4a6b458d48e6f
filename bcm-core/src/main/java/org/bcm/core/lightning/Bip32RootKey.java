package org.bcm.core.lightning;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * A BIP-32 master (root) extended private key, serialized as BIP-32 says: {@code xprv...} for mainnet,
 * {@code tprv...} for the test chains (version bytes 0x0488ADE4 and 0x04358394, depth 0, parent
 * fingerprint and child number 0, chain code, {@code 00 || key}, in base58check). Source: BIP-32,
 * "Master key generation" and "Serialization format".
 *
 * <p>bcm generates one per project for lnd and hands it to lnd's {@code InitWallet}
 * ({@code extended_master_key}, lnrpc/walletunlocker.proto): the wallet's seed is then a secret bcm
 * holds (in the password store, encrypted to the operator's identity), not a mnemonic on a screen.
 */
public final class Bip32RootKey {

    private static final int MAINNET_PRIVATE = 0x0488ADE4;
    private static final int TESTNET_PRIVATE = 0x04358394;
    private static final BigInteger CURVE_ORDER =
            new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);
    private static final String ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    private Bip32RootKey() {
    }

    /** A new root key from 32 random bytes, for bcm's {@code chain} (mainnet: xprv, else tprv). */
    public static String generate(String chain) {
        byte[] seed = new byte[32];
        SecureRandom random = new SecureRandom();
        while (true) {
            random.nextBytes(seed);
            try {
                return fromSeed(seed, "mainnet".equals(chain));
            } catch (IllegalArgumentException invalid) {
                // BIP-32: a master key of 0 or not below n is invalid; take another seed (probability below 2^-127)
            } finally {
                Arrays.fill(seed, (byte) 0);
            }
        }
    }

    /**
     * The serialized master key of {@code seed} (16 to 64 bytes).
     *
     * @throws IllegalArgumentException for a seed of another length, or one whose master key is invalid
     */
    public static String fromSeed(byte[] seed, boolean mainnet) {
        if (seed.length < 16 || seed.length > 64) {
            throw new IllegalArgumentException("a BIP-32 seed has 16 to 64 bytes");
        }
        HMac hmac = new HMac(new SHA512Digest());
        hmac.init(new KeyParameter("Bitcoin seed".getBytes(StandardCharsets.US_ASCII)));
        hmac.update(seed, 0, seed.length);
        byte[] i = new byte[64];
        hmac.doFinal(i, 0);
        BigInteger key = new BigInteger(1, Arrays.copyOf(i, 32));
        if (key.signum() == 0 || key.compareTo(CURVE_ORDER) >= 0) {
            throw new IllegalArgumentException("the seed's master key is invalid");
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream(82);
        int version = mainnet ? MAINNET_PRIVATE : TESTNET_PRIVATE;
        data.writeBytes(new byte[] {(byte) (version >>> 24), (byte) (version >>> 16), (byte) (version >>> 8), (byte) version});
        data.writeBytes(new byte[9]); // depth, parent fingerprint, child number
        data.write(i, 32, 32);        // chain code
        data.write(0);
        data.write(i, 0, 32);         // key
        Arrays.fill(i, (byte) 0);
        return base58Check(data.toByteArray());
    }

    /** Base58 of {@code data || first 4 bytes of SHA-256(SHA-256(data))}, leading zero bytes as '1'. */
    static String base58Check(byte[] data) {
        byte[] checked = Arrays.copyOf(data, data.length + 4);
        System.arraycopy(sha256(sha256(data)), 0, checked, data.length, 4);
        StringBuilder out = new StringBuilder();
        BigInteger value = new BigInteger(1, checked);
        BigInteger base = BigInteger.valueOf(58);
        while (value.signum() > 0) {
            BigInteger[] qr = value.divideAndRemainder(base);
            out.append(ALPHABET.charAt(qr[1].intValue()));
            value = qr[0];
        }
        for (int k = 0; k < checked.length && checked[k] == 0; k++) {
            out.append('1');
        }
        return out.reverse().toString();
    }

    private static byte[] sha256(byte[] data) {
        SHA256Digest digest = new SHA256Digest();
        digest.update(data, 0, data.length);
        byte[] out = new byte[32];
        digest.doFinal(out, 0);
        return out;
    }
}
