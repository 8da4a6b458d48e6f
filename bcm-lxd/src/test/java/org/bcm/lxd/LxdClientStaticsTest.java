package org.bcm.lxd;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LxdClientStaticsTest {

    @Test
    void propertiesHeaderIsSortedFormEncodedQueryString() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("os", "Debian");
        props.put("description", "bcm base & more=1");
        props.put("release", "bookworm/ü");
        String header = Images.encodeProperties(props);
        assertThat(header).isEqualTo("description=bcm+base+%26+more%3D1&os=Debian&release=bookworm%2F%C3%BC");
        assertThat(header).matches("[\\x21-\\x7e]*"); // a valid, ASCII-only header value
        // decodes back to the same properties
        Map<String, String> decoded = new HashMap<>();
        for (String pair : header.split("&")) {
            String[] kv = pair.split("=", 2);
            decoded.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        assertThat(decoded).isEqualTo(props);
        assertThat(Images.encodeProperties(Map.of())).isEmpty();
    }

    @Test
    void mergeSetsAndRemovesKeys() {
        Map<String, String> changes = new HashMap<>();
        changes.put("a", "2");
        changes.put("b", null);
        changes.put("d", "4");
        assertThat(Instances.merge(Map.of("a", "1", "b", "2", "c", "3"), changes))
                .containsExactlyInAnyOrderEntriesOf(Map.of("a", "2", "c", "3", "d", "4"));
        assertThat(Instances.merge(Map.of("a", "1"), null)).isEqualTo(Map.of("a", "1"));
    }

    @Test
    void localSocketPrefersLxdDirThenDebianThenSnap() {
        assertThat(LxdConnection.localSocketCandidates(Map.of("LXD_DIR", "/srv/lxd")))
                .containsExactly(Path.of("/srv/lxd/unix.socket"));
        assertThat(LxdConnection.localSocketCandidates(Map.of()))
                .containsExactly(Path.of("/var/lib/lxd/unix.socket"), Path.of("/var/snap/lxd/common/lxd/unix.socket"));
        assertThat(LxdConnection.localSocketCandidates(Map.of("LXD_DIR", " "))).hasSize(2);
    }

    @Test
    void splitImageFingerprintIsSha256OfBothFilesInOrder(@TempDir Path dir) throws Exception {
        byte[] meta = "metadata".getBytes(StandardCharsets.UTF_8);
        byte[] rootfs = new byte[200_000];
        Arrays.fill(rootfs, (byte) 7);
        Path m = Files.write(dir.resolve("m.tar"), meta);
        Path r = Files.write(dir.resolve("r.tar"), rootfs);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(meta);
        sha.update(rootfs);
        assertThat(Images.splitImageFingerprint(m, r)).isEqualTo(HexFormat.of().formatHex(sha.digest()));
        assertThat(Images.splitImageFingerprint(r, m)).isNotEqualTo(Images.splitImageFingerprint(m, r));
    }

    @Test
    void connectingToAMissingSocketFailsAtOnceNamingIt(@TempDir Path dir) {
        Path missing = dir.resolve("nothing.socket");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LxdClient.connectUnixSocket(missing))
                .isInstanceOf(LxdUnavailableException.class).hasMessageContaining(missing.toString());
    }

    @Test
    void instanceActionsUseLxdWords() {
        assertThat(List.of(InstanceAction.values()).stream().map(InstanceAction::apiName))
                .containsExactly("start", "stop", "restart", "freeze", "unfreeze");
    }
}
