package io.kairos.persistence.visibility.query;

import java.util.List;

/** The parsed form of a visibility query. Attribute names are as written; values are uninterpreted literals. */
public final class Ast {
    private Ast() {
    }

    /** A literal: STRING, NUMBER, or KEYWORD TRUE/FALSE; {@code pos} points at it for error messages. */
    public record Literal(Token.Kind kind, String text, int pos) {
        /** A string value built by code (legacy List*WorkflowExecutions filters), never parsed from text. */
        public static Literal string(String value) {
            return new Literal(Token.Kind.STRING, value, 0);
        }

        public static Literal number(long value) {
            return new Literal(Token.Kind.NUMBER, Long.toString(value), 0);
        }

        public boolean isString() {
            return kind == Token.Kind.STRING;
        }

        String describe() {
            return kind == Token.Kind.STRING ? "'" + text + "'" : text;
        }
    }

    public record Attr(String name, int pos) {
    }

    public sealed interface Expr permits And, Or, Not, Compare, In, Between, IsNull, StartsWith {
    }

    public record And(Expr left, Expr right) implements Expr {
    }

    public record Or(Expr left, Expr right) implements Expr {
    }

    public record Not(Expr inner) implements Expr {
    }

    /** {@code op} is one of = != < > <= >=. */
    public record Compare(Attr attr, String op, Literal value) implements Expr {
    }

    public record In(Attr attr, List<Literal> values, boolean negated) implements Expr {
    }

    public record Between(Attr attr, Literal low, Literal high, boolean negated) implements Expr {
    }

    public record IsNull(Attr attr, boolean negated) implements Expr {
    }

    public record StartsWith(Attr attr, Literal prefix, boolean negated) implements Expr {
    }

    public record OrderBy(Attr attr, boolean descending) {
    }

    /** {@code where} is null for an empty filter. */
    public record Query(Expr where, List<OrderBy> orderBy, List<Attr> groupBy) {
    }
}
