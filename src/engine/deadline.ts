/**
 * Command deadlines. `response_timeout` is digits plus one unit (ns us ms s m
 * h), anchored at the poll's monotonic receipt time. Anything invalid means no
 * deadline: the command still runs (fail open).
 */
import { performance } from 'node:perf_hooks';

/** Digits and exactly one unit; compound (`1m30s`) and fractional (`1.5s`) forms are not durations here. */
export const DURATION_PATTERN = /^([0-9]+)(ns|us|ms|s|m|h)$/;
const NANOS_PER_UNIT: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
/** Durations beyond a signed 64-bit count of nanoseconds overflow, as in the reference daemon. */
const MAX_NANOS = 9_223_372_036_854_775_807n;
/** setTimeout cannot wait longer than this; longer deadlines are never reached in practice. */
const MAX_TIMER_MS = 2_147_483_647;

/** Milliseconds of a valid `response_timeout`, or undefined for no deadline. */
export function parseResponseTimeout(raw: unknown): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const match = DURATION_PATTERN.exec(raw);
  if (!match) return undefined;
  const nanos = BigInt(match[1]!) * NANOS_PER_UNIT[match[2]!]!;
  if (nanos > MAX_NANOS) return undefined;
  return Number(nanos) / 1e6;
}

/**
 * One command's deadline. Its signal aborts when the deadline passes or when
 * the owner stops the engine; the reason tells the two apart.
 */
export class Deadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private parent: AbortSignal | undefined;
  private onParentAbort: (() => void) | undefined;

  /** `at` is a performance.now() timestamp, or undefined for no deadline. */
  constructor(readonly at: number | undefined, parent?: AbortSignal) {
    this.signal = this.controller.signal;
    if (at !== undefined) {
      const remaining = at - performance.now();
      if (remaining <= 0) this.controller.abort('deadline');
      else if (remaining < MAX_TIMER_MS) {
        this.timer = setTimeout(() => this.controller.abort('deadline'), Math.ceil(remaining));
        this.timer.unref();
      }
    }
    if (parent) {
      if (parent.aborted) this.controller.abort('shutdown');
      else {
        this.parent = parent;
        this.onParentAbort = () => this.controller.abort('shutdown');
        parent.addEventListener('abort', this.onParentAbort, { once: true });
      }
    }
  }

  static fromReceipt(receivedAt: number, responseTimeout: unknown, parent?: AbortSignal): Deadline {
    const ms = parseResponseTimeout(responseTimeout);
    return new Deadline(ms === undefined ? undefined : receivedAt + ms, parent);
  }

  get expired(): boolean {
    return this.signal.aborted && this.signal.reason === 'deadline';
  }

  /** Milliseconds left, Infinity without a deadline. */
  remainingMs(): number {
    return this.at === undefined ? Infinity : Math.max(0, this.at - performance.now());
  }

  /** Ends the command now, as a stop does (the reason is not a deadline). */
  cancel(): void {
    this.controller.abort('shutdown');
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.parent && this.onParentAbort) this.parent.removeEventListener('abort', this.onParentAbort);
    this.parent = undefined;
  }
}

/** A delay in words for messages: "250 ms", "1.5 s", "10 s", "2 min". */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}
