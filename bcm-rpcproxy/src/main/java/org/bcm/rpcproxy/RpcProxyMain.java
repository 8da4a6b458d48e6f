package org.bcm.rpcproxy;

/**
 * The {@code bcm-rpcproxy} launcher's entry point: {@link RpcProxyCommand} with its exit code. No
 * logger is touched before the flags are read, so {@code --log-level} reaches the launcher's logback
 * configuration.
 *
 * <p>The launcher turns Netty's buffer leak detector off: it records a stack trace for a sample of the
 * buffers, a few per cent of the proxy's CPU per request (docs/benchmarks.md). {@code
 * -Dio.netty.leakDetection.level=simple} (or any level) in the JVM options turns it on again. Embedded as
 * a library, the proxy leaves the setting to the application. It is set as Netty's system property, not
 * through {@code ResourceLeakDetector}: loading a Netty class makes its logger, which would configure
 * logback before {@code --log-level} is known.
 */
public final class RpcProxyMain {

    private RpcProxyMain() {}

    public static void main(String[] args) {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        System.exit(RpcProxyCommand.execute(args));
    }
}
