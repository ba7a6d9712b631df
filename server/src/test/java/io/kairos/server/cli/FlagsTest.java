package io.kairos.server.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlagsTest {
    private static Flags flags() {
        return new Flags("start", "Starts the server.")
                .value("config", "FILE", "YAML config file.", null)
                .value("port", "PORT", "Frontend port.", "7233")
                .value("log-level", "LEVEL", "Log level.", "info")
                .bool("headless", "No UI.");
    }

    private static Flags parse(String... args) {
        return flags().parse(List.of(args));
    }

    private static UsageException usage(String... args) {
        return assertThrows(UsageException.class, () -> parse(args));
    }

    @Test
    void valueAsNextArgument() {
        Flags f = parse("--config", "/etc/kairos.yaml", "--port", "8233");
        assertEquals("/etc/kairos.yaml", f.get("config"));
        assertEquals("8233", f.get("port"));
        assertEquals(8233, f.getInt("port", 1, 65535));
        assertTrue(f.positionals().isEmpty());
    }

    @Test
    void valueAfterEquals() {
        Flags f = parse("--config=/etc/kairos.yaml", "--port=8233", "--log-level=");
        assertEquals("/etc/kairos.yaml", f.get("config"));
        assertEquals(8233, f.getInt("port", 1, 65535));
        assertEquals("", f.get("log-level"), "an explicit empty value is kept");
    }

    @Test
    void valueMayContainEqualsSignsAndLeadingSingleDash() {
        Flags f = parse("--config=a=b=c", "--log-level", "-debug");
        assertEquals("a=b=c", f.get("config"), "only the first '=' splits");
        assertEquals("-debug", f.get("log-level"));
    }

    @Test
    void lastOccurrenceWins() {
        assertEquals("2", parse("--port", "1", "--port=2").get("port"));
    }

    @Test
    void defaults() {
        Flags f = parse();
        assertNull(f.get("config"), "no default");
        assertEquals("7233", f.get("port"));
        assertEquals(7233, f.getInt("port", 1, 65535));
        assertEquals("info", f.get("log-level"));
        assertFalse(f.has("config"));
        assertFalse(f.has("port"), "a default is not 'given'");
        assertFalse(f.has("headless"));
        assertFalse(f.has("help"));
    }

    @Test
    void booleanFlags() {
        Flags f = parse("--headless");
        assertTrue(f.has("headless"));
        assertEquals("true", f.get("headless"));

        assertTrue(parse("--headless=true").has("headless"));
        assertFalse(parse("--headless=false").has("headless"));
        assertTrue(parse("--help").has("help"), "--help is always declared");
    }

    @Test
    void booleanFlagDoesNotConsumeTheNextArgument() {
        Flags f = parse("--headless", "extra", "--port", "1");
        assertTrue(f.has("headless"));
        assertEquals(List.of("extra"), f.positionals());
        assertEquals("1", f.get("port"));
    }

    @Test
    void booleanFlagRejectsOtherValues() {
        UsageException e = usage("--headless=yes");
        assertTrue(e.getMessage().contains("--headless"), e.getMessage());
        assertTrue(e.getMessage().contains("takes no value"), e.getMessage());
    }

    @Test
    void unknownFlags() {
        UsageException e = usage("--config", "x", "--verbose");
        assertTrue(e.getMessage().contains("unknown flag --verbose"), e.getMessage());

        UsageException inline = usage("--colour=red");
        assertTrue(inline.getMessage().contains("unknown flag --colour"), inline.getMessage());
        assertFalse(inline.getMessage().contains("red"), "the flag is named without its value");

        UsageException single = usage("-v");
        assertTrue(single.getMessage().contains("unknown flag -v"), single.getMessage());

        UsageException shortOfDeclared = usage("-port", "1");
        assertTrue(shortOfDeclared.getMessage().contains("-port"), "single-dash spellings are not accepted");
    }

    @Test
    void missingValues() {
        UsageException atEnd = usage("--config");
        assertTrue(atEnd.getMessage().contains("--config"), atEnd.getMessage());
        assertTrue(atEnd.getMessage().contains("needs a value"), atEnd.getMessage());
        assertTrue(atEnd.getMessage().contains("FILE"), "names the value: " + atEnd.getMessage());

        UsageException beforeFlag = usage("--config", "--headless");
        assertTrue(beforeFlag.getMessage().contains("--config needs a value"), beforeFlag.getMessage());
    }

    @Test
    void getIntRangeAndFormatErrors() {
        Flags ok = parse("--port", "65535");
        assertEquals(65535, ok.getInt("port", 1, 65535));
        assertEquals(1, parse("--port=1").getInt("port", 1, 65535), "bounds are inclusive");

        UsageException tooBig = assertThrows(UsageException.class, () -> parse("--port", "65536").getInt("port", 1, 65535));
        assertTrue(tooBig.getMessage().contains("--port must be between 1 and 65535"), tooBig.getMessage());
        assertTrue(tooBig.getMessage().contains("65536"), tooBig.getMessage());

        UsageException tooSmall = assertThrows(UsageException.class, () -> parse("--port=0").getInt("port", 1, 65535));
        assertTrue(tooSmall.getMessage().contains("between 1 and 65535"), tooSmall.getMessage());

        UsageException negative = assertThrows(UsageException.class, () -> parse("--port", "-5").getInt("port", 1, 65535));
        assertTrue(negative.getMessage().contains("-5"), negative.getMessage());

        UsageException notANumber = assertThrows(UsageException.class, () -> parse("--port", "http").getInt("port", 1, 65535));
        assertTrue(notANumber.getMessage().contains("--port must be a number"), notANumber.getMessage());
        assertTrue(notANumber.getMessage().contains("http"), notANumber.getMessage());

        UsageException overflow = assertThrows(UsageException.class,
                () -> parse("--port", "99999999999").getInt("port", 1, 65535));
        assertTrue(overflow.getMessage().contains("must be a number"), overflow.getMessage());
    }

    @Test
    void positionals() {
        Flags f = parse("migrate", "--config", "c.yaml", "-", "extra");
        assertEquals(List.of("migrate", "-", "extra"), f.positionals(), "in order; a lone '-' is positional");
        assertEquals("c.yaml", f.get("config"));

        UsageException e = assertThrows(UsageException.class, f::noPositionals);
        assertTrue(e.getMessage().contains("'migrate'"), e.getMessage());

        parse("--config", "c.yaml").noPositionals();
    }

    @Test
    void helpListsFlagsWithDefaults() {
        String help = flags().help();
        assertTrue(help.startsWith("Usage: temporal-server start [flags]"), help);
        assertTrue(help.contains("Starts the server."), help);
        assertTrue(help.contains("--config FILE"), help);
        assertTrue(help.contains("--port PORT"), help);
        assertTrue(help.contains("(default 7233)"), help);
        assertTrue(help.contains("--headless"), help);
        assertTrue(help.contains("--help"), help);
        assertFalse(help.contains("--headless VALUE"), help);
        assertTrue(help.indexOf("--help") < help.indexOf("--config"), "declaration order");
    }
}
