package org.bcm.trezor.transport;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bcm.trezor.TrezorException;

/**
 * Codec v1 (trezor-firmware {@code common/protob}, trezorlib {@code transport/protocol.py}
 * {@code ProtocolV1}) over a {@link ChunkLink}. A message is cut into 64-byte chunks: the first is
 * {@code '?' '#' '#'}, the type (BE16), the payload length (BE32) and 55 payload bytes; each further
 * chunk is {@code '?'} and 63 payload bytes; the last is padded with zeros.
 */
public final class ChunkTransport implements Transport {

    /** Payload bytes in the first chunk (64 - 3 magic - 2 type - 4 length). */
    public static final int FIRST_PAYLOAD = 55;
    /** Payload bytes in every further chunk (64 - 1 magic). */
    public static final int NEXT_PAYLOAD = 63;
    /** Largest payload accepted from a device, in bytes; real answers are a few hundred bytes. */
    public static final int MAX_PAYLOAD = 1 << 20;
    /** How long the rest of a message may take once its first chunk arrived. */
    static final Duration MID_MESSAGE_TIMEOUT = Duration.ofSeconds(5);

    private final ChunkLink link;

    public ChunkTransport(ChunkLink link) {
        this.link = link;
    }

    @Override
    public String path() {
        return link.path();
    }

    @Override
    public void write(WireMessage message) {
        for (byte[] chunk : encode(message)) {
            link.writeChunk(chunk);
        }
    }

    @Override
    public WireMessage read(Duration timeout) {
        Decoder decoder = new Decoder();
        decoder.accept(link.readChunk(timeout));
        while (!decoder.complete()) {
            byte[] chunk;
            try {
                chunk = link.readChunk(MID_MESSAGE_TIMEOUT);
            } catch (TrezorException.Timeout e) {
                throw new TrezorException.DeviceGone("the Trezor at " + path() + " stopped answering in the middle of a message ("
                        + decoder.received() + " of " + decoder.expected() + " bytes arrived): was it unplugged or stopped?", e);
            }
            decoder.accept(chunk);
        }
        return decoder.message();
    }

    @Override
    public void close() {
        link.close();
    }

    /**
     * The chunks of one message, each exactly 64 bytes.
     */
    public static List<byte[]> encode(WireMessage message) {
        byte[] payload = message.payload();
        ByteBuffer stream = ByteBuffer.allocate(9 + payload.length);
        stream.put((byte) '?').put((byte) '#').put((byte) '#').putShort((short) message.type()).putInt(payload.length).put(payload);
        byte[] all = stream.array();
        List<byte[]> chunks = new ArrayList<>();
        byte[] first = new byte[ChunkLink.CHUNK_SIZE];
        System.arraycopy(all, 0, first, 0, Math.min(ChunkLink.CHUNK_SIZE, all.length));
        chunks.add(first);
        for (int offset = ChunkLink.CHUNK_SIZE; offset < all.length; offset += NEXT_PAYLOAD) {
            byte[] chunk = new byte[ChunkLink.CHUNK_SIZE];
            chunk[0] = '?';
            System.arraycopy(all, offset, chunk, 1, Math.min(NEXT_PAYLOAD, all.length - offset));
            chunks.add(chunk);
        }
        return chunks;
    }

    /**
     * Reassembles one message from its chunks.
     *
     * @throws TrezorException.Protocol on a chunk that is not 64 bytes, a first chunk without
     *         {@code ?##}, a further chunk without {@code ?}, or a length above {@link #MAX_PAYLOAD}
     */
    public static final class Decoder {
        private int type = -1;
        private int expected;
        private final ByteArrayOutputStream payload = new ByteArrayOutputStream();

        /** Adds the next chunk. */
        public void accept(byte[] chunk) {
            if (chunk.length != ChunkLink.CHUNK_SIZE) {
                throw new TrezorException.Protocol("a codec v1 chunk has 64 bytes, this one " + chunk.length);
            }
            if (type < 0) {
                if (chunk[0] != '?' || chunk[1] != '#' || chunk[2] != '#') {
                    throw new TrezorException.Protocol("the message does not start with '?##' (got "
                            + String.format("%02x%02x%02x", chunk[0], chunk[1], chunk[2]) + "): not codec v1, or out of step");
                }
                ByteBuffer header = ByteBuffer.wrap(chunk, 3, 6);
                type = header.getShort() & 0xffff;
                long length = header.getInt() & 0xffffffffL;
                if (length > MAX_PAYLOAD) {
                    throw new TrezorException.Protocol("message " + type + " claims " + length + " bytes, more than the "
                            + MAX_PAYLOAD + " allowed");
                }
                expected = (int) length;
                payload.write(chunk, 9, Math.min(FIRST_PAYLOAD, expected));
            } else {
                if (chunk[0] != '?') {
                    throw new TrezorException.Protocol("a continuation chunk does not start with '?' (got "
                            + String.format("%02x", chunk[0]) + ")");
                }
                payload.write(chunk, 1, Math.min(NEXT_PAYLOAD, expected - payload.size()));
            }
        }

        /** True once the header arrived and all its payload bytes with it. */
        public boolean complete() {
            return type >= 0 && payload.size() >= expected;
        }

        int received() {
            return payload.size();
        }

        int expected() {
            return expected;
        }

        /** The message; only when {@link #complete()}. */
        public WireMessage message() {
            if (!complete()) {
                throw new IllegalStateException("message incomplete");
            }
            return new WireMessage(type, Arrays.copyOf(payload.toByteArray(), expected));
        }
    }
}
