package io.kairos.e2e.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The deployment recipes of helm/justfile (just temporal::...) run by the real `just` from the repository root,
 * against stub kubectl, helm, kcadm and vault first on PATH. The stubs log every call (and what they read on
 * stdin), keep just enough state (namespaces, Secrets, Vault secrets) to answer the next call, and copy the
 * values files of `helm upgrade`; the generated values are then rendered with the real chart.
 */
class JustfileTest {
    private static final long TIMEOUT_SECONDS = 60;
    private static final String JUST_VERSION = "1.57.0";
    private static final String TEMPORAL_HOST = "temporal.example.com";
    private static final String KEYCLOAK_HOST = "auth.example.com";
    private static final String ADMIN_PASSWORD = "kc-Admin-pw-4711";
    private static final YAMLMapper YAML = new YAMLMapper();

    private static Path repo;
    private static String just;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findJust() throws Exception {
        repo = repoRoot();
        just = locateJust(repo.resolve("e2e/target/tools"));
    }

    @Test
    void listShowsEveryRecipeOfTheModule() {
        Sandbox sb = new Sandbox(tmp);
        Run r = sb.run(null, "--list", "--list-submodules");
        assertEquals(0, r.exit, r.describe());
        assertTrue(Pattern.compile("(?m)^    image\\s+# ").matcher(r.out).find(), r.out);
        int module = r.out.indexOf("\n    temporal:\n");
        assertTrue(module > 0, r.out);
        String temporal = r.out.substring(module);
        for (String recipe : List.of("create-namespace", "delete-namespace", "create-postgres-user-and-db",
                "delete-postgres-user-and-db", "create-postgres-secret", "delete-postgres-secret",
                "create-keycloak-client", "delete-keycloak-client", "create-keycloak-auth-secret",
                "delete-keycloak-auth-secret", "create-keycloak-permissions", "delete-keycloak-permissions", "init-schema", "install", "upgrade", "uninstall",
                "create-temporal-namespace", "list-temporal-namespaces", "cluster-info")) {
            assertTrue(Pattern.compile("(?m)^        " + Pattern.quote(recipe) + "( [^#\\n]*)?\\s+# \\S")
                    .matcher(temporal).find(), "temporal::" + recipe + " with a comment in\n" + r.out);
        }
        assertTrue(temporal.contains("uninstall delete-data='false'"), r.out);
        assertTrue(temporal.contains("create-temporal-namespace name='' retention='3d'"), r.out);
    }

    @Test
    void installWithoutExternalSecretsOrVault() throws Exception {
        Sandbox sb = new Sandbox(tmp);
        sb.env.putAll(hosts());
        sb.env.put("KEYCLOAK_ADMIN_PASSWORD", ADMIN_PASSWORD);
        Run r = sb.run(null, "temporal::install");
        assertEquals(0, r.exit, r.describe());

        int ns = r.index("kubectl", "create namespace temporal", null);
        int pss = r.index("kubectl", "label namespace temporal pod-security.kubernetes.io/enforce=baseline", null);
        int psql = r.index("kubectl", "exec -i -n postgres postgres-cluster-1 -c postgres -- psql -v ON_ERROR_STOP=1 -U postgres",
                in -> in.contains("ROLE temporal WITH LOGIN PASSWORD"));
        int pgSecret = r.index("kubectl", "apply -f -", in -> in.contains("name: temporal-postgres-auth"));
        int login = r.index("kcadm", "config credentials", null);
        int client = r.index("kcadm", "create clients", in -> in.contains("\"redirectUris\": [\"https://" + TEMPORAL_HOST + "/*\"]"));
        int webSecret = r.index("kubectl", "apply -f -", in -> in.contains("name: temporal-web-auth"));
        int helm = r.index("helm", "upgrade --install temporal " + repo.resolve("helm/temporal") + " -n temporal --wait", null);
        assertInOrder(r, ns, pss, psql, pgSecret, login, client, webSecret, helm);
        assertTrue(r.calls.get(helm).args.contains("--timeout 15m"), r.calls.get(helm).args);

        String sql = r.calls.get(psql).stdin;
        assertTrue(sql.contains("CREATE ROLE temporal WITH LOGIN PASSWORD"), sql);
        assertTrue(sql.contains("CREATE DATABASE temporal OWNER temporal"), sql);
        assertTrue(sql.contains("CREATE DATABASE temporal_visibility OWNER temporal"), sql);
        String dbPassword = group("PASSWORD '([A-Za-z0-9]{32})'", sql);
        assertEquals(dbPassword, secretData(r.calls.get(pgSecret).stdin, "password"));

        Call login0 = r.calls.get(login);
        assertTrue(login0.args.contains("--server https://" + KEYCLOAK_HOST + " --realm master --user admin"), login0.args);
        assertTrue(login0.env.contains("KC_CLI_PASSWORD=" + ADMIN_PASSWORD), login0.env.toString());
        String clientJson = r.calls.get(client).stdin;
        assertTrue(clientJson.contains("\"publicClient\": false") && clientJson.contains("\"standardFlowEnabled\": true")
                && clientJson.contains("\"clientId\": \"temporal\"") && clientJson.contains("\"webOrigins\": [\"https://" + TEMPORAL_HOST + "\"]"),
                clientJson);
        String clientSecret = group("\"secret\": \"([A-Za-z0-9]{32})\"", clientJson);
        String webAuth = r.calls.get(webSecret).stdin;
        assertEquals("temporal", secretData(webAuth, "TEMPORAL_AUTH_CLIENT_ID"));
        assertEquals(clientSecret, secretData(webAuth, "TEMPORAL_AUTH_CLIENT_SECRET"));
        for (String secret : List.of(dbPassword, clientSecret, ADMIN_PASSWORD)) {
            r.assertNotInArgv(secret);
        }
        assertTrue(r.calls.stream().noneMatch(c -> c.tool.equals("vault")), r.describe());

        Path values = r.valuesFile(1);
        assertFalse(Files.exists(r.dir.resolve("values-2.yaml")), "one values file");
        JsonNode v = YAML.readTree(values.toFile());
        assertEquals("kairos/temporal-server", v.at("/server/image/repository").asText());
        assertEquals("0.1.0", v.at("/server/image/tag").asText());
        for (String store : List.of("default", "visibility")) {
            JsonNode sqlValues = v.at("/server/config/persistence/" + store + "/sql");
            assertEquals("postgres-cluster-rw.postgres", sqlValues.at("/host").asText(), store);
            assertEquals("temporal", sqlValues.at("/user").asText(), store);
            assertEquals("temporal-postgres-auth", sqlValues.at("/existingSecret").asText(), store);
        }
        assertFalse(v.at("/externalSecrets/enabled").asBoolean(true));
        assertTrue(v.at("/server/metrics").isMissingNode(), "no ServiceMonitor without monitoring");
        JsonNode ingress = v.at("/web/ingress");
        assertTrue(ingress.at("/enabled").asBoolean());
        assertEquals("traefik", ingress.at("/className").asText());
        assertEquals("websecure", ingress.at("/annotations").get("traefik.ingress.kubernetes.io/router.entrypoints").asText());
        assertEquals("true", ingress.at("/annotations").get("traefik.ingress.kubernetes.io/router.tls").asText());
        assertEquals(TEMPORAL_HOST, ingress.at("/hosts/0").asText());
        assertEquals("temporal-web-tls", ingress.at("/tls/0/secretName").asText());
        assertEquals(TEMPORAL_HOST, ingress.at("/tls/0/hosts/0").asText());
        JsonNode auth = v.at("/web/auth");
        assertTrue(auth.at("/enabled").asBoolean());
        assertEquals(KEYCLOAK_HOST, auth.at("/keycloak/host").asText());
        assertEquals("buunstack", auth.at("/keycloak/realm").asText());
        assertEquals("temporal", auth.at("/clientId").asText());
        assertEquals("temporal-web-auth", auth.at("/existingSecret").asText());

        List<JsonNode> docs = render(values);
        JsonNode webIngress = find(docs, "Ingress", "temporal-web");
        assertEquals(TEMPORAL_HOST, webIngress.at("/spec/rules/0/host").asText());
        find(docs, "Deployment", "temporal-frontend");
        JsonNode web = find(docs, "Deployment", "temporal-web");
        assertTrue(web.toString().contains("https://" + KEYCLOAK_HOST + "/realms/buunstack"), web.toString());
        assertTrue(web.toString().contains("temporal-web-auth"), web.toString());
        assertTrue(docs.stream().noneMatch(d -> d.path("kind").asText().equals("ExternalSecret")), "no ExternalSecret");
    }

    @Test
    void installWithJwtAuthorization() throws Exception {
        Sandbox sb = new Sandbox(tmp);
        sb.env.putAll(hosts());
        sb.env.put("KEYCLOAK_ADMIN_PASSWORD", ADMIN_PASSWORD);
        sb.env.put("TEMPORAL_AUTH_ENABLED", "true");
        Run r = sb.run(null, "temporal::install");
        assertEquals(0, r.exit, r.describe());

        int webClient = r.index("kcadm", "create clients", in -> in.contains("\"redirectUris\""));
        int rolesClient = r.index("kcadm", "create clients", in -> in.contains("\"clientId\": \"temporal-api\""));
        int role = r.index("kcadm", "create clients/id-", null);
        for (String name : List.of("temporal-system:admin", "temporal-system:read", "default:write", "default:worker")) {
            r.index("kcadm", "-r buunstack -s name=" + name, null);
        }
        int scope = r.index("kcadm", "create client-scopes", in -> in.contains("\"usermodel.clientRoleMapping.clientId\": \"temporal-api\"")
                && in.contains("\"claim.name\": \"permissions\"") && in.contains("\"multivalued\": \"true\""));
        int adminClient = r.index("kcadm", "create clients", in -> in.contains("\"clientId\": \"temporal-admin\"")
                && in.contains("\"serviceAccountsEnabled\": true"));
        int adminSecret = r.index("kubectl", "apply -f -", in -> in.contains("name: temporal-admin-client"));
        int grant = r.index("kcadm", "add-roles", null);
        assertTrue(r.calls.get(grant).args.contains("--uusername service-account-temporal-admin --cclientid temporal-api "
                + "--rolename temporal-system:admin"), r.calls.get(grant).args);
        int defaultScope = r.index("kcadm", "update clients/", null);
        assertTrue(r.calls.get(defaultScope).args.contains("/default-client-scopes/id-"), r.calls.get(defaultScope).args);
        int helm = r.index("helm", "upgrade --install temporal", null);
        assertInOrder(r, webClient, rolesClient, role, scope, adminClient, adminSecret, grant, defaultScope, helm);
        String secret = group("\"secret\": \"([A-Za-z0-9]{32})\"", r.calls.get(adminClient).stdin);
        assertEquals(secret, secretData(r.calls.get(adminSecret).stdin, "client_secret"));
        r.assertNotInArgv(secret);
        assertTrue(r.out.contains("JWT authorization is on"), r.describe());

        Path values = r.valuesFile(1);
        JsonNode v = YAML.readTree(values.toFile());
        assertEquals("default", v.at("/server/config/authorization/authorizer").asText());
        assertEquals("default", v.at("/server/config/authorization/claimMapper").asText());
        assertEquals("temporal-postgres-auth", v.at("/server/config/persistence/default/sql/existingSecret").asText());
        String config = find(render(values), "ConfigMap", "temporal-config").at("/data").toString();
        assertTrue(config.contains("https://" + KEYCLOAK_HOST + "/realms/buunstack/protocol/openid-connect/certs"), config);

        // The namespace recipes act as the admin service account: its token reaches the CLI on stdin only.
        sb.env.put("STUB_TOKEN", "eyJ.admin-token.sig");
        Run ns = sb.run(null, "temporal::create-temporal-namespace", "orders", "7d");
        assertEquals(0, ns.exit, ns.describe());
        int token = ns.index("curl", "https://" + KEYCLOAK_HOST + "/realms/buunstack/protocol/openid-connect/token",
                in -> in.equals("grant_type=client_credentials&client_id=temporal-admin&client_secret=" + secret));
        String cli = "exec -i -n temporal deployment/temporal-admintools -- sh -c ";
        int describe = ns.index("kubectl", cli, in -> in.equals("eyJ.admin-token.sig"));
        int create = ns.index("kubectl", "temporal operator namespace create --namespace orders --retention 7d",
                in -> in.equals("eyJ.admin-token.sig"));
        assertTrue(ns.calls.get(describe).args.endsWith("temporal operator namespace describe --namespace orders"),
                ns.calls.get(describe).args);
        assertTrue(ns.calls.get(create).args.contains(cli), ns.calls.get(create).args);
        assertInOrder(ns, token, describe, create);
        ns.assertNotInArgv(secret);
        ns.assertNotInArgv("eyJ.admin-token.sig");

        sb.env.put("TEMPORAL_AUTH_ENABLED", "yes");
        Run bad = sb.run(null, "temporal::list-temporal-namespaces");
        assertNotEquals(0, bad.exit, bad.describe());
        assertTrue(bad.err.contains("TEMPORAL_AUTH_ENABLED must be true or false"), bad.describe());
    }

    @Test
    void installWithExternalSecretsVaultAndMonitoring() throws Exception {
        Sandbox sb = new Sandbox(tmp);
        sb.env.putAll(hosts());
        sb.env.put("KEYCLOAK_ADMIN_PASSWORD", ADMIN_PASSWORD);
        sb.env.put("STUB_RELEASES", "external-secrets vault kube-prometheus-stack");
        Run r = sb.run("y\n", "temporal::install"); // y: enable monitoring
        assertEquals(0, r.exit, r.describe());

        int dbPut = r.index("vault", "kv put -mount=secret temporal/db username=temporal password=-", null);
        int clientPut = r.index("vault", "kv put -mount=secret keycloak/client/temporal client_id=temporal client_secret=-", null);
        int helm = r.index("helm", "upgrade --install temporal ", null);
        assertInOrder(r, dbPut, clientPut, helm);
        r.index("kubectl", "label namespace temporal buun.channel/enable-monitoring=true --overwrite", null);
        int psql = r.index("kubectl", "exec -i ", in -> in.contains("ROLE temporal WITH LOGIN PASSWORD"));
        String dbPassword = group("PASSWORD '([A-Za-z0-9]{32})'", r.calls.get(psql).stdin);
        assertEquals(dbPassword, r.calls.get(dbPut).stdin);
        String clientSecret = group("\"secret\": \"([A-Za-z0-9]{32})\"", r.calls.get(r.index("kcadm", "create clients", null)).stdin);
        assertEquals(clientSecret, r.calls.get(clientPut).stdin);
        r.assertNotInArgv(dbPassword);
        r.assertNotInArgv(clientSecret);
        assertTrue(r.calls.stream().noneMatch(c -> c.tool.equals("kubectl")
                && (c.args.startsWith("apply") || c.args.startsWith("create secret"))), "no Secret made by kubectl\n" + r.describe());

        Path values = r.valuesFile(1);
        JsonNode v = YAML.readTree(values.toFile());
        assertTrue(v.at("/externalSecrets/enabled").asBoolean(false));
        assertTrue(v.at("/server/metrics/serviceMonitor/enabled").asBoolean(false));
        assertEquals("kube-prometheus-stack", v.at("/server/metrics/serviceMonitor/additionalLabels/release").asText());
        List<JsonNode> docs = render(values);
        // The postgres ExternalSecret is a schema hook, which a plain render leaves out; the web one is not.
        JsonNode es = find(docs, "ExternalSecret", "temporal-web-auth");
        assertTrue(es.toString().contains("keycloak/client/temporal"), es.toString());
        assertTrue(docs.stream().anyMatch(d -> d.path("kind").asText().equals("ServiceMonitor")), "ServiceMonitor");
    }

    @Test
    void existingRoleKeepsItsStoredPassword() {
        Sandbox sb = new Sandbox(tmp);
        sb.env.put("STUB_ROLE_EXISTS", "1");
        sb.secret("temporal-postgres-auth", Map.of("password", "StoredPassword0123456789abcdefgh"));
        Run r = sb.run(null, "temporal::create-postgres-user-and-db");
        assertEquals(0, r.exit, r.describe());
        int psql = r.index("kubectl", "exec -i ", in -> in.contains("CREATE DATABASE temporal_visibility"));
        String sql = r.calls.get(psql).stdin;
        assertFalse(sql.contains("PASSWORD"), "no new password for an existing role:\n" + sql);
        assertTrue(sql.contains("ALTER ROLE temporal WITH LOGIN;"), sql);
        int secret = r.index("kubectl", "apply -f -", in -> in.contains("name: temporal-postgres-auth"));
        assertEquals("StoredPassword0123456789abcdefgh", secretData(r.calls.get(secret).stdin, "password"));
    }

    @Test
    void upgradeRegeneratesValuesAndAddsTheOperatorsFile() throws Exception {
        Sandbox sb = new Sandbox(tmp);
        sb.env.putAll(hosts());
        Path extra = tmp.resolve("mine.yaml");
        Files.writeString(extra, "server:\n  replicaCount: 2\n");
        sb.env.put("TEMPORAL_VALUES_FILE", extra.toString());
        Run r = sb.run(null, "temporal::upgrade");
        assertEquals(0, r.exit, r.describe());
        Call helm = r.calls.get(r.index("helm", "upgrade temporal " + repo.resolve("helm/temporal") + " -n temporal --wait --timeout 15m", null));
        assertFalse(helm.args.contains("--install"), helm.args);
        assertEquals(Files.readString(extra), Files.readString(r.valuesFile(2)));
        assertEquals(TEMPORAL_HOST, YAML.readTree(r.valuesFile(1).toFile()).at("/web/ingress/hosts/0").asText());
    }

    @Test
    void envLocalInTheRepositoryRootIsRead() throws Exception {
        Path envLocal = repo.resolve(".env.local");
        assumeFalse(Files.exists(envLocal), "a developer's " + envLocal + " exists; not touching it");
        Sandbox sb = new Sandbox(tmp);
        try {
            Files.writeString(envLocal, "TEMPORAL_NAMESPACE=tns\nTEMPORAL_HOST=" + TEMPORAL_HOST + "\nKEYCLOAK_HOST=" + KEYCLOAK_HOST + "\n",
                    java.nio.file.StandardOpenOption.CREATE_NEW);
            Run r = sb.run(null, "temporal::list-temporal-namespaces");
            assertEquals(0, r.exit, r.describe());
            int list = r.index("kubectl", "exec -n tns deployment/temporal-admintools -- temporal operator namespace list", null);
            assertEquals(0, list, r.describe());
        } finally {
            Files.deleteIfExists(envLocal);
        }
    }

    @Test
    void uninstallAsksAndKeepsOrDropsTheData() {
        Sandbox sb = new Sandbox(tmp);
        sb.env.putAll(hosts());
        sb.env.put("KEYCLOAK_ADMIN_PASSWORD", ADMIN_PASSWORD);
        sb.env.put("STUB_RELEASES", "vault");
        sb.env.put("STUB_KC_CLIENT_EXISTS", "1");

        Run no = sb.run("n\n", "temporal::uninstall");
        assertEquals(0, no.exit, no.describe());
        assertTrue(no.out.contains("Cancelled."), no.describe());
        assertTrue(no.calls.stream().noneMatch(c -> c.tool.equals("kubectl") || c.tool.equals("helm")), no.describe());
        Run noTrue = sb.run("", "temporal::uninstall", "true");
        assertEquals(0, noTrue.exit, noTrue.describe());
        assertTrue(noTrue.calls.isEmpty(), "no answer is no:\n" + noTrue.describe());

        Run keep = sb.run("y\n", "temporal::uninstall");
        assertEquals(0, keep.exit, keep.describe());
        int helm = keep.index("helm", "uninstall temporal -n temporal --ignore-not-found --wait", null);
        int client = keep.index("kcadm", "delete clients/0b7d0c1e-client", null);
        int nsDelete = keep.index("kubectl", "delete namespace temporal --ignore-not-found", null);
        assertInOrder(keep, helm, client, nsDelete);
        keep.index("kubectl", "delete secret temporal-web-auth -n temporal --ignore-not-found", null);
        keep.index("kubectl", "delete secret temporal-postgres-auth -n temporal --ignore-not-found", null);
        assertTrue(keep.calls.stream().noneMatch(c -> c.stdin.contains("DROP")), keep.describe());
        assertTrue(keep.calls.stream().noneMatch(c -> c.tool.equals("vault")), keep.describe());
        assertTrue(keep.out.contains("just temporal::uninstall true"), keep.out);

        Run drop = sb.run("y\n", "temporal::uninstall", "true");
        assertEquals(0, drop.exit, drop.describe());
        int dropHelm = drop.index("helm", "uninstall temporal", null);
        int sql = drop.index("kubectl", "exec -i -n postgres postgres-cluster-1 -c postgres -- psql",
                in -> in.contains("DROP DATABASE IF EXISTS temporal ") && in.contains("DROP DATABASE IF EXISTS temporal_visibility")
                        && in.contains("DROP ROLE IF EXISTS temporal"));
        int vaultDb = drop.index("vault", "kv metadata delete -mount=secret temporal/db", null);
        int vaultClient = drop.index("vault", "kv metadata delete -mount=secret keycloak/client/temporal", null);
        assertInOrder(drop, dropHelm, sql, vaultDb);
        assertTrue(vaultClient > dropHelm);
    }

    @Test
    void createTemporalNamespaceOnlyWhenMissing() {
        Sandbox sb = new Sandbox(tmp);
        Run r = sb.run(null, "temporal::create-temporal-namespace", "myapp", "7d");
        assertEquals(0, r.exit, r.describe());
        String admin = "exec -n temporal deployment/temporal-admintools -- temporal operator namespace ";
        int describe = r.index("kubectl", admin + "describe --namespace myapp", null);
        int create = r.index("kubectl", admin + "create --namespace myapp --retention 7d", null);
        assertInOrder(r, describe, create);

        sb.env.put("STUB_TNS_EXISTS", "1");
        Run exists = sb.run(null, "temporal::create-temporal-namespace", "myapp", "7d");
        assertEquals(0, exists.exit, exists.describe());
        assertTrue(exists.out.contains("already exists"), exists.describe());
        exists.index("kubectl", admin + "describe --namespace myapp", null);
        assertTrue(exists.calls.stream().noneMatch(c -> c.args.contains("namespace create")), exists.describe());

        sb.env.remove("STUB_TNS_EXISTS");
        Run asked = sb.run("billing\n", "temporal::create-temporal-namespace");
        assertEquals(0, asked.exit, asked.describe());
        asked.index("kubectl", admin + "create --namespace billing --retention 3d", null);
    }

    @Test
    void clusterInfoAndInitSchemaExecIntoThePods() {
        Sandbox sb = new Sandbox(tmp);
        Run info = sb.run(null, "temporal::cluster-info");
        assertEquals(0, info.exit, info.describe());
        assertInOrder(info, info.index("kubectl", "exec -n temporal deployment/temporal-admintools -- temporal operator cluster health", null),
                info.index("kubectl", "exec -n temporal deployment/temporal-admintools -- temporal operator cluster describe", null));
        Run schema = sb.run(null, "temporal::init-schema");
        assertEquals(0, schema.exit, schema.describe());
        schema.index("kubectl", "exec -n temporal deployment/temporal-frontend -c temporal-frontend -- /opt/java/bin/java -jar "
                + "/opt/kairos/temporal-server.jar schema migrate --config /etc/kairos/config.yaml", null);
    }

    @Test
    void installWithoutHostAndNoInputFailsInsteadOfWaiting() {
        Sandbox sb = new Sandbox(tmp);
        sb.env.put("KEYCLOAK_HOST", KEYCLOAK_HOST);
        long start = System.nanoTime();
        Run r = sb.run("", "temporal::install");
        assertNotEquals(0, r.exit, r.describe());
        assertTrue(r.err.contains("no value for TEMPORAL_HOST") && r.err.contains(".env.local"), r.describe());
        assertTrue(r.calls.stream().noneMatch(c -> c.tool.equals("helm") && c.args.startsWith("upgrade")), r.describe());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "gave up promptly");
    }

    // ---------------------------------------------------------------------------------------------------------

    private static Map<String, String> hosts() {
        return Map.of("TEMPORAL_HOST", TEMPORAL_HOST, "KEYCLOAK_HOST", KEYCLOAK_HOST);
    }

    private static List<JsonNode> render(Path values) throws IOException {
        String out = new Helm(repo.resolve("helm/temporal")).template().withName("temporal").withNamespace("temporal")
                .withKubeVersion("v1.31.0").withValuesFile(values).call();
        List<JsonNode> docs = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(out)) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && d.isObject()) {
                    docs.add(d);
                }
            }
        }
        assertFalse(docs.isEmpty(), out);
        return docs;
    }

    private static JsonNode find(List<JsonNode> docs, String kind, String name) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind) && d.at("/metadata/name").asText().equals(name))
                .findFirst().orElseGet(() -> fail("no " + kind + " " + name + " among "
                        + docs.stream().map(d -> d.path("kind").asText() + "/" + d.at("/metadata/name").asText()).toList()));
    }

    private static String group(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in\n" + text);
        return m.group(1);
    }

    /** A data key of a Secret manifest as the justfile writes it (base64 under data:). */
    private static String secretData(String manifest, String key) {
        String b64 = group("(?m)^  " + Pattern.quote(key) + ": (\\S+)$", manifest);
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    private static void assertInOrder(Run r, int... indexes) {
        for (int i = 1; i < indexes.length; i++) {
            assertTrue(indexes[i - 1] < indexes[i], "call #" + indexes[i - 1] + " before #" + indexes[i] + "\n" + r.describe());
        }
    }

    /** One logged call of a stub: its argv (joined by spaces), what it read on stdin, the env it reports. */
    record Call(String tool, String args, String stdin, List<String> env) {
    }

    record Run(int exit, String out, String err, List<Call> calls, Path dir) {
        /** The index of the first call of tool whose argv contains args (and whose stdin passes the check). */
        int index(String tool, String args, Predicate<String> stdin) {
            for (int i = 0; i < calls.size(); i++) {
                Call c = calls.get(i);
                if (c.tool.equals(tool) && c.args.contains(args) && (stdin == null || stdin.test(c.stdin))) {
                    return i;
                }
            }
            return fail("no call: " + tool + " ..." + args + "...\n" + describe());
        }

        void assertNotInArgv(String secret) {
            for (Call c : calls) {
                assertFalse(c.args.contains(secret), "a secret on the command line of " + c.tool + " " + c.args);
            }
        }

        Path valuesFile(int n) {
            Path p = dir.resolve("values-" + n + ".yaml");
            assertTrue(Files.isRegularFile(p), "helm upgrade got -f #" + n + "\n" + describe());
            return p;
        }

        String describe() {
            StringBuilder b = new StringBuilder("exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err + "\n--- calls\n");
            for (int i = 0; i < calls.size(); i++) {
                Call c = calls.get(i);
                b.append('#').append(i).append(' ').append(c.tool).append(' ').append(c.args).append('\n');
                if (!c.stdin.isEmpty()) {
                    b.append("    stdin: ").append(c.stdin.replace("\n", "\n           ")).append('\n');
                }
            }
            return b.toString();
        }
    }

    /** The stubs, their state (a pretend cluster shared by the runs of one test) and the settings of the runs. */
    static final class Sandbox {
        private static final List<String> CLEARED_PREFIXES = List.of("TEMPORAL_", "KEYCLOAK_", "POSTGRES_", "VAULT_", "STUB_", "JUST_");
        private static final List<String> CLEARED = List.of("MONITORING_ENABLED", "EXTERNAL_SECRETS_NAMESPACE",
                "PROMETHEUS_NAMESPACE", "K8S_VAULT_NAMESPACE", "KAIROS_IMAGE", "KCADM", "KC_CLI_PASSWORD");

        final Map<String, String> env = new HashMap<>();
        private final Path root;
        private final Path bin;
        private final Path state;
        private int runs;

        Sandbox(Path root) {
            this.root = root;
            this.bin = root.resolve("bin");
            this.state = root.resolve("state");
            try {
                Files.createDirectories(bin);
                Files.createDirectories(state);
                stub("kubectl", "kubectl", KUBECTL);
                stub("helm", "helm", HELM);
                // Both names, so a real kcadm.sh on the developer's PATH is never reached.
                stub("kcadm", "kcadm", KCADM);
                stub("kcadm.sh", "kcadm", KCADM);
                stub("vault", "vault", VAULT);
                stub("curl", "curl", CURL);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void stub(String file, String tool, String body) throws IOException {
            Path p = bin.resolve(file);
            Files.writeString(p, "#!/usr/bin/env bash\nset -u\nSTUB_TOOL=" + tool + "\n" + LOG_CALL + body);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }

        /** A Secret of the pretend cluster, in the form the kubectl stub keeps them. */
        void secret(String name, Map<String, String> data) {
            StringBuilder b = new StringBuilder("apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name + "\ndata:\n");
            data.forEach((k, v) -> b.append("  ").append(k).append(": ")
                    .append(Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))).append('\n'));
            try {
                Files.writeString(state.resolve("secret-" + name), b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Runs just in the repository root; stdin null or "" is an immediately closed stdin. */
        Run run(String stdin, String... args) {
            Path dir = root.resolve("run-" + ++runs);
            try {
                Files.createDirectories(dir);
                Path log = dir.resolve("calls.log");
                Files.createFile(log);
                List<String> command = new ArrayList<>();
                command.add(just);
                command.addAll(List.of(args));
                ProcessBuilder pb = new ProcessBuilder(command).directory(repo.toFile())
                        .redirectOutput(dir.resolve("stdout").toFile()).redirectError(dir.resolve("stderr").toFile());
                Map<String, String> e = pb.environment();
                e.keySet().removeIf(k -> CLEARED.contains(k) || CLEARED_PREFIXES.stream().anyMatch(k::startsWith));
                e.put("PATH", bin + File.pathSeparator + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
                e.put("STUB_LOG", log.toString());
                e.put("STUB_STATE", state.toString());
                e.putAll(env);
                Process p = pb.start();
                try (OutputStream in = p.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin.getBytes(StandardCharsets.UTF_8));
                    }
                } catch (IOException ignored) {
                    // just exited before reading its input
                }
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    fail("just " + String.join(" ", args) + " did not finish in " + TIMEOUT_SECONDS + " s; calls so far:\n"
                            + Files.readString(log));
                }
                return new Run(p.exitValue(), Files.readString(dir.resolve("stdout")), Files.readString(dir.resolve("stderr")),
                        parse(Files.readAllLines(log)), dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        private static List<Call> parse(List<String> lines) {
            List<Call> calls = new ArrayList<>();
            String tool = null;
            String args = null;
            StringBuilder stdin = new StringBuilder();
            List<String> env = new ArrayList<>();
            for (String line : lines) {
                if (line.startsWith("CALL ")) {
                    if (tool != null) {
                        calls.add(new Call(tool, args, stdin.toString(), List.copyOf(env)));
                    }
                    String rest = line.substring(5);
                    int sp = rest.indexOf(' ');
                    tool = sp < 0 ? rest : rest.substring(0, sp);
                    args = sp < 0 ? "" : rest.substring(sp + 1);
                    stdin.setLength(0);
                    env.clear();
                } else if (line.startsWith("STDIN ")) {
                    stdin.append(stdin.isEmpty() ? "" : "\n").append(line.substring(6));
                } else if (line.startsWith("ENV ")) {
                    env.add(line.substring(4));
                }
            }
            if (tool != null) {
                calls.add(new Call(tool, args, stdin.toString(), List.copyOf(env)));
            }
            return calls;
        }
    }

    // --- the stubs ---------------------------------------------------------------------------------------------
    // Each logs "CALL <tool> <argv>", then "STDIN <line>" for what it reads on stdin (only where the real tool
    // would read it, so the stub never waits for input nobody sends).

    private static final String LOG_CALL = """
            { printf 'CALL %s' "$STUB_TOOL"; printf ' %s' "$@"; printf '\\n'; } >>"$STUB_LOG"
            log_stdin() { input=$(cat); printf '%s\\n' "$input" | sed 's/^/STDIN /' >>"$STUB_LOG"; }
            """;

    /** Namespaces and Secrets live in $STUB_STATE; the CNPG primary is postgres-cluster-1. */
    private static final String KUBECTL = """
            case " $* " in
              *" exec -i "*)
                log_stdin
                case $input in *pg_roles*) printf '%s\\n' "${STUB_ROLE_EXISTS:-}" ;; esac
                case " $* " in *" operator namespace describe "*)
                  [ "${STUB_TNS_EXISTS:-0}" = 1 ] || { echo "Error: namespace not found" >&2; exit 1; } ;;
                esac ;;
              *" apply -f - "*)
                log_stdin
                name=$(printf '%s\\n' "$input" | sed -n 's/^  name: //p' | head -n 1)
                printf '%s\\n' "$input" >"$STUB_STATE/secret-$name"
                echo "secret/$name configured" ;;
              *" get namespace "*)
                [ -e "$STUB_STATE/namespace-$3" ] || { echo "Error from server (NotFound): namespaces \\"$3\\" not found" >&2; exit 1; } ;;
              *" create namespace "*) touch "$STUB_STATE/namespace-$3"; echo "namespace/$3 created" ;;
              *" delete namespace "*) rm -f "$STUB_STATE/namespace-$3" ;;
              *" get pods "*) printf '%s' postgres-cluster-1 ;;
              *" get secret "*)
                f="$STUB_STATE/secret-$3"
                [ -e "$f" ] || { echo "Error from server (NotFound): secrets \\"$3\\" not found" >&2; exit 1; }
                for a in "$@"; do
                  case $a in jsonpath=*.data.*) k=${a#*.data.}; k=${k%?}; sed -n "s/^  $k: //p" "$f" | tr -d '\\n' ;; esac
                done ;;
              *" delete secret "*) rm -f "$STUB_STATE/secret-$3" ;;
              *" operator namespace describe "*)
                [ "${STUB_TNS_EXISTS:-0}" = 1 ] || { echo "Error: namespace not found" >&2; exit 1; } ;;
            esac
            exit 0
            """;

    /** `helm status R` succeeds for the releases in $STUB_RELEASES; upgrade copies its -f files to values-N.yaml. */
    private static final String HELM = """
            case $1 in
              status)
                case " ${STUB_RELEASES:-} " in *" $2 "*) echo "STATUS: deployed"; exit 0 ;; esac
                echo "Error: release: not found" >&2; exit 1 ;;
              upgrade)
                n=0 prev=
                for a in "$@"; do
                  if [ "$prev" = -f ]; then n=$((n + 1)); cp "$a" "$(dirname "$STUB_LOG")/values-$n.yaml"; fi
                  prev=$a
                done ;;
            esac
            exit 0
            """;

    /** Reports KC_CLI_PASSWORD of `config credentials`; `get clients` finds a client when $STUB_KC_CLIENT_EXISTS=1. */
    private static final String KCADM = """
            case $1 in
              config) [ -z "${KC_CLI_PASSWORD:-}" ] || echo "ENV KC_CLI_PASSWORD=$KC_CLI_PASSWORD" >>"$STUB_LOG" ;;
              get) [ "${STUB_KC_CLIENT_EXISTS:-0}" != 1 ] || echo 0b7d0c1e-client ;;
              create)
                case " $* " in *" -f - "*) log_stdin ;; esac
                case " $* " in *" -i "*) printf 'id-%s\n' "$RANDOM" ;; esac ;;
            esac
            exit 0
            """;

    /** The token endpoint: logs the form it reads on stdin and answers with a token. */
    private static final String CURL = """
            log_stdin
            printf '{"access_token":"%s","expires_in":300,"token_type":"Bearer"}' "${STUB_TOKEN:-tok}"
            exit 0
            """;

    /** kv put/get/delete on files under $STUB_STATE/vault; KEY=- reads the value from stdin. */
    private static final String VAULT = """
            [ "$1" = kv ] || exit 0
            op=$2; shift 2
            if [ "$op" = metadata ]; then op="metadata-$1"; shift; fi
            field= path= pairs=()
            for a in "$@"; do
              case $a in
                -field=*) field=${a#-field=} ;;
                -*) ;;
                *=*) pairs+=("$a") ;;
                *) path=$a ;;
              esac
            done
            dir="$STUB_STATE/vault/$path"
            case $op in
              put)
                mkdir -p "$dir"
                for p in "${pairs[@]}"; do
                  k=${p%%=*} v=${p#*=}
                  if [ "$v" = - ]; then log_stdin; v=$input; fi
                  printf '%s' "$v" >"$dir/$k"
                done ;;
              get) [ -e "$dir/$field" ] || { echo "No value found at $path" >&2; exit 2; }; cat "$dir/$field" ;;
              delete | metadata-delete) rm -rf "$dir" ;;
            esac
            exit 0
            """;

    // --- finding just ------------------------------------------------------------------------------------------

    private static Path repoRoot() {
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("helm/justfile")) && Files.isRegularFile(p.resolve("justfile"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root (with justfile and helm/justfile) above " + System.getProperty("user.dir"));
    }

    /** -Dkairos.just, else just on PATH, else rust-just from npm into e2e/target/tools; else skip (fail on CI). */
    private static String locateJust(Path tools) throws Exception {
        String property = System.getProperty("kairos.just");
        if (property != null && !property.isBlank()) {
            assertTrue(Files.isExecutable(Path.of(property)), "-Dkairos.just=" + property + " is not executable");
            return property;
        }
        Path onPath = onPath("just");
        if (onPath != null) {
            return onPath.toString();
        }
        Path installed = tools.resolve("node_modules/.bin/just");
        String why;
        if (Files.isExecutable(installed)) {
            return installed.toString();
        }
        Path npm = onPath("npm");
        if (npm == null) {
            why = "just is not on PATH and npm is missing to install rust-just@" + JUST_VERSION;
        } else {
            Files.createDirectories(tools);
            Path log = tools.resolve("npm-install.log");
            Process p = new ProcessBuilder(npm.toString(), "install", "--prefix", tools.toString(), "--no-audit", "--no-fund",
                    "rust-just@" + JUST_VERSION).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                why = "npm install rust-just@" + JUST_VERSION + " timed out (" + log + ")";
            } else if (p.exitValue() != 0 || !Files.isExecutable(installed)) {
                why = "npm install rust-just@" + JUST_VERSION + " failed (exit " + p.exitValue() + "): " + Files.readString(log);
            } else {
                return installed.toString();
            }
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(why + " (CI=true: just is required)");
        }
        assumeTrue(false, why + "; skipping the justfile tests (set -Dkairos.just=/path/to/just)");
        return null;
    }

    private static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name)) && !Files.isDirectory(Path.of(dir, name))) {
                return Path.of(dir, name);
            }
        }
        return null;
    }
}
