package org.bcm.rpcproxy;

import java.util.Locale;

/**
 * The Bitcoin chains bitcoind runs, with their default ports and datadir subdirectory (Core
 * src/chainparamsbase.cpp). The proxy's own default listen port is the chain's RPC port + 10.
 */
public enum Chain {
    MAIN("main", 8332, 8333, ""),
    TEST("test", 18332, 18333, "testnet3"),
    TESTNET4("testnet4", 48332, 48333, "testnet4"),
    SIGNET("signet", 38332, 38333, "signet"),
    REGTEST("regtest", 18443, 18444, "regtest");

    private final String id;
    private final int rpcPort;
    private final int p2pPort;
    private final String datadirSubdir;

    Chain(String id, int rpcPort, int p2pPort, String datadirSubdir) {
        this.id = id;
        this.rpcPort = rpcPort;
        this.p2pPort = p2pPort;
        this.datadirSubdir = datadirSubdir;
    }

    /** Core's name for the chain ({@code -chain=}): main, test, testnet4, signet, regtest. */
    public String id() {
        return id;
    }

    /** bitcoind's default RPC port. */
    public int rpcPort() {
        return rpcPort;
    }

    /** bitcoind's default P2P port. */
    public int p2pPort() {
        return p2pPort;
    }

    /** The proxy's default listen port: the RPC port + 10 (8342, 18342, 48342, 38342, 18453). */
    public int proxyPort() {
        return rpcPort + 10;
    }

    /** Subdirectory of the datadir holding the chain's files and cookie ("" for main). */
    public String datadirSubdir() {
        return datadirSubdir;
    }

    /**
     * The chain named {@code name} (Core's names; {@code mainnet}, {@code testnet} and {@code testnet3}
     * are accepted too).
     *
     * @throws IllegalArgumentException for any other name
     */
    public static Chain of(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "main", "mainnet" -> MAIN;
            case "test", "testnet", "testnet3" -> TEST;
            case "testnet4" -> TESTNET4;
            case "signet" -> SIGNET;
            case "regtest" -> REGTEST;
            default -> throw new IllegalArgumentException(
                    "unknown chain '" + name + "' (expected main, test, testnet4, signet or regtest)");
        };
    }
}
