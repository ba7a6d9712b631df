package io.kairos.e2e.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rendered documents as the Kubernetes API would read them: every document must be a known kind (the fabric8
 * model, plus ExternalSecret below), no field may be unknown and no scalar may need coercion ("2" for an int).
 */
final class KubeModel {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization(strictMapper(), true);
    private static final ObjectMapper EXTERNAL_SECRETS = strictMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private KubeModel() {
    }

    private static JsonMapper strictMapper() {
        JsonMapper m = new JsonMapper();
        for (LogicalType t : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
            m.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        return m;
    }

    /** Parses one document; fails naming the template and the offending field. */
    static Object parse(Chart.Doc doc) {
        String json = doc.node().toString();
        try {
            if (doc.kind().equals("ExternalSecret")) {
                return EXTERNAL_SECRETS.readValue(json, ExternalSecret.class);
            }
            Object o = SERIALIZATION.unmarshal(json);
            if (o instanceof GenericKubernetesResource) {
                throw new AssertionError(doc.source() + ": " + doc.kind() + " is no kind the Kubernetes model knows");
            }
            List<String> unknown = new ArrayList<>();
            unknownFields(o, doc.kind(), unknown, new IdentityHashMap<>());
            if (!unknown.isEmpty()) {
                throw new AssertionError(doc.source() + ": unknown fields " + unknown + "\n" + doc.text());
            }
            return o;
        } catch (RuntimeException | java.io.IOException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new AssertionError(doc.source() + " (" + doc.kind() + " " + doc.name() + ") does not parse: "
                    + root.getMessage() + "\n" + doc.text(), e);
        }
    }

    static <T extends HasMetadata> T parse(Chart.Doc doc, Class<T> type) {
        return type.cast(parse(doc));
    }

    /** fabric8 keeps fields it does not know in additionalProperties: any entry there is a field Kubernetes lacks. */
    private static void unknownFields(Object o, String path, List<String> out, Map<Object, Boolean> seen) {
        if (o == null || seen.put(o, true) != null) {
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "." + k, out, seen));
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || Modifier.isStatic(g.getModifiers()) || !g.getName().startsWith("get")
                    || g.getDeclaringClass() == Object.class || g.getReturnType().isPrimitive()) {
                continue;
            }
            Object v;
            try {
                v = g.invoke(o);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            String field = Character.toLowerCase(g.getName().charAt(3)) + g.getName().substring(4);
            if (field.equals("additionalProperties") && v instanceof Map<?, ?> extra) {
                extra.keySet().forEach(k -> out.add(path + "." + k));
            } else if (!field.equals("additionalProperties")) {
                unknownFields(v, path + "." + field, out, seen);
            }
        }
    }

    /** external-secrets.io/v1 ExternalSecret, the fields this chart may use (the operator's CRD has more). */
    record ExternalSecret(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {
        record Spec(String refreshInterval, StoreRef secretStoreRef, Target target, List<Data> data) {
        }

        record StoreRef(String name, String kind) {
        }

        record Target(String name, String creationPolicy) {
        }

        record Data(String secretKey, RemoteRef remoteRef) {
        }

        record RemoteRef(String key, String property) {
        }
    }
}
