/**
 * Reference-daemon profile files (`config_version: 1` YAML), mapped onto the
 * profile schema. Every key of the reference daemon's file format is known,
 * snake_case; unknown keys are rejected with the list of keys allowed at that
 * level. Keys of features this client lacks are ignored with a warning, or
 * refused where ignoring them would be unsafe (`referenceKeys.ts`).
 * `config_version` is optional, as in the reference daemon; when present it is 1.
 *
 * Renamed on the way in: `mcp.http_proxy` is `mcp.proxy`, a server's
 * `http_proxy` its `proxy`.
 *
 * Additions of ours, accepted on top of the reference keys (a file that uses
 * them is no longer readable by the reference daemon):
 *   - `trace: {capture_payloads, max_entries}`
 *   - `mcp.ca_bundle`, `mcp.proxy` (the MCP hop; `ca_bundle` at the top level
 *     also applies to the MCP hop unless `mcp.ca_bundle` is set)
 *   - `mcp.commands[].{args, cwd, env}` and `mcp.server_urls[].headers`
 *   - `mcp.commands[].{session_mode, max_sessions, session_idle_timeout}`
 *     (how remote sessions share the child; see the README)
 * An empty value (`url_path:`) means the key is not set.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import YAML, { LineCounter } from 'yaml';
import * as z from 'zod';
import { ConfigError, formatPath, formatSnakePath, fromZod } from './errors';
import { defaultReadFile, type Env, type FileAccess } from './secrets';
import { errorCode } from '../engine/failure';
import { PROFILE_NAME_PATTERN, RECORD_FIELDS } from './schema';
import { takeUnsupportedYaml } from './referenceKeys';

export const CONFIG_VERSION = 1;
export const PROFILE_DIR_NAME = 'tunnel-client';

/** A profile as read from one source: camelCase keys, not yet validated or defaulted. */
export type RawProfile = Record<string, unknown>;

const value = z.unknown().optional();

const YamlCommandShape = z.strictObject({
  channel: value,
  command: value,
  args: value,
  cwd: value,
  env: value,
  session_mode: value,
  max_sessions: value,
  session_idle_timeout: value,
});
const YamlServerUrlShape = z.strictObject({
  channel: value,
  url: value,
  unix_socket: value,
  http_proxy: value,
  client_cert: value,
  client_key: value,
  headers: value,
});
const section = (keys: string[]) => z.strictObject(Object.fromEntries(keys.map((k) => [k, value]))).optional();

/** Keys only: values are checked by the profile schema, which names them by their YAML path. */
export const YamlProfileShape = z.strictObject({
  config_version: value,
  control_plane: z
    .strictObject({
      base_url: value,
      url_path: value,
      tunnel_id: value,
      api_key: value,
      client_cert: value,
      client_key: value,
      organization_id: value,
      http_proxy: value,
      max_inflight_requests: value,
      poll_timeout: value,
      poll_deadline_guardrail: value,
      poll_channels: value,
      extra_headers: value,
    })
    .optional(),
  ca_bundle: value,
  http_proxy: value,
  health: section(['listen_addr', 'unix_socket', 'url_file']),
  log: section(['level', 'format', 'file', 'http_raw_unsafe']),
  admin_ui: section(['allow_remote', 'open_browser', 'log_buffer_events']),
  process: section(['pid_file']),
  cloudflared: section(['token', 'managed', 'path', 'ready_timeout']),
  harpoon: section([
    'targets',
    'allow_plaintext_http',
    'max_response_bytes',
    'max_redirects',
    'http_proxy',
    'additional_transports',
    'capture_payloads',
    'hosts_include_suffix',
    'hosts_include_regex',
    'hosts_include_loopback',
    'hosts_include_private',
  ]),
  proxy: section(['check_interval']),
  mcp: z
    .strictObject({
      commands: z.array(YamlCommandShape).optional(),
      server_urls: z.array(YamlServerUrlShape).optional(),
      http_proxy: value,
      client_cert: value,
      client_key: value,
      extra_headers: value,
      discovery_extra_headers: value,
      max_concurrent_requests: value,
      max_message_bytes: value,
      startup_wait_timeout: value,
      connection_max_ttl: value,
      ca_bundle: value,
      proxy: value,
    })
    .optional(),
  trace: z.strictObject({ capture_payloads: value, max_entries: value }).optional(),
});

export interface YamlProfileLayer {
  file: string;
  /** Profile fields found in the file (camelCase), without `name`. */
  data: RawProfile;
  /** Names a profile path as the YAML path it came from (`mcp.server_urls[0].client_cert`). */
  name: (path: readonly PropertyKey[]) => string;
  /** One per ignored key of a feature this client lacks. */
  warnings: string[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `url_path:` with no value is null in YAML; treat it as "not set". */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) if (child !== null) out[k] = dropNulls(child);
  return out;
}

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** snake_case keys to camelCase, leaving user-chosen names (header and env names) alone. */
function camelize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelize);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) {
    const key = camel(k);
    if (RECORD_FIELDS.has(key) && isPlainObject(child)) {
      // YAML reads `PORT: 3000` as a number; header and env values are text.
      out[key] = Object.fromEntries(
        Object.entries(child).map(([name, val]) => [name, typeof val === 'number' || typeof val === 'boolean' ? String(val) : val]),
      );
    } else {
      out[key] = camelize(child);
    }
  }
  return out;
}

function syntaxError(file: string, problem: string, where?: { line: number; col: number }): ConfigError {
  const at = where ? `line ${where.line}, column ${where.col}` : 'file';
  return new ConfigError(at, problem, 'Fix the YAML syntax; indent with spaces and quote values that contain ": "', { source: file });
}

/** Parses and checks one profile file's text. Throws ConfigError naming the YAML path. */
export function parseYamlProfile(text: string, file: string): YamlProfileLayer {
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    const [first, ...rest] = doc.errors.map((e) =>
      // yaml's messages are fixed templates that never quote the file's text.
      syntaxError(file, `is not valid YAML: ${e.message.split('\n')[0]}`, lineCounter.linePos(e.pos[0])),
    );
    throw new ConfigError(first.field, first.problem, first.fix, { source: file, related: rest });
  }
  let raw: unknown;
  try {
    raw = dropNulls(doc.toJS({ maxAliasCount: 100 }));
  } catch {
    throw syntaxError(file, 'is not valid YAML: an alias or anchor cannot be resolved');
  }

  if (!isPlainObject(raw)) {
    throw new ConfigError(
      path.basename(file),
      raw === undefined || raw === null ? 'is empty' : 'is not a tunnel profile',
      `Write a YAML mapping that starts with config_version: ${CONFIG_VERSION}; mcp-tunnel init writes a commented example`,
      { source: file },
    );
  }
  if ('config_version' in raw && raw.config_version !== CONFIG_VERSION) {
    const shown = typeof raw.config_version === 'number' ? ` ${raw.config_version}` : '';
    throw new ConfigError(
      'config_version',
      `is${shown}, but this client reads version ${CONFIG_VERSION} profiles`,
      `Set config_version: ${CONFIG_VERSION} and use the keys of the reference tunnel-client version ${CONFIG_VERSION} format`,
      { source: file },
    );
  }

  const shape = YamlProfileShape.safeParse(raw, { reportInput: true });
  if (!shape.success) throw fromZod(shape.error, { kind: 'file', file, schema: YamlProfileShape });
  const warnings: string[] = [];
  takeUnsupportedYaml(raw, file, warnings);
  const log = raw.log;
  // The reference daemon reads levels in any case (`WARN`).
  if (isPlainObject(log) && typeof log.level === 'string') log.level = log.level.toLowerCase();

  const { config_version: _version, mcp, ...rest } = raw;
  const data = camelize(rest) as RawProfile;
  const serverLocations: Array<[string, number]> = [];
  const renamed = new Map<string, string>();
  if (isPlainObject(mcp)) {
    const { commands, server_urls: serverUrls, http_proxy: mcpHttpProxy, ...mcpRest } = mcp;
    if (mcpHttpProxy !== undefined) {
      if (mcpRest.proxy !== undefined) {
        throw new ConfigError('mcp.http_proxy', 'is set together with mcp.proxy', 'Keep one of them: both set the proxy of the MCP hop', { source: file });
      }
      mcpRest.proxy = mcpHttpProxy;
      renamed.set('mcp.proxy', 'mcp.http_proxy');
    }
    const servers: unknown[] = [];
    if (Array.isArray(commands)) {
      commands.forEach((entry, i) => {
        servers.push(camelize(entry));
        serverLocations.push(['commands', i]);
      });
    }
    if (Array.isArray(serverUrls)) {
      serverUrls.forEach((entry, i) => {
        const server = camelize(entry) as Record<string, unknown>;
        if (server.unixSocket !== undefined) {
          throw new ConfigError(
            `mcp.server_urls[${i}].unix_socket`,
            'asks to reach the server over a Unix socket, which this client cannot dial',
            'Remove unix_socket and point url at a TCP listener of the server (e.g. http://127.0.0.1:PORT/mcp)',
            { source: file },
          );
        }
        if (server.httpProxy !== undefined) {
          server.proxy = server.httpProxy;
          delete server.httpProxy;
          renamed.set(`mcp.servers[${servers.length}].proxy`, `mcp.server_urls[${i}].http_proxy`);
        }
        servers.push(server);
        serverLocations.push(['server_urls', i]);
      });
    }
    const mcpData = camelize(mcpRest) as RawProfile;
    if (servers.length > 0) mcpData.servers = servers;
    data.mcp = mcpData;
  }

  const name = (p: readonly PropertyKey[]): string => {
    const original = renamed.get(formatPath(p));
    if (original) return original;
    if (p[0] === 'mcp' && p[1] === 'servers') {
      if (typeof p[2] === 'number' && serverLocations[p[2]]) {
        const [list, index] = serverLocations[p[2]];
        return formatSnakePath(['mcp', list, index, ...p.slice(3)]);
      }
      if (p.length === 2) return 'mcp.commands / mcp.server_urls';
    }
    if (p[0] === 'name') return 'profile name';
    return formatSnakePath(p);
  };

  return { file, data, name, warnings };
}

export async function readYamlProfile(file: string, access: FileAccess = {}): Promise<YamlProfileLayer> {
  let text: string;
  try {
    text = await (access.readFile ?? defaultReadFile)(file);
  } catch (err) {
    const code = errorCode(err) ?? 'unreadable';
    throw new ConfigError(file, `cannot be read (${code})`, 'Check the path given to --profile-file and that this user may read it', { source: file });
  }
  return parseYamlProfile(text, file);
}

/** Where `mcp-tunnel init` writes profiles: `$XDG_CONFIG_HOME/tunnel-client`, else `~/.config/tunnel-client`. */
export function profileDirectory(env: Env, homedir: string = os.homedir()): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir, '.config');
  return path.join(base, PROFILE_DIR_NAME);
}

/**
 * Files tried for a profile name, in order: the given directory (`--profile-dir`)
 * alone, else the XDG directory, then ~/.config; .yaml before .yml.
 */
export function profileFileCandidates(name: string, env: Env, homedir: string = os.homedir(), profileDir?: string): string[] {
  const dirs = profileDir !== undefined ? [profileDir] : [profileDirectory(env, homedir), path.join(homedir, '.config', PROFILE_DIR_NAME)];
  const files = dirs.flatMap((dir) => [path.join(dir, `${name}.yaml`), path.join(dir, `${name}.yml`)]);
  return [...new Set(files)];
}

export function checkProfileName(name: string, field = 'profile'): void {
  if (!PROFILE_NAME_PATTERN.test(name)) {
    throw new ConfigError(field, `"${name.slice(0, 70)}" is not a valid profile name`, 'Use 1 to 128 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
}

async function fileExists(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

export async function findProfileFile(
  name: string,
  opts: { env: Env; homedir?: string; profileDir?: string; exists?: (file: string) => Promise<boolean> },
): Promise<string> {
  checkProfileName(name);
  const candidates = profileFileCandidates(name, opts.env, opts.homedir, opts.profileDir);
  for (const file of candidates) {
    if (await (opts.exists ?? fileExists)(file)) return file;
  }
  throw new ConfigError(
    'profile',
    `no profile named "${name}" (looked for ${candidates.join(', ')})`,
    `Create it with: mcp-tunnel init --profile ${name}, or pass --profile-file PATH`,
  );
}
