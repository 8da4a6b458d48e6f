package org.bcm.trezor.transport;

import java.io.Closeable;
import java.time.Duration;

/**
 * An open connection to one device that moves whole messages. Implementations: codec v1 over 64-byte
 * chunks ({@link ChunkTransport} over UDP, WebUSB or HID), and the Trezor Bridge's HTTP API.
 * Not thread-safe: one conversation at a time.
 *
 * <p>Errors are {@link org.bcm.trezor.TrezorException} subclasses: {@code Timeout} when nothing
 * arrives in time, {@code DeviceGone} when the device vanished (also mid-message), {@code Protocol}
 * for bytes that are not a message, {@code TransportFailed} for other I/O failures.
 */
public interface Transport extends Closeable {

    /** Where the device is, in the form {@code --device} accepts, e.g. {@code udp:127.0.0.1:21324}. */
    String path();

    /** Sends one message. */
    void write(WireMessage message);

    /** Waits up to {@code timeout} for the next whole message from the device. */
    WireMessage read(Duration timeout);

    /** Releases the device (the USB interface, the bridge session, the socket); never throws. */
    @Override
    void close();
}
