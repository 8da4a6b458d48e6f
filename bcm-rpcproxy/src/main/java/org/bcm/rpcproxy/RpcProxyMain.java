package org.bcm.rpcproxy;

/**
 * The {@code bcm-rpcproxy} launcher's entry point: {@link RpcProxyCommand} with its exit code. No
 * logger is touched before the flags are read, so {@code --log-level} reaches the launcher's logback
 * configuration.
 */
public final class RpcProxyMain {

    private RpcProxyMain() {}

    public static void main(String[] args) {
        System.exit(RpcProxyCommand.execute(args));
    }
}
