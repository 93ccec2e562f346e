/**
 * The value checks of the profile schema (schema.ts): each adds an issue with
 * the problem and a fix the user can act on, so every source (settings.json,
 * YAML, env, flags) reports a bad value the same way.
 */
import type { z } from 'zod';
import { parseListenAddr, isLoopbackHost } from '../engine/net';
import { parseDuration } from './duration';

/** An RFC 9110 token: what a header name may contain. */
const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** `env:NAME`, `file:PATH` or `secret:KEY`; anything else is a literal value. */
export const SECRET_REFERENCE_PATTERN = /^(env|file|secret):/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

const POLL_TIMEOUT_MAX_MS = 10 * 60_000;

export type Ctx = z.RefinementCtx;

export function fail(ctx: Ctx, message: string, fix: string, path: PropertyKey[] = []): void {
  ctx.addIssue({ code: 'custom', message, path, params: { fix } });
}

/**
 * A reference with its prefix in lower case (`ENV:NAME` → `env:NAME`): the
 * reference daemon compares prefixes case-insensitively. Other text is returned as is.
 */
export function lowerReferencePrefix(value: string): string {
  return /^(env|file|secret):/i.test(value) ? value.replace(/^[a-z]+/i, (p) => p.toLowerCase()) : value;
}

export function isSecretReference(value: string): boolean {
  return SECRET_REFERENCE_PATTERN.test(value);
}

export function checkSecretReferenceShape(value: string, ctx: Ctx): void {
  if (value.startsWith('env:')) {
    const name = value.slice(4);
    if (!ENV_NAME_PATTERN.test(name)) {
      fail(ctx, 'env: reference does not name a valid environment variable', 'Write it as env:NAME, e.g. env:CONTROL_PLANE_API_KEY');
    }
  } else if (value.startsWith('file:')) {
    if (value.slice(5).trim() === '') fail(ctx, 'file: reference has no path', 'Write it as file:/absolute/path/to/file');
  } else if (value.startsWith('secret:')) {
    if (value.slice(7).trim() === '') fail(ctx, 'secret: reference has no key', 'Write it as secret:NAME, or set the key with the editor command');
  }
}

export function checkControlPlaneUrl(value: string, ctx: Ctx): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(ctx, 'is not a valid URL', 'Write the host root, e.g. https://api.openai.com');
    return;
  }
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) {
      fail(
        ctx,
        'must use https (plain http is only allowed for a relay on this machine)',
        'Use an https:// URL, or http://127.0.0.1:PORT for a local relay',
      );
    }
  } else if (url.protocol !== 'https:') {
    fail(ctx, 'must be an https:// URL', 'Write the host root, e.g. https://api.openai.com');
  }
  if (url.username || url.password) {
    fail(ctx, 'must not contain credentials', 'Remove user:password@ from the URL; the API key goes in api_key');
  }
  if (url.search || url.hash) {
    fail(ctx, 'must not have a query or fragment', 'Keep only the scheme, host and an optional path prefix');
  }
}

export function checkUrlPath(value: string, ctx: Ctx): void {
  if (/[?#]/.test(value) || value.includes('://')) {
    fail(ctx, 'must be a plain path prefix', 'Write a path such as /tunnels-proxy, or leave it empty');
  }
}

export function checkHttpUrl(value: string, ctx: Ctx): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(ctx, 'is not a valid URL', 'Write the full Streamable HTTP endpoint, e.g. https://mcp.internal/mcp');
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail(ctx, 'must be an http:// or https:// URL', 'Write the full Streamable HTTP endpoint, e.g. https://mcp.internal/mcp');
  }
  if (url.username || url.password) {
    fail(ctx, 'must not contain credentials', 'Remove user:password@ from the URL and send credentials in headers instead');
  }
}

export function checkProxy(value: string, ctx: Ctx): void {
  if (isSecretReference(value)) {
    checkSecretReferenceShape(value, ctx);
    return;
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    fail(ctx, 'must be an http:// or https:// proxy URL or an env: reference', 'Write it as http://proxy.corp:3128 or env:HTTPS_PROXY');
  }
}

export function checkPollTimeout(value: string, ctx: Ctx): void {
  const ms = parseDuration(value);
  if (ms === undefined) return; // the pattern check reports it
  if (ms < 1 || ms > POLL_TIMEOUT_MAX_MS) {
    fail(ctx, 'must be between 1ms and 10m', 'Use a value such as 30s; the service may bound it further');
  }
}

export function checkPositiveDuration(value: string, ctx: Ctx): void {
  if (parseDuration(value) === 0) fail(ctx, 'must be longer than 0', 'Use a value such as 10m');
}

export function checkListenAddr(value: string, ctx: Ctx): void {
  if (value === '') return; // turns the health server off
  if (!parseListenAddr(value)) {
    fail(
      ctx,
      'must be host:port with a port from 0 to 65535',
      'Write it like 127.0.0.1:8080 (port 0 picks a free port), or leave it empty to turn the health server off',
    );
  }
}

export function checkHeaders(reserved: readonly string[], reservedWhy: string) {
  return (headers: Record<string, string>, ctx: Ctx): void => {
    const lowerReserved = new Map(reserved.map((h) => [h.toLowerCase(), h]));
    for (const [name, value] of Object.entries(headers)) {
      if (!HEADER_NAME_PATTERN.test(name)) {
        fail(ctx, `"${name}" is not a valid header name`, 'Use letters, digits and - in header names', [name]);
        continue;
      }
      const owned = lowerReserved.get(name.toLowerCase());
      if (owned) {
        fail(ctx, `cannot set the header ${owned}: ${reservedWhy}`, `Remove ${name} from these headers`, [name]);
      }
      if (/[\r\n\0]/.test(value)) {
        fail(ctx, `the value of header ${name} contains a line break`, 'Put the whole header value on one line', [name]);
      }
    }
  };
}

export function checkCertKeyPair(value: { clientCert?: string; clientKey?: string }, ctx: Ctx): void {
  if (value.clientCert !== undefined && value.clientKey === undefined) {
    fail(ctx, 'is set without a client key', 'Set the client key too, or remove the certificate', ['clientCert']);
  }
  if (value.clientKey !== undefined && value.clientCert === undefined) {
    fail(ctx, 'is set without a client certificate', 'Set the client certificate too, or remove the key', ['clientKey']);
  }
}

export function checkNoLineBreak(value: string, ctx: Ctx): void {
  if (/[\r\n\0]/.test(value)) fail(ctx, 'contains a line break', 'Put the whole value on one line');
}

/** The reference daemon's rules for `poll_channels`: at least one, no duplicates. */
export function checkPollChannels(channels: string[], ctx: Ctx): void {
  if (channels.length === 0) fail(ctx, 'must name at least one channel', 'List the channels this client serves, e.g. [main], or remove the setting');
  const seen = new Set<string>();
  channels.forEach((channel, index) => {
    if (seen.has(channel)) fail(ctx, `lists ${channel} twice`, 'Name each channel once', [index]);
    seen.add(channel);
  });
}

export const HARPOON_CHANNEL = 'harpoon';

/**
 * A profile needs an MCP server, unless it is a Harpoon-only client: its
 * poll channels are just `harpoon` and it has a Harpoon target.
 */
export function checkHasServers(
  profile: { controlPlane: { pollChannels?: string[] | undefined }; mcp: { servers: unknown[] }; harpoon: { targets: unknown[] } },
  ctx: Ctx,
): void {
  if (!Array.isArray(profile.mcp?.servers) || profile.mcp.servers.length > 0) return;
  const pollChannels = profile.controlPlane.pollChannels;
  if (pollChannels?.length === 1 && pollChannels[0] === HARPOON_CHANNEL && profile.harpoon.targets.length > 0) return;
  fail(ctx, 'needs at least one server', 'Add a server (mcp.commands or mcp.server_urls, MCP_COMMAND or MCP_SERVER_URL), or make this a Harpoon-only client: poll_channels: [harpoon] with harpoon.targets', ['mcp', 'servers']);
}
/** The reference daemon's bounds on the poll request's deadline. */
const GUARDRAIL_MAX_MS = 60_000;
const POLL_DEADLINE_MAX_MS = 10 * 60_000;

export function checkPollTiming(cp: { pollTimeout: string; pollDeadlineGuardrail?: string | undefined }, ctx: Ctx): void {
  if (cp.pollDeadlineGuardrail === undefined) return;
  const guardrail = parseDuration(cp.pollDeadlineGuardrail);
  const timeout = parseDuration(cp.pollTimeout);
  if (guardrail === undefined || timeout === undefined) return; // the pattern check reports it
  if (guardrail <= 0 || guardrail >= GUARDRAIL_MAX_MS) {
    fail(ctx, 'must be longer than 0 and shorter than 1m', 'Use a value such as 5s', ['pollDeadlineGuardrail']);
  } else if (timeout + guardrail > POLL_DEADLINE_MAX_MS) {
    fail(ctx, 'plus the poll timeout must be at most 10m', 'Shorten the poll timeout or the guardrail', ['pollDeadlineGuardrail']);
  }
}

/**
 * A tunnel serves the `main` channel unless `poll_channels` leaves it out, and
 * every listed poll channel needs a server, as in the reference daemon.
 */
export function checkServedChannels(
  profile: { controlPlane: { pollChannels?: string[] | undefined }; mcp: { servers: Array<{ channel: string }> }; harpoon?: { targets: unknown[] } },
  ctx: Ctx,
): void {
  const pollChannels = profile.controlPlane.pollChannels;
  // Main can register Harpoon targets through OAuth discovery after startup; a Harpoon-only client cannot.
  if (pollChannels?.includes(HARPOON_CHANNEL) && !pollChannels.includes('main') && (profile.harpoon?.targets.length ?? 0) === 0) {
    fail(ctx, 'lists harpoon without main, but harpoon has no target', 'Add a target under harpoon.targets (HARPOON_TARGETS), or add main to the list', ['controlPlane', 'pollChannels', pollChannels.indexOf(HARPOON_CHANNEL)]);
  }
  if (!Array.isArray(profile.mcp?.servers) || profile.mcp.servers.length === 0) return; // reported as missing servers
  const served = new Set([...profile.mcp.servers.map((s) => s.channel), HARPOON_CHANNEL]);
  if (pollChannels === undefined) {
    if (!served.has('main')) {
      fail(
        ctx,
        'has no server for the main channel',
        'Give one server channel main (channel: main), or list the channels this client serves in poll_channels',
        ['mcp', 'servers'],
      );
    }
    return;
  }
  pollChannels.forEach((channel, index) => {
    if (!served.has(channel)) {
      fail(ctx, `lists ${channel}, which no server answers`, `Add a server with channel ${channel}, or remove ${channel} from the list`, ['controlPlane', 'pollChannels', index]);
    }
  });
}
