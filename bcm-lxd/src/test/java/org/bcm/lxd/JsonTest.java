package org.bcm.lxd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    private static JsonNode parse(String json) throws Exception {
        return Json.read(json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void instanceStateListsAddressesPerInterface() throws Exception {
        JsonNode m = parse("{'status':'Running','status_code':103,'pid':4242,'processes':3,'network':{"
                + "'eth0':{'addresses':[{'family':'inet','address':'172.27.9.10','netmask':'24','scope':'global'},"
                + "{'family':'inet6','address':'fe80::1','netmask':'64','scope':'link'}],'type':'broadcast'},"
                + "'lo':{'addresses':[{'family':'inet','address':'127.0.0.1','netmask':'8','scope':'local'}]}}}");
        InstanceState s = Json.instanceState(m);
        assertThat(s.running()).isTrue();
        assertThat(s.pid()).isEqualTo(4242);
        assertThat(s.addresses()).hasSize(3);
        assertThat(s.ipv4("eth0")).contains("172.27.9.10");
        assertThat(s.ipv6("eth0")).isEmpty(); // link-local only
        assertThat(s.ipv4("lo")).isEmpty(); // scope local
        assertThat(s.addresses("lo")).extracting(InstanceAddress::address).containsExactly("127.0.0.1");
    }

    @Test
    void stoppedStateHasNoNetwork() throws Exception {
        InstanceState s = Json.instanceState(parse("{'status':'Stopped','status_code':102,'pid':0,'network':null}"));
        assertThat(s.running()).isFalse();
        assertThat(s.addresses()).isEmpty();
    }

    @Test
    void nullListsAndMapsBecomeEmpty() throws Exception {
        Network n = Json.network(parse("{'config':{},'description':'','name':'eth0','type':'physical',"
                + "'used_by':null,'managed':false,'status':'','locations':null}"), "");
        assertThat(n.usedBy()).isEmpty();
        assertThat(n.managed()).isFalse();
        Profile p = Json.profile(parse("{'name':'default','config':null,'devices':{'root':{'type':'disk','path':'/',"
                + "'pool':'p'}}}"), "\"etag\"");
        assertThat(p.config()).isEmpty();
        assertThat(p.devices()).isEqualTo(Map.of("root", Map.of("type", "disk", "path", "/", "pool", "p")));
        assertThat(p.etag()).isEqualTo("\"etag\"");
    }

    @Test
    void imageTimesAndAliases() throws Exception {
        Image i = Json.image(parse("{'aliases':[{'name':'busybox','description':''}],'architecture':'x86_64',"
                + "'fingerprint':'e215','size':1031619,'type':'container','properties':{'os':'busybox'},"
                + "'created_at':'2026-11-20T22:48:21Z','last_used_at':'0001-01-01T00:00:00Z',"
                + "'uploaded_at':'2026-11-20T22:48:22.890857257Z'}"));
        assertThat(i.aliases()).containsExactly("busybox");
        assertThat(i.size()).isEqualTo(1031619L);
        assertThat(i.createdAt()).isEqualTo(Instant.parse("2026-11-20T22:48:21Z"));
        assertThat(i.uploadedAt()).isAfter(i.createdAt());
        assertThat(Json.instant(parse("{'t':'0001-01-01T00:00:00Z'}"), "t")).isNull();
        assertThat(Json.instant(parse("{'t':'garbage'}"), "t")).isNull();
    }

    @Test
    void untrustedServerHasNoEnvironment() throws Exception {
        Server s = Json.server(parse("{'api_extensions':[],'api_status':'stable','api_version':'1.0',"
                + "'auth':'untrusted','public':false,'auth_methods':['tls']}"), "");
        assertThat(s.trusted()).isFalse();
        assertThat(s.serverVersion()).isEmpty();
        assertThat(s.config()).isEmpty();
    }
}
