package org.bcm.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bcm.swarm.StackSpec.Deploy;
import org.bcm.swarm.StackSpec.FileMount;
import org.bcm.swarm.StackSpec.FileObject;
import org.bcm.swarm.StackSpec.Healthcheck;
import org.bcm.swarm.StackSpec.Mount;
import org.bcm.swarm.StackSpec.Network;
import org.bcm.swarm.StackSpec.NetworkAttachment;
import org.bcm.swarm.StackSpec.Port;
import org.bcm.swarm.StackSpec.Resources;
import org.bcm.swarm.StackSpec.RestartPolicy;
import org.bcm.swarm.StackSpec.Service;
import org.bcm.swarm.StackSpec.UpdateConfig;
import org.bcm.swarm.StackSpec.Volume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.error.MarkedYAMLException;

class ComposeFileTest {

    private static final String ORIGIN = "stacks/gateway/stack.yml";
    private static final Path STACK_DIR = Path.of("/srv/bcm/stacks/gateway");

    private static StackSpec parse(String yaml) {
        return parse(yaml, Map.of());
    }

    private static StackSpec parse(String yaml, Map<String, String> variables) {
        return ComposeFile.parse(yaml, ORIGIN, STACK_DIR, "gateway", variables);
    }

    /** The one service of a stack file holding just {@code services: {svc: {image: nginx, <serviceBody>}}}. */
    private static Service service(String serviceBody) {
        return parse("services:\n  svc:\n    image: nginx\n" + serviceBody.indent(4)).services().get("svc");
    }

    @Test
    void parsesARealisticStack() {
        StackSpec stack = parse("""
                version: "3.8"

                x-restart: &restart
                  condition: on-failure
                  delay: 5s
                  max_attempts: 3
                  window: 2m

                services:
                  tor:
                    image: "bcm/tor:${TOR_VERSION}"
                    command: tor -f /etc/tor/torrc --SocksPort "0.0.0.0:9050 IsolateDestAddr"
                    environment:
                      TOR_LOG: notice
                      TOR_CONTROL_PORT: 9051
                      FROM_HOST:
                    healthcheck:
                      test: ["CMD", "nc", "-z", "localhost", "9050"]
                      interval: 30s
                      timeout: 5s
                      retries: 3
                      start_period: 1m
                    deploy:
                      mode: global
                      endpoint_mode: dnsrr
                      placement:
                        constraints:
                          - node.labels.bcm.tier == gateway
                      restart_policy: *restart
                      labels:
                        bcm.role: tor
                    networks:
                      gateway:
                        aliases: [tor, socks]
                    ports:
                      - target: 9050
                        published: 9050
                        protocol: tcp
                        mode: host
                      - "9053:9053/udp"
                    secrets:
                      - tor_control_password
                    configs:
                      - source: torrc
                        target: /etc/tor/torrc
                        mode: 0440
                    volumes:
                      - tor_data:/var/lib/tor
                    stop_grace_period: 1m30s
                    x-bcm-backup: true

                  proxy:
                    image: nginx:1.27-alpine
                    entrypoint: ["/docker-entrypoint.sh"]
                    labels:
                      - com.example.description=reverse proxy
                    user: "101:101"
                    read_only: true
                    deploy:
                      replicas: 2
                      resources:
                        limits: {cpus: "0.5", memory: 256M}
                        reservations: {cpus: 0.25, memory: 64m}
                      update_config:
                        parallelism: 1
                        delay: 10s
                        order: start-first
                        failure_action: rollback
                    networks: [gateway]
                    ports:
                      - "8080:80"
                    secrets:
                      - source: proxy_tls_key
                        target: tls.key
                        uid: "101"
                        gid: "101"
                        mode: 0400
                    volumes:
                      - type: tmpfs
                        target: /var/cache/nginx
                      - /srv/www:/usr/share/nginx/html:ro

                networks:
                  gateway:
                    driver: overlay
                    attachable: true
                    driver_opts:
                      encrypted: ""
                    labels:
                      bcm.network: gateway

                volumes:
                  tor_data:

                secrets:
                  tor_control_password:
                    x-bcm-generate: {length: 32}
                  proxy_tls_key:
                    file: ./secrets/proxy.key

                configs:
                  torrc:
                    file: torrc
                """, Map.of("TOR_VERSION", "0.4.8"));

        assertThat(stack.name()).isEqualTo("gateway");
        assertThat(stack.services()).containsOnlyKeys("tor", "proxy");
        assertThat(stack.extensions()).containsOnlyKeys("x-restart");

        Service tor = stack.services().get("tor");
        assertThat(tor.name()).isEqualTo("tor");
        assertThat(tor.image()).isEqualTo("bcm/tor:0.4.8");
        assertThat(tor.entrypoint()).isNull();
        assertThat(tor.command())
                .containsExactly("tor", "-f", "/etc/tor/torrc", "--SocksPort", "0.0.0.0:9050 IsolateDestAddr");
        assertThat(tor.environment()).containsExactly(Map.entry("TOR_LOG", "notice"), Map.entry("TOR_CONTROL_PORT", "9051"));
        assertThat(tor.labels()).containsExactly(Map.entry("bcm.role", "tor"));
        assertThat(tor.containerLabels()).isEmpty();
        assertThat(tor.healthcheck()).isEqualTo(new Healthcheck(List.of("CMD", "nc", "-z", "localhost", "9050"),
                Duration.ofSeconds(30), Duration.ofSeconds(5), 3, Duration.ofMinutes(1)));
        assertThat(tor.deploy()).isEqualTo(new Deploy("global", 0, "dnsrr", List.of("node.labels.bcm.tier == gateway"),
                new RestartPolicy("on-failure", Duration.ofSeconds(5), 3, Duration.ofMinutes(2)),
                new Resources(0, 0, 0, 0), null));
        assertThat(tor.networks()).containsExactly(new NetworkAttachment("gateway", List.of("tor", "socks")));
        assertThat(tor.ports()).containsExactly(new Port(9050, 9050, "tcp", "host"), new Port(9053, 9053, "udp", "ingress"));
        assertThat(tor.secrets()).containsExactly(
                new FileMount("tor_control_password", "tor_control_password", "0", "0", 0444));
        assertThat(tor.configs()).containsExactly(new FileMount("torrc", "/etc/tor/torrc", "0", "0", 0440));
        assertThat(tor.mounts()).containsExactly(new Mount("volume", "tor_data", "/var/lib/tor", false));
        assertThat(tor.stopGracePeriod()).isEqualTo(Duration.ofSeconds(90));
        assertThat(tor.stopSignal()).isNull();
        assertThat(tor.readOnly()).isFalse();
        assertThat(tor.extensions()).containsExactly(Map.entry("x-bcm-backup", BooleanNode.TRUE));

        Service proxy = stack.services().get("proxy");
        assertThat(proxy.entrypoint()).containsExactly("/docker-entrypoint.sh");
        assertThat(proxy.command()).isNull();
        assertThat(proxy.containerLabels()).containsExactly(Map.entry("com.example.description", "reverse proxy"));
        assertThat(proxy.user()).isEqualTo("101:101");
        assertThat(proxy.readOnly()).isTrue();
        assertThat(proxy.healthcheck()).isNull();
        assertThat(proxy.deploy()).isEqualTo(new Deploy("replicated", 2, "vip", List.of(), null,
                new Resources(500_000_000, 256L << 20, 250_000_000, 64L << 20),
                new UpdateConfig(1, Duration.ofSeconds(10), "start-first", "rollback")));
        assertThat(proxy.networks()).containsExactly(new NetworkAttachment("gateway", List.of()));
        assertThat(proxy.ports()).containsExactly(new Port(80, 8080, "tcp", "ingress"));
        assertThat(proxy.secrets()).containsExactly(new FileMount("proxy_tls_key", "tls.key", "101", "101", 0400));
        assertThat(proxy.mounts()).containsExactly(new Mount("tmpfs", null, "/var/cache/nginx", false),
                new Mount("bind", "/srv/www", "/usr/share/nginx/html", true));
        assertThat(proxy.extensions()).isEmpty();

        assertThat(stack.networks()).containsExactly(Map.entry("gateway", new Network("gateway", true, false,
                Map.of("encrypted", ""), Map.of("bcm.network", "gateway"), false, null)));
        assertThat(stack.volumes()).containsExactly(
                Map.entry("tor_data", new Volume("tor_data", "local", Map.of(), Map.of(), false, null)));
        assertThat(stack.secrets()).containsOnlyKeys("tor_control_password", "proxy_tls_key");
        FileObject generated = stack.secrets().get("tor_control_password");
        assertThat(generated.file()).isNull();
        assertThat(generated.external()).isFalse();
        assertThat(generated.extensions()).containsOnlyKeys("x-bcm-generate");
        assertThat(generated.extensions().get("x-bcm-generate").get("length")).isEqualTo(IntNode.valueOf(32));
        assertThat(stack.secrets().get("proxy_tls_key")).isEqualTo(new FileObject("proxy_tls_key",
                STACK_DIR.resolve("secrets/proxy.key"), Map.of(), false, null, Map.of()));
        assertThat(stack.configs()).containsExactly(Map.entry("torrc",
                new FileObject("torrc", STACK_DIR.resolve("torrc"), Map.of(), false, null, Map.of())));
    }

    @Test
    void aMinimalServiceGetsComposeDefaultsAndJoinsTheDefaultNetwork() {
        StackSpec stack = parse("services:\n  web:\n    image: nginx\n");

        Service web = stack.services().get("web");
        assertThat(web).isEqualTo(new Service("web", "nginx", null, null, Map.of(), Map.of(), Map.of(), null, null, null,
                null, new Deploy("replicated", 1, "vip", List.of(), null, new Resources(0, 0, 0, 0), null),
                List.of(new NetworkAttachment("default", List.of())), List.of(), List.of(), List.of(), List.of(), List.of(), null,
                null, false, Map.of()));
        assertThat(stack.networks()).containsExactly(
                Map.entry("default", new Network("default", false, false, Map.of(), Map.of(), false, null)));
        assertThat(stack.volumes()).isEmpty();
        assertThat(stack.secrets()).isEmpty();
        assertThat(stack.configs()).isEmpty();
        assertThat(stack.extensions()).isEmpty();
    }

    @Test
    void aDeclaredDefaultNetworkIsKeptAndNoDefaultIsAddedWhenEveryServiceNamesItsNetworks() {
        StackSpec declared = parse("""
                services:
                  web: {image: nginx}
                networks:
                  default: {attachable: true}
                """);
        assertThat(declared.networks().get("default").attachable()).isTrue();

        StackSpec named = parse("""
                services:
                  web: {image: nginx, networks: [front]}
                networks:
                  front:
                """);
        assertThat(named.networks()).containsOnlyKeys("front");
    }

    @Test
    void collectionsAreImmutableAndInFileOrder() {
        StackSpec stack = parse("""
                services:
                  zeta: {image: a}
                  alpha: {image: b, environment: {Z: "1", A: "2"}}
                """);
        assertThat(stack.services().keySet()).containsExactly("zeta", "alpha");
        assertThat(stack.services().get("alpha").environment().keySet()).containsExactly("Z", "A");
        assertThatThrownBy(() -> stack.services().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> stack.networks().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> stack.services().get("alpha").ports().clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void interpolatesStringValuesButNotKeysNorExtensions() {
        StackSpec stack = parse("""
                x-raw: ${NOT_SET}
                services:
                  web:
                    image: nginx:$TAG
                    environment:
                      PLAIN: $HOST
                      BRACED: ${HOST}:${PORT}
                      COLON_DEFAULT: ${EMPTY:-fallback}
                      DASH_DEFAULT_SET_EMPTY: ${EMPTY-fallback}
                      DASH_DEFAULT_UNSET: ${NOT_SET-fallback}
                      SET_BEATS_DEFAULT: ${HOST:-fallback}
                      REQUIRED_SET: ${HOST:?the host is needed}
                      QUESTION_EMPTY_IS_SET: ${EMPTY?not reached}
                      ESCAPED: $${HOST} costs $$5
                      $KEY: kept
                    deploy:
                      replicas: ${REPLICAS}
                    x-note: ${NOT_SET}
                """, Map.of("TAG", "1.27", "HOST", "tor", "PORT", "9050", "EMPTY", "", "REPLICAS", "3"));

        Service web = stack.services().get("web");
        assertThat(web.image()).isEqualTo("nginx:1.27");
        assertThat(web.environment()).containsExactly(
                Map.entry("PLAIN", "tor"),
                Map.entry("BRACED", "tor:9050"),
                Map.entry("COLON_DEFAULT", "fallback"),
                Map.entry("DASH_DEFAULT_SET_EMPTY", ""),
                Map.entry("DASH_DEFAULT_UNSET", "fallback"),
                Map.entry("SET_BEATS_DEFAULT", "tor"),
                Map.entry("REQUIRED_SET", "tor"),
                Map.entry("QUESTION_EMPTY_IS_SET", ""),
                Map.entry("ESCAPED", "${HOST} costs $5"),
                Map.entry("$KEY", "kept"));
        assertThat(web.deploy().replicas()).isEqualTo(3);
        assertThat(web.extensions().get("x-note")).isEqualTo(TextNode.valueOf("${NOT_SET}"));
        assertThat(stack.extensions().get("x-raw")).isEqualTo(TextNode.valueOf("${NOT_SET}"));
    }

    static Stream<Arguments> interpolationErrors() {
        return Stream.of(
                Arguments.of("image: nginx:${TAG}", "services.web.image: variable TAG is not set"),
                Arguments.of("image: nginx:$TAG", "services.web.image: variable TAG is not set"),
                Arguments.of("image: ${EMPTY:?give the image}",
                        "services.web.image: variable EMPTY is not set or empty: give the image"),
                Arguments.of("image: ${TAG?}", "services.web.image: variable TAG is not set"),
                Arguments.of("image: nginx\nuser: ${TAG:+x}",
                        "services.web.user: invalid variable reference in \"${TAG:+x}\" (write $$ for a literal $)"),
                Arguments.of("image: price $5",
                        "services.web.image: invalid variable reference in \"price $5\" (write $$ for a literal $)"));
    }

    @ParameterizedTest
    @MethodSource("interpolationErrors")
    void reportsInterpolationErrorsWithTheKeyPath(String serviceBody, String message) {
        assertThatThrownBy(() -> parse("services:\n  web:\n" + serviceBody.indent(4), Map.of("EMPTY", "")))
                .isInstanceOf(ComposeFileException.class)
                .hasMessage(ORIGIN + ": " + message);
    }

    @Test
    void readsShortSyntaxesAndAlternativeShapes() {
        StackSpec stack = parse("""
                services:
                  web:
                    image: nginx
                    command: sh -c 'echo "$$HOME" && exec nginx' a\\ b ""
                    environment: [A=1, B=, C, D=x=y]
                    labels: [flag, k=v]
                    healthcheck:
                      test: curl -f http://localhost/ || exit 1
                    deploy:
                      labels: {empty:, n: 5, b: yes}
                    networks:
                      back:
                    ports: [80, "127:80"]
                    secrets: [s]
                    configs: [{source: c, mode: "0o640"}]
                    volumes:
                      - data:/data:rw
                      - /var/cache
                      - {type: volume, source: data, target: /ro, read_only: true}
                    stop_signal: SIGQUIT
                    working_dir: /srv
                    hostname: web-1
                networks:
                  back:
                volumes:
                  data: {driver: rexray, driver_opts: {size: 10}, labels: [a=b]}
                secrets:
                  s: {external: true, name: existing_secret}
                configs:
                  c: {external: true}
                """);
        Service web = stack.services().get("web");
        assertThat(web.command()).containsExactly("sh", "-c", "echo \"$HOME\" && exec nginx", "a b", "");
        assertThat(web.environment()).containsExactly(Map.entry("A", "1"), Map.entry("B", ""), Map.entry("D", "x=y"));
        assertThat(web.containerLabels()).containsExactly(Map.entry("flag", ""), Map.entry("k", "v"));
        assertThat(web.healthcheck().test()).containsExactly("CMD-SHELL", "curl -f http://localhost/ || exit 1");
        assertThat(web.labels()).containsExactly(Map.entry("empty", ""), Map.entry("n", "5"), Map.entry("b", "true"));
        assertThat(web.networks()).containsExactly(new NetworkAttachment("back", List.of()));
        assertThat(web.ports()).containsExactly(new Port(80, null, "tcp", "ingress"), new Port(80, 127, "tcp", "ingress"));
        assertThat(web.secrets()).containsExactly(new FileMount("s", "s", "0", "0", 0444));
        assertThat(web.configs()).containsExactly(new FileMount("c", "c", "0", "0", 0640));
        assertThat(web.mounts()).containsExactly(new Mount("volume", "data", "/data", false),
                new Mount("volume", null, "/var/cache", false), new Mount("volume", "data", "/ro", true));
        assertThat(web.stopSignal()).isEqualTo("SIGQUIT");
        assertThat(web.workingDir()).isEqualTo("/srv");
        assertThat(web.hostname()).isEqualTo("web-1");
        assertThat(stack.networks()).containsOnlyKeys("back");
        assertThat(stack.volumes().get("data"))
                .isEqualTo(new Volume("data", "rexray", Map.of("size", "10"), Map.of("a", "b"), false, null));
        assertThat(stack.secrets().get("s"))
                .isEqualTo(new FileObject("s", null, Map.of(), true, "existing_secret", Map.of()));
        assertThat(stack.configs().get("c")).isEqualTo(new FileObject("c", null, Map.of(), true, "c", Map.of()));
    }

    @Test
    void convertsDurationsSizesAndCpus() {
        Service web = service("""
                healthcheck:
                  disable: true
                  interval: 1h2m3s
                  timeout: 1.5s
                  start_period: 500ms
                deploy:
                  restart_policy: {delay: 10us, window: 0}
                  resources:
                    limits: {cpus: 2, memory: 1g}
                    reservations: {cpus: "0.000000001", memory: 1024}
                stop_grace_period: 0
                """);
        assertThat(web.healthcheck()).isEqualTo(new Healthcheck(List.of("NONE"), Duration.ofSeconds(3723),
                Duration.ofMillis(1500), null, Duration.ofMillis(500)));
        assertThat(web.deploy().restartPolicy())
                .isEqualTo(new RestartPolicy(null, Duration.ofNanos(10_000), null, Duration.ZERO));
        assertThat(web.deploy().resources()).isEqualTo(new Resources(2_000_000_000L, 1L << 30, 1, 1024));
        assertThat(web.stopGracePeriod()).isEqualTo(Duration.ZERO);
    }

    @Test
    void resolvesAnchorsAliasesAndMergeKeys() {
        StackSpec stack = parse("""
                x-base: &base
                  image: bcm/base:1
                  environment: &env {LOG: info}
                  read_only: true
                services:
                  a:
                    <<: *base
                    image: bcm/a:1
                  b:
                    image: bcm/b:1
                    environment: *env
                """);
        Service a = stack.services().get("a");
        assertThat(a.image()).isEqualTo("bcm/a:1");
        assertThat(a.environment()).containsExactly(Map.entry("LOG", "info"));
        assertThat(a.readOnly()).isTrue();
        assertThat(stack.services().get("b").environment()).containsExactly(Map.entry("LOG", "info"));
    }

    @Test
    void limitsAliasesSoThatABillionLaughsCannotExhaustMemory() {
        StringBuilder yaml = new StringBuilder("x-0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int level = 1; level <= 6; level++) {
            String previous = "*l" + (level - 1);
            yaml.append("x-").append(level).append(": &l").append(level).append(" [")
                    .append(String.join(", ", Collections.nCopies(10, previous))).append("]\n");
        }
        yaml.append("services: {web: {image: nginx}}\n");

        assertThatThrownBy(() -> parse(yaml.toString()))
                .isInstanceOf(ComposeFileException.class)
                .hasMessage(ORIGIN + ": Number of aliases for non-scalar nodes exceeds the specified max=50");
    }

    @Test
    void keepsKeysSexagesimalNumbersAndTimestampsAsTheFileWritesThem() {
        Service web = service("""
                environment: {ON: 1, 0440: x, STARTED: 2001-12-14}
                ports: [22:22]
                """);
        assertThat(web.environment()).containsExactly(Map.entry("ON", "1"), Map.entry("0440", "x"),
                Map.entry("STARTED", "2001-12-14"));
        assertThat(web.ports()).containsExactly(new Port(22, 22, "tcp", "ingress"));
    }

    @Test
    void resolvesFilesInAZipFileSystem(@TempDir Path temp) throws Exception {
        URI zip = URI.create("jar:" + temp.resolve("stacks.zip").toUri());
        try (FileSystem zipfs = FileSystems.newFileSystem(zip, Map.of("create", "true"))) {
            Path stackDir = zipfs.getPath("/stacks/gateway");
            StackSpec stack = ComposeFile.parse("""
                    services: {web: {image: nginx, configs: [conf]}}
                    configs: {conf: {file: conf/nginx.conf}}
                    """, ORIGIN, stackDir, "gateway", Map.of());
            assertThat(stack.configs().get("conf").file()).isEqualTo(zipfs.getPath("/stacks/gateway/conf/nginx.conf"));
        }
    }

    static Stream<Arguments> invalidFiles() {
        return Stream.of(
                Arguments.of("", "the file is empty"),
                Arguments.of("- a\n- b\n", "expected a mapping of top-level keys, got a list"),
                Arguments.of("services: {web: {image: nginx}}\n---\nservices: {}\n",
                        "line 2, column 1: a stack file holds one YAML document, found another"),
                Arguments.of("services:\n  web:\n    image: [nginx\n  db: {}\n",
                        "line 4, column 5: expected ',' or ']', but got :"),
                Arguments.of("services:\n  web:\n    image: a\n    image: b\n", "line 4, column 5: found duplicate key image"),
                Arguments.of("services:\n  web:\n    image: *img\n", "line 3, column 12: found undefined alias img"),
                Arguments.of("x-a: &a [*a]\nservices: {web: {image: nginx}}\n", "line 1, column 6: holds an alias to itself"),
                Arguments.of("services: {web: {image: nginx, labels: {[a]: b}}}\n",
                        "line 1, column 41: a key must be a string, without an anchor or alias"),
                Arguments.of("name: gw\nservices: {web: {image: nginx}}\n",
                        "name: not supported by bcm stacks (supported: version, services, networks, volumes, secrets,"
                                + " configs, x-*)"),
                Arguments.of("version: '2'\nservices: {web: {image: nginx}}\n",
                        "version: bcm stacks use the Compose file format version 3, got \"2\""),
                Arguments.of("version: 2.4\nservices: {web: {image: nginx}}\n",
                        "version: bcm stacks use the Compose file format version 3, got \"2.4\""),
                Arguments.of("networks: {}\n", "services: required but not given"),
                Arguments.of("services: {}\n", "services: declares no service"),
                Arguments.of("services: {web:}\n", "services.web: expected a mapping, got null"),
                Arguments.of("services: {web server: {image: nginx}}\n",
                        "services.web server: invalid name (allowed: [a-zA-Z0-9][a-zA-Z0-9_.-]*)"),
                Arguments.of("services: {web: {command: nginx}}\n", "services.web.image: required but not given"),
                Arguments.of("services: {web: {image: nginx, build: .}}\n",
                        "services.web.build: not supported by bcm stacks (supported: image, command, entrypoint,"
                                + " environment, labels, user, working_dir, hostname, healthcheck, deploy, networks,"
                                + " ports, expose, secrets, configs, volumes, stop_grace_period, stop_signal, read_only, x-*)"),
                Arguments.of("services: {web: {image: nginx, deploy: {replicas: x}}}\n",
                        "services.web.deploy.replicas: expected an integer, got \"x\""),
                Arguments.of("services: {web: {image: nginx, deploy: {replicas: -1}}}\n",
                        "services.web.deploy.replicas: expected an integer >= 0, got -1"),
                Arguments.of("services: {web: {image: nginx, deploy: {mode: global, replicas: 2}}}\n",
                        "services.web.deploy.replicas: not allowed with mode: global"),
                Arguments.of("services: {web: {image: nginx, deploy: {mode: replicated-job}}}\n",
                        "services.web.deploy.mode: expected one of replicated, global, got \"replicated-job\""),
                Arguments.of("services: {web: {image: nginx, deploy: {placement: {preferences: []}}}}\n",
                        "services.web.deploy.placement.preferences: not supported by bcm stacks (supported: constraints)"),
                Arguments.of("services: {web: {image: nginx, networks: [back]}}\n",
                        "services.web.networks[0]: network \"back\" is not declared under the top-level networks"),
                Arguments.of("services: {web: {image: nginx, networks: {back: {aliases: [b]}}}}\n",
                        "services.web.networks.back: network \"back\" is not declared under the top-level networks"),
                Arguments.of("services: {web: {image: nginx, secrets: [tls]}}\n",
                        "services.web.secrets[0]: secret \"tls\" is not declared under the top-level secrets"),
                Arguments.of("services: {web: {image: nginx, configs: [{source: conf}]}}\n",
                        "services.web.configs[0].source: config \"conf\" is not declared under the top-level configs"),
                Arguments.of("services: {web: {image: nginx, volumes: ['data:/data']}}\n",
                        "services.web.volumes[0]: volume \"data\" is not declared under the top-level volumes"),
                Arguments.of("services: {web: {image: nginx, volumes: ['./html:/usr/share/nginx/html']}}\n",
                        "services.web.volumes[0]: a bind mount's source must be an absolute path on the node, got"
                                + " \"./html\""),
                Arguments.of("services: {web: {image: nginx, volumes: ['/a:b']}}\n",
                        "services.web.volumes[0]: the target must be an absolute path in the container, got \"b\""),
                Arguments.of("services: {web: {image: nginx, ports: ['1.2.3.4:80:80']}}\n",
                        "services.web.ports[0]: expected a port such as 80, 8080:80 or 53:53/udp, got \"1.2.3.4:80:80\""),
                Arguments.of("services: {web: {image: nginx, ports: [{target: 80, mode: bridge}]}}\n",
                        "services.web.ports[0].mode: expected one of ingress, host, got \"bridge\""),
                Arguments.of("services: {web: {image: nginx, stop_grace_period: 30}}\n",
                        "services.web.stop_grace_period: expected a duration with a unit such as 30s, 1m30s or 500ms,"
                                + " got 30"),
                Arguments.of("services: {web: {image: nginx, healthcheck: {interval: 1d}}}\n",
                        "services.web.healthcheck.interval: expected a duration with a unit such as 30s, 1m30s or"
                                + " 500ms, got \"1d\""),
                Arguments.of("services: {web: {image: nginx, healthcheck: {test: [nc, -z, localhost]}}}\n",
                        "services.web.healthcheck.test: a list must start with NONE, CMD or CMD-SHELL"),
                Arguments.of("services: {web: {image: nginx, read_only: 1}}\n",
                        "services.web.read_only: expected a boolean, got 1"),
                Arguments.of("services: {web: {image: nginx, deploy: {resources: {limits: {memory: 1t}}}}}\n",
                        "services.web.deploy.resources.limits.memory: expected a size such as 512m or 1g, got \"1t\""),
                Arguments.of("services: {web: {image: nginx, command: 'sh -c \"exit 1'}}\n",
                        "services.web.command: unterminated \" quote"),
                Arguments.of("services: {web: {image: nginx}}\nnetworks: {back: {driver: bridge}}\n",
                        "networks.back.driver: only the overlay driver is supported (a stack runs on a swarm), got"
                                + " \"bridge\""),
                Arguments.of("services: {web: {image: nginx}}\nnetworks: {back: {name: shared}}\n",
                        "networks.back.name: only supported together with external: true"),
                Arguments.of("services: {web: {image: nginx}}\nnetworks: {back: {external: true, attachable: true}}\n",
                        "networks.back.attachable: not allowed with external: true"),
                Arguments.of("services: {web: {image: nginx}}\nsecrets: {key: {file: ../other/key}}\n",
                        "secrets.key.file: must name a file inside the stack directory, got \"../other/key\""),
                Arguments.of("services: {web: {image: nginx}}\nconfigs: {conf: {file: /etc/passwd}}\n",
                        "configs.conf.file: must name a file inside the stack directory, got \"/etc/passwd\""),
                Arguments.of("services: {web: {image: nginx}}\nsecrets: {key: {labels: {a: b}}}\n",
                        "secrets.key: needs exactly one of file, external: true or x-* keys (that supply the content)"),
                Arguments.of("services: {web: {image: nginx}}\nsecrets: {key: {file: key, external: true}}\n",
                        "secrets.key: needs exactly one of file, external: true or x-* keys (that supply the content)"),
                Arguments.of("services: {web: {image: nginx}}\nsecrets: {key: {file: key, x-bcm-generate: {}}}\n",
                        "secrets.key: needs exactly one of file, external: true or x-* keys (that supply the content)"));
    }

    @ParameterizedTest
    @MethodSource("invalidFiles")
    void reportsEveryProblemWithOriginAndLocation(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(ComposeFileException.class)
                .hasMessage(ORIGIN + ": " + message);
    }

    @Test
    void aYamlSyntaxErrorIsOneLineAndKeepsTheParserErrorAsCause() {
        assertThatThrownBy(() -> parse("services:\n  web:\n\timage: nginx\n"))
                .isInstanceOf(ComposeFileException.class)
                .hasMessageStartingWith(ORIGIN + ": line 3, column 1: found character '\\t(TAB)' that cannot start any token")
                .hasMessageNotContaining("\n")
                .hasCauseInstanceOf(MarkedYAMLException.class);
    }

    @Test
    void rejectsAnInvalidStackName() {
        assertThatThrownBy(() -> ComposeFile.parse("services: {web: {image: nginx}}", ORIGIN, STACK_DIR, "Gateway", Map.of()))
                .isInstanceOf(ComposeFileException.class)
                .hasMessage(ORIGIN + ": invalid stack name \"Gateway\" (allowed: [a-z0-9][a-z0-9_.-]{0,39})");
    }
}
