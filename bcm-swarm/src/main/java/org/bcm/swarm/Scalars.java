package org.bcm.swarm;

import static java.util.Objects.requireNonNullElse;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bcm.swarm.StackSpec.Port;

/**
 * A stack file's scalars as Compose reads them: booleans, bounded integers, file modes, Go durations,
 * sizes, CPUs, ports, command lines split like a POSIX shell, and {@code KEY=VALUE} lists. Each also
 * accepts a string, so that {@code replicas: ${N}} works; "not given" is the value's documented
 * default (null, 0 or empty).
 */
final class Scalars {

    private static final String DURATION_UNIT = "(ns|us|\u00b5s|\u03bcs|ms|s|m|h)";
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+\\.?\\d*|\\.\\d+)" + DURATION_UNIT);
    private static final Pattern DURATION = Pattern.compile("(?:" + DURATION_PART.pattern() + ")+");
    private static final Map<String, Long> NANOS_PER_UNIT = Map.of("ns", 1L, "us", 1_000L, "\u00b5s", 1_000L,
            "\u03bcs", 1_000L, "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)([kmg]?)b?", Pattern.CASE_INSENSITIVE);
    private static final Pattern CPUS = Pattern.compile("\\d+(?:\\.\\d{1,9})?|\\.\\d{1,9}");
    /** Groups: 1 octal digits ({@code 0440}, {@code 0o440}); 2 a decimal number (YAML has read octal already). */
    private static final Pattern FILE_MODE = Pattern.compile("0o?([0-7]{1,3})|(\\d{1,3})");
    /** Groups: 1 published port, 2 target port, 3 protocol. */
    private static final Pattern EXPOSED = Pattern.compile("([0-9]{1,5})(?:/(?:tcp|udp))?");
    private static final Pattern PORT = Pattern.compile("(?:(\\d{1,5}):)?(\\d{1,5})(?:/(tcp|udp|sctp))?");

    private final Shapes shapes;

    Scalars(Shapes shapes) {
        this.shapes = shapes;
    }

    boolean bool(YamlValue v) {
        if (!v.given()) {
            return false;
        }
        String text = shapes.scalar(v, "a boolean");
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw shapes.expected(v, "a boolean");
    }

    Integer integer(YamlValue v, int min, int max) {
        if (!v.given()) {
            return null;
        }
        int value;
        try {
            value = Integer.parseInt(shapes.scalar(v, "an integer"));
        } catch (NumberFormatException e) {
            throw shapes.expected(v, "an integer");
        }
        if (value < min || value > max) {
            throw shapes.expected(v, max == Integer.MAX_VALUE ? "an integer >= " + min
                    : "an integer from " + min + " to " + max);
        }
        return value;
    }

    int fileMode(YamlValue v) {
        if (!v.given()) {
            return 0444;
        }
        String syntax = "a file mode from 0 to 0777 such as 0440";
        Matcher mode = FILE_MODE.matcher(shapes.scalar(v, syntax));
        int value = !mode.matches() ? -1
                : mode.group(1) != null ? Integer.parseInt(mode.group(1), 8) : Integer.parseInt(mode.group(2));
        if (value < 0 || value > 0777) {
            throw shapes.expected(v, syntax);
        }
        return value;
    }

    Duration duration(YamlValue v) {
        if (!v.given()) {
            return null;
        }
        String syntax = "a duration with a unit such as 30s, 1m30s or 500ms";
        String text = shapes.scalar(v, syntax);
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        if (!DURATION.matcher(text).matches()) {
            throw shapes.expected(v, syntax);
        }
        BigDecimal nanos = BigDecimal.ZERO;
        for (Matcher part = DURATION_PART.matcher(text); part.find(); ) {
            nanos = nanos.add(new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(NANOS_PER_UNIT.get(part.group(2)))));
        }
        try {
            return Duration.ofNanos(nanos.toBigInteger().longValueExact());
        } catch (ArithmeticException e) {
            throw shapes.expected(v, "a duration below 292 years");
        }
    }

    /** Bytes; 0 when not given. */
    long size(YamlValue v) {
        if (!v.given()) {
            return 0;
        }
        String syntax = "a size such as 512m or 1g";
        Matcher size = SIZE.matcher(shapes.scalar(v, syntax));
        if (!size.matches()) {
            throw shapes.expected(v, syntax);
        }
        int power = size.group(2).isEmpty() ? 0 : "kmg".indexOf(size.group(2).toLowerCase()) + 1;
        try {
            return new BigDecimal(size.group(1)).multiply(BigDecimal.valueOf(1024).pow(power)).toBigInteger().longValueExact();
        } catch (ArithmeticException e) {
            throw shapes.expected(v, syntax);
        }
    }

    /** Nano CPUs; 0 when not given. */
    long nanoCpus(YamlValue v) {
        if (!v.given()) {
            return 0;
        }
        String syntax = "a number of CPUs such as 0.5 (at most 9 decimals)";
        String text = shapes.scalar(v, syntax);
        if (!CPUS.matcher(text).matches()) {
            throw shapes.expected(v, syntax);
        }
        try {
            return new BigDecimal(text).movePointRight(9).longValueExact();
        } catch (ArithmeticException e) {
            throw shapes.expected(v, syntax);
        }
    }

    /** Long syntax {@code {target, published, protocol, mode}} or short {@code [published:]target[/protocol]}. */
    Port port(YamlValue v) {
        if (v.json().isObject()) {
            shapes.mapping(v, "target", "published", "protocol", "mode");
            return new Port(integer(shapes.required(v.at("target")), 1, 65535), integer(v.at("published"), 1, 65535),
                    shapes.oneOf(v.at("protocol"), "tcp", "tcp", "udp", "sctp"),
                    shapes.oneOf(v.at("mode"), "ingress", "ingress", "host"));
        }
        String syntax = "a port such as 80, 8080:80 or 53:53/udp";
        Matcher port = PORT.matcher(shapes.scalar(v, syntax));
        if (!port.matches()) {
            throw shapes.expected(v, syntax);
        }
        int target = Integer.parseInt(port.group(2));
        Integer published = port.group(1) == null ? null : Integer.valueOf(port.group(1));
        if (target < 1 || target > 65535 || published != null && (published < 1 || published > 65535)) {
            throw shapes.expected(v, "ports from 1 to 65535");
        }
        return new Port(target, published, requireNonNullElse(port.group(3), "tcp"), "ingress");
    }

    /** A port of {@code expose}: {@code 8080} or {@code "8080/tcp"} (informational: Swarm publishes nothing for it). */
    int exposedPort(YamlValue v) {
        String syntax = "a port such as 8080 or 8080/tcp";
        Matcher port = EXPOSED.matcher(shapes.scalar(v, syntax));
        if (!port.matches()) {
            throw shapes.expected(v, syntax);
        }
        int number = Integer.parseInt(port.group(1));
        if (number < 1 || number > 65535) {
            throw shapes.expected(v, "a port from 1 to 65535");
        }
        return number;
    }

    List<String> stringList(YamlValue v) {
        return shapes.list(v, item -> shapes.scalar(item, "a string"));
    }

    /** A list, or a string split into words like a POSIX shell would; null when not given. */
    List<String> commandLine(YamlValue v) {
        if (!v.given()) {
            return null;
        }
        return v.json().isArray() ? stringList(v) : shellWords(shapes.scalar(v, "a string or a list of strings"), v);
    }

    private List<String> shellWords(String line, YamlValue v) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == '\'' && c != '\'') {
                word.append(c);
            } else if (c == '\\') {
                if (++i == line.length()) {
                    throw shapes.fail(v.path(), "ends with an unfinished \\ escape");
                }
                word.append(line.charAt(i));
                inWord = true;
            } else if (quote != 0 && c == quote) {
                quote = 0;
            } else if (quote == 0 && (c == '\'' || c == '"')) {
                quote = c;
                inWord = true;
            } else if (quote == 0 && Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw shapes.fail(v.path(), "unterminated " + quote + " quote");
        }
        if (inWord) {
            words.add(word.toString());
        }
        return List.copyOf(words);
    }

    /**
     * A mapping, or a list of {@code KEY=VALUE}; a key without a value is kept with an empty value
     * when {@code keepBareKeys}, else dropped. Empty when not given.
     */
    Map<String, String> stringMap(YamlValue v, boolean keepBareKeys) {
        Map<String, String> map = new LinkedHashMap<>();
        if (v.given() && v.json().isArray()) {
            for (YamlValue item : shapes.items(v)) {
                String entry = shapes.scalar(item, "a KEY=VALUE string");
                int equals = entry.indexOf('=');
                if (equals >= 0) {
                    map.put(entry.substring(0, equals), entry.substring(equals + 1));
                } else if (keepBareKeys) {
                    map.put(entry, "");
                }
            }
        } else if (!v.given() || v.json().isObject()) {
            shapes.entries(v).forEach((key, value) -> {
                if (value.given()) {
                    map.put(key, shapes.scalar(value, "a string"));
                } else if (keepBareKeys) {
                    map.put(key, "");
                }
            });
        } else {
            throw shapes.expected(v, "a mapping or a list of KEY=VALUE strings");
        }
        return Collections.unmodifiableMap(map);
    }
}
