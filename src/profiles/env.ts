/**
 * The reference daemon's environment contract, read into a partial profile.
 * An empty variable counts as unset. The API key is stored as a reference
 * (`env:CONTROL_PLANE_API_KEY`), never as its value, so the key is read only
 * when the engine config is resolved.
 *
 * MCP_SERVER_URL and MCP_COMMAND hold one server each, or one entry a line
 * (`channel=docs,url=https://…`), as in the reference daemon; both may be set
 * when their channels differ. Variables of features this client lacks warn
 * (or refuse, where ignoring them is unsafe): `referenceKeys.ts`.
 *
 * OPENAI_API_KEY is a fallback only: it is used when no other source (flags,
 * CONTROL_PLANE_API_KEY, the YAML file) configures a key, so a developer's
 * general-purpose key never overrides the runtime key a profile names.
 */
import { ConfigError, formatPath } from './errors';
import type { Env } from './secrets';
import type { RawProfile } from './yaml';
import { isSecretReference } from './schema';
import { lowerReferencePrefix } from './schemaChecks';
import { DEFAULT_CHANNEL } from '../protocol/wire';
import { parseHeaderItems, parseMcpEntries, splitEntryLines, splitHeaderList } from './entries';
import { takeUnsupportedEnv } from './referenceKeys';
import { parseHarpoonTargetSpec, splitHarpoonList } from '../engine/harpoon/config';

export interface EnvLayer {
  data: RawProfile;
  /** Lowest-precedence layer: only the OPENAI_API_KEY fallback. */
  fallback: RawProfile;
  name: (path: readonly PropertyKey[]) => string;
  /** Variables that contributed. */
  variables: string[];
  /** One per set variable of a feature this client lacks. */
  warnings: string[];
}

/** Env var for each scalar profile path (servers[0] is the `main` channel the env vars configure). */
export const ENV_VARS: Record<string, string> = {
  'controlPlane.baseUrl': 'CONTROL_PLANE_BASE_URL',
  'controlPlane.urlPath': 'CONTROL_PLANE_URL_PATH',
  'controlPlane.tunnelId': 'CONTROL_PLANE_TUNNEL_ID',
  'controlPlane.apiKey': 'CONTROL_PLANE_API_KEY',
  'controlPlane.clientCert': 'CONTROL_PLANE_CLIENT_CERT',
  'controlPlane.clientKey': 'CONTROL_PLANE_CLIENT_KEY',
  'controlPlane.maxInflightRequests': 'CONTROL_PLANE_MAX_INFLIGHT_REQUESTS',
  'controlPlane.pollTimeout': 'CONTROL_PLANE_POLL_TIMEOUT',
  'controlPlane.pollDeadlineGuardrail': 'CONTROL_PLANE_POLL_DEADLINE_GUARDRAIL',
  'controlPlane.pollChannels': 'CONTROL_PLANE_POLL_CHANNELS',
  'controlPlane.organizationId': 'CONTROL_PLANE_ORGANIZATION_ID',
  'controlPlane.httpProxy': 'CONTROL_PLANE_HTTP_PROXY',
  'controlPlane.extraHeaders': 'CONTROL_PLANE_EXTRA_HEADERS',
  'mcp.servers[0].command': 'MCP_COMMAND',
  'mcp.servers[0].url': 'MCP_SERVER_URL',
  'mcp.clientCert': 'MCP_CLIENT_CERT',
  'mcp.clientKey': 'MCP_CLIENT_KEY',
  'mcp.proxy': 'MCP_HTTP_PROXY',
  'mcp.extraHeaders': 'MCP_EXTRA_HEADERS',
  'mcp.discoveryExtraHeaders': 'MCP_DISCOVERY_EXTRA_HEADERS',
  'mcp.maxConcurrentRequests': 'MCP_MAX_CONCURRENT_REQUESTS',
  'mcp.maxMessageBytes': 'MCP_MAX_MESSAGE_BYTES',
  'mcp.startupWaitTimeout': 'MCP_STARTUP_WAIT_TIMEOUT',
  'mcp.connectionMaxTtl': 'MCP_CONNECTION_MAX_TTL',
  caBundle: 'CA_BUNDLE',
  httpProxy: 'TUNNEL_CLIENT_HTTP_PROXY',
  'health.listenAddr': 'HEALTH_LISTEN_ADDR',
  'health.urlFile': 'HEALTH_URL_FILE',
  'log.level': 'LOG_LEVEL',
  'log.format': 'LOG_FORMAT',
  'log.file': 'LOG_FILE',
  'process.pidFile': 'PID_FILE',
  'adminUi.allowRemote': 'ALLOW_REMOTE_UI',
  'adminUi.openBrowser': 'OPEN_WEB_UI',
  'adminUi.logBufferEvents': 'ADMIN_UI_LOG_BUFFER_EVENTS',
  'harpoon.targets': 'HARPOON_TARGETS',
  'harpoon.allowPlaintextHttp': 'HARPOON_ALLOW_PLAINTEXT_HTTP',
  'harpoon.maxResponseBytes': 'HARPOON_MAX_RESPONSE_BYTES',
  'harpoon.maxRedirects': 'HARPOON_MAX_REDIRECTS',
  'harpoon.httpProxy': 'HARPOON_HTTP_PROXY',
  'harpoon.capturePayloads': 'HARPOON_CAPTURE_PAYLOADS',
  'harpoon.hostsIncludeSuffix': 'HARPOON_HOSTS_INCLUDE_SUFFIX',
  'harpoon.hostsIncludeRegex': 'HARPOON_HOSTS_INCLUDE_REGEX',
  'harpoon.hostsIncludeLoopback': 'HARPOON_HOSTS_INCLUDE_LOOPBACK',
  'harpoon.hostsIncludePrivate': 'HARPOON_HOSTS_INCLUDE_PRIVATE',
};

const BOOLEAN_VARS = new Set(['ALLOW_REMOTE_UI', 'OPEN_WEB_UI', 'HARPOON_ALLOW_PLAINTEXT_HTTP', 'HARPOON_CAPTURE_PAYLOADS', 'HARPOON_HOSTS_INCLUDE_LOOPBACK', 'HARPOON_HOSTS_INCLUDE_PRIVATE']);
const LIST_VARS = new Set(['HARPOON_HOSTS_INCLUDE_SUFFIX', 'HARPOON_HOSTS_INCLUDE_REGEX']);

/** The reference daemon's boolean spellings (Go's strconv.ParseBool). */
export function parseBoolText(variable: string, text: string): boolean {
  const t = text.trim();
  if (/^(1|t|true)$/i.test(t)) return true;
  if (/^(0|f|false)$/i.test(t)) return false;
  throw new ConfigError(variable, 'is not true or false', `Set ${variable} to true or false, or unset it`);
}

function harpoonTargets(variable: string, text: string): RawProfile[] {
  return splitHarpoonList(text).map((entry) => {
    try {
      return { ...parseHarpoonTargetSpec(entry) };
    } catch (err) {
      throw new ConfigError(variable, (err as Error).message.replace(/^harpoon target /, 'has the entry '), 'Write entries as label=NAME,url=URL[,desc=TEXT][,unix-socket=PATH], separated by ";" or new lines');
    }
  });
}

const NUMBER_RANGES: Record<string, string> = {
  CONTROL_PLANE_MAX_INFLIGHT_REQUESTS: 'a number between 1 and 10000',
  MCP_MAX_CONCURRENT_REQUESTS: 'a number of at least 1',
  MCP_MAX_MESSAGE_BYTES: 'a number between 1024 and 1073741824',
  HARPOON_MAX_RESPONSE_BYTES: 'a number between 1 and 102400',
  HARPOON_MAX_REDIRECTS: 'a number between 0 and 5',
  ADMIN_UI_LOG_BUFFER_EVENTS: 'a number between 1 and 100000',
};

function setAt(target: RawProfile, dotted: string, value: unknown): void {
  const segments = dotted.split('.');
  let node: Record<string, unknown> = target;
  for (const segment of segments.slice(0, -1)) {
    const key = segment.replace(/\[0\]$/, '');
    if (segment.endsWith('[0]')) {
      const list = (node[key] ??= [{ channel: DEFAULT_CHANNEL }]) as Record<string, unknown>[];
      node = list[0];
    } else {
      node = (node[key] ??= {}) as Record<string, unknown>;
    }
  }
  node[segments[segments.length - 1]] = value;
}

function parseWholeNumber(variable: string, text: string): number {
  if (!/^\s*\d+\s*$/.test(text)) {
    throw new ConfigError(
      variable,
      'is not a whole number',
      `Set ${variable} to ${NUMBER_RANGES[variable]}, or unset it`,
    );
  }
  return Number(text);
}

export function readEnvProfile(env: Env): EnvLayer {
  const data: RawProfile = {};
  const fallback: RawProfile = {};
  const variables: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };

  const warnings: string[] = [];
  takeUnsupportedEnv(get, warnings);

  /** Which variable set each server of the list, by index. */
  const serverVariables: string[] = [];
  const servers: RawProfile[] = [];
  for (const [dotted, variable] of Object.entries(ENV_VARS)) {
    const text = get(variable);
    if (text === undefined) continue;
    variables.push(variable);
    // A variable may itself hold a reference, in any case (CONTROL_PLANE_API_KEY=File:/run/secrets/key).
    if (variable === 'CONTROL_PLANE_API_KEY') setAt(data, dotted, isSecretReference(lowerReferencePrefix(text)) ? lowerReferencePrefix(text) : `env:${variable}`);
    else if (variable in NUMBER_RANGES) setAt(data, dotted, parseWholeNumber(variable, text));
    else if (variable === 'LOG_LEVEL') setAt(data, dotted, text.trim().toLowerCase());
    else if (variable === 'MCP_SERVER_URL' || variable === 'MCP_COMMAND') {
      for (const server of parseMcpEntries(splitEntryLines(text), variable === 'MCP_SERVER_URL' ? 'url' : 'command', variable)) {
        servers.push(server);
        serverVariables.push(variable);
      }
    } else if (variable.endsWith('_EXTRA_HEADERS')) setAt(data, dotted, parseHeaderItems(splitHeaderList(text), variable));
    else if (variable === 'CONTROL_PLANE_POLL_CHANNELS') setAt(data, dotted, text.split(',').map((c) => c.trim()));
    else if (variable === 'HARPOON_TARGETS') setAt(data, dotted, harpoonTargets(variable, text));
    else if (BOOLEAN_VARS.has(variable)) setAt(data, dotted, parseBoolText(variable, text));
    else if (LIST_VARS.has(variable)) setAt(data, dotted, splitHarpoonList(text));
    else setAt(data, dotted, text);
  }
  if (servers.length > 0) ((data.mcp ??= {}) as RawProfile).servers = servers;
  if (get('CONTROL_PLANE_API_KEY') === undefined && get('OPENAI_API_KEY') !== undefined) {
    setAt(fallback, 'controlPlane.apiKey', 'env:OPENAI_API_KEY');
    variables.push('OPENAI_API_KEY');
  }

  const name = (path: readonly PropertyKey[]): string => {
    if (path[0] === 'mcp' && path[1] === 'servers' && typeof path[2] === 'number') return serverVariables[path[2]] ?? 'MCP_SERVER_URL';
    const normalized = path.map((p, i) => (typeof p === 'number' && i === 2 ? 0 : p));
    const dotted = formatPath(normalized);
    if (dotted === 'controlPlane.apiKey' && fallback.controlPlane) return 'OPENAI_API_KEY';
    if (ENV_VARS[dotted]) return ENV_VARS[dotted];
    // A record or list below a variable: name the nearest variable above it.
    for (let n = normalized.length - 1; n > 0; n--) {
      const prefix = formatPath(normalized.slice(0, n));
      if (ENV_VARS[prefix]) return ENV_VARS[prefix];
    }
    return 'environment';
  };
  return { data, fallback, name, variables, warnings };
}
