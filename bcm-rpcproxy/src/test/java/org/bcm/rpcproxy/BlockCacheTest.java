package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bcm.fixtures.bitcoind.BitcoindSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The block cache keeps only blocks whose header hashes to their name, within its size, least recently used out first. */
class BlockCacheTest {

    @TempDir
    Path dir;

    @Test
    void keepsVerifiedBlocksWithinTheLimit() throws Exception {
        try (BitcoindSimulator sim = BitcoindSimulator.builder().blocks(5).blockSize(2, 40_000).blockSize(3, 40_000).blockSize(4, 40_000).start()) {
            BlockCache cache = new BlockCache(dir, 100_000);
            for (int h = 2; h <= 4; h++) {
                String hash = sim.blockHash(h);
                BlockCache.Writer w = cache.writer(hash);
                String hex = sim.blockHex(hash);
                for (int i = 0; i < hex.length(); i += 1001) {
                    w.hex(Unpooled.copiedBuffer(hex.substring(i, Math.min(hex.length(), i + 1001)), StandardCharsets.US_ASCII));
                }
                w.commit();
                if (h == 3) cache.get(sim.blockHash(2)); // block 2 used: block 3 is now the oldest
            }
            assertThat(cache.blocks()).isEqualTo(2);
            assertThat(cache.get(sim.blockHash(3))).isEmpty();
            assertThat(cache.get(sim.blockHash(2))).isPresent();
            BlockCache.Entry e = cache.get(sim.blockHash(4)).orElseThrow();
            assertThat(Files.readAllBytes(e.file())).isEqualTo(sim.rawBlock(sim.blockHash(4)));
            assertThat(new BlockCache(dir, 100_000).blocks()).isEqualTo(2);

            // an answer that is not the block is not kept
            BlockCache.Writer w = cache.writer(sim.blockHash(1));
            w.hex(Unpooled.copiedBuffer(sim.blockHex(sim.blockHash(0)), StandardCharsets.US_ASCII));
            w.commit();
            BlockCache.Writer cut = cache.writer(sim.blockHash(1));
            cut.hex(Unpooled.copiedBuffer(sim.blockHex(sim.blockHash(1)).substring(0, 100), StandardCharsets.US_ASCII));
            cut.commit();
            BlockCache.Writer garbage = cache.writer(sim.blockHash(1));
            garbage.hex(Unpooled.copiedBuffer("zz", StandardCharsets.US_ASCII));
            garbage.commit();
            assertThat(cache.get(sim.blockHash(1))).isEmpty();
            try (var files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).allMatch(n -> n.endsWith(".block"));
            }
        }
    }

    @Test
    void anUnusableDirectoryIsReported() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        assertThatThrownBy(() -> new BlockCache(file.resolve("sub"), 1000))
                .isInstanceOf(RpcProxyException.class)
                .satisfies(e -> assertThat(((RpcProxyException) e).reason()).isEqualTo(RpcProxyException.Reason.CACHE_UNUSABLE))
                .hasMessageContaining("cache-size=0");
        assertThat(new BlockCache(file.resolve("sub"), 0).enabled()).isFalse();
    }
}
