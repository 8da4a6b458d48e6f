package org.bcm.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.api.model.Swarm;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.core.DockerClientConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Replies shaped like those of dockerd 20.10 (Engine API 1.41). */
class EngineModelsTest {

    /** docker-java's own mapper, as used for its command replies. */
    private static final ObjectMapper DOCKER_JAVA = DockerClientConfig.getDefaultObjectMapper();
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String INFO_MANAGER = """
            {"ID":"ABCD:EFGH","Containers":0,"ServerVersion":"20.10.24+dfsg1","OperatingSystem":"Debian GNU/Linux 12 (bookworm)",
             "Swarm":{"NodeID":"q8zk3v0c6x2mb1h4n5p7r9t0w","NodeAddr":"10.187.4.11","LocalNodeState":"active",
              "ControlAvailable":true,"Error":"",
              "RemoteManagers":[{"NodeID":"q8zk3v0c6x2mb1h4n5p7r9t0w","Addr":"10.187.4.11:2377"}],
              "Nodes":2,"Managers":1,
              "Cluster":{"ID":"lx3o5r1b8c7d9e2f4g6h8j0k1","Version":{"Index":10},
               "CreatedAt":"2024-05-01T10:00:00.123456789Z","UpdatedAt":"2024-05-01T10:00:00.654321987Z",
               "Spec":{"Name":"default","Labels":{},"Orchestration":{"TaskHistoryRetentionLimit":5},
                "Raft":{"SnapshotInterval":10000,"KeepOldSnapshots":0,"LogEntriesForSlowFollowers":500,"ElectionTick":10,"HeartbeatTick":1},
                "Dispatcher":{"HeartbeatPeriod":5000000000},"CAConfig":{"NodeCertExpiry":7776000000000000},
                "TaskDefaults":{},"EncryptionConfig":{"AutoLockManagers":false}},
               "TLSInfo":{"TrustRoot":"-----BEGIN CERTIFICATE-----\\n...","CertIssuerSubject":"MBMxETAPBgNVBAMTCHN3YXJtLWNh","CertIssuerPublicKey":"MFkw"},
               "RootRotationInProgress":false,"DataPathPort":4789,"DefaultAddrPool":["10.0.0.0/8"],"SubnetSize":24}},
             "Warnings":null}
            """;

    static final String INFO_WORKER = """
            {"Swarm":{"NodeID":"w0rk3r1d","NodeAddr":"10.187.4.12","LocalNodeState":"active","ControlAvailable":false,
              "Error":"","RemoteManagers":[{"NodeID":"q8zk3v0c6x2mb1h4n5p7r9t0w","Addr":"10.187.4.11:2377"}]}}
            """;

    static final String INFO_INACTIVE = """
            {"Swarm":{"NodeID":"","NodeAddr":"","LocalNodeState":"inactive","ControlAvailable":false,"Error":"",
              "RemoteManagers":null}}
            """;

    static final String NODES = """
            [{"ID":"q8zk3v0c6x2mb1h4n5p7r9t0w","Version":{"Index":21},
              "CreatedAt":"2024-05-01T10:00:00.123456789Z","UpdatedAt":"2024-05-01T10:05:00.5Z",
              "Spec":{"Labels":{"bcm.tier":"bitcoin","bcm.cluster":"dev"},"Role":"manager","Availability":"active"},
              "Description":{"Hostname":"bcm-dev-01","Platform":{"Architecture":"x86_64","OS":"linux"},
               "Resources":{"NanoCPUs":4000000000,"MemoryBytes":8201457664},
               "Engine":{"EngineVersion":"20.10.24+dfsg1","Plugins":[{"Type":"Log","Name":"json-file"},{"Type":"Network","Name":"overlay"}]},
               "TLSInfo":{"TrustRoot":"x","CertIssuerSubject":"y","CertIssuerPublicKey":"z"}},
              "Status":{"State":"ready","Addr":"10.187.4.11"},
              "ManagerStatus":{"Leader":true,"Reachability":"reachable","Addr":"10.187.4.11:2377"}},
             {"ID":"w0rk3r1d","Version":{"Index":25},
              "CreatedAt":"2024-05-01T10:01:00Z","UpdatedAt":"2024-05-01T10:06:00Z",
              "Spec":{"Labels":{},"Role":"worker","Availability":"drain"},
              "Description":{"Hostname":"bcm-dev-02","Platform":{"Architecture":"x86_64","OS":"linux"},
               "Resources":{"NanoCPUs":4000000000,"MemoryBytes":8201457664},"Engine":{"EngineVersion":"20.10.24+dfsg1"}},
              "Status":{"State":"down","Message":"heartbeat failure","Addr":"10.187.4.12"}}]
            """;

    static final String VERSION = """
            {"Platform":{"Name":""},"Components":[{"Name":"Engine","Version":"20.10.24+dfsg1","Details":{"ApiVersion":"1.41"}}],
             "Version":"20.10.24+dfsg1","ApiVersion":"1.41","MinAPIVersion":"1.12","GitCommit":"5d6db84",
             "GoVersion":"go1.19.8","Os":"linux","Arch":"amd64","KernelVersion":"6.1.0-18-amd64","BuildTime":"2023-05-18T08:38:34.000000000+00:00"}
            """;

    @Test
    void managerInfoGivesAllFieldsIncludingTheClusterId() throws Exception {
        SwarmState state = EngineModels.swarmState(JSON.readTree(INFO_MANAGER));

        assertThat(state).isEqualTo(new SwarmState(LocalNodeState.ACTIVE, "q8zk3v0c6x2mb1h4n5p7r9t0w",
                "lx3o5r1b8c7d9e2f4g6h8j0k1", true, "10.187.4.11", List.of("10.187.4.11:2377"), null));
        assertThat(state.isManager()).isTrue();
    }

    @Test
    void workerInfoHasNoClusterId() throws Exception {
        SwarmState state = EngineModels.swarmState(JSON.readTree(INFO_WORKER));

        assertThat(state.localNodeState()).isEqualTo(LocalNodeState.ACTIVE);
        assertThat(state.nodeId()).isEqualTo("w0rk3r1d");
        assertThat(state.clusterId()).isNull();
        assertThat(state.controlAvailable()).isFalse();
        assertThat(state.isActive()).isTrue();
        assertThat(state.isManager()).isFalse();
        assertThat(state.remoteManagers()).containsExactly("10.187.4.11:2377");
    }

    @Test
    void inactiveInfoHasNullsAndNoManagers() throws Exception {
        SwarmState state = EngineModels.swarmState(JSON.readTree(INFO_INACTIVE));

        assertThat(state).isEqualTo(new SwarmState(LocalNodeState.INACTIVE, null, null, false, null, List.of(), null));
        assertThat(state.isActive()).isFalse();
    }

    @Test
    void errorStateCarriesTheEngineError() throws Exception {
        JsonNode info = JSON.readTree("""
                {"Swarm":{"NodeID":"","NodeAddr":"","LocalNodeState":"error","ControlAvailable":false,
                  "Error":"manager stopped: can't initialize raft node","RemoteManagers":null}}""");

        SwarmState state = EngineModels.swarmState(info);

        assertThat(state.localNodeState()).isEqualTo(LocalNodeState.ERROR);
        assertThat(state.error()).isEqualTo("manager stopped: can't initialize raft node");
    }

    @Test
    void infoWithoutSwarmSectionIsInactive() throws Exception {
        assertThat(EngineModels.swarmState(JSON.readTree("{\"ID\":\"x\"}")).localNodeState())
                .isEqualTo(LocalNodeState.INACTIVE);
    }

    @Test
    void localNodeStateParsesTheApiWords() {
        assertThat(LocalNodeState.fromApiValue("inactive")).isEqualTo(LocalNodeState.INACTIVE);
        assertThat(LocalNodeState.fromApiValue("pending")).isEqualTo(LocalNodeState.PENDING);
        assertThat(LocalNodeState.fromApiValue("active")).isEqualTo(LocalNodeState.ACTIVE);
        assertThat(LocalNodeState.fromApiValue("error")).isEqualTo(LocalNodeState.ERROR);
        assertThat(LocalNodeState.fromApiValue("locked")).isEqualTo(LocalNodeState.LOCKED);
        assertThat(LocalNodeState.fromApiValue("")).isEqualTo(LocalNodeState.INACTIVE);
        assertThat(LocalNodeState.fromApiValue(null)).isEqualTo(LocalNodeState.INACTIVE);
        assertThatThrownBy(() -> LocalNodeState.fromApiValue("ACTIVE")).isInstanceOf(IllegalArgumentException.class);
        assertThat(LocalNodeState.LOCKED.apiValue()).isEqualTo("locked");
    }

    /**
     * Why {@link EngineModels#swarmState} reads raw JSON: docker-java 3.7.1 expects "ClusterInfo"
     * where the engine sends "Cluster". When this fails after an upgrade, docker-java's Info can be
     * used again.
     */
    @Test
    void dockerJavaInfoLosesTheClusterId() throws Exception {
        Info info = DOCKER_JAVA.readValue(INFO_MANAGER, Info.class);

        assertThat(info.getSwarm().getNodeID()).isEqualTo("q8zk3v0c6x2mb1h4n5p7r9t0w");
        assertThat(info.getSwarm().getClusterInfo()).isNull();
    }

    @Test
    void nodesConvertToRecordsWithApiWords() throws Exception {
        List<com.github.dockerjava.api.model.SwarmNode> nodes = DOCKER_JAVA.readValue(NODES, new TypeReference<>() {});

        SwarmNode manager = EngineModels.swarmNode(nodes.get(0));
        SwarmNode worker = EngineModels.swarmNode(nodes.get(1));

        assertThat(manager).isEqualTo(new SwarmNode("q8zk3v0c6x2mb1h4n5p7r9t0w", "bcm-dev-01", "manager", "ready",
                "active", "10.187.4.11", Map.of("bcm.cluster", "dev", "bcm.tier", "bitcoin"), 21L, true));
        assertThat(manager.labels().keySet()).containsExactly("bcm.cluster", "bcm.tier");
        assertThat(manager.isManager()).isTrue();
        assertThat(manager.isReady()).isTrue();

        assertThat(worker).isEqualTo(new SwarmNode("w0rk3r1d", "bcm-dev-02", "worker", "down", "drain",
                "10.187.4.12", Map.of(), 25L, false));
        assertThat(worker.isManager()).isFalse();
        assertThat(worker.isReady()).isFalse();
    }

    @Test
    void nodeLabelsAreUnmodifiable() {
        SwarmNode node = new SwarmNode("id", "h", "worker", "ready", "active", null, null, 1, false);
        assertThat(node.labels()).isEmpty();
        assertThatThrownBy(() -> node.labels().put("a", "b")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void versionConverts() throws Exception {
        EngineVersion version = EngineModels.engineVersion(DOCKER_JAVA.readValue(VERSION, Version.class));

        assertThat(version).isEqualTo(new EngineVersion("20.10.24+dfsg1", "1.41", "1.12", "linux", "amd64",
                "6.1.0-18-amd64"));
    }

    @Test
    void joinTokensAreReadAndNeverPrinted() throws Exception {
        Swarm swarm = DOCKER_JAVA.readValue("""
                {"ID":"lx3o5r1b8c7d9e2f4g6h8j0k1","Version":{"Index":10},"Spec":{"Name":"default"},
                 "JoinTokens":{"Worker":"SWMTKN-1-aaaa-wwww","Manager":"SWMTKN-1-aaaa-mmmm"},
                 "RootRotationInProgress":false,"DataPathPort":4789,"SubnetSize":24}""", Swarm.class);

        JoinTokens tokens = EngineModels.joinTokens(swarm);

        assertThat(swarm.getId()).isEqualTo("lx3o5r1b8c7d9e2f4g6h8j0k1");
        assertThat(tokens.worker()).isEqualTo("SWMTKN-1-aaaa-wwww");
        assertThat(tokens.manager()).isEqualTo("SWMTKN-1-aaaa-mmmm");
        assertThat(tokens.toString()).doesNotContain("SWMTKN").contains("redacted");
        assertThat(EngineModels.joinTokens(new Swarm())).isNull();
    }
}
