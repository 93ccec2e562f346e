/**
 * The one contract between the extension host and a tunnel worker process.
 * Both sides import this file and nothing else of each other.
 */
import type { EngineConfig } from '../engine/config';
import type { McpOutcome } from '../engine/mcp/channel';
import type { JsonRpcMessage } from '../protocol/jsonrpc';
import type { Headers } from '../protocol/wire';
import type { EngineStatus, MetricsSnapshot } from '../engine/events';
import type { LogLevel, LogRecord } from '../engine/log';
import type { TraceEntry } from '../engine/trace';

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

export function isHostMessage(value: unknown): value is HostMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'start' || type === 'stop' || type === 'setLogLevel' || type === 'setCapturePayloads' || type === 'call';
}
