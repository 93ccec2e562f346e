/**
 * Who may use the relay's front door, for every one of its routes (the MCP
 * endpoint and its OAuth metadata): the Host and Origin checks, CORS
 * preflights, front-door auth, and the tunnel id of the path. A request let
 * in becomes a `Call`: whether its Authorization header belongs to the MCP
 * server, and the front-door URL it addressed (the OAuth resource).
 *
 * Front-door auth 'bearer': the token is the last path segment of the MCP URL
 * (/v1/mcp/{tunnel_id}/{token}) or an `Authorization: Bearer <token>` header.
 * Either lets a request in; a token in the path must be the right one. The
 * header is consumed only when it is exactly the token; any other
 * Authorization (an OAuth client's access token) goes on to the MCP server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopbackHost } from '../engine/net';
import { bearerMatches, safeDecode, secretMatches, sendApiError, sendEmpty } from './http';
import { protectedResourceMetadataUrl } from './oauthMetadata';

const CORS_ALLOW_HEADERS = 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID';
const CORS_EXPOSE_HEADERS = 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate';

export type Out = Record<string, string | string[]>;

export interface AdmissionOptions {
  auth: 'bearer' | 'none';
  token: string | undefined;
  tunnelId: string;
  /** Lower-case `host:port` values the Host header may carry. */
  allowedHosts: ReadonlySet<string>;
}

/** What admission counts and reads of the front door. */
export interface AdmissionState {
  readonly stats: { requests: number; refused: number };
  readonly closing: boolean;
}

/** One let-in front-door request: what it may send on, and which front-door URL it addressed. */
export interface Call {
  cors: Out;
  /** Whether the client's Authorization header belongs to the MCP server (it is not the front-door token). */
  forwardAuthorization: boolean;
  /** The front-door MCP URL the request addressed, its origin from the (checked) Host header: the OAuth resource. */
  resource: string;
  /** The front door's RFC 9728 metadata URL for `resource`. */
  metadataUrl: string;
}

/** A front-door path after /v1/mcp/: the tunnel id and, in the path form, the front-door token. */
export interface Target {
  tunnelId: string;
  token: string | undefined;
}

/** The front-door MCP path of a tunnel: `/v1/mcp/{tunnel_id}`, with `/{token}` in the path form. */
export function frontDoorPath(tunnelId: string, token?: string): string {
  return `/v1/mcp/${encodeURIComponent(tunnelId)}${token === undefined ? '' : `/${encodeURIComponent(token)}`}`;
}

/** `{tunnel_id}` or `{tunnel_id}/{token}` (one trailing slash allowed); undefined for anything else. */
export function parseTarget(rest: string): Target | undefined {
  const segments = rest.split('/');
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  if (segments.length > 2) return undefined;
  const tunnelId = safeDecode(segments[0]);
  const token = segments.length === 2 ? safeDecode(segments[1]) : undefined;
  if (tunnelId === undefined || (segments.length === 2 && token === undefined)) return undefined;
  return { tunnelId, token };
}

/**
 * The checks every front-door route shares, in order: Host (DNS rebinding),
 * Origin, CORS preflight, front-door auth, the tunnel id, shutdown. Answers
 * the request and returns undefined when one fails.
 */
export function admit(o: AdmissionOptions, state: AdmissionState, req: IncomingMessage, res: ServerResponse, target: Target | undefined, methods: string): Call | undefined {
  state.stats.requests++;
  const host = req.headers.host?.toLowerCase();
  if (host === undefined || !o.allowedHosts.has(host)) {
    state.stats.refused++;
    req.resume();
    sendApiError(
      res,
      403,
      `Host "${host ?? ''}" is not this relay's address: the MCP front door only answers requests addressed to ${[...o.allowedHosts].join(', ')} (DNS-rebinding protection).`,
      'invalid_host',
    );
    return undefined;
  }
  const origin = req.headers.origin;
  const cors: Out = {};
  if (origin !== undefined) {
    if (!isLoopbackOrigin(origin)) {
      state.stats.refused++;
      req.resume();
      sendApiError(res, 403, `Origin "${origin}" may not use this relay: only http(s) origins on localhost, 127.0.0.1 or [::1] are allowed.`, 'invalid_origin');
      return undefined;
    }
    cors['Access-Control-Allow-Origin'] = origin;
    cors['Vary'] = 'Origin';
    cors['Access-Control-Expose-Headers'] = CORS_EXPOSE_HEADERS;
  }
  if (req.method === 'OPTIONS') {
    // Preflights never carry credentials, so they are answered before the auth check.
    req.resume();
    sendEmpty(res, 204, {
      ...cors,
      'Access-Control-Allow-Methods': methods,
      'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
      'Access-Control-Max-Age': '600',
    });
    return undefined;
  }
  const forwardAuthorization = authenticate(o, req, target?.token);
  if (forwardAuthorization === undefined) {
    state.stats.refused++;
    req.resume();
    sendApiError(
      res,
      401,
      'Missing or wrong front-door token: use the mcp_url `mcp-tunnel relay` and `mcp-tunnel loopback` print when they start (the token is its last path segment), or send "Authorization: Bearer <token>" (front_door_token with --print-json); start them with --front-door-auth none for unauthenticated local use.',
      'invalid_front_door_token',
      { headers: { ...cors, 'WWW-Authenticate': 'Bearer realm="mcp-tunnel-relay"' } },
    );
    return undefined;
  }
  if (target === undefined || target.tunnelId !== o.tunnelId || (o.auth === 'none' && target.token !== undefined)) {
    req.resume();
    sendApiError(res, 404, `This relay serves tunnel ${o.tunnelId}; its MCP URL is /v1/mcp/${o.tunnelId}${o.auth === 'bearer' ? '/{front-door token}' : ''}.`, 'tunnel_not_found', { headers: cors });
    return undefined;
  }
  if (state.closing) {
    req.resume();
    sendApiError(res, 503, 'The relay is shutting down.', null, { headers: cors });
    return undefined;
  }
  const base = `http://${host}`;
  const path = frontDoorPath(target.tunnelId, target.token);
  return { cors, forwardAuthorization, resource: base + path, metadataUrl: protectedResourceMetadataUrl(base, path) };
}

/**
 * Whether the request may come in, as whether its Authorization header then
 * belongs to the MCP server (undefined: refused). Front-door auth lets in the
 * right token in the path or the right `Authorization: Bearer`; a token in
 * the path must be the right one whatever the header says.
 */
function authenticate(o: AdmissionOptions, req: IncomingMessage, pathToken: string | undefined): boolean | undefined {
  if (o.auth === 'none') return true;
  const token = o.token ?? '';
  if (token === '') return undefined;
  const byHeader = bearerMatches(req.headers.authorization, token);
  if (pathToken !== undefined) return secretMatches(pathToken, token) ? !byHeader : undefined;
  return byHeader ? false : undefined;
}

export function isLoopbackOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
}
