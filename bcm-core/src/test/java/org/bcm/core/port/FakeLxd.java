package org.bcm.core.port;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;
import org.bcm.lxd.Image;
import org.bcm.lxd.Instance;
import org.bcm.lxd.InstanceAction;
import org.bcm.lxd.InstanceAddress;
import org.bcm.lxd.InstanceSpec;
import org.bcm.lxd.InstanceState;
import org.bcm.lxd.LxdException;
import org.bcm.lxd.Network;
import org.bcm.lxd.NetworkAcl;
import org.bcm.lxd.NetworkSpec;
import org.bcm.lxd.Profile;
import org.bcm.lxd.ProfileSpec;
import org.bcm.lxd.Project;
import org.bcm.lxd.ProjectSpec;
import org.bcm.lxd.Server;
import org.bcm.lxd.StoragePool;
import org.bcm.lxd.StoragePoolSpec;

/**
 * An LXD endpoint in memory, behaving like LXD for what bcm uses: LXD projects holding profiles and
 * instances, networks, storage pools, image aliases; 409 for a name taken, 404 for a missing object,
 * 400 for deleting what is in use or a running instance; creations and state changes as operations
 * (that end when awaited, or stay running to stand for a run that was killed); instances get an IPv4
 * address on {@code eth0} from their network when they start.
 *
 * <p>Failures are injected per call ({@link #failNext}) to stop a flow half-way. Every mutating call
 * is logged in {@link #calls} ({@code "createInstance bcm-gateway-01"}).
 */
public final class FakeLxd {

    /** Every mutating call, in order: {@code "<method> <name>"}. */
    public final List<String> calls = new CopyOnWriteArrayList<>();
    private final Map<String, RuntimeException> failures = new HashMap<>();
    private final Map<String, Project> lxdProjects = new LinkedHashMap<>();
    private final Map<String, Network> networks = new LinkedHashMap<>();
    private final Map<String, NetworkAcl> acls = new LinkedHashMap<>();
    private final Map<String, StoragePool> pools = new LinkedHashMap<>();
    private final Map<String, Image> images = new LinkedHashMap<>();
    private final Map<String, Map<String, Profile>> profiles = new HashMap<>();
    private final Map<String, Map<String, Instance>> instances = new HashMap<>();
    private final Map<String, List<PendingOperation>> leftOver = new HashMap<>();
    private final Map<String, byte[]> files = new HashMap<>();
    private String auth = "trusted";
    private boolean answering = true;
    private boolean addresses = true;
    private int opened;
    private int closed;

    public FakeLxd() {
        lxdProjects.put("default", new Project("default", "Default LXD project", Map.of(), List.of(), ""));
        profiles.put("default", new LinkedHashMap<>(Map.of("default", toProfile(new ProfileSpec("default", "", Map.of(), Map.of())))));
        instances.put("default", new LinkedHashMap<>());
        networks.put("lxdbr0", new Network("lxdbr0", "bridge", "", true, "Created",
                Map.of("ipv4.address", "10.10.10.1/24"), List.of(), ""));
        networks.put("eth0", new Network("eth0", "physical", "", false, "", Map.of(), List.of(), ""));
    }

    /** The port: opening it counts a connection (see {@link #openConnections}). */
    public InstanceServer connect() {
        if (!answering) {
            throw new org.bcm.lxd.LxdUnavailableException("connecting to unix:///var/lib/lxd/unix.socket: Connection refused");
        }
        synchronized (this) {
            opened++;
        }
        return new Server("default", true);
    }

    /** Connections opened and not closed. */
    public synchronized int openConnections() {
        return opened - closed;
    }

    /** Makes the endpoint refuse connections (LXD down) or answer again. */
    public synchronized void answering(boolean answering) {
        this.answering = answering;
    }

    /** LXD's {@code auth} of this client: {@code trusted} or {@code untrusted}. */
    public synchronized void auth(String auth) {
        this.auth = auth;
    }

    /** Whether started instances get an address (false: DHCP never answers). */
    public synchronized void addresses(boolean addresses) {
        this.addresses = addresses;
    }

    /** Makes the next {@code method} call on {@code name} throw {@code failure} (once). */
    public synchronized void failNext(String method, String name, RuntimeException failure) {
        failures.put(method + " " + name, failure);
    }

    /** An image under {@code alias}, as an earlier import left it. */
    public synchronized void addImage(String alias) {
        images.put(alias, new Image("f".repeat(64), List.of(alias), Map.of(), 1, "x86_64", "container", "", Instant.now(), Instant.now()));
    }

    /** An object of another owner under this name (not bcm's: no labels). */
    public synchronized void addForeignNetwork(String name) {
        networks.put(name, new Network(name, "bridge", "", true, "Created", Map.of("ipv4.address", "10.99.0.1/24"), List.of(), ""));
    }

    /** An operation of an earlier, killed run still running in {@code lxdProject}; awaiting it ends it. */
    public synchronized void addLeftOverOperation(String lxdProject, String description) {
        leftOver.computeIfAbsent(lxdProject, p -> new ArrayList<>()).add(new Done(description, null));
    }

    public synchronized List<String> instanceNames(String lxdProject) {
        return new ArrayList<>(instances.getOrDefault(lxdProject, Map.of()).keySet());
    }

    public synchronized Optional<Instance> instance(String lxdProject, String name) {
        return Optional.ofNullable(instances.getOrDefault(lxdProject, Map.of()).get(name));
    }

    public synchronized Optional<Profile> profile(String lxdProject, String name) {
        return Optional.ofNullable(profiles.getOrDefault(lxdProject, Map.of()).get(name));
    }

    /** Sets an instance's status as LXD would report it (e.g. stopped behind bcm's back). */
    public synchronized void setStatus(String lxdProject, String name, String status) {
        Instance i = instances.get(lxdProject).get(name);
        instances.get(lxdProject).put(name, withStatus(i, status));
    }

    /** Every object still there besides what a fresh LXD has: {@code "network bcm-x"}, {@code "instance P/N"}... */
    public synchronized List<String> objects() {
        List<String> all = new ArrayList<>();
        lxdProjects.keySet().stream().filter(p -> !p.equals("default")).forEach(p -> all.add("LXD project " + p));
        networks.values().stream().filter(Network::managed).filter(n -> !n.name().equals("lxdbr0")).forEach(n -> all.add("network " + n.name()));
        acls.keySet().forEach(a -> all.add("network ACL " + a));
        pools.keySet().forEach(p -> all.add("storage pool " + p));
        instances.forEach((p, byName) -> byName.keySet().forEach(n -> all.add("instance " + p + "/" + n)));
        profiles.forEach((p, byName) -> byName.keySet().stream().filter(n -> !n.equals("default")).forEach(n -> all.add("profile " + p + "/" + n)));
        return all;
    }

    /** A file pushed into an instance, by LXD project, instance and path; empty when none was. */
    public synchronized Optional<String> file(String lxdProject, String instance, String path) {
        return Optional.ofNullable(files.get(lxdProject + "/" + instance + path)).map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8));
    }

    private synchronized void call(String method, String name) {
        calls.add(method + " " + name);
        RuntimeException failure = failures.remove(method + " " + name);
        if (failure != null) {
            throw failure;
        }
    }

    /** The network's configuration now (empty when it does not exist). */
    public synchronized Map<String, String> networkConfig(String name) {
        return networks.containsKey(name) ? networks.get(name).config() : Map.of();
    }

    /** The network ACL, or null. */
    public synchronized NetworkAcl acl(String name) {
        return acls.get(name);
    }

    private static LxdException notFound(String what) {
        return new LxdException(what + ": not found", 404, "not found", null);
    }

    private static LxdException conflict(String what) {
        return new LxdException(what + ": already exists", 409, "already exists", null);
    }

    private static Profile toProfile(ProfileSpec spec) {
        return new Profile(spec.name(), spec.description(), spec.config(), spec.devices(), List.of(), "");
    }

    private static Instance withStatus(Instance i, String status) {
        return new Instance(i.name(), i.type(), status, i.description(), i.profiles(), i.config(), i.devices(),
                i.expandedConfig(), i.expandedDevices(), i.createdAt(), i.etag());
    }

    /** An operation that has ended (or fails when awaited). */
    private record Done(String description, RuntimeException failure) implements PendingOperation {
        @Override
        public void await(Duration timeout) {
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** The port, working in one LXD project. */
    private final class Server implements InstanceServer {
        private final String lxdProject;
        /** Whether this is the connection itself, not a copy for another LXD project (whose close does nothing, as LxdClient's). */
        private final boolean owner;

        Server(String lxdProject, boolean owner) {
            this.lxdProject = lxdProject;
            this.owner = owner;
        }

        @Override
        public org.bcm.lxd.Server server() {
            synchronized (FakeLxd.this) {
                return new org.bcm.lxd.Server("1.0", "5.0.2", List.of(), auth, "fake", "dir", List.of("dir"), "6.1",
                        List.of("x86_64"), "", "", Map.of(), "");
            }
        }

        @Override
        public List<Project> lxdProjects() {
            synchronized (FakeLxd.this) {
                return List.copyOf(lxdProjects.values());
            }
        }

        @Override
        public Optional<Project> lxdProject(String name) {
            synchronized (FakeLxd.this) {
                return Optional.ofNullable(lxdProjects.get(name));
            }
        }

        @Override
        public void createLxdProject(ProjectSpec spec) {
            synchronized (FakeLxd.this) {
                call("createLxdProject", spec.name());
                if (lxdProjects.containsKey(spec.name())) {
                    throw conflict("LXD project " + spec.name());
                }
                lxdProjects.put(spec.name(), new Project(spec.name(), spec.description(), spec.config(), List.of(), ""));
                profiles.put(spec.name(), new LinkedHashMap<>(Map.of("default", toProfile(new ProfileSpec("default", "", Map.of(), Map.of())))));
                instances.put(spec.name(), new LinkedHashMap<>());
            }
        }

        @Override
        public void deleteLxdProject(String name) {
            synchronized (FakeLxd.this) {
                call("deleteLxdProject", name);
                if (!lxdProjects.containsKey(name)) {
                    throw notFound("LXD project " + name);
                }
                if (!instances.get(name).isEmpty() || profiles.get(name).size() > 1) {
                    throw new LxdException("Only empty projects can be removed", 400, "Only empty projects can be removed", null);
                }
                lxdProjects.remove(name);
                profiles.remove(name);
                instances.remove(name);
            }
        }

        @Override
        public List<Network> networks() {
            synchronized (FakeLxd.this) {
                return List.copyOf(networks.values());
            }
        }

        @Override
        public Optional<Network> network(String name) {
            synchronized (FakeLxd.this) {
                return Optional.ofNullable(networks.get(name));
            }
        }

        @Override
        public void createNetwork(NetworkSpec spec) {
            synchronized (FakeLxd.this) {
                call("createNetwork", spec.name());
                if (networks.containsKey(spec.name())) {
                    throw conflict("network " + spec.name());
                }
                networks.put(spec.name(), new Network(spec.name(), spec.type(), spec.description(), true, "Created", spec.config(), List.of(), ""));
            }
        }

        @Override
        public void updateNetwork(NetworkSpec spec) {
            synchronized (FakeLxd.this) {
                call("updateNetwork", spec.name());
                Network n = networks.get(spec.name());
                if (n == null) {
                    throw notFound("network " + spec.name());
                }
                networks.put(n.name(), new Network(n.name(), n.type(), spec.description(), true, n.status(), spec.config(), n.usedBy(), ""));
            }
        }

        @Override
        public Optional<NetworkAcl> networkAcl(String name) {
            synchronized (FakeLxd.this) {
                return Optional.ofNullable(acls.get(name));
            }
        }

        @Override
        public void createNetworkAcl(NetworkAcl acl) {
            synchronized (FakeLxd.this) {
                call("createNetworkAcl", acl.name());
                if (acls.putIfAbsent(acl.name(), acl) != null) {
                    throw conflict("network ACL " + acl.name());
                }
            }
        }

        @Override
        public void updateNetworkAcl(NetworkAcl acl) {
            synchronized (FakeLxd.this) {
                call("updateNetworkAcl", acl.name());
                if (acls.replace(acl.name(), acl) == null) {
                    throw notFound("network ACL " + acl.name());
                }
            }
        }

        @Override
        public void deleteNetworkAcl(String name) {
            synchronized (FakeLxd.this) {
                call("deleteNetworkAcl", name);
                if (networks.values().stream().anyMatch(n -> name.equals(n.config().get("security.acls")))) {
                    throw new LxdException("network ACL " + name + ": in use", 400, "ACL is in use", null);
                }
                if (acls.remove(name) == null) {
                    throw notFound("network ACL " + name);
                }
            }
        }

        @Override
        public void deleteNetwork(String name) {
            synchronized (FakeLxd.this) {
                call("deleteNetwork", name);
                if (networks.remove(name) == null) {
                    throw notFound("network " + name);
                }
            }
        }

        @Override
        public List<StoragePool> storagePools() {
            synchronized (FakeLxd.this) {
                return List.copyOf(pools.values());
            }
        }

        @Override
        public Optional<StoragePool> storagePool(String name) {
            synchronized (FakeLxd.this) {
                return Optional.ofNullable(pools.get(name));
            }
        }

        @Override
        public void createStoragePool(StoragePoolSpec spec) {
            synchronized (FakeLxd.this) {
                call("createStoragePool", spec.name());
                if (pools.containsKey(spec.name())) {
                    throw conflict("storage pool " + spec.name());
                }
                pools.put(spec.name(), new StoragePool(spec.name(), spec.driver(), spec.description(), "Created", spec.config(), List.of(), ""));
            }
        }

        @Override
        public void deleteStoragePool(String name) {
            synchronized (FakeLxd.this) {
                call("deleteStoragePool", name);
                if (pools.remove(name) == null) {
                    throw notFound("storage pool " + name);
                }
            }
        }

        @Override
        public Optional<Image> imageByAlias(String alias) {
            synchronized (FakeLxd.this) {
                return Optional.ofNullable(images.get(alias));
            }
        }

        @Override
        public Image importImage(Path metadataTarball, Path rootfsTarball, Map<String, String> properties, LongConsumer sent,
                Duration timeout) {
            // LXD's fingerprint: the SHA-256 of the metadata then the rootfs tarball; an image it has is not uploaded again
            synchronized (FakeLxd.this) {
                call("importImage", metadataTarball.getFileName().toString());
                try (var digest = new java.security.DigestOutputStream(java.io.OutputStream.nullOutputStream(),
                        java.security.MessageDigest.getInstance("SHA-256"))) {
                    java.nio.file.Files.copy(metadataTarball, digest);
                    java.nio.file.Files.copy(rootfsTarball, digest);
                    String fingerprint = java.util.HexFormat.of().formatHex(digest.getMessageDigest().digest());
                    sent.accept(java.nio.file.Files.size(metadataTarball) + java.nio.file.Files.size(rootfsTarball));
                    return images.values().stream().filter(i -> i.fingerprint().equals(fingerprint)).findFirst()
                            .orElseGet(() -> new Image(fingerprint, List.of(), properties, 1, "x86_64", "container", "",
                                    Instant.now(), Instant.now()));
                } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
                    throw new LxdException("importing image: " + e.getMessage(), 0, null, e);
                }
            }
        }

        @Override
        public void createImageAlias(String alias, String fingerprint, String description) {
            synchronized (FakeLxd.this) {
                call("createImageAlias", alias);
                if (images.containsKey(alias)) {
                    throw conflict("image alias " + alias);
                }
                images.put(alias, new Image(fingerprint, List.of(alias), Map.of(), 1, "x86_64", "container", "",
                        Instant.now(), Instant.now()));
            }
        }

        @Override
        public InstanceServer useLxdProject(String name) {
            return new Server(name, false);
        }

        @Override
        public String lxdProjectInUse() {
            return lxdProject;
        }

        private Map<String, Profile> profilesHere() {
            Map<String, Profile> here = profiles.get(lxdProject);
            if (here == null) {
                throw notFound("LXD project " + lxdProject);
            }
            return here;
        }

        private Map<String, Instance> instancesHere() {
            Map<String, Instance> here = instances.get(lxdProject);
            if (here == null) {
                throw notFound("LXD project " + lxdProject);
            }
            return here;
        }

        /** The devices of the profiles, in order, then the instance's own (LXD's expanded devices). */
        private Map<String, Map<String, String>> expanded(List<String> profileNames, Map<String, Map<String, String>> own) {
            Map<String, Map<String, String>> devices = new LinkedHashMap<>();
            profileNames.forEach(p -> devices.putAll(profilesHere().get(p).devices()));
            devices.putAll(own);
            return devices;
        }

        @Override
        public List<Profile> profiles() {
            synchronized (FakeLxd.this) {
                return List.copyOf(profilesHere().values());
            }
        }

        @Override
        public Optional<Profile> profile(String name) {
            synchronized (FakeLxd.this) {
                return Optional.ofNullable(profilesHere().get(name));
            }
        }

        @Override
        public void createProfile(ProfileSpec spec) {
            synchronized (FakeLxd.this) {
                call("createProfile", spec.name());
                if (profilesHere().containsKey(spec.name())) {
                    throw conflict("profile " + spec.name());
                }
                profilesHere().put(spec.name(), toProfile(spec));
            }
        }

        @Override
        public void updateProfile(ProfileSpec spec) {
            synchronized (FakeLxd.this) {
                call("updateProfile", spec.name());
                if (!profilesHere().containsKey(spec.name())) {
                    throw notFound("profile " + spec.name());
                }
                profilesHere().put(spec.name(), toProfile(spec));
            }
        }

        @Override
        public void deleteProfile(String name) {
            synchronized (FakeLxd.this) {
                call("deleteProfile", name);
                if (instancesHere().values().stream().anyMatch(i -> i.profiles().contains(name))) {
                    throw new LxdException("Profile is currently in use", 400, "Profile is currently in use", null);
                }
                if (profilesHere().remove(name) == null) {
                    throw notFound("profile " + name);
                }
            }
        }

        @Override
        public List<Instance> instances() {
            synchronized (FakeLxd.this) {
                return List.copyOf(instancesHere().values());
            }
        }

        @Override
        public List<Instance> instancesWithConfig(String key, String value) {
            return instances().stream().filter(i -> value.equals(i.config().get(key))).toList();
        }

        @Override
        public Optional<Instance> instance(String name) {
            synchronized (FakeLxd.this) {
                return Optional.ofNullable(instancesHere().get(name));
            }
        }

        @Override
        public PendingOperation createInstance(InstanceSpec spec) {
            synchronized (FakeLxd.this) {
                call("createInstance", spec.name());
                if (instancesHere().containsKey(spec.name())) {
                    throw conflict("instance " + spec.name());
                }
                if (spec.source().alias() != null && !images.containsKey(spec.source().alias())) {
                    return new Done("Creating instance", notFound("image alias " + spec.source().alias()));
                }
                for (String p : spec.profiles()) {
                    if (!profilesHere().containsKey(p)) {
                        return new Done("Creating instance", notFound("profile " + p));
                    }
                }
                instancesHere().put(spec.name(), new Instance(spec.name(), "container", "Stopped", spec.description(),
                        spec.profiles(), spec.config(), spec.devices(), spec.config(), expanded(spec.profiles(), spec.devices()),
                        Instant.now(), ""));
                return new Done("Creating instance", null);
            }
        }

        @Override
        public void updateInstanceConfig(String name, Map<String, String> config, Map<String, Map<String, String>> devices) {
            synchronized (FakeLxd.this) {
                call("updateInstanceConfig", name);
                Instance i = instancesHere().get(name);
                if (i == null) {
                    throw notFound("instance " + name);
                }
                Map<String, String> newConfig = new LinkedHashMap<>(i.config());
                newConfig.putAll(config);
                Map<String, Map<String, String>> newDevices = new LinkedHashMap<>(i.devices());
                newDevices.putAll(devices);
                instancesHere().put(name, new Instance(name, i.type(), i.status(), i.description(), i.profiles(), newConfig,
                        newDevices, newConfig, expanded(i.profiles(), newDevices), i.createdAt(), i.etag()));
            }
        }

        @Override
        public PendingOperation changeState(String name, InstanceAction action, Duration timeout, boolean force) {
            synchronized (FakeLxd.this) {
                call("changeState " + action.apiName(), name);
                Instance i = instancesHere().get(name);
                if (i == null) {
                    throw notFound("instance " + name);
                }
                instancesHere().put(name, withStatus(i, action == InstanceAction.START ? "Running" : "Stopped"));
                return new Done(action.apiName() + " instance", null);
            }
        }

        @Override
        public PendingOperation deleteInstance(String name) {
            synchronized (FakeLxd.this) {
                call("deleteInstance", name);
                Instance i = instancesHere().get(name);
                if (i == null) {
                    throw notFound("instance " + name);
                }
                if (i.running()) {
                    throw new LxdException("Instance is running", 400, "Instance is running", null);
                }
                instancesHere().remove(name);
                return new Done("Deleting instance", null);
            }
        }

        @Override
        public Optional<InstanceState> instanceState(String name) {
            synchronized (FakeLxd.this) {
                Instance i = instancesHere().get(name);
                if (i == null) {
                    return Optional.empty();
                }
                List<InstanceAddress> list = new ArrayList<>();
                Map<String, String> nic = i.expandedDevices().get("eth0");
                Network network = nic == null ? null : networks.get(nic.get("network"));
                if (i.running() && addresses && network != null) {
                    String gateway = network.config().get("ipv4.address");
                    String prefix = gateway.substring(0, gateway.lastIndexOf('.') + 1);
                    int host = 10 + List.copyOf(instancesHere().keySet()).indexOf(name);
                    list.add(new InstanceAddress("eth0", "inet", prefix + host, "24", "global"));
                }
                if (i.running() && addresses && i.expandedDevices().containsKey(org.bcm.core.cluster.ClusterDefinition.LAN_NIC)) {
                    // a macvlan NIC on the endpoint's LAN: an address from the LAN's DHCP
                    int host = 100 + List.copyOf(instancesHere().keySet()).indexOf(name);
                    list.add(new InstanceAddress(org.bcm.core.cluster.ClusterDefinition.LAN_NIC, "inet", "192.168.50." + host, "24", "global"));
                }
                return Optional.of(new InstanceState(i.status(), i.running() ? 103 : 102, 1, 1, list));
            }
        }

        @Override
        public List<PendingOperation> runningOperations() {
            synchronized (FakeLxd.this) {
                return List.copyOf(leftOver.getOrDefault(lxdProject, List.of()));
            }
        }

        @Override
        public void awaitAll(List<PendingOperation> operations, Duration timeout) {
            RuntimeException first = null;
            for (PendingOperation op : operations) {
                try {
                    op.await(timeout);
                } catch (RuntimeException e) {
                    first = first == null ? e : first;
                }
                synchronized (FakeLxd.this) {
                    leftOver.getOrDefault(lxdProject, new ArrayList<>()).remove(op);
                }
            }
            if (first != null) {
                throw first;
            }
        }

        @Override
        public List<Image> images() {
            synchronized (FakeLxd.this) {
                return List.copyOf(images.values());
            }
        }

        @Override
        public PendingOperation deleteImage(String fingerprint) {
            synchronized (FakeLxd.this) {
                call("deleteImage", fingerprint);
                if (!images.values().removeIf(i -> i.fingerprint().equals(fingerprint))) {
                    throw notFound("image " + fingerprint);
                }
                return new Done("Deleting image", null);
            }
        }

        @Override
        public void pushFile(String instance, String path, byte[] content, int mode) {
            synchronized (FakeLxd.this) {
                call("pushFile", instance + ":" + path);
                if (!instancesHere().containsKey(instance)) {
                    throw notFound("instance " + instance);
                }
                files.put(lxdProject + "/" + instance + path, content);
            }
        }

        /** The fake starts no processes: exec streams (a remote endpoint's Docker relays) need a real LXD (InstancesIT, RemoteEndpointIT). */
        @Override
        public org.bcm.lxd.ExecStream execStream(String instance, List<String> command) {
            throw new UnsupportedOperationException("FakeLxd runs no commands; exec streams are tested against the real LXD");
        }

        /** Like a local LXD reached through its unix socket: it trusts by socket access, so its trust store is empty. */
        @Override
        public List<org.bcm.lxd.Certificate> certificates() {
            return List.of();
        }

        /** A token is redeemed for the client certificate of a TLS session; the fake has no TLS (RemoteIT tests the real one). */
        @Override
        public void trustWithToken(String name, org.bcm.lxd.TrustToken token) {
            throw new UnsupportedOperationException("FakeLxd has no TLS session whose certificate a token could trust");
        }

        @Override
        public void removeCertificate(String fingerprint) {
            synchronized (FakeLxd.this) {
                call("removeCertificate", fingerprint);
                throw notFound("certificate " + fingerprint);
            }
        }

        @Override
        public void close() {
            synchronized (FakeLxd.this) {
                if (owner) {
                    closed++;
                }
            }
        }
    }
}
