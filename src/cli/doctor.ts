/**
 * `mcp-tunnel doctor`: checks a profile before it runs and says what to do
 * about each problem. Checks still run on a profile that does not validate,
 * so one pass shows every problem. The API key is read to check it but never
 * printed or returned, not even in part.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { DEFAULTS } from '../engine/config';
import { splitCommand } from '../engine/mcp/argv';
import { TUNNEL_ID_PATTERN } from '../protocol/wire';
import { ConfigError, formatPath, fromZod, type ConfigSource } from '../profiles/errors';
import { mergeProfileSources, type LoadProfileOptions } from '../profiles/load';
import { apiKeyProblem, profileApiKeySecret, readPemFile, SET_API_KEY_HINT, type PemKind } from '../profiles/resolve';
import { isSecretReference, parseListenAddr, TunnelProfileSchema } from '../profiles/schema';
import { listenProblem } from '../engine/net';
import { describeSecretReference, resolveSecret, type Env, type SecretStore } from '../profiles/secrets';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** Why the check matters (shown with --explain). */
  why?: string;
  /** What to do about it. */
  fix?: string;
}

export interface DoctorReport {
  profile?: string;
  file?: string;
  checks: DoctorCheck[];
  counts: Record<CheckStatus, number>;
  /** 0 when nothing failed, 2 when any check failed (warnings do not fail). */
  exitCode: 0 | 2;
}

export interface DoctorOptions extends LoadProfileOptions {
  secretStore?: SecretStore;
  /** A profile object (e.g. from settings.json) to check instead of flags, env and a YAML file. */
  profile?: unknown;
  /** Deadline of each network probe; default 3000 ms. */
  timeoutMs?: number;
}

export const DOCTOR_FAILED_EXIT_CODE = 2;

type Path = readonly PropertyKey[];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function at(root: unknown, p: Path): unknown {
  let node = root;
  for (const segment of p) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isPlainObject(node) && typeof segment === 'string') node = node[segment];
    else return undefined;
  }
  return node;
}

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}

/** One problem reads "field: problem" (its fix goes on the fix line); several carry their own fixes. */
function problemLines(error: ConfigError): string {
  if (error.all.length === 1) return `${error.field}: ${error.problem}`;
  return error.all.map((e) => `${e.field}: ${e.problem}. ${e.fix}`).join('\n');
}

/** A URL as it may be shown: no credentials, query or fragment. */
function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export async function findExecutable(
  command: string,
  opts: { pathEnv?: string; pathExt?: string; cwd?: string; platform?: NodeJS.Platform } = {},
): Promise<string | undefined> {
  const platform = opts.platform ?? process.platform;
  const isExecutable = async (file: string): Promise<boolean> => {
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile()) return false;
      await fs.access(file, platform === 'win32' ? fsConstants.F_OK : fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const extensions = platform === 'win32' ? ['', ...(opts.pathExt ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)] : [''];
  if (command.includes('/') || (platform === 'win32' && command.includes('\\'))) {
    const file = path.resolve(opts.cwd ?? process.cwd(), command);
    for (const ext of extensions) if (await isExecutable(file + ext)) return file + ext;
    return undefined;
  }
  for (const dir of (opts.pathEnv ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    for (const ext of extensions) {
      const file = path.join(dir, command + ext);
      if (await isExecutable(file)) return file;
    }
  }
  return undefined;
}

/** TCP connect with a deadline; an answer of any kind means reachable. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<{ ok: true } | { ok: false; code: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: { ok: true } | { ok: false; code: string }) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, code: 'ETIMEDOUT' }));
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (err) => done({ ok: false, code: errorCode(err) }));
  });
}

function bindProbe(host: string | undefined, port: number): Promise<{ ok: true } | { ok: false; code: string }> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err) => resolve({ ok: false, code: errorCode(err) }));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve({ ok: true })));
  });
}

function tunnelIdProblem(id: string): string {
  if (/^sk-/.test(id)) return 'looks like an API key, not a tunnel id';
  if (!id.startsWith('tunnel_')) return 'does not start with tunnel_';
  const rest = id.slice('tunnel_'.length);
  if (rest.length !== 32) return `has ${rest.length} characters after tunnel_, not 32`;
  if (/[A-Z]/.test(rest)) return 'contains uppercase letters';
  return 'contains characters other than a-z and 0-9';
}

export async function runDoctor(opts: DoctorOptions = {}): Promise<DoctorReport> {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? 3000;
  const checks: DoctorCheck[] = [];
  const add = (check: DoctorCheck) => checks.push(check);
  const report = (profile?: string, file?: string): DoctorReport => {
    const counts = { ok: 0, warn: 0, fail: 0 };
    for (const check of checks) counts[check.status]++;
    return { profile, file, checks, counts, exitCode: counts.fail > 0 ? DOCTOR_FAILED_EXIT_CODE : 0 };
  };

  // 1. Configuration: read every source, then validate.
  let raw: Record<string, unknown>;
  let describeField: (p: Path) => string = formatPath;
  let howToSet: (p: Path) => string = () => 'Add it to the profile';
  let configSource: ConfigSource = { kind: 'settings', schema: TunnelProfileSchema };
  let warnings: string[] = [];
  let literalKeyMessage: string | undefined;
  let file: string | undefined;
  if (opts.profile !== undefined) {
    raw = isPlainObject(opts.profile) ? opts.profile : {};
  } else {
    try {
      const merged = await mergeProfileSources({ ...opts, env });
      raw = merged.raw;
      describeField = merged.describeField;
      howToSet = merged.howToSet;
      configSource = merged.configSource;
      warnings = merged.warnings;
      literalKeyMessage = merged.literalApiKey?.message;
      file = merged.file;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      add({
        id: 'config',
        title: 'Configuration is valid',
        status: 'fail',
        detail: problemLines(err) + (err.source ? `\n(in ${err.source})` : ''),
        why: 'The tunnel reads this configuration at start and refuses to run with an invalid one.',
        fix: err.all.length > 1 ? 'Fix each problem listed above' : err.fix,
      });
      return report(opts.profileName, opts.profileFile);
    }
  }
  const profileName = typeof raw.name === 'string' ? raw.name : opts.profileName;
  const parsed = TunnelProfileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const err = fromZod(parsed.error, configSource);
    add({
      id: 'config',
      title: 'Configuration is valid',
      status: 'fail',
      detail: problemLines(err),
      why: 'The tunnel reads this configuration at start and refuses to run with an invalid one.',
      fix: err.all.length > 1 ? 'Fix each problem listed above' : err.fix,
    });
  } else if (warnings.length > 0) {
    add({
      id: 'config',
      title: 'Configuration is valid',
      status: 'warn',
      detail: warnings.join('\n'),
      why: 'The configuration is accepted, but parts of it probably do not do what was meant.',
      fix: 'Follow the advice above each warning',
    });
  } else {
    add({ id: 'config', title: 'Configuration is valid', status: 'ok', detail: file ? `Profile "${profileName}" from ${file}` : `Profile "${profileName}"` });
  }

  // 2. Tunnel id.
  const tunnelId = at(raw, ['controlPlane', 'tunnelId']);
  const tunnelField = describeField(['controlPlane', 'tunnelId']);
  const tunnelWhy = 'The control plane routes work by tunnel id; a wrong id fails every poll with 404.';
  if (tunnelId === undefined) {
    add({ id: 'tunnel-id', title: 'Tunnel id', status: 'fail', detail: 'No tunnel id is configured', why: tunnelWhy, fix: howToSet(['controlPlane', 'tunnelId']) });
  } else if (typeof tunnelId !== 'string' || !TUNNEL_ID_PATTERN.test(tunnelId)) {
    add({
      id: 'tunnel-id',
      title: 'Tunnel id',
      status: 'fail',
      detail: `${tunnelField} ${typeof tunnelId === 'string' ? tunnelIdProblem(tunnelId) : 'is not text'}`,
      why: tunnelWhy,
      fix: 'Copy the tunnel id from the Platform tunnel settings: tunnel_ followed by 32 lowercase letters or digits',
    });
  } else {
    add({ id: 'tunnel-id', title: 'Tunnel id', status: 'ok', detail: tunnelId });
  }

  // 3. API key: configured, readable, and a runtime key.
  const apiKeyRef = at(raw, ['controlPlane', 'apiKey']);
  const keyField = describeField(['controlPlane', 'apiKey']);
  const keyWhy = 'Every control-plane request carries the runtime API key as its bearer token.';
  const keyFix = `Export CONTROL_PLANE_API_KEY, set ${keyField}: env:NAME or file:/path, or ${SET_API_KEY_HINT}`;
  let apiKey: string | undefined;
  if (apiKeyRef === undefined && opts.secretStore && typeof profileName === 'string') {
    // The editor's way: a profile without apiKey uses the key stored for it, as the tunnel does.
    const stored = await opts.secretStore.get(profileApiKeySecret(profileName));
    if (stored === undefined || stored === '') {
      add({ id: 'api-key', title: 'API key', status: 'fail', detail: `No API key is stored for the profile "${profileName}"`, why: keyWhy, fix: "Run 'MCP Tunnel: Set API Key' for this profile, or set apiKey to env:NAME or file:/path" });
    } else {
      apiKey = stored;
      add({ id: 'api-key', title: 'API key', status: 'ok', detail: `The key stored for the profile "${profileName}" in the editor's secret storage` });
    }
  } else if (apiKeyRef === undefined) {
    add({ id: 'api-key', title: 'API key', status: 'fail', detail: 'No API key is configured', why: keyWhy, fix: keyFix });
  } else if (typeof apiKeyRef !== 'string' || apiKeyRef === '') {
    add({ id: 'api-key', title: 'API key', status: 'fail', detail: `${keyField} is not a reference such as env:NAME`, why: keyWhy, fix: keyFix });
  } else {
    const keyWarnings: string[] = [];
    try {
      apiKey = await resolveSecret(apiKeyRef, { ...opts, env, field: keyField, hint: SET_API_KEY_HINT, warnings: keyWarnings });
      if (!isSecretReference(apiKeyRef)) {
        add({
          id: 'api-key',
          title: 'API key',
          status: 'warn',
          detail: literalKeyMessage ?? `${keyField} holds the key itself`,
          why: 'Anyone who can read the configuration, its backups or a screen share of it can use the key.',
          fix: 'Move the key to an environment variable or a private file, and write api_key: env:CONTROL_PLANE_API_KEY or api_key: file:/path',
        });
      } else if (keyWarnings.length > 0) {
        add({
          id: 'api-key',
          title: 'API key',
          status: 'warn',
          detail: keyWarnings.join('\n'),
          why: 'Other users of this machine can read the key file and use the key.',
          fix: 'Make the file readable by its owner only (chmod 600)',
        });
      } else {
        add({ id: 'api-key', title: 'API key', status: 'ok', detail: `Read from ${describeSecretReference(apiKeyRef)}` });
      }
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      add({ id: 'api-key', title: 'API key', status: 'fail', detail: `${err.field}: ${err.problem}`, why: keyWhy, fix: err.fix });
    }
  }
  if (apiKey !== undefined) {
    const problem = apiKeyProblem(apiKey);
    if (problem) {
      const admin = problem.problem.includes('admin');
      add({
        id: 'api-key-kind',
        title: 'API key is a runtime key',
        status: 'fail',
        detail: `The key from ${typeof apiKeyRef === 'string' ? describeSecretReference(apiKeyRef) : 'the editor\'s secret storage'} ${problem.problem}`,
        why: admin
          ? 'Admin keys manage the whole organization. The tunnel runs unattended next to your private servers, so it must only hold a runtime key limited to Tunnels Read + Use.'
          : 'The key is sent as a bearer token; stray whitespace makes every request fail with 401.',
        fix: problem.fix,
      });
    } else {
      add({ id: 'api-key-kind', title: 'API key is a runtime key', status: 'ok', detail: 'Not an admin key' });
    }
  }

  // 4. MCP servers.
  const servers = at(raw, ['mcp', 'servers']);
  const proxyRef = at(raw, ['mcp', 'proxy']);
  const seenIds = new Set<string>();
  if (Array.isArray(servers)) {
    for (const [index, server] of servers.entries()) {
      if (!isPlainObject(server)) continue;
      const channel = typeof server.channel === 'string' ? server.channel : 'main';
      let id = `mcp:${channel}`;
      if (seenIds.has(id)) id = `${id}#${index}`;
      seenIds.add(id);
      const p: Path = ['mcp', 'servers', index];
      if (typeof server.command === 'string') {
        add(await checkCommand(id, channel, server.command, typeof server.cwd === 'string' ? server.cwd : undefined, describeField([...p, 'command']), env));
      } else if (typeof server.url === 'string') {
        add(await checkUrl(id, channel, server.url, typeof proxyRef === 'string' ? proxyRef : undefined, describeField([...p, 'url']), env, timeoutMs));
      }
    }
  }

  // 5. Health address.
  const listenAddr = at(raw, ['health', 'listenAddr']) ?? DEFAULTS.healthListenAddr;
  if (typeof listenAddr === 'string') add(await checkHealth(listenAddr, describeField(['health', 'listenAddr'])));
  const urlFile = at(raw, ['health', 'urlFile']);
  if (typeof urlFile === 'string' && urlFile !== '') {
    const dir = path.dirname(path.resolve(urlFile));
    try {
      await fs.access(dir, fsConstants.W_OK);
      add({ id: 'health-url-file', title: 'Health URL file can be written', status: 'ok', detail: path.resolve(urlFile) });
    } catch (err) {
      add({
        id: 'health-url-file',
        title: 'Health URL file can be written',
        status: 'fail',
        detail: `${describeField(['health', 'urlFile'])}: the directory ${dir} ${errorCode(err) === 'ENOENT' ? 'does not exist' : 'is not writable'}`,
        why: 'The bound health address is written there at start; scripts that wait for it would wait forever.',
        fix: `Create ${dir} or point the URL file at a writable directory`,
      });
    }
  }

  // 6. Certificate, key and CA files.
  const files: Array<{ p: Path; kind: PemKind; pair?: Path }> = [
    { p: ['controlPlane', 'clientCert'], kind: 'certificate' },
    { p: ['controlPlane', 'clientKey'], kind: 'key', pair: ['controlPlane', 'clientCert'] },
    { p: ['caBundle'], kind: 'CA bundle' },
    { p: ['mcp', 'caBundle'], kind: 'CA bundle' },
  ];
  if (Array.isArray(servers)) {
    servers.forEach((_server, i) => {
      files.push({ p: ['mcp', 'servers', i, 'clientCert'], kind: 'certificate' });
      files.push({ p: ['mcp', 'servers', i, 'clientKey'], kind: 'key', pair: ['mcp', 'servers', i, 'clientCert'] });
    });
  }
  const pems = new Map<string, string>();
  for (const entry of files) {
    const value = at(raw, entry.p);
    if (typeof value !== 'string' || value === '') continue;
    const field = describeField(entry.p);
    const id = `file:${formatPath(entry.p)}`;
    const title = `${field} is readable`;
    const fileWarnings: string[] = [];
    try {
      const pem = await readPemFile(value, { ...opts, field, kind: entry.kind, warnings: fileWarnings });
      pems.set(formatPath(entry.p), pem);
      const certPem = entry.pair ? pems.get(formatPath(entry.pair)) : undefined;
      const mismatch = certPem !== undefined ? keyMismatch(certPem, pem) : undefined;
      if (mismatch) {
        add({ id, title, status: 'fail', detail: `${field} ${mismatch}`, why: 'The TLS handshake needs the key that belongs to the client certificate.', fix: 'Point it at the private key issued with the certificate (not encrypted)' });
      } else if (fileWarnings.length > 0) {
        add({ id, title, status: 'warn', detail: fileWarnings.join('\n'), why: 'Anyone who can read a private key can impersonate this client.', fix: `Run chmod 600 on the key file` });
      } else {
        add({ id, title, status: 'ok', detail: `${path.resolve(value)} (PEM ${entry.kind})` });
      }
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      add({ id, title, status: 'fail', detail: `${field}: ${err.problem}`, why: 'TLS files are read at start; the tunnel cannot start without them.', fix: err.fix });
    }
  }

  return report(profileName, file);
}

function keyMismatch(certPem: string, keyPem: string): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return undefined; // the certificate's own check reports it
  }
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem)) ? undefined : 'does not match the client certificate';
  } catch {
    return 'cannot be loaded (encrypted, or not a private key)';
  }
}

async function checkCommand(id: string, channel: string, command: string, cwd: string | undefined, field: string, env: Env): Promise<DoctorCheck> {
  const title = `MCP command for channel "${channel}" can be started`;
  let argv: string[];
  try {
    argv = splitCommand(command);
  } catch (err) {
    return { id, title, status: 'fail', detail: `${field}: ${(err as Error).message}`, fix: 'Fix the quoting of the command' };
  }
  const program = argv[0];
  const found = await findExecutable(program, { pathEnv: env.PATH ?? env.Path, pathExt: env.PATHEXT, cwd });
  if (found) return { id, title, status: 'ok', detail: `${program} → ${found}` };
  const isPath = program.includes('/') || program.includes('\\');
  return {
    id,
    title,
    status: 'fail',
    detail: isPath ? `${program} does not exist or is not executable` : `${program} was not found on PATH`,
    why: 'The tunnel starts the MCP server as a child process without a shell, so the program must be on PATH or given by its full path.',
    fix: isPath ? `Check the path in ${field} and make the file executable` : `Install ${program}, add its directory to PATH, or write its full path in ${field}`,
  };
}

async function checkUrl(
  id: string,
  channel: string,
  value: string,
  proxyRef: string | undefined,
  field: string,
  env: Env,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const title = `MCP server for channel "${channel}" is reachable`;
  const why = 'Every MCP request from the hosted agent is forwarded from this machine to this URL.';
  let url: URL;
  try {
    url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    return { id, title, status: 'fail', detail: `${field} is not an http:// or https:// URL`, why, fix: 'Write the full Streamable HTTP endpoint, e.g. https://mcp.internal/mcp' };
  }
  let target = url;
  let via = '';
  if (proxyRef !== undefined) {
    const proxyValue = proxyRef.startsWith('env:') ? env[proxyRef.slice(4)] : isSecretReference(proxyRef) ? undefined : proxyRef;
    try {
      if (proxyValue) {
        target = new URL(proxyValue);
        via = ` through the proxy ${target.host}`;
      }
    } catch {
      // the configuration check reports a malformed proxy
    }
  }
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const result = await probeTcp(host, port, timeoutMs);
  if (result.ok) return { id, title, status: 'ok', detail: `${displayUrl(url)} accepts connections${via}` };
  const reason =
    result.code === 'ENOTFOUND' || result.code === 'EAI_AGAIN'
      ? `cannot resolve ${host}`
      : result.code === 'ECONNREFUSED'
        ? `nothing is listening on ${target.host}`
        : result.code === 'ETIMEDOUT'
          ? `no answer from ${target.host} within ${timeoutMs} ms`
          : `cannot connect to ${target.host} (${result.code})`;
  return {
    id,
    title,
    status: 'fail',
    detail: `${displayUrl(url)}: ${reason}${via}`,
    why,
    fix: 'Start the MCP server, check the URL, and check DNS and firewalls between this machine and the server',
  };
}

async function checkHealth(listenAddr: string, field: string): Promise<DoctorCheck> {
  const id = 'health';
  const title = 'Health address can be bound';
  const why = 'The health server (/healthz, /readyz, /metrics) starts with the tunnel; if its address cannot be bound, the tunnel does not start.';
  if (listenAddr === '') return { id, title, status: 'ok', detail: 'The health server is turned off' };
  const parsed = parseListenAddr(listenAddr);
  const result = parsed ? await bindProbe(parsed.host, parsed.port) : ({ ok: false, code: 'EINVAL' } as const);
  if (result.ok) return { id, title, status: 'ok', detail: `${listenAddr} is free` };
  return { id, title, status: 'fail', why, ...listenProblem(result.code, listenAddr, field) };
}

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

/** Human text (or JSON with `json`). `explain` adds why each failure or warning matters. */
export function formatDoctor(report: DoctorReport, opts: { explain?: boolean; json?: boolean } = {}): string {
  if (opts.json) return JSON.stringify(report, null, 2);
  const lines: string[] = [];
  const subject = report.profile ? `profile "${report.profile}"${report.file ? ` (${report.file})` : ''}` : 'configuration';
  lines.push(`mcp-tunnel doctor: ${subject}`, '');
  const indent = (text: string) => text.split('\n').map((l) => `        ${l}`);
  for (const check of report.checks) {
    lines.push(`  ${MARK[check.status]}  ${check.title}`);
    lines.push(...indent(check.detail));
    if (check.status !== 'ok') {
      if (opts.explain && check.why) lines.push(...indent(`why: ${check.why}`));
      if (check.fix) lines.push(...indent(`fix: ${check.fix}`));
    }
  }
  const { fail, warn } = report.counts;
  lines.push('');
  if (fail === 0 && warn === 0) lines.push('All checks passed.');
  else {
    const parts = [fail > 0 ? `${fail} failed` : '', warn > 0 ? `${warn} warning${warn === 1 ? '' : 's'}` : ''].filter(Boolean);
    lines.push(`${parts.join(', ')}.${opts.explain || fail + warn === 0 ? '' : ' Run with --explain to see why each one matters.'}`);
  }
  return lines.join('\n') + '\n';
}
