package io.kairos.persistence.visibility.query;

/** One lexical token of a visibility query; {@code pos} is its 0-based offset, for error messages. */
record Token(Kind kind, String text, int pos) {
    enum Kind { IDENT, STRING, NUMBER, OP, LPAREN, RPAREN, COMMA, KEYWORD, EOF }

    boolean is(Kind k, String t) {
        return kind == k && text.equalsIgnoreCase(t);
    }

    boolean isKeyword(String t) {
        return is(Kind.KEYWORD, t);
    }

    String describe() {
        return kind == Kind.EOF ? "end of query" : "'" + text + "'";
    }
}
