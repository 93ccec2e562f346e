/**
 * The relay's MCP front door: a Streamable HTTP endpoint (MCP 2025-03-26 and
 * 2025-06-18 transport) at /v1/mcp/{tunnel_id} that turns each client message
 * into a command and each command's answers back into an HTTP response.
 *
 * - POST of a request: JSON when the terminal response comes first; an SSE
 *   stream (`event: message`) as soon as a `jsonrpc_notify` arrives, ending
 *   with the terminal response.
 * - POST of a notification or of a client's JSON-RPC response: 202 once the
 *   tunnel client acknowledged it (so delivery errors reach the caller).
 * - DELETE with Mcp-Session-Id: a `session_termination` command.
 * - GET (standalone SSE stream): served when the tunnel client's polls
 *   declare `session_stream` (X-Mcp-Tunnel-Features): the relay keeps a
 *   `session_stream` command in flight for the session while the client
 *   stays, and writes each `jsonrpc_notify` (the server's messages outside any
 *   call) as an event. One stream per session (a second gets 409, as the MCP
 *   SDK's servers answer); the server's 404/405 ends it. Messages that arrive
 *   for a stream whose client just left wait (bounded) for that session's
 *   next GET. A client that cannot speak it gets 405, which the transport
 *   allows.
 * - Batches (JSON arrays): 400, MCP 2025-06-18 removed JSON-RPC batching.
 * - GET /.well-known/oauth-protected-resource/v1/mcp/{tunnel_id}[/{token}]
 *   (and the root /.well-known/oauth-protected-resource): an `oauth_discovery`
 *   command, answered with the MCP server's RFC 9728 metadata whose `resource`
 *   is this front door's URL (oauthMetadata.ts). A `401`/`403` the MCP server
 *   sends keeps its challenge, with `resource_metadata` pointing here.
 *
 * Front-door auth ('bearer'; admission.ts checks it with Host and Origin on
 * every route): the front-door token travels either as the last path segment
 * of the MCP URL, /v1/mcp/{tunnel_id}/{token} (the printed `mcp_url`), or as
 * `Authorization: Bearer <token>`. A request carrying the right one of either
 * is let in; a token in the path must be the right one. An Authorization
 * header that is exactly the front-door token is consumed here; any other one
 * belongs to the MCP server and travels on the command, so an OAuth client
 * using the path form sends its own `Authorization: Bearer` to the MCP
 * server. The metadata URL of the path form carries the token too, so a
 * client's discovery requests, which send no custom headers, get in. With
 * auth 'none' every Authorization header is the MCP server's.
 *
 * HTTP-level refusals (Host, Origin, auth, method, media type, missing session
 * id) carry an APIErrorResponse body like the hosted service; message-level
 * failures (parse error, invalid request, timeout) carry a JSON-RPC error.
 * Host and Origin are checked on every route, the metadata routes included.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../engine/log';
import { answerableId, invalidRequestError, isNotification, isRequest, isResponse, jsonRpcProblem, JSONRPC_INTERNAL_ERROR, JSONRPC_INVALID_REQUEST, JSONRPC_PARSE_ERROR, type JsonRpcId } from '../protocol/jsonrpc';
import { FEATURE_SESSION_STREAM, type Headers, type TunnelResponsePayload } from '../protocol/wire';
import { CommandDroppedError, type CommandQueue, type EnqueueInput, type PendingCommand } from './commandQueue';
import { admit, parseTarget, type Call, type Out } from './admission';
import { BodyTooLargeError, readBody, sendApiError, sendEmpty, sendJson } from './http';
import { frontDoorMetadata, rewriteResourceMetadata } from './oauthMetadata';

/** JSON-RPC code the MCP SDK uses for a request that timed out. */
export const JSONRPC_REQUEST_TIMEOUT = -32001;

/** Client request headers carried into the command's `headers` (canonical spelling). */
const FORWARDED_HEADERS: readonly [lower: string, canonical: string][] = [
  ['mcp-session-id', 'Mcp-Session-Id'],
  ['mcp-protocol-version', 'Mcp-Protocol-Version'],
  ['last-event-id', 'Last-Event-ID'],
];

/** MCP server response headers the front door passes on (Content-Type is its own choice). */
const RELAYED_RESPONSE_HEADERS: Record<string, string> = {
  'mcp-session-id': 'Mcp-Session-Id',
  'mcp-protocol-version': 'Mcp-Protocol-Version',
  'www-authenticate': 'WWW-Authenticate',
};

export interface FrontDoorOptions {
  queue: CommandQueue;
  logger: Logger;
  auth: 'bearer' | 'none';
  token: string | undefined;
  commandTimeoutMs: number;
  maxBodyBytes: number;
  tunnelId: string;
  /** Lower-case `host:port` values the Host header may carry. */
  allowedHosts: ReadonlySet<string>;
  /** Base URL of the control plane, for advice in error messages. */
  controlPlaneUrl: string;
  /** Whether the tunnel client's polls declare a feature (X-Mcp-Tunnel-Features). */
  clientSpeaks(feature: string): boolean;
  /** Turns the tunnel client's `harpoon://` authorization servers into relay routes (harpoonShim.ts). */
  rewriteMetadata?(document: Record<string, unknown>, origin: string): Record<string, unknown>;
}

/** `response_timeout` of a session_stream command: the tunnel client ends it a little before. */
const STREAM_COMMAND_TIMEOUT = '30s';
const STREAM_COMMAND_TIMEOUT_MS = 35_000;
/** Events kept for a session whose stream's client left, until its next GET. */
const ORPHAN_EVENTS_KEPT = 256;
/** The stream's headers go out this long after the GET unless the tunnel client refused it first (or sent an event). */
const STREAM_COMMIT_MS = 500;
const ORPHAN_SESSIONS_KEPT = 1024;

export interface FrontDoorStats {
  requests: number;
  sseStreams: number;
  timeouts: number;
  refused: number;
  /** Protected-resource metadata requests answered through the tunnel (oauth_discovery commands). */
  oauthDiscoveries: number;
  /** Standalone GET streams opened. */
  sessionStreams: number;
  /** Server messages for a stream whose client had left and that no later GET of the session took. */
  sessionStreamDropped: number;
}

/** The HTTP answer for a command that got no terminal response. */
interface DropAnswer {
  status: number;
  body: Record<string, unknown>;
}

function jsonRpcError(id: JsonRpcId | null, code: number, message: string, data?: unknown): Record<string, unknown> {
  const error: Record<string, unknown> = { code, message };
  if (data !== undefined) error.data = data;
  return { jsonrpc: '2.0', id, error };
}

/** The MCP server's response headers the front door passes on, a challenge's `resource_metadata` pointing at the front door. */
function relayedHeaders(from: Headers | undefined, into: Out, call: Call): Out {
  if (!from) return into;
  for (const key in from) {
    const canonical = RELAYED_RESPONSE_HEADERS[key.toLowerCase()];
    if (!canonical) continue;
    let values = from[key].filter((v) => v !== '');
    if (canonical === 'WWW-Authenticate') values = values.map((v) => rewriteResourceMetadata(v, call.metadataUrl));
    if (values.length > 0) into[canonical] = values.length === 1 ? values[0] : values;
  }
  return into;
}

function validStatus(code: number): boolean {
  return Number.isInteger(code) && code >= 200 && code <= 599;
}

function acceptsEventStream(accept: string | undefined): boolean {
  return accept === undefined || accept.includes('text/event-stream') || accept.includes('*/*');
}

export class FrontDoor {
  readonly stats: FrontDoorStats = { requests: 0, sseStreams: 0, timeouts: 0, refused: 0, oauthDiscoveries: 0, sessionStreams: 0, sessionStreamDropped: 0 };
  /** Open standalone streams by session id ('' for stateless clients, who may hold several). */
  private readonly streams = new Map<string, Set<ServerResponse>>();
  /** Events for sessions whose stream's client left, for their next GET. */
  private readonly orphans = new Map<string, string[]>();
  /** Responses still open, so `Relay.close` can let their last bytes out. */
  readonly open = new Set<ServerResponse>();
  private stopping = false;

  constructor(private readonly o: FrontDoorOptions) {}

  /** Stops taking new requests; open ones are answered as their commands are dropped. */
  beginClose(): void {
    this.stopping = true;
    for (const set of this.streams.values()) for (const res of set) res.end();
  }

  /** Whether `beginClose` was called: admission answers 503 from then on. */
  get closing(): boolean {
    return this.stopping;
  }

  /** A request under /v1/mcp/; `rest` is the raw path after that prefix. */
  async handle(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    const call = admit(this.o, this, req, res, parseTarget(rest), 'GET, POST, DELETE, OPTIONS');
    if (!call) return;
    switch (req.method) {
      case 'POST':
        return this.post(req, res, call);
      case 'DELETE':
        return this.delete(req, res, call);
      default:
        if (req.method === 'GET' && this.o.clientSpeaks(FEATURE_SESSION_STREAM)) return this.stream(req, res, call);
        sendApiError(
          res,
          405,
          req.method === 'GET'
            ? 'The tunnel client behind this endpoint offers no standalone SSE stream (GET); server messages arrive on the stream of the next POST of the session.'
            : `Method ${req.method} is not allowed here: use POST or DELETE.`,
          null,
          { headers: { ...call.cors, Allow: 'POST, DELETE, OPTIONS' } },
        );
    }
  }

  /**
   * A request under /.well-known/oauth-protected-resource; `suffix` is the raw
   * path after it: `/v1/mcp/{tunnel_id}[/{token}]` (RFC 9728 path-based), or
   * nothing (the root document, which clients try when the path-based one is
   * missing; with front-door auth it needs the Authorization header).
   */
  async handleProtectedResourceMetadata(req: IncomingMessage, res: ServerResponse, suffix: string): Promise<void> {
    const root = suffix === '' || suffix === '/';
    const target = root ? { tunnelId: this.o.tunnelId, token: undefined } : suffix.startsWith('/v1/mcp/') ? parseTarget(suffix.slice('/v1/mcp/'.length)) : undefined;
    const call = admit(this.o, this, req, res, target, 'GET, OPTIONS');
    if (!call) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendApiError(res, 405, `Method ${req.method} is not allowed here: protected-resource metadata is read with GET.`, null, { headers: { ...call.cors, Allow: 'GET, OPTIONS' } });
      return;
    }
    req.resume();
    this.stats.oauthDiscoveries++;
    const outcome = await this.outcome(this.enqueueFor(res, { command_type: 'oauth_discovery', headers: {} }), null);
    if ('dropped' in outcome) {
      this.sendDropped(res, call, outcome.dropped);
      return;
    }
    const { terminal } = outcome;
    const status = validStatus(terminal.resp_code) ? terminal.resp_code : 502;
    if (!terminal.resp_json) {
      sendApiError(res, 502, `The tunnel client answered the OAuth discovery with HTTP ${terminal.resp_code} and no metadata document.`, 'oauth_discovery_failed', { headers: call.cors });
    } else if (status >= 200 && status < 300) {
      const document = this.o.rewriteMetadata ? this.o.rewriteMetadata(terminal.resp_json, new URL(call.resource).origin) : terminal.resp_json;
      sendJson(res, status, frontDoorMetadata(document, call.resource), { ...call.cors, 'Cache-Control': 'no-store' });
    } else {
      sendJson(res, status, terminal.resp_json, call.cors);
    }
  }

  private commandHeaders(req: IncomingMessage, call: Call): Headers {
    const headers: Headers = {};
    const distinct = req.headersDistinct;
    for (const [lower, canonical] of FORWARDED_HEADERS) {
      const values = distinct[lower];
      if (values !== undefined) headers[canonical] = values;
    }
    // The front-door token stays here; any other Authorization (an OAuth client's token) is the MCP server's.
    if (call.forwardAuthorization && distinct.authorization !== undefined) headers.Authorization = distinct.authorization;
    return headers;
  }

  private async post(req: IncomingMessage, res: ServerResponse, call: Call): Promise<void> {
    const { cors } = call;
    const contentType = req.headers['content-type'];
    if (contentType === undefined || !contentType.toLowerCase().includes('application/json')) {
      sendApiError(res, 415, 'Send JSON-RPC messages with Content-Type: application/json.', null, { headers: cors });
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, this.o.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) sendApiError(res, 413, `The MCP request body is larger than ${err.limit} bytes.`, 'request_body_too_large', { headers: cors });
      else res.destroy();
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(raw.toString('utf8'));
    } catch {
      sendJson(res, 400, jsonRpcError(null, JSONRPC_PARSE_ERROR, 'Parse error: the body is not valid JSON.'), cors);
      return;
    }
    if (Array.isArray(message)) {
      sendJson(res, 400, jsonRpcError(null, JSONRPC_INVALID_REQUEST, 'JSON-RPC batches are not supported (MCP 2025-06-18 removed batching): send one message per POST.'), cors);
      return;
    }
    // Checked once here: nothing further in meets a message that is not JSON-RPC.
    const problem = jsonRpcProblem(message);
    if (problem !== undefined) {
      sendJson(res, 400, invalidRequestError(answerableId(message), `${problem} (expected one JSON-RPC 2.0 request, notification or response object)`), cors);
      return;
    }
    if (isRequest(message)) return this.forwardRequest(req, res, call, message, message.id);
    if (isNotification(message) || isResponse(message)) return this.forwardAcknowledged(req, res, call, message);
    sendJson(res, 400, invalidRequestError(null, 'expected one JSON-RPC 2.0 request, notification or response object'), cors);
  }

  /**
   * Queues a command for a client's request and tracks its response: the
   * command is dropped if the client leaves before any poll took it.
   */
  private enqueueFor(res: ServerResponse, input: EnqueueInput): PendingCommand {
    const command = this.o.queue.enqueue(input, { timeoutMs: this.o.commandTimeoutMs });
    this.open.add(res);
    res.on('close', () => {
      this.open.delete(res);
      if (!res.writableFinished && command.state === 'queued') command.cancel();
    });
    return command;
  }

  /** The command's terminal payload, or the HTTP answer for a command dropped before one arrived. */
  private async outcome(command: PendingCommand, id: JsonRpcId | null): Promise<{ terminal: TunnelResponsePayload } | { dropped: DropAnswer }> {
    try {
      return { terminal: await command.terminal };
    } catch (err) {
      return { dropped: this.dropAnswer(err, id) };
    }
  }

  /** A terminal answer as the MCP server gave it: its status, its JSON body unless the status has none. */
  private sendTerminal(res: ServerResponse, call: Call, terminal: TunnelResponsePayload): void {
    const status = validStatus(terminal.resp_code) ? terminal.resp_code : 502;
    const headers = relayedHeaders(terminal.resp_headers, { ...call.cors }, call);
    if (terminal.resp_json && status !== 204 && status !== 304) sendJson(res, status, terminal.resp_json, headers);
    else sendEmpty(res, status, headers);
  }

  /** A dropped command's answer as an APIErrorResponse, for the routes that do not speak JSON-RPC. */
  private sendDropped(res: ServerResponse, call: Call, dropped: DropAnswer): void {
    const error = (dropped.body.error as { message: string }).message;
    sendApiError(res, dropped.status, error, dropped.status === 504 ? 'tunnel_client_not_connected' : null, { headers: call.cors });
  }

  private async forwardRequest(req: IncomingMessage, res: ServerResponse, call: Call, message: unknown, id: JsonRpcId): Promise<void> {
    const { cors } = call;
    const command = this.enqueueFor(res, { jsonrpc: message, headers: this.commandHeaders(req, call) });
    const streamable = acceptsEventStream(req.headers.accept);
    let streaming = false;
    command.onNotify((notify: TunnelResponsePayload) => {
      if (res.destroyed || res.writableEnded || !notify.resp_json) return;
      if (!streamable) {
        this.o.logger.debug('front door dropped a notification: the client does not accept text/event-stream', { request_id: command.requestId });
        return;
      }
      if (!streaming) {
        streaming = true;
        this.stats.sseStreams++;
        res.writeHead(200, relayedHeaders(notify.resp_headers, { ...cors, 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' }, call));
      }
      res.write(`event: message\ndata: ${JSON.stringify(notify.resp_json)}\n\n`);
    });
    const outcome = await this.outcome(command, id);
    if (res.destroyed || res.writableEnded) return;
    if ('dropped' in outcome) {
      const { status, body } = outcome.dropped;
      if (streaming) res.end(`event: message\ndata: ${JSON.stringify(body)}\n\n`);
      else sendJson(res, status, body, cors);
      return;
    }
    const { terminal } = outcome;
    if (streaming) {
      res.end(terminal.resp_json ? `event: message\ndata: ${JSON.stringify(terminal.resp_json)}\n\n` : undefined);
      return;
    }
    this.sendTerminal(res, call, terminal);
  }

  private async forwardAcknowledged(req: IncomingMessage, res: ServerResponse, call: Call, message: unknown): Promise<void> {
    const outcome = await this.outcome(this.enqueueFor(res, { jsonrpc: message, headers: this.commandHeaders(req, call) }), null);
    if ('dropped' in outcome) {
      sendJson(res, outcome.dropped.status, outcome.dropped.body, call.cors);
      return;
    }
    const { terminal } = outcome;
    const headers = relayedHeaders(terminal.resp_headers, { ...call.cors }, call);
    if (validStatus(terminal.resp_code) && terminal.resp_code < 400) {
      sendEmpty(res, 202, headers);
    } else if (terminal.resp_json) {
      sendJson(res, validStatus(terminal.resp_code) ? terminal.resp_code : 502, terminal.resp_json, headers);
    } else {
      sendJson(res, validStatus(terminal.resp_code) ? terminal.resp_code : 502, jsonRpcError(null, JSONRPC_INTERNAL_ERROR, `The MCP server refused the message (HTTP ${terminal.resp_code}).`), headers);
    }
  }

  private async delete(req: IncomingMessage, res: ServerResponse, call: Call): Promise<void> {
    req.resume();
    if (req.headers['mcp-session-id'] === undefined) {
      sendApiError(res, 400, 'Session termination (DELETE) needs the Mcp-Session-Id header of the session to end.', 'missing_mcp_session_id', {
        param: 'Mcp-Session-Id',
        headers: call.cors,
      });
      return;
    }
    const outcome = await this.outcome(this.enqueueFor(res, { command_type: 'session_termination', headers: this.commandHeaders(req, call) }), null);
    if ('dropped' in outcome) {
      this.sendDropped(res, call, outcome.dropped);
      return;
    }
    this.sendTerminal(res, call, outcome.terminal);
  }

  /**
   * The standalone GET stream of a session: one `session_stream` command after
   * another while the client stays, each `jsonrpc_notify` written as an event.
   */
  private async stream(req: IncomingMessage, res: ServerResponse, call: Call): Promise<void> {
    req.resume();
    const { cors } = call;
    const accept = req.headers.accept;
    if (accept === undefined || !(accept.includes('text/event-stream') || accept.includes('*/*'))) {
      sendApiError(res, 406, 'A standalone stream (GET) is an SSE stream: send Accept: text/event-stream.', null, { headers: cors });
      return;
    }
    const key = req.headersDistinct['mcp-session-id']?.[0] ?? '';
    const open = this.streams.get(key);
    if (key !== '' && open && open.size > 0) {
      sendApiError(res, 409, 'This session already has a standalone stream open (GET); only one is allowed per session.', null, { headers: cors });
      return;
    }
    const headers = this.commandHeaders(req, call);
    let first = true;
    let ended = false;
    const set = open ?? new Set<ServerResponse>();
    set.add(res);
    this.streams.set(key, set);
    this.stats.sessionStreams++;
    res.on('close', () => {
      ended = true;
      set.delete(res);
      if (set.size === 0 && this.streams.get(key) === set) this.streams.delete(key);
    });
    const write = (event: string): boolean => {
      if (ended || res.destroyed || res.writableEnded) return false;
      if (first) {
        first = false;
        res.writeHead(200, { ...cors, 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      }
      res.write(event);
      return true;
    };
    const orphaned = this.orphans.get(key);
    this.orphans.delete(key);
    for (const event of orphaned ?? []) write(event);
    // An unknown session is refused at once by the tunnel client; a stream that is not refused quickly is open.
    const commit = setTimeout(() => write(''), STREAM_COMMIT_MS);
    res.once('close', () => clearTimeout(commit));
    while (!ended && !this.stopping) {
      const command = this.o.queue.enqueue({ command_type: 'session_stream', headers, response_timeout: STREAM_COMMAND_TIMEOUT }, { timeoutMs: STREAM_COMMAND_TIMEOUT_MS });
      this.open.add(res);
      const onClose = () => {
        if (command.state === 'queued') command.cancel();
      };
      res.once('close', onClose);
      command.onNotify((notify) => {
        if (!notify.resp_json) return;
        const event = `event: message\ndata: ${JSON.stringify(notify.resp_json)}\n\n`;
        if (!write(event)) this.keepOrphan(key, event);
      });
      let terminal: TunnelResponsePayload;
      try {
        terminal = await command.terminal;
      } catch {
        break;
      } finally {
        res.off('close', onClose);
      }
      if (terminal.resp_code !== 200) {
        // 204: the MCP server ended its stream; 4xx/5xx: there is none. Either way the client's stream ends here.
        if (first && validStatus(terminal.resp_code) && terminal.resp_code >= 400 && !ended) {
          const why = terminal.resp_code === 404 ? 'MCP session not found: start a new session (initialize without Mcp-Session-Id).' : `The MCP server offers no standalone stream here (HTTP ${terminal.resp_code}).`;
          sendApiError(res, terminal.resp_code, why, null, { headers: relayedHeaders(terminal.resp_headers, { ...cors }, call) });
          first = false;
        }
        break;
      }
      // The headers go out once the first stream command is answered, even with no events (the session exists).
      write('');
    }
    clearTimeout(commit);
    this.open.delete(res);
    if (!res.writableEnded) {
      if (first) res.writeHead(200, { ...cors, 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.end();
    }
  }

  /** An event for a stream whose client left: the session's next GET gets it. */
  private keepOrphan(key: string, event: string): void {
    let kept = this.orphans.get(key);
    if (!kept) {
      if (this.orphans.size >= ORPHAN_SESSIONS_KEPT) {
        const oldest = this.orphans.keys().next().value!;
        this.stats.sessionStreamDropped += this.orphans.get(oldest)!.length;
        this.orphans.delete(oldest);
      }
      kept = [];
      this.orphans.set(key, kept);
    }
    kept.push(event);
    if (kept.length > ORPHAN_EVENTS_KEPT) {
      kept.shift();
      this.stats.sessionStreamDropped++;
      this.o.logger.warn('a standalone stream\'s client left and more server messages came than are kept for its next GET; dropped the oldest');
    }
  }

  /** The HTTP answer for a command that got no terminal response. */
  private dropAnswer(err: unknown, id: JsonRpcId | null): DropAnswer {
    if (err instanceof CommandDroppedError && err.reason === 'timeout') {
      this.stats.timeouts++;
      const seconds = Math.round(this.o.commandTimeoutMs / 100) / 10;
      const lastPoll = this.o.queue.lastPollAt;
      const advice = err.delivered
        ? 'A tunnel client took the command but sent no terminal response: check the `mcp-tunnel run` logs and the MCP server behind it.'
        : lastPoll === 0
          ? `No tunnel client has polled this relay yet: start \`mcp-tunnel run\` with control plane URL ${this.o.controlPlaneUrl}, tunnel id ${this.o.tunnelId} and the relay's API key.`
          : `No tunnel client took it (last poll ${Math.round((Date.now() - lastPoll) / 1000)}s ago): is \`mcp-tunnel run\` still connected to this relay (${this.o.controlPlaneUrl}, tunnel ${this.o.tunnelId})?`;
      this.o.logger.warn('front door request timed out', { request_id: err.requestId, delivered: err.delivered });
      return {
        status: 504,
        body: jsonRpcError(id, JSONRPC_REQUEST_TIMEOUT, `The tunnel client did not answer within ${seconds}s. ${advice}`, {
          request_id: err.requestId,
          delivered: err.delivered,
        }),
      };
    }
    const message = err instanceof CommandDroppedError && err.reason === 'closed' ? 'The relay is shutting down; the request was not answered.' : 'The request was cancelled before the tunnel client answered.';
    return { status: 503, body: jsonRpcError(id, JSONRPC_INTERNAL_ERROR, message) };
  }
}
