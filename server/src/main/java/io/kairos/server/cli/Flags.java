package io.kairos.server.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny GNU-style flag parser: declared flags only, "--name value" or "--name=value", booleans without a value.
 * Unknown flags and missing values are usage errors.
 */
public final class Flags {
    private record Spec(String name, String valueName, String help, String defaultValue) {
        boolean isBoolean() {
            return valueName == null;
        }
    }

    private final String command;
    private final String summary;
    private final Map<String, Spec> specs = new LinkedHashMap<>();
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> positionals = new ArrayList<>();

    public Flags(String command, String summary) {
        this.command = command;
        this.summary = summary;
        bool("help", "Show this help and exit.");
    }

    public Flags value(String name, String valueName, String help, String defaultValue) {
        specs.put(name, new Spec(name, valueName, help, defaultValue));
        return this;
    }

    public Flags bool(String name, String help) {
        specs.put(name, new Spec(name, null, help, null));
        return this;
    }

    public Flags parse(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                if (a.startsWith("-") && a.length() > 1) {
                    throw new UsageException("unknown flag " + a);
                }
                positionals.add(a);
                continue;
            }
            String name = a.substring(2);
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Spec spec = specs.get(name);
            if (spec == null) {
                throw new UsageException("unknown flag --" + name);
            }
            if (spec.isBoolean()) {
                if (inline != null && !inline.equals("true") && !inline.equals("false")) {
                    throw new UsageException("flag --" + name + " takes no value");
                }
                values.put(name, inline == null ? "true" : inline);
            } else if (inline != null) {
                values.put(name, inline);
            } else {
                if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                    throw new UsageException("flag --" + name + " needs a value (" + spec.valueName() + ")");
                }
                values.put(name, args.get(++i));
            }
        }
        return this;
    }

    /** Prints the help when --help was given; the command then exits 0. */
    public boolean printedHelp(java.io.PrintStream out) {
        if (has("help")) {
            out.print(help());
            return true;
        }
        return false;
    }

    public boolean has(String name) {
        return values.containsKey(name) && !"false".equals(values.get(name));
    }

    public String get(String name) {
        String v = values.get(name);
        return v != null ? v : specs.get(name).defaultValue();
    }

    public int getInt(String name, int min, int max) {
        String v = get(name);
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new UsageException("--" + name + " must be between " + min + " and " + max + ", got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + v + "'");
        }
    }

    public List<String> positionals() {
        return positionals;
    }

    public void noPositionals() {
        if (!positionals.isEmpty()) {
            throw new UsageException("unexpected argument '" + positionals.get(0) + "'");
        }
    }

    public String help() {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: temporal-server ").append(command).append(" [flags]\n\n").append(summary).append("\n\nFlags:\n");
        for (Spec s : specs.values()) {
            String left = "  --" + s.name() + (s.isBoolean() ? "" : " " + s.valueName());
            sb.append(String.format("%-28s %s", left, s.help()));
            if (s.defaultValue() != null) {
                sb.append(" (default ").append(s.defaultValue()).append(')');
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
