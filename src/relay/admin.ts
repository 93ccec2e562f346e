/**
 * The relay's tunnel records and its admin (tunnel management) API, with the
 * two kinds of keys kept apart as the hosted service keeps them:
 *   POST   /v1/tunnels             create   (admin key)
 *   GET    /v1/tunnels?…_id=…      list     (admin key; exactly one of organization_id, workspace_id, tenant_id)
 *   GET    /v1/tunnels/{id}        get      (admin key, or a runtime key for a tunnel it may use; served by controlPlane.ts)
 *   POST   /v1/tunnels/{id}        update   (admin key)
 *   DELETE /v1/tunnels/{id}        delete   (admin key)
 * The runtime key (Tunnels Read + Use) polls and answers; the admin key
 * (Tunnels Read + Manage) manages. Each gets 403 on the other's endpoints,
 * with a message that names the key to use instead.
 *
 * Every tunnel has its own command queue, so a tunnel created here can be
 * polled (with the runtime key) as soon as it exists.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../engine/log';
import { TUNNEL_ID_PATTERN } from '../protocol/wire';
import { CommandQueue } from './commandQueue';
import { BodyTooLargeError, bearerMatches, randomAlnum, readBody, sendApiError, sendJson } from './http';

export const TUNNELS_COLLECTION = '/v1/tunnels';

/** A tunnel as the admin API shows it (the JSON shape of the hosted service's tunnel objects). */
export interface TunnelRecord {
  id: string;
  name: string;
  description: string;
  tenant_ids: string[];
  workspace_ids: string[];
  organization_ids: string[];
}

export interface RelayTunnel {
  record: TunnelRecord;
  queue: CommandQueue;
}

export type KeyKind = 'runtime' | 'admin';

export const RUNTIME_KEY_ON_MANAGEMENT =
  'This is a runtime key (Tunnels Read + Use, CONTROL_PLANE_API_KEY): it may read one tunnel and poll it, not create, list, update or delete tunnels. ' +
  'Use an admin key with Tunnels Read + Manage (OPENAI_ADMIN_KEY or --admin-key; `mcp-tunnel relay` prints admin_key).';

export const ADMIN_KEY_ON_RUNTIME =
  'This is an admin key (Tunnels Read + Manage, OPENAI_ADMIN_KEY): it manages tunnels but may not poll or answer their commands. ' +
  'Run the tunnel with a runtime key with Tunnels Read + Use (CONTROL_PLANE_API_KEY; `mcp-tunnel relay` prints api_key).';

const UNAUTHORIZED =
  'Missing or incorrect API key: send "Authorization: Bearer <key>" with a key `mcp-tunnel relay` printed when it started: ' +
  'the runtime key (CONTROL_PLANE_API_KEY, api_key with --print-json) to run a tunnel, the admin key (OPENAI_ADMIN_KEY, admin_key) to manage tunnels.';

export interface TunnelRegistryOptions {
  primary: TunnelRecord;
  runtimeKey: string;
  adminKey: string;
  organizationId: string;
  workspaceId: string;
  responseTimeout: string | null;
}

/** The relay's tunnels (its own, and those created through the admin API) and who may use which. */
export class TunnelRegistry {
  readonly primaryId: string;
  private readonly tunnels = new Map<string, RelayTunnel>();

  constructor(private readonly o: TunnelRegistryOptions) {
    this.primaryId = o.primary.id;
    this.tunnels.set(o.primary.id, { record: o.primary, queue: new CommandQueue(o.responseTimeout) });
  }

  get organizationId(): string {
    return this.o.organizationId;
  }

  get workspaceId(): string {
    return this.o.workspaceId;
  }

  get(id: string): RelayTunnel | undefined {
    return this.tunnels.get(id);
  }

  all(): RelayTunnel[] {
    return [...this.tunnels.values()];
  }

  /** Which key an `Authorization` header carries, or undefined for none of this relay's. */
  keyKind(header: string | undefined): KeyKind | undefined {
    if (bearerMatches(header, this.o.runtimeKey)) return 'runtime';
    if (bearerMatches(header, this.o.adminKey)) return 'admin';
    return undefined;
  }

  /**
   * Whether the runtime key, which belongs to the relay's organization and
   * workspace, may use a tunnel: one attached to that workspace, or only to
   * the organization.
   */
  runtimeMayUse(record: TunnelRecord): boolean {
    if (record.workspace_ids.length > 0) return record.workspace_ids.includes(this.o.workspaceId);
    return record.organization_ids.includes(this.o.organizationId);
  }

  /** Why the runtime key may not use `record`, for a 403. */
  notInWorkspace(record: TunnelRecord): string {
    const where = record.workspace_ids.length > 0 ? `workspace ${record.workspace_ids.join(', ')}` : `organization ${record.organization_ids.join(', ') || '(none)'}`;
    return (
      `This runtime key may not use tunnel ${record.id}: the tunnel belongs to ${where}, the key to workspace ${this.o.workspaceId} of organization ${this.o.organizationId}. ` +
      `Attach the tunnel to workspace ${this.o.workspaceId} (admin tunnels update --workspace-id), or use a runtime key of its workspace.`
    );
  }

  create(record: Omit<TunnelRecord, 'id'>): TunnelRecord {
    const full: TunnelRecord = { id: `tunnel_${randomAlnum(32)}`, ...record };
    this.tunnels.set(full.id, { record: full, queue: new CommandQueue(this.o.responseTimeout) });
    return full;
  }

  remove(id: string): TunnelRecord | undefined {
    const tunnel = this.tunnels.get(id);
    if (!tunnel) return undefined;
    this.tunnels.delete(id);
    tunnel.queue.close();
    return tunnel.record;
  }

  closeAll(): void {
    for (const tunnel of this.tunnels.values()) tunnel.queue.close();
  }
}

/** Answers 401 for a key the relay does not know; 403 for the wrong kind. Returns the kind when it may go on. */
export function checkKey(registry: TunnelRegistry, req: IncomingMessage, res: ServerResponse, needs: KeyKind | 'either'): KeyKind | undefined {
  const kind = registry.keyKind(req.headers.authorization);
  if (kind === undefined) {
    sendApiError(res, 401, UNAUTHORIZED, 'invalid_api_key');
    return undefined;
  }
  if (needs !== 'either' && kind !== needs) {
    sendApiError(res, 403, kind === 'runtime' ? RUNTIME_KEY_ON_MANAGEMENT : ADMIN_KEY_ON_RUNTIME, kind === 'runtime' ? 'tunnel_manage_forbidden' : 'admin_key_not_allowed', {
      type: 'permission_error',
    });
    return undefined;
  }
  return kind;
}

const MAX_ADMIN_BODY = 64 * 1024;
const ID_LISTS = ['tenant_ids', 'workspace_ids', 'organization_ids'] as const;

type Fields = Partial<Omit<TunnelRecord, 'id'>>;

/** The admin endpoints: the collection (`/v1/tunnels`) and update/delete of one tunnel. */
export class AdminApi {
  constructor(
    private readonly registry: TunnelRegistry,
    private readonly logger: Logger,
  ) {}

  async collection(req: IncomingMessage, res: ServerResponse, query: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'POST') {
      req.resume();
      sendApiError(res, 405, `Use GET (list) or POST (create) for ${TUNNELS_COLLECTION}.`, null, { headers: { Allow: 'GET, POST' } });
      return;
    }
    if (!checkKey(this.registry, req, res, 'admin')) return void req.resume();
    if (req.method === 'GET') return this.list(res, query);
    const fields = await this.fields(req, res, true);
    if (!fields) return;
    if ((fields.organization_ids ?? []).length === 0 && (fields.workspace_ids ?? []).length === 0) {
      sendApiError(res, 400, 'A tunnel needs at least one of organization_ids or workspace_ids.', 'missing_scope', { param: 'workspace_ids' });
      return;
    }
    if (!this.ownOrganizations(res, fields.organization_ids)) return;
    const record = this.registry.create({
      name: fields.name ?? '',
      description: fields.description ?? '',
      tenant_ids: fields.tenant_ids ?? [],
      workspace_ids: fields.workspace_ids ?? [],
      organization_ids: fields.organization_ids ?? [],
    });
    this.logger.info('tunnel created', { tunnel_id: record.id, name: record.name });
    sendJson(res, 200, record);
  }

  /** POST (update) or DELETE of `/v1/tunnels/{id}`; GET is the control plane's metadata. */
  async item(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    if (req.method !== 'POST' && req.method !== 'DELETE') {
      req.resume();
      sendApiError(res, 405, `Use GET (read), POST (update) or DELETE for /v1/tunnels/${id}.`, null, { headers: { Allow: 'GET, POST, DELETE' } });
      return;
    }
    if (!checkKey(this.registry, req, res, 'admin')) return void req.resume();
    const tunnel = this.registry.get(id);
    if (!tunnel) {
      req.resume();
      if (!TUNNEL_ID_PATTERN.test(id)) sendApiError(res, 400, `Tunnel id "${id}" is not a tunnel_<32 lowercase letters or digits> value.`, 'invalid_tunnel_id_format', { param: 'tunnel_id' });
      else sendApiError(res, 404, `No tunnel ${id} in organization ${this.registry.organizationId}: list them with admin tunnels list.`, 'tunnel_not_found');
      return;
    }
    if (req.method === 'DELETE') {
      req.resume();
      if (id === this.registry.primaryId) {
        sendApiError(res, 409, `Tunnel ${id} is the relay's own tunnel (its MCP front door serves it) and stays while the relay runs; delete tunnels created through the admin API.`, 'tunnel_in_use');
        return;
      }
      const removed = this.registry.remove(id);
      this.logger.info('tunnel deleted', { tunnel_id: id });
      sendJson(res, 200, removed);
      return;
    }
    const fields = await this.fields(req, res, false);
    if (!fields) return;
    if (!this.ownOrganizations(res, fields.organization_ids)) return;
    Object.assign(tunnel.record, fields);
    this.logger.info('tunnel updated', { tunnel_id: id, fields: Object.keys(fields) });
    sendJson(res, 200, tunnel.record);
  }

  private list(res: ServerResponse, query: string): void {
    const params = new URLSearchParams(query);
    const filters = (['organization_id', 'workspace_id', 'tenant_id'] as const).filter((k) => (params.get(k) ?? '') !== '');
    if (filters.length !== 1) {
      sendApiError(res, 400, 'Give exactly one of organization_id, workspace_id or tenant_id to list tunnels.', 'invalid_filter', { param: filters[1] ?? 'organization_id' });
      return;
    }
    const key = filters[0];
    const value = params.get(key) ?? '';
    if (key === 'organization_id' && !this.ownOrganizations(res, [value])) return;
    const list = `${key}s` as (typeof ID_LISTS)[number];
    const tunnels = this.registry
      .all()
      .map((t) => t.record)
      .filter((r) => r[list].includes(value));
    sendJson(res, 200, { tunnels });
  }

  /** An admin key belongs to one organization: tunnels of another are not its to touch. */
  private ownOrganizations(res: ServerResponse, ids: string[] | undefined): boolean {
    const other = (ids ?? []).find((id) => id !== this.registry.organizationId);
    if (other === undefined) return true;
    sendApiError(res, 403, `This admin key belongs to organization ${this.registry.organizationId}, not ${other}: check --organization-id.`, 'organization_forbidden', {
      type: 'permission_error',
    });
    return false;
  }

  private async fields(req: IncomingMessage, res: ServerResponse, creating: boolean): Promise<Fields | undefined> {
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, MAX_ADMIN_BODY)).toString('utf8'));
    } catch (err) {
      if (err instanceof BodyTooLargeError) sendApiError(res, 413, `The body is larger than ${err.limit} bytes.`, 'request_body_too_large');
      else sendApiError(res, 400, 'The body is not valid JSON.', 'invalid_json_payload');
      return undefined;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      sendApiError(res, 400, 'The body must be a JSON object.', 'invalid_json_payload');
      return undefined;
    }
    const b = body as Record<string, unknown>;
    const out: Fields = {};
    for (const key of ['name', 'description'] as const) {
      if (b[key] === undefined) continue;
      if (typeof b[key] !== 'string') {
        sendApiError(res, 400, `${key} must be a string.`, 'invalid_type', { param: key });
        return undefined;
      }
      out[key] = b[key];
    }
    if (out.name !== undefined) out.name = out.name.trim();
    if ((creating || out.name !== undefined) && !out.name) {
      sendApiError(res, 400, 'name is required and may not be empty.', 'missing_required_parameter', { param: 'name' });
      return undefined;
    }
    for (const key of ID_LISTS) {
      const v = b[key];
      if (v === undefined) continue;
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x.trim() === '')) {
        sendApiError(res, 400, `${key} must be a list of non-empty strings.`, 'invalid_type', { param: key });
        return undefined;
      }
      out[key] = [...new Set(v.map((x: string) => x.trim()))];
    }
    return out;
  }
}
