/**
 * The single long-poll loop. It asks only for as many commands as the local
 * queue can take, hands every command of a batch to the dispatcher, and backs
 * off on failures: capped exponential with jitter, Retry-After as a minimum,
 * and a slow cadence while the control plane refuses our credentials.
 */
import { performance } from 'node:perf_hooks';
import { POLL_LIMIT_MAX } from '../protocol/wire';
import { Backoff, sleep } from './backoff';
import { ControlPlaneError, type ControlPlaneClient } from './controlPlane';
import type { Dispatcher } from './dispatcher';
import type { Logger } from './log';
import type { EngineMetrics } from './metrics';

const QUICK_POLL_WAIT_MS = 1;

export interface PollerHooks {
  onSuccess(commandCount: number): void;
  onError(error: ControlPlaneError, retryInMs: number): void;
}

export interface PollerOptions {
  backoff?: { initialMs: number; maxMs: number };
  /** 401/403/404 need an operator: retry slowly. */
  authBackoff?: { initialMs: number; maxMs: number };
  retryAfterCapMs?: number;
}

export class Poller {
  private readonly backoff: Backoff;
  private readonly authBackoff: Backoff;
  private readonly retryAfterCapMs: number;

  constructor(
    private readonly client: ControlPlaneClient,
    private readonly dispatcher: Dispatcher,
    private readonly logger: Logger,
    private readonly metrics: EngineMetrics,
    private readonly hooks: PollerHooks,
    options: PollerOptions = {},
  ) {
    this.backoff = new Backoff(options.backoff ?? { initialMs: 250, maxMs: 30_000 });
    this.authBackoff = new Backoff(options.authBackoff ?? { initialMs: 15_000, maxMs: 300_000 });
    this.retryAfterCapMs = options.retryAfterCapMs ?? 300_000;
  }

  async run(signal: AbortSignal): Promise<void> {
    // The first poll, and the first after a failure, barely waits: readiness
    // needs an answer from the control plane, and an idle long poll would
    // otherwise hold it back for the whole poll timeout.
    let quick = true;
    while (!signal.aborted) {
      await this.dispatcher.waitForSlot(signal);
      if (signal.aborted) break;
      const limit = Math.min(POLL_LIMIT_MAX, this.dispatcher.availableSlots());
      const metrics = this.metrics;
      metrics.pollCyclesStarted.inc();
      const started = performance.now();
      try {
        const { receivedAt, commands } = await this.client.poll(limit, signal, quick ? QUICK_POLL_WAIT_MS : undefined);
        metrics.pollLatencyOk.observe((performance.now() - started) / 1000);
        quick = false;
        metrics.pollCycles.inc();
        metrics.lastPollSuccess.set(Math.floor(Date.now() / 1000));
        this.backoff.reset();
        this.authBackoff.reset();
        // Every command of the batch is accepted, even beyond `limit`.
        if (commands.length) {
          metrics.commandsPolled.inc(commands.length);
          metrics.commandsEnqueued.inc(this.dispatcher.submitBatch(commands, receivedAt));
        }
        this.hooks.onSuccess(commands.length);
      } catch (err) {
        if (signal.aborted) break;
        metrics.pollLatencyFailed.observe((performance.now() - started) / 1000);
        const error =
          err instanceof ControlPlaneError ? err : new ControlPlaneError('network', undefined, undefined, `poll failed: ${(err as Error).message}`);
        metrics.pollErrors.inc({ kind: error.kind });
        metrics.pollErrorsByKind.inc({ error_kind: error.timedOut ? 'timeout' : 'other' });
        const needsOperator = error.kind === 'auth' || error.kind === 'not_found';
        const delay = Math.max(
          needsOperator ? this.authBackoff.next() : this.backoff.next(),
          Math.min(error.retryAfterMs ?? 0, this.retryAfterCapMs),
        );
        quick = true;
        this.hooks.onError(error, delay);
        this.logger.log(needsOperator ? 'error' : 'warn', `${error.message}; retrying in ${Math.round(delay)} ms`);
        await sleep(delay, signal);
      }
    }
  }
}
