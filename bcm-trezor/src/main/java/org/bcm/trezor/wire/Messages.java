package org.bcm.trezor.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.util.HashMap;
import java.util.Map;
import org.bcm.trezor.TrezorException;
import org.bcm.trezor.transport.WireMessage;

/**
 * Maps the generated protobuf messages to and from {@link WireMessage}s by their type ids (the
 * {@code MessageType} enum of {@code trezor.proto}). For bcm-trezor's client and the device side of
 * the protocol (the development device, bcm-trezor-dev): protobuf types never appear in the API the
 * rest of bcm uses.
 */
public final class Messages {

    private static final Map<Integer, Message> BY_TYPE = new HashMap<>();
    private static final Map<Class<?>, Integer> TYPE_OF = new HashMap<>();

    static {
        for (TrezorMessages.MessageType type : TrezorMessages.MessageType.values()) {
            String name = type.name().substring("MessageType_".length());
            try {
                Class<?> cls = Class.forName(TrezorMessages.class.getName() + "$" + name);
                Message prototype = (Message) cls.getMethod("getDefaultInstance").invoke(null);
                BY_TYPE.put(type.getNumber(), prototype);
                TYPE_OF.put(cls, type.getNumber());
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError("trezor.proto has no message " + name + " for its type id");
            }
        }
    }

    private Messages() {
    }

    /** The wire form of a message. */
    public static WireMessage encode(Message message) {
        Integer type = TYPE_OF.get(message.getClass());
        if (type == null) {
            throw new IllegalArgumentException(message.getClass().getSimpleName() + " has no message type id");
        }
        return new WireMessage(type, message.toByteArray());
    }

    /**
     * The message a wire message carries.
     *
     * @throws TrezorException.Protocol for an unknown type id or a payload that does not parse
     */
    public static Message decode(WireMessage wire) {
        Message prototype = BY_TYPE.get(wire.type());
        if (prototype == null) {
            throw new TrezorException.UnexpectedMessage("the device sent message type " + wire.type() + ", which bcm does not know");
        }
        try {
            return prototype.getParserForType().parseFrom(wire.payload());
        } catch (InvalidProtocolBufferException e) {
            throw new TrezorException.Protocol("message " + prototype.getDescriptorForType().getName() + " from the device does not parse: "
                    + e.getMessage());
        }
    }

    /** The name of a type id, e.g. {@code Features}, or {@code type N}. */
    public static String name(int type) {
        Message prototype = BY_TYPE.get(type);
        return prototype == null ? "type " + type : prototype.getDescriptorForType().getName();
    }
}
