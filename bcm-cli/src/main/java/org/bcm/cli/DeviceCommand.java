package org.bcm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.bcm.core.BcmException;
import org.bcm.core.device.DevelopmentDeviceService;
import org.bcm.core.device.DeviceInfo;
import org.bcm.core.device.DevicePublicNode;
import org.bcm.core.device.FoundDevice;
import org.bcm.core.device.IdentityKeySpec;
import org.bcm.core.device.IdentitySignature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bcm device}: the Trezor, and the development device that stands in for one. */
@Command(name = "device", mixinStandardHelpOptions = true,
        description = "The Trezor that holds bcm's keys, and the development device for tests and demos.",
        subcommands = {DeviceCommand.ListDevices.class, DeviceCommand.Info.class, DeviceCommand.Serve.class,
            DeviceCommand.PublicKeyCommand.class, DeviceCommand.SignIdentityCommand.class})
final class DeviceCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the devices bcm can reach, and through which transport.")
    static final class ListDevices implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin OutputOption output;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            List<FoundDevice> found = context.deviceService().list();
            if (output.json()) {
                OutputOption.printJson(context.out(), found);
                return 0;
            }
            if (found.isEmpty()) {
                context.out().println("no Trezor found (plug one in, start Trezor Bridge, or run `bcm device serve`)");
            } else {
                Table table = new Table("DEVICE", "TRANSPORT", "WHAT");
                found.forEach(f -> table.row(f.path(), f.transport(), f.description()));
                table.print(context.out());
            }
            context.out().flush();
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show what the device says about itself (its Features).")
    static final class Info implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin DeviceOption device;
        @Mixin OutputOption output;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            DeviceInfo features = context.deviceService().info(device.selector, new TerminalInteraction(context.err()));
            if (output.json()) {
                OutputOption.printJson(context.out(), features);
                return 0;
            }
            Map<String, Object> rows = new LinkedHashMap<>();
            rows.put("device", features.path());
            rows.put("vendor", features.vendor());
            rows.put("model", features.model());
            rows.put("firmware", features.firmwareVersion());
            rows.put("device id", features.deviceId());
            rows.put("label", features.label());
            rows.put("initialized", features.initialized());
            rows.put("PIN protection", features.pinProtection());
            rows.put("passphrase", features.passphraseProtection());
            rows.put("development", features.developmentDevice() ? "YES: a software device, no hardware protection" : "no");
            rows.forEach((k, v) -> context.out().printf("%-16s %s%n", k + ":", v));
            context.out().flush();
            return 0;
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Run the development device in the foreground on 127.0.0.1 (UDP, the emulator's protocol; with --debug-link the debug link on PORT+1)."
                    + " A software device for tests and demos: its keys have no hardware protection.")
    static final class Serve implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = "--port", defaultValue = "21324", description = "UDP port of the normal link. Default: ${DEFAULT-VALUE}.")
        int port;

        @Option(names = "--mnemonic-file", paramLabel = "FILE",
                description = "BIP-39 mnemonic, one line, mode 0600, outside the bcm home."
                        + " Default: $${XDG_DATA_HOME:-~/.local/share}/bcm-development-device/mnemonic, created when missing.")
        Path mnemonicFile;

        @Option(names = "--pin-file", paramLabel = "FILE", description = "A file holding the PIN (digits 1-9) the device asks for. Default: no PIN.")
        Path pinFile;

        @Option(names = "--confirm", defaultValue = "auto", paramLabel = "MODE",
                description = "auto (confirm every request and log it) or debug-link (wait for DebugLinkDecision; serves the debug link)."
                        + " Default: ${DEFAULT-VALUE}.")
        String confirm;

        @Option(names = "--debug-link",
                description = "Serve the debug link on PORT+1, as the emulator does (implied by --confirm=debug-link). For tests only:"
                        + " any local process can then confirm or refuse requests and read the PIN and its matrix.")
        boolean debugLink;

        @Override
        public Integer call() throws InterruptedException {
            Context context = new Context(spec);
            boolean debugLinkConfirms = switch (confirm) {
                case "auto" -> false;
                case "debug-link" -> true;
                default -> throw new BcmException(BcmException.Kind.INVALID_INPUT, "unknown --confirm '" + confirm + "'",
                        "use auto or debug-link");
            };
            PrintWriter err = context.err();
            // the device's screen is this terminal; never a redirected standard error, which is a log
            Consumer<String> screen = stderrIsTerminal() ? text -> {
                err.println("[development device screen]\n" + text);
                err.flush();
            } : null;
            DevelopmentDeviceService.DevelopmentDeviceSpec wanted = new DevelopmentDeviceService.DevelopmentDeviceSpec(port, mnemonicFile,
                    pinFile, debugLinkConfirms, debugLink, screen);
            DevelopmentDeviceService.ServedDevice served = new DevelopmentDeviceService(context.home(), System.getenv()).serve(wanted);
            Runtime.getRuntime().addShutdownHook(new Thread(served::close, "dev-device-stop"));
            served.warnings().forEach(warning -> err.println("bcm: WARNING: " + warning));
            err.println("bcm: mnemonic: " + served.mnemonicFile());
            if (pinFile != null && screen == null) {
                err.println("bcm: standard error is not a terminal: the PIN matrix is shown nowhere"
                        + (served.debugLinkPort().isPresent() ? " but on the debug link" : ""));
            }
            if (served.debugLinkPort().isPresent()) {
                err.println("bcm: WARNING: the debug link is open: any local process can confirm requests and read the PIN through it");
            }
            context.out().println("development device listening on udp:127.0.0.1:" + served.port()
                    + (served.debugLinkPort().isPresent() ? " (debug link udp:127.0.0.1:" + served.debugLinkPort().getAsInt() + ")" : " (no debug link)")
                    + "; stop with Ctrl-C");
            context.out().flush();
            err.flush();
            served.awaitClose();
            return 0;
        }

        /** True when standard error is a terminal (Linux: fd 2 is a tty or pts device). */
        private static boolean stderrIsTerminal() {
            try {
                String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
            } catch (IOException e) {
                return false; // no /proc/self/fd/2 (not Linux, or fd 2 closed): not a terminal, so no screen is drawn
            }
        }
    }

    @Command(name = "public-key", mixinStandardHelpOptions = true, description = "Show the public node at a derivation path.")
    static final class PublicKeyCommand implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin DeviceOption device;
        @Mixin OutputOption output;

        @Option(names = "--path", required = true, paramLabel = "PATH", description = "Derivation path, e.g. m/44'/0'/0'.")
        String path;

        @Option(names = "--curve", defaultValue = "secp256k1", description = "secp256k1, nist256p1, ed25519 or curve25519. Default: ${DEFAULT-VALUE}.")
        String curve;

        @Option(names = "--show", description = "Show the key on the device and wait for confirmation.")
        boolean show;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            DevicePublicNode node = context.deviceService().publicNode(device.selector, new TerminalInteraction(context.err()), path, curve, show);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("path", node.path());
            out.put("curve", node.curve());
            out.put("publicKey", node.publicKey());
            out.put("chainCode", node.chainCode());
            out.put("depth", node.depth());
            out.put("parentFingerprint", node.parentFingerprint());
            out.put("childNumber", node.childNumber());
            out.put("xpub", node.xpub());
            print(context, output, out);
            return 0;
        }
    }

    @Command(name = "sign-identity", mixinStandardHelpOptions = true,
            description = "Sign a challenge with a SLIP-0013 identity (what ssh and gpg signing do); the challenge is read from --challenge-file or standard input.")
    static final class SignIdentityCommand implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin DeviceOption device;
        @Mixin OutputOption output;

        @Option(names = "--identity", required = true, paramLabel = "URI", description = "e.g. ssh://user@host or 'gpg://Name <user@host>'.")
        String identity;

        @Option(names = "--index", defaultValue = "0", description = "SLIP-0013 index. Default: ${DEFAULT-VALUE}.")
        int index;

        @Option(names = "--curve", defaultValue = "nist256p1", description = "nist256p1 or ed25519 (ssh, gpg); secp256k1 for others. Default: ${DEFAULT-VALUE}.")
        String curve;

        @Option(names = "--challenge-file", paramLabel = "FILE", description = "The bytes to sign. Default: standard input.")
        Path challengeFile;

        @Option(names = "--visual", defaultValue = "", description = "Text the device shows while asking to confirm.")
        String visual;

        @Override
        public Integer call() throws IOException {
            Context context = new Context(spec);
            IdentityKeySpec key = IdentityKeySpec.parse(identity, index, curve);
            byte[] hidden = readChallenge();
            IdentitySignature signed = context.deviceService().signIdentity(device.selector, new TerminalInteraction(context.err()), key, hidden,
                    visual);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("identity", signed.identity());
            out.put("curve", signed.curve());
            out.put("publicKey", signed.publicKey());
            out.put("signature", signed.signature());
            out.put("address", signed.address());
            print(context, output, out);
            return 0;
        }

        private byte[] readChallenge() throws IOException {
            if (challengeFile != null) {
                if (!Files.isReadable(challengeFile)) {
                    throw new BcmException(BcmException.Kind.INVALID_INPUT, "cannot read the challenge file " + challengeFile, null);
                }
                return Files.readAllBytes(challengeFile);
            }
            InputStream in = System.in;
            return in.readNBytes(1025);
        }

    }

    private static void print(Context context, OutputOption output, Map<String, Object> values) {
        if (output.json()) {
            OutputOption.printJson(context.out(), values);
            return;
        }
        values.forEach((k, v) -> context.out().printf("%-18s %s%n", k + ":", v == null ? "-" : v));
        context.out().flush();
    }
}
