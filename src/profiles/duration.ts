/**
 * Durations as the reference daemon writes them (`poll_timeout: 30s`): digits
 * and exactly one unit of ns us ms s m h. Compound forms like `1m30s` and
 * fractions like `1.5s` are not accepted, so a value means the same thing here
 * and in the daemon.
 */

export const DURATION_PATTERN = /^(\d+)(ns|us|µs|ms|s|m|h)$/;

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds for a duration string, or undefined when it does not follow the grammar. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  const amount = Number(match[1]);
  if (!Number.isSafeInteger(amount)) return undefined;
  const ms = amount * UNIT_MS[match[2]];
  return Number.isFinite(ms) ? ms : undefined;
}
