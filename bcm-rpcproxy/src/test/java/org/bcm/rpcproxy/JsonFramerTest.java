package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Re-framing streamed answers for splicing into a batch, at every possible chunk boundary. */
class JsonFramerTest {

    private static String frame(boolean array, String input, int chunk) {
        JsonFramer f = new JsonFramer(array);
        StringBuilder out = new StringBuilder();
        List<ByteBuf> leaks = new ArrayList<>();
        byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += chunk) {
            ByteBuf in = Unpooled.copiedBuffer(bytes, i, Math.min(chunk, bytes.length - i));
            leaks.add(in);
            f.feed(in, b -> {
                out.append(b.toString(StandardCharsets.UTF_8));
                b.release();
            });
        }
        f.end();
        for (ByteBuf b : leaks) {
            assertThat(b.refCnt()).as("released").isZero();
        }
        return out.toString();
    }

    @Test
    void singleRepliesLoseTheirTrailingNewline() {
        String reply = "{\"result\":[1,[2]],\"error\":null,\"id\":\" ] \\n \"}\n";
        for (int chunk = 1; chunk <= reply.length(); chunk++) {
            assertThat(frame(false, reply, chunk)).isEqualTo(reply.substring(0, reply.length() - 1));
        }
    }

    @Test
    void batchRepliesLoseTheirBrackets() {
        String reply = "[{\"result\":[[1]],\"id\":1},{\"error\":{\"code\":-1},\"id\":[2]}]\n";
        String inner = reply.substring(1, reply.length() - 2);
        for (int chunk = 1; chunk <= reply.length(); chunk++) {
            assertThat(frame(true, reply, chunk)).as("chunk %d", chunk).isEqualTo(inner);
        }
        for (int chunk = 1; chunk <= 4; chunk++) {
            assertThat(frame(true, "[]\n", chunk)).isEmpty();
        }
    }
}
