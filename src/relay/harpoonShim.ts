/**
 * The hosted service's OAuth shim, in miniature: how a connector reaches a
 * private authorization server through the tunnel. The tunnel client names
 * such a server `harpoon://LABEL` in the protected-resource metadata; here
 * that becomes an issuer URL on the relay, whose metadata and whose
 * registration, token and revocation endpoints are Harpoon calls
 * (`call_target` commands on channel `harpoon`). The authorization endpoint
 * is left as the server gives it: the browser goes there directly.
 *
 * - GET /.well-known/oauth-authorization-server/v1/oauth/{tunnel}/harpoon/{label}
 *   (and /.well-known/openid-configuration/…): the server's metadata, its
 *   `harpoon://` endpoints turned into relay routes
 * - POST /v1/oauth/{tunnel}/harpoon/{label}: a registration, token or
 *   revocation request, carried to the target and its answer back
 * - GET /v1/oauth/{tunnel}/harpoon/{label}: a token endpoint's exact
 *   upstream URL, for a private_key_jwt audience (`{"audience": …}`)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CommandHandle, EnqueueInput, EnqueueOptions } from './commandQueue';
import { readBody, safeDecode, sendApiError } from './http';

export const SHIM_PREFIX = '/v1/oauth/';
const METADATA_PREFIXES = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];
const SHIMMED_ROLES = ['registration-endpoint', 'token-endpoint', 'revocation-endpoint'];
const MAX_BODY = 64 * 1024;
/** Request headers an OAuth client sends that the authorization server needs. */
const CARRIED = ['content-type', 'accept', 'authorization', 'dpop'];

export interface HarpoonShimOptions {
  tunnelId: string;
  enqueue(input: EnqueueInput, options?: EnqueueOptions): CommandHandle;
  commandTimeoutMs: number;
}

interface TargetInfo {
  label: string;
  category?: string;
  source?: string;
  tags?: string[];
}

interface ToolResult {
  isError?: boolean;
  content?: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

class ShimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class HarpoonShim {
  private seq = 0;

  constructor(private readonly o: HarpoonShimOptions) {}

  /** The relay URL standing for `harpoon://label` of this tunnel. */
  routeFor(origin: string, label: string): string {
    return `${origin}${SHIM_PREFIX}${encodeURIComponent(this.o.tunnelId)}/harpoon/${encodeURIComponent(label)}`;
  }

  /** Every `harpoon://LABEL` string in a JSON value, as its relay route. */
  rewrite(value: unknown, origin: string): unknown {
    if (typeof value === 'string') {
      const m = /^harpoon:\/\/([a-z0-9][a-z0-9_-]{0,63})$/.exec(value);
      return m ? this.routeFor(origin, m[1]) : value;
    }
    if (Array.isArray(value)) return value.map((v) => this.rewrite(v, origin));
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.rewrite(v, origin)]));
    return value;
  }

  /** Whether this relay path is one of the shim's. */
  handles(path: string): boolean {
    return path.startsWith(SHIM_PREFIX) || METADATA_PREFIXES.some((p) => path.startsWith(`${p}${SHIM_PREFIX}`));
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string, origin: string): Promise<void> {
    const metadata = METADATA_PREFIXES.find((p) => path.startsWith(`${p}${SHIM_PREFIX}`));
    const rest = metadata ? path.slice(metadata.length) : path;
    const label = this.labelOf(rest);
    try {
      if (label === undefined) throw new ShimError(404, 'oauth_shim_invalid_target_uri', `Nothing at ${path}: shim routes are ${SHIM_PREFIX}${this.o.tunnelId}/harpoon/{label}.`);
      if (metadata && req.method === 'GET') return await this.metadata(res, origin);
      if (!metadata && req.method === 'POST') return await this.forward(req, res, label);
      if (!metadata && req.method === 'GET') return await this.audience(res, label);
      req.resume();
      throw new ShimError(405, 'method_not_allowed', `Method ${req.method} is not allowed on ${path}.`);
    } catch (err) {
      req.resume();
      if (err instanceof ShimError) sendApiError(res, err.status, err.message, err.code);
      else sendApiError(res, 502, `The OAuth shim Harpoon call failed: ${(err as Error).message}`, 'oauth_shim_harpoon_call_failed');
    }
  }

  private labelOf(rest: string): string | undefined {
    const prefix = `${SHIM_PREFIX}${encodeURIComponent(this.o.tunnelId)}/harpoon/`;
    if (!rest.startsWith(prefix)) return undefined;
    const label = safeDecode(rest.slice(prefix.length));
    return label !== undefined && /^[a-z0-9][a-z0-9_-]{0,63}$/.test(label) ? label : undefined;
  }

  /** The authorization server's metadata document, read through Harpoon from its auth-server-metadata target. */
  private async metadata(res: ServerResponse, origin: string): Promise<void> {
    const targets = await this.targets({ sources: ['oauth'], tags: ['auth-server-metadata'] });
    const target = targets.find((t) => (t.tags ?? []).length === 1);
    if (!target) throw new ShimError(404, 'oauth_shim_target_not_found', 'The tunnel client has no authorization-server metadata target.');
    const answer = await this.call({ label: target.label, method: 'GET', headers: { Accept: 'application/json' } });
    let document: unknown;
    try {
      document = JSON.parse(answer.body.toString('utf8'));
    } catch {
      throw new ShimError(502, 'oauth_shim_harpoon_call_failed', 'The authorization server metadata is not JSON.');
    }
    this.send(res, answer.status, { 'content-type': 'application/json', 'cache-control': 'no-store' }, Buffer.from(JSON.stringify(this.rewrite(document, origin))));
  }

  /** A registration, token or revocation request, to its target and back. */
  private async forward(req: IncomingMessage, res: ServerResponse, label: string): Promise<void> {
    const target = (await this.targets({ sources: ['oauth'] })).find((t) => t.label === label);
    if (!target || !SHIMMED_ROLES.some((r) => (target.tags ?? []).includes(r))) {
      req.resume();
      throw new ShimError(404, 'oauth_shim_target_not_found', `The tunnel client has no registration, token or revocation target named ${label}.`);
    }
    const body = (await readBody(req, MAX_BODY)).toString('utf8');
    const headers: Record<string, string> = {};
    for (const name of CARRIED) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    const answer = await this.call({ label, method: 'POST', headers, body });
    const out: Record<string, string> = {};
    for (const name of ['content-type', 'cache-control', 'pragma', 'www-authenticate', 'dpop-nonce']) {
      const v = answer.headers[name]?.[0];
      if (v !== undefined) out[name] = v;
    }
    this.send(res, answer.status, out, answer.body);
  }

  private async audience(res: ServerResponse, label: string): Promise<void> {
    const result = await this.tool('get_oauth_target_audience', { label });
    if (result.isError) throw new ShimError(404, 'oauth_shim_target_not_found', result.content?.[0]?.text ?? 'no audience');
    this.send(res, 200, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(result.structuredContent)));
  }

  private async targets(filter: Record<string, string[]>): Promise<TargetInfo[]> {
    const result = await this.tool('list_targets', filter);
    return ((result.structuredContent?.targets as TargetInfo[] | undefined) ?? []).filter((t) => t.category === 'oauth');
  }

  private async call(args: Record<string, unknown>): Promise<{ status: number; headers: Record<string, string[]>; body: Buffer }> {
    const result = await this.tool('call_target', args);
    if (result.isError) throw new ShimError(502, 'oauth_shim_harpoon_call_failed', `The OAuth shim Harpoon call failed: ${result.content?.[0]?.text ?? 'unknown error'}`);
    const s = result.structuredContent ?? {};
    return { status: Number(s.status_code), headers: (s.headers as Record<string, string[]>) ?? {}, body: Buffer.from(String(s.body_base64 ?? ''), 'base64') };
  }

  private async tool(name: string, args: Record<string, unknown>): Promise<ToolResult> {
    const id = `shim-${++this.seq}`;
    const command = this.o.enqueue({ channel: 'harpoon', jsonrpc: { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } } }, { timeoutMs: this.o.commandTimeoutMs });
    let terminal;
    try {
      terminal = await command.terminal;
    } catch {
      throw new ShimError(504, 'oauth_shim_upstream_timeout', 'The OAuth shim timed out waiting for a Harpoon response: check that the tunnel client is running.');
    }
    const json = terminal.resp_json as { result?: ToolResult; error?: { message?: string } } | null | undefined;
    if (!json?.result) throw new ShimError(502, 'oauth_shim_harpoon_call_failed', `The tunnel client did not answer on channel harpoon (HTTP ${terminal.resp_code}${json?.error?.message ? `: ${json.error.message}` : ''}).`);
    return json.result;
  }

  private send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status >= 100 && status <= 599 ? status : 502, { ...headers, 'content-length': body.length });
    res.end(body);
  }
}
