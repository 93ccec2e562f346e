/**
 * What the engine reports, as plain data: its state and status, metrics
 * snapshots, trace entries, log records, and the typed events that carry
 * them. The CLI prints them, the worker forwards them over IPC, and the
 * dashboard's browser code reads them, so this file depends on nothing but
 * the protocol's types and never on a Node module.
 */
import type { Headers, TunnelFailure } from '../protocol/wire';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogRecord {
  time: string;
  level: LogLevel;
  msg: string;
  /** Component that logged: poller, dispatcher, stdio, http, health, relay, … */
  scope: string;
  fields?: Record<string, unknown>;
}

/** Why a control-plane request did not succeed; drives retry and state. */
export type FailureKind = 'network' | 'auth' | 'not_found' | 'rate_limited' | 'server' | 'client' | 'decode';

export type ChannelState = 'stopped' | 'starting' | 'ready' | 'restarting' | 'crashed';

export interface ChannelStatus {
  kind: 'stdio' | 'http';
  state: ChannelState;
  /** stdio: the child's pid while it runs. */
  pid?: number;
  /** http: the server origin (no path, no credentials). */
  origin?: string;
  restarts: number;
  /** stdio: restart attempt number while restarting. */
  attempt?: number;
  /** Calls currently in progress on this channel. */
  inFlight: number;
  /** Short reason for a non-ready state, safe to show. */
  reason?: string;
  startedAt?: number;
}

export type TraceOutcome =
  /** Answered with a JSON-RPC result, an ack, or a session close. */
  | 'ok'
  /** Answered with the server's own JSON-RPC error. */
  | 'error'
  /** Answered with a tool result that reports a failure (`isError: true`). */
  | 'tool_error'
  /** Answered with a synthesized tunnel failure. */
  | 'failure'
  /** Deadline passed; nothing was posted. */
  | 'expired'
  /** The control plane no longer held the command (404 on POST). */
  | 'gone'
  /** The response POST could not be delivered. */
  | 'post_failed'
  /** Engine stopped before the command finished. */
  | 'cancelled';

export interface TraceEntry {
  seq: number;
  /** 'local': run from the dashboard straight on the MCP server, not polled from the control plane. */
  origin?: 'local';
  requestId: string;
  channel: string;
  commandType: 'jsonrpc' | 'session_termination';
  /** Wall-clock time the poll batch arrived (ms since epoch). */
  receivedAt: number;
  method?: string;
  toolName?: string;
  jsonrpcId?: string | number | null;
  sessionId?: string;
  phases: { queuedMs: number; mcpMs: number; postMs: number };
  durationMs: number;
  outcome: TraceOutcome;
  respCode?: number;
  /** Bytes of the request as written to the MCP server. */
  bytesIn: number;
  /** Bytes of the server's answer (the terminal response) as read from it. */
  bytesOut: number;
  notifications: number;
  failure?: TunnelFailure;
  errorCode?: number;
  respHeaders?: Headers;
  /** Present only with payload capture on, redacted. */
  request?: unknown;
  response?: unknown;
  notificationPayloads?: unknown[];
}


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
