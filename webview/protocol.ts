/**
 * The dashboard's one contract: every message between the extension host
 * (src/extension/dashboard) and the webview app (webview/dashboard), each
 * with a discriminant `type`. Both sides import this file; it imports only
 * types from the engine, so the webview bundle stays free of Node code.
 *
 * Messages are checked on receipt (`parseHostMessage`, `parseWebviewMessage`):
 * the validator tables are typed so that every message type, and every field
 * of it, must have a check.
 */
import { engineStatus, logLevel, logRecord, metricsSnapshot, traceEntry, traceEntryFields } from '../src/engine/eventChecks';
import { anything, arrayOf, bool, int, oneOf, opt, parseMessage, shape, str, stringRecord, type Check, type Validators } from '../src/protocol/checks';
import { isObject } from '../src/protocol/jsonrpc';
import { LOG_LEVELS, type EngineStatus, type LogLevel, type LogRecord, type MetricsSnapshot, type TraceEntry } from '../src/engine/events';

export type { EngineStatus, LogLevel, LogRecord, MetricsSnapshot, TraceEntry };

/** The panel's webview type: the serializer and the activation event name it. */
export const DASHBOARD_VIEW_TYPE = 'mcpTunnel.dashboard';

/** The part of the webview's saved state (getState/setState) the host reads when it restores a panel after a reload. */
export interface PersistedDashboardState {
  profile: string;
}

export function restoredProfile(state: unknown): string | undefined {
  const profile = isObject(state) ? state.profile : undefined;
  return typeof profile === 'string' && profile ? profile : undefined;
}

export const LOG_LEVEL_NAMES: readonly LogLevel[] = LOG_LEVELS;

/** Colour family of the state badge. */
export type HealthTone = 'ok' | 'warn' | 'error' | 'idle' | 'busy';

/** A running loopback's front door, as the Health section shows it: never its token, which stays in the host. */
export interface EndpointView {
  url: string;
  /** The auth mode in words: "bearer token (or token in path)", "no auth". */
  auth: string;
  hasToken: boolean;
}

/** What the Endpoint card's buttons ask the host to put on the clipboard. */
export type EndpointCopy = 'url' | 'token' | 'curl';

/** What the Health section and the header badge show. */
export interface HealthView {
  /** The same word the Tunnels view shows: ready, starting, degraded, auth error, restarting, stopped, crashed, invalid, … */
  state: string;
  tone: HealthTone;
  /** Why the state is not ready (or the profile's problem). */
  reason?: string;
  running: boolean;
  /** Absent until the worker reported once. */
  status?: EngineStatus;
  workerPid?: number;
  /** The last lines the MCP server wrote to stderr. */
  stderr: string[];
  /** Whether the trace keeps request and response payloads. */
  capturePayloads: boolean;
  /** The loopback front door, while the profile runs in loopback. */
  endpoint?: EndpointView;
}

/** A trace table row: the entry without its payloads, which come on demand ('traceDetail'). */
export type TraceRow = Omit<TraceEntry, 'request' | 'response' | 'notificationPayloads'> & {
  /** Unique within a panel, increasing in arrival order. */
  key: number;
  /** The request payload was captured: the row can be replayed and shown in full. */
  captured: boolean;
  /** The start of the request's params as JSON (captured rows only), for the text filter. */
  preview?: string;
};

/** What the webview may ask of the MCP server. */
export type McpRequest =
  | { method: 'tools/list' }
  | { method: 'tools/call'; name: string; arguments: Record<string, unknown> }
  | { method: 'resources/list' }
  | { method: 'resources/read'; uri: string }
  | { method: 'prompts/list' }
  | { method: 'prompts/get'; name: string; arguments: Record<string, string> }
  /** Sends a captured request of the trace again. */
  | { method: 'replay'; key: number };

/** Host → webview. */
export type HostMessage =
  /** Everything, after the webview said 'ready' (it loads afresh whenever the panel is shown). */
  | {
      type: 'snapshot';
      profile: string;
      health: HealthView;
      metrics: MetricsSnapshot[];
      trace: TraceRow[];
      logs: LogRecord[];
      logLevel: LogLevel;
      /** The loopback front door, when the profile runs in loopback ("Copy as curl"). The token stays in the host. */
      loopbackUrl?: string;
      /** How many trace entries the host keeps (mcpTunnel.trace.maxEntries). */
      maxEntries: number;
      /** False when the host offers no Start/Stop/Restart (the daemon's web UI: the process is the tunnel). Absent: offered. */
      tunnelControls?: boolean;
    }
  /** What changed since the last message; sent at most about once a second. */
  | { type: 'update'; health?: HealthView; metrics: MetricsSnapshot[]; trace: TraceRow[]; logs: LogRecord[]; loopbackUrl?: string }
  /** The full entry of a row; `entry` is absent when it is no longer kept. */
  | { type: 'traceDetail'; key: number; entry?: TraceEntry }
  /** The answer to an 'mcp' request: a result, or an error message. */
  | { type: 'mcpResult'; reqId: number; result?: unknown; error?: string; traceKey?: number }
  | { type: 'logLevel'; level: LogLevel };

/** Webview → host. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'selectTrace'; key: number }
  | { type: 'clearTrace' }
  /** Saves the given rows (what the filters show) as JSON, through a save dialog. */
  | { type: 'exportTrace'; keys: number[] }
  | { type: 'copyCurl'; key: number }
  /** Saves the diagnostics bundle (recent logs, metrics, status, system, redacted configuration) as a zip. */
  | { type: 'exportLogs' }
  /** Copies the loopback front door's URL, token or a curl request: the host reads the token and writes the clipboard. */
  | { type: 'copyEndpoint'; what: EndpointCopy }
  | { type: 'mcp'; reqId: number; request: McpRequest }
  | { type: 'setLogLevel'; level: LogLevel }
  /** Runs Start Tunnel, Stop Tunnel or Restart Tunnel for the panel's profile (the header's buttons). */
  | { type: 'tunnel'; action: TunnelAction };

export const TUNNEL_ACTIONS = ['start', 'stop', 'restart'] as const;
export type TunnelAction = (typeof TUNNEL_ACTIONS)[number];

// ── validation ─────────────────────────────────────────────────────────────

const healthView = shape({
  state: str,
  tone: oneOf('ok', 'warn', 'error', 'idle', 'busy'),
  reason: opt(str),
  running: bool,
  status: opt(engineStatus),
  workerPid: opt(int),
  stderr: arrayOf(str),
  capturePayloads: bool,
  endpoint: opt(shape({ url: str, auth: str, hasToken: bool })),
});

const traceRow = shape({ ...traceEntryFields, key: int, captured: bool, preview: opt(str) });

const mcpRequest: Check = (v) => {
  if (!isObject(v)) return false;
  switch (v.method) {
    case 'tools/list':
    case 'resources/list':
    case 'prompts/list':
      return true;
    case 'tools/call':
      return str(v.name) && isObject(v.arguments);
    case 'resources/read':
      return str(v.uri);
    case 'prompts/get':
      return str(v.name) && stringRecord(v.arguments);
    case 'replay':
      return int(v.key);
    default:
      return false;
  }
};

const HOST_MESSAGES: Validators<HostMessage> = {
  snapshot: { profile: str, health: healthView, metrics: arrayOf(metricsSnapshot), trace: arrayOf(traceRow), logs: arrayOf(logRecord), logLevel, loopbackUrl: opt(str), maxEntries: int, tunnelControls: opt(bool) },
  update: { health: opt(healthView), metrics: arrayOf(metricsSnapshot), trace: arrayOf(traceRow), logs: arrayOf(logRecord), loopbackUrl: opt(str) },
  traceDetail: { key: int, entry: opt(traceEntry) },
  mcpResult: { reqId: int, result: anything, error: opt(str), traceKey: opt(int) },
  logLevel: { level: logLevel },
};

const WEBVIEW_MESSAGES: Validators<WebviewMessage> = {
  ready: {},
  selectTrace: { key: int },
  clearTrace: {},
  exportTrace: { keys: arrayOf(int) },
  copyCurl: { key: int },
  exportLogs: {},
  copyEndpoint: { what: oneOf('url', 'token', 'curl') },
  mcp: { reqId: int, request: mcpRequest },
  setLogLevel: { level: logLevel },
  tunnel: { action: oneOf(...TUNNEL_ACTIONS) },
};

/** The message, when `data` is a well-formed host message; otherwise undefined. */
export function parseHostMessage(data: unknown): HostMessage | undefined {
  return parseMessage(HOST_MESSAGES, data);
}

/** The message, when `data` is a well-formed webview message; otherwise undefined. */
export function parseWebviewMessage(data: unknown): WebviewMessage | undefined {
  return parseMessage(WEBVIEW_MESSAGES, data);
}

/** Every message type, for tests and exhaustiveness. */
export const HOST_MESSAGE_TYPES = Object.keys(HOST_MESSAGES) as HostMessage['type'][];
export const WEBVIEW_MESSAGE_TYPES = Object.keys(WEBVIEW_MESSAGES) as WebviewMessage['type'][];
