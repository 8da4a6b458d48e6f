package org.bcm.core.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bcm.core.BcmException;
import org.bcm.core.bitcoin.BitcoinNode;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.IdentityService;
import org.bcm.core.stack.StackDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The secrets bcm derives for the bitcoin and electrum stacks: named by what they are made of, never by their values. */
class GeneratedSecretsTest {

    private static final org.bcm.core.monitoring.Monitored NONE_MONITORED = new org.bcm.core.monitoring.Monitored(List.of(), List.of());

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path dir;

    private ProjectSecrets secrets() {
        BcmHome home = new BcmHome(dir);
        return new ProjectSecrets(home, new IdentityService(home), () -> {
            throw new AssertionError("no device without an identity");
        });
    }

    private static StackDefinition stack(String name, String meta, String compose) throws Exception {
        return new StackDefinition(name, Path.of("/stacks", name), "built-in", compose, "", List.of(), null, Map.of(), Map.of(), null,
                meta == null ? YAML.createObjectNode() : YAML.readTree(meta));
    }

    private static ProjectDefinition project(String prune, String... more) {
        Map<String, Map<String, String>> stacks = new LinkedHashMap<>();
        stacks.put("gateway", Map.of("TOR_NETWORK", "offline"));
        stacks.put("bitcoin", Map.of("PRUNE", prune));
        for (String stack : more) {
            stacks.put(stack, Map.of());
        }
        return new ProjectDefinition("btc", "regtest", stacks, Instant.EPOCH);
    }

    private static JsonNode kind(String yaml) throws Exception {
        return YAML.readTree(yaml);
    }

    private static String text(ProjectSecrets.Secret secret) {
        return new String(secret.value().get(), StandardCharsets.UTF_8);
    }

    @Test
    void bitcoinConfIsNamedByItsSettingsAndPasswordSuffixesAndCarriesVerifiableRpcauth() throws Exception {
        StackDefinition bitcoin = stack("bitcoin", null, "");
        StackDefinition probe = stack("probe", "bitcoin-rpc-client: {user: probe}", "");
        ProjectSecrets secrets = secrets();
        ProjectDefinition project = project("0", "probe");
        GeneratedSecrets generated = new GeneratedSecrets(secrets, project, BitcoinNode.of(project, List.of(bitcoin, probe)), null, null, onion -> null, NONE_MONITORED);

        ProjectSecrets.Secret conf = generated.generate(bitcoin, "bitcoin_conf", kind("bitcoin-conf: true"));
        ProjectSecrets.Secret again = new GeneratedSecrets(secrets, project, BitcoinNode.of(project, List.of(bitcoin, probe)), null, null, onion -> null, NONE_MONITORED)
                .generate(bitcoin, "bitcoin_conf", kind("bitcoin-conf: true"));
        assertThat(again.suffix()).as("the same settings and passwords: the same swarm secret").isEqualTo(conf.suffix()).matches("[0-9a-f]{8}");

        // the probe's password, as its own stack gets it, verifies against the rpcauth line of bitcoin.conf
        String password = text(generated.generate(probe, "password", kind("bitcoin-rpc-password: true")));
        Matcher line = Pattern.compile("(?m)^rpcauth=probe:([0-9a-f]{32})\\$([0-9a-f]{64})$").matcher(text(conf));
        assertThat(line.find()).isTrue();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(line.group(1).getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        assertThat(HexFormat.of().formatHex(mac.doFinal(password.getBytes(StandardCharsets.UTF_8)))).isEqualTo(line.group(2));
        assertThat(text(conf)).doesNotContain(password);

        ProjectDefinition pruned = project("550", "probe");
        ProjectSecrets.Secret changed = new GeneratedSecrets(secrets, pruned, BitcoinNode.of(pruned, List.of(bitcoin, probe)), null, null, onion -> null, NONE_MONITORED)
                .generate(bitcoin, "bitcoin_conf", kind("bitcoin-conf: true"));
        assertThat(changed.suffix()).as("a changed setting: a new swarm secret").isNotEqualTo(conf.suffix());
        ProjectSecrets.Secret proxy = new GeneratedSecrets(secrets, pruned, BitcoinNode.of(pruned, List.of(bitcoin, probe)), null, null, onion -> null, NONE_MONITORED)
                .generate(bitcoin, "rpcproxy_conf", kind("rpcproxy-conf: true"));
        assertThat(text(proxy)).contains("upstream-user=rpcproxy\n").containsPattern("(?m)^rpcauth=probe:[0-9a-f]{32}\\$[0-9a-f]{64}$")
                .containsPattern("(?m)^upstream-password=[0-9a-f]{64}$");
    }

    @Test
    void kindsAreCheckedAgainstTheStackThatAsks() throws Exception {
        StackDefinition bitcoin = stack("bitcoin", null, "");
        StackDefinition other = stack("other", null, "");
        ProjectDefinition project = project("0");
        GeneratedSecrets generated = new GeneratedSecrets(secrets(), project, BitcoinNode.of(project, List.of(bitcoin)), null, null, onion -> null, NONE_MONITORED);
        assertThatThrownBy(() -> generated.generate(other, "conf", kind("bitcoin-conf: true")))
                .isInstanceOf(BcmException.class).hasMessageContaining("only the bitcoin stack");
        assertThatThrownBy(() -> generated.generate(other, "pw", kind("bitcoin-rpc-password: true")))
                .hasMessageContaining("declares no x-bcm.bitcoin-rpc-client");
        assertThatThrownBy(() -> generated.generate(other, "x", kind("nonsense: 1"))).hasMessageContaining("unknown kind 'nonsense'");
        assertThatThrownBy(() -> generated.generate(other, "x", kind("{bytes: 8}"))).hasMessageContaining("asks for 8 random bytes");
        assertThatThrownBy(() -> generated.generate(other, "x", kind("{bytes: 32, tls-key: true}"))).hasMessageContaining("exactly one kind");
        assertThatThrownBy(() -> new GeneratedSecrets(secrets(), project, Optional.empty(), null, null, onion -> null, NONE_MONITORED)
                .generate(other, "htpasswd", kind("registry-htpasswd: true"))).hasMessageContaining("not the registry's");
    }

    @Test
    void aTlsKeyAndItsCertificateAreMadeOnceAndKept() throws Exception {
        String compose = """
                secrets:
                  tls_key:
                    x-bcm-generate: {tls-key: true}
                  tls_cert:
                    x-bcm-generate: {tls-certificate: {key: tls_key, name: electrum}}
                """;
        StackDefinition electrum = stack("electrum", "bitcoin-rpc-client: {user: electrum}", compose);
        ProjectDefinition project = project("0", "electrum");
        ProjectSecrets secrets = secrets();
        GeneratedSecrets generated = new GeneratedSecrets(secrets, project, BitcoinNode.of(project, List.of(electrum)), null, null, onion -> null, NONE_MONITORED);
        ProjectSecrets.Secret cert = generated.generate(electrum, "tls_cert", kind("tls-certificate: {key: tls_key, name: electrum}"));
        X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(cert.value().get()));
        assertThat(x509.getSubjectX500Principal().getName()).isEqualTo("CN=electrum");
        assertThat(x509.getPublicKey().getAlgorithm()).isEqualTo("RSA");
        ProjectSecrets.Secret key = generated.generate(electrum, "tls_key", kind("tls-key: true"));
        assertThat(TlsIdentity.keyPair(key.value().get()).getPublic()).isEqualTo(x509.getPublicKey());
        x509.verify(x509.getPublicKey());

        ProjectSecrets.Secret again = new GeneratedSecrets(secrets, project, BitcoinNode.of(project, List.of(electrum)), null, null, onion -> null, NONE_MONITORED)
                .generate(electrum, "tls_cert", kind("tls-certificate: {key: tls_key, name: electrum}"));
        assertThat(again.value().get()).as("wallets pinned it: it never changes").isEqualTo(cert.value().get());
        assertThat(again.suffix()).isEqualTo(cert.suffix());

        ProjectSecrets.Secret conf = generated.generate(electrum, "fulcrum_conf", kind("fulcrum-conf: true"));
        assertThat(text(conf)).contains("rpcuser = electrum\n").containsPattern("(?m)^rpcpassword = [0-9a-f]{64}$");
        assertThatThrownBy(() -> generated.generate(electrum, "c", kind("tls-certificate: {key: nosuch}")))
                .hasMessageContaining("no tls-key secret");
    }
}
