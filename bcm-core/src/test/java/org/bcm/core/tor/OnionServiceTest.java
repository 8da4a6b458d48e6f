package org.bcm.core.tor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.swarm.ComposeFile;
import org.bcm.swarm.StackSpec;
import org.junit.jupiter.api.Test;

/** The x-bcm-onion extension: what a stack may declare, and the clear errors for what it may not. */
class OnionServiceTest {

    private static StackSpec spec(String service) {
        return ComposeFile.parse("""
                version: "3.8"
                services:
                  web:
                %s
                networks:
                  tor: {external: true, name: gateway_tor}
                  other: {driver: overlay}
                """.formatted(service.indent(4)), "test/stack.yml", Path.of("/stacks/test"), "test", Map.of());
    }

    private static List<OnionService> declared(String service) {
        return OnionService.declared("test", spec(service), "regtest");
    }

    @Test
    void aServiceOnTheTorNetworkDeclaresItsExposedPortsAsOnionServices() {
        List<OnionService> onions = declared("""
                image: x
                networks: [tor]
                expose: [8080, "9090/tcp"]
                x-bcm-onion:
                  - {name: web, port: 80, target: 8080, uri: "http://{address}:{port}/"}
                  - {name: admin, port: 9090, client-auth: true}
                  - {name: main-only, port: 1, target: 8080, chains: [mainnet]}
                """);

        assertThat(onions).containsExactly(
                new OnionService("web", "test", "web", 80, 8080, false, "http://{address}:{port}/"),
                new OnionService("admin", "test", "web", 9090, 9090, true, null));
        assertThat(onions.get(0).host()).isEqualTo("test_web");
        assertThat(onions.get(0).uriFor("abc.onion")).isEqualTo("http://abc.onion:80/");
    }

    @Test
    void aTargetPortTheServiceDoesNotPublishIsRefused() {
        assertThatThrownBy(() -> declared("""
                image: x
                networks: [tor]
                expose: [8080]
                x-bcm-onion: [{name: web, port: 80, target: 8081}]
                """)).isInstanceOf(BcmException.class)
                .hasMessageContaining("the target port 8081 is not published by the service");
    }

    @Test
    void aServiceOffTheTorNetworkBadNamesAndUnknownKeysAreRefused() {
        assertThatThrownBy(() -> declared("""
                image: x
                networks: [other]
                expose: [80]
                x-bcm-onion: [{name: web, port: 80}]
                """)).hasMessageContaining("not on the network 'tor'");
        assertThatThrownBy(() -> declared("""
                image: x
                networks: [tor]
                expose: [80]
                x-bcm-onion: [{name: Web!, port: 80}]
                """)).hasMessageContaining("invalid name 'Web!'");
        assertThatThrownBy(() -> declared("""
                image: x
                networks: [tor]
                expose: [80]
                x-bcm-onion: [{name: web, port: 80, auth: true}]
                """)).hasMessageContaining("unknown key 'auth'");
        assertThatThrownBy(() -> declared("""
                image: x
                networks: [tor]
                expose: [80]
                x-bcm-onion: [{name: web, port: 70000}]
                """)).hasMessageContaining("port must be a port from 1 to 65535");
    }

    @Test
    void twoDeclarationsOfOneNameAreRefused() {
        OnionService a = new OnionService("web", "one", "a", 80, 80, false, null);
        OnionService b = new OnionService("web", "two", "b", 80, 80, false, null);

        assertThatThrownBy(() -> OnionService.byName(List.of(a, b))).isInstanceOf(BcmException.class)
                .hasMessageContaining("'web' is declared twice: by one/a and by two/b");
    }

    @Test
    void clientNamesAreChecked() {
        OnionService.validateClientName("phone_1");
        assertThatThrownBy(() -> OnionService.validateClientName("../etc")).hasMessageContaining("Invalid client name '../etc'");
        assertThatThrownBy(() -> OnionService.validateClientName("a b")).isInstanceOf(BcmException.class);
    }
}
