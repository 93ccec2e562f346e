/**
 * The stdio channel's tunables and their defaults, in one place: the channel
 * resolves them once and hands each part only the values it uses.
 */
import { DEFAULTS } from '../../config';

export interface StdioChannelOptions {
  /** Delay before restart attempt n is initialMs·2^(n-1), capped at maxMs. */
  restartBackoff?: { initialMs: number; maxMs: number; resetAfterMs?: number };
  /** Budget for close(): stdin EOF, then SIGTERM, then SIGKILL of the process group. */
  stopGraceMs?: number;
  /** Largest message accepted from the server's stdout, or sent to its stdin, in bytes. */
  maxMessageBytes?: number;
  /**
   * A child that is alive but no longer answers: when requests have waited
   * `afterMs` with nothing read from its stdout, it is sent a `ping`; no answer
   * within `timeoutMs` and it is restarted. `false` turns the check off.
   */
  wedgeProbe?: WedgeProbe | false;
  /** How long the replayed `initialize` after a restart may take. */
  reinitializeTimeoutMs?: number;
}

export interface WedgeProbe {
  afterMs: number;
  timeoutMs: number;
}

export const STDIO_DEFAULTS = {
  restartInitialMs: 250,
  restartMaxMs: 30_000,
  /** A child that stayed up this long starts the backoff from scratch. */
  restartResetAfterMs: 30_000,
  stopGraceMs: 5_000,
  maxMessageBytes: DEFAULTS.maxMessageBytes,
  reinitializeTimeoutMs: 30_000,
  wedgeAfterMs: 15_000,
  wedgePingTimeoutMs: 10_000,
} as const;
