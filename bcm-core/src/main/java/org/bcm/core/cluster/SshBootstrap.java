package org.bcm.core.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.jcraft.jsch.AgentIdentityRepository;
import com.jcraft.jsch.AgentProxyException;
import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchChangedHostKeyException;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.JSchUnknownHostKeyException;
import com.jcraft.jsch.SSHAgentConnector;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.UserInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.identity.ssh.SshAgent;
import org.bcm.core.identity.ssh.SshIdentities;
import org.bcm.core.identity.ssh.SshKeySpec;
import org.bcm.core.identity.ssh.SshPublicKey;

/**
 * Brings a host under management over SSH for {@code bcm cluster create --provider=ssh}: logs in
 * (jsch; the host key checked against the operator's {@code ~/.ssh/known_hosts} and bcm's own
 * {@code ssh/known_hosts}, an unknown key accepted only when it matches {@code --ssh-host-key} or
 * the operator confirms its fingerprint; authenticated by the Trezor-held identity {@code USER@HOST}
 * through bcm's {@link SshAgent}, or a key file), runs {@code scripts/lxd-endpoint.sh} as root (LXD
 * installed, started, initialised, listening on {@code :8443}), reads the server certificate, and
 * adds the controller's client certificate to LXD's trust store. After that bcm talks to the host
 * only through LXD's HTTPS API.
 */
final class SshBootstrap implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_MS = 15_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCRIPT = "/bcm/scripts/lxd-endpoint.sh";

    private final SshLogin login;
    private final Progress progress;
    private final Session session;
    private final AutoCloseable agent;
    private final String sudo;

    private SshBootstrap(SshLogin login, Progress progress, Session session, AutoCloseable agent) {
        this.login = login;
        this.progress = progress;
        this.session = session;
        this.agent = agent;
        this.sudo = "root".equals(login.user()) ? "" : "sudo -n ";
    }

    /**
     * Logs in.
     *
     * @throws BcmException SSH_FAILED (host unreachable, host key unknown or changed, login refused)
     */
    static SshBootstrap connect(BcmHome home, SshLogin login, Progress progress) {
        JSch jsch = new JSch();
        CheckedHostKeys hostKeys = new CheckedHostKeys(home, login);
        jsch.setHostKeyRepository(hostKeys);
        AutoCloseable agent = () -> { };
        try {
            if (login.identityFile() != null) {
                jsch.addIdentity(login.identityFile().toString());
            } else {
                if (login.device() == null) {
                    throw new BcmException(Kind.INVALID_INPUT, "No way to log in to " + login,
                            "give --ssh-identity-file, or connect the Trezor holding the ssh identity " + login.user() + "@" + login.hostname());
                }
                DeviceKeys device = login.device().get();
                SshPublicKey key = new SshIdentities(home).keyFor(SshKeySpec.parse(login.user() + "@" + login.hostname(), 0, null), device);
                SshAgent running = SshAgent.startPrivate(List.of(key), device);
                agent = running;
                progress.report("ssh", "logging in to " + login + " with " + key.keyType() + " " + key.fingerprint() + " (Trezor)");
                jsch.setIdentityRepository(new AgentIdentityRepository(new SSHAgentConnector(running.socket())));
            }
            Session session = jsch.getSession(login.user(), login.hostname(), login.port());
            session.setConfig("StrictHostKeyChecking", "yes");
            session.setConfig("PreferredAuthentications", "publickey");
            session.setServerAliveInterval(15_000);
            session.setUserInfo(new QuietUserInfo());
            session.connect(CONNECT_TIMEOUT_MS);
            return new SshBootstrap(login, progress, session, agent);
        } catch (JSchUnknownHostKeyException e) {
            DockerRelay.closeQuietly(agent);
            throw new BcmException(Kind.SSH_FAILED, "The host key of " + login.hostname() + " is not known: " + hostKeys.seen,
                    "check it on the host ('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub') and pass --ssh-host-key=" + hostKeys.seen);
        } catch (JSchChangedHostKeyException e) {
            DockerRelay.closeQuietly(agent);
            throw new BcmException(Kind.SSH_FAILED, "The host key of " + login.hostname() + " changed: it is now " + hostKeys.seen
                    + ", not the one in " + hostKeys.where, "if the host was reinstalled, check the new key and remove the old line: "
                    + "ssh-keygen -R " + login.hostname() + " -f " + hostKeys.where + "; otherwise something else answers at " + login.hostname());
        } catch (JSchException | AgentProxyException e) {
            DockerRelay.closeQuietly(agent);
            throw failure(login, e);
        } catch (RuntimeException e) {
            DockerRelay.closeQuietly(agent);
            throw e;
        }
    }

    private static BcmException failure(SshLogin login, Exception e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnknownHostException || cause instanceof ConnectException || cause instanceof NoRouteToHostException
                    || cause instanceof SocketTimeoutException) {
                return new BcmException(Kind.SSH_FAILED, "Cannot reach " + login.hostname() + ":" + login.port() + " with SSH: " + cause.getMessage(),
                        "check the host name and port, and that sshd runs there", e);
            }
        }
        String message = String.valueOf(e.getMessage());
        if (message.contains("Auth fail") || message.contains("Auth cancel")) {
            return new BcmException(Kind.SSH_FAILED, login.hostname() + " refused the login of " + login.user(),
                    login.identityFile() != null ? "add the public key of " + login.identityFile() + " to ~" + login.user() + "/.ssh/authorized_keys there"
                            : "add the line 'bcm ssh newkey " + login.user() + "@" + login.hostname() + "' prints to ~" + login.user()
                            + "/.ssh/authorized_keys there", e);
        }
        return new BcmException(Kind.SSH_FAILED, "SSH to " + login + " failed: " + message,
                "check that sshd runs there and that the host is reachable, then run the command again", e);
    }

    /**
     * Runs {@code scripts/lxd-endpoint.sh} as root with the HTTPS API on {@code :8443}, its progress
     * shown line by line, and returns the certificate LXD serves (its own answer to {@code lxc query
     * /1.0}, {@code environment.certificate}).
     *
     * @return the server certificate, PEM
     * @throws BcmException SSH_FAILED when the script fails (its last lines in the message) or LXD listens on another port
     */
    String setUpLxd() {
        byte[] script;
        try (InputStream in = SshBootstrap.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new BcmException(Kind.INTERNAL, "bcm is missing " + SCRIPT, "reinstall bcm");
            }
            script = in.readAllBytes();
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Cannot read " + SCRIPT, "reinstall bcm", e);
        }
        progress.report("ssh", "installing and initialising LXD on " + login.hostname() + " where needed");
        Result setup = run(sudo + "env BCM_HTTPS_ADDRESS=:" + RemoteEndpoint.LXD_PORT + " sh -s", script, true);
        String address = setup.stdout().lines().filter(l -> l.startsWith("https_address")).map(l -> l.substring("https_address".length()).strip())
                .findFirst().orElse(null);
        if (setup.exit() != 0 || address == null) {
            throw new BcmException(Kind.SSH_FAILED, "Setting up LXD on " + login.hostname() + " failed (exit " + setup.exit() + "): "
                    + setup.lastLines(), "fix the cause on the host, then run the command again");
        }
        if (!address.endsWith(":" + RemoteEndpoint.LXD_PORT)) {
            throw new BcmException(Kind.SSH_FAILED, "LXD on " + login.hostname() + " listens for HTTPS at '" + address + "', and bcm uses port "
                    + RemoteEndpoint.LXD_PORT, "there: lxc config set core.https_address :" + RemoteEndpoint.LXD_PORT + " (or an address of the host"
                    + " with that port); then run the command again");
        }
        // The certificate LXD serves (a clustered LXD serves cluster.crt, a snap keeps it elsewhere): LXD's own answer.
        Result server = run(sudo + "lxc query /1.0", new byte[0], false);
        String certificate = null;
        try {
            certificate = JSON.readTree(server.stdout()).path("environment").path("certificate").asText(null);
        } catch (IOException e) {
            // not JSON: reported below
        }
        if (server.exit() != 0 || certificate == null || !certificate.contains("BEGIN CERTIFICATE")) {
            throw new BcmException(Kind.SSH_FAILED, "Cannot read the certificate of LXD on " + login.hostname() + ": " + server.lastLines(),
                    "check 'lxc query /1.0' there");
        }
        return certificate;
    }

    /**
     * Adds a client certificate to the host's LXD trust store ({@code lxc config trust add}).
     *
     * @throws BcmException SSH_FAILED when {@code lxc} refuses
     */
    void trust(String clientCertificatePem, String name) {
        progress.report("ssh", "adding bcm's client certificate to the trust store of LXD on " + login.hostname());
        Result added = run(sudo + "sh -c 'f=$(mktemp) && cat > \"$f\" && lxc config trust add \"$f\" --name " + name
                + "; rc=$?; rm -f \"$f\"; exit $rc'", clientCertificatePem.getBytes(StandardCharsets.US_ASCII), false);
        if (added.exit() != 0) {
            throw new BcmException(Kind.SSH_FAILED, "LXD on " + login.hostname() + " did not trust bcm's certificate: " + added.lastLines(),
                    "check 'lxc config trust list' there, then run the command again");
        }
    }

    /** A remote command's exit code and output. */
    private record Result(int exit, String stdout, String stderr) {
        String lastLines() {
            List<String> lines = (stderr.isBlank() ? stdout : stderr).lines().toList();
            return String.join(" / ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        }
    }

    private Result run(String command, byte[] stdin, boolean showProgress) {
        ChannelExec channel = null;
        try {
            channel = (ChannelExec) session.openChannel("exec");
            channel.setCommand(command);
            channel.setInputStream(new ByteArrayInputStream(stdin));
            InputStream out = channel.getInputStream();
            InputStream err = channel.getErrStream();
            channel.connect(CONNECT_TIMEOUT_MS);
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            Thread errors = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(err, StandardCharsets.UTF_8))) {
                    for (String line; (line = reader.readLine()) != null; ) {
                        synchronized (stderr) {
                            stderr.writeBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
                        }
                        if (showProgress) {
                            progress.report(login.hostname(), line.strip());
                        }
                    }
                } catch (IOException e) {
                    // the channel closed: what was read is kept
                }
            }, "ssh-stderr");
            errors.setDaemon(true);
            errors.start();
            byte[] stdout = out.readAllBytes();
            errors.join(10_000);
            while (!channel.isClosed()) {
                Thread.sleep(20);
            }
            synchronized (stderr) {
                return new Result(channel.getExitStatus(), new String(stdout, StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
            }
        } catch (JSchException | IOException e) {
            throw failure(login, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BcmException(Kind.INTERNAL, "Interrupted running a command on " + login.hostname(), "run the command again");
        } finally {
            if (channel != null) {
                channel.disconnect();
            }
        }
    }

    @Override
    public void close() {
        session.disconnect();
        DockerRelay.closeQuietly(agent);
    }

    /** OpenSSH's fingerprint of a public key blob: {@code SHA256:} and unpadded base64 of its SHA-256. */
    static String fingerprint(byte[] keyBlob) {
        try {
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(keyBlob));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The host key check: known when the operator's {@code ~/.ssh/known_hosts} or bcm's own
     * {@code ssh/known_hosts} has it; changed when either has another key of the same type for the
     * host; unknown keys are accepted (and added to bcm's file) only when the fingerprint is the one
     * the operator gave or confirmed.
     */
    private static final class CheckedHostKeys implements HostKeyRepository {
        private final List<HostKeyRepository> files = new ArrayList<>();
        private final List<String> paths = new ArrayList<>();
        private final HostKeyRepository own;
        private final SshLogin login;
        String seen = "?";
        String where = "?";

        CheckedHostKeys(BcmHome home, SshLogin login) {
            this.login = login;
            Path operator = Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
            Path bcm = home.sshDir().resolve("known_hosts");
            try {
                if (Files.isReadable(operator)) {
                    JSch reader = new JSch();
                    reader.setKnownHosts(operator.toString());
                    files.add(reader.getHostKeyRepository());
                    paths.add(operator.toString());
                }
                Files.createDirectories(bcm.getParent());
                if (!Files.exists(bcm)) {
                    Files.createFile(bcm);
                }
                JSch ownReader = new JSch();
                ownReader.setKnownHosts(bcm.toString());
                own = ownReader.getHostKeyRepository();
                files.add(own);
                paths.add(bcm.toString());
            } catch (JSchException | IOException e) {
                throw new BcmException(Kind.INVALID_INPUT, "Cannot read the known_hosts files: " + e.getMessage(),
                        "fix or remove the malformed file (" + operator + ", " + bcm + ")", e);
            }
        }

        @Override
        public int check(String host, byte[] key) {
            seen = fingerprint(key);
            int result = NOT_INCLUDED;
            for (int i = 0; i < files.size(); i++) {
                int answer = files.get(i).check(host, key);
                if (answer == OK) {
                    return OK;
                }
                if (answer == CHANGED) {
                    result = CHANGED;
                    where = paths.get(i);
                }
            }
            if (result == CHANGED) {
                return CHANGED;
            }
            boolean vouched = login.hostKey() != null ? login.hostKey().strip().equals(seen) : login.confirmHostKey().test(seen);
            if (vouched) {
                try {
                    own.add(new HostKey(host, key), null);
                } catch (JSchException e) {
                    return NOT_INCLUDED;
                }
                return OK;
            }
            return NOT_INCLUDED;
        }

        @Override
        public void add(HostKey hostkey, UserInfo ui) {
            own.add(hostkey, ui);
        }

        @Override
        public void remove(String host, String type) {
            own.remove(host, type);
        }

        @Override
        public void remove(String host, String type, byte[] key) {
            own.remove(host, type, key);
        }

        @Override
        public String getKnownHostsRepositoryID() {
            return "bcm";
        }

        @Override
        public HostKey[] getHostKey() {
            return own.getHostKey();
        }

        @Override
        public HostKey[] getHostKey(String host, String type) {
            List<HostKey> all = new ArrayList<>();
            for (HostKeyRepository file : files) {
                HostKey[] keys = file.getHostKey(host, type);
                if (keys != null) {
                    all.addAll(List.of(keys));
                }
            }
            return all.toArray(new HostKey[0]);
        }
    }

    /** No passwords, no prompts: public keys only; jsch's questions are answered no. */
    private static final class QuietUserInfo implements UserInfo {
        @Override
        public String getPassphrase() {
            return null;
        }

        @Override
        public String getPassword() {
            return null;
        }

        @Override
        public boolean promptPassword(String message) {
            return false;
        }

        @Override
        public boolean promptPassphrase(String message) {
            return false;
        }

        @Override
        public boolean promptYesNo(String message) {
            return false;
        }

        @Override
        public void showMessage(String message) {
        }
    }
}
