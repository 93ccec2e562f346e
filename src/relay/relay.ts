/**
 * The relay: a Secure MCP Tunnel control plane in miniature plus an MCP
 * Streamable HTTP front door, on one loopback HTTP server.
 *
 * Control plane (what a tunnel client long-polls, strict like the hosted one):
 *   GET  /v1/tunnels/{id}            metadata (with an extra unknown field)
 *   GET  /v1/tunnels/{id}/poll       long-poll, 204 when idle, at most `limit` commands
 *   POST /v1/tunnels/{id}/response   one result for one command, shard token in a header
 * Front door (what MCP clients call): /v1/mcp/{id}, see frontDoor.ts.
 *
 * A well-formed tunnel id other than this relay's gets 403
 * `tunnel_use_forbidden` (what a key without access to a tunnel gets from the
 * hosted service, so clients treat it as a configuration problem); a malformed
 * one gets 400 `invalid_tunnel_id_format`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Logger } from '../engine/log';
import { isRequest, jsonRpcProblem } from '../protocol/jsonrpc';
import {
  DEFAULT_CHANNEL,
  HEADER_CLIENT_NAME,
  HEADER_CLIENT_VERSION,
  HEADER_INSTANCE_ID,
  HEADER_SERVER_INFO,
  HEADER_SHARD_TOKEN,
  POLL_LIMIT_MAX,
  RESPONSE_HEADER_ALLOWLIST,
  TUNNEL_ID_PATTERN,
  type ResponseType,
  type TunnelResponsePayload,
} from '../protocol/wire';
import { CommandQueue, type CommandHandle, type EnqueueInput, type EnqueueOptions, type PendingCommand } from './commandQueue';
import { applyFault, FaultInjector, type FaultHandle, type FaultSpec, type FaultTarget } from './faults';
import { FrontDoor, type FrontDoorStats } from './frontDoor';
import { BodyTooLargeError, bearerMatches, randomAlnum, randomSecret, readBody, sendApiError, sendEmpty, sendJson } from './http';
import { checkResponsePayload } from './responsePayload';
import { listenOn } from '../engine/net';
import { serverInfoProblem } from './serverInfo';

export interface RelayOptions {
  /** Default: `tunnel_` + 32 random [a-z0-9]. */
  tunnelId?: string;
  /** Bearer the tunnel client must present. Default: a random key. */
  apiKey?: string;
  /** Whether MCP clients must send `Authorization: Bearer <frontDoorToken>`. */
  frontDoorAuth: 'bearer' | 'none';
  /** Default: a random token (only used with frontDoorAuth 'bearer'). */
  frontDoorToken?: string;
  /** `host:port`; default `127.0.0.1:0` (loopback, any free port). */
  listen?: string;
  /** How the user named `listen` (`--listen`), for messages. */
  listenSetting?: string;
  tunnelName?: string;
  tunnelDescription?: string;
  /** How long a front-door request waits for its terminal answer. Default 60000. */
  commandTimeoutMs?: number;
  /** `response_timeout` put on commands (null sends JSON null). Default '60s'. */
  responseTimeout?: string | null;
  logger?: Logger;
  /** Upper bound on a poll's wait, whatever timeout_ms asks for. Default 30000. */
  maxPollWaitMs?: number;
  /** Largest response POST or front-door body accepted. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Extra `host:port` values the front door accepts in the Host header. */
  allowedHosts?: string[];
  /**
   * Keep each response POST's raw body in `responseLog()` (default true, for
   * tests and debugging). A long-running relay turns it off so large answers
   * are not held in memory.
   */
  keepResponseBodies?: boolean;
}

export interface RelayStartInfo {
  /** Base URL of the control plane, e.g. http://127.0.0.1:PORT. */
  url: string;
  /** `${url}/v1/mcp/${tunnelId}`: the URL MCP clients use. */
  mcpUrl: string;
  tunnelId: string;
  apiKey: string;
  /** Present when frontDoorAuth is 'bearer'. */
  frontDoorToken?: string;
}

export type ControlPlaneEndpoint = 'metadata' | 'poll' | 'response';

/** Protocol headers seen on one control-plane request. */
export interface ControlPlaneRequestRecord {
  endpoint: ControlPlaneEndpoint;
  method: string;
  at: number;
  clientName?: string;
  clientVersion?: string;
  instanceId?: string;
  serverInfo?: string;
}

/** One response POST as received, whatever the relay answered. */
export interface ResponseLogEntry {
  requestId?: string;
  respType?: string;
  /** X-Tunnel-Shard-Token header value. */
  shardToken?: string;
  bytes: number;
  /** The raw body, so tests can check that a retry sent identical bytes. */
  body: Buffer;
  /** HTTP status the relay answered (0 when a fault reset the connection). */
  status: number;
  /** Why it was refused, when it was. */
  reason?: string;
  faulted: boolean;
  at: number;
}

/** Something a tunnel client did that the contract forbids but the relay tolerated. */
export interface ProtocolViolation {
  kind: string;
  detail: string;
  requestId?: string;
  at: number;
}

export interface RelayStats {
  polls: number;
  /** Polls answered 204. */
  pollsEmpty: number;
  metadataRequests: number;
  commandsQueued: number;
  commandsDelivered: number;
  /** Commands put back because their poll could not be written. */
  commandsRequeued: number;
  /** Commands dropped by timeout, cancel or close. */
  commandsDropped: number;
  /** Response POSTs answered 200 (notifies and terminals). */
  responsesAccepted: number;
  terminalsAccepted: number;
  notifiesAccepted: number;
  responsesRejected: Record<string, number>;
  /** Commands queued or delivered and still waiting for their terminal response. */
  pendingCommands: number;
  queuedCommands: number;
  waitingPolls: number;
  unauthorized: number;
  faultsApplied: number;
  protocolViolations: number;
  frontDoor: FrontDoorStats;
}

const DEFAULT_MAX_POLL_WAIT_MS = 30_000;
const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
const REQUEST_LOG_LIMIT = 200;
const RESPONSE_LOG_LIMIT = 1000;
const VIOLATION_LOG_LIMIT = 500;
const ALLOWED_RESP_HEADERS: ReadonlySet<string> = new Set(RESPONSE_HEADER_ALLOWLIST.map((h) => h.toLowerCase()));
const H_CLIENT_NAME = HEADER_CLIENT_NAME.toLowerCase();
const H_CLIENT_VERSION = HEADER_CLIENT_VERSION.toLowerCase();
const H_INSTANCE_ID = HEADER_INSTANCE_ID.toLowerCase();
const H_SERVER_INFO = HEADER_SERVER_INFO.toLowerCase();
const H_SHARD_TOKEN = HEADER_SHARD_TOKEN.toLowerCase();

const EXPECTED_TERMINAL: Record<string, ResponseType> = {
  request: 'jsonrpc_response',
  message: 'notify_ack',
  session_termination: 'session_termination_response',
  /** Not JSON-RPC at all: answered with the JSON-RPC error -32600. */
  invalid: 'jsonrpc_response',
};

export class Relay {
  readonly tunnelId: string;
  readonly apiKey: string;
  readonly frontDoorToken: string | undefined;
  private readonly options: RelayOptions;
  private readonly logger: Logger;
  private readonly queue: CommandQueue;
  private readonly faults = new FaultInjector();
  private readonly maxPollWaitMs: number;
  private readonly maxBodyBytes: number;
  private server: Server | undefined;
  private frontDoor: FrontDoor | undefined;
  private startInfo: RelayStartInfo | undefined;
  private closing: Promise<void> | undefined;

  private readonly counters = {
    polls: 0,
    pollsEmpty: 0,
    metadataRequests: 0,
    responsesAccepted: 0,
    terminalsAccepted: 0,
    notifiesAccepted: 0,
    unauthorized: 0,
    faultsApplied: 0,
    protocolViolations: 0,
  };
  private readonly rejected: Record<string, number> = {};
  private readonly requests: ControlPlaneRequestRecord[] = [];
  private readonly responses: ResponseLogEntry[] = [];
  private readonly violationLog: ProtocolViolation[] = [];
  private readonly warnedViolations = new Set<string>();
  private lastServerInfo: { value: string; problem: string | undefined } | undefined;

  constructor(options: RelayOptions) {
    this.options = options;
    this.tunnelId = options.tunnelId ?? `tunnel_${randomAlnum(32)}`;
    this.apiKey = options.apiKey ?? randomSecret('relay-key-');
    this.frontDoorToken = options.frontDoorAuth === 'bearer' ? (options.frontDoorToken ?? randomSecret('relay-mcp-')) : undefined;
    this.logger = (options.logger ?? Logger.create('info', 'relay')).child('relay');
    this.logger.addSecret(this.apiKey);
    this.logger.addSecret(this.frontDoorToken);
    this.queue = new CommandQueue(options.responseTimeout === undefined ? '60s' : options.responseTimeout);
    this.maxPollWaitMs = options.maxPollWaitMs ?? DEFAULT_MAX_POLL_WAIT_MS;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  async start(): Promise<RelayStartInfo> {
    if (this.startInfo) return this.startInfo;
    const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
      this.route(req, res).catch((err: unknown) => {
        this.logger.error('relay request failed', { error: err instanceof Error ? err.message : String(err) });
        if (!res.headersSent) sendApiError(res, 500, 'internal relay error', null);
        else res.destroy();
      });
    });
    server.on('connection', (socket) => socket.setNoDelay(true));
    // Keep idle keep-alive connections longer than a client's poll turnaround.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    const bound = await listenOn(server, this.options.listen ?? '127.0.0.1:0', this.options.listenSetting ?? 'relay listen address');
    this.server = server;
    const url = bound.url;
    const allowedHosts = new Set([...bound.hosts, ...(this.options.allowedHosts ?? []).map((h) => h.toLowerCase())]);
    this.frontDoor = new FrontDoor({
      queue: this.queue,
      logger: this.logger.child('relay.frontdoor'),
      auth: this.options.frontDoorAuth,
      token: this.frontDoorToken,
      commandTimeoutMs: this.options.commandTimeoutMs ?? 60_000,
      maxBodyBytes: this.maxBodyBytes,
      tunnelId: this.tunnelId,
      allowedHosts,
      controlPlaneUrl: url,
    });
    this.startInfo = { url, mcpUrl: `${url}/v1/mcp/${this.tunnelId}`, tunnelId: this.tunnelId, apiKey: this.apiKey };
    if (this.frontDoorToken !== undefined) this.startInfo.frontDoorToken = this.frontDoorToken;
    this.logger.info('relay listening', { url, mcp_url: this.startInfo.mcpUrl, tunnel_id: this.tunnelId, front_door_auth: this.options.frontDoorAuth });
    if (bound.wide) this.logger.warn(`relay bound to every interface (${bound.address}); it answers only requests whose Host is one of ${[...allowedHosts].join(', ')}`);
    return this.startInfo;
  }

  /** What `start()` returned, once started. */
  get info(): RelayStartInfo | undefined {
    return this.startInfo;
  }

  /** Answers waiting polls and front-door requests, then closes every connection. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.frontDoor?.beginClose();
    this.faults.clear();
    this.queue.close();
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Front-door handlers answer their dropped commands on the next turns; give their bytes a moment.
    const deadline = Date.now() + 250;
    await new Promise((resolve) => setImmediate(resolve));
    while (this.frontDoor && this.frontDoor.open.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    server.closeAllConnections();
    await closed;
    this.logger.info('relay closed');
  }

  /**
   * Puts a command on the queue as if a front-door client had sent it and
   * returns its handle at once: `handle.terminal` resolves with the accepted
   * terminal payload, `handle.notifies` / `handle.onNotify` show the
   * `jsonrpc_notify` payloads before it. Without `options.timeoutMs` the command
   * stays pending until answered, cancelled or the relay closes.
   */
  enqueue(input: EnqueueInput, options?: EnqueueOptions): CommandHandle {
    return this.queue.enqueue(input, options);
  }

  /** Makes the control plane misbehave on demand; faults apply before normal handling. */
  injectFault(spec: FaultSpec): FaultHandle {
    return this.faults.add(spec);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  stats(): RelayStats {
    return {
      ...this.counters,
      commandsQueued: this.queue.commandsQueued,
      commandsDelivered: this.queue.commandsDelivered,
      commandsRequeued: this.queue.commandsRequeued,
      commandsDropped: this.queue.commandsDropped,
      responsesRejected: { ...this.rejected },
      pendingCommands: this.queue.pendingCount,
      queuedCommands: this.queue.queuedCount,
      waitingPolls: this.queue.waitingPolls,
      frontDoor: { ...(this.frontDoor?.stats ?? { requests: 0, sseStreams: 0, timeouts: 0, refused: 0 }) },
    };
  }

  /** The last response POSTs received (up to 1000), oldest first. */
  responseLog(): ResponseLogEntry[] {
    return [...this.responses];
  }

  /** Protocol headers of the last control-plane requests (up to 200), oldest first. */
  requestLog(): ControlPlaneRequestRecord[] {
    return [...this.requests];
  }

  /** Protocol headers of the latest control-plane request (of one endpoint, if given). */
  lastClientHeaders(endpoint?: ControlPlaneEndpoint): ControlPlaneRequestRecord | undefined {
    for (let i = this.requests.length - 1; i >= 0; i--) {
      if (endpoint === undefined || this.requests[i].endpoint === endpoint) return this.requests[i];
    }
    return undefined;
  }

  violations(): ProtocolViolation[] {
    return [...this.violationLog];
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    if (path.startsWith('/v1/tunnels/')) {
      const rest = path.slice('/v1/tunnels/'.length);
      const slash = rest.indexOf('/');
      const id = safeDecode(slash < 0 ? rest : rest.slice(0, slash));
      const sub = slash < 0 ? '' : rest.slice(slash);
      const endpoint: ControlPlaneEndpoint | undefined = sub === '' ? 'metadata' : sub === '/poll' ? 'poll' : sub === '/response' ? 'response' : undefined;
      if (endpoint === undefined || id === undefined || id === '') {
        sendApiError(res, 404, `No control-plane route ${req.method} ${path}.`, null);
        return;
      }
      const method = endpoint === 'response' ? 'POST' : 'GET';
      if (req.method !== method) {
        sendApiError(res, 405, `Use ${method} for ${path}.`, null, { headers: { Allow: method } });
        return;
      }
      this.recordRequest(endpoint, req);
      if (endpoint === 'response') return this.handleResponse(req, res, id);
      if (await this.fault(endpoint, undefined, req, res)) return;
      if (!this.authorize(req, res, id)) return;
      return endpoint === 'poll' ? this.handlePoll(req, res, rawUrl, q) : this.handleMetadata(res);
    }
    if (path.startsWith('/v1/mcp/') && this.frontDoor) {
      const id = safeDecode(path.slice('/v1/mcp/'.length));
      return this.frontDoor.handle(req, res, id ?? '');
    }
    req.resume();
    sendApiError(res, 404, `Nothing at ${path}: the control plane is under /v1/tunnels/${this.tunnelId} and the MCP endpoint is /v1/mcp/${this.tunnelId}.`, null);
  }

  private async fault(target: FaultTarget, requestId: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const fault = this.faults.take(target, requestId);
    if (!fault) return false;
    this.counters.faultsApplied++;
    this.logger.debug('injecting fault', { on: target, status: fault.spec.status, reset: fault.spec.resetConnection === true });
    return applyFault(fault, req, res);
  }

  private authorize(req: IncomingMessage, res: ServerResponse, id: string): boolean {
    if (!bearerMatches(req.headers.authorization, this.apiKey)) {
      this.counters.unauthorized++;
      sendApiError(
        res,
        401,
        'Missing or incorrect API key: send "Authorization: Bearer <key>" with the engine key `mcp-tunnel relay` printed when it started (CONTROL_PLANE_API_KEY, or api_key with --print-json).',
        'invalid_api_key',
      );
      return false;
    }
    if (id === this.tunnelId) return true;
    if (!TUNNEL_ID_PATTERN.test(id)) {
      sendApiError(res, 400, `Tunnel id "${id}" is not a tunnel_<32 lowercase letters or digits> value; this relay serves ${this.tunnelId}.`, 'invalid_tunnel_id_format', {
        param: 'tunnel_id',
      });
    } else {
      sendApiError(res, 403, `This API key may not use tunnel ${id}: the relay serves ${this.tunnelId}. Check control_plane.tunnel_id.`, 'tunnel_use_forbidden');
    }
    return false;
  }

  private recordRequest(endpoint: ControlPlaneEndpoint, req: IncomingMessage): void {
    const h = req.headers;
    const record: ControlPlaneRequestRecord = {
      endpoint,
      method: req.method ?? '',
      at: Date.now(),
      clientName: h[H_CLIENT_NAME] as string | undefined,
      clientVersion: h[H_CLIENT_VERSION] as string | undefined,
      instanceId: h[H_INSTANCE_ID] as string | undefined,
      serverInfo: h[H_SERVER_INFO] as string | undefined,
    };
    this.requests.push(record);
    if (this.requests.length > REQUEST_LOG_LIMIT) this.requests.shift();
    if (record.clientName === undefined) this.violation('missing_client_header', HEADER_CLIENT_NAME);
    if (record.clientVersion === undefined) this.violation('missing_client_header', HEADER_CLIENT_VERSION);
    if (record.instanceId === undefined) this.violation('missing_client_header', HEADER_INSTANCE_ID);
    if (record.serverInfo === undefined) {
      this.violation('missing_client_header', HEADER_SERVER_INFO);
    } else {
      if (this.lastServerInfo?.value !== record.serverInfo) {
        this.lastServerInfo = { value: record.serverInfo, problem: serverInfoProblem(record.serverInfo) };
      }
      if (this.lastServerInfo.problem) this.violation('invalid_server_info', this.lastServerInfo.problem);
    }
  }

  private violation(kind: string, detail: string, requestId?: string): void {
    this.counters.protocolViolations++;
    const entry: ProtocolViolation = { kind, detail, at: Date.now() };
    if (requestId !== undefined) entry.requestId = requestId;
    this.violationLog.push(entry);
    if (this.violationLog.length > VIOLATION_LOG_LIMIT) this.violationLog.shift();
    const key = `${kind}:${detail}`;
    const fields: Record<string, unknown> = { kind, detail };
    if (requestId !== undefined) fields.request_id = requestId;
    if (this.warnedViolations.has(key)) {
      this.logger.debug('tunnel client protocol violation', fields);
    } else {
      this.warnedViolations.add(key);
      this.logger.warn('tunnel client protocol violation', fields);
    }
  }

  private handleMetadata(res: ServerResponse): void {
    this.counters.metadataRequests++;
    sendJson(res, 200, {
      id: this.tunnelId,
      name: this.options.tunnelName ?? 'MCP Tunnel relay',
      description: this.options.tunnelDescription ?? `Local relay at ${this.startInfo?.url ?? ''}`,
      // Not part of the client contract: clients must ignore unknown fields.
      object: 'tunnel',
      x_relay: { note: 'unknown field, clients must ignore it', created_at: new Date().toISOString() },
    });
  }

  private handlePoll(req: IncomingMessage, res: ServerResponse, rawUrl: string, q: number): void {
    this.counters.polls++;
    const params = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
    const limitText = params.get('limit');
    const timeoutText = params.get('timeout_ms');
    const limit = limitText === null ? POLL_LIMIT_MAX : /^[0-9]{1,3}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= POLL_LIMIT_MAX)) {
      sendApiError(res, 400, `limit must be an integer from 1 to ${POLL_LIMIT_MAX}, not "${limitText}".`, null, { param: 'limit' });
      return;
    }
    const asked = timeoutText === null ? this.maxPollWaitMs : /^[0-9]{1,12}$/.test(timeoutText) ? Number(timeoutText) : NaN;
    if (!(asked >= 1)) {
      sendApiError(res, 400, `timeout_ms must be a positive integer number of milliseconds, not "${timeoutText}".`, null, { param: 'timeout_ms' });
      return;
    }
    const waitMs = Math.min(asked, this.maxPollWaitMs);

    const ready = this.queue.take(limit);
    if (ready.length > 0) {
      this.writeBatch(res, ready);
      return;
    }
    let settled = false;
    const finishEmpty = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      withdraw();
      this.counters.pollsEmpty++;
      sendEmpty(res, 204);
    };
    const timer = setTimeout(finishEmpty, waitMs);
    const withdraw = this.queue.wait({
      limit,
      deliver: (commands) => {
        if (settled || res.destroyed) {
          this.queue.requeue(commands);
          return;
        }
        settled = true;
        clearTimeout(timer);
        this.writeBatch(res, commands);
      },
      abandon: finishEmpty,
    });
    res.on('close', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      withdraw();
    });
  }

  private writeBatch(res: ServerResponse, commands: PendingCommand[]): void {
    let body = '{"commands":[';
    for (let i = 0; i < commands.length; i++) body += (i === 0 ? '' : ',') + commands[i].json;
    body += ']}';
    res.on('close', () => {
      // Not flushed to the socket: the client never saw these commands.
      if (!res.writableFinished) this.queue.requeue(commands);
    });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    if (this.logger.enabled('debug')) this.logger.debug('poll delivered commands', { request_ids: commands.map((c) => c.requestId) });
  }

  private async handleResponse(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const shardToken = req.headers[H_SHARD_TOKEN] as string | undefined;
    const entry: ResponseLogEntry = { shardToken, bytes: 0, body: Buffer.alloc(0), status: 0, faulted: false, at: Date.now() };
    this.responses.push(entry);
    if (this.responses.length > RESPONSE_LOG_LIMIT) this.responses.shift();
    const refuse = (status: number, reason: string, message: string, code: string | null, param: string | null = null): void => {
      entry.status = status;
      entry.reason = reason;
      this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
      sendApiError(res, status, message, code, { param });
    };

    let raw: Buffer;
    try {
      raw = await readBody(req, this.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) refuse(413, 'body_too_large', `The response body is larger than ${err.limit} bytes.`, 'request_body_too_large');
      else res.destroy();
      return;
    }
    if (this.options.keepResponseBodies !== false) entry.body = raw;
    entry.bytes = raw.length;
    let body: unknown;
    let parsed = true;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      parsed = false;
    }
    if (parsed && typeof body === 'object' && body !== null) {
      const b = body as Record<string, unknown>;
      if (typeof b.request_id === 'string') entry.requestId = b.request_id;
      entry.respType = typeof b.resp_type === 'string' ? b.resp_type : b.resp_type === undefined ? 'jsonrpc_response' : String(b.resp_type);
    }

    if (this.faults.has('response')) {
      const fault = this.faults.take('response', entry.requestId);
      if (fault) {
        this.counters.faultsApplied++;
        entry.faulted = true;
        this.rejected.injected_fault = (this.rejected.injected_fault ?? 0) + 1;
        entry.reason = 'injected_fault';
        if (await applyFault(fault, req, res)) {
          entry.status = res.headersSent ? res.statusCode : 0;
          return;
        }
        entry.faulted = false;
        entry.reason = undefined;
        this.rejected.injected_fault--;
      }
    }
    if (!bearerMatches(req.headers.authorization, this.apiKey) || id !== this.tunnelId) {
      entry.status = bearerMatches(req.headers.authorization, this.apiKey) ? (TUNNEL_ID_PATTERN.test(id) ? 403 : 400) : 401;
      entry.reason = entry.status === 401 ? 'unauthorized' : 'wrong_tunnel';
      this.rejected[entry.reason] = (this.rejected[entry.reason] ?? 0) + 1;
      this.authorize(req, res, id);
      return;
    }
    const contentType = req.headers['content-type'];
    if (contentType === undefined || !contentType.toLowerCase().startsWith('application/json')) {
      this.violation('unexpected_content_type', `response POST with Content-Type ${contentType ?? '(none)'}`, entry.requestId);
    }
    if (!parsed) {
      refuse(400, 'invalid_json', 'The body is not valid JSON.', 'invalid_json_payload');
      return;
    }
    const check = checkResponsePayload(body);
    if (!check.ok) {
      refuse(400, check.reason, check.message, null, check.param);
      return;
    }
    if (shardToken === undefined || shardToken === '') {
      refuse(400, 'missing_shard_token', `The ${HEADER_SHARD_TOKEN} header is required: echo the shard_token polled with the command.`, 'missing_shard_token', HEADER_SHARD_TOKEN);
      return;
    }
    const result = this.queue.accept(check.payload, shardToken);
    if (!result.ok) {
      refuse(result.status, result.reason, result.message, result.code);
      return;
    }
    entry.status = 200;
    this.counters.responsesAccepted++;
    if (result.terminal) this.counters.terminalsAccepted++;
    else this.counters.notifiesAccepted++;
    sendJson(res, 200, '{"status":"ok"}');
    this.checkAccepted(result.command, check.payload);
  }

  /** Contract rules the schema cannot express; broken ones are recorded, not refused. */
  private checkAccepted(command: PendingCommand, payload: TunnelResponsePayload & { resp_type: ResponseType }): void {
    const requestId = command.requestId;
    const type = payload.resp_type;
    if (payload.channel === undefined || payload.channel === null) this.violation('channel_not_echoed', `${type} without channel`, requestId);
    else if (payload.channel !== (command.command.channel ?? DEFAULT_CHANNEL)) this.violation('channel_mismatch', `${type} for channel ${String(command.command.channel)} says ${payload.channel}`, requestId);
    if (!Number.isInteger(payload.resp_code) || payload.resp_code < 100 || payload.resp_code > 599) {
      this.violation('invalid_resp_code', `resp_code ${payload.resp_code}`, requestId);
    }
    if (payload.resp_headers) {
      for (const name in payload.resp_headers) {
        const lower = name.toLowerCase();
        if (!ALLOWED_RESP_HEADERS.has(lower)) this.violation('resp_header_not_allowed', name, requestId);
        else if (payload.resp_headers[name].length === 0 || payload.resp_headers[name].includes('')) this.violation('resp_header_empty', name, requestId);
      }
    }
    const kind =
      command.commandType === 'session_termination'
        ? 'session_termination'
        : jsonRpcProblem(command.jsonrpc) !== undefined
          ? 'invalid'
          : isRequest(command.jsonrpc)
            ? 'request'
            : 'message';
    if (type === 'jsonrpc_notify') {
      if (kind !== 'request') this.violation('notify_for_non_request', `jsonrpc_notify for a ${kind} command`, requestId);
      if (!payload.resp_json) this.violation('missing_resp_json', 'jsonrpc_notify without resp_json', requestId);
      return;
    }
    const expected = EXPECTED_TERMINAL[kind];
    if (type !== expected) this.violation('unexpected_resp_type', `${type} answering a ${kind} command (expected ${expected})`, requestId);
    if (type === 'jsonrpc_response') {
      const json = payload.resp_json;
      if (!json) {
        this.violation('missing_resp_json', 'jsonrpc_response without resp_json', requestId);
      } else if (kind === 'request' && json.id !== null && json.id !== (command.jsonrpc as { id: unknown }).id) {
        this.violation('resp_json_id_mismatch', `resp_json.id ${JSON.stringify(json.id)} does not match the request id`, requestId);
      }
    } else if (payload.resp_json) {
      this.violation('unexpected_resp_json', `${type} carries resp_json`, requestId);
    }
  }
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
