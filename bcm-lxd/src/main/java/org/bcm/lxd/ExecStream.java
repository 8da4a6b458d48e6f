package org.bcm.lxd;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A command running in an instance whose standard input and output are byte streams of this process:
 * LXD's exec with {@code wait-for-websocket} and {@code interactive=false} (LXD: POST
 * /1.0/instances/NAME/exec, then one websocket per file descriptor and one for control at GET
 * /1.0/operations/ID/websocket?secret=S). Data travels as binary websocket messages; closing
 * {@link #stdin()} sends the close message that LXD turns into end of file on the command's stdin.
 * Standard error is read and logged at debug level. {@link #close()} asks LXD to send SIGTERM to the
 * command (control message {@code signal}) and closes every websocket.
 *
 * <p>Each stream has its own okhttp dispatcher (open websockets hold a dispatcher slot each, and
 * the client's would cap concurrent streams at 16), pings every 30 s (a connection that died without
 * a close ends the stream instead of hanging it), and a bounded queue for standard output, so a slow
 * reader slows LXD down through TCP instead of filling the heap.
 */
public final class ExecStream implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ExecStream.class);
    private static final byte[] END = new byte[0];
    /** Bytes queued for sending above which {@link #stdin()} waits: okhttp closes a socket whose queue passes 16 MiB. */
    private static final long SEND_QUEUE_LIMIT = 1 << 20;

    private final String description;
    private final WebSocket stdinSocket;
    private final WebSocket stdoutSocket;
    private final WebSocket stderrSocket;
    private final WebSocket controlSocket;
    private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>(256);
    private final ExecutorService threads;
    private final InputStream stdout = new Stdout();
    private final OutputStream stdin = new Stdin();
    private volatile boolean closed;

    private ExecStream(String description, OkHttpClient http, Map<String, Request> sockets) throws IOException {
        this.description = description;
        this.threads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "lxd-exec " + description);
            thread.setDaemon(true);
            return thread;
        });
        Dispatcher dispatcher = new Dispatcher(threads);
        dispatcher.setMaxRequests(Integer.MAX_VALUE);
        dispatcher.setMaxRequestsPerHost(Integer.MAX_VALUE);
        OkHttpClient client = http.newBuilder().dispatcher(dispatcher).readTimeout(0, TimeUnit.MILLISECONDS)
                .pingInterval(30, TimeUnit.SECONDS).build();
        CountDownLatch opened = new CountDownLatch(4);
        String[] failure = new String[1];
        this.controlSocket = client.newWebSocket(sockets.get("control"), new Listener(opened, failure, null, "control"));
        this.stdinSocket = client.newWebSocket(sockets.get("0"), new Listener(opened, failure, null, "stdin"));
        this.stdoutSocket = client.newWebSocket(sockets.get("1"), new Listener(opened, failure, received, "stdout"));
        this.stderrSocket = client.newWebSocket(sockets.get("2"), new Listener(opened, failure, null, "stderr"));
        try {
            if (!opened.await(30, TimeUnit.SECONDS)) {
                close();
                throw new IOException("LXD did not open the websockets of " + description + " within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new InterruptedIOException("interrupted opening " + description);
        }
        if (failure[0] != null) {
            close();
            throw new IOException("Failed opening the websockets of " + description + ": " + failure[0]);
        }
    }

    /**
     * Connects the four websockets of an exec operation started with {@code wait-for-websocket}.
     *
     * @param sockets the websocket requests by LXD's file descriptor name: {@code 0}, {@code 1}, {@code 2}, {@code control}
     * @throws IOException when a websocket cannot be opened within 30 s
     */
    static ExecStream open(String description, OkHttpClient http, Map<String, Request> sockets) throws IOException {
        return new ExecStream(description, http, sockets);
    }

    /** What the command writes to its standard output; ends when the command closes it or exits. */
    public InputStream stdout() {
        return stdout;
    }

    /** The command's standard input; {@link OutputStream#close()} is end of file for the command. */
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stdinSocket.close(1000, null);
        controlSocket.send("{\"command\":\"signal\",\"args\":{},\"signal\":15}");
        controlSocket.close(1000, null);
        stdoutSocket.close(1000, null);
        stderrSocket.close(1000, null);
        received.clear();
        received.offer(END);
        threads.shutdown();
    }

    @Override
    public String toString() {
        return description;
    }

    private final class Listener extends WebSocketListener {
        private final CountDownLatch opened;
        private final String[] failure;
        private final BlockingQueue<byte[]> sink;
        private final String name;

        Listener(CountDownLatch opened, String[] failure, BlockingQueue<byte[]> sink, String name) {
            this.opened = opened;
            this.failure = failure;
            this.sink = sink;
            this.name = name;
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            opened.countDown();
        }

        @Override
        public void onMessage(WebSocket webSocket, ByteString bytes) {
            if (sink != null) {
                deliver(bytes.toByteArray());
            } else if (LOG.isDebugEnabled() && bytes.size() > 0) {
                LOG.debug("{} {}: {}", description, name, bytes.utf8().strip());
            }
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            webSocket.close(1000, null);
            ended();
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
            ended();
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable t, Response response) {
            if (opened.getCount() > 0) {
                failure[0] = name + ": " + t.getMessage();
                while (opened.getCount() > 0) {
                    opened.countDown();
                }
            } else if (!closed) {
                LOG.debug("{} {} failed: {}", description, name, t.toString());
            }
            ended();
        }

        private void ended() {
            if (sink != null) {
                deliver(END);
            }
        }

        /** Waits for room (the reader is slower than LXD), giving up once the stream is closed. */
        private void deliver(byte[] bytes) {
            try {
                while (!closed && !sink.offer(bytes, 100, TimeUnit.MILLISECONDS)) {
                    // the reader has not taken the queued data yet
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final class Stdout extends InputStream {
        private byte[] current = new byte[0];
        private int position;
        private boolean ended;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            while (position >= current.length) {
                if (ended) {
                    return -1;
                }
                try {
                    current = received.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted reading " + description);
                }
                position = 0;
                if (current == null) {
                    current = new byte[0];
                    if (closed) {
                        ended = true;
                    }
                    continue;
                }
                if (current == END) {
                    ended = true;
                    received.offer(END);
                }
            }
            int n = Math.min(length, current.length - position);
            System.arraycopy(current, position, buffer, offset, n);
            position += n;
            return n;
        }
    }

    private final class Stdin extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            try {
                while (stdinSocket.queueSize() > SEND_QUEUE_LIMIT && !closed) {
                    Thread.sleep(2);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted writing to " + description);
            }
            if (closed || !stdinSocket.send(ByteString.of(buffer, offset, length))) {
                throw new IOException("The standard input of " + description + " is closed");
            }
        }

        @Override
        public void close() {
            stdinSocket.close(1000, null);
        }
    }
}
