package org.bcm.rpcproxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.function.Consumer;

/**
 * Re-frames a streamed JSON answer so it can be spliced into a batch answer without being buffered:
 * the trailing newline of a single reply ({@code {...}\n}) is dropped, and for a batch reply ({@code
 * [{...},{...}]\n}) the outer brackets too, leaving {@code {...},{...}}. Bytes that might be the
 * trailing part (whitespace, and {@code ]} for arrays) are held back until a later byte shows they were
 * not; the held run never holds more than those characters. Empty output ({@code []}) emits nothing.
 */
final class JsonFramer {

    private final boolean array;
    private boolean leadDone;
    private ByteBuf held = Unpooled.EMPTY_BUFFER;

    /** @param array true to strip the outer {@code [} and {@code ]} of a batch answer */
    JsonFramer(boolean array) {
        this.array = array;
        this.leadDone = !array;
    }

    private boolean trailing(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t' || (array && b == ']');
    }

    /** Takes ownership of {@code in}; hands on what is certainly content. */
    void feed(ByteBuf in, Consumer<ByteBuf> emit) {
        if (!leadDone) {
            while (in.isReadable()) {
                byte b = in.readByte();
                if (b == '[') {
                    leadDone = true;
                    break;
                }
            }
            if (!in.isReadable()) {
                in.release();
                return;
            }
        }
        int from = in.readerIndex();
        int to = in.writerIndex();
        int last = -1;
        for (int i = to - 1; i >= from; i--) {
            if (!trailing(in.getByte(i))) {
                last = i;
                break;
            }
        }
        if (last < 0) {
            held = append(held, in);
            return;
        }
        if (held.isReadable()) {
            emit.accept(held);
        } else {
            held.release();
        }
        emit.accept(in.retainedSlice(from, last + 1 - from));
        held = last + 1 < to ? in.retainedSlice(last + 1, to - last - 1) : Unpooled.EMPTY_BUFFER;
        in.release();
    }

    /** The answer ended: the held run is the trailing part and is dropped. */
    void end() {
        held.release();
        held = Unpooled.EMPTY_BUFFER;
    }

    private static ByteBuf append(ByteBuf held, ByteBuf in) {
        if (!held.isReadable()) {
            held.release();
            return in;
        }
        return Unpooled.wrappedBuffer(held, in);
    }
}
