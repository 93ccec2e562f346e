/** What every discovery request is given, and the headers it sends. */
import type { Dispatcher } from 'undici';
import { mergeRequestHeaders } from './exchange';
import { sameOrigin } from './urls';

export interface DiscoveryOptions {
  /** The main channel's MCP URL. */
  serverUrl: string;
  /** Reaches any origin (an undici Agent, ProxyAgent or EnvHttpProxyAgent). */
  dispatcher: Dispatcher;
  /** Sent only to the MCP server's origin: the operator's `mcp.extra_headers`, then `mcp.discovery_extra_headers` (later ones win). */
  originHeaders?: Record<string, string>;
  userAgent: string;
  signal: AbortSignal;
  /** Test knobs, defaults as above. */
  challengeTimeoutMs?: number; // 1000
  retryBaseTimeoutMs?: number; // 2000
  /** Deadline of each request of the first pass (the doctor's 2 s); unset, only `signal` bounds it. */
  requestTimeoutMs?: number;
}

export const DEFAULT_CHALLENGE_TIMEOUT_MS = 1000;
export const DEFAULT_RETRY_BASE_TIMEOUT_MS = 2000;

/**
 * The headers of a discovery request to `url`: Accept and User-Agent, plus
 * the operator's headers when `url` has the MCP server's origin, never
 * anywhere else.
 */
export function headersFor(o: DiscoveryOptions, server: URL | undefined): (url: URL) => Record<string, string> {
  const base = { accept: 'application/json', 'user-agent': o.userAgent };
  return (url) => (server && sameOrigin(url, server) ? mergeRequestHeaders(base, o.originHeaders) : { ...base });
}
