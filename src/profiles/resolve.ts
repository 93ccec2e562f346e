/**
 * Turns a validated profile into the EngineConfig the engine runs with:
 * secrets read, certificate files loaded as PEM, durations in ms, commands
 * split into argv, env files read, and `${env:NAME}` expanded in header and
 * stdio env values (the form imported Codex servers use). This is the only
 * place a secret value is read; errors name the field and the reference,
 * never the value. A profile without an API key reference uses the editor's
 * stored key (`profile:NAME` in the secret store) when a store is given.
 */
import * as path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { HarpoonConfig } from '../engine/harpoon/config';
import { DEFAULTS, type EngineConfig, type EnvProxy, type HttpTarget, type McpTarget, type TlsMaterial } from '../engine/config';
import { isLoopbackHost } from '../engine/net';
import { splitCommand } from '../engine/mcp/argv';
import { parseDuration } from './duration';
import { ConfigError, formatPath } from './errors';
import { errorCode } from '../engine/failure';
import { isSecretReference, type TunnelProfile } from './schema';
import { defaultReadFile, expandHome, readPrivateFile, resolveSecret, type Env, type FileAccess, type SecretStore } from './secrets';

type Path = readonly PropertyKey[];

export interface ResolveOptions extends FileAccess {
  env: Env;
  secretStore?: SecretStore;
  /** Warnings (loose permissions on key files, unset proxy variables) are appended here. */
  warnings?: string[];
  /** Names a profile path in the user's terms; `LoadedProfile.describeField`. */
  describeField?: (path: Path) => string;
  /** The key to poll with instead of the profile's (a loopback relay's own key): the profile's is then not read at all. */
  apiKey?: string;
}

export const SET_API_KEY_HINT = "run 'MCP Tunnel: Set API Key…' in VS Code";

/** The secret store key of a profile's API key, used when the profile names none (editor only). */
export function profileApiKeySecret(profileName: string): string {
  return `profile:${profileName}`;
}

const ENV_REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;
const ONLY_ENV_REFERENCE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * Replaces `${env:NAME}` in a header or environment value (the form Codex and
 * mcp.json imports produce). Throws naming the variable, never a value.
 */
function expandEnvReferences(value: string, env: Env, field: string): string {
  return value.replace(ENV_REFERENCE, (_match, variable: string) => {
    const found = env[variable];
    if (found === undefined || found === '') {
      throw new ConfigError(field, `uses \${env:${variable}}, which is not set`, `Export ${variable} before starting the tunnel, or remove it from the value`);
    }
    return found;
  });
}
export const ADMIN_KEY_PREFIX = 'sk-admin-';

/** What is wrong with a resolved API key, if anything. Never includes the key. */
export function apiKeyProblem(key: string): { problem: string; fix: string } | undefined {
  if (key.startsWith(ADMIN_KEY_PREFIX)) {
    return {
      problem: 'is an admin key',
      fix: 'Create a runtime key with the Tunnels Read + Use permissions and use it instead; the tunnel never needs an admin key',
    };
  }
  if (/\s/.test(key)) {
    return { problem: 'contains spaces or line breaks', fix: 'Store only the key itself, on one line' };
  }
  return undefined;
}

export type PemKind = 'certificate' | 'key' | 'CA bundle';

/** Reads a PEM file; private keys also get a warning when other users can read them. */
export async function readPemFile(
  file: string,
  opts: FileAccess & { field: string; kind: PemKind; warnings?: string[] },
): Promise<string> {
  const resolved = expandHome(file, opts.homedir);
  const text =
    opts.kind === 'key'
      ? await readPrivateFile(resolved, { ...opts, what: 'the private key' })
      : await (opts.readFile ?? defaultReadFile)(resolved).catch((err: unknown) => {
          throw new ConfigError(opts.field, `cannot read the ${opts.kind} ${resolved} (${errorCode(err) ?? 'unreadable'})`, 'Check the path and that this user may read the file');
        });
  if (!text.includes('-----BEGIN ')) {
    throw new ConfigError(opts.field, `${resolved} is not a PEM file`, `Point it at a PEM ${opts.kind} (text starting with -----BEGIN)`);
  }
  return text;
}

/** Host root plus the optional prefix; the hosted default becomes the mTLS host when a client certificate is set. */
export function controlPlaneUrl(controlPlane: TunnelProfile['controlPlane']): string {
  let base = controlPlane.baseUrl.replace(/\/+$/, '');
  if (controlPlane.clientCert !== undefined && base === DEFAULTS.baseUrl) base = DEFAULTS.mtlsBaseUrl;
  const prefix = (controlPlane.urlPath ?? '').replace(/^\/+|\/+$/g, '');
  return prefix === '' ? base : `${base}/${prefix}`;
}

export async function resolveProfile(profile: TunnelProfile, opts: ResolveOptions): Promise<EngineConfig> {
  const name = opts.describeField ?? formatPath;
  const readFile = opts.readFile ?? defaultReadFile;
  const pemCache = new Map<string, Promise<string>>();

  const readPem = (file: string, p: Path, kind: PemKind): Promise<string> => {
    const cacheKey = `${kind}\n${expandHome(file, opts.homedir)}`;
    let pending = pemCache.get(cacheKey);
    if (!pending) {
      pending = readPemFile(file, { ...opts, readFile, field: name(p), kind });
      pemCache.set(cacheKey, pending);
    }
    return pending;
  };

  const secret = (ref: string, p: Path, hint?: string) => resolveSecret(ref, { ...opts, field: name(p), hint });

  /** Proxy references to an unset variable mean "no proxy", as with an unset HTTPS_PROXY. */
  const proxy = async (ref: string | undefined, p: Path): Promise<string | undefined> => {
    if (ref === undefined) return undefined;
    if (ref.startsWith('env:') && !opts.env[ref.slice(4)]) {
      opts.warnings?.push(`${name(p)}: ${ref.slice(4)} is not set, so this hop connects directly`);
      return undefined;
    }
    const value = await secret(ref, p);
    try {
      const url = new URL(value);
      if (url.protocol === 'http:' || url.protocol === 'https:') return value;
    } catch {
      // reported below
    }
    throw new ConfigError(name(p), `${describeRef(ref)} does not hold an http:// or https:// proxy URL`, 'Set it to a URL such as http://proxy.corp:3128');
  };

  const headers = async (values: Record<string, string> | undefined, p: Path): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const [header, value] of Object.entries(values ?? {})) {
      out[header] = isSecretReference(value) ? await secret(value, [...p, header]) : expandEnvReferences(value, opts.env, name([...p, header]));
    }
    return out;
  };

  /** `NAME: "${env:NAME}"` forwards a variable when it is set (Codex `env_vars`); other references must resolve. */
  const stdioEnv = (values: Record<string, string>, p: Path): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [variable, value] of Object.entries(values)) {
      const only = ONLY_ENV_REFERENCE.exec(value);
      if (only && !opts.env[only[1]]) continue;
      out[variable] = expandEnvReferences(value, opts.env, name([...p, variable]));
    }
    return out;
  };

  const readEnvFile = async (file: string, cwd: string | undefined, field: string): Promise<Record<string, string>> => {
    let resolved = expandHome(file, opts.homedir);
    if (cwd !== undefined && !path.isAbsolute(resolved)) resolved = path.resolve(cwd, resolved);
    let text: string;
    try {
      text = await readFile(resolved);
    } catch (err) {
      throw new ConfigError(field, `cannot read the env file ${resolved} (${errorCode(err) ?? 'unreadable'})`, 'Check the path and that this user may read the file');
    }
    // dotenv's grammar: comments, `export`, quotes and multi-line values; other lines are ignored.
    const out: Record<string, string> = parseDotenv(text);
    return out;
  };

  const tls = async (p: Path, cert: string | undefined, key: string | undefined, ca: string | undefined, caPath: Path): Promise<TlsMaterial> => {
    const out: TlsMaterial = {};
    if (cert !== undefined) out.cert = await readPem(cert, [...p, 'clientCert'], 'certificate');
    if (key !== undefined) out.key = await readPem(key, [...p, 'clientKey'], 'key');
    if (ca !== undefined) out.ca = await readPem(ca, caPath, 'CA bundle');
    return out;
  };

  const cp = profile.controlPlane;
  let apiKey: string;
  let apiKeyOrigin: string;
  if (opts.apiKey !== undefined) {
    apiKey = opts.apiKey;
    apiKeyOrigin = 'the relay key';
  } else if (cp.apiKey !== undefined) {
    apiKey = await secret(cp.apiKey, ['controlPlane', 'apiKey'], SET_API_KEY_HINT);
    apiKeyOrigin = describeRef(cp.apiKey);
  } else if (opts.secretStore) {
    // A settings profile without apiKey uses the key the editor stored for it.
    const stored = await opts.secretStore.get(profileApiKeySecret(profile.name));
    if (stored === undefined || stored === '') {
      throw new ConfigError(
        name(['controlPlane', 'apiKey']),
        `is not set, and no API key is stored for the profile "${profile.name}"`,
        "Run 'MCP Tunnel: Set API Key…' for this profile, or set apiKey to env:NAME or file:/path",
      );
    }
    apiKey = stored;
    apiKeyOrigin = `the key stored for the profile "${profile.name}"`;
  } else {
    throw new ConfigError(
      name(['controlPlane', 'apiKey']),
      'is not set: the tunnel needs a runtime API key',
      `Export CONTROL_PLANE_API_KEY, set api_key: env:NAME or file:/path in the profile, or ${SET_API_KEY_HINT}`,
    );
  }
  const keyProblem = apiKeyProblem(apiKey);
  if (keyProblem) throw new ConfigError(name(['controlPlane', 'apiKey']), `${apiKeyOrigin} ${keyProblem.problem}`, keyProblem.fix);

  const pollTimeoutMs = Math.ceil(parseDuration(cp.pollTimeout) ?? DEFAULTS.pollTimeoutMs);
  // A hop's own proxy wins over the global one, as in the reference daemon.
  const globalProxy = await proxy(profile.httpProxy, ['httpProxy']);
  const controlPlaneProxy = cp.httpProxy !== undefined ? await proxy(cp.httpProxy, ['controlPlane', 'httpProxy']) : globalProxy;
  const mcpProxy = profile.mcp.proxy !== undefined ? await proxy(profile.mcp.proxy, ['mcp', 'proxy']) : globalProxy;

  const targets: McpTarget[] = [];
  const mcpCa = profile.mcp.caBundle ?? profile.caBundle;
  const mcpCaPath: Path = profile.mcp.caBundle !== undefined ? ['mcp', 'caBundle'] : ['caBundle'];
  const sharedHeaders = await headers(profile.mcp.extraHeaders, ['mcp', 'extraHeaders']);
  const discoveryHeaders = await headers(profile.mcp.discoveryExtraHeaders, ['mcp', 'discoveryExtraHeaders']);
  for (const [index, server] of profile.mcp.servers.entries()) {
    const p: Path = ['mcp', 'servers', index];
    if (server.mcpServer !== undefined) {
      throw new ConfigError(
        name([...p, 'mcpServer']),
        `refers to the server "${server.mcpServer}" of .vscode/mcp.json, which only the VS Code extension can read`,
        'Outside VS Code, copy the server\'s command or url into the profile',
      );
    }
    if (server.command !== undefined) {
      let argv: string[];
      try {
        argv = splitCommand(server.command);
      } catch (err) {
        const message = (err as Error).message;
        const split = message.indexOf(': ');
        const problem = (split === -1 ? message : message.slice(0, split)).replace(/^MCP command /, '');
        const fix = split === -1 ? 'Check the quoting of the command' : message.slice(split + 2);
        throw new ConfigError(name([...p, 'command']), problem, fix.charAt(0).toUpperCase() + fix.slice(1));
      }
      const cwd = server.cwd !== undefined ? expandHome(server.cwd, opts.homedir) : undefined;
      const fromFile = server.envFile !== undefined ? await readEnvFile(server.envFile, cwd, name([...p, 'envFile'])) : {};
      targets.push({
        kind: 'stdio',
        channel: server.channel,
        argv: [...argv, ...(server.args ?? [])],
        ...(cwd !== undefined ? { cwd } : {}),
        env: { ...fromFile, ...stdioEnv(server.env ?? {}, [...p, 'env']) },
        maxMessageBytes: profile.mcp.maxMessageBytes,
        sessions: {
          mode: server.sessionMode ?? DEFAULTS.sessionMode,
          maxSessions: server.maxSessions ?? DEFAULTS.maxSessions,
          idleTimeoutMs: server.sessionIdleTimeout !== undefined ? parseDuration(server.sessionIdleTimeout)! : DEFAULTS.sessionIdleTimeoutMs,
        },
      });
    } else if (server.url !== undefined) {
      // mcp.clientCert is the certificate of every HTTP server that names none of its own.
      const own = server.clientCert !== undefined;
      const certPath: Path = own ? p : ['mcp'];
      const target: HttpTarget = {
        kind: 'http',
        channel: server.channel,
        url: server.url,
        headers: mergeHeaders(sharedHeaders, await headers(server.headers, [...p, 'headers'])),
        tls: await tls(certPath, own ? server.clientCert : profile.mcp.clientCert, own ? server.clientKey : profile.mcp.clientKey, mcpCa, mcpCaPath),
      };
      if (Object.keys(discoveryHeaders).length > 0) target.discoveryHeaders = discoveryHeaders;
      const serverProxy = server.proxy !== undefined ? await proxy(server.proxy, [...p, 'proxy']) : mcpProxy;
      if (serverProxy !== undefined) target.proxy = serverProxy;
      else {
        const fromEnv = standardProxy(opts.env, target.url);
        if (fromEnv) target.envProxy = fromEnv;
      }
      targets.push(target);
    }
  }

  const config: EngineConfig = {
    controlPlane: {
      baseUrl: controlPlaneUrl(cp),
      tunnelId: cp.tunnelId,
      apiKey,
      extraHeaders: await headers(cp.extraHeaders, ['controlPlane', 'extraHeaders']),
      tls: await tls(['controlPlane'], cp.clientCert, cp.clientKey, profile.caBundle, ['caBundle']),
      pollTimeoutMs,
      maxInflightRequests: cp.maxInflightRequests,
    },
    mcp: {
      targets,
      maxConcurrentRequests: profile.mcp.maxConcurrentRequests,
      startupWaitMs: Math.ceil(parseDuration(profile.mcp.startupWaitTimeout) ?? 0),
      connectionMaxTtlMs: Math.ceil(parseDuration(profile.mcp.connectionMaxTtl) ?? DEFAULTS.connectionMaxTtlMs),
    },
    log: { level: profile.log.level },
    trace: { capturePayloads: profile.trace.capturePayloads, maxEntries: profile.trace.maxEntries },
  };
  if (cp.pollDeadlineGuardrail !== undefined) config.controlPlane.pollDeadlineGuardrailMs = Math.ceil(parseDuration(cp.pollDeadlineGuardrail) ?? 0) || undefined;
  if (cp.pollChannels !== undefined) config.controlPlane.pollChannels = [...cp.pollChannels];
  if (controlPlaneProxy !== undefined) config.controlPlane.proxy = controlPlaneProxy;
  else {
    const fromEnv = standardProxy(opts.env, config.controlPlane.baseUrl);
    if (fromEnv) config.controlPlane.envProxy = fromEnv;
  }
  if (cp.organizationId !== undefined && cp.organizationId.trim() !== '') config.controlPlane.organizationId = cp.organizationId.trim();
  config.harpoon = await harpoonConfig(profile.harpoon, (ref) => proxy(ref, ['harpoon', 'httpProxy']), opts.homedir);
  if (profile.health.listenAddr !== '') {
    config.health = { listenAddr: profile.health.listenAddr, setting: name(['health', 'listenAddr']) };
    if (profile.health.urlFile !== undefined) config.health.urlFile = expandHome(profile.health.urlFile, opts.homedir);
  }
  return config;
}

/** The engine's Harpoon settings: Harpoon is always there, and served once it has a target. */
async function harpoonConfig(h: TunnelProfile['harpoon'], proxy: (ref: string | undefined) => Promise<string | undefined>, homedir?: string): Promise<HarpoonConfig> {
  const config: HarpoonConfig = {
    targets: h.targets.map((t) => ({
      label: t.label,
      url: t.url,
      ...(t.unixSocket !== undefined ? { unixSocket: expandHome(t.unixSocket, homedir) } : {}),
      ...(t.description ? { description: t.description } : {}),
    })),
    allowPlaintextHttp: h.allowPlaintextHttp,
    maxResponseBytes: h.maxResponseBytes,
    maxRedirects: h.maxRedirects,
    capturePayloads: h.capturePayloads,
    hostsIncludeSuffix: [...h.hostsIncludeSuffix],
    hostsIncludeRegex: [...h.hostsIncludeRegex],
    hostsIncludeLoopback: h.hostsIncludeLoopback,
    hostsIncludePrivate: h.hostsIncludePrivate,
  };
  const httpProxy = await proxy(h.httpProxy);
  if (httpProxy !== undefined) config.httpProxy = httpProxy;
  return config;
}

/**
 * The standard proxy variables, for a hop with no proxy configured, as the
 * reference daemon (Go's ProxyFromEnvironment) reads them: upper case first,
 * and never for a loopback host. Undefined when neither proxy is set.
 */
export function standardProxy(env: Env, url: string): EnvProxy | undefined {
  const get = (name: string) => env[name.toUpperCase()] || env[name.toLowerCase()] || '';
  const proxy = { httpProxy: get('http_proxy'), httpsProxy: get('https_proxy'), noProxy: get('no_proxy') };
  if (!proxy.httpProxy && !proxy.httpsProxy) return undefined;
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  return isLoopbackHost(host) ? undefined : proxy;
}

/** Per-server headers replace MCP-wide ones of the same name, whatever its case. */
function mergeHeaders(shared: Record<string, string>, own: Record<string, string>): Record<string, string> {
  const ownNames = new Set(Object.keys(own).map((h) => h.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [header, value] of Object.entries(shared)) if (!ownNames.has(header.toLowerCase())) out[header] = value;
  return { ...out, ...own };
}

function describeRef(ref: string): string {
  return isSecretReference(ref) ? `the value of ${ref}` : 'the configured value';
}
