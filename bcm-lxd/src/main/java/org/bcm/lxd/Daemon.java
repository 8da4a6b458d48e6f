package org.bcm.lxd;

import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bcm.lxd.LxdConnection.Reply;
import org.bcm.lxd.Requests.CertificatesPost;
import org.bcm.lxd.Requests.CertificatesTokenPost;
import org.bcm.lxd.Requests.ServerPut;

/** The daemon itself: its identity and configuration (/1.0) and its trust store (/1.0/certificates). */
final class Daemon {

    private final LxdConnection lxd;
    private final Operations operations;

    Daemon(LxdConnection lxd, Operations operations) {
        this.lxd = lxd;
        this.operations = operations;
    }

    /** See {@link LxdClient#server}. */
    Server server() {
        Reply r = lxd.send("GET", ApiPath.of(), null, null, "getting server info");
        return Json.server(r.metadata(), r.etag());
    }

    /** See {@link LxdClient#updateServerConfig}. */
    Operation updateConfig(Map<String, String> changes) {
        Reply current = lxd.send("GET", ApiPath.of(), null, null, "getting server info");
        Map<String, String> config = new LinkedHashMap<>(Json.stringMap(current.metadata().get("config")));
        // LXD keeps server keys that a PUT leaves out: a key is removed by sending it empty.
        changes.forEach((k, v) -> config.put(k, v == null ? "" : v));
        Reply reply = lxd.send("PUT", ApiPath.of(), LxdConnection.json(new ServerPut(config)),
                LxdConnection.ifMatch(current.etag()), "updating server config " + changes.keySet());
        return operations.from(reply, "updating server config");
    }

    /** See {@link LxdClient#certificates}. */
    List<Certificate> certificates() {
        return lxd.list(ApiPath.of("certificates"), "listing certificates", Json::certificate);
    }

    /** See {@link LxdClient#certificate}. */
    Optional<Certificate> certificate(String fingerprint) {
        return lxd.sendOptional(ApiPath.of("certificates", fingerprint), "getting certificate " + fingerprint)
                .map(r -> Json.certificate(r.metadata()));
    }

    /** See {@link LxdClient#trustCertificate}. */
    Operation trust(String name, X509Certificate cert) {
        return operations.start("POST", ApiPath.of("certificates"),
                LxdConnection.json(new CertificatesPost("client", name, Pem.base64Der(cert))), null,
                "trusting certificate '" + name + "'");
    }

    /** See {@link LxdClient#trustWithToken}. */
    Operation trust(String name, TrustToken token, boolean explicitTrustToken) {
        CertificatesTokenPost body = explicitTrustToken
                ? new CertificatesTokenPost("client", name, null, token.text())
                : new CertificatesTokenPost("client", name, token.text(), null);
        return operations.start("POST", ApiPath.of("certificates"), LxdConnection.json(body), null,
                "redeeming the " + token);
    }

    /** See {@link LxdClient#removeCertificate}. */
    Operation remove(String fingerprint) {
        return operations.start("DELETE", ApiPath.of("certificates", fingerprint), null, null,
                "removing certificate " + fingerprint);
    }
}
