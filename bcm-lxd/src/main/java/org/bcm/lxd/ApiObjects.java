package org.bcm.lxd;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.bcm.lxd.LxdConnection.Reply;

/**
 * One kind of named LXD object under {@code /1.0/<collection>} (projects, profiles, networks,
 * storage pools, instances): list, get with its ETag, create, replace with {@code If-Match},
 * delete. The messages name the kind and the object, e.g. {@code "creating profile 'p'"}.
 *
 * @param <T> the record an object is read into
 */
final class ApiObjects<T> {

    private final LxdConnection lxd;
    private final Operations operations;
    private final String collection;
    private final String kind;
    private final boolean projectScoped;
    private final BiFunction<JsonNode, String, T> read;

    /**
     * @param collection the path segment, e.g. {@code "storage-pools"}
     * @param kind the object's name in messages, e.g. {@code "storage pool"}
     * @param projectScoped whether the objects belong to the connection's project ({@code ?project=})
     * @param read the object's metadata and ETag ({@code ""} in listings) to its record
     */
    ApiObjects(LxdConnection lxd, Operations operations, String collection, String kind, boolean projectScoped,
               BiFunction<JsonNode, String, T> read) {
        this.lxd = lxd;
        this.operations = operations;
        this.collection = collection;
        this.kind = kind;
        this.projectScoped = projectScoped;
        this.read = read;
    }

    /** GET /1.0/COLLECTION?recursion=1. */
    List<T> list() {
        return lxd.list(path(), "listing " + collection.replace('-', ' '), m -> read.apply(m, ""));
    }

    /** GET /1.0/COLLECTION/NAME; empty on 404. */
    Optional<T> get(String name) {
        return lxd.sendOptional(path(name), "getting " + named(name)).map(r -> read.apply(r.metadata(), r.etag()));
    }

    /** POST /1.0/COLLECTION with {@code body}. */
    Operation create(String name, Object body) {
        return operations.start("POST", path(), LxdConnection.json(body), null, "creating " + named(name));
    }

    /** GET /1.0/COLLECTION/NAME for its ETag, then PUT {@code change(current)} with {@code If-Match}. */
    Operation replace(String name, Function<Reply, Object> change) {
        Reply current = lxd.send("GET", path(name), null, null, "updating " + named(name));
        return replace(name, change.apply(current), current.etag());
    }

    /** PUT /1.0/COLLECTION/NAME with {@code If-Match: etag} (none when empty). */
    Operation replace(String name, Object body, String etag) {
        return operations.start("PUT", path(name), LxdConnection.json(body), LxdConnection.ifMatch(etag),
                "updating " + named(name));
    }

    /** DELETE /1.0/COLLECTION/NAME. */
    Operation delete(String name) {
        return operations.start("DELETE", path(name), null, null, "deleting " + named(name));
    }

    private String named(String name) {
        return kind + " '" + name + "'";
    }

    private ApiPath path(String... name) {
        String[] segments = new String[name.length + 1];
        segments[0] = collection;
        System.arraycopy(name, 0, segments, 1, name.length);
        return projectScoped ? lxd.scoped(segments) : ApiPath.of(segments);
    }
}
