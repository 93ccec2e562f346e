/**
 * The command line's profile overrides, in this client's spelling
 * (`--tunnel-id`) and the reference daemon's (`--control-plane.tunnel-id`,
 * with its dash alias `--control-plane-tunnel-id`), mapped onto ProfileFlags.
 * Reference flags of features this client lacks are accepted so a reference
 * command line runs; they warn, or refuse where ignoring them is unsafe.
 */
import type { FlagSpellings, ProfileFlags } from '../profiles/load';
import { checkUnsupportedFlags, UNSUPPORTED_FLAGS } from '../profiles/referenceKeys';
import { isSecretReference } from '../profiles/schema';
import { ConfigError } from '../profiles/errors';
import { selectConfigSource, type ConfigSourceChoice } from '../profiles/configSource';
import { UsageError } from './output';

type Kind = 'string' | 'list' | 'boolean';

/** Each ProfileFlags key with its spellings, this client's first; a `list` flag may repeat. */
const SPELLINGS: ReadonlyArray<[keyof ProfileFlags, Kind, string[]]> = [
  ['tunnelId', 'string', ['tunnel-id', 'control-plane.tunnel-id', 'control-plane-tunnel-id']],
  ['baseUrl', 'string', ['base-url', 'control-plane.base-url', 'control-plane-base-url']],
  ['urlPath', 'string', ['control-plane.url-path', 'control-plane-url-path']],
  ['organizationId', 'string', ['control-plane.organization-id', 'control-plane-organization-id']],
  ['apiKey', 'string', ['api-key', 'control-plane.api-key', 'control-plane-api-key']],
  ['clientCert', 'string', ['control-plane.client-cert', 'control-plane-client-cert']],
  ['clientKey', 'string', ['control-plane.client-key', 'control-plane-client-key']],
  ['controlPlaneHttpProxy', 'string', ['control-plane.http-proxy']],
  ['maxInflightRequests', 'string', ['control-plane.max-inflight']],
  ['pollTimeout', 'string', ['control-plane.poll-timeout']],
  ['pollDeadlineGuardrail', 'string', ['control-plane.poll-deadline-guardrail']],
  ['pollChannels', 'list', ['control-plane.poll-channel']],
  ['extraHeaders', 'list', ['control-plane.extra-headers']],
  ['caBundle', 'string', ['ca-bundle']],
  ['httpProxy', 'string', ['http-proxy']],
  // `--mcp-command` and `--mcp-server-url` stay single-valued (loopback and init read them too); the dotted spellings repeat.
  ['mcpCommand', 'list', ['mcp-command', 'mcp.command']],
  ['mcpServerUrl', 'list', ['mcp-server-url', 'mcp.server-url']],
  ['mcpProxy', 'string', ['mcp.http-proxy']],
  ['mcpClientCert', 'string', ['mcp.client-cert']],
  ['mcpClientKey', 'string', ['mcp.client-key']],
  ['mcpExtraHeaders', 'list', ['mcp.extra-headers', 'mcp-extra-headers']],
  ['mcpDiscoveryExtraHeaders', 'list', ['mcp.discovery-extra-headers', 'mcp-discovery-extra-headers']],
  ['mcpStartupWaitTimeout', 'string', ['mcp.startup-wait-timeout']],
  ['mcpConnectionMaxTtl', 'string', ['mcp.connection-max-ttl']],
  ['mcpMaxConcurrentRequests', 'string', ['mcp.max-concurrent-requests']],
  ['healthListenAddr', 'string', ['health-listen', 'health.listen-addr', 'health-listen-addr']],
  ['healthUrlFile', 'string', ['health-url-file', 'health.url-file']],
  ['logLevel', 'string', ['log-level', 'log.level']],
  ['logFormat', 'string', ['log-format', 'log.format']],
  ['logFile', 'string', ['log.file']],
  ['pidFile', 'string', ['pid.file']],
  ['allowRemoteUi', 'boolean', ['allow-remote-ui']],
  ['openWebUi', 'boolean', ['open-web-ui']],
  ['adminUiLogBufferEvents', 'string', ['admin-ui.log-buffer-events']],
  ['harpoonTargets', 'list', ['harpoon.target']],
  ['harpoonAllowPlaintextHttp', 'boolean', ['harpoon.allow-plaintext-http']],
  ['harpoonMaxResponseBytes', 'string', ['harpoon.max-response-bytes']],
  ['harpoonMaxRedirects', 'string', ['harpoon.max-redirects']],
  ['harpoonHttpProxy', 'string', ['harpoon.http-proxy']],
  ['harpoonCapturePayloads', 'boolean', ['harpoon.capture-payloads']],
  ['harpoonHostsIncludeSuffix', 'list', ['harpoon.hosts-include-suffix']],
  ['harpoonHostsIncludeRegex', 'list', ['harpoon.hosts-include-regex']],
  ['harpoonHostsIncludeLoopback', 'boolean', ['harpoon.hosts-include-loopback']],
  ['harpoonHostsIncludePrivate', 'boolean', ['harpoon.hosts-include-private']],
];

/** Options the main table already declares for other commands; their type there is kept. */
const SHARED = new Set(['tunnel-id', 'base-url', 'api-key', 'mcp-command', 'mcp-server-url', 'health-listen', 'health-url-file', 'log-level', 'log-format', 'allow-remote-ui', 'open-web-ui']);
const BOOLEAN_UNSUPPORTED = new Set([
  '--cloudflared.managed',
  '--log.http-raw-unsafe',
  '--log-http-raw-unsafe',
]);

type Option = { type: 'string'; multiple?: true } | { type: 'boolean' };

function optionTable(): Record<string, Option> {
  const table: Record<string, Option> = {};
  for (const [, kind, names] of SPELLINGS) {
    for (const name of names) if (!SHARED.has(name)) table[name] = kind === 'list' ? { type: 'string', multiple: true } : kind === 'boolean' ? { type: 'boolean' } : { type: 'string' };
  }
  for (const flag of UNSUPPORTED_FLAGS) table[flag.slice(2)] = BOOLEAN_UNSUPPORTED.has(flag) ? { type: 'boolean' } : { type: 'string', multiple: true };
  for (const name of ['config', 'profile-dir']) table[name] = { type: 'string' };
  return table;
}

/** The reference daemon's flags for parseArgs, beside this client's own. */
export const PROFILE_FLAG_OPTIONS = optionTable();

type Values = Record<string, unknown>;

export interface ParsedProfileFlags {
  flags: ProfileFlags;
  spellings: FlagSpellings;
  /** Warnings for reference flags of features this client lacks. */
  warnings: string[];
}

export function profileFlagsFrom(values: Values): ParsedProfileFlags {
  const flags: ProfileFlags = {};
  const spellings: FlagSpellings = {};
  for (const [key, kind, names] of SPELLINGS) {
    const given = names.filter((name) => values[name] !== undefined);
    if (given.length > 1) throw new UsageError(`--${given[0]} and --${given[1]} set the same thing: give only one of them`);
    if (given.length === 0) continue;
    const name = given[0]!;
    const value = values[name] as string | string[] | boolean;
    (flags as Record<string, unknown>)[key] = kind === 'list' ? [value].flat() : value;
    spellings[key] = `--${name}`;
  }
  if (flags.apiKey !== undefined && !isSecretReference(flags.apiKey)) {
    throw new UsageError(`${spellings.apiKey} takes a reference (env:NAME or file:PATH), never the key itself: other users of this machine can read command lines`);
  }
  const warnings: string[] = [];
  const given = Object.fromEntries(UNSUPPORTED_FLAGS.map((flag) => [flag, values[flag.slice(2)]]));
  try {
    checkUnsupportedFlags(given, warnings);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`${err.field} ${err.problem}. ${err.fix}`);
    throw err;
  }
  return { flags, spellings, warnings };
}

/** `--config`, `--profile`, `--profile-file` and `--profile-dir`, with the reference daemon's TUNNEL_CLIENT_* fallbacks. */
export function configSourceFrom(values: Values, env: NodeJS.ProcessEnv): ConfigSourceChoice {
  try {
    return selectConfigSource(
      { config: values.config as string | undefined, profile: values.profile as string | undefined, profileFile: values['profile-file'] as string | undefined, profileDir: values['profile-dir'] as string | undefined },
      env,
    );
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`${err.field} ${err.problem}. ${err.fix}`);
    throw err;
  }
}
