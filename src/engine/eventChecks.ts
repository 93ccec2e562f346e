/**
 * Checks for the engine's reports (src/engine/events.ts) as they arrive over
 * a boundary: from a worker process, or in the dashboard's webview. Node-free.
 */
import { arrayOf, bool, int, num, object, oneOf, opt, shape, str, type Check } from '../protocol/checks';
import { isObject } from '../protocol/jsonrpc';
import { LOG_LEVELS, type OAuthState, type OAuthUrlRole, type TraceEntry } from './events';

export const logLevel = oneOf(...LOG_LEVELS);
const jsonRpcId: Check = (v) => v === null || typeof v === 'string' || num(v);

// Keyed by the union, so a state or role added to events.ts must be added here too.
const OAUTH_STATES: Record<OAuthState, true> = { pending: true, found: true, not_advertised: true, failed: true };
const OAUTH_URL_ROLES: Record<OAuthUrlRole, true> = {
  metadata_candidate: true,
  resource: true,
  authorization_server: true,
  authorization_server_metadata: true,
  authorization_endpoint: true,
  token_endpoint: true,
  registration_endpoint: true,
  revocation_endpoint: true,
  introspection_endpoint: true,
  jwks_uri: true,
};
const COMMAND_TYPES: Record<TraceEntry['commandType'], true> = { jsonrpc: true, session_termination: true, oauth_discovery: true, session_stream: true };

const quote = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** What is wrong with one field: `undefined` when `check` passes. */
function fieldProblem(where: string, value: unknown, check: Check, expected: string): string | undefined {
  return check(value) ? undefined : `${where} must be ${expected}, not ${quote(value)}`;
}

function oauthUrlProblem(v: unknown, where: string): string | undefined {
  if (!isObject(v)) return `${where} must be an object, not ${quote(v)}`;
  const roles = Object.keys(OAUTH_URL_ROLES);
  return (
    fieldProblem(`${where}.role`, v.role, oneOf(...roles), `one of ${roles.join(', ')}`) ??
    fieldProblem(`${where}.url`, v.url, str, 'a string') ??
    fieldProblem(`${where}.source`, v.source, opt(str), 'a string when present') ??
    fieldProblem(`${where}.status`, v.status, opt(int), 'an integer HTTP status when present') ??
    fieldProblem(`${where}.error`, v.error, opt(str), 'a string when present') ??
    fieldProblem(`${where}.selected`, v.selected, opt(bool), 'a boolean when present')
  );
}

/**
 * Why `v` is not an `OAuthStatus` (events.ts), naming the first bad field
 * (`oauth.urls[2].status must be …`); `undefined` when it is one.
 */
export function oauthStatusProblem(v: unknown, where = 'oauth'): string | undefined {
  if (!isObject(v)) return `${where} must be an object, not ${quote(v)}`;
  const states = Object.keys(OAUTH_STATES);
  const problem =
    fieldProblem(`${where}.state`, v.state, oneOf(...states), `one of ${states.join(', ')}`) ??
    fieldProblem(`${where}.error`, v.error, opt(str), 'a string when present') ??
    fieldProblem(`${where}.metadataUrl`, v.metadataUrl, opt(str), 'a string when present') ??
    fieldProblem(`${where}.resource`, v.resource, opt(str), 'a string when present') ??
    fieldProblem(`${where}.authorizationServer`, v.authorizationServer, opt(str), 'a string when present') ??
    fieldProblem(`${where}.finishedAt`, v.finishedAt, opt(num), 'a time in ms when present') ??
    fieldProblem(`${where}.urls`, v.urls, Array.isArray, 'an array');
  if (problem) return problem;
  const urls = v.urls as unknown[];
  for (let i = 0; i < urls.length; i++) {
    const urlProblem = oauthUrlProblem(urls[i], `${where}.urls[${i}]`);
    if (urlProblem) return urlProblem;
  }
  return undefined;
}

export const oauthStatus: Check = (v) => oauthStatusProblem(v) === undefined;

export const engineStatus = shape({
  state: str,
  reason: str,
  tunnelId: str,
  controlPlane: str,
  consecutivePollErrors: num,
  pollErrors: object,
  channels: arrayOf(object),
  oauth: opt(oauthStatus),
});

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
  commandType: oneOf(...Object.keys(COMMAND_TYPES)),
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
