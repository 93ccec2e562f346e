/**
 * `mcp-tunnel admin tunnels get|list|create|update|delete`: tunnel management
 * with an admin key (Tunnels Read + Manage), never the runtime key the daemon
 * polls with; `get` also works with the runtime key.
 *
 * The admin key comes from `--admin-key env:NAME|file:PATH`, else
 * OPENAI_ADMIN_KEY, else the selected admin profile (admin-profiles); `get`
 * falls back to CONTROL_PLANE_API_KEY / OPENAI_API_KEY when there is none.
 */
import { readFile } from 'node:fs/promises';
import { AdminClient, AdminRequestError, type AdminKeyKind, type AdminTunnel, type ListFilter, type TunnelUpdate } from '../engine/adminClient';
import { isLoopbackHost } from '../engine/net';
import { resolveSecret } from '../profiles/secrets';
import { ADMIN_KEY_PREFIX } from '../profiles/resolve';
import { checkKeyReference, DEFAULT_BASE_URL, selectedProfile } from './adminProfiles';
import type { CliValues } from './options';
import { EXIT_RUNTIME, UsageError } from './output';

type Env = Record<string, string | undefined>;

export const CREATE_READY_NOTE = 'Note: wait 25-30 seconds before expecting a newly created tunnel to be active and ready.';

interface Target {
  baseUrl: string;
  urlPath: string | undefined;
  key: string;
  keyKind: AdminKeyKind;
  /** Where the key came from, for messages (never the key). */
  source: string;
}

function firstString(values: CliValues, names: string[]): string | undefined {
  for (const n of names) {
    const v = values[n];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  return undefined;
}

/** A repeatable flag whose values may also be comma-separated; duplicates are refused. */
export function idList(values: CliValues, flag: 'organization-id' | 'workspace-id'): string[] | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const list = (Array.isArray(raw) ? raw : [String(raw)]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  const dups = list.filter((v, i) => list.indexOf(v) !== i);
  if (dups.length > 0) throw new UsageError(`duplicate --${flag} values: ${[...new Set(dups)].join(', ')}`);
  return list;
}

async function target(values: CliValues, env: Env, readOnly: boolean): Promise<Target> {
  const read = (file: string): Promise<string> => readFile(file, 'utf8');
  const flagRef = values['admin-key'];
  let profile;
  let ref: string | undefined;
  let source: string;
  if (flagRef !== undefined) {
    if (!/^(env|file):/.test(flagRef)) throw new UsageError('--admin-key takes a reference (env:NAME or file:PATH), never the key itself: other users of this machine can read command lines');
    checkKeyReference(flagRef, '--admin-key');
    ref = flagRef;
    source = `--admin-key ${flagRef}`;
  } else if (env.OPENAI_ADMIN_KEY !== undefined) {
    if (env.OPENAI_ADMIN_KEY.trim() === '') throw new UsageError('OPENAI_ADMIN_KEY is set but empty: export the admin key, or unset it');
    ref = 'env:OPENAI_ADMIN_KEY';
    source = 'OPENAI_ADMIN_KEY';
  } else {
    profile = await selectedProfile(env);
    ref = profile?.admin_key;
    source = profile ? `admin profile ${profile.name} (${profile.admin_key})` : '';
  }
  const baseUrl = firstString(values, ['base-url', 'control-plane.base-url', 'control-plane-base-url']) ?? env.CONTROL_PLANE_BASE_URL?.trim() ?? profile?.control_plane_base_url ?? DEFAULT_BASE_URL;
  const urlPath = firstString(values, ['control-plane.url-path', 'control-plane-url-path']) ?? env.CONTROL_PLANE_URL_PATH?.trim() ?? profile?.control_plane_url_path;
  try {
    new URL(baseUrl);
  } catch {
    throw new UsageError(`base URL "${baseUrl.slice(0, 80)}" is not a URL: use the host root, e.g. ${DEFAULT_BASE_URL}`);
  }
  if (ref !== undefined) {
    const key = (await resolveSecret(ref, { env, readFile: read, field: flagRef !== undefined ? '--admin-key' : source })).trim();
    return { baseUrl, urlPath, key, keyKind: 'admin', source };
  }
  if (readOnly) {
    const runtimeVar = env.CONTROL_PLANE_API_KEY?.trim() ? 'CONTROL_PLANE_API_KEY' : env.OPENAI_API_KEY?.trim() ? 'OPENAI_API_KEY' : undefined;
    if (runtimeVar) {
      const key = (env[runtimeVar] as string).trim();
      return { baseUrl, urlPath, key, keyKind: key.startsWith(ADMIN_KEY_PREFIX) ? 'admin' : 'runtime', source: runtimeVar };
    }
    throw new UsageError('tunnel get needs a runtime or admin key: set CONTROL_PLANE_API_KEY, OPENAI_API_KEY, OPENAI_ADMIN_KEY, or --admin-key env:NAME|file:PATH');
  }
  throw new UsageError(
    'an admin key is required (Tunnels Read + Manage): set OPENAI_ADMIN_KEY, pass --admin-key env:NAME|file:PATH, or save one with mcp-tunnel admin-profiles set NAME --admin-key env:NAME. ' +
      'The runtime key (CONTROL_PLANE_API_KEY) only works for admin tunnels get',
  );
}

export function formatTunnel(t: AdminTunnel): string {
  const lines = [`Tunnel ${t.id}`, `  Name: ${t.name}`, `  Description: ${t.description}`];
  if (t.creator) lines.push(`  Creator: ${t.creator}`);
  lines.push(`  Organizations: ${(t.organization_ids ?? []).join(', ')}`, `  Workspaces: ${(t.workspace_ids ?? []).join(', ')}`);
  if ((t.tenant_ids ?? []).length > 0) lines.push(`  Tenants: ${(t.tenant_ids ?? []).join(', ')}`);
  return lines.join('\n') + '\n';
}

function printJson(payload: unknown): void {
  process.stdout.write(JSON.stringify(payload, null, 2) + '\n');
}

function oneId(args: string[], sub: string): string {
  if (args.length === 0) throw new UsageError(`admin tunnels ${sub} needs a tunnel id: mcp-tunnel admin tunnels ${sub} tunnel_...`);
  if (args.length > 1) throw new UsageError(`unexpected argument "${args[1]}": admin tunnels ${sub} takes one tunnel id`);
  return args[0];
}

function noArgs(args: string[], sub: string): void {
  if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}": admin tunnels ${sub} takes no tunnel id`);
}

/** `mcp-tunnel admin …`; `args` are the words after `admin`. */
export async function runAdminCommand(args: string[], values: CliValues, env: Env = process.env): Promise<number> {
  const [group, sub, ...rest] = args;
  if (group !== 'tunnels') throw new UsageError(`admin needs "tunnels": mcp-tunnel admin tunnels get|list|create|update|delete${group ? `, not "${group.slice(0, 40)}"` : ''}`);
  const json = values.json === true;
  const organizations = idList(values, 'organization-id');
  const workspaces = idList(values, 'workspace-id');
  const tenant = values['tenant-id']?.trim() || undefined;
  let run: (client: AdminClient) => Promise<AdminTunnel | { tunnels: AdminTunnel[] }>;
  let readOnly = false;
  let note = false;
  switch (sub) {
    case 'get': {
      const id = oneId(rest, 'get');
      readOnly = true;
      run = (c) => c.get(id);
      break;
    }
    case 'list': {
      noArgs(rest, 'list');
      const filters: ListFilter[] = [
        ...(organizations && organizations.length > 0 ? [{ organization_id: organizations[0] }] : []),
        ...(workspaces && workspaces.length > 0 ? [{ workspace_id: workspaces[0] }] : []),
        ...(tenant ? [{ tenant_id: tenant }] : []),
      ];
      if (filters.length !== 1) throw new UsageError('admin tunnels list needs exactly one of --organization-id, --workspace-id or --tenant-id');
      run = (c) => c.list(filters[0]);
      break;
    }
    case 'create': {
      noArgs(rest, 'create');
      const name = values.name?.trim();
      if (!name) throw new UsageError('name is required (set --name)');
      if (values.description === undefined || values.description.trim() === '') throw new UsageError('description is required (set --description)');
      if ((organizations ?? []).length === 0 && (workspaces ?? []).length === 0) throw new UsageError('at least one of --organization-id or --workspace-id is required');
      const description = values.description;
      run = (c) => c.create({ name, description, ...(organizations?.length ? { organization_ids: organizations } : {}), ...(workspaces?.length ? { workspace_ids: workspaces } : {}) });
      note = true;
      break;
    }
    case 'update': {
      const id = oneId(rest, 'update');
      const update: TunnelUpdate = {};
      if (values.name !== undefined) update.name = values.name.trim();
      if (values.description !== undefined) update.description = values.description;
      if (organizations !== undefined) update.organization_ids = organizations;
      if (workspaces !== undefined) update.workspace_ids = workspaces;
      if (Object.keys(update).length === 0) throw new UsageError('provide at least one field to update: --name, --description, --organization-id or --workspace-id');
      run = (c) => c.update(id, update);
      break;
    }
    case 'delete': {
      const id = oneId(rest, 'delete');
      if (!values.confirm) throw new UsageError(`refusing to delete without --confirm: mcp-tunnel admin tunnels delete ${id} --confirm`);
      run = (c) => c.delete(id);
      break;
    }
    default:
      throw new UsageError(`admin tunnels needs get, list, create, update or delete${sub === undefined ? '' : `, not "${sub.slice(0, 40)}"`}`);
  }
  const t = await target(values, env, readOnly);
  const client = new AdminClient({ baseUrl: t.baseUrl, urlPath: t.urlPath, key: t.key, keyKind: t.keyKind });
  try {
    const result = await run(client);
    if (json) printJson(result);
    else if ('tunnels' in result) process.stdout.write(result.tunnels.length === 0 ? 'No tunnels.\n' : result.tunnels.map(formatTunnel).join(''));
    else process.stdout.write(formatTunnel(result) + (note && !isLoopbackHost(new URL(t.baseUrl).hostname) ? `${CREATE_READY_NOTE}\n` : ''));
    return 0;
  } catch (err) {
    if (!(err instanceof AdminRequestError)) throw err;
    let message = err.message;
    // A key from an admin source that is not shaped like an admin key is likely the runtime key.
    if (err.status === 403 && t.keyKind === 'admin' && !t.key.startsWith(ADMIN_KEY_PREFIX) && err.code !== 'admin_key_not_allowed') {
      message += `; the key from ${t.source} does not start with ${ADMIN_KEY_PREFIX}: is it a runtime key?`;
    }
    if (json) {
      printJson({
        error: {
          message,
          method: err.method,
          path: err.path,
          ...(err.status !== undefined ? { status_code: err.status } : {}),
          ...(err.requestId ? { request_id: err.requestId } : {}),
          ...(err.code ? { code: err.code } : {}),
          ...(err.type ? { type: err.type } : {}),
        },
      });
    } else process.stderr.write(`mcp-tunnel: ${message}\n`);
    return EXIT_RUNTIME;
  } finally {
    await client.close();
  }
}
