/**
 * Delivers response POSTs with the protocol's retry rules. Terminal answers
 * retry network failures and 408/429/502/503/504 with the identical body and
 * shard header inside the command's deadline; notifications retry only 429
 * and failures before the request was written.
 */
import type { TunnelResponsePayload } from '../protocol/wire';
import { Backoff, sleep } from './backoff';
import { ControlPlaneError, type ControlPlaneClient } from './controlPlane';
import type { Logger } from './log';

const TERMINAL_RETRY_STATUSES = new Set([408, 429, 502, 503, 504]);
const RETRY_AFTER_CAP_MS = 60_000;

export type PostOutcome =
  /** Accepted by the control plane. */
  | 'ok'
  /** 404: the command is no longer pending; it counts as done. */
  | 'gone'
  /** The deadline (or shutdown) cut the POST short. */
  | 'cancelled'
  /** Rejected for good or retries exhausted. */
  | 'failed';

export interface PosterOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Gives up on a terminal POST without a deadline after this many attempts. */
  maxAttempts?: number;
}

export class ResponsePoster {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly client: ControlPlaneClient,
    private readonly logger: Logger,
    options: PosterOptions = {},
    private readonly onBytes: (n: number) => void = () => undefined,
  ) {
    this.initialMs = options.initialBackoffMs ?? 100;
    this.maxMs = options.maxBackoffMs ?? 5_000;
    this.maxAttempts = options.maxAttempts ?? 8;
  }

  async postTerminal(payload: TunnelResponsePayload, shardToken: string, signal: AbortSignal): Promise<PostOutcome> {
    return this.post(payload, shardToken, signal, true);
  }

  async postNotify(payload: TunnelResponsePayload, shardToken: string, signal: AbortSignal): Promise<PostOutcome> {
    return this.post(payload, shardToken, signal, false);
  }

  private async post(payload: TunnelResponsePayload, shardToken: string, signal: AbortSignal, terminal: boolean): Promise<PostOutcome> {
    // Serialized once: every retry sends the identical bytes.
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    let backoff: Backoff | undefined;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return 'cancelled';
      let retryAfterMs: number | undefined;
      try {
        this.onBytes(body.length);
        await this.client.postResponse(body, shardToken, signal);
        return 'ok';
      } catch (err) {
        if (signal.aborted) return 'cancelled';
        if (!(err instanceof ControlPlaneError)) throw err;
        if (err.kind === 'not_found') {
          this.logger.info('control plane no longer holds this command; treating it as done', { request_id: payload.request_id });
          return 'gone';
        }
        const retryable = terminal
          ? err.kind === 'network' || (err.status !== undefined && TERMINAL_RETRY_STATUSES.has(err.status))
          : err.status === 429 || (err.kind === 'network' && err.notSent);
        if (!retryable || attempt >= this.maxAttempts) {
          this.logger.warn(`response POST failed: ${err.message}`, { request_id: payload.request_id, resp_type: payload.resp_type, attempt });
          return 'failed';
        }
        retryAfterMs = err.retryAfterMs;
        this.logger.debug(`retrying response POST: ${err.message}`, { request_id: payload.request_id, attempt });
      }
      backoff ??= new Backoff({ initialMs: this.initialMs, maxMs: this.maxMs });
      const wait = Math.max(backoff.next(), Math.min(retryAfterMs ?? 0, RETRY_AFTER_CAP_MS));
      if (!(await sleep(wait, signal))) return 'cancelled';
    }
  }
}
