/**
 * `mcp-tunnel health`: asks a running tunnel's /healthz and /readyz (and,
 * with --require-control-plane-poll, its /metrics) and exits 0 only when it
 * is live and ready, 2 otherwise. For a container HEALTHCHECK, a systemd
 * ExecStartPost or a script. The report, its JSON field names and the exit
 * codes are those of the reference daemon's `health` command, so a check
 * written for one works with the other, against either daemon.
 */
import { readFile } from 'node:fs/promises';
import type { CliValues } from './options';
import { UsageError } from './output';

/** The metric each daemon updates on every successful poll: the reference's, then ours. */
export const LAST_POLL_METRICS = ['commands_poll_last_successful_timestamp_seconds', 'mcp_tunnel_last_successful_poll_timestamp_seconds'] as const;
const PROBE_TIMEOUT_MS = 2000;
const BODY_LIMIT = 4096;
/** Exit code when the tunnel is not live or not ready (as the reference's `health`). */
export const HEALTH_FAILED_EXIT_CODE = 2;

export interface HealthLocator {
  kind: 'url' | 'url_file' | 'port';
  url?: string;
  url_file?: string;
  port?: number;
  resolved_base_url?: string;
  error?: string;
}

export interface EndpointProbe {
  url?: string;
  ok: boolean;
  status?: number;
  body?: string;
  error?: string;
}

export interface MetricProbe {
  url?: string;
  value?: number;
  ok: boolean;
  error?: string;
}

export interface ProcessProbe {
  pid?: number;
  pid_file?: string;
  running: boolean;
  error?: string;
}

export interface HealthReport {
  locator: HealthLocator;
  process?: ProcessProbe;
  base_url?: string;
  healthz: EndpointProbe;
  readyz: EndpointProbe;
  control_plane_poll?: MetricProbe;
  result: 'ok' | 'fail';
}

export interface HealthOptions {
  url?: string;
  urlFile?: string;
  port?: number;
  pid?: number;
  pidFile?: string;
  requireControlPlanePoll?: boolean;
}

/** A base URL from a health URL or a /healthz or /readyz endpoint URL. */
export function normalizeBaseUrl(raw: string): string {
  return raw.trim().replace(/\/(healthz|readyz)$/, '').replace(/\/+$/, '');
}

function positiveInteger(value: string | undefined, flag: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > max) throw new UsageError(`${flag} takes a whole number from 1 to ${max}, not "${value.slice(0, 40)}"`);
  return n;
}

export function healthOptionsFrom(values: CliValues): HealthOptions {
  const opts: HealthOptions = {
    url: values.url?.trim() || undefined,
    urlFile: values['url-file']?.trim() || undefined,
    port: positiveInteger(values.port, '--port', 65535),
    pid: positiveInteger(values.pid, '--pid'),
    pidFile: values['pid-file']?.trim() || undefined,
    requireControlPlanePoll: values['require-control-plane-poll'] ?? false,
  };
  const locators = [opts.url, opts.urlFile, opts.port].filter((v) => v !== undefined).length;
  if (locators !== 1) {
    throw new UsageError('health needs exactly one of --url URL, --url-file FILE or --port N (the health server of the tunnel to ask, e.g. --port 8080)');
  }
  if (opts.pid !== undefined && opts.pidFile !== undefined) throw new UsageError('give at most one of --pid and --pid-file');
  return opts;
}

async function locate(opts: HealthOptions): Promise<HealthLocator> {
  if (opts.url !== undefined) {
    const base = normalizeBaseUrl(opts.url);
    return { kind: 'url', url: opts.url, resolved_base_url: base || undefined, error: base ? undefined : 'the URL is empty' };
  }
  if (opts.urlFile !== undefined) {
    const locator: HealthLocator = { kind: 'url_file', url_file: opts.urlFile };
    try {
      const base = normalizeBaseUrl(await readFile(opts.urlFile, 'utf8'));
      if (base) locator.resolved_base_url = base;
      else locator.error = `${opts.urlFile} holds no health URL (the tunnel writes it there once its health server listens)`;
    } catch (err) {
      locator.error = `cannot read ${opts.urlFile}: ${(err as Error).message}`;
    }
    return locator;
  }
  return { kind: 'port', port: opts.port, resolved_base_url: `http://127.0.0.1:${opts.port}` };
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: 'manual' });
  const body = (await res.text()).slice(0, BODY_LIMIT).trim();
  return { status: res.status, body };
}

function errorText(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${PROBE_TIMEOUT_MS} ms`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

async function probeEndpoint(base: string, path: string): Promise<EndpointProbe> {
  const url = base + path;
  try {
    const { status, body } = await get(url);
    return { url, ok: status >= 200 && status < 300, status, body: body || undefined };
  } catch (err) {
    return { url, ok: false, error: errorText(err) };
  }
}

/** The value of the first sample of a metric in Prometheus text, if any. */
export function metricValue(text: string, name: string): number | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line !== name && !line.startsWith(`${name} `) && !line.startsWith(`${name}{`)) continue;
    const fields = line.split(/\s+/);
    const value = Number(fields[fields.length - 1]);
    if (fields.length >= 2 && Number.isFinite(value)) return value;
  }
  return undefined;
}

async function probeControlPlanePoll(base: string): Promise<MetricProbe> {
  const url = `${base}/metrics`;
  try {
    const { status, body } = await get(url);
    if (status !== 200) return { url, ok: false, error: `HTTP ${status}` };
    const value = LAST_POLL_METRICS.map((name) => metricValue(body, name)).find((v) => v !== undefined);
    if (value === undefined) return { url, ok: false, error: `no ${LAST_POLL_METRICS.join(' or ')} metric` };
    return value > 0 ? { url, ok: true, value } : { url, ok: false, value, error: 'no successful control-plane poll yet' };
  } catch (err) {
    return { url, ok: false, error: errorText(err) };
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function probeProcess(opts: HealthOptions): Promise<ProcessProbe> {
  if (opts.pidFile === undefined) return { pid: opts.pid, running: isRunning(opts.pid!) };
  const probe: ProcessProbe = { pid_file: opts.pidFile, running: false };
  let text: string;
  try {
    text = (await readFile(opts.pidFile, 'utf8')).trim();
  } catch (err) {
    return { ...probe, error: `cannot read ${opts.pidFile}: ${(err as Error).message}` };
  }
  const pid = Number(text);
  if (!/^\d+$/.test(text) || pid < 1) return { ...probe, error: `${opts.pidFile} does not hold a process id: "${text.slice(0, 40)}"` };
  return { ...probe, pid, running: isRunning(pid) };
}

export async function inspectHealth(opts: HealthOptions): Promise<HealthReport> {
  const locator = await locate(opts);
  const base = locator.error === undefined ? locator.resolved_base_url : undefined;
  const unasked: EndpointProbe = { ok: false };
  const [healthz, readyz, poll] = base
    ? await Promise.all([probeEndpoint(base, '/healthz'), probeEndpoint(base, '/readyz'), opts.requireControlPlanePoll ? probeControlPlanePoll(base) : undefined])
    : [unasked, unasked, undefined];
  const proc = opts.pid !== undefined || opts.pidFile !== undefined ? await probeProcess(opts) : undefined;
  const ok =
    base !== undefined && healthz.ok && readyz.ok && (poll?.ok ?? true) && (proc === undefined || (proc.running && proc.error === undefined));
  return { locator, process: proc, base_url: base, healthz, readyz, control_plane_poll: poll, result: ok ? 'ok' : 'fail' };
}

const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

function endpointLine(label: string, p: EndpointProbe): string {
  const parts = [mark(p.ok), p.url, p.status !== undefined ? `HTTP ${p.status}` : undefined, p.error ?? p.body];
  return `${label}: ${parts.filter((x) => x !== undefined).join(' | ')}`;
}

export function formatHealth(report: HealthReport): string {
  const { locator } = report;
  const where = locator.kind === 'url' ? `url=${locator.url}` : locator.kind === 'url_file' ? `url_file=${locator.url_file}` : `port=${locator.port}`;
  const lines = [`Locator: ${where}`];
  if (locator.error) lines.push(`Locator error: ${locator.error}`);
  if (report.base_url) lines.push(`Base URL: ${report.base_url}`);
  lines.push(endpointLine('Healthz', report.healthz), endpointLine('Readyz', report.readyz));
  const poll = report.control_plane_poll;
  if (poll) {
    const detail = poll.ok ? `last_success_unix_seconds=${Math.round(poll.value!)}` : poll.error;
    lines.push(`Control-plane poll: ${[mark(poll.ok), poll.url, detail].filter(Boolean).join(' | ')}`);
  }
  const proc = report.process;
  if (proc) {
    const parts = [mark(proc.running && !proc.error), proc.pid !== undefined ? `pid=${proc.pid}` : undefined, proc.pid_file ? `pid_file=${proc.pid_file}` : undefined, proc.error];
    lines.push(`Process: ${parts.filter(Boolean).join(' | ')}`);
  }
  lines.push(`Result: ${report.result.toUpperCase()}`);
  return lines.join('\n') + '\n';
}

export async function runHealthCommand(values: CliValues): Promise<number> {
  const report = await inspectHealth(healthOptionsFrom(values));
  process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatHealth(report));
  return report.result === 'ok' ? 0 : HEALTH_FAILED_EXIT_CODE;
}
