package org.bcm.core.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * One log line as the tier hosts' rsyslog ships it to Kafka: the record's value is a JSON object
 * ({@code docs/kafka.md}, "Record schema") with these fields; the key is the service.
 *
 * @param id      the record's unique id (32 hex digits; delivery is at least once: the same id twice is one line)
 * @param time    when the tier host's rsyslog received the line (microseconds), or null when unreadable
 * @param host    the tier host, e.g. {@code bcm-bitcoin-01}
 * @param stack   the stack, empty for a host's own log
 * @param service the service (a host's own log: the program, e.g. {@code dockerd})
 * @param task    the task, {@code STACK_SERVICE.SLOT.TASKID}, empty for a host's own log
 * @param stream  {@code stdout} or {@code stderr} (a host's own log: the syslog severity)
 * @param line    the line, without its end of line
 * @param topic   the topic it was read from
 * @param offset  its offset there
 */
public record LogRecord(String id, Instant time, String host, String stack, String service, String task, String stream,
        String line, String topic, long offset) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The record of a value; a value that is not such JSON becomes a record whose line is the value. */
    public static LogRecord parse(String topic, long offset, String key, String value) {
        try {
            JsonNode json = JSON.readTree(value == null ? "" : value);
            if (json != null && json.isObject()) {
                return new LogRecord(json.path("id").asText(""), time(json.path("time").asText("")), json.path("host").asText(""),
                        json.path("stack").asText(""), json.path("service").asText(key == null ? "" : key),
                        json.path("task").asText(""), json.path("stream").asText(""), json.path("line").asText(""), topic, offset);
            }
        } catch (IOException e) {
            // not ours: shown as it is
        }
        return new LogRecord("", null, "", "", key == null ? "" : key, "", "", value == null ? "" : value, topic, offset);
    }

    private static Instant time(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** As {@code docker service logs} prints a line: {@code TASK@HOST | LINE} ({@code SERVICE@HOST} for a host's own log). */
    public String formatted() {
        return (task.isEmpty() ? service : task) + "@" + host + "    | " + line;
    }

    /** The record as one line of JSON, as shipped, with its topic and offset. */
    public String json() {
        var node = JSON.createObjectNode();
        node.put("id", id).put("time", time == null ? null : time.toString()).put("host", host).put("stack", stack)
                .put("service", service).put("task", task).put("stream", stream).put("line", line)
                .put("topic", topic).put("offset", offset);
        return node.toString();
    }
}
