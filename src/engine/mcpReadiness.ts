/**
 * Whether the MCP side of a tunnel is usable, earned by probes: each channel
 * must answer the engine's own `initialize` (src/engine/mcp/probe.ts), is
 * probed again with capped back-off while it does not, and leaves "usable"
 * when a call cannot reach it. Also the startup wait (`mcp.startupWaitMs`):
 * the first poll waits until a Streamable HTTP `main` server accepts a
 * connection (any HTTP answer, even 401, counts); when the wait runs out,
 * polling starts anyway and the reason stays until the server answers.
 */
import { DEFAULT_CHANNEL } from '../protocol/wire';
import type { McpTarget } from './config';
import { formatMs } from './deadline';
import type { Logger } from './log';
import type { McpChannel } from './mcp/channel';
import { probeChannel } from './mcp/probe';

const PROBE_BACKOFF_INITIAL_MS = 1000;
const PROBE_BACKOFF_MAX_MS = 30_000;
/** While the startup wait holds the first poll, a refused probe is retried fast (as the reference daemon does). */
const GATE_BACKOFF_INITIAL_MS = 50;
const GATE_BACKOFF_MAX_MS = 1000;

interface ProbeState {
  state: 'probing' | 'ok' | 'failed';
  /** A caveat of a passing probe (the server wants a bearer token). */
  note?: string;
  reason?: string;
  attempt: number;
  running: boolean;
  timer?: NodeJS.Timeout;
}

interface StartupGate {
  channel: string;
  waitMs: number;
  timer: NodeJS.Timeout;
  release(): void;
}

/** What the probes say, most pressing first. */
export type McpReadinessView =
  | { kind: 'waiting'; reason: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'probing'; reason: string }
  | { kind: 'ok'; note?: string };

export class McpReadiness {
  private readonly probes = new Map<string, ProbeState>();
  private gate: StartupGate | undefined;
  /** Set when the startup wait ran out; cleared once the server answers. */
  private gateFailure: string | undefined;
  private stopped = false;

  constructor(
    private readonly channels: ReadonlyMap<string, McpChannel>,
    private readonly logger: Logger,
    private readonly stop: AbortSignal,
    private readonly onChange: () => void,
  ) {
    for (const name of channels.keys()) this.probes.set(name, { state: 'probing', attempt: 0, running: false });
    stop.addEventListener('abort', () => this.close(), { once: true });
  }

  /**
   * Probes every channel. Resolves when the first poll may go out: at once,
   * or, with a startup wait on a Streamable HTTP `main` channel, once its
   * server accepted a connection or the wait ran out.
   */
  start(targets: readonly McpTarget[], startupWaitMs: number): Promise<void> {
    const passed = this.openGate(targets, startupWaitMs);
    for (const channel of this.channels.values()) void this.probe(channel);
    return passed;
  }

  /** A call could not reach an HTTP server: it is not usable any more until a probe passes again. */
  onTransportFailure(channel: McpChannel, reason: string): void {
    const probe = this.probes.get(channel.name);
    if (!probe || probe.running || probe.state === 'failed' || this.stopped) return;
    Object.assign(probe, { state: 'failed', reason, note: undefined });
    this.logger.warn(`MCP server "${channel.name}" cannot be reached: ${reason}; probing until it answers`, { channel: channel.name });
    this.onChange();
    this.schedule(channel, probe, PROBE_BACKOFF_INITIAL_MS);
  }

  view(): McpReadinessView {
    if (this.gate) return { kind: 'waiting', reason: `waiting for MCP server "${this.gate.channel}" to accept connections (startup wait, up to ${formatMs(this.gate.waitMs)})` };
    if (this.gateFailure) return { kind: 'failed', reason: `MCP startup wait failed: ${this.gateFailure}` };
    const failed = [...this.probes].find(([, p]) => p.state === 'failed');
    if (failed) {
      const [channel, p] = failed;
      const name = this.channels.size > 1 ? ` (channel "${channel}")` : '';
      return { kind: 'failed', reason: `MCP probe failed${name}: ${p.reason}` };
    }
    const probing = [...this.probes].find(([, p]) => p.state === 'probing');
    if (probing) return { kind: 'probing', reason: `checking MCP server "${probing[0]}" (initialize)` };
    return { kind: 'ok', note: [...this.probes.values()].find((p) => p.note)?.note };
  }

  close(): void {
    this.stopped = true;
    for (const probe of this.probes.values()) if (probe.timer) clearTimeout(probe.timer);
    this.passGate();
  }

  private openGate(targets: readonly McpTarget[], waitMs: number): Promise<void> {
    if (waitMs <= 0 || this.stopped) return Promise.resolve();
    const target = targets.find((t) => t.channel === DEFAULT_CHANNEL);
    if (target?.kind !== 'http') {
      this.logger.debug('the MCP startup wait applies to a Streamable HTTP main channel only; polling at once');
      return Promise.resolve();
    }
    return new Promise((release) => {
      const timer = setTimeout(() => {
        const last = this.probes.get(target.channel)?.reason ?? 'no answer';
        this.gateFailure = `the MCP server "${target.channel}" did not accept a connection within ${formatMs(waitMs)} (${last})`;
        this.logger.error(`MCP startup wait ran out: ${this.gateFailure}; polling anyway`, { channel: target.channel });
        this.passGate();
      }, waitMs);
      timer.unref();
      this.gate = { channel: target.channel, waitMs, timer, release };
      this.logger.info(`waiting up to ${formatMs(waitMs)} for the MCP server "${target.channel}" to accept connections before the first poll`, { channel: target.channel });
    });
  }

  private passGate(): void {
    const gate = this.gate;
    if (!gate) return;
    this.gate = undefined;
    clearTimeout(gate.timer);
    gate.release();
    if (!this.stopped) this.onChange();
  }

  private schedule(channel: McpChannel, probe: ProbeState, delayMs: number): void {
    probe.timer = setTimeout(() => void this.probe(channel), delayMs);
    probe.timer.unref();
  }

  /** Probes a channel until it answers `initialize`, with capped back-off between failed probes (1 s doubling to 30 s). */
  private async probe(channel: McpChannel): Promise<void> {
    const probe = this.probes.get(channel.name)!;
    if (probe.running || this.stopped) return;
    probe.running = true;
    if (probe.timer) clearTimeout(probe.timer);
    probe.timer = undefined;
    let result;
    try {
      result = await probeChannel(channel, this.stop);
    } finally {
      probe.running = false;
    }
    if (this.stopped) return;
    const gated = this.gate?.channel === channel.name;
    if (result.ok) {
      if (probe.state !== 'ok') this.logger.info(`MCP server "${channel.name}" answered initialize${result.note ? `: ${result.note}` : ''}`, { channel: channel.name });
      Object.assign(probe, { state: 'ok', note: result.note, reason: undefined, attempt: 0 });
      if (this.gateFailure) this.logger.info(`MCP server "${channel.name}" is up after the startup wait ran out`, { channel: channel.name });
      this.gateFailure = undefined;
      if (gated) this.passGate();
    } else if (gated && result.refused) {
      // The startup wait: nothing listens yet. Probe again soon, quietly, until the wait runs out.
      const wait = Math.min(GATE_BACKOFF_MAX_MS, GATE_BACKOFF_INITIAL_MS * 2 ** Math.min(probe.attempt, 10));
      probe.attempt++;
      this.logger.debug(`retrying the MCP startup probe of "${channel.name}": ${result.reason}`, { channel: channel.name, attempt: probe.attempt, delayMs: wait });
      Object.assign(probe, { state: 'failed', reason: result.reason, note: undefined });
      this.schedule(channel, probe, wait);
    } else {
      if (gated) {
        probe.attempt = 0;
        this.passGate();
      }
      const wait = Math.min(PROBE_BACKOFF_MAX_MS, PROBE_BACKOFF_INITIAL_MS * 2 ** Math.min(probe.attempt, 10));
      probe.attempt++;
      if (probe.reason !== result.reason) this.logger.warn(`MCP probe failed for "${channel.name}": ${result.reason}; probing again`, { channel: channel.name, delayMs: wait });
      Object.assign(probe, { state: 'failed', reason: result.reason, note: undefined });
      this.schedule(channel, probe, wait);
    }
    this.onChange();
  }
}
