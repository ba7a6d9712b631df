package io.kairos.persistence.visibility.query;

import java.util.ArrayList;
import java.util.List;

/**
 * Recursive-descent parser for Temporal's visibility query language (the WHERE part of SQL, plus optional
 * GROUP BY and ORDER BY):
 * <pre>
 * query     := [or] [GROUP BY attr {, attr}] [ORDER BY attr [ASC|DESC] {, attr [ASC|DESC]}]
 * or        := and {OR and}
 * and       := unary {AND unary}
 * unary     := NOT unary | '(' or ')' | predicate
 * predicate := attr ( op literal | [NOT] IN '(' literal {, literal} ')' | [NOT] BETWEEN literal AND literal
 *                   | IS [NOT] NULL | [NOT] STARTS_WITH literal )
 * </pre>
 * Attribute names and value types are checked later, by {@link QueryCompiler}.
 */
public final class QueryParser {
    private final List<Token> tokens;
    private int at;

    private QueryParser(List<Token> tokens) {
        this.tokens = tokens;
    }

    public static Ast.Query parse(String query) {
        if (query == null || query.isBlank()) {
            return new Ast.Query(null, List.of(), List.of());
        }
        return new QueryParser(QueryTokenizer.tokenize(query)).query();
    }

    private Ast.Query query() {
        Ast.Expr where = null;
        if (!peek().isKeyword("ORDER") && !peek().isKeyword("GROUP")) {
            where = or();
        }
        List<Ast.Attr> groupBy = new ArrayList<>();
        if (peek().isKeyword("GROUP")) {
            next();
            expectKeyword("BY");
            groupBy.add(attr());
            while (peek().kind() == Token.Kind.COMMA) {
                next();
                groupBy.add(attr());
            }
        }
        List<Ast.OrderBy> orderBy = new ArrayList<>();
        if (peek().isKeyword("ORDER")) {
            next();
            expectKeyword("BY");
            do {
                if (!orderBy.isEmpty()) {
                    next(); // the comma
                }
                Ast.Attr a = attr();
                boolean desc = false;
                if (peek().isKeyword("DESC")) {
                    next();
                    desc = true;
                } else if (peek().isKeyword("ASC")) {
                    next();
                }
                orderBy.add(new Ast.OrderBy(a, desc));
            } while (peek().kind() == Token.Kind.COMMA);
        }
        Token t = peek();
        if (t.kind() != Token.Kind.EOF) {
            if (t.isKeyword("LIMIT")) {
                throw QueryException.malformed("'limit' clause is not supported");
            }
            throw unexpected(t);
        }
        return new Ast.Query(where, List.copyOf(orderBy), List.copyOf(groupBy));
    }

    private Ast.Expr or() {
        Ast.Expr left = and();
        while (peek().isKeyword("OR")) {
            next();
            left = new Ast.Or(left, and());
        }
        return left;
    }

    private Ast.Expr and() {
        Ast.Expr left = unary();
        while (peek().isKeyword("AND")) {
            next();
            left = new Ast.And(left, unary());
        }
        return left;
    }

    private Ast.Expr unary() {
        Token t = peek();
        if (t.isKeyword("NOT")) {
            next();
            return new Ast.Not(unary());
        }
        if (t.kind() == Token.Kind.LPAREN) {
            next();
            Ast.Expr inner = or();
            expect(Token.Kind.RPAREN, "')'");
            return inner;
        }
        return predicate();
    }

    private Ast.Expr predicate() {
        Ast.Attr a = attr();
        Token t = next();
        if (t.kind() == Token.Kind.OP) {
            return new Ast.Compare(a, t.text(), literal());
        }
        boolean negated = false;
        if (t.isKeyword("NOT")) {
            negated = true;
            t = next();
        }
        if (t.isKeyword("IN")) {
            expect(Token.Kind.LPAREN, "'(' after IN");
            List<Ast.Literal> values = new ArrayList<>();
            values.add(literal());
            while (peek().kind() == Token.Kind.COMMA) {
                next();
                values.add(literal());
            }
            expect(Token.Kind.RPAREN, "')' closing the IN list");
            return new Ast.In(a, List.copyOf(values), negated);
        }
        if (t.isKeyword("BETWEEN")) {
            Ast.Literal low = literal();
            expectKeyword("AND");
            return new Ast.Between(a, low, literal(), negated);
        }
        if (t.isKeyword("STARTS_WITH")) {
            return new Ast.StartsWith(a, literal(), negated);
        }
        if (t.isKeyword("LIKE")) {
            throw QueryException.invalid("operator '" + (negated ? "not like" : "like") + "' not allowed in comparison expression");
        }
        if (!negated && t.isKeyword("IS")) {
            boolean not = false;
            if (peek().isKeyword("NOT")) {
                next();
                not = true;
            }
            expectKeyword("NULL");
            return new Ast.IsNull(a, not);
        }
        throw new QueryException("invalid query: malformed SQL query: expected an operator after '" + a.name()
                + "' but found " + t.describe() + " at position " + t.pos());
    }

    private Ast.Attr attr() {
        Token t = next();
        if (t.kind() != Token.Kind.IDENT) {
            throw QueryException.malformed("expected a search attribute name but found " + t.describe()
                    + " at position " + t.pos());
        }
        return new Ast.Attr(t.text(), t.pos());
    }

    private Ast.Literal literal() {
        Token t = next();
        if (t.kind() == Token.Kind.STRING || t.kind() == Token.Kind.NUMBER
                || t.isKeyword("TRUE") || t.isKeyword("FALSE")) {
            return new Ast.Literal(t.kind(), t.kind() == Token.Kind.KEYWORD ? t.text().toLowerCase(java.util.Locale.ROOT)
                    : t.text(), t.pos());
        }
        if (t.kind() == Token.Kind.IDENT) {
            throw QueryException.malformed("expected a value but found '" + t.text() + "' at position " + t.pos()
                    + " (string values need quotes)");
        }
        throw QueryException.malformed("expected a value but found " + t.describe() + " at position " + t.pos());
    }

    private void expect(Token.Kind kind, String what) {
        Token t = next();
        if (t.kind() != kind) {
            throw QueryException.malformed("expected " + what + " but found " + t.describe() + " at position " + t.pos());
        }
    }

    private void expectKeyword(String kw) {
        Token t = next();
        if (!t.isKeyword(kw)) {
            throw QueryException.malformed("expected " + kw + " but found " + t.describe() + " at position " + t.pos());
        }
    }

    private QueryException unexpected(Token t) {
        return QueryException.malformed("unexpected " + t.describe() + " at position " + t.pos());
    }

    private Token peek() {
        return tokens.get(at);
    }

    private Token next() {
        Token t = tokens.get(at);
        if (t.kind() != Token.Kind.EOF) {
            at++;
        }
        return t;
    }
}
