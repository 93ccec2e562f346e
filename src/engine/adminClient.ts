/**
 * Client of the tunnel management (admin) API: create, list, get, update and
 * delete tunnels under `/v1/tunnels`, with one pooled undici dispatcher like
 * the control-plane client. Management calls need an admin key (Tunnels Read
 * + Manage); `get` also works with a runtime key (Tunnels Read + Use). A
 * refused call becomes an `AdminRequestError` whose message says which key
 * and which permission the call needs.
 */
import type { Dispatcher } from 'undici';
import { HEADER_AUTHORIZATION, HEADER_CLIENT_NAME, HEADER_CLIENT_VERSION } from '../protocol/wire';
import { CLIENT_NAME, CLIENT_VERSION, USER_AGENT } from '../version';
import type { TlsMaterial } from './config';
import { createDispatcher } from './controlPlane';
import { errorCode } from './failure';
import { isLoopbackHost } from './net';

/** A tunnel as the management API returns it. */
export interface AdminTunnel {
  id: string;
  name: string;
  description: string;
  creator?: string;
  tenant_ids?: string[];
  workspace_ids?: string[];
  organization_ids?: string[];
}

export interface TunnelList {
  tunnels: AdminTunnel[];
}

export interface TunnelCreate {
  name: string;
  description: string;
  tenant_ids?: string[];
  workspace_ids?: string[];
  organization_ids?: string[];
}

/** Fields left out keep their value; id lists given replace the old ones. */
export type TunnelUpdate = Partial<TunnelCreate>;

/** Exactly one scope to list by. */
export type ListFilter = { organization_id: string } | { workspace_id: string } | { tenant_id: string };

export type AdminOperation = 'create' | 'list' | 'get' | 'update' | 'delete';
export type AdminKeyKind = 'admin' | 'runtime';

export interface AdminClientOptions {
  /** Host root, e.g. https://api.openai.com (a path prefix is kept). */
  baseUrl: string;
  /** Optional path between the base URL and /v1 (CONTROL_PLANE_URL_PATH). */
  urlPath?: string;
  key: string;
  /** Which kind of key `key` is, for the messages of refused calls. */
  keyKind: AdminKeyKind;
  tls?: TlsMaterial;
  proxy?: string;
  timeoutMs?: number;
}

export class AdminRequestError extends Error {
  constructor(
    readonly operation: AdminOperation,
    readonly method: string,
    readonly path: string,
    /** Undefined when the request got no answer. */
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly type: string | undefined,
    readonly serverMessage: string | undefined,
    readonly requestId: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'AdminRequestError';
  }
}

/**
 * What to do about a refused management call: which key it takes and which
 * permission that key needs. Pure, so the CLI and the editor say the same.
 */
export function adminTriage(operation: AdminOperation, status: number, keyKind: AdminKeyKind, local: boolean, code?: string): string {
  const manage = operation !== 'get';
  const adminKeyWhere = local ? 'the admin_key `mcp-tunnel relay` printed' : 'OPENAI_ADMIN_KEY or --admin-key';
  const runtimeKeyWhere = local ? 'the api_key `mcp-tunnel relay` printed' : 'CONTROL_PLANE_API_KEY';
  if (status === 401) {
    return keyKind === 'admin'
      ? `the admin key was not accepted: check that ${adminKeyWhere} holds a current admin key of this organization`
      : `the runtime key was not accepted: check that ${runtimeKeyWhere} holds a current key of this organization`;
  }
  if (status === 403) {
    if (manage && (keyKind === 'runtime' || code === 'tunnel_manage_forbidden')) {
      return `${operation} needs an admin key with Tunnels Read + Manage (${adminKeyWhere}); a runtime key (Tunnels Read + Use) may only get one tunnel`;
    }
    if (code === 'admin_key_not_allowed') return `polling needs the runtime key (${runtimeKeyWhere}) with Tunnels Read + Use, never the admin key`;
    if (manage) {
      return 'the admin key may not do this: its principal needs Tunnels Read + Manage, and --organization-id / --workspace-id must name the organization and workspaces of the key';
    }
    return keyKind === 'runtime'
      ? 'this runtime key may not read the tunnel: confirm the tunnel id and that the tunnel is attached to the organization and workspace of the key (Tunnels Read + Use)'
      : 'this admin key may not read the tunnel: confirm the tunnel id and that it belongs to the organization of the key (Tunnels Read)';
  }
  if (status === 404) {
    return operation === 'create' || operation === 'list' ? 'no tunnel management at this base URL: check --base-url' : 'no such tunnel: check the tunnel id (admin tunnels list shows them)';
  }
  if (status === 400) return 'the request was refused as invalid: see the message above';
  return 'the service failed: retry later';
}

const DEFAULT_TIMEOUT_MS = 30_000;
const HEADER_USER_AGENT = 'User-Agent';

export class AdminClient {
  private readonly dispatcher: Dispatcher;
  private readonly origin: string;
  private readonly prefix: string;
  private readonly headers: Record<string, string>;
  private readonly local: boolean;

  constructor(private readonly o: AdminClientOptions) {
    const base = new URL(o.baseUrl);
    this.origin = base.origin;
    this.local = isLoopbackHost(base.hostname);
    const extra = (o.urlPath ?? '').replace(/^\/*/, '/').replace(/\/+$/, '');
    this.prefix = `${base.pathname.replace(/\/+$/, '')}${extra === '/' ? '' : extra}/v1/tunnels`;
    this.headers = {
      [HEADER_AUTHORIZATION]: `Bearer ${o.key}`,
      Accept: 'application/json',
      [HEADER_USER_AGENT]: USER_AGENT,
      [HEADER_CLIENT_NAME]: CLIENT_NAME,
      [HEADER_CLIENT_VERSION]: CLIENT_VERSION,
    };
    this.dispatcher = createDispatcher(o.tls ?? {}, o.proxy);
  }

  create(req: TunnelCreate): Promise<AdminTunnel> {
    return this.call('create', 'POST', '', undefined, req);
  }

  list(filter: ListFilter): Promise<TunnelList> {
    return this.call('list', 'GET', '', new URLSearchParams(filter as Record<string, string>).toString(), undefined);
  }

  get(tunnelId: string): Promise<AdminTunnel> {
    return this.call('get', 'GET', this.item(tunnelId), undefined, undefined);
  }

  update(tunnelId: string, req: TunnelUpdate): Promise<AdminTunnel> {
    return this.call('update', 'POST', this.item(tunnelId), undefined, req);
  }

  delete(tunnelId: string): Promise<AdminTunnel> {
    return this.call('delete', 'DELETE', this.item(tunnelId), undefined, undefined);
  }

  async close(): Promise<void> {
    await this.dispatcher.destroy().catch(() => undefined);
  }

  private item(tunnelId: string): string {
    if (tunnelId.trim() === '') throw new Error('a tunnel id is required');
    return `/${encodeURIComponent(tunnelId)}`;
  }

  private async call<T>(operation: AdminOperation, method: 'GET' | 'POST' | 'DELETE', sub: string, query: string | undefined, body: unknown): Promise<T> {
    const path = this.prefix + sub;
    const timeout = this.o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.dispatcher.request({
        origin: this.origin,
        path: query ? `${path}?${query}` : path,
        method,
        headers: body === undefined ? this.headers : { ...this.headers, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
    } catch (err) {
      const code = errorCode(err) ?? 'network error';
      throw new AdminRequestError(operation, method, path, undefined, undefined, undefined, undefined, undefined, `request ${method} ${path} failed: ${this.origin} unreachable (${code})`);
    }
    const requestId = headerValue(res.headers['x-request-id']);
    const text = await res.body.text().catch(() => '');
    if (res.statusCode < 200 || res.statusCode >= 300) {
      let info: { message?: unknown; code?: unknown; type?: unknown } = {};
      try {
        info = (JSON.parse(text) as { error?: typeof info }).error ?? {};
      } catch {
        // A body that is not the API's error shape is shown as text.
      }
      const serverMessage = typeof info.message === 'string' ? info.message : text.slice(0, 300).trim() || undefined;
      const code = typeof info.code === 'string' ? info.code : undefined;
      const type = typeof info.type === 'string' ? info.type : undefined;
      const triage = adminTriage(operation, res.statusCode, this.o.keyKind, this.local, code);
      const detail = [code ? `(${code})` : '', (serverMessage ?? '').replace(/\.$/, '')].filter(Boolean).join(' ');
      const message = `request ${method} ${path} failed: ${res.statusCode}${detail ? ` ${detail}` : ''}; ${triage}${requestId ? ` (x-request-id: ${requestId})` : ''}`;
      throw new AdminRequestError(operation, method, path, res.statusCode, code, type, serverMessage, requestId, message);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new AdminRequestError(operation, method, path, res.statusCode, undefined, undefined, undefined, requestId, `request ${method} ${path}: the answer was not JSON`);
    }
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
