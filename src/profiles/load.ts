/**
 * Builds one profile from its sources, highest first: CLI flags, env vars,
 * the YAML profile file, then schema defaults. Objects merge field by field;
 * MCP servers merge by channel, and a source that gives a server a command or
 * url (MCP_COMMAND, MCP_SERVER_URL, --mcp-command…) replaces that server's
 * whole target (command, args, cwd, env, url, headers, certificates).
 *
 * Every field remembers where it came from, so an error names it the way the
 * user wrote it: `control_plane.tunnel_id` for the YAML file,
 * `CONTROL_PLANE_TUNNEL_ID` for the environment, `--tunnel-id` for a flag.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CHANNEL } from '../protocol/wire';
import { readEnvProfile, ENV_VARS } from './env';
import { formatPath, fromZod, type ConfigSource, type ConfigSourceKind } from './errors';
import { isSecretReference, RunnableProfileSchema, TunnelProfileSchema, type TunnelProfile } from './schema';
import { lowerReferencePrefix } from './schemaChecks';
import type { Env, FileAccess } from './secrets';
import { findProfileFile, readYamlProfile, type RawProfile } from './yaml';
import { FLAG_BY_FIELD, flagName, flagsLayer, type FlagSpellings, type ProfileFlags } from './flags';
import { resolveValueReferences } from './valueRefs';

type Path = readonly PropertyKey[];

export { FLAG_FIELDS, flagName, type FlagSpellings, type ProfileFlags } from './flags';

export interface FieldSource {
  kind: ConfigSourceKind;
  /** The field as the user wrote it: `control_plane.tunnel_id`, `CONTROL_PLANE_TUNNEL_ID`, `--tunnel-id`. */
  name: string;
  file?: string;
}

export interface LoadProfileOptions extends FileAccess {
  flags?: ProfileFlags;
  /** Defaults to process.env. */
  env?: Env;
  /** A profile in `$XDG_CONFIG_HOME/tunnel-client/` or `~/.config/tunnel-client/`. */
  profileName?: string;
  /** A profile file given directly (`--profile-file`, `--config`); wins over profileName for the file. */
  profileFile?: string;
  /** Where profileName is looked up (`--profile-dir`), instead of the default directories. */
  profileDir?: string;
  /** How the user spelled each flag, for messages. */
  flagSpellings?: FlagSpellings;
}

export interface MergedProfile {
  /** The merged, not yet validated profile. */
  raw: RawProfile;
  file?: string;
  warnings: string[];
  /** Set when the API key is written literally into the configuration. */
  literalApiKey?: { field: string; message: string };
  /** Names a profile path in the terms of the source it came from. */
  describeField: (path: Path) => string;
  /** How a missing field could be set, in every source's terms. */
  howToSet: (path: Path) => string;
  /** Sources of the fields that were set (dotted camelCase paths). */
  sources: Record<string, FieldSource>;
  /** For `fromZod` on the merged profile. */
  configSource: ConfigSource;
}

export interface LoadedProfile {
  profile: TunnelProfile;
  /** Where each field came from (dotted camelCase path), defaults included. */
  sources: Record<string, FieldSource>;
  warnings: string[];
  file?: string;
  describeField: (path: Path) => string;
}

interface Layer {
  kind: ConfigSourceKind;
  file?: string;
  data: RawProfile;
  name: (path: Path) => string;
}

const TARGET_FIELDS = ['command', 'args', 'cwd', 'env', 'url', 'headers', 'clientCert', 'clientKey'];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merges layers (lowest first) and remembers which layer set each path. */
class Merger {
  readonly raw: RawProfile = {};
  /** Dotted merged path → the layer and the path inside that layer. */
  readonly origins = new Map<string, { layer: Layer; rank: number; path: Path }>();
  private rank = 0;

  apply(layer: Layer): void {
    this.rank++;
    this.mergeObject(this.raw, layer.data, [], [], layer);
  }

  private record(merged: Path, inLayer: Path, layer: Layer): void {
    this.origins.set(formatPath(merged), { layer, rank: this.rank, path: inLayer });
  }

  private clearBelow(merged: Path): void {
    const key = formatPath(merged);
    for (const k of [...this.origins.keys()]) {
      if (k.startsWith(`${key}.`) || k.startsWith(`${key}[`)) this.origins.delete(k);
    }
  }

  private mergeObject(target: Record<string, unknown>, overlay: Record<string, unknown>, merged: Path, inLayer: Path, layer: Layer): void {
    for (const [key, value] of Object.entries(overlay)) {
      if (value === undefined) continue;
      const m = [...merged, key];
      const l = [...inLayer, key];
      if (merged.length === 1 && merged[0] === 'mcp' && key === 'servers' && Array.isArray(value)) {
        this.mergeServers(target, value, layer);
      } else if (isPlainObject(value)) {
        if (!isPlainObject(target[key])) {
          this.clearBelow(m);
          target[key] = {};
        }
        this.record(m, l, layer);
        this.mergeObject(target[key] as Record<string, unknown>, value, m, l, layer);
      } else {
        this.clearBelow(m);
        target[key] = structuredClone(value);
        this.record(m, l, layer);
      }
    }
  }

  private mergeServers(mcp: Record<string, unknown>, servers: unknown[], layer: Layer): void {
    const list = Array.isArray(mcp.servers) ? (mcp.servers as unknown[]) : (mcp.servers = []);
    this.record(['mcp', 'servers'], ['mcp', 'servers'], layer);
    const fromEarlierLayers = list.length;
    const matched = new Set<number>();
    servers.forEach((server, j) => {
      const l = ['mcp', 'servers', j];
      if (!isPlainObject(server)) {
        list.push(structuredClone(server));
        this.record(['mcp', 'servers', list.length - 1], l, layer);
        return;
      }
      const channel = server.channel ?? DEFAULT_CHANNEL;
      // Only entries of earlier layers are merged into, so a duplicate within one source stays visible.
      let k = list.findIndex(
        (existing, i) => i < fromEarlierLayers && !matched.has(i) && isPlainObject(existing) && (existing.channel ?? DEFAULT_CHANNEL) === channel,
      );
      if (k === -1) {
        list.push({});
        k = list.length - 1;
      }
      matched.add(k);
      const target = list[k] as Record<string, unknown>;
      const m = ['mcp', 'servers', k];
      if (server.command !== undefined || server.url !== undefined) {
        for (const field of TARGET_FIELDS) {
          delete target[field];
          this.clearBelow([...m, field]);
          this.origins.delete(formatPath([...m, field]));
        }
      }
      this.record(m, l, layer);
      this.mergeObject(target, server, m, l, layer);
    });
  }
}

function sanitizeName(file: string): string {
  const base = path.basename(file).replace(/\.ya?ml$/i, '');
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 64);
  return cleaned === '' ? 'default' : cleaned;
}

/** Reads and merges every source without validating the result (doctor inspects broken profiles too). */
export async function mergeProfileSources(opts: LoadProfileOptions = {}): Promise<MergedProfile> {
  const env = opts.env ?? process.env;
  const homedir = opts.homedir ?? os.homedir();
  const warnings: string[] = [];

  let file = opts.profileFile;
  if (file === undefined && opts.profileName !== undefined) file = await findProfileFile(opts.profileName, { env, homedir, profileDir: opts.profileDir });
  const yaml = file !== undefined ? await readYamlProfile(file, opts) : undefined;
  const envLayer = readEnvProfile(env);
  const flags = flagsLayer(opts.flags ?? {}, opts.flagSpellings);
  warnings.push(...(yaml?.warnings ?? []), ...envLayer.warnings);

  const layers: Layer[] = [];
  layers.push({ kind: 'env', data: envLayer.fallback, name: envLayer.name });
  if (yaml) {
    layers.push({ kind: 'file', file: yaml.file, data: yaml.data, name: yaml.name });
  }
  layers.push({ kind: 'env', data: envLayer.data, name: envLayer.name });
  layers.push(flags);

  const merger = new Merger();
  const nameLayer: Layer = {
    kind: opts.profileName !== undefined ? 'flag' : 'default',
    data: { name: opts.profileName ?? (file !== undefined ? sanitizeName(file) : 'default') },
    name: () => (opts.profileName !== undefined ? '--profile' : 'profile name'),
  };
  merger.apply(nameLayer);
  for (const layer of layers) merger.apply(layer);
  const raw = merger.raw;
  // Report the specific missing fields (tunnel id, servers) rather than a missing section.
  raw.controlPlane ??= {};
  raw.mcp ??= {};

  const fallbackName = (p: Path): string => {
    if (yaml) return yaml.name(p);
    const dotted = formatPath(p);
    return ENV_VARS[dotted] ?? dotted;
  };
  const describeField = (p: Path): string => {
    const exact = merger.origins.get(formatPath(p));
    if (exact) return exact.layer.name(exact.path);
    for (let n = p.length - 1; n > 0; n--) {
      const origin = merger.origins.get(formatPath(p.slice(0, n)));
      if (origin && origin.layer.kind !== 'default') return origin.layer.name([...origin.path, ...p.slice(n)]);
    }
    return fallbackName(p);
  };
  const locate = (p: Path): string | undefined => {
    for (let n = p.length; n > 0; n--) {
      const origin = merger.origins.get(formatPath(p.slice(0, n)));
      if (origin) return origin.layer.file;
    }
    return yaml?.file;
  };
  const howToSet = (p: Path): string => {
    const dotted = formatPath(p);
    if (dotted === 'mcp' || dotted === 'mcp.servers') {
      const ways = [
        yaml ? `add mcp.commands (a stdio server) or mcp.server_urls to ${yaml.file}` : undefined,
        'export MCP_COMMAND or MCP_SERVER_URL',
        'pass --mcp-command or --mcp-server-url',
      ].filter((w): w is string => w !== undefined);
      return capitalize(joinOr(ways));
    }
    const normalized = formatPath(p.map((s, i) => (typeof s === 'number' && i === 2 ? 0 : s)));
    const flag = FLAG_BY_FIELD[normalized];
    const ways = [
      yaml ? `set ${yaml.name(p)} in ${yaml.file}` : undefined,
      ENV_VARS[normalized] ? `export ${ENV_VARS[normalized]}` : undefined,
      flag ? `pass ${flagName(flag)}` : undefined,
    ].filter((w): w is string => w !== undefined);
    if (dotted === 'controlPlane.tunnelId') ways.push('copy the id from the Platform tunnel settings');
    return ways.length > 0 ? capitalize(joinOr(ways)) : 'Add it to the profile';
  };

  const sources: Record<string, FieldSource> = {};
  for (const [key, origin] of merger.origins) {
    const value = valueAt(raw, key);
    if (isPlainObject(value) || (key === 'mcp.servers' && Array.isArray(value))) continue;
    if (/^mcp\.servers\[\d+\]$/.test(key)) continue;
    sources[key] = { kind: origin.layer.kind, name: origin.layer.name(origin.path), ...(origin.layer.file ? { file: origin.layer.file } : {}) };
  }

  lowerReferencePrefixes(raw);

  let literalApiKey: MergedProfile['literalApiKey'];
  const apiKey = (raw.controlPlane as Record<string, unknown>).apiKey;
  if (typeof apiKey === 'string' && !isSecretReference(apiKey)) {
    const field = describeField(['controlPlane', 'apiKey']);
    const where = locate(['controlPlane', 'apiKey']);
    literalApiKey = {
      field,
      message:
        `${field}${where ? ` in ${where}` : ''} holds the key itself: anyone who can read the configuration can use it. ` +
        'Move the key to an environment variable or a private file and reference it: env:CONTROL_PLANE_API_KEY or file:/path',
    };
  }
  const controlPlane = raw.controlPlane as Record<string, unknown>;
  if (typeof controlPlane.tunnelId === 'string' && controlPlane.tunnelId.trim() !== controlPlane.tunnelId && controlPlane.tunnelId.trim() !== '') {
    controlPlane.tunnelId = controlPlane.tunnelId.trim();
    warnings.push(
      `${describeField(['controlPlane', 'tunnelId'])} has spaces or line breaks around it; using "${controlPlane.tunnelId}". Remove them from the configuration`,
    );
  }
  const baseUrl = controlPlane.baseUrl;
  if (typeof baseUrl === 'string' && /\/v1\/?$/.test(baseUrl)) {
    warnings.push(
      `${describeField(['controlPlane', 'baseUrl'])} ends with /v1, but the client adds /v1 itself (requests would go to …/v1/v1/tunnels). Remove /v1`,
    );
  }

  await resolveValueReferences(raw, { ...opts, env, homedir, describeField });
  harpoonOnlyServers(raw);

  const configSource: ConfigSource = {
    kind: yaml ? 'file' : 'settings',
    name: describeField,
    howToSet,
    locate,
    schema: TunnelProfileSchema,
  };
  return { raw, file, warnings, literalApiKey, describeField, howToSet, sources, configSource };
}

/** A Harpoon-only client (poll channels just `harpoon`) names no MCP server: it has none, rather than a missing list. */
function harpoonOnlyServers(raw: RawProfile): void {
  const cp = raw.controlPlane as { pollChannels?: unknown } | undefined;
  if (!Array.isArray(cp?.pollChannels) || cp.pollChannels.length !== 1 || cp.pollChannels[0] !== 'harpoon') return;
  const mcp = (raw.mcp ??= {}) as Record<string, unknown>;
  mcp.servers ??= [];
}

function valueAt(root: unknown, dotted: string): unknown {
  let node = root;
  for (const part of dotted.match(/[^.[\]]+/g) ?? []) {
    if (Array.isArray(node) && /^\d+$/.test(part)) node = node[Number(part)];
    else if (isPlainObject(node)) node = node[part];
    else return undefined;
  }
  return node;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')}, or ${items[items.length - 1]}`;
}

/** Leaves of a parsed profile that no source set came from the schema defaults. */
function addDefaultSources(value: unknown, p: PropertyKey[], sources: Record<string, FieldSource>): void {
  const key = formatPath(p);
  if (p.length > 0 && Object.keys(sources).some((s) => s === key || key.startsWith(`${s}.`) || key.startsWith(`${s}[`))) return;
  if (isPlainObject(value)) {
    for (const [k, child] of Object.entries(value)) addDefaultSources(child, [...p, k], sources);
  } else if (Array.isArray(value) && p.length === 2 && p[0] === 'mcp' && p[1] === 'servers') {
    value.forEach((child, i) => addDefaultSources(child, [...p, i], sources));
  } else if (p.length > 0) {
    sources[key] = { kind: 'default', name: key };
  }
}

/**
 * The reference daemon reads `ENV:NAME` and `File:/path` as references too
 * (it compares the prefix case-insensitively); spelled in lower case here,
 * every check and resolver downstream sees one form.
 */
function lowerReferencePrefixes(value: unknown): unknown {
  if (typeof value === 'string') return lowerReferencePrefix(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => (value[i] = lowerReferencePrefixes(item)));
  } else if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) value[key] = lowerReferencePrefixes(child);
  }
  return value;
}

export async function loadProfile(opts: LoadProfileOptions = {}): Promise<LoadedProfile> {
  const merged = await mergeProfileSources(opts);
  const parsed = RunnableProfileSchema.safeParse(merged.raw, { reportInput: true });
  if (!parsed.success) throw fromZod(parsed.error, merged.configSource);
  const sources = { ...merged.sources };
  addDefaultSources(parsed.data, [], sources);
  const warnings = [...merged.warnings];
  if (merged.literalApiKey) warnings.unshift(merged.literalApiKey.message);
  return { profile: parsed.data, sources, warnings, file: merged.file, describeField: merged.describeField };
}
