/** The fixes the profile schema's built-in checks are reported with (custom checks carry their own). */
import { DURATION_FIX_EXAMPLE } from './duration';

/** What to do about a field whose built-in check failed (custom checks carry their own fix). */
const FIELD_FIXES: Record<string, string> = {
  name: 'Use a short name such as "prod" or "local-dev"',
  'controlPlane.tunnelId': 'Copy the tunnel id from the Platform tunnel settings',
  'controlPlane.pollTimeout': `${DURATION_FIX_EXAMPLE}`,
  'controlPlane.pollDeadlineGuardrail': DURATION_FIX_EXAMPLE,
  'controlPlane.maxInflightRequests': 'Use a whole number from 1 to 10000',
  'mcp.maxConcurrentRequests': 'Use a whole number of at least 1',
  'mcp.maxMessageBytes': 'Use a whole number of bytes from 1024 to 1073741824',
  'mcp.startupWaitTimeout': `${DURATION_FIX_EXAMPLE}; 0s polls at once`,
  'mcp.connectionMaxTtl': DURATION_FIX_EXAMPLE,
  'mcp.servers': 'Configure between 1 and 32 servers, e.g. a command for the main channel',
  'mcp.servers.*.channel': 'Use a name such as main or docs-search',
  'mcp.servers.*.sessionMode': 'Use per_session (a child per remote session) or shared (one child for all)',
  'mcp.servers.*.maxSessions': 'Use a whole number from 1 to 1000',
  'mcp.servers.*.sessionIdleTimeout': `${DURATION_FIX_EXAMPLE}; 0s never closes an idle session`,
  'log.level': 'Use one of debug, info, warn, error',
  'log.format': 'Use text (or struct-text) or json',
  'trace.maxEntries': 'Use a whole number from 1 to 100000',
  'trace.capturePayloads': 'Use true or false',
};

export function profileFieldFix(path: readonly PropertyKey[]): string | undefined {
  const key = path.map((p) => (typeof p === 'number' ? '*' : String(p))).join('.');
  return FIELD_FIXES[key];
}
