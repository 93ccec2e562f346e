/**
 * Checks for the engine's reports (src/engine/events.ts) as they arrive over
 * a boundary: from a worker process, or in the dashboard's webview. Node-free.
 */
import { arrayOf, int, num, object, oneOf, opt, shape, str, type Check } from '../protocol/checks';
import { LOG_LEVELS } from './events';

export const logLevel = oneOf(...LOG_LEVELS);
const jsonRpcId: Check = (v) => v === null || typeof v === 'string' || num(v);

export const engineStatus = shape({ state: str, reason: str, tunnelId: str, controlPlane: str, consecutivePollErrors: num, pollErrors: object, channels: arrayOf(object) });

export const metricsSnapshot = shape({
  time: num,
  commands: object,
  inFlight: num,
  queued: num,
  running: num,
  queueCapacity: num,
  workers: num,
  latencyMs: shape({ p50: num, p95: num, p99: num, count: num }),
});

/** The fields of a trace entry every reader relies on (payloads, headers and failure details are optional extras). */
export const traceEntryFields = {
  seq: int,
  origin: opt(oneOf('local')),
  requestId: str,
  channel: str,
  commandType: oneOf('jsonrpc', 'session_termination', 'oauth_discovery'),
  receivedAt: num,
  method: opt(str),
  toolName: opt(str),
  jsonrpcId: opt(jsonRpcId),
  sessionId: opt(str),
  phases: shape({ queuedMs: num, mcpMs: num, postMs: num }),
  durationMs: num,
  outcome: oneOf('ok', 'error', 'tool_error', 'failure', 'expired', 'gone', 'post_failed', 'cancelled'),
  bytesIn: num,
  bytesOut: num,
  notifications: num,
};

export const traceEntry = shape(traceEntryFields);
export const logRecord = shape({ time: str, level: logLevel, msg: str, scope: str, fields: opt(object) });
