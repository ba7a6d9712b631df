package io.kairos.persistence.visibility.query;

import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.temporal.api.enums.v1.IndexedValueType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueryParserTest {
    static final SearchAttributeCatalog CATALOG = new SearchAttributeCatalog(Map.of(
            "CustomKeyword", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
            "CustomInt", IndexedValueType.INDEXED_VALUE_TYPE_INT,
            "CustomList", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
            "CustomText", IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
            "CustomBool", IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
            "Custom Field", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));

    @Test
    void precedenceAndBeatsOr() {
        Ast.Query q = QueryParser.parse("WorkflowId = 'a' OR WorkflowId = 'b' AND NOT WorkflowType = 'c'");
        Ast.Or or = assertInstanceOf(Ast.Or.class, q.where());
        assertInstanceOf(Ast.Compare.class, or.left());
        Ast.And and = assertInstanceOf(Ast.And.class, or.right());
        assertInstanceOf(Ast.Not.class, and.right());
    }

    @Test
    void everyPredicateForm() {
        String text = "(a IN ('x', \"y\") AND b NOT IN (1, 2)) AND c BETWEEN 1 AND 5 AND d IS NULL "
                + "AND e IS NOT NULL AND f STARTS_WITH 'p' AND g NOT STARTS_WITH 'q' AND h <> 'z' AND `Custom Field` >= -1.5e3 "
                + "GROUP BY ExecutionStatus ORDER BY StartTime DESC, WorkflowId";
        Ast.Query q = QueryParser.parse(text);
        assertEquals(List.of(new Ast.OrderBy(new Ast.Attr("StartTime", text.indexOf("StartTime")), true),
                new Ast.OrderBy(new Ast.Attr("WorkflowId", text.indexOf("WorkflowId")), false)), q.orderBy());
        assertEquals("ExecutionStatus", q.groupBy().get(0).name());
        String s = q.where().toString();
        assertTrue(s.contains("negated=true"), s);
        assertTrue(s.contains("op=!="), s);
        assertTrue(s.contains("name=Custom Field"), s);
        assertTrue(s.contains("text=-1.5e3"), s);
    }

    @Test
    void emptyAndOrderOnly() {
        assertNull(QueryParser.parse("  ").where());
        Ast.Query q = QueryParser.parse("order by CloseTime asc");
        assertNull(q.where());
        assertEquals(1, q.orderBy().size());
    }

    @Test
    void escapesInStrings() {
        Ast.Compare c = (Ast.Compare) QueryParser.parse("WorkflowId = 'it''s \\'quoted\\''").where();
        assertEquals("it's 'quoted'", c.value().text());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "WorkflowId = |expected a value but found end of query",
            "WorkflowId = 'a' AND|expected a search attribute name but found end of query at position 20",
            "(WorkflowId = 'a'|expected ')' but found end of query",
            "WorkflowId = 'a')|unexpected ')' at position 16",
            "WorkflowId = abc|string values need quotes",
            "WorkflowId LIKE 'a'|operator 'like' not allowed",
            "WorkflowId IS 'a'|expected NULL",
            "WorkflowId = 'x|unterminated string",
            "WorkflowId # 'x'|unexpected character '#' at position 11"})
    void malformedQueriesSayWhere(String query, String message) {
        QueryException e = assertThrows(QueryException.class, () -> QueryParser.parse(query));
        assertTrue(e.getMessage().startsWith("invalid query: "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void compilesToParameterisedSql() {
        CompiledQuery q = QueryCompiler.compileList("WorkflowId = 'x'' OR 1=1 --' AND ExecutionStatus IN ('Running', 'Failed') "
                + "AND StartTime > '2024-01-02T03:04:05Z' AND CustomList = 'k' AND CustomInt BETWEEN 1 AND 3", CATALOG);
        assertTrue(q.where().contains("namespace_division IS NULL"), q.where());
        assertTrue(!q.where().contains("OR 1=1"), q.where());
        assertEquals("x' OR 1=1 --", q.params().get(0));
        assertEquals((short) 1, q.params().get(1));
        assertEquals((short) 3, q.params().get(2));
        assertEquals(OffsetDateTime.parse("2024-01-02T03:04:05Z"), q.params().get(3));
        assertEquals("{\"CustomList\":[\"k\"]}", q.params().get(4));
        assertEquals(List.of("CustomInt", 1L, 3L), q.params().subList(5, 8));
        assertEquals(CompiledQuery.DEFAULT_ORDER, q.order());
        assertEquals(q.params().size(), q.where().chars().filter(ch -> ch == '?').count());
    }

    @Test
    void divisionFilterOnlyWhenNotMentioned() {
        assertTrue(!QueryCompiler.compileList("TemporalNamespaceDivision = 'TemporalScheduler'", CATALOG).where()
                .contains("namespace_division IS NULL"));
    }

    @Test
    void orderByAddsRunIdTieBreaker() {
        CompiledQuery q = QueryCompiler.compileList("ORDER BY WorkflowId ASC", CATALOG);
        assertEquals(2, q.order().size());
        assertEquals("run_id", q.order().get(1).sql());
        assertTrue(!q.order().get(1).descending());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Nope = 'x'|column name 'Nope' at position 0 is not a valid search attribute",
            "CustomInt = 'x'|invalid value 'x' at position 12 for search attribute CustomInt of type Int",
            "CustomList > 'a'|operator '>' not allowed for KeywordList search attribute CustomList",
            "CustomText IN ('a')|operator 'in' not allowed for Text search attribute CustomText",
            "CustomBool > true|operator '>' not allowed for Bool search attribute CustomBool",
            "HistoryLength STARTS_WITH '1'|operator 'starts_with' not allowed for Int",
            "ExecutionStatus = 'Sleeping'|invalid ExecutionStatus value 'Sleeping'",
            "StartTime < 'yesterday'|for search attribute StartTime of type Datetime",
            "ExecutionDuration > 'forever'|ExecutionDuration",
            "ORDER BY CustomKeyword|'order by' is supported on system search attributes only",
            "GROUP BY ExecutionStatus|'group by' clause is only supported in count query"})
    void typeErrorsPointAtTheProblem(String query, String message) {
        QueryException e = assertThrows(QueryException.class, () -> QueryCompiler.compileList(query, CATALOG));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void countGroupByOnlyExecutionStatus() {
        assertTrue(QueryCompiler.compileCount("GROUP BY ExecutionStatus", CATALOG).groupByStatus());
        assertThrows(QueryException.class, () -> QueryCompiler.compileCount("GROUP BY WorkflowType", CATALOG));
    }

    @Test
    void durations() {
        assertEquals(90_000_000_000L, QueryValues.parseDuration("1m30s"));
        assertEquals(250_000_000L, QueryValues.parseDuration("250ms"));
        assertEquals(3_661_000_000_000L, QueryValues.parseDuration("01:01:01"));
        assertNull(QueryValues.parseDuration("1x"));
        assertNull(QueryValues.parseDuration("1:2"));
    }
}
