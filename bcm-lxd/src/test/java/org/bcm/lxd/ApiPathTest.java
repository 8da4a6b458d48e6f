package org.bcm.lxd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

class ApiPathTest {

    @Test
    void buildsVersionedPathsWithQuery() {
        assertThat(ApiPath.of().toString()).isEqualTo("/1.0");
        assertThat(ApiPath.of("instances").query("recursion", 1).project("p1").toString())
                .isEqualTo("/1.0/instances?recursion=1&project=p1");
    }

    @Test
    void segmentsAreEscapedSoNamesCannotEscapeThePath() {
        assertThat(ApiPath.of("instances", "a b/../c", "state").toString())
                .isEqualTo("/1.0/instances/a%20b%2F..%2Fc/state");
        assertThat(ApiPath.of("instances", "c1", "files").query("path", "/etc/a b&c=d").toString())
                .isEqualTo("/1.0/instances/c1/files?path=%2Fetc%2Fa%20b%26c%3Dd");
        assertThatThrownBy(() -> ApiPath.of("instances", "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void projectIsAddedOnceAndNullIsNoProject() {
        ApiPath p = ApiPath.of("profiles").project("a").project("b");
        assertThat(p.toString()).isEqualTo("/1.0/profiles?project=a");
        assertThat(ApiPath.of("profiles").project(null).toString()).isEqualTo("/1.0/profiles");
        assertThat(ApiPath.of("profiles").query("x", null).toString()).isEqualTo("/1.0/profiles");
    }

    @Test
    void parsesPathsLxdReportsAndKeepsTheirQuery() {
        ApiPath log = ApiPath.parse("/1.0/instances/c1/logs/exec_9ff0.stdout");
        assertThat(log.segments()).containsExactly("1.0", "instances", "c1", "logs", "exec_9ff0.stdout");
        assertThat(log.project("p").toString()).isEqualTo("/1.0/instances/c1/logs/exec_9ff0.stdout?project=p");
        assertThat(ApiPath.parse("/1.0/instances/c1?project=q").project("p").toString())
                .isEqualTo("/1.0/instances/c1?project=q");
        assertThat(ApiPath.parse("/1.0/instances/a%20b").segments()).containsExactly("1.0", "instances", "a b");
    }

    @Test
    void urlUsesTheBaseEndpoint() {
        assertThat(ApiPath.of("projects").toUrl(HttpUrl.get("https://127.0.0.1:8443/")).toString())
                .isEqualTo("https://127.0.0.1:8443/1.0/projects");
        assertThat(ApiPath.of("projects").toUrl(HttpUrl.get("http://localhost/")).toString())
                .isEqualTo("http://localhost/1.0/projects");
    }
}
