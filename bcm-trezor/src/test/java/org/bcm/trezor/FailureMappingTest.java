package org.bcm.trezor;

import static org.assertj.core.api.Assertions.assertThat;

import org.bcm.trezor.wire.TrezorMessages.Failure;
import org.bcm.trezor.wire.TrezorMessages.Failure.FailureType;
import org.junit.jupiter.api.Test;

/** Each Failure code the firmware sends becomes its own exception. */
class FailureMappingTest {

    private static TrezorException map(FailureType code) {
        return TrezorClient.failure(Failure.newBuilder().setCode(code).setMessage("m").build());
    }

    @Test
    void failureCodesMapToDistinctExceptions() {
        assertThat(map(FailureType.Failure_ActionCancelled)).isInstanceOf(TrezorException.Cancelled.class);
        assertThat(map(FailureType.Failure_PinCancelled)).isInstanceOf(TrezorException.Cancelled.class)
                .hasMessageContaining("PIN entry cancelled");
        assertThat(map(FailureType.Failure_PinInvalid)).isInstanceOf(TrezorException.WrongPin.class);
        assertThat(map(FailureType.Failure_NotInitialized)).isInstanceOf(TrezorException.NotInitialized.class)
                .hasMessageContaining("Trezor Suite");
        assertThat(map(FailureType.Failure_UnexpectedMessage)).isInstanceOf(TrezorException.UnexpectedMessage.class);
        TrezorException firmware = map(FailureType.Failure_FirmwareError);
        assertThat(firmware).isInstanceOfSatisfying(TrezorException.DeviceFailure.class, e -> assertThat(e.code()).isEqualTo(99));
        assertThat(TrezorClient.failure(Failure.getDefaultInstance())).isInstanceOf(TrezorException.DeviceFailure.class)
                .hasMessageContaining("no message");
    }
}
