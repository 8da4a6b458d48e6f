package org.bcm.trezor.transport;

import java.util.Arrays;

/**
 * One protocol message as it crosses a transport: the message type id (BE16 in codec v1) and the
 * protobuf-encoded payload.
 *
 * @param type    message type id, 0..65535 (e.g. 0 Initialize, 17 Features)
 * @param payload protobuf bytes (copied in and out)
 */
public record WireMessage(int type, byte[] payload) {

    public WireMessage {
        if (type < 0 || type > 0xffff) {
            throw new IllegalArgumentException("message type " + type + " does not fit 16 bits");
        }
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** Payload length in bytes. */
    public int length() {
        return payload.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof WireMessage m && m.type == type && Arrays.equals(m.payload, payload);
    }

    @Override
    public int hashCode() {
        return type * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "message " + type + " (" + payload.length + " bytes)";
    }
}
