/**
 * The command line's overrides of profile fields, as one source layer of
 * `load.ts`. Each flag knows the profile path it sets and how the user spelled
 * it, so an error names `--control-plane.tunnel-id` when that is what was typed.
 */
import { DEFAULT_CHANNEL } from '../protocol/wire';
import { ConfigError, formatPath } from './errors';
import { parseHeaderItems, parseMcpEntries } from './entries';
import { isSecretReference } from './schema';
import type { RawProfile } from './yaml';
import { parseHarpoonTargetSpec, splitHarpoonList } from '../engine/harpoon/config';

type Path = readonly PropertyKey[];

export interface FlagLayer {
  kind: 'flag';
  data: RawProfile;
  name: (path: Path) => string;
}

/** Options of the CLI that override profile fields. Secrets only as references. */
export interface ProfileFlags {
  tunnelId?: string;
  baseUrl?: string;
  urlPath?: string;
  /** A reference (`env:NAME`, `file:PATH`), never the key: argv is visible to every user of the machine. */
  apiKey?: string;
  clientCert?: string;
  clientKey?: string;
  organizationId?: string;
  controlPlaneHttpProxy?: string;
  maxInflightRequests?: number | string;
  pollTimeout?: string;
  pollDeadlineGuardrail?: string;
  pollChannels?: string[];
  /** `Name: value` items. */
  extraHeaders?: string[];
  caBundle?: string;
  httpProxy?: string;
  /** One server, or entries in the reference daemon's `channel=…,command=…` form. */
  mcpCommand?: string | string[];
  mcpServerUrl?: string | string[];
  mcpClientCert?: string;
  mcpClientKey?: string;
  mcpMaxConcurrentRequests?: number | string;
  mcpStartupWaitTimeout?: string;
  mcpConnectionMaxTtl?: string;
  mcpExtraHeaders?: string[];
  mcpDiscoveryExtraHeaders?: string[];
  mcpCaBundle?: string;
  mcpProxy?: string;
  healthListenAddr?: string;
  healthUrlFile?: string;
  logLevel?: string;
  logFormat?: string;
  logFile?: string;
  pidFile?: string;
  allowRemoteUi?: boolean;
  openWebUi?: boolean;
  adminUiLogBufferEvents?: number | string;
  capturePayloads?: boolean | string;
  /** `label=…,url=…[,desc=…][,unix-socket=…]` entries. */
  harpoonTargets?: string[];
  harpoonAllowPlaintextHttp?: boolean;
  harpoonMaxResponseBytes?: number | string;
  harpoonMaxRedirects?: number | string;
  harpoonHttpProxy?: string;
  harpoonCapturePayloads?: boolean;
  harpoonHostsIncludeSuffix?: string[];
  harpoonHostsIncludeRegex?: string[];
  harpoonHostsIncludeLoopback?: boolean;
  harpoonHostsIncludePrivate?: boolean;
}

/** Profile path of each flag; `mcp.servers[0]` is the `main` channel. */
export const FLAG_FIELDS: Record<keyof ProfileFlags, string> = {
  tunnelId: 'controlPlane.tunnelId',
  baseUrl: 'controlPlane.baseUrl',
  urlPath: 'controlPlane.urlPath',
  apiKey: 'controlPlane.apiKey',
  clientCert: 'controlPlane.clientCert',
  clientKey: 'controlPlane.clientKey',
  organizationId: 'controlPlane.organizationId',
  controlPlaneHttpProxy: 'controlPlane.httpProxy',
  maxInflightRequests: 'controlPlane.maxInflightRequests',
  pollTimeout: 'controlPlane.pollTimeout',
  pollDeadlineGuardrail: 'controlPlane.pollDeadlineGuardrail',
  pollChannels: 'controlPlane.pollChannels',
  extraHeaders: 'controlPlane.extraHeaders',
  caBundle: 'caBundle',
  httpProxy: 'httpProxy',
  mcpCommand: 'mcp.servers[0].command',
  mcpServerUrl: 'mcp.servers[0].url',
  mcpClientCert: 'mcp.clientCert',
  mcpClientKey: 'mcp.clientKey',
  mcpMaxConcurrentRequests: 'mcp.maxConcurrentRequests',
  mcpStartupWaitTimeout: 'mcp.startupWaitTimeout',
  mcpConnectionMaxTtl: 'mcp.connectionMaxTtl',
  mcpExtraHeaders: 'mcp.extraHeaders',
  mcpDiscoveryExtraHeaders: 'mcp.discoveryExtraHeaders',
  mcpCaBundle: 'mcp.caBundle',
  mcpProxy: 'mcp.proxy',
  healthListenAddr: 'health.listenAddr',
  healthUrlFile: 'health.urlFile',
  logLevel: 'log.level',
  logFormat: 'log.format',
  logFile: 'log.file',
  pidFile: 'process.pidFile',
  allowRemoteUi: 'adminUi.allowRemote',
  openWebUi: 'adminUi.openBrowser',
  adminUiLogBufferEvents: 'adminUi.logBufferEvents',
  capturePayloads: 'trace.capturePayloads',
  harpoonTargets: 'harpoon.targets',
  harpoonAllowPlaintextHttp: 'harpoon.allowPlaintextHttp',
  harpoonMaxResponseBytes: 'harpoon.maxResponseBytes',
  harpoonMaxRedirects: 'harpoon.maxRedirects',
  harpoonHttpProxy: 'harpoon.httpProxy',
  harpoonCapturePayloads: 'harpoon.capturePayloads',
  harpoonHostsIncludeSuffix: 'harpoon.hostsIncludeSuffix',
  harpoonHostsIncludeRegex: 'harpoon.hostsIncludeRegex',
  harpoonHostsIncludeLoopback: 'harpoon.hostsIncludeLoopback',
  harpoonHostsIncludePrivate: 'harpoon.hostsIncludePrivate',
};

/** Flags whose CLI spelling is not the kebab-case of their key. */
const FLAG_SPELLINGS: Partial<Record<keyof ProfileFlags, string>> = { healthListenAddr: '--health-listen' };

/** The CLI spelling of a flag: `--tunnel-id` for `tunnelId`. */
export function flagName(key: keyof ProfileFlags): string {
  return FLAG_SPELLINGS[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export const FLAG_BY_FIELD: Record<string, keyof ProfileFlags> = Object.fromEntries(
  Object.entries(FLAG_FIELDS).map(([flag, field]) => [field, flag as keyof ProfileFlags]),
);


/** Sets a dotted path like `mcp.servers[0].command`, creating the main channel entry. */
function setAt(target: RawProfile, dotted: string, value: unknown): void {
  const segments = dotted.split('.');
  let node: Record<string, unknown> = target;
  for (const segment of segments.slice(0, -1)) {
    if (segment.endsWith('[0]')) {
      const key = segment.slice(0, -3);
      const list = (node[key] ??= [{ channel: DEFAULT_CHANNEL }]) as Record<string, unknown>[];
      node = list[0];
    } else {
      node = (node[segment] ??= {}) as Record<string, unknown>;
    }
  }
  node[segments[segments.length - 1]] = value;
}

/** Spellings the user chose for flags (`--control-plane.tunnel-id`), so errors name the flag as written. */
export type FlagSpellings = Partial<Record<keyof ProfileFlags, string>>;

export function flagsLayer(flags: ProfileFlags, spellings: FlagSpellings = {}): FlagLayer {
  const data: RawProfile = {};
  const spelled = (key: keyof ProfileFlags): string => spellings[key] ?? flagName(key);
  const servers: RawProfile[] = [];
  const serverFlags: string[] = [];
  for (const [key, field] of Object.entries(FLAG_FIELDS) as Array<[keyof ProfileFlags, string]>) {
    let value = flags[key];
    if (value === undefined) continue;
    const flag = spelled(key);
    if (key === 'mcpCommand' || key === 'mcpServerUrl') {
      for (const server of parseMcpEntries([value as string | string[]].flat(), key === 'mcpServerUrl' ? 'url' : 'command', flag)) {
        servers.push(server);
        serverFlags.push(flag);
      }
      continue;
    }
    if (key === 'extraHeaders' || key === 'mcpExtraHeaders' || key === 'mcpDiscoveryExtraHeaders') {
      setAt(data, field, parseHeaderItems(value as string[], flag));
      continue;
    }
    if (key === 'apiKey' && (typeof value !== 'string' || !isSecretReference(value))) {
      throw new ConfigError(
        flag,
        'takes a reference to the key, not the key itself',
        `Pass ${flag} env:NAME or ${flag} file:/path; a command line can be read by every user of the machine`,
      );
    }
    if (key === 'harpoonTargets') {
      const entries = (value as string[]).flatMap((v) => splitHarpoonList(v));
      try {
        setAt(data, field, entries.map((e) => ({ ...parseHarpoonTargetSpec(e) })));
      } catch (err) {
        throw new ConfigError(flag, (err as Error).message.replace(/^harpoon target /, 'has the entry '), `Pass ${flag} label=NAME,url=URL[,desc=TEXT][,unix-socket=PATH]`);
      }
      continue;
    }
    if ((key === 'maxInflightRequests' || key === 'mcpMaxConcurrentRequests' || key === 'harpoonMaxResponseBytes' || key === 'harpoonMaxRedirects' || key === 'adminUiLogBufferEvents') && typeof value === 'string') {
      if (!/^\s*\d+\s*$/.test(value)) throw new ConfigError(flag, 'is not a whole number', `Pass ${flag} with a number, e.g. ${flag} 20`);
      value = Number(value);
    }
    if (key === 'capturePayloads' && typeof value === 'string') {
      if (value !== 'true' && value !== 'false') throw new ConfigError(flag, 'is not true or false', `Pass ${flag} alone, or ${flag}=false`);
      value = value === 'true';
    }
    if (key === 'logLevel' && typeof value === 'string') value = value.toLowerCase();
    setAt(data, field, value);
  }
  if (servers.length > 0) ((data.mcp ??= {}) as RawProfile).servers = servers;
  const name = (p: Path): string => {
    if (p[0] === 'mcp' && p[1] === 'servers' && typeof p[2] === 'number') return serverFlags[p[2]] ?? '--mcp-command';
    for (let n = p.length; n > 0; n--) {
      const flag = FLAG_BY_FIELD[formatPath(p.slice(0, n))];
      if (flag) return spelled(flag);
    }
    return 'command line';
  };
  return { kind: 'flag', data, name };
}

