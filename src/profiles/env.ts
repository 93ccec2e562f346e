/**
 * The reference daemon's environment contract, read into a partial profile.
 * An empty variable counts as unset. The API key is stored as a reference
 * (`env:CONTROL_PLANE_API_KEY`), never as its value, so the key is read only
 * when the engine config is resolved.
 *
 * OPENAI_API_KEY is a fallback only: it is used when no other source (flags,
 * CONTROL_PLANE_API_KEY, the YAML file) configures a key, so a developer's
 * general-purpose key never overrides the runtime key a profile names.
 */
import { ConfigError, formatPath } from './errors';
import type { Env } from './secrets';
import type { RawProfile } from './yaml';
import { isSecretReference } from './schema';
import { DEFAULT_CHANNEL } from '../protocol/wire';

export interface EnvLayer {
  data: RawProfile;
  /** Lowest-precedence layer: only the OPENAI_API_KEY fallback. */
  fallback: RawProfile;
  name: (path: readonly PropertyKey[]) => string;
  /** Variables that contributed. */
  variables: string[];
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
  'mcp.servers[0].command': 'MCP_COMMAND',
  'mcp.servers[0].url': 'MCP_SERVER_URL',
  'mcp.servers[0].clientCert': 'MCP_CLIENT_CERT',
  'mcp.servers[0].clientKey': 'MCP_CLIENT_KEY',
  'mcp.maxConcurrentRequests': 'MCP_MAX_CONCURRENT_REQUESTS',
  'mcp.maxMessageBytes': 'MCP_MAX_MESSAGE_BYTES',
  'mcp.startupWaitTimeout': 'MCP_STARTUP_WAIT_TIMEOUT',
  'mcp.connectionMaxTtl': 'MCP_CONNECTION_MAX_TTL',
  caBundle: 'CA_BUNDLE',
  'health.listenAddr': 'HEALTH_LISTEN_ADDR',
  'health.urlFile': 'HEALTH_URL_FILE',
  'log.level': 'LOG_LEVEL',
};

const NUMBER_RANGES: Record<string, string> = {
  CONTROL_PLANE_MAX_INFLIGHT_REQUESTS: '1 and 10000',
  MCP_MAX_CONCURRENT_REQUESTS: '1 and 1000',
  MCP_MAX_MESSAGE_BYTES: '1024 and 1073741824',
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
      `Set ${variable} to a number between ${NUMBER_RANGES[variable]}, or unset it`,
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

  if (get('MCP_COMMAND') !== undefined && get('MCP_SERVER_URL') !== undefined) {
    throw new ConfigError('MCP_COMMAND', 'is set together with MCP_SERVER_URL', 'Unset one: MCP_COMMAND runs a stdio server, MCP_SERVER_URL reaches an HTTP server');
  }

  for (const [dotted, variable] of Object.entries(ENV_VARS)) {
    const text = get(variable);
    if (text === undefined) continue;
    variables.push(variable);
    // A variable may itself hold a reference (CONTROL_PLANE_API_KEY=file:/run/secrets/key).
    if (variable === 'CONTROL_PLANE_API_KEY') setAt(data, dotted, isSecretReference(text) ? text : `env:${variable}`);
    else if (variable in NUMBER_RANGES) setAt(data, dotted, parseWholeNumber(variable, text));
    else if (variable === 'LOG_LEVEL') setAt(data, dotted, text.trim().toLowerCase());
    else setAt(data, dotted, text);
  }
  if (get('CONTROL_PLANE_API_KEY') === undefined && get('OPENAI_API_KEY') !== undefined) {
    setAt(fallback, 'controlPlane.apiKey', 'env:OPENAI_API_KEY');
    variables.push('OPENAI_API_KEY');
  }

  const server = (data.mcp as { servers?: Record<string, unknown>[] } | undefined)?.servers?.[0];
  const name = (path: readonly PropertyKey[]): string => {
    const normalized = path.map((p, i) => (typeof p === 'number' && i === 2 ? 0 : p));
    const dotted = formatPath(normalized);
    if (dotted === 'controlPlane.apiKey' && fallback.controlPlane) return 'OPENAI_API_KEY';
    if (ENV_VARS[dotted]) return ENV_VARS[dotted];
    if (dotted.startsWith('mcp.servers[0]')) return server?.url !== undefined ? 'MCP_SERVER_URL' : 'MCP_COMMAND';
    // A record or list below a variable: name the nearest variable above it.
    for (let n = normalized.length - 1; n > 0; n--) {
      const prefix = formatPath(normalized.slice(0, n));
      if (ENV_VARS[prefix]) return ENV_VARS[prefix];
    }
    return 'environment';
  };
  return { data, fallback, name, variables };
}
