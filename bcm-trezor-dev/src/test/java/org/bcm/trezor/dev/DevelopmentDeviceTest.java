package org.bcm.trezor.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.KeyOperations;
import org.bcm.trezor.PublicNode;
import org.bcm.trezor.TrezorClient;
import org.bcm.trezor.TrezorException;
import org.bcm.trezor.dev.DevelopmentDevice.Confirmation;
import org.bcm.trezor.transport.ChunkTransport;
import org.bcm.trezor.transport.UdpLink;
import org.bcm.trezor.transport.WireMessage;
import org.bcm.trezor.wire.Messages;
import org.bcm.trezor.wire.TrezorMessages;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What the development device shows and to whom: the PIN matrix on its screen and on its debug link
 * (when it has one), never in a log; the debug link only when asked for; its settings never print
 * their secrets.
 */
class DevelopmentDeviceTest {

    private static final String PIN = "1234";

    @Test
    void thePinMatrixIsShownOnTheScreenAndNeverLogged() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger("org.bcm.trezor");
        Level level = logger.getLevel();
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        logger.setLevel(Level.TRACE);
        List<String> screen = new CopyOnWriteArrayList<>();
        List<String> matrices = new CopyOnWriteArrayList<>();
        DevelopmentDevice.Settings settings = new DevelopmentDevice.Settings(TestDevice.MNEMONIC_ALL, PIN, false, Confirmation.AUTO)
                .withScreen(screen::add);
        try (TestDevice device = new TestDevice(settings); TrezorClient client = device.open()) {
            device.interaction.pin = () -> {
                String matrix = matrixOnTheDebugLink(device);
                matrices.add(matrix);
                return TestDevice.encodePin(PIN, matrix);
            };
            PublicNode node = KeyOperations.getPublicKey(client, DerivationPath.parse("m/44'/0'/0'"), Curve.SECP256K1, false);
            assertThat(node.publicKey().hex()).isEqualTo("03c8166eb40ac84088b618ec07c7cebadacee31c5f5b04a1e8c2a2f3e748eb2cdd");
        } finally {
            logger.detachAppender(logged);
            logger.setLevel(level);
        }
        assertThat(matrices).hasSize(1);
        String matrix = matrices.get(0);
        String picture = DevelopmentDevice.matrixPicture(matrix);
        assertThat(screen).containsExactly("Please enter current PIN:\n" + picture);
        assertThat(logged.list).as("the device logs its requests").isNotEmpty();
        for (ILoggingEvent event : logged.list) {
            String text = event.getFormattedMessage();
            assertThat(text).as("a log line").doesNotContain(matrix);
            for (String row : picture.split("\n")) {
                assertThat(text).as("a log line").doesNotContain(row);
            }
        }
    }

    @Test
    void theDebugLinkIsServedOnlyWhenAskedFor() throws Exception {
        DevelopmentDevice.Settings settings = new DevelopmentDevice.Settings(TestDevice.MNEMONIC_ALL, PIN, false, Confirmation.AUTO);
        assertThat(settings.debugLink()).as("off unless asked for").isFalse();
        assertThat(DevelopmentDevice.Settings.of(TestDevice.MNEMONIC_ALL).debugLink()).isFalse();

        DevelopmentDevice without = new DevelopmentDevice(settings);
        try (UdpDeviceServer server = UdpDeviceServer.start(without, 0)) {
            assertThat(server.debugLinkPort()).isEmpty();
            assertThat(stateAt(server.port() + 1)).as("nothing answers on the port after the normal link's").isNull();
        }
        assertThat(without.receiveDebug(Messages.encode(TrezorMessages.DebugLinkGetState.getDefaultInstance())))
                .as("and the device itself ignores the debug link").isEmpty();

        DevelopmentDevice with = new DevelopmentDevice(settings.withDebugLink(true));
        try (UdpDeviceServer server = UdpDeviceServer.start(with, 0)) {
            assertThat(server.debugLinkPort()).hasValue(server.port() + 1);
            TrezorMessages.DebugLinkState state = stateAt(server.port() + 1);
            assertThat(state).isNotNull();
            assertThat(state.getPin()).as("what the debug link gives away").isEqualTo(PIN);
        }

        assertThatThrownBy(() -> new DevelopmentDevice.Settings(TestDevice.MNEMONIC_ALL, null, false, Confirmation.DEBUG_LINK, false, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs the debug link");
        assertThat(new DevelopmentDevice.Settings(TestDevice.MNEMONIC_ALL, null, false, Confirmation.DEBUG_LINK).debugLink()).isTrue();
    }

    @Test
    void settingsNeverPrintTheMnemonicOrThePin() {
        String text = new DevelopmentDevice.Settings(TestDevice.MNEMONIC_ALL, PIN, false, Confirmation.AUTO).toString();
        assertThat(text).doesNotContain("all").doesNotContain(PIN).contains("12 words");
    }

    private static String matrixOnTheDebugLink(TestDevice device) {
        try {
            return device.matrix();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The DebugLinkState at {@code port}, or null when nothing answers within a second. */
    private static TrezorMessages.DebugLinkState stateAt(int port) throws Exception {
        try (UdpLink link = new UdpLink("127.0.0.1", port)) {
            ChunkTransport transport = new ChunkTransport(link);
            transport.write(Messages.encode(TrezorMessages.DebugLinkGetState.getDefaultInstance()));
            WireMessage answer = transport.read(Duration.ofSeconds(1));
            return (TrezorMessages.DebugLinkState) Messages.decode(answer);
        } catch (TrezorException e) {
            return null;
        }
    }
}
