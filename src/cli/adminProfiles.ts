/**
 * Saved admin profiles: which control plane to manage tunnels on and where
 * its admin key is (`env:NAME` or `file:/path`, never the key itself), kept
 * in `admin_profiles.yaml` (JSON, which is YAML) under the state directory:
 * TUNNEL_CLIENT_STATE_DIR, else an existing ~/.tunnel-client (or
 * $CODEX_HOME/tunnel-mcp, ~/.codex/tunnel-mcp), else
 * $XDG_STATE_HOME/tunnel-client, else ~/.local/state/tunnel-client.
 *
 *   mcp-tunnel admin-profiles list | set NAME [--admin-key REF] [--base-url URL] [--no-activate]
 *                             | activate NAME | delete NAME          [--json]
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { CliValues } from './options';
import { UsageError } from './output';

export const DEFAULT_ADMIN_KEY_REF = 'env:OPENAI_ADMIN_KEY';
export const DEFAULT_BASE_URL = 'https://api.openai.com';
const FILE_NAME = 'admin_profiles.yaml';

export interface AdminProfile {
  name: string;
  control_plane_base_url: string;
  control_plane_url_path?: string;
  /** A reference: `env:NAME` or `file:/path`. */
  admin_key: string;
  updated_at?: string;
}

export interface AdminProfilesFile {
  active_profile: string;
  profiles: Record<string, AdminProfile>;
}

type Env = Record<string, string | undefined>;

function set(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** The state directory admin profiles live in. */
export function stateRoot(env: Env, platform: NodeJS.Platform = process.platform, isDir: (p: string) => boolean = isDirectory): string {
  const explicit = set(env, 'TUNNEL_CLIENT_STATE_DIR');
  if (explicit) return path.resolve(explicit);
  const home = set(env, 'HOME') ?? os.homedir();
  const codexHome = set(env, 'CODEX_HOME');
  const earlier = [...(codexHome ? [path.join(codexHome, 'tunnel-mcp')] : []), path.join(home, '.codex', 'tunnel-mcp'), path.join(home, '.tunnel-client')];
  const found = earlier.find(isDir);
  if (found) return found;
  const xdg = set(env, 'XDG_STATE_HOME');
  if (xdg) return path.join(xdg, 'tunnel-client');
  return platform === 'darwin' ? path.join(home, 'Library', 'Application Support', 'tunnel-client') : path.join(home, '.local', 'state', 'tunnel-client');
}

function isDirectory(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function profilesPath(root: string): string {
  return path.join(root, FILE_NAME);
}

/** Lower case, `_` and anything but letters, digits and `-` become `-`. */
export function normalizeProfileName(name: string): string {
  const n = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  if (n === '') throw new UsageError(`admin profile name "${name.slice(0, 40)}" needs at least one ASCII letter or digit`);
  return n;
}

/** Only references are saved: a key itself never goes into a file. */
export function checkKeyReference(ref: string, field: string): void {
  const env = /^env:(.*)$/.exec(ref);
  if (env) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env[1])) throw new UsageError(`${field}: "env:" needs a variable name, e.g. env:OPENAI_ADMIN_KEY`);
    return;
  }
  const file = /^file:(.*)$/.exec(ref);
  if (file) {
    if (file[1].trim() === '') throw new UsageError(`${field}: "file:" needs a path, e.g. file:/run/secrets/openai-admin-key`);
    return;
  }
  throw new UsageError(
    `${field} must be a reference, env:NAME or file:/path, never the key itself: saved profiles hold only where the key is. ` +
      'Export the key (OPENAI_ADMIN_KEY) or put it in a file readable only by you, and save that reference',
  );
}

export async function loadProfiles(root: string): Promise<AdminProfilesFile> {
  const file = profilesPath(root);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { active_profile: '', profiles: {} };
    throw err;
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch {
    throw new UsageError(`${file} is not valid YAML or JSON: repair or remove it`);
  }
  if (data === null || data === undefined) return { active_profile: '', profiles: {} };
  if (typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`${file} must hold an object with active_profile and profiles: repair or remove it`);
  const d = data as Record<string, unknown>;
  if (d.active_profile !== undefined && typeof d.active_profile !== 'string') throw new UsageError(`${file}: active_profile must be a string`);
  const profiles = d.profiles ?? {};
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) throw new UsageError(`${file}: profiles must be an object`);
  return { active_profile: (d.active_profile as string | undefined) ?? '', profiles: profiles as Record<string, AdminProfile> };
}

async function saveProfiles(root: string, data: AdminProfilesFile): Promise<void> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  const sorted = Object.fromEntries(Object.keys(data.profiles).sort().map((k) => [k, data.profiles[k]]));
  const file = profilesPath(root);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify({ active_profile: data.active_profile, profiles: sorted }, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, file);
}

export interface SetInput {
  baseUrl?: string;
  urlPath?: string;
  adminKey?: string;
  activate: boolean;
}

export async function setProfile(root: string, name: string, input: SetInput, env: Env): Promise<{ profile: AdminProfile; data: AdminProfilesFile }> {
  const key = normalizeProfileName(name);
  const data = await loadProfiles(root);
  const existing = data.profiles[key];
  const adminKey = input.adminKey?.trim() || existing?.admin_key || DEFAULT_ADMIN_KEY_REF;
  checkKeyReference(adminKey, '--admin-key');
  const baseUrl = input.baseUrl?.trim() || existing?.control_plane_base_url || set(env, 'CONTROL_PLANE_BASE_URL') || DEFAULT_BASE_URL;
  try {
    new URL(baseUrl);
  } catch {
    throw new UsageError(`--base-url "${baseUrl.slice(0, 80)}" is not a URL: use the host root, e.g. ${DEFAULT_BASE_URL}`);
  }
  const urlPath = input.urlPath?.trim() || existing?.control_plane_url_path || set(env, 'CONTROL_PLANE_URL_PATH');
  const profile: AdminProfile = {
    name: key,
    control_plane_base_url: baseUrl,
    ...(urlPath ? { control_plane_url_path: urlPath } : {}),
    admin_key: adminKey,
    updated_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  data.profiles[key] = profile;
  if (input.activate || data.active_profile === '') data.active_profile = key;
  await saveProfiles(root, data);
  return { profile, data };
}

export async function activateProfile(root: string, name: string): Promise<AdminProfile> {
  const key = normalizeProfileName(name);
  const data = await loadProfiles(root);
  const profile = data.profiles[key];
  if (!profile) throw new UsageError(`admin profile ${key} is not known: ${knownNames(data)}`);
  data.active_profile = key;
  await saveProfiles(root, data);
  return profile;
}

export async function deleteProfile(root: string, name: string): Promise<AdminProfilesFile> {
  const key = normalizeProfileName(name);
  const data = await loadProfiles(root);
  if (!data.profiles[key]) throw new UsageError(`admin profile ${key} is not known: ${knownNames(data)}`);
  delete data.profiles[key];
  if (data.active_profile === key) data.active_profile = Object.keys(data.profiles).sort()[0] ?? '';
  await saveProfiles(root, data);
  return data;
}

function knownNames(data: AdminProfilesFile): string {
  const names = Object.keys(data.profiles).sort();
  return names.length === 0 ? 'there are none yet (mcp-tunnel admin-profiles set NAME --admin-key env:OPENAI_ADMIN_KEY)' : `the saved ones are ${names.join(', ')}`;
}

/**
 * The profile admin commands use when no key is given on the command line or
 * in OPENAI_ADMIN_KEY: TUNNEL_MCP_ADMIN_PROFILE, else the active one.
 */
export async function selectedProfile(env: Env): Promise<AdminProfile | undefined> {
  const root = stateRoot(env);
  const data = await loadProfiles(root);
  const wanted = set(env, 'TUNNEL_MCP_ADMIN_PROFILE');
  if (wanted) {
    const profile = data.profiles[normalizeProfileName(wanted)];
    if (!profile) throw new UsageError(`TUNNEL_MCP_ADMIN_PROFILE names admin profile ${wanted}, which is not saved in ${profilesPath(root)}: ${knownNames(data)}`);
    return profile;
  }
  return data.active_profile ? data.profiles[data.active_profile] : undefined;
}

function print(json: boolean, payload: unknown, text: string): void {
  process.stdout.write(json ? JSON.stringify(payload, null, 2) + '\n' : text);
}

/** `mcp-tunnel admin-profiles …`; `args` are the words after `admin-profiles`. */
export async function runAdminProfilesCommand(args: string[], values: CliValues, env: Env = process.env): Promise<number> {
  const [sub, name, extra] = args;
  const json = values.json === true;
  const root = stateRoot(env);
  const file = profilesPath(root);
  const needName = (): string => {
    if (name === undefined) throw new UsageError(`admin-profiles ${sub} needs a profile name: mcp-tunnel admin-profiles ${sub} NAME`);
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    return name;
  };
  switch (sub) {
    case 'list': {
      if (name !== undefined) throw new UsageError(`unexpected argument "${name}": admin-profiles list takes no name`);
      const data = await loadProfiles(root);
      const profiles = Object.keys(data.profiles)
        .sort()
        .map((k) => ({ ...data.profiles[k], path: file, active: data.active_profile === k }));
      const text =
        profiles.length === 0
          ? `No admin profiles found in ${file}\n`
          : profiles.map((p) => `${p.name}\t${p.control_plane_base_url}${p.active ? '\t(active)' : ''}\n`).join('');
      print(json, { profiles, active_profile: data.active_profile, path: file, state_root: root }, text);
      return 0;
    }
    case 'set': {
      if (values.activate && values['no-activate']) throw new UsageError('--activate and --no-activate contradict each other');
      const given = values['admin-key'];
      const { profile, data } = await setProfile(
        root,
        needName(),
        {
          adminKey: given,
          baseUrl: (values['base-url'] ?? values['control-plane.base-url'] ?? values['control-plane-base-url']) as string | undefined,
          urlPath: (values['control-plane.url-path'] ?? values['control-plane-url-path']) as string | undefined,
          activate: values['no-activate'] !== true,
        },
        env,
      );
      print(
        json,
        { profile: { ...profile, path: file, active: data.active_profile === profile.name }, active_profile: data.active_profile, path: file, state_root: root },
        `Saved admin profile ${profile.name} (${profile.control_plane_base_url})\n`,
      );
      return 0;
    }
    case 'activate': {
      const profile = await activateProfile(root, needName());
      print(json, { profile: { ...profile, path: file, active: true }, active_profile: profile.name, path: file, state_root: root }, `Activated admin profile ${profile.name}\n`);
      return 0;
    }
    case 'delete': {
      const target = normalizeProfileName(needName());
      const data = await deleteProfile(root, target);
      print(json, { deleted_profile: target, active_profile: data.active_profile, path: file, state_root: root }, `Deleted admin profile ${target}\n`);
      return 0;
    }
    default:
      throw new UsageError(`admin-profiles needs list, set, activate or delete${sub === undefined ? '' : `, not "${sub.slice(0, 40)}"`}`);
  }
}
