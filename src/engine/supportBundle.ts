/**
 * The diagnostics bundle: one zip a user attaches to a report, built the same
 * way by the daemon (`/api/logs/export`) and the editor (Export Diagnostics…).
 * It holds the recent logs as NDJSON, the `/metrics` text, status and system
 * JSON and a snapshot of the effective configuration (argv, relevant
 * environment, profile), every file redacted: secret fields, bearer tokens,
 * cookies, shard tokens, URL credentials, query secrets and any value the
 * caller names as secret.
 */
import * as os from 'node:os';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { CLIENT_VERSION } from '../version';
import { isSecretKey, REDACTED, redactText, redactValue } from './redact';

export const DEFAULT_EXPORT_MINUTES = 30;
export const MAX_EXPORT_MINUTES = 1440;

/** A log record as the engine and the editor keep them: an ISO `time` plus anything else. */
export interface BundleLogRecord {
  readonly time: string;
}

export interface SupportBundleInput {
  /** Which host built the bundle; recorded in the manifest. */
  host: 'daemon' | 'editor';
  /** Only log records of the last `minutes` minutes are kept. */
  minutes: number;
  logs: readonly BundleLogRecord[];
  /** Prometheus text of `/metrics`; the file is left out when absent. */
  metricsText?: string;
  /** Tunnel status, as the host reports it. */
  status: unknown;
  /** The effective configuration: argv, the process environment (filtered here), profile(s), settings. */
  config: { argv: readonly string[]; env: Readonly<Record<string, string | undefined>>; profile?: unknown; settings?: unknown; profileYaml?: string };
  /** Values that must not appear anywhere in the bundle (API keys, header tokens). */
  secrets?: readonly string[];
  /** Extra host facts for system.json (editor version…). */
  system?: Record<string, unknown>;
  now?: Date;
}

export interface SupportBundle {
  fileName: string;
  bytes: Uint8Array;
  files: string[];
}

export class ExportWindowError extends Error {}

/**
 * The `minutes` query value of an export request: absent → 30, otherwise a
 * whole number from 1 to 1440, or an ExportWindowError saying what to send.
 */
export function parseExportMinutes(raw: string | null | undefined): number {
  if (raw === null || raw === undefined || raw === '') return DEFAULT_EXPORT_MINUTES;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_EXPORT_MINUTES) {
    throw new ExportWindowError(`minutes must be a whole number from 1 to ${MAX_EXPORT_MINUTES} (got ${JSON.stringify(raw.slice(0, 40))}); for example ?minutes=30`);
  }
  return n;
}

const RELEVANT_ENV = new Set(['ALLOW_REMOTE_UI', 'CA_BUNDLE', 'HEALTH_LISTEN_ADDR', 'HEALTH_URL_FILE', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'OPENAI_API_KEY', 'OPEN_WEB_UI', 'PID_FILE', 'NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS']);
const RELEVANT_ENV_PREFIXES = ['MCP_TUNNEL_', 'MCP_', 'TUNNEL_', 'CONTROL_PLANE_', 'LOG_', 'OPENAI_TUNNEL_', 'ADMIN_UI_', 'HARPOON_'];

/** The environment variables that shape the tunnel, secret-named ones replaced. */
export function relevantEnvironment(env: Readonly<Record<string, string | undefined>>, secrets: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const upper = key.toUpperCase();
    if (!RELEVANT_ENV.has(upper) && !RELEVANT_ENV_PREFIXES.some((p) => upper.startsWith(p))) continue;
    out[key] = isSecretKey(key) && value !== '' ? REDACTED : redactText(value, secrets);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** argv with the value of every secret-named flag (`--api-key X`, `--token=X`) and of header flags replaced. */
export function redactArgv(argv: readonly string[], secrets: readonly string[] = []): string[] {
  const out: string[] = [];
  let hideNext = false;
  for (const arg of argv) {
    if (hideNext) {
      out.push(REDACTED);
      hideNext = false;
      continue;
    }
    const flag = /^--?([A-Za-z0-9][A-Za-z0-9_-]*)(=(.*))?$/s.exec(arg);
    if (flag && (isSecretKey(flag[1]) || /^header/i.test(flag[1]))) {
      if (flag[2] !== undefined) out.push(`${arg.slice(0, arg.indexOf('='))}=${REDACTED}`);
      else {
        out.push(arg);
        hideNext = true;
      }
      continue;
    }
    out.push(redactText(arg, secrets));
  }
  return out;
}

export function systemSnapshot(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: CLIENT_VERSION,
    node: process.versions.node,
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpus: os.cpus().length,
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem(), rssBytes: process.memoryUsage().rss },
    uptimeSeconds: Math.round(process.uptime()),
    pid: process.pid,
    ...extra,
  };
}

function json(value: unknown): Uint8Array {
  return strToU8(JSON.stringify(value, null, 2) + '\n');
}

/** Builds the zip. Every file goes through redaction, whatever its source already did. */
export function buildSupportBundle(input: SupportBundleInput): SupportBundle {
  const now = input.now ?? new Date();
  const secrets = (input.secrets ?? []).filter((s) => s && s.length >= 4);
  const since = now.getTime() - input.minutes * 60_000;
  const logs = input.logs.filter((r) => {
    const t = Date.parse(r.time);
    return Number.isNaN(t) || t >= since;
  });
  const ndjson = logs.map((r) => JSON.stringify(redactValue(r, secrets))).join('\n');
  const config = {
    argv: redactArgv(input.config.argv, secrets),
    environment: relevantEnvironment(input.config.env, secrets),
    profile: redactValue(input.config.profile ?? null, secrets),
    ...(input.config.settings !== undefined ? { settings: redactValue(input.config.settings, secrets) } : {}),
  };
  const files: Zippable = {
    'logs.ndjson': strToU8(ndjson ? ndjson + '\n' : ''),
    'status.json': json(redactValue(input.status, secrets)),
    'system.json': json(redactValue(systemSnapshot(input.system), secrets)),
    'config.json': json(config),
  };
  if (input.metricsText !== undefined) files['metrics.prom'] = strToU8(redactText(input.metricsText, secrets));
  // The profile file as loaded, its secret values already hidden by the caller; redacted again here like every file.
  if (input.config.profileYaml !== undefined) files['profile.yaml'] = strToU8(redactText(input.config.profileYaml, secrets));
  const names = ['manifest.json', ...Object.keys(files)];
  const manifest = {
    generatedAt: now.toISOString(),
    host: input.host,
    windowMinutes: input.minutes,
    windowStart: new Date(since).toISOString(),
    logRecords: logs.length,
    logRecordsHeld: input.logs.length,
    redacted: true,
    files: names,
  };
  const bytes = zipSync({ 'manifest.json': json(manifest), ...files });
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '');
  return { fileName: `mcp-tunnel-diagnostics-${stamp}Z.zip`, bytes, files: names };
}
