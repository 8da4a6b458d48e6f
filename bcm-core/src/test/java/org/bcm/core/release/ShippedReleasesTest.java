package org.bcm.core.release;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.bcm.core.image.DockerImageRecipe;
import org.junit.jupiter.api.Test;

/**
 * The releases bcm ships recipes for (stacks/bitcoin/images/bitcoind.yml, stacks/electrum/images/fulcrum.yml):
 * each key file holds exactly the pinned signers' keys, so the pins are consistent before any download.
 * (That the pinned Core builders' real signatures over 31.1's SHA256SUMS verify was checked when they
 * were pinned: docs/stacks.md, "The release step".)
 */
class ShippedReleasesTest {

    private static ReleaseSpec read(String stack, String image) {
        return DockerImageRecipe.read(image, Path.of("../stacks", stack, "images", image + ".yml"), "a".repeat(64)).releases().get(0);
    }

    @Test
    void bitcoinCorePinsSixBuilderKeysOfWhichTwoMustSign() {
        ReleaseSpec core = read("bitcoin", "bitcoind");

        assertThat(core.title()).isEqualTo("Bitcoin Core 31.1");
        assertThat(core.sha256()).isEqualTo("b80d9c3e04da78fb6f0569685673418cf686fadba9042d926d13fb87ff503f9e");
        assertThat(core.archiveName()).isEqualTo("bitcoin-31.1-x86_64-linux-gnu.tar.gz");
        assertThat(core.threshold()).isEqualTo(2);
        assertThat(ReleaseVerifier.pinnedKeys(core).keySet()).containsExactly(
                "982A193E3CE0EED535E09023188CBB2648416AD5", "ED9BDF7AD6A55E232E84524257FF9BDBCC301009",
                "152812300785C96444D3334D17565732E08E5E41", "E777299FC265DD04793070EB944D35F9AC3DB76A",
                "F4FC70F07310028424EFC20A8E4256593F177720", "D1DBF2C4B96F2DEBF4C16654410108112E7EA81F");
        assertThat(core.signers()).extracting(ReleaseSpec.Signer::name)
                .containsExactly("achow101", "fanquake", "hebasto", "Sjors", "guggero", "0xb10c");
        assertThat(core.install()).containsOnlyKeys("bitcoin-31.1/bin/bitcoind", "bitcoin-31.1/bin/bitcoin-cli");
    }

    @Test
    void fulcrumPinsItsAuthorsKey() {
        ReleaseSpec fulcrum = read("electrum", "fulcrum");

        assertThat(fulcrum.title()).isEqualTo("Fulcrum 2.1.1");
        assertThat(fulcrum.checksumsName()).isEqualTo("Fulcrum-2.1.1-shasums.txt");
        assertThat(ReleaseVerifier.pinnedKeys(fulcrum).keySet()).containsExactly("D465135F97D0047E18E99DC321810A542031C02C");
        assertThat(fulcrum.install()).containsOnlyKeys("Fulcrum-2.1.1-x86_64-linux/Fulcrum", "Fulcrum-2.1.1-x86_64-linux/FulcrumAdmin");
    }
}
