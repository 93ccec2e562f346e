/**
 * The relay's control plane, strict like the hosted one:
 *   GET  /v1/tunnels/{id}            metadata (with an extra unknown field)
 *   GET  /v1/tunnels/{id}/poll       long-poll, 204 when idle, at most `limit` commands
 *   POST /v1/tunnels/{id}/response   one result for one command, shard token in a header
 *
 * Every tunnel of the registry (the relay's own, and those created through
 * the admin API) can be polled with the runtime key; the admin key may read
 * metadata but gets 403 on poll and response. A well-formed tunnel id the
 * runtime key may not use gets 403 `tunnel_use_forbidden` (what a key without
 * access to a tunnel gets from the hosted service, so clients treat it as a
 * configuration problem); a malformed one gets 400 `invalid_tunnel_id_format`.
 * Injected faults apply before normal handling; what happened goes to the ledger.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../engine/log';
import { HEADER_SHARD_TOKEN, POLL_LIMIT_MAX, TUNNEL_ID_PATTERN } from '../protocol/wire';
import type { CommandQueue, PendingCommand } from './commandQueue';
import { checkKey, type RelayTunnel, type TunnelRegistry } from './admin';
import { applyFault, type FaultInjector, type FaultTarget } from './faults';
import { BodyTooLargeError, readBody, safeDecode, sendApiError, sendEmpty, sendJson } from './http';
import type { ControlPlaneEndpoint, RelayLedger, ResponseLogEntry } from './ledger';
import { checkResponsePayload } from './responsePayload';
import { responseViolations } from './responseRules';

export const CONTROL_PLANE_PREFIX = '/v1/tunnels/';

export interface ControlPlaneOptions {
  tunnels: TunnelRegistry;
  faults: FaultInjector;
  ledger: RelayLedger;
  logger: Logger;
  /** Upper bound on a poll's wait, whatever timeout_ms asks for. */
  maxPollWaitMs: number;
  maxBodyBytes: number;
  keepResponseBodies: boolean;
}

const H_SHARD_TOKEN = HEADER_SHARD_TOKEN.toLowerCase();

export class ControlPlane {
  constructor(private readonly o: ControlPlaneOptions) {}

  /** A request under `/v1/tunnels/`; `query` is what follows the `?` ('' without one). */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: string): Promise<void> {
    const rest = path.slice(CONTROL_PLANE_PREFIX.length);
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
    this.o.ledger.recordRequest(endpoint, req);
    if (endpoint === 'response') return this.response(req, res, id);
    if (await this.fault(endpoint, req, res)) return;
    const tunnel = this.authorize(req, res, id, endpoint);
    if (!tunnel) return;
    return endpoint === 'poll' ? this.poll(res, query, tunnel.queue) : this.metadata(res, tunnel);
  }

  private async fault(target: FaultTarget, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const fault = this.o.faults.take(target, undefined);
    if (!fault) return false;
    this.o.ledger.counters.faultsApplied++;
    this.o.logger.debug('injecting fault', { on: target, status: fault.spec.status, reset: fault.spec.resetConnection === true });
    return applyFault(fault, req, res);
  }

  /** The tunnel a request may use, or undefined once it was answered 401/403/400. */
  private authorize(req: IncomingMessage, res: ServerResponse, id: string, endpoint: ControlPlaneEndpoint): RelayTunnel | undefined {
    const { tunnels } = this.o;
    const kind = checkKey(tunnels, req, res, endpoint === 'metadata' ? 'either' : 'runtime');
    if (kind === undefined) {
      if (res.statusCode === 401) this.o.ledger.counters.unauthorized++;
      return undefined;
    }
    const tunnel = tunnels.get(id);
    if (tunnel && (kind === 'admin' || tunnels.runtimeMayUse(tunnel.record))) return tunnel;
    if (!TUNNEL_ID_PATTERN.test(id)) {
      sendApiError(res, 400, `Tunnel id "${id}" is not a tunnel_<32 lowercase letters or digits> value; this relay serves ${tunnels.primaryId}.`, 'invalid_tunnel_id_format', {
        param: 'tunnel_id',
      });
    } else if (tunnel) {
      sendApiError(res, 403, tunnels.notInWorkspace(tunnel.record), 'tunnel_use_forbidden', { type: 'permission_error' });
    } else if (kind === 'admin') {
      sendApiError(res, 404, `No tunnel ${id} in organization ${tunnels.organizationId}: list them with admin tunnels list.`, 'tunnel_not_found');
    } else {
      sendApiError(res, 403, `This API key may not use tunnel ${id}: the relay serves ${tunnels.primaryId} and the tunnels created through its admin API. Check control_plane.tunnel_id.`, 'tunnel_use_forbidden');
    }
    return undefined;
  }

  private metadata(res: ServerResponse, tunnel: RelayTunnel): void {
    this.o.ledger.counters.metadataRequests++;
    sendJson(res, 200, {
      ...tunnel.record,
      // Not part of the client contract: clients must ignore unknown fields.
      object: 'tunnel',
      x_relay: { note: 'unknown field, clients must ignore it', created_at: new Date().toISOString() },
    });
  }

  private poll(res: ServerResponse, query: string, queue: CommandQueue): void {
    const { ledger, maxPollWaitMs } = this.o;
    ledger.counters.polls++;
    const params = new URLSearchParams(query);
    const limitText = params.get('limit');
    const timeoutText = params.get('timeout_ms');
    const limit = limitText === null ? POLL_LIMIT_MAX : /^[0-9]{1,3}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= POLL_LIMIT_MAX)) {
      sendApiError(res, 400, `limit must be an integer from 1 to ${POLL_LIMIT_MAX}, not "${limitText}".`, null, { param: 'limit' });
      return;
    }
    const asked = timeoutText === null ? maxPollWaitMs : /^[0-9]{1,12}$/.test(timeoutText) ? Number(timeoutText) : NaN;
    if (!(asked >= 1)) {
      sendApiError(res, 400, `timeout_ms must be a positive integer number of milliseconds, not "${timeoutText}".`, null, { param: 'timeout_ms' });
      return;
    }
    const waitMs = Math.min(asked, maxPollWaitMs);

    const ready = queue.take(limit);
    if (ready.length > 0) {
      this.writeBatch(res, ready, queue);
      return;
    }
    let settled = false;
    const finishEmpty = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      withdraw();
      ledger.counters.pollsEmpty++;
      sendEmpty(res, 204);
    };
    const timer = setTimeout(finishEmpty, waitMs);
    const withdraw = queue.wait({
      limit,
      deliver: (commands) => {
        if (settled || res.destroyed) {
          queue.requeue(commands);
          return;
        }
        settled = true;
        clearTimeout(timer);
        this.writeBatch(res, commands, queue);
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

  private writeBatch(res: ServerResponse, commands: PendingCommand[], queue: CommandQueue): void {
    let body = '{"commands":[';
    for (let i = 0; i < commands.length; i++) body += (i === 0 ? '' : ',') + commands[i].json;
    body += ']}';
    res.on('close', () => {
      // Not flushed to the socket: the client never saw these commands.
      if (!res.writableFinished) queue.requeue(commands);
    });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    if (this.o.logger.enabled('debug')) this.o.logger.debug('poll delivered commands', { request_ids: commands.map((c) => c.requestId) });
  }

  private async response(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const { ledger } = this.o;
    const shardToken = req.headers[H_SHARD_TOKEN] as string | undefined;
    const entry: ResponseLogEntry = { shardToken, bytes: 0, body: Buffer.alloc(0), status: 0, faulted: false, at: Date.now() };
    ledger.logResponse(entry);
    const refuse = (status: number, reason: string, message: string, code: string | null, param: string | null = null): void => {
      entry.status = status;
      entry.reason = reason;
      ledger.reject(reason);
      sendApiError(res, status, message, code, { param });
    };

    let raw: Buffer;
    try {
      raw = await readBody(req, this.o.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) refuse(413, 'body_too_large', `The response body is larger than ${err.limit} bytes.`, 'request_body_too_large');
      else res.destroy();
      return;
    }
    if (this.o.keepResponseBodies) entry.body = raw;
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

    if (this.o.faults.has('response')) {
      const fault = this.o.faults.take('response', entry.requestId);
      if (fault) {
        ledger.counters.faultsApplied++;
        entry.faulted = true;
        ledger.reject('injected_fault');
        entry.reason = 'injected_fault';
        if (await applyFault(fault, req, res)) {
          entry.status = res.headersSent ? res.statusCode : 0;
          return;
        }
        entry.faulted = false;
        entry.reason = undefined;
        ledger.rejected.injected_fault--;
      }
    }
    const tunnel = this.authorize(req, res, id, 'response');
    if (!tunnel) {
      entry.status = res.statusCode;
      entry.reason = entry.status === 401 ? 'unauthorized' : this.o.tunnels.keyKind(req.headers.authorization) === 'admin' ? 'admin_key' : 'wrong_tunnel';
      ledger.reject(entry.reason);
      return;
    }
    const contentType = req.headers['content-type'];
    if (contentType === undefined || !contentType.toLowerCase().startsWith('application/json')) {
      ledger.violation('unexpected_content_type', `response POST with Content-Type ${contentType ?? '(none)'}`, entry.requestId);
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
    const result = tunnel.queue.accept(check.payload, shardToken);
    if (!result.ok) {
      refuse(result.status, result.reason, result.message, result.code);
      return;
    }
    entry.status = 200;
    ledger.counters.responsesAccepted++;
    if (result.terminal) ledger.counters.terminalsAccepted++;
    else ledger.counters.notifiesAccepted++;
    sendJson(res, 200, '{"status":"ok"}');
    for (const { kind, detail } of responseViolations(result.command, check.payload)) ledger.violation(kind, detail, result.command.requestId);
  }
}
