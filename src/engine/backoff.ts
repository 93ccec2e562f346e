/** Capped exponential backoff with jitter, Retry-After parsing and abortable sleeps. */

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** Fraction of each delay drawn at random (0..1); spreads reconnecting clients apart. */
  jitter?: number;
  random?: () => number;
}

export class Backoff {
  private attempts = 0;

  constructor(private readonly options: BackoffOptions) {}

  get attempt(): number {
    return this.attempts;
  }

  /** The next delay: initial × factor^n capped at max, with the jittered part drawn at random. */
  next(): number {
    const { initialMs, maxMs, factor = 2, jitter = 0.5, random = Math.random } = this.options;
    const base = Math.min(maxMs, initialMs * factor ** this.attempts);
    this.attempts++;
    return Math.round(base * (1 - jitter) + base * jitter * random());
  }

  reset(): void {
    this.attempts = 0;
  }
}

/**
 * Milliseconds from a Retry-After value (delta seconds or HTTP date);
 * undefined when malformed or in the past. The caller applies its cap.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (/^[0-9]+$/.test(text)) {
    const seconds = Number(text);
    return seconds > 0 ? seconds * 1000 : undefined;
  }
  // An HTTP date always names a weekday or month; plain numbers were handled above.
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at) || at <= nowMs) return undefined;
  return at - nowMs;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
