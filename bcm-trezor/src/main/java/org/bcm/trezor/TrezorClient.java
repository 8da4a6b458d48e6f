package org.bcm.trezor;

import com.google.protobuf.Message;
import java.io.Closeable;
import java.time.Duration;
import java.util.Arrays;
import org.bcm.trezor.transport.Transport;
import org.bcm.trezor.wire.Messages;
import org.bcm.trezor.wire.TrezorMessages;
import org.bcm.trezor.wire.TrezorMessages.ButtonRequest;
import org.bcm.trezor.wire.TrezorMessages.Failure;
import org.bcm.trezor.wire.TrezorMessages.Features;
import org.bcm.trezor.wire.TrezorMessages.PinMatrixRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session with one device over one {@link Transport} (trezorlib {@code client.py}): opening it
 * sends Initialize and reads Features; every call then runs the firmware's conversation to its end,
 * answering ButtonRequest with ButtonAck (after telling the user), PinMatrixRequest with the
 * scrambled-matrix PIN, and PassphraseRequest with the passphrase, all through {@link Interaction}.
 * Failures become {@link TrezorException} subclasses. One call at a time; not thread-safe.
 */
public final class TrezorClient implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(TrezorClient.class);

    /**
     * How long to wait for the device.
     *
     * @param reply      for an answer that needs no person (Features, a key derivation): default 30 s
     * @param userAction for a button press, once the device asked for one: default 5 min
     */
    public record Timeouts(Duration reply, Duration userAction) {
        /** 30 s for answers, 5 minutes for confirmations. */
        public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(30), Duration.ofMinutes(5));
    }

    private final Transport transport;
    private final Interaction interaction;
    private final Timeouts timeouts;
    private DeviceFeatures features;

    private TrezorClient(Transport transport, Interaction interaction, Timeouts timeouts) {
        this.transport = transport;
        this.interaction = interaction;
        this.timeouts = timeouts;
    }

    /**
     * Starts a session: Initialize, then Features. Warns through {@code interaction} when the device
     * is bcm's development device. On failure the transport is closed.
     *
     * @throws TrezorException (Timeout, DeviceGone, Protocol, ...) when the device does not answer with Features
     */
    public static TrezorClient open(Transport transport, Interaction interaction, Timeouts timeouts) {
        TrezorClient client = new TrezorClient(transport, interaction, timeouts);
        try {
            client.initialize();
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
        return client;
    }

    private void initialize() {
        TrezorMessages.Initialize.Builder init = TrezorMessages.Initialize.newBuilder();
        Features answer = call(init.build(), Features.class);
        features = features(transport.path(), answer);
        if (features.developmentDevice()) {
            interaction.warning(DeviceFeatures.DEVELOPMENT_WARNING);
        }
    }

    /** The Features read when the session started. */
    public DeviceFeatures features() {
        return features;
    }

    /** Where the device is. */
    public String path() {
        return transport.path();
    }

    /**
     * Sends {@code request} and runs the conversation until the device answers with {@code expected}.
     * For bcm-trezor's key operations; protobuf types stay inside this module.
     *
     * @throws TrezorException.Cancelled       the user refused on the device or cancelled PIN/passphrase entry
     * @throws TrezorException.WrongPin        the PIN was wrong
     * @throws TrezorException.NotInitialized  the device has no seed
     * @throws TrezorException.UnexpectedMessage the device answered with another message
     * @throws TrezorException.DeviceFailure   any other Failure
     * @throws TrezorException.Timeout         no answer in time (after a confirmation request: in {@link Timeouts#userAction()})
     */
    <T extends Message> T call(Message request, Class<T> expected) {
        transport.write(Messages.encode(request));
        Duration wait = timeouts.reply();
        while (true) {
            Message answer;
            try {
                answer = Messages.decode(transport.read(wait));
            } catch (TrezorException.Timeout e) {
                if (wait == timeouts.userAction()) {
                    sendCancel();
                    throw new TrezorException.Timeout("no decision on the device at " + transport.path() + " within "
                            + wait.toSeconds() + " s; the request was cancelled");
                }
                throw e;
            }
            if (expected.isInstance(answer)) {
                return expected.cast(answer);
            }
            if (answer instanceof ButtonRequest button) {
                interaction.confirmOnDevice(button.hasCode() ? button.getCode().name().substring("ButtonRequest_".length()) : "Other");
                transport.write(Messages.encode(TrezorMessages.ButtonAck.getDefaultInstance()));
                wait = timeouts.userAction();
            } else if (answer instanceof PinMatrixRequest pinRequest) {
                answerPin(pinRequest);
                wait = timeouts.reply();
            } else if (answer instanceof TrezorMessages.PassphraseRequest) {
                Interaction.Passphrase passphrase = interaction.passphrase();
                if (passphrase == null) {
                    transport.write(Messages.encode(TrezorMessages.Cancel.getDefaultInstance()));
                } else {
                    TrezorMessages.PassphraseAck.Builder ack = TrezorMessages.PassphraseAck.newBuilder();
                    if (passphrase.onDevice()) {
                        ack.setOnDevice(true);
                    } else {
                        ack.setPassphrase(passphrase.value());
                    }
                    transport.write(Messages.encode(ack.build()));
                    wait = passphrase.onDevice() ? timeouts.userAction() : timeouts.reply();
                }
            } else if (answer instanceof Failure failure) {
                throw failure(failure);
            } else {
                throw new TrezorException.UnexpectedMessage("the device answered " + answer.getDescriptorForType().getName()
                        + " where " + expected.getSimpleName() + " was expected");
            }
        }
    }

    private void answerPin(PinMatrixRequest request) {
        Interaction.PinRequest kind = switch (request.hasType() ? request.getType().getNumber() : 1) {
            case 2 -> Interaction.PinRequest.NEW_FIRST;
            case 3 -> Interaction.PinRequest.NEW_SECOND;
            default -> Interaction.PinRequest.CURRENT;
        };
        char[] pin = interaction.pin(kind);
        if (pin == null || pin.length == 0) {
            transport.write(Messages.encode(TrezorMessages.Cancel.getDefaultInstance()));
            return;
        }
        try {
            for (char c : pin) {
                if (c < '1' || c > '9') {
                    transport.write(Messages.encode(TrezorMessages.Cancel.getDefaultInstance()));
                    throw new TrezorException.WrongPin("a PIN is typed as positions 1-9 of the matrix the device shows");
                }
            }
            transport.write(Messages.encode(TrezorMessages.PinMatrixAck.newBuilder().setPin(new String(pin)).build()));
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    /**
     * Best effort: tell the device to abandon the current request, and take its Failure answer off
     * the link so that the next call does not read it as its own.
     */
    private void sendCancel() {
        try {
            transport.write(Messages.encode(TrezorMessages.Cancel.getDefaultInstance()));
            transport.read(Duration.ofSeconds(2));
        } catch (TrezorException e) {
            LOG.debug("could not send Cancel to {}", transport.path(), e);
        }
    }

    /** The exception for a Failure, by its code (trezor-firmware {@code messages-common.proto} FailureType). */
    static TrezorException failure(Failure failure) {
        String text = failure.hasMessage() ? failure.getMessage() : "no message";
        int code = failure.hasCode() ? failure.getCode().getNumber() : 0;
        return switch (code) {
            case 4 -> new TrezorException.Cancelled("cancelled on the device (" + text + ")");
            case 6 -> new TrezorException.Cancelled("PIN entry cancelled (" + text + ")");
            case 7 -> new TrezorException.WrongPin("wrong PIN (" + text + "); the device waits longer after each wrong try");
            case 11 -> new TrezorException.NotInitialized("the device has no seed (" + text + "): set it up with Trezor Suite first");
            case 1 -> new TrezorException.UnexpectedMessage("the device did not expect that message (" + text + ")");
            default -> new TrezorException.DeviceFailure(code, "the device refused: " + text + " (failure code " + code + ")");
        };
    }

    static DeviceFeatures features(String path, Features f) {
        String deviceId = f.hasDeviceId() ? f.getDeviceId() : "";
        return new DeviceFeatures(path, f.getVendor(), f.getModel(),
                f.getMajorVersion() + "." + f.getMinorVersion() + "." + f.getPatchVersion(), deviceId, f.getLabel(),
                f.getInitialized(), f.getPinProtection(), f.getPassphraseProtection(),
                !f.hasUnlocked() || f.getUnlocked(), deviceId.startsWith(DeviceFeatures.DEVELOPMENT_DEVICE_ID_PREFIX));
    }

    /** Ends the session on the device (EndSession, best effort) and releases the transport. */
    @Override
    public void close() {
        try {
            transport.write(Messages.encode(TrezorMessages.EndSession.getDefaultInstance()));
            transport.read(Duration.ofSeconds(2));
        } catch (TrezorException e) {
            LOG.debug("EndSession on {} failed", transport.path(), e);
        } finally {
            transport.close();
        }
    }
}
