/** Sample values of the dashboard's protocol types, shaped like what a running tunnel produces. */
import type { HealthView, LogRecord, MetricsSnapshot, TraceEntry, TraceRow } from '../../../webview/protocol';

export function traceRow(key: number, patch: Partial<TraceRow> = {}): TraceRow {
  return {
    key,
    seq: key,
    requestId: `req_${key}`,
    channel: 'main',
    commandType: 'jsonrpc',
    receivedAt: 1_760_000_000_000 + key * 10,
    method: 'tools/call',
    toolName: 'echo',
    jsonrpcId: key,
    sessionId: 'session-a',
    phases: { queuedMs: 0.2, mcpMs: 3, postMs: 0.5 },
    durationMs: 3.8,
    outcome: 'ok',
    bytesIn: 0,
    bytesOut: 0,
    notifications: 0,
    captured: true,
    preview: '{"name":"echo","arguments":{"message":"hello"}}',
    ...patch,
  };
}

export function traceEntry(seq: number, patch: Partial<TraceEntry> = {}): TraceEntry {
  return {
    seq,
    requestId: `req_${seq}`,
    channel: 'main',
    commandType: 'jsonrpc',
    receivedAt: 1_760_000_000_000 + seq,
    method: 'tools/call',
    toolName: 'echo',
    jsonrpcId: seq,
    sessionId: 'session-a',
    phases: { queuedMs: 0, mcpMs: 2, postMs: 1 },
    durationMs: 3,
    outcome: 'ok',
    respCode: 200,
    bytesIn: 0,
    bytesOut: 0,
    notifications: 1,
    respHeaders: { 'Content-Type': ['application/json'] },
    request: { jsonrpc: '2.0', id: seq, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hello' } } },
    response: { jsonrpc: '2.0', id: seq, result: { content: [{ type: 'text', text: 'Echo: hello' }] } },
    notificationPayloads: [{ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } }],
    ...patch,
  };
}

export function snapshot(time: number, commands: Record<string, number>, patch: Partial<MetricsSnapshot> = {}): MetricsSnapshot {
  return {
    time,
    commands,
    inFlight: 2,
    queued: 1,
    running: 1,
    queueCapacity: 32,
    workers: 8,
    latencyMs: { p50: 3, p95: 9, p99: 20, count: 10 },
    bytes: { controlPlaneIn: 0, controlPlaneOut: 0, mcpIn: 0, mcpOut: 0 },
    pollCycles: 1,
    mcpRestarts: 0,
    ...patch,
  };
}

export const HEALTH: HealthView = {
  state: 'ready',
  tone: 'ok',
  running: true,
  workerPid: 1234,
  stderr: ['server started'],
  capturePayloads: true,
  status: {
    state: 'ready',
    reason: 'ready',
    tunnelId: 'tunnel_abc',
    controlPlane: 'http://127.0.0.1:4000',
    lastPollAt: 1_760_000_000_000,
    consecutivePollErrors: 0,
    pollErrors: { network: 1 },
    retryAt: undefined,
    channels: [{ channel: 'main', kind: 'stdio', state: 'ready', pid: 99, restarts: 0, inFlight: 0, startedAt: 1_760_000_000_000 }],
  },
};

export const LOG: LogRecord = { time: '2026-01-01T00:00:00.000Z', level: 'info', msg: 'control plane answered the first poll', scope: 'engine', fields: { tunnel_id: 'tunnel_abc' } };
