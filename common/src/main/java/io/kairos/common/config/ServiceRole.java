package io.kairos.common.config;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The four services; the codes match cluster_membership.role. */
public enum ServiceRole {
    FRONTEND(1), HISTORY(2), MATCHING(3), WORKER(4);

    private final int code;

    ServiceRole(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses "frontend,history" as given on the command line. */
    public static Set<ServiceRole> parseList(String csv) {
        Set<ServiceRole> out = EnumSet.noneOf(ServiceRole.class);
        for (String part : csv.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            try {
                out.add(valueOf(p.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("unknown service '" + p + "' (expected frontend, history, matching, worker)");
            }
        }
        if (out.isEmpty()) {
            throw new ConfigException("no service named in '" + csv + "'");
        }
        return out;
    }
}
