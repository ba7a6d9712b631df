package io.kairos.frontend.auth;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;

/** Strict JSON (as Go's encoding/json reads token parts and JWKS documents): no comments, quotes required, one value. */
final class Json {
    private Json() {
    }

    /**
     * The document's top-level object; null for a JSON {@code null} (Go decodes that into an empty claim map).
     *
     * @throws IllegalArgumentException when the text is not exactly one JSON object or null
     */
    static JsonObject object(String text) {
        try {
            JsonReader r = new JsonReader(new StringReader(text));
            r.setStrictness(Strictness.STRICT);
            JsonElement e = JsonParser.parseReader(r);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new IllegalArgumentException("trailing data after the JSON value");
            }
            if (e.isJsonNull()) {
                return null;
            }
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException | IOException | IllegalStateException | StackOverflowError e) {
            // StackOverflowError: pathologically nested input must be a bad token, not a dead request thread.
            throw new IllegalArgumentException("malformed JSON");
        }
    }

    /** The member if it is a JSON string, else null. */
    static String string(JsonObject o, String member) {
        return o.get(member) instanceof JsonPrimitive p && p.isString() ? p.getAsString() : null;
    }
}
