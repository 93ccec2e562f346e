/**
 * The one contract between the extension host and a tunnel worker process.
 * Both sides import this file and nothing else of each other.
 */
import type { EngineConfig } from '../engine/config';
import { engineStatus, logLevel, logRecord, metricsSnapshot, traceEntry } from '../engine/eventChecks';
import type { EngineStatus, LogLevel, LogRecord, MetricsSnapshot, TraceEntry } from '../engine/events';
import type { McpOutcome } from '../engine/mcp/channel';
import { arrayOf, bool, int, num, object, oneOf, opt, parseMessage, shape, str, type Check, type Validators } from '../protocol/checks';
import { isObject, jsonRpcProblem, type JsonRpcMessage } from '../protocol/jsonrpc';
import type { Headers } from '../protocol/wire';

export const IPC_VERSION = 1;

/** Host → worker. */
export type HostMessage =
  | { type: 'start'; version: typeof IPC_VERSION; config: EngineConfig; metricsIntervalMs?: number }
  | { type: 'stop' }
  | { type: 'setLogLevel'; level: LogLevel }
  | { type: 'setCapturePayloads'; on: boolean }
  /** A JSON-RPC message run on the MCP server directly (TunnelEngine.callLocal); answered by one 'callResult'. */
  | { type: 'call'; id: number; message: JsonRpcMessage; headers: Headers };

/** Worker → host. */
export type WorkerMessage =
  | { type: 'started'; healthUrl?: string; pid: number }
  | { type: 'state'; status: EngineStatus }
  | { type: 'trace'; entry: TraceEntry }
  | { type: 'metrics'; snapshot: MetricsSnapshot }
  | { type: 'log'; record: LogRecord }
  | { type: 'mcpStderr'; channel: string; line: string }
  | { type: 'callResult'; id: number; outcome: McpOutcome; traceSeq: number }
  | { type: 'callResult'; id: number; error: string }
  | { type: 'stopped' }
  /** The worker cannot go on (bad config, bind failure); it exits after sending this. */
  | { type: 'fatal'; message: string };

// ── validation: both directions, every field of every message ───────────────

const headers: Check = (v) => isObject(v) && Object.values(v).every(arrayOf(str));
const jsonRpcMessage: Check = (v) => jsonRpcProblem(v) === undefined;
const engineConfig = shape({
  controlPlane: shape({ baseUrl: str, tunnelId: str, apiKey: str, extraHeaders: object, tls: object, pollTimeoutMs: num, maxInflightRequests: int }),
  mcp: shape({ targets: arrayOf(shape({ kind: oneOf('stdio', 'http'), channel: str })), maxConcurrentRequests: int }),
  log: shape({ level: logLevel }),
  trace: shape({ capturePayloads: bool, maxEntries: int }),
});
const mcpOutcome = shape({ kind: oneOf('response', 'ack'), status: int, headers });

const HOST_MESSAGES: Validators<HostMessage> = {
  start: { version: int, config: engineConfig, metricsIntervalMs: opt(int) },
  stop: {},
  setLogLevel: { level: logLevel },
  setCapturePayloads: { on: bool },
  call: { id: int, message: jsonRpcMessage, headers },
};

const WORKER_MESSAGES: Validators<WorkerMessage> = {
  started: { healthUrl: opt(str), pid: int },
  state: { status: engineStatus },
  trace: { entry: traceEntry },
  metrics: { snapshot: metricsSnapshot },
  log: { record: logRecord },
  mcpStderr: { channel: str, line: str },
  // One of outcome (with traceSeq) or error.
  callResult: { id: int, outcome: opt(mcpOutcome), traceSeq: opt(int), error: opt(str) },
  stopped: {},
  fatal: { message: str },
};

/** The message, when `data` is a well-formed host → worker message; otherwise undefined. */
export function parseHostMessage(data: unknown): HostMessage | undefined {
  return parseMessage(HOST_MESSAGES, data);
}

/** The message, when `data` is a well-formed worker → host message; otherwise undefined. */
export function parseWorkerMessage(data: unknown): WorkerMessage | undefined {
  return parseMessage(WORKER_MESSAGES, data);
}
