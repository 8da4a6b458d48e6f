package org.bcm.chainevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class TransactionsTest {

    private static final HexFormat HEX = HexFormat.of();
    /** The genesis block's coinbase transaction; its txid is the genesis block's merkle root. */
    private static final String GENESIS_COINBASE = "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";

    @Test
    void aTransactionWithoutWitnessHasItsDoubleSha256AsTxidAndWtxid() {
        byte[] raw = HEX.parseHex(GENESIS_COINBASE);
        assertThat(Transactions.txid(raw)).isEqualTo("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b");
        assertThat(Transactions.wtxid(raw)).isEqualTo(Transactions.txid(raw));
    }

    @Test
    void aWitnessTransactionsTxidLeavesMarkerFlagAndWitnessesOut() {
        byte[] legacy = HEX.parseHex(GENESIS_COINBASE);
        ByteArrayOutputStream segwit = new ByteArrayOutputStream();
        segwit.write(legacy, 0, 4);
        segwit.write(0);
        segwit.write(1);
        segwit.write(legacy, 4, legacy.length - 8);
        // one input: a witness stack of two items, 3 and 0 bytes
        segwit.writeBytes(HEX.parseHex("0203aabbcc00"));
        segwit.write(legacy, legacy.length - 4, 4);
        byte[] raw = segwit.toByteArray();

        assertThat(Transactions.withoutWitness(raw)).isEqualTo(legacy);
        assertThat(Transactions.txid(raw)).isEqualTo(Transactions.txid(legacy));
        assertThat(Transactions.wtxid(raw)).isNotEqualTo(Transactions.txid(raw)).isEqualTo(Transactions.display(Transactions.sha256d(raw)));
    }

    @Test
    void aTruncatedWitnessTransactionIsRefused() {
        byte[] legacy = HEX.parseHex(GENESIS_COINBASE);
        byte[] segwit = new byte[legacy.length + 2];
        System.arraycopy(legacy, 0, segwit, 0, 4);
        segwit[5] = 1;
        System.arraycopy(legacy, 4, segwit, 6, legacy.length - 4);
        assertThatThrownBy(() -> Transactions.withoutWitness(Arrays.copyOf(segwit, segwit.length - 3)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
