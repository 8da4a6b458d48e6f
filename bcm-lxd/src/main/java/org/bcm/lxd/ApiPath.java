package org.bcm.lxd;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import okhttp3.HttpUrl;

/**
 * An immutable LXD API path ({@code /1.0/...}) with its query parameters. Segments are given
 * unescaped and percent-encoded when the URL is built, so names can never break the path.
 */
final class ApiPath {

    static final String VERSION = "1.0";

    private final List<String> segments;
    private final List<Map.Entry<String, String>> query;

    private ApiPath(List<String> segments, List<Map.Entry<String, String>> query) {
        this.segments = List.copyOf(segments);
        this.query = List.copyOf(query);
    }

    /** {@code /1.0/<segments...>}; no segment may be null or empty. */
    static ApiPath of(String... segments) {
        List<String> all = new ArrayList<>();
        all.add(VERSION);
        for (String s : segments) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("empty path segment in " + String.join("/", segments));
            }
            all.add(s);
        }
        return new ApiPath(all, List.of());
    }

    /**
     * A path as LXD reports it in replies (e.g. an operation's {@code /1.0/instances/c1/logs/x}),
     * possibly with a query.
     */
    static ApiPath parse(String lxdPath) {
        HttpUrl url = HttpUrl.parse("http://localhost" + (lxdPath.startsWith("/") ? "" : "/") + lxdPath);
        if (url == null) {
            throw new IllegalArgumentException("not an LXD path: " + lxdPath);
        }
        List<String> segs = new ArrayList<>(url.pathSegments());
        segs.removeIf(String::isEmpty);
        List<Map.Entry<String, String>> q = new ArrayList<>();
        for (String name : url.queryParameterNames()) {
            for (String value : url.queryParameterValues(name)) {
                q.add(Map.entry(name, value == null ? "" : value));
            }
        }
        return new ApiPath(segs, q);
    }

    /** This path with one more query parameter; a {@code null} value leaves it unchanged. */
    ApiPath query(String name, Object value) {
        if (value == null) {
            return this;
        }
        List<Map.Entry<String, String>> q = new ArrayList<>(query);
        q.add(Map.entry(name, String.valueOf(value)));
        return new ApiPath(segments, q);
    }

    /** This path with {@code project=<project>} unless the value is null or already present. */
    ApiPath project(String project) {
        if (project == null || hasQuery("project")) {
            return this;
        }
        return query("project", project);
    }

    boolean hasQuery(String name) {
        return query.stream().anyMatch(e -> e.getKey().equals(name));
    }

    List<String> segments() {
        return Collections.unmodifiableList(segments);
    }

    /** The full URL under {@code base} (scheme, host and port of the LXD endpoint). */
    HttpUrl toUrl(HttpUrl base) {
        HttpUrl.Builder b = base.newBuilder().encodedPath("/");
        for (String s : segments) {
            b.addPathSegment(s);
        }
        for (Map.Entry<String, String> e : query) {
            b.addQueryParameter(e.getKey(), e.getValue());
        }
        return b.build();
    }

    /** The encoded path and query, e.g. {@code /1.0/instances/a%20b?project=p}. */
    @Override
    public String toString() {
        HttpUrl url = toUrl(HttpUrl.get("http://localhost/"));
        String q = url.encodedQuery();
        return url.encodedPath() + (q == null ? "" : "?" + q);
    }
}
