/** Sample values of the dashboard's protocol types, shaped like what a running tunnel produces. */
import type { OAuthStatus } from '../../../src/engine/events';
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

/** OAuth discovery of an HTTP main channel, one sample per state, shaped like what the engine reports. */
export const OAUTH_FOUND: OAuthStatus = {
  state: 'found',
  metadataUrl: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
  resource: 'https://mcp.example.com/mcp',
  authorizationServer: 'https://auth.example.com/realms/tools',
  urls: [
    { role: 'metadata_candidate', url: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp', source: 'www_authenticate', status: 200, selected: true },
    { role: 'metadata_candidate', url: 'https://mcp.example.com/.well-known/oauth-protected-resource', source: 'well_known_root' },
    { role: 'resource', url: 'https://mcp.example.com/mcp' },
    { role: 'authorization_server', url: 'https://auth.example.com/realms/tools' },
    { role: 'authorization_server_metadata', url: 'https://auth.example.com/.well-known/oauth-authorization-server/realms/tools' },
    { role: 'authorization_endpoint', url: 'https://auth.example.com/realms/tools/protocol/openid-connect/auth' },
    { role: 'token_endpoint', url: 'https://auth.example.com/realms/tools/protocol/openid-connect/token' },
    { role: 'registration_endpoint', url: 'https://auth.example.com/realms/tools/clients-registrations/openid-connect' },
  ],
  finishedAt: 1_760_000_000_000,
};

export const OAUTH_NOT_ADVERTISED: OAuthStatus = {
  state: 'not_advertised',
  error: 'every metadata candidate answered 404',
  urls: [
    { role: 'metadata_candidate', url: 'http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp', source: 'well_known_path', status: 404, error: 'HTTP 404' },
    { role: 'metadata_candidate', url: 'http://127.0.0.1:3000/.well-known/oauth-protected-resource', source: 'well_known_root', status: 404, error: 'HTTP 404' },
  ],
  finishedAt: 1_760_000_000_000,
};

export const OAUTH_PENDING: OAuthStatus = {
  state: 'pending',
  urls: [{ role: 'metadata_candidate', url: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp', source: 'well_known_path' }],
};

export const OAUTH_FAILED: OAuthStatus = {
  state: 'failed',
  error: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp: HTTP 200 but the metadata is not JSON',
  urls: [
    { role: 'metadata_candidate', url: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp', source: 'well_known_path', status: 200, error: 'the metadata is not JSON' },
    { role: 'metadata_candidate', url: 'https://mcp.example.com/.well-known/oauth-protected-resource', source: 'well_known_root' },
  ],
  finishedAt: 1_760_000_000_000,
};

/** HEALTH for a tunnel whose main channel is an HTTP MCP server, with its OAuth discovery (none: `oauth` absent). */
export function httpHealth(oauth: OAuthStatus | undefined, patch: Partial<HealthView> = {}): HealthView {
  const status = HEALTH.status!;
  return {
    ...HEALTH,
    ...patch,
    status: { ...status, channels: [{ channel: 'main', kind: 'http', state: 'ready', origin: 'https://mcp.example.com', restarts: 0, inFlight: 0 }], ...(oauth ? { oauth } : {}) },
  };
}
