package org.bcm.trezor.transport;

import java.io.Closeable;
import java.time.Duration;

/**
 * Moves the 64-byte chunks of codec v1 (one UDP datagram, one WebUSB interrupt transfer, one HID
 * report without its report id). {@link ChunkTransport} frames messages on top.
 */
public interface ChunkLink extends Closeable {

    /** Chunk size of codec v1, in bytes. */
    int CHUNK_SIZE = 64;

    /** {@code udp:HOST:PORT}, {@code usb:BUS-PORTS}, {@code hid:PATH}. */
    String path();

    /** Writes one chunk of exactly {@link #CHUNK_SIZE} bytes. */
    void writeChunk(byte[] chunk);

    /**
     * Reads one chunk of {@link #CHUNK_SIZE} bytes, waiting up to {@code timeout}.
     *
     * @throws org.bcm.trezor.TrezorException.Timeout when nothing arrived in time
     */
    byte[] readChunk(Duration timeout);

    @Override
    void close();
}
