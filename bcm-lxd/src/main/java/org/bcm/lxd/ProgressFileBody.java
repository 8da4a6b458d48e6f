package org.bcm.lxd;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;

/**
 * A request body streamed from a file in chunks (never loaded into memory) that reports the
 * running total of bytes written to a shared counter.
 */
final class ProgressFileBody extends RequestBody {

    private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");
    private static final int CHUNK = 64 * 1024;

    private final Path file;
    private final long length;
    private final AtomicLong total;
    private final LongConsumer progress;

    ProgressFileBody(Path file, AtomicLong total, LongConsumer progress) throws IOException {
        this.file = file;
        this.length = Files.size(file);
        this.total = total;
        this.progress = progress;
    }

    @Override
    public MediaType contentType() {
        return OCTET_STREAM;
    }

    @Override
    public long contentLength() {
        return length;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
        byte[] buffer = new byte[CHUNK];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                sink.write(buffer, 0, n);
                long now = total.addAndGet(n);
                if (progress != null) {
                    progress.accept(now);
                }
            }
        }
    }
}
