package io.gatewatch.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;

/**
 * The components of a settings record, set one by one and checked together by the record's
 * canonical constructor when built. A settings builder keeps its values here, so neither copying a
 * record into a builder ({@code toBuilder()}) nor building it lists every field again, and a record
 * can be copied with one value changed ({@code RecordBuilder.from(config).set("drainPeriod",
 * d).build()}).
 *
 * <p>Components are named as the record names them; a name it does not have fails at once, a value
 * of the wrong type when built (both are programming errors, found by any test that builds).
 */
public final class RecordBuilder<R extends Record> {
  private final Class<R> type;
  private final RecordComponent[] components;
  private final Object[] values;

  private RecordBuilder(Class<R> type, Object[] values) {
    this.type = type;
    this.components = type.getRecordComponents();
    this.values = values;
  }

  /** Every component unset: null, or zero (false) for a primitive. */
  public static <R extends Record> RecordBuilder<R> of(Class<R> type) {
    RecordComponent[] components = type.getRecordComponents();
    Object[] values = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      Class<?> t = components[i].getType();
      if (t.isPrimitive()) {
        values[i] = t == boolean.class ? Boolean.FALSE : zero(t);
      }
    }
    return new RecordBuilder<>(type, values);
  }

  /** The components of {@code record}. */
  @SuppressWarnings("unchecked")
  public static <R extends Record> RecordBuilder<R> from(R record) {
    Class<R> type = (Class<R>) record.getClass();
    RecordComponent[] components = type.getRecordComponents();
    Object[] values = new Object[components.length];
    try {
      for (int i = 0; i < components.length; i++) {
        values[i] = components[i].getAccessor().invoke(record);
      }
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot read " + type.getSimpleName(), e);
    }
    return new RecordBuilder<>(type, values);
  }

  /** Sets a component. */
  public RecordBuilder<R> set(String component, Object value) {
    values[index(component)] = value;
    return this;
  }

  /** A component's value as set so far. */
  @SuppressWarnings("unchecked") // the caller names a component of this type
  public <T> T get(String component) {
    return (T) values[index(component)];
  }

  /** A builder holding the same values, independent of this one. */
  public RecordBuilder<R> copy() {
    return new RecordBuilder<>(type, values.clone());
  }

  /**
   * The record, as its canonical constructor checks it.
   *
   * @throws RuntimeException what the constructor throws (an {@link IllegalArgumentException}
   *     naming the first invalid setting)
   */
  public R build() {
    Class<?>[] types =
        Arrays.stream(components).map(RecordComponent::getType).toArray(Class[]::new);
    try {
      Constructor<R> canonical = type.getDeclaredConstructor(types);
      return canonical.newInstance(values);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
    }
  }

  private int index(String component) {
    for (int i = 0; i < components.length; i++) {
      if (components[i].getName().equals(component)) {
        return i;
      }
    }
    throw new IllegalArgumentException(type.getSimpleName() + " has no component " + component);
  }

  private static Object zero(Class<?> primitive) {
    if (primitive == int.class) {
      return 0;
    }
    if (primitive == long.class) {
      return 0L;
    }
    if (primitive == double.class) {
      return 0.0;
    }
    throw new IllegalArgumentException("unsupported component type " + primitive);
  }
}
