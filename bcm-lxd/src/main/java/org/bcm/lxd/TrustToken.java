package org.bcm.lxd;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A trust token as printed by {@code lxc config trust add} (LXD API extension {@code
 * certificate_token}): base64 of a JSON object {@code {client_name, fingerprint, addresses, secret,
 * expires_at}}. The fingerprint is the SHA-256 of the server's certificate, so a client that holds
 * the token can pin the server before it is trusted.
 *
 * @param text        the token as given
 * @param clientName  the name the token was made for
 * @param fingerprint the server certificate's SHA-256 fingerprint, lower-case hex
 * @param addresses   the server's HTTPS addresses, {@code host:port}
 * @param secret      the one-time secret
 */
public record TrustToken(String text, String clientName, String fingerprint, List<String> addresses, String secret) {

    @Override
    public String toString() {
        return "trust token for '" + clientName + "' (server " + fingerprint + ")";
    }

    /**
     * Decodes a token.
     *
     * @throws IllegalArgumentException when the text is not a trust token (the message says why, never the secret)
     */
    public static TrustToken parse(String text) {
        String trimmed = text == null ? "" : text.strip();
        byte[] json;
        try {
            json = Base64.getDecoder().decode(trimmed);
        } catch (IllegalArgumentException e) {
            try {
                json = Base64.getUrlDecoder().decode(trimmed);
            } catch (IllegalArgumentException e2) {
                throw new IllegalArgumentException("not a trust token: not base64");
            }
        }
        JsonNode node;
        try {
            node = Json.read(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a trust token: not JSON inside the base64");
        }
        String fingerprint = node.path("fingerprint").asText("").toLowerCase(Locale.ROOT);
        String secret = node.path("secret").asText("");
        if (!fingerprint.matches("[0-9a-f]{64}") || secret.isEmpty()) {
            throw new IllegalArgumentException("not a trust token: no server fingerprint or secret in it");
        }
        List<String> addresses = new ArrayList<>();
        node.path("addresses").forEach(a -> addresses.add(a.asText()));
        return new TrustToken(trimmed, node.path("client_name").asText(""), fingerprint, List.copyOf(addresses), secret);
    }
}
