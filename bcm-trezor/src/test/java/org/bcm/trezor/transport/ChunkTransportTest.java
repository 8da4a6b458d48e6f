package org.bcm.trezor.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.bcm.trezor.TrezorException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkTransportTest {

    /** Chunks in memory: what is written, and what the "device" will answer. */
    static final class MemoryLink implements ChunkLink {
        final List<byte[]> written = new ArrayList<>();
        final Deque<byte[]> toRead = new ArrayDeque<>();

        @Override
        public String path() {
            return "memory";
        }

        @Override
        public void writeChunk(byte[] chunk) {
            written.add(chunk.clone());
        }

        @Override
        public byte[] readChunk(Duration timeout) {
            if (toRead.isEmpty()) {
                throw new TrezorException.Timeout("nothing to read");
            }
            return toRead.poll();
        }

        @Override
        public void close() {
        }
    }

    private static byte[] payload(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 7 + 1);
        }
        return bytes;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 54, 55, 56, 117, 118, 119, 181, 182, 1000})
    void chunkCountFollowsThe55And63ByteBoundaries(int length) {
        List<byte[]> chunks = ChunkTransport.encode(new WireMessage(17, payload(length)));
        int expected = length <= 55 ? 1 : 1 + (length - 55 + 62) / 63;
        assertThat(chunks).hasSize(expected).allSatisfy(chunk -> assertThat(chunk).hasSize(64));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 55, 56, 118, 119, 4000})
    void aMessageSurvivesTheRoundTrip(int length) {
        MemoryLink link = new MemoryLink();
        ChunkTransport transport = new ChunkTransport(link);
        WireMessage message = new WireMessage(0x1234, payload(length));
        transport.write(message);
        link.toRead.addAll(link.written);
        assertThat(transport.read(Duration.ofSeconds(1))).isEqualTo(message);
    }

    @Test
    void theHeaderIsMagicTypeAndLengthBigEndianAndTheLastChunkIsPaddedWithZeros() {
        List<byte[]> chunks = ChunkTransport.encode(new WireMessage(0x0102, payload(60)));
        ByteBuffer first = ByteBuffer.wrap(chunks.get(0));
        assertThat(new byte[] {first.get(), first.get(), first.get()}).containsExactly('?', '#', '#');
        assertThat(first.getShort()).isEqualTo((short) 0x0102);
        assertThat(first.getInt()).isEqualTo(60);
        byte[] second = chunks.get(1);
        assertThat(second[0]).isEqualTo((byte) '?');
        // 55 payload bytes in the first chunk, 5 in the second, then zeros
        assertThat(second[5]).isEqualTo(payload(60)[59]);
        for (int i = 6; i < 64; i++) {
            assertThat(second[i]).isZero();
        }
    }

    @Test
    void aWrongMagicIsAProtocolError() {
        MemoryLink link = new MemoryLink();
        byte[] chunk = ChunkTransport.encode(new WireMessage(3, payload(4))).get(0);
        chunk[1] = '!';
        link.toRead.add(chunk);
        assertThatThrownBy(() -> new ChunkTransport(link).read(Duration.ofSeconds(1)))
                .isInstanceOf(TrezorException.Protocol.class).hasMessageContaining("'?##'");
    }

    @Test
    void garbageIsAProtocolError() {
        MemoryLink link = new MemoryLink();
        link.toRead.add("PONGPONG".getBytes());
        assertThatThrownBy(() -> new ChunkTransport(link).read(Duration.ofSeconds(1)))
                .isInstanceOf(TrezorException.Protocol.class).hasMessageContaining("64 bytes");
        byte[] noise = payload(64);
        link.toRead.add(noise);
        assertThatThrownBy(() -> new ChunkTransport(link).read(Duration.ofSeconds(1)))
                .isInstanceOf(TrezorException.Protocol.class);
    }

    @Test
    void aContinuationWithoutItsMarkIsAProtocolError() {
        MemoryLink link = new MemoryLink();
        List<byte[]> chunks = ChunkTransport.encode(new WireMessage(3, payload(100)));
        chunks.get(1)[0] = 'x';
        link.toRead.addAll(chunks);
        assertThatThrownBy(() -> new ChunkTransport(link).read(Duration.ofSeconds(1)))
                .isInstanceOf(TrezorException.Protocol.class).hasMessageContaining("continuation");
    }

    @Test
    void anOversizeMessageIsRefusedFromItsHeader() {
        MemoryLink link = new MemoryLink();
        byte[] chunk = new byte[64];
        ByteBuffer.wrap(chunk).put((byte) '?').put((byte) '#').put((byte) '#').putShort((short) 17).putInt(ChunkTransport.MAX_PAYLOAD + 1);
        link.toRead.add(chunk);
        assertThatThrownBy(() -> new ChunkTransport(link).read(Duration.ofSeconds(1)))
                .isInstanceOf(TrezorException.Protocol.class).hasMessageContaining("claims");
    }

    @Test
    void aMessageThatStopsHalfWayIsADeviceGoneError() {
        MemoryLink link = new MemoryLink();
        link.toRead.add(ChunkTransport.encode(new WireMessage(17, payload(300))).get(0));
        assertThatThrownBy(() -> new ChunkTransport(link).read(Duration.ofSeconds(1)))
                .isInstanceOf(TrezorException.DeviceGone.class).hasMessageContaining("middle of a message");
    }

    @Test
    void bridgeHexCarriesTypeLengthAndPayloadWithoutChunking() {
        WireMessage message = new WireMessage(54, payload(70));
        String hex = Bridge.encode(message);
        assertThat(hex).startsWith("003600000046");
        assertThat(Bridge.decode(hex)).isEqualTo(message);
        assertThatThrownBy(() -> Bridge.decode("0036000000ff00")).isInstanceOf(TrezorException.Protocol.class);
        assertThatThrownBy(() -> Bridge.decode("zz")).isInstanceOf(TrezorException.Protocol.class);
    }
}
