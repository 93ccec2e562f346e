/** Typed events the engine emits; the CLI prints them and the worker forwards them over IPC. */
import type { FailureKind } from './controlPlane';
import type { LogRecord } from './log';
import type { ChannelStatus } from './mcp/channel';
import type { TraceEntry } from './trace';

export type EngineState = 'stopped' | 'starting' | 'ready' | 'degraded' | 'auth_error' | 'restarting';

export interface ChannelStatusEntry extends ChannelStatus {
  channel: string;
}

export interface EngineStatus {
  state: EngineState;
  /** One line explaining any state but ready. */
  reason: string;
  tunnelId: string;
  tunnelName?: string;
  /** Control-plane origin only: no path, no credentials. */
  controlPlane: string;
  healthUrl?: string;
  lastPollAt?: number;
  consecutivePollErrors: number;
  pollErrors: Partial<Record<FailureKind, number>>;
  lastError?: string;
  /** Wall time of the next poll attempt while backing off. */
  retryAt?: number;
  channels: ChannelStatusEntry[];
}

export interface MetricsSnapshot {
  time: number;
  commands: Record<string, number>;
  inFlight: number;
  queued: number;
  running: number;
  queueCapacity: number;
  workers: number;
  latencyMs: { p50: number; p95: number; p99: number; count: number };
  bytes: { controlPlaneIn: number; controlPlaneOut: number; mcpIn: number; mcpOut: number };
  pollCycles: number;
  mcpRestarts: number;
  /** When the last poll succeeded: sampled here, since a routine poll emits no state change. */
  lastPollAt?: number;
}

export interface EngineEvents {
  state: (status: EngineStatus) => void;
  trace: (entry: TraceEntry) => void;
  log: (record: LogRecord) => void;
  metrics: (snapshot: MetricsSnapshot) => void;
  mcpStderr: (channel: string, line: string) => void;
}
