package org.bcm.rpcproxy.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * The floor for any proxy on this machine, for the benchmark: a TCP relay that does nothing but copy
 * bytes. One thread, one selector (JDK NIO, as the proxy's transport); every client connection gets its
 * own connection to the upstream, and whatever one side sends is written to the other, with TCP_NODELAY
 * on both. No HTTP, no parsing, no authentication, no metrics: what it costs per request is the price of
 * two extra loopback hops (two reads, two writes, the wake-ups) in a JVM.
 *
 * <p>{@code java org.bcm.rpcproxy.bench.NullRelay <upstream port>}: prints {@code relay listening <port>}.
 */
public final class NullRelay {

    /** One direction of a relayed connection. */
    private static final class Pipe {
        final SocketChannel from;
        final SocketChannel to;
        final ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        Pipe peer;
        SelectionKey fromKey;
        SelectionKey toKey;

        Pipe(SocketChannel from, SocketChannel to) {
            this.from = from;
            this.to = to;
        }
    }

    private NullRelay() {}

    public static void main(String[] args) throws IOException {
        int upstream = Integer.parseInt(args[0]);
        Selector selector = Selector.open();
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        System.out.println("relay listening " + ((InetSocketAddress) server.getLocalAddress()).getPort());
        System.out.flush();
        while (true) {
            selector.select();
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                try {
                    if (k.isAcceptable()) {
                        accept(server, selector, upstream);
                    } else {
                        Object a = k.attachment();
                        // a key of a socket carries the pipe reading from it; OP_WRITE is set only while its peer pipe waits
                        Pipe reading = (Pipe) a;
                        if (k.isValid() && k.isWritable()) flush(reading.peer);
                        if (k.isValid() && k.isReadable()) pump(reading);
                    }
                } catch (IOException | RuntimeException e) {
                    close((Pipe) k.attachment());
                }
            }
        }
    }

    private static void accept(ServerSocketChannel server, Selector selector, int upstream) throws IOException {
        SocketChannel client = server.accept();
        if (client == null) return;
        SocketChannel up = SocketChannel.open(new InetSocketAddress("127.0.0.1", upstream));
        for (SocketChannel c : new SocketChannel[] {client, up}) {
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c.configureBlocking(false);
        }
        Pipe request = new Pipe(client, up);
        Pipe answer = new Pipe(up, client);
        request.peer = answer;
        answer.peer = request;
        SelectionKey clientKey = client.register(selector, SelectionKey.OP_READ, request);
        SelectionKey upKey = up.register(selector, SelectionKey.OP_READ, answer);
        request.fromKey = clientKey;
        request.toKey = upKey;
        answer.fromKey = upKey;
        answer.toKey = clientKey;
    }

    /** Reads what {@code p.from} has and writes it to {@code p.to}; waits for OP_WRITE when the write is short. */
    private static void pump(Pipe p) throws IOException {
        int n = p.from.read(p.buf);
        if (n < 0) {
            close(p);
            return;
        }
        if (n > 0) flush(p);
    }

    private static void flush(Pipe p) throws IOException {
        p.buf.flip();
        p.to.write(p.buf);
        boolean rest = p.buf.hasRemaining();
        p.buf.compact();
        int ops = p.toKey.interestOps();
        int want = rest ? ops | SelectionKey.OP_WRITE : ops & ~SelectionKey.OP_WRITE;
        if (want != ops) p.toKey.interestOps(want);
        // no reading from p.from while its last piece is not written out
        int fromOps = p.fromKey.interestOps();
        int fromWant = rest ? fromOps & ~SelectionKey.OP_READ : fromOps | SelectionKey.OP_READ;
        if (fromWant != fromOps) p.fromKey.interestOps(fromWant);
    }

    private static void close(Pipe p) {
        if (p == null) return;
        try {
            p.from.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            p.to.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
