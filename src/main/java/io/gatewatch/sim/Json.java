package io.gatewatch.sim;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The simulator's own small JSON tree, on jackson-core's streaming API (the simulator must not
 * share the observing core's scanner).
 *
 * <p>Reading: objects become {@code Map<String, Object>} (document order), arrays {@code
 * List<Object>}, strings {@code String}, integers {@code Long} (or {@code BigInteger} when they do
 * not fit), other numbers {@code Double}, booleans {@code Boolean}, and JSON null {@link #NULL} (so
 * that a null value and a missing key differ). Duplicate keys and trailing content are errors.
 *
 * <p>Writing: {@link #write(Object)} emits object keys sorted (a {@link TreeMap} copy), as the
 * Erlang gateway does, so {@code "d"} comes before {@code "op"}, {@code "s"} and {@code "t"}.
 */
public final class Json {
  /** JSON {@code null}. */
  public static final Object NULL =
      new Object() {
        @Override
        public String toString() {
          return "null";
        }
      };

  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private Json() {}

  /** A document that is not valid JSON. */
  public static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Parses one JSON value (UTF-8).
   *
   * @throws MalformedException when the bytes are not exactly one JSON value
   */
  public static Object parse(byte[] bytes) throws MalformedException {
    try (JsonParser p = FACTORY.createParser(bytes)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new MalformedException("empty document", null);
      }
      Object value = read(p, first);
      if (p.nextToken() != null) {
        throw new MalformedException("trailing content after the value", null);
      }
      return value;
    } catch (IOException e) {
      throw new MalformedException(String.valueOf(e.getMessage()), e);
    } catch (RuntimeException e) {
      // jackson's stream constraints and number coercions throw unchecked exceptions
      throw new MalformedException(String.valueOf(e.getMessage()), e);
    }
  }

  private static Object read(JsonParser p, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT:
        {
          Map<String, Object> map = new LinkedHashMap<>();
          for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            String key = p.currentName();
            map.put(key, read(p, p.nextToken()));
          }
          return map;
        }
      case START_ARRAY:
        {
          List<Object> list = new ArrayList<>();
          for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            list.add(read(p, t));
          }
          return list;
        }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? p.getBigIntegerValue()
            : (Object) p.getLongValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return NULL;
      default:
        throw new IOException("unexpected token " + token);
    }
  }

  /** True for a JSON integer (of any size). */
  public static boolean isInteger(Object value) {
    return value instanceof Long || value instanceof BigInteger;
  }

  /** Serializes a tree of maps, lists, strings, numbers, booleans and {@link #NULL} (or null). */
  public static String write(Object value) {
    StringWriter out = new StringWriter(128);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void write(JsonGenerator g, Object value) throws IOException {
    if (value == null || value == NULL) {
      g.writeNull();
    } else if (value instanceof Map<?, ?> map) {
      g.writeStartObject();
      SortedMap<String, Object> sorted = new TreeMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        sorted.put(String.valueOf(e.getKey()), e.getValue());
      }
      for (Map.Entry<String, Object> e : sorted.entrySet()) {
        g.writeFieldName(e.getKey());
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof List<?> list) {
      g.writeStartArray();
      for (Object item : list) {
        write(g, item);
      }
      g.writeEndArray();
    } else if (value instanceof String s) {
      g.writeString(s);
    } else if (value instanceof Long || value instanceof Integer) {
      g.writeNumber(((Number) value).longValue());
    } else if (value instanceof BigInteger b) {
      g.writeNumber(b);
    } else if (value instanceof Number n) {
      g.writeNumber(n.doubleValue());
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else {
      throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
    }
  }

  /** An immutable empty JSON object. */
  public static Map<String, Object> emptyObject() {
    return Collections.emptyMap();
  }
}
