/**
 * Configuration durations as the reference daemon reads them (Go's
 * `time.ParseDuration`): `30s`, `4500ms`, `1m30s`, `1.5s`, `0`. The wire's
 * `response_timeout` keeps its own stricter grammar in `src/engine/deadline.ts`,
 * so a command the control plane sends is read exactly as the contract says.
 */

/** One or more decimal numbers, each with a unit; a bare `0` is also a duration. */
export const DURATION_PATTERN = /^(?:0|(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$/;
const SEGMENT = /([0-9]*\.?[0-9]*)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g;

const MS_PER_UNIT: Record<string, number> = { ns: 1e-6, us: 1e-3, '\u00b5s': 1e-3, '\u03bcs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Go durations are a signed 64-bit count of nanoseconds. */
const MAX_MS = 9_223_372_036_854.775;

/** Milliseconds of a configuration duration, or undefined when it is not one (negative durations included). */
export function parseDuration(raw: string): number | undefined {
  if (!DURATION_PATTERN.test(raw)) return undefined;
  if (raw === '0') return 0;
  let ms = 0;
  for (const [, amount, unit] of raw.matchAll(SEGMENT)) ms += Number(amount) * MS_PER_UNIT[unit!]!;
  return ms > MAX_MS ? undefined : ms;
}

/** The problem and fix for a value that is not a duration, shared by every duration field. */
export const DURATION_PROBLEM = 'must be a duration such as 30s, 1m30s or 1.5s';
export const DURATION_FIX_EXAMPLE = 'Write a number with a unit (ns, us, ms, s, m, h), e.g. 30s, 1m30s or 1.5s';
