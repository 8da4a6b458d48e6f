package org.bcm.trezor.dev;

import java.util.Arrays;
import org.bcm.trezor.Challenge;
import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;
import org.bcm.trezor.KeyOperations;
import org.bcm.trezor.SignedIdentity;
import org.bcm.trezor.TrezorClient;
import org.bcm.trezor.transport.ChunkTransport;
import org.bcm.trezor.transport.UdpLink;

/**
 * Round trips per second of SignIdentity (request, ButtonRequest, ButtonAck, SignedIdentity: two
 * round trips on the wire) through the UDP transport against a development device that runs as
 * another process ({@code bcm device serve --port=PORT}). Run by {@code scripts/benchmark-device.sh}.
 *
 * <p>Arguments: {@code PORT [SIGNATURES]}.
 */
public final class SignIdentityBenchmark {

    private SignIdentityBenchmark() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        TestDevice.Recorder quiet = new TestDevice.Recorder();
        try (TrezorClient client = TrezorClient.open(new ChunkTransport(new UdpLink("127.0.0.1", port)), quiet, TrezorClient.Timeouts.DEFAULT)) {
            Identity identity = Identity.parse("ssh://bcm@example.org");
            for (Curve curve : new Curve[] {Curve.NIST256P1, Curve.ED25519}) {
                for (int i = 0; i < count / 4; i++) {
                    sign(client, identity, curve, i);
                }
                long[] nanos = new long[count];
                long start = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    long t = System.nanoTime();
                    sign(client, identity, curve, i);
                    nanos[i] = System.nanoTime() - t;
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                Arrays.sort(nanos);
                System.out.printf("| SignIdentity %s, 1 client | %d | %.0f /s | %.2f ms | %.2f ms |%n", curve, count, count / seconds,
                        nanos[count / 2] / 1e6, nanos[(int) (count * 0.99)] / 1e6);
            }
        }
    }

    private static void sign(TrezorClient client, Identity identity, Curve curve, int i) {
        byte[] challenge = new byte[64];
        challenge[0] = (byte) i;
        challenge[1] = (byte) (i >> 8);
        KeyOperations.signIdentity(client, identity, Challenge.hidden(challenge), curve);
    }

}
