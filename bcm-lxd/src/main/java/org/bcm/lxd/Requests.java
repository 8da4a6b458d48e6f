package org.bcm.lxd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The request bodies bcm sends, bound to JSON by Jackson: LXD's writable types, named as in its Go
 * client's {@code shared/api} ({@code ProjectsPost} creates, {@code ProjectPut} replaces). The
 * record components are LXD's keys, in the order LXD documents them.
 */
final class Requests {

    private Requests() {
    }

    record ServerPut(Map<String, String> config) {
    }

    record CertificatesPost(String type, String name, String certificate) {
    }

    /** A certificate trusted by redeeming a token: LXD 5.0 takes the whole token as {@code password}, 6.2+ as {@code trust_token}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CertificatesTokenPost(String type, String name, String password,
                                 @JsonProperty("trust_token") String trustToken) {
    }

    record ProjectsPost(String name, String description, Map<String, String> config) {
    }

    record ProjectPut(String description, Map<String, String> config) {
    }

    record ProfilesPost(String name, String description, Map<String, String> config,
                        Map<String, Map<String, String>> devices) {
    }

    record ProfilePut(String description, Map<String, String> config, Map<String, Map<String, String>> devices) {
    }

    record NetworksPost(String name, String type, String description, Map<String, String> config) {
    }

    record NetworkPut(String description, Map<String, String> config) {
    }

    record NetworkAclsPost(String name, String description, List<NetworkAcl.Rule> egress, List<NetworkAcl.Rule> ingress,
                           Map<String, String> config) {
    }

    record NetworkAclPut(String description, List<NetworkAcl.Rule> egress, List<NetworkAcl.Rule> ingress,
                         Map<String, String> config) {
    }

    record StoragePoolsPost(String name, String driver, String description, Map<String, String> config) {
    }

    record ImageAliasesPost(String name, String target, String description) {
    }

    /** A local image by alias or by fingerprint: the one that is null is left out. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record InstanceSource(String type, String alias, String fingerprint) {
        static InstanceSource of(ImageSource source) {
            return new InstanceSource("image", source.alias(), source.fingerprint());
        }
    }

    /** {@code profiles} is left out when null, so that LXD applies {@code default}. */
    record InstancesPost(String name, String type, String description, InstanceSource source,
                         @JsonInclude(JsonInclude.Include.NON_NULL) List<String> profiles,
                         Map<String, String> config, Map<String, Map<String, String>> devices) {
    }

    record InstancePut(String architecture, Map<String, String> config, Map<String, Map<String, String>> devices,
                       boolean ephemeral, List<String> profiles, boolean stateful, String description) {
    }

    /** {@code timeout} in seconds, -1 to wait indefinitely. */
    record InstanceStatePut(String action, long timeout, boolean force, boolean stateful) {
    }

    record InstanceExecPost(List<String> command, Map<String, String> environment,
                            @JsonProperty("wait-for-websocket") boolean waitForWebsocket,
                            @JsonProperty("record-output") boolean recordOutput,
                            boolean interactive) {
    }
}
