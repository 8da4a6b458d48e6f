package org.bcm.swarm;

import static org.bcm.swarm.ComposeErrors.quote;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * One helper per YAML shape of a stack file (mapping with known keys, named entries, list, scalar,
 * one of some words), each failing with a message that names the key path and what was expected.
 * Strings are interpolated as they are read, never keys and never {@code x-*} subtrees.
 */
final class Shapes {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    private final ComposeErrors errors;
    private final Interpolation interpolation;

    Shapes(ComposeErrors errors, Interpolation interpolation) {
        this.errors = errors;
        this.interpolation = interpolation;
    }

    ComposeFileException fail(String where, String problem) {
        return errors.fail(where, problem);
    }

    /** "expected {@code what}, got" the value as the file gives it (strings interpolated). */
    ComposeFileException expected(YamlValue v, String what) {
        JsonNode json = v.json();
        String got = json.isObject() ? "a mapping"
                : json.isArray() ? "a list"
                : json.isTextual() ? quote(interpolation.interpolate(json.textValue(), v.path()))
                : json.toString();
        return fail(v.path(), "expected " + what + ", got " + got);
    }

    YamlValue required(YamlValue v) {
        if (!v.given()) {
            throw fail(v.path(), "required but not given");
        }
        return v;
    }

    /** {@code v} when it is a mapping with only {@code keys} ({@code "x-*"} admitting extensions), or not given. */
    YamlValue mapping(YamlValue v, String... keys) {
        if (!v.given()) {
            return v;
        }
        if (!v.json().isObject()) {
            throw expected(v, "a mapping");
        }
        List<String> supported = List.of(keys);
        for (Map.Entry<String, JsonNode> property : v.json().properties()) {
            String key = property.getKey();
            if (!supported.contains(key) && !(key.startsWith("x-") && supported.contains("x-*"))) {
                throw fail(v.at(key).path(), "not supported by bcm stacks (supported: " + String.join(", ", keys) + ")");
            }
        }
        return v;
    }

    /** Entries of a mapping under a name each, validated, in file order; empty when not given. */
    <T> Map<String, T> named(YamlValue v, BiFunction<String, YamlValue, T> read) {
        Map<String, T> named = new LinkedHashMap<>();
        entries(v).forEach((name, value) -> {
            if (!NAME.matcher(name).matches()) {
                throw fail(value.path(), "invalid name (allowed: " + NAME.pattern() + ")");
            }
            named.put(name, read.apply(name, value));
        });
        return named;
    }

    Map<String, YamlValue> entries(YamlValue v) {
        if (!v.given()) {
            return Map.of();
        }
        if (!v.json().isObject()) {
            throw expected(v, "a mapping");
        }
        Map<String, YamlValue> entries = new LinkedHashMap<>();
        v.json().properties().forEach(property -> entries.put(property.getKey(), v.at(property.getKey())));
        return entries;
    }

    List<YamlValue> items(YamlValue v) {
        if (!v.given()) {
            return List.of();
        }
        if (!v.json().isArray()) {
            throw expected(v, "a list");
        }
        return IntStream.range(0, v.json().size()).mapToObj(v::at).toList();
    }

    <T> List<T> list(YamlValue v, Function<YamlValue, T> read) {
        return items(v).stream().map(read).toList();
    }

    /** The {@code x-*} entries, unparsed and not interpolated. */
    Map<String, JsonNode> extensions(YamlValue v) {
        Map<String, JsonNode> extensions = new LinkedHashMap<>();
        entries(v).forEach((key, value) -> {
            if (key.startsWith("x-")) {
                extensions.put(key, value.json());
            }
        });
        return Collections.unmodifiableMap(extensions);
    }

    /** The text of a given scalar, interpolated when it is a string. */
    String scalar(YamlValue v, String what) {
        JsonNode json = v.json();
        if (json.isTextual()) {
            return interpolation.interpolate(json.textValue(), v.path());
        }
        if (json.isNumber() || json.isBoolean()) {
            return json.asText();
        }
        throw expected(v, what);
    }

    /** A scalar's text; null when not given. */
    String string(YamlValue v) {
        return v.given() ? scalar(v, "a string") : null;
    }

    /** One of the {@code allowed} words; {@code fallback} when not given. */
    String oneOf(YamlValue v, String fallback, String... allowed) {
        String text = string(v);
        if (text == null) {
            return fallback;
        }
        if (!List.of(allowed).contains(text)) {
            throw expected(v, "one of " + String.join(", ", allowed));
        }
        return text;
    }
}
