package io.gatewatch.protocol;

/**
 * A value of the {@code client} label: one row of a profile's {@link ClientTable}, or one of the
 * reserved {@code unknown}, {@code other} and {@code gatewatch-probe}.
 *
 * @param index its place in {@link ClientTable#libraries()}, so that a recorder finds its meters by
 *     index
 * @param label the label value
 */
public record ClientLibrary(int index, String label) {
  /** Whether this names a library: anything but {@code unknown}, which is first in every table. */
  public boolean known() {
    return index != 0;
  }

  @Override
  public String toString() {
    return label;
  }
}
