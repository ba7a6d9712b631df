package io.kairos.persistence.visibility.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Splits a visibility query into tokens: identifiers (bare or in backticks), string literals in single or
 * double quotes (backslash escapes, as Temporal's SQL parser accepts), numbers, operators, keywords.
 */
final class QueryTokenizer {
    static final Set<String> KEYWORDS = Set.of("AND", "OR", "NOT", "IN", "BETWEEN", "IS", "NULL", "STARTS_WITH",
            "ORDER", "BY", "ASC", "DESC", "GROUP", "LIKE", "TRUE", "FALSE", "LIMIT", "SELECT", "FROM", "WHERE");

    private QueryTokenizer() {
    }

    static List<Token> tokenize(String q) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = q.length();
        while (i < n) {
            char c = q.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            int start = i;
            if (c == '(') {
                out.add(new Token(Token.Kind.LPAREN, "(", i++));
            } else if (c == ')') {
                out.add(new Token(Token.Kind.RPAREN, ")", i++));
            } else if (c == ',') {
                out.add(new Token(Token.Kind.COMMA, ",", i++));
            } else if (c == '\'' || c == '"') {
                StringBuilder sb = new StringBuilder();
                i++;
                boolean closed = false;
                while (i < n) {
                    char d = q.charAt(i);
                    if (d == '\\' && i + 1 < n) {
                        sb.append(q.charAt(i + 1));
                        i += 2;
                    } else if (d == c) {
                        if (i + 1 < n && q.charAt(i + 1) == c) { // SQL doubled quote
                            sb.append(c);
                            i += 2;
                        } else {
                            closed = true;
                            i++;
                            break;
                        }
                    } else {
                        sb.append(d);
                        i++;
                    }
                }
                if (!closed) {
                    throw QueryException.malformed("unterminated string starting at position " + start);
                }
                out.add(new Token(Token.Kind.STRING, sb.toString(), start));
            } else if (c == '`') {
                int end = q.indexOf('`', i + 1);
                if (end < 0) {
                    throw QueryException.malformed("unterminated backtick identifier at position " + start);
                }
                String name = q.substring(i + 1, end);
                if (name.isBlank()) {
                    throw QueryException.malformed("empty identifier at position " + start);
                }
                out.add(new Token(Token.Kind.IDENT, name, start));
                i = end + 1;
            } else if (Character.isDigit(c) || ((c == '-' || c == '+' || c == '.') && i + 1 < n
                    && (Character.isDigit(q.charAt(i + 1)) || q.charAt(i + 1) == '.'))) {
                i++;
                while (i < n && (Character.isLetterOrDigit(q.charAt(i)) || q.charAt(i) == '.'
                        || ((q.charAt(i) == '-' || q.charAt(i) == '+') && Character.toLowerCase(q.charAt(i - 1)) == 'e'))) {
                    i++;
                }
                out.add(new Token(Token.Kind.NUMBER, q.substring(start, i), start));
            } else if (Character.isLetter(c) || c == '_') {
                while (i < n && (Character.isLetterOrDigit(q.charAt(i)) || q.charAt(i) == '_' || q.charAt(i) == '.')) {
                    i++;
                }
                String word = q.substring(start, i);
                String upper = word.toUpperCase(java.util.Locale.ROOT);
                out.add(KEYWORDS.contains(upper) ? new Token(Token.Kind.KEYWORD, upper, start)
                        : new Token(Token.Kind.IDENT, word, start));
            } else if (c == '=' ) {
                out.add(new Token(Token.Kind.OP, "=", i++));
            } else if (c == '!' || c == '<' || c == '>') {
                String op = i + 1 < n && (q.charAt(i + 1) == '=' || (c == '<' && q.charAt(i + 1) == '>'))
                        ? q.substring(i, i + 2) : String.valueOf(c);
                if (op.equals("!")) {
                    throw QueryException.malformed("unexpected '!' at position " + start);
                }
                out.add(new Token(Token.Kind.OP, op.equals("<>") ? "!=" : op, start));
                i += op.length();
            } else {
                throw QueryException.malformed("unexpected character '" + Character.toString(q.codePointAt(i))
                        + "' at position " + start);
            }
        }
        out.add(new Token(Token.Kind.EOF, "", n));
        return out;
    }
}
