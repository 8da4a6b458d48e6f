package org.bcm.trezor;

/**
 * The root of everything bcm-trezor throws. Each subclass is one thing that went wrong, so that
 * callers can tell a cancelled confirmation from a wrong PIN from an unplugged device without
 * reading messages (trezorlib's {@code exceptions.py} draws the same lines).
 */
public class TrezorException extends RuntimeException {

    public TrezorException(String message) {
        super(message);
    }

    public TrezorException(String message, Throwable cause) {
        super(message, cause);
    }

    /** No device answered: nothing plugged in, no bridge, no emulator or development device. */
    public static final class NoDevice extends TrezorException {
        public NoDevice(String message) {
            super(message);
        }
    }

    /** The device went away: unplugged, or it stopped answering in the middle of a message. */
    public static final class DeviceGone extends TrezorException {
        public DeviceGone(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The device did not answer within the time allowed. */
    public static final class Timeout extends TrezorException {
        public Timeout(String message) {
            super(message);
        }
    }

    /** Moving bytes to or from the device failed (USB, UDP, bridge). */
    public static final class TransportFailed extends TrezorException {
        public TransportFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The bytes from the device are not codec v1: wrong magic, garbage, oversize, a protobuf that does not parse. */
    public static final class Protocol extends TrezorException {
        public Protocol(String message) {
            super(message);
        }
    }

    /** The user refused on the device, or cancelled PIN or passphrase entry (Failure 4 ActionCancelled, 6 PinCancelled). */
    public static final class Cancelled extends TrezorException {
        public Cancelled(String message) {
            super(message);
        }
    }

    /** The PIN was wrong (Failure 7 PinInvalid). */
    public static final class WrongPin extends TrezorException {
        public WrongPin(String message) {
            super(message);
        }
    }

    /** The device has no seed yet (Failure 11 NotInitialized, or Features.initialized false). */
    public static final class NotInitialized extends TrezorException {
        public NotInitialized(String message) {
            super(message);
        }
    }

    /** The device answered with a message the protocol does not allow here (or Failure 1 UnexpectedMessage). */
    public static final class UnexpectedMessage extends TrezorException {
        public UnexpectedMessage(String message) {
            super(message);
        }
    }

    /** Any other Failure from the device, with the firmware's code and message. */
    public static final class DeviceFailure extends TrezorException {
        private final int code;

        public DeviceFailure(int code, String message) {
            super(message);
            this.code = code;
        }

        /** The firmware's FailureType number (e.g. 3 DataError, 9 ProcessError, 99 FirmwareError). */
        public int code() {
            return code;
        }
    }
}
