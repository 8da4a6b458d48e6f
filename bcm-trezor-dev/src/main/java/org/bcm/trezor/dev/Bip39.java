package org.bcm.trezor.dev;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * BIP-39 mnemonic sentences with the English wordlist: the seed of the development device.
 *
 * <ul>
 *   <li>{@link #seed}: BIP-39 "From mnemonic to seed": PBKDF2 with HMAC-SHA512, the NFKD-normalized
 *       mnemonic as password, {@code "mnemonic" + NFKD(passphrase)} as salt, 2048 iterations, 64 bytes
 *       (trezor-crypto {@code mnemonic_to_seed}).</li>
 *   <li>{@link #check}: BIP-39 "Generating the mnemonic" run backwards: every word in the wordlist,
 *       11 bits per word, the last {@code words / 3} bits the first bits of SHA-256 of the entropy
 *       (trezor-crypto {@code mnemonic_check}, which like the Trezor One accepts 12, 18 and 24 words
 *       only).</li>
 *   <li>{@link #generate}: fresh entropy of 128, 192 or 256 bits turned into 12, 18 or 24 words
 *       (trezor-crypto {@code mnemonic_from_data}).</li>
 * </ul>
 *
 * <p>The wordlist is the resource {@code bip39-english.txt} next to this class, the file BIP-39
 * publishes (SHA-256 {@value #WORDLIST_SHA256}), taken from Debian's {@code python3-mnemonic}.
 */
public final class Bip39 {

    /** SHA-256 of the English wordlist file as BIP-39 ("Wordlists") publishes it. */
    public static final String WORDLIST_SHA256 = "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda";
    /** Name of the wordlist resource, relative to this class. */
    static final String WORDLIST_RESOURCE = "bip39-english.txt";

    private static final int ITERATIONS = 2048;

    private Bip39() {
    }

    /**
     * The 64-byte BIP-39 seed of a mnemonic and passphrase. Does not check the mnemonic (BIP-39
     * derives a seed from any sentence); call {@link #check(String)} first for one a user typed.
     *
     * @param mnemonic   the words, separated by single spaces
     * @param passphrase the BIP-39 passphrase; null or empty for none
     */
    public static byte[] seed(String mnemonic, String passphrase) {
        Objects.requireNonNull(mnemonic, "mnemonic");
        byte[] password = Normalizer.normalize(mnemonic, Normalizer.Form.NFKD).getBytes(StandardCharsets.UTF_8);
        byte[] salt = Normalizer.normalize("mnemonic" + (passphrase == null ? "" : passphrase), Normalizer.Form.NFKD)
                .getBytes(StandardCharsets.UTF_8);
        PKCS5S2ParametersGenerator pbkdf2 = new PKCS5S2ParametersGenerator(new SHA512Digest());
        pbkdf2.init(password, salt, ITERATIONS);
        return ((KeyParameter) pbkdf2.generateDerivedMacParameters(512)).getKey();
    }

    /**
     * Checks that {@code mnemonic} is a BIP-39 English mnemonic the device would accept: 12, 18 or
     * 24 lower-case words from the wordlist, separated by single spaces, with a matching checksum.
     *
     * @throws IllegalArgumentException naming what is wrong: the word count, an unknown word (by
     *                                  position), the spacing, or the checksum
     */
    public static void check(String mnemonic) {
        Objects.requireNonNull(mnemonic, "mnemonic");
        String normalized = Normalizer.normalize(mnemonic, Normalizer.Form.NFKD);
        String[] words = normalized.split(" ", -1);
        for (String word : words) {
            if (word.isEmpty() || !word.strip().equals(word)) {
                throw new IllegalArgumentException("bad mnemonic: the words must be separated by single spaces,"
                        + " without leading or trailing whitespace");
            }
        }
        if (words.length != 12 && words.length != 18 && words.length != 24) {
            throw new IllegalArgumentException("bad mnemonic: it has " + words.length
                    + " words, but a BIP-39 mnemonic for the device has 12, 18 or 24");
        }
        Map<String, Integer> index = Wordlist.INDEX;
        int[] indices = new int[words.length];
        for (int w = 0; w < words.length; w++) {
            Integer i = index.get(words[w]);
            if (i == null) {
                throw new IllegalArgumentException("bad mnemonic: word " + (w + 1) + " ('" + words[w]
                        + "') is not in the BIP-39 English wordlist");
            }
            indices[w] = i;
        }
        int totalBits = words.length * 11;
        int checksumBits = words.length / 3;
        int entropyBytes = (totalBits - checksumBits) / 8;
        byte[] bits = new byte[(totalBits + 7) / 8];
        for (int w = 0; w < indices.length; w++) {
            for (int b = 0; b < 11; b++) {
                if ((indices[w] & (1 << (10 - b))) != 0) {
                    int pos = w * 11 + b;
                    bits[pos / 8] |= (byte) (1 << (7 - pos % 8));
                }
            }
        }
        byte[] entropy = new byte[entropyBytes];
        System.arraycopy(bits, 0, entropy, 0, entropyBytes);
        int expected = (Slip10.sha256(entropy)[0] & 0xff) >>> (8 - checksumBits);
        int actual = (bits[entropyBytes] & 0xff) >>> (8 - checksumBits);
        if (expected != actual) {
            throw new IllegalArgumentException("bad mnemonic: the BIP-39 checksum does not match"
                    + " (a mistyped or swapped word?)");
        }
    }

    /**
     * A new mnemonic of {@code words} words from fresh entropy (BIP-39: 128, 192 or 256 bits plus a
     * checksum of {@code bits / 32} bits from SHA-256).
     *
     * @param words 12, 18 or 24
     * @throws IllegalArgumentException for another word count
     */
    public static String generate(SecureRandom random, int words) {
        Objects.requireNonNull(random, "random");
        if (words != 12 && words != 18 && words != 24) {
            throw new IllegalArgumentException("a device mnemonic has 12, 18 or 24 words, not " + words);
        }
        byte[] entropy = new byte[words * 4 / 3];
        random.nextBytes(entropy);
        return fromEntropy(entropy);
    }

    /**
     * The mnemonic of the given entropy (BIP-39 "Generating the mnemonic").
     *
     * @param entropy 16, 24 or 32 bytes
     */
    static String fromEntropy(byte[] entropy) {
        if (entropy.length != 16 && entropy.length != 24 && entropy.length != 32) {
            throw new IllegalArgumentException("device mnemonics encode 16, 24 or 32 bytes of entropy, not " + entropy.length);
        }
        int words = entropy.length * 3 / 4;
        byte[] bits = new byte[entropy.length + 1];
        System.arraycopy(entropy, 0, bits, 0, entropy.length);
        bits[entropy.length] = Slip10.sha256(entropy)[0];
        List<String> list = Wordlist.WORDS;
        StringBuilder out = new StringBuilder();
        for (int w = 0; w < words; w++) {
            int idx = 0;
            for (int b = 0; b < 11; b++) {
                int pos = w * 11 + b;
                idx = (idx << 1) | ((bits[pos / 8] >> (7 - pos % 8)) & 1);
            }
            if (w > 0) {
                out.append(' ');
            }
            out.append(list.get(idx));
        }
        return out.toString();
    }

    /** The 2048 words of the English wordlist, in order. */
    static List<String> englishWordlist() {
        return Wordlist.WORDS;
    }

    /** Loaded on first use. */
    private static final class Wordlist {
        static final List<String> WORDS = load();
        static final Map<String, Integer> INDEX = index(WORDS);

        private static List<String> load() {
            try (InputStream in = Bip39.class.getResourceAsStream(WORDLIST_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("the BIP-39 wordlist resource " + WORDLIST_RESOURCE
                            + " is missing next to " + Bip39.class.getName());
                }
                List<String> words = new ArrayList<>(2048);
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (!line.isEmpty()) {
                        words.add(line);
                    }
                }
                if (words.size() != 2048) {
                    throw new IllegalStateException("the BIP-39 wordlist " + WORDLIST_RESOURCE + " has "
                            + words.size() + " words, not 2048");
                }
                return Collections.unmodifiableList(words);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the BIP-39 wordlist " + WORDLIST_RESOURCE, e);
            }
        }

        private static Map<String, Integer> index(List<String> words) {
            Map<String, Integer> map = new HashMap<>(4096);
            for (int i = 0; i < words.size(); i++) {
                map.put(words.get(i), i);
            }
            return Collections.unmodifiableMap(map);
        }
    }
}
