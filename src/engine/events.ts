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

export interface HarpoonCallSummary {
  at: number;
  label: string;
  method: string;
  /** Origin and path only. */
  url?: string;
  status: number;
  latencyMs: number;
  responseBytes: number;
  error?: string;
  requestBody?: string;
  responseBody?: string;
}

export interface ChannelStatus {
  kind: 'stdio' | 'http' | 'harpoon';
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
  /** harpoon: targets registered. */
  targets?: number;
  /** harpoon: the registered targets (no URLs: what the agent sees). */
  harpoonTargets?: { label: string; category: string; source: string; description?: string }[];
  /** harpoon: the latest calls, newest last; bodies (redacted) only when capture_payloads is on. */
  harpoonCalls?: HarpoonCallSummary[];
  /** Short reason for a non-ready state, safe to show. */
  reason?: string;
  startedAt?: number;
  /** stdio: `per_session` (a child per remote session) or `shared` (one child; absent means shared). */
  sessionMode?: 'per_session' | 'shared';
  /** per_session: remote sessions with a child of their own now. */
  sessions?: number;
  /** per_session: the pool's bound (max_sessions). */
  maxSessions?: number;
  /** per_session: children running now, the sessionless one included. */
  children?: number;
  /** per_session: sessions closed to make room for a new one (least recently used), since start. */
  evictions?: number;
  /** per_session: sessions closed for being idle (session_idle_timeout), since start. */
  idleClosed?: number;
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
  commandType: 'jsonrpc' | 'session_termination' | 'oauth_discovery' | 'session_stream';
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
  /** The tunnel's description from its metadata (`GET /v1/tunnels/{id}`). */
  tunnelDescription?: string;
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
  /** OAuth discovery for the main channel's HTTP MCP server; absent for stdio or a main-less tunnel. */
  oauth?: OAuthStatus;
}

/**
 * OAuth discovery at startup, as the reference daemon runs it:
 * - `pending`: still fetching (readiness 503 "oauth discovery pending");
 * - `found`: protected-resource metadata fetched; `urls` lists what it names;
 * - `not_advertised`: every candidate answered 404 and no challenge named a
 *   metadata URL: a plain MCP server, not a readiness problem;
 * - `failed`: anything else (readiness 503 "oauth discovery failed: …").
 */
export type OAuthState = 'pending' | 'found' | 'not_advertised' | 'failed';

export interface OAuthStatus {
  state: OAuthState;
  /** Why `failed` (or what `not_advertised` saw), safe to show: no secrets, no query strings. */
  error?: string;
  /** The metadata URL that answered (`found`). */
  metadataUrl?: string;
  /** The `resource` the metadata names. */
  resource?: string;
  /** `authorization_servers[0]` of the metadata. */
  authorizationServer?: string;
  /** Every URL discovery tried or learned, in order, with its role. */
  urls: OAuthUrl[];
  /** Wall time discovery finished. */
  finishedAt?: number;
}

export type OAuthUrlRole =
  /** A protected-resource metadata candidate (from a challenge, the path-based or the root well-known URL). */
  | 'metadata_candidate'
  | 'resource'
  | 'authorization_server'
  | 'authorization_server_metadata'
  | 'authorization_endpoint'
  | 'token_endpoint'
  | 'registration_endpoint'
  | 'revocation_endpoint'
  | 'introspection_endpoint'
  | 'jwks_uri';

export interface OAuthUrl {
  role: OAuthUrlRole;
  url: string;
  /** For candidates: where it came from (`www_authenticate`, `well_known_path`, `well_known_root`). */
  source?: string;
  /** For candidates: the HTTP status it answered, if it was tried. */
  status?: number;
  /** For candidates: why it was not used. */
  error?: string;
  selected?: boolean;
}

export interface MetricsSnapshot {
  time: number;
  commands: Record<string, number>;
  inFlight: number;
  queued: number;
  running: number;
  queueCapacity: number;
  workers: number;
  /** Percentiles of the calls that ended in the last minute (engine/latency.ts); count 0 when none did. */
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
