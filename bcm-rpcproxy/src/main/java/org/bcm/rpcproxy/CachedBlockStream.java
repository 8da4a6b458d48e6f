package org.bcm.rpcproxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;

/**
 * Serves a cached block as Core's verbosity-0 {@code getblock} answer: prefix, the block as lower-case
 * hex (encoded as it is read, 32 KiB of the file at a time, while the client keeps up: {@link
 * ResponseWriter#whenWritable}), suffix. The head says HTTP 200, application/json and the exact
 * Content-Length; the {@link GetBlockFlow.Output} fixes it for the client.
 */
final class CachedBlockStream {

    private static final Logger LOG = ClientHandler.LOG;
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final ResponseWriter out;
    private final FileChannel file;
    private final long size;
    private final byte[] prefix;
    private final byte[] suffix;
    private final GetBlockFlow.Output output;
    private final ByteBuffer buffer = ByteBuffer.allocate(32768);
    private boolean closedFile;

    /**
     * @param out the connection's writer, for its back pressure (the bytes go to {@code output})
     * @param file the cached block, open for reading; closed when the answer ended or broke off
     * @param size the file's size in bytes (the answer holds twice as many hex digits)
     * @param prefix the answer's bytes before the hex ({@link CoreReplies#resultStringPrefix})
     * @param suffix the answer's bytes after it ({@link CoreReplies#resultStringSuffix})
     */
    CachedBlockStream(ResponseWriter out, FileChannel file, long size, byte[] prefix, byte[] suffix,
            GetBlockFlow.Output output) {
        this.out = out;
        this.file = file;
        this.size = size;
        this.prefix = prefix;
        this.suffix = suffix;
        this.output = output;
    }

    /** Writes the head and the prefix, then the block as fast as the client takes it. */
    void start() {
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, prefix.length + 2 * size + suffix.length);
        output.begin(head);
        output.data(Unpooled.wrappedBuffer(prefix));
        pump();
    }

    private void pump() {
        if (closedFile) return;
        try {
            while (out.isWritable()) {
                buffer.clear();
                int n = file.read(buffer);
                if (n < 0) {
                    close();
                    output.data(Unpooled.wrappedBuffer(suffix));
                    output.end();
                    return;
                }
                ByteBuf hex = out.alloc().buffer(2 * n);
                for (int i = 0; i < n; i++) {
                    int b = buffer.get(i) & 0xff;
                    hex.writeByte(HEX[b >>> 4]);
                    hex.writeByte(HEX[b & 0xf]);
                }
                output.data(hex);
            }
        } catch (IOException e) {
            LOG.warn("reading a cached block failed: {}", e.getMessage());
            close();
            output.broken();
            return;
        }
        out.flush();
        out.whenWritable(this::pump);
    }

    /** Closes the file (the client went away, or the answer is written); idempotent. */
    void close() {
        if (closedFile) return;
        closedFile = true;
        try {
            file.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
