/**
 * An MCP server reached over Streamable HTTP. Each call is one POST whose
 * answer is JSON or an SSE stream; the engine keeps no session state, the
 * `Mcp-Session-Id` travels in the headers the control plane relays.
 */
import { EventEmitter } from 'node:events';
import { Agent, EnvHttpProxyAgent, Pool, ProxyAgent, type Dispatcher } from 'undici';
import type { HttpTarget } from '../config';
import { DeadlineExceededError, TunnelFailureError, classifyNetworkError, errorCode } from '../failure';
import type { Logger } from '../log';
import { hasValidError, isObject, isRequest, isResponse, type JsonRpcId, type JsonRpcMessage } from '../../protocol/jsonrpc';
import { headerValue, type Headers } from '../../protocol/wire';
import type { ChannelEvents, ChannelState, ChannelStatus, McpCall, McpChannel, McpOutcome, OAuthDiscoveryAnswer, SessionStream, SessionStreamEnd } from './channel';
import { discoverProtectedResource, discoveryFailureAnswer, runStartupDiscovery } from '../oauth/discovery';
import type { OAuthStatus } from '../events';
import { USER_AGENT } from '../../version';
import { filterResponseHeaders } from './responseHeaders';
import { SseEventTooLargeError, SseParser, type SseEvent } from './sse';
import { describeFailure } from './probe';
import { isTlsCode, keepTlsErrors, tlsConnectOptions } from '../tls';
import { BAD_VALUE, buildRequestHeaders, forwardable, TOKEN, type ConfiguredHeader, type RequestHeaders } from './requestHeaders';

export interface HttpChannelOptions {
  /** Largest JSON answer, or single SSE event, accepted from the server (default 64 MiB). */
  maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** An error answer bigger than this is not worth reading for a JSON-RPC error. */
const MAX_ERROR_BODY_BYTES = 1024 * 1024;
/** Unread bodies (acks, DELETE answers) are read this far so the connection can be reused. */
const DRAIN_LIMIT_BYTES = 64 * 1024;
/** After the terminal SSE message the server normally ends the stream at once; give it this long. */
const DRAIN_AFTER_TERMINAL_MS = 1000;
const CLOSE_GRACE_MS = 2000;
/** A standalone stream refused with 409 (the one it replaces is still closing) is tried again this often… */
const STREAM_CONFLICT_RETRIES = 5;
/** …this long apart. */
const STREAM_CONFLICT_WAIT_MS = 100;
/** Per-request bound of the metadata requests an `oauth_discovery` command makes. */
const COMMAND_DISCOVERY_REQUEST_MS = 10_000;


/** Configured headers whose values are kept out of logs. */
const SECRET_NAME = /auth|token|key|secret|cookie|password|session/i;

function mediaTypeOf(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (!first) return undefined;
  const semi = first.indexOf(';');
  return (semi === -1 ? first : first.slice(0, semi)).trim().toLowerCase();
}

function isJsonMediaType(mediaType: string | undefined): boolean {
  return mediaType === 'application/json' || (mediaType !== undefined && mediaType.endsWith('+json'));
}


/**
 * A JSON-RPC error the server produced itself, to be passed through untouched.
 * Besides well-formed errors this accepts one with no `id` at all: servers built
 * on the MCP SDK's Express examples (server-everything among them) answer an
 * unknown session that way, because `req.body` is never parsed there.
 */
function isServerError(json: unknown): json is Record<string, unknown> {
  if (hasValidError(json)) return true;
  if (!isObject(json) || 'id' in json || 'result' in json || typeof json.method === 'string') return false;
  const error = json.error;
  return json.jsonrpc === '2.0' && isObject(error) && Number.isInteger(error.code) && typeof error.message === 'string';
}

/** The message that answers request `id` (or an uncorrelated error: the server could not read our id). */
function answers(message: Record<string, unknown>, id: JsonRpcId): boolean {
  if (!isResponse(message)) return false;
  return message.id === id || (message.id === null && hasValidError(message));
}

/** The messages of one SSE event (none for priming events, which only serve resumption); undefined when its data is not JSON. */
function eventMessages(event: SseEvent): unknown[] | undefined {
  if (event.type !== 'message' || event.data === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(event.data);
  } catch {
    return undefined;
  }
  return Array.isArray(parsed) ? parsed : [parsed];
}

function protocolFailure(kind: string): TunnelFailureError {
  return new TunnelFailureError('protocol', { kind, responseReceived: true });
}

function drain(body: Dispatcher.ResponseData['body']): void {
  body.dump({ limit: DRAIN_LIMIT_BYTES }).catch(() => undefined);
}

/** Origin without path or credentials, port always shown: safe for status and logs. */
function displayOrigin(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.protocol}//${url.hostname}:${port}`;
}

/** Per-call tally of bytes read from the server. */
interface Tally {
  in: number;
}

/** Failures that mean the server could not be reached at all. */
const TRANSPORT_SOURCES: ReadonlySet<string> = new Set(['connect', 'dns', 'tls']);

export class HttpChannel implements McpChannel {
  readonly name: string;
  readonly kind = 'http' as const;
  readonly procAffinity = false;

  private readonly logger: Logger;
  private readonly events = new EventEmitter();
  private readonly dispatcher: Dispatcher;
  private readonly origin: string;
  private readonly path: string;
  private readonly shownOrigin: string;
  /** Operator-configured headers, validated once; a command header of the same name replaces one. */
  private readonly configured: ConfiguredHeader[] = [];
  private readonly maxResponseBytes: number;
  private readonly url: string;
  /** Headers for OAuth discovery requests to this origin: the configured ones, then `discoveryHeaders`. */
  private readonly discoveryHeaders: Record<string, string>;
  private readonly connect: ReturnType<typeof tlsConnectOptions>;
  /** Reaches any origin (an authorization server lives elsewhere); made on first use. */
  private anyOrigin: Dispatcher | undefined;
  private state: ChannelState = 'stopped';
  private closed = false;
  private inFlight = 0;
  private startedAt: number | undefined;

  constructor(target: HttpTarget, logger: Logger, options: HttpChannelOptions = {}) {
    this.name = target.channel;
    this.logger = logger.child('http');
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const url = new URL(target.url);
    this.url = target.url;
    this.origin = url.origin;
    this.path = `${url.pathname}${url.search}`;
    this.shownOrigin = displayOrigin(url);
    for (const [name, value] of Object.entries(target.headers)) {
      const lower = name.toLowerCase();
      if (!TOKEN.test(name) || BAD_VALUE.test(value) || !forwardable(lower)) {
        this.logger.warn('ignoring a configured MCP header that cannot be sent', { channel: this.name, header: name });
        continue;
      }
      if (SECRET_NAME.test(name)) this.logger.addSecret(value);
      this.configured.push([name, lower, value]);
    }
    this.discoveryHeaders = Object.fromEntries(this.configured.map(([name, , value]) => [name, value]));
    for (const [name, value] of Object.entries(target.discoveryHeaders ?? {})) {
      if (!TOKEN.test(name) || BAD_VALUE.test(value)) {
        this.logger.warn('ignoring a configured discovery header that cannot be sent', { channel: this.name, header: name });
        continue;
      }
      if (SECRET_NAME.test(name)) this.logger.addSecret(value);
      this.discoveryHeaders[name] = value;
    }
    const connect = tlsConnectOptions(target.tls);
    this.connect = connect;
    // The command deadline bounds every call; undici's own 300 s idle timers
    // would cut a legitimately slow tool call that has no deadline.
    const timeouts = { headersTimeout: 0, bodyTimeout: 0 };
    if (target.proxy) this.dispatcher = new ProxyAgent({ uri: target.proxy, requestTls: connect, ...timeouts });
    // Explicit values (empty for unset), so undici does not read the environment itself.
    else if (target.envProxy) this.dispatcher = new EnvHttpProxyAgent({ ...target.envProxy, connect: keepTlsErrors(connect), requestTls: connect, ...timeouts });
    else this.dispatcher = new Pool(this.origin, { connect: keepTlsErrors(connect), ...timeouts });
    // Proxy agents already reach any origin; a Pool serves its own only.
    if (!(this.dispatcher instanceof Pool)) this.anyOrigin = this.dispatcher;
  }

  on<E extends keyof ChannelEvents>(event: E, listener: ChannelEvents[E]): void {
    this.events.on(event, listener as (...args: unknown[]) => void);
  }

  /** Nothing to spawn or dial: connections open on the first call and stay pooled. */
  async start(): Promise<void> {
    if (this.closed) throw new Error(`MCP channel '${this.name}' is closed; create a new one`);
    this.startedAt = Date.now();
    this.setState('ready');
  }

  status(): ChannelStatus {
    const status: ChannelStatus = {
      kind: 'http',
      state: this.state,
      origin: this.shownOrigin,
      restarts: 0,
      inFlight: this.inFlight,
    };
    if (this.startedAt !== undefined) status.startedAt = this.startedAt;
    return status;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.setState('stopped');
    const graceful = Promise.all([this.dispatcher.close(), this.anyOrigin && this.anyOrigin !== this.dispatcher ? this.anyOrigin.close() : undefined]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS)));
    try {
      if ((await Promise.race([graceful, late])) === 'late') await Promise.all([this.dispatcher.destroy(), this.anyOrigin?.destroy()]);
    } finally {
      clearTimeout(timer);
    }
  }

  async call(call: McpCall): Promise<McpOutcome> {
    if (this.closed) throw new TunnelFailureError('client_internal', { kind: 'channel_closed' });
    if (call.signal.aborted) throw new DeadlineExceededError();
    const body = Buffer.from(JSON.stringify(call.message));
    const tally: Tally = { in: 0 };
    this.inFlight++;
    try {
      const res = await this.dispatcher.request({
        origin: this.origin,
        path: this.path,
        method: 'POST',
        headers: this.requestHeaders(call.headers, true),
        body,
        signal: call.signal,
      });
      this.events.emit('bytes', 'out', body.length);
      if (call.meter) call.meter.sent += body.length;
      return await this.answer(res, call, tally);
    } catch (err) {
      const failure = this.failure(err, call.signal);
      if (failure instanceof TunnelFailureError && TRANSPORT_SOURCES.has(failure.failure.source)) {
        this.events.emit('transportFailure', describeFailure(failure.failure));
      }
      throw failure;
    } finally {
      this.inFlight--;
      if (tally.in > 0) this.events.emit('bytes', 'in', tally.in);
      if (call.meter) call.meter.received += tally.in;
    }
  }

  /**
   * HTTP DELETE of the session named by `Mcp-Session-Id`. Without one there is
   * nothing to close: 400 is answered without a request. Whatever status the
   * server gives (404 unknown session, 405 no DELETE support) is returned as is.
   */
  async terminateSession(headers: Headers, signal: AbortSignal): Promise<{ status: number; headers: Headers }> {
    if (this.closed) throw new TunnelFailureError('client_internal', { kind: 'channel_closed' });
    if (!headerValue(headers, 'Mcp-Session-Id')) return { status: 400, headers: {} };
    if (signal.aborted) throw new DeadlineExceededError();
    this.inFlight++;
    try {
      const res = await this.dispatcher.request({
        origin: this.origin,
        path: this.path,
        method: 'DELETE',
        headers: this.requestHeaders(headers, false),
        signal,
      });
      drain(res.body);
      return { status: res.statusCode, headers: filterResponseHeaders(res.headers) };
    } catch (err) {
      throw this.failure(err, signal);
    } finally {
      this.inFlight--;
    }
  }

  /**
   * The session's standalone stream: a `GET` to the server, whose events go to
   * the stream until `stream.signal` aborts (200), or until the server ends it
   * (204). The server's answer when it has no stream (405, 404 for an unknown
   * session, 400…) is returned as is. A
   * server allows one such stream per session (the MCP SDK answers 409 to a
   * second): the one this replaces may still be closing there, so a 409 is
   * tried again a few times before it is returned.
   */
  async openStream(stream: SessionStream): Promise<SessionStreamEnd> {
    if (this.closed) throw new TunnelFailureError('client_internal', { kind: 'channel_closed' });
    for (let attempt = 0; ; attempt++) {
      if (stream.signal.aborted) return { status: 200, headers: {} };
      let res: Dispatcher.ResponseData;
      try {
        res = await this.dispatcher.request({
          origin: this.origin,
          path: this.path,
          method: 'GET',
          headers: { ...this.requestHeaders(stream.headers, false), accept: 'text/event-stream' },
          signal: stream.signal,
        });
      } catch (err) {
        if (stream.signal.aborted) return { status: 200, headers: {} };
        throw this.failure(err, stream.signal);
      }
      const headers = filterResponseHeaders(res.headers);
      if (res.statusCode === 409 && attempt < STREAM_CONFLICT_RETRIES) {
        drain(res.body);
        await sleep(STREAM_CONFLICT_WAIT_MS, stream.signal);
        continue;
      }
      if (res.statusCode !== 200 || mediaTypeOf(res.headers['content-type']) !== 'text/event-stream') {
        drain(res.body);
        return { status: res.statusCode === 200 ? 502 : res.statusCode, headers };
      }
      await this.readServerStream(res, stream);
      // The server ended its stream by itself: 204, so the relay ends its client's stream too instead of asking again at once.
      return { status: stream.signal.aborted ? 200 : 204, headers };
    }
  }

  /** Every event of a standalone stream goes to the session's client, until the stream ends or is stopped. */
  private async readServerStream(res: Dispatcher.ResponseData, stream: SessionStream): Promise<void> {
    const body = res.body;
    const stop = () => body.destroy();
    stream.signal.addEventListener('abort', stop, { once: true });
    const parser = new SseParser(
      (event) => {
        const messages = eventMessages(event);
        if (!messages) {
          this.logger.warn('MCP server sent an event on its standalone stream that is not JSON; skipped it', { channel: this.name });
          return;
        }
        for (const message of messages) {
          if (!isObject(message)) continue;
          this.events.emit('serverMessage', 'stream');
          try {
            stream.onNotify(message as unknown as JsonRpcMessage);
          } catch (err) {
            this.logger.warn('delivering a server message to its client failed', { channel: this.name, error: (err as Error)?.message });
          }
        }
      },
      { maxEventLength: this.maxResponseBytes },
    );
    let size = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        parser.push(chunk);
      }
    } catch (err) {
      if (!stream.signal.aborted && !(err instanceof SseEventTooLargeError)) {
        this.logger.debug('the MCP server\'s standalone stream ended with an error', { channel: this.name, error: (err as Error)?.name });
      } else if (err instanceof SseEventTooLargeError) {
        this.logger.warn(`MCP server sent an event over ${this.maxResponseBytes} bytes on its standalone stream; closed it`, { channel: this.name });
      }
      body.destroy();
    } finally {
      stream.signal.removeEventListener('abort', stop);
      if (size > 0) this.events.emit('bytes', 'in', size);
    }
  }

  /**
   * The server's OAuth protected-resource metadata, fetched from here (inside
   * the network) for the connector: the document as the server gave it, or
   * one API error body saying why there is none.
   */
  async oauthDiscovery(signal: AbortSignal): Promise<OAuthDiscoveryAnswer> {
    if (this.closed) throw new TunnelFailureError('client_internal', { kind: 'channel_closed' });
    // Each request is bounded even when the command carries no deadline: a hung metadata URL must not hold the command for the connection TTL.
    const found = await discoverProtectedResource({ ...this.discoveryOptions(signal), requestTimeoutMs: COMMAND_DISCOVERY_REQUEST_MS });
    if (signal.aborted) throw new DeadlineExceededError();
    if (found.ok) return { status: found.status, headers: found.headers, json: found.metadata };
    this.logger.warn(`OAuth discovery found no protected-resource metadata: ${found.error}`, { channel: this.name });
    const { status, json } = discoveryFailureAnswer(found);
    return { status, headers: {}, json };
  }

  /** Startup discovery, as the reference daemon runs it: protected-resource metadata, then the authorization server's. */
  startupDiscovery(signal: AbortSignal): Promise<OAuthStatus> {
    return runStartupDiscovery(this.discoveryOptions(signal));
  }

  private discoveryOptions(signal: AbortSignal) {
    this.anyOrigin ??= new Agent({ connect: keepTlsErrors(this.connect), headersTimeout: 0, bodyTimeout: 0 });
    return { serverUrl: this.url, dispatcher: this.anyOrigin, originHeaders: this.discoveryHeaders, userAgent: USER_AGENT, signal };
  }

  private requestHeaders(command: Headers, withBody: boolean): RequestHeaders {
    const { headers, dropped } = buildRequestHeaders(command, this.configured, withBody);
    if (dropped > 0 && this.logger.enabled('debug')) {
      this.logger.debug('dropped command headers with invalid names', { channel: this.name, count: dropped });
    }
    return headers;
  }

  private async answer(res: Dispatcher.ResponseData, call: McpCall, tally: Tally): Promise<McpOutcome> {
    const status = res.statusCode;
    const headers = filterResponseHeaders(res.headers);
    const mediaType = mediaTypeOf(res.headers['content-type']);
    const message = call.message;

    if (status < 200 || status >= 300) {
      if (mediaType === undefined || isJsonMediaType(mediaType)) {
        const json = await this.readJson(res, tally, MAX_ERROR_BODY_BYTES, false);
        if (isServerError(json)) return { kind: 'response', json, status, headers };
      } else {
        drain(res.body);
      }
      if (status >= 400 && status <= 599) throw new TunnelFailureError('target_http', { kind: 'http_status', upstreamStatus: status, headers });
      throw protocolFailure('non_protocol_response');
    }

    if (!isRequest(message)) {
      // A notification or a client response: any 2xx is the server's acceptance.
      drain(res.body);
      return { kind: 'ack', status, headers };
    }

    if (mediaType === 'text/event-stream' && status !== 204) return this.readStream(res, message.id, call, headers, tally);
    if (status === 202 || status === 204) {
      drain(res.body);
      throw protocolFailure('response_body_missing');
    }
    if (!isJsonMediaType(mediaType)) {
      drain(res.body);
      throw protocolFailure('non_protocol_response');
    }
    const json = await this.readJson(res, tally, this.maxResponseBytes, true);
    if (isServerError(json)) return { kind: 'response', json, status, headers };
    if (isObject(json) && answers(json, message.id)) return { kind: 'response', json, status, headers };
    if (isObject(json) && 'error' in json && !('result' in json)) throw protocolFailure('invalid_mcp_error');
    throw protocolFailure('invalid_protocol_response');
  }

  /**
   * Reads a JSON body up to `limit` bytes and parses it once. With `strict`, a
   * missing, oversized or unparsable body is a protocol failure; without it
   * (error answers) such a body just yields `undefined`.
   */
  private async readJson(res: Dispatcher.ResponseData, tally: Tally, limit: number, strict: boolean): Promise<unknown> {
    const body = res.body;
    const declared = Number(res.headers['content-length']);
    if (declared > limit) {
      body.destroy();
      if (strict) throw protocolFailure('response_body_too_large');
      return undefined;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      size += buf.length;
      tally.in += buf.length;
      if (size > limit) {
        body.destroy();
        if (strict) throw protocolFailure('response_body_too_large');
        return undefined;
      }
      chunks.push(buf);
    }
    if (size === 0) {
      if (strict) throw protocolFailure('response_body_missing');
      return undefined;
    }
    const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      if (strict) throw protocolFailure('malformed_json');
      return undefined;
    }
  }

  /**
   * Reads an SSE answer as it arrives: every message that is not the answer
   * to our request goes to `onNotify` at once; the answer ends the call.
   */
  private async readStream(
    res: Dispatcher.ResponseData,
    id: JsonRpcId,
    call: McpCall,
    headers: Headers,
    tally: Tally,
  ): Promise<McpOutcome> {
    const body = res.body;
    const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let terminal: Record<string, unknown> | undefined;
    const take = (message: unknown): void => {
      if (terminal) return; // nothing after the answer belongs to this call
      if (!isObject(message)) throw protocolFailure('invalid_protocol_response');
      if (answers(message, id)) terminal = message;
      else this.notify(call, message);
    };
    const parser = new SseParser(
      (event) => {
        const messages = eventMessages(event);
        if (!messages) throw protocolFailure('malformed_json');
        messages.forEach(take);
      },
      { maxEventLength: this.maxResponseBytes },
    );
    try {
      while (!terminal) {
        const next = await chunks.next();
        if (next.done) {
          parser.end();
          break;
        }
        tally.in += next.value.length;
        parser.push(next.value);
      }
    } catch (err) {
      body.destroy();
      if (err instanceof SseEventTooLargeError) throw protocolFailure('response_body_too_large');
      throw err;
    }
    if (!terminal) throw new TunnelFailureError('transport_closed', { kind: 'unexpected_eof' });
    this.drainAfterTerminal(body, chunks);
    return { kind: 'response', json: terminal, status: res.statusCode, headers };
  }

  /**
   * The server closes the stream right after the answer; reading that close
   * (briefly, in the background) keeps the connection in the pool instead of
   * tearing it down for every streamed call.
   */
  private drainAfterTerminal(body: Dispatcher.ResponseData['body'], chunks: AsyncIterator<Buffer>): void {
    const timer = setTimeout(() => body.destroy(), DRAIN_AFTER_TERMINAL_MS);
    timer.unref();
    void (async () => {
      let size = 0;
      try {
        for (;;) {
          const next = await chunks.next();
          if (next.done) break;
          size += next.value.length;
          if (size > DRAIN_LIMIT_BYTES) {
            body.destroy();
            break;
          }
        }
      } catch {
        // destroyed by the timer or the signal: the connection is simply not reused
      } finally {
        clearTimeout(timer);
        if (size > 0) this.events.emit('bytes', 'in', size);
      }
    })();
  }

  private notify(call: McpCall, message: Record<string, unknown>): void {
    try {
      call.onNotify(message as unknown as JsonRpcMessage);
    } catch (err) {
      this.logger.warn('notification handler failed', { channel: this.name, error: (err as Error)?.message });
    }
  }

  /** Maps anything thrown during a call to what the dispatcher expects. */
  private failure(err: unknown, signal: AbortSignal): Error {
    if (signal.aborted) return new DeadlineExceededError();
    if (err instanceof TunnelFailureError) return err;
    const code = errorCode(err);
    const failure = isTlsCode(code) ? new TunnelFailureError('tls', { kind: 'tls', cause: err }) : classifyNetworkError(err);
    if (this.logger.enabled('debug')) {
      this.logger.debug('MCP call failed', { channel: this.name, source: failure.failure.source, kind: failure.failure.transport_error_kind, code });
    }
    return failure;
  }

  private setState(state: ChannelState): void {
    if (this.state === state) return;
    this.state = state;
    this.events.emit('status', this.status());
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
