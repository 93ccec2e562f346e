/**
 * Axis geometry for the metrics charts, sized to what they print: the value
 * axis as wide as its longest label ("1000 ms" whole, not "000 ms"), and the
 * time axis spacing its ticks at least one label apart, whatever the theme's
 * font (High Contrast included).
 */

/** Width in CSS pixels of a text in the axis font. */
export type Measure = (text: string) => number;

/** Space between a tick label and the plot, and around labels. */
export const AXIS_GAP = 6;
export const TICK_SIZE = 6;
/** The narrowest value axis, so the plot does not jump as labels shorten. */
export const MIN_AXIS_SIZE = 32;

/** Width of a value axis whose tick labels are `labels`. */
export function valueAxisSize(labels: readonly string[] | null | undefined, measure: Measure): number {
  let widest = 0;
  for (const label of labels ?? []) widest = Math.max(widest, measure(label));
  return Math.max(MIN_AXIS_SIZE, Math.ceil(widest + TICK_SIZE + AXIS_GAP * 2));
}

/** The smallest distance between time ticks: the widest time label and a gap on each side. */
export function timeTickSpace(measure: Measure): number {
  return Math.ceil(measure(timeLabel(Date.UTC(2000, 0, 1, 20, 48, 48) / 1000)) + AXIS_GAP * 3);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A time tick (seconds since the epoch) as HH:MM:SS local time: the charts span minutes, a date would only crowd them. */
export function timeLabel(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
