/**
 * Harpoon's resolved settings, as the engine receives them, and the text
 * forms operators write targets in (`--harpoon.target`, `HARPOON_TARGETS`).
 */

export const HARPOON_CHANNEL = 'harpoon';
/** Largest response body a call may read, and the default (the ceiling for per-call overrides). */
export const HARPOON_MAX_RESPONSE_BYTES = 100 * 1024;
/** Most redirects a call may follow, and the default. */
export const HARPOON_MAX_REDIRECTS = 5;
export const HARPOON_LABEL_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const HARPOON_DEFAULT_TIMEOUT_MS = 30_000;
export const HARPOON_MIN_TIMEOUT_MS = 100;
export const HARPOON_MAX_TIMEOUT_MS = 120_000;

export interface HarpoonTargetConfig {
  label: string;
  url: string;
  /** Reach the target's HTTP server over this Unix socket instead of TCP. */
  unixSocket?: string;
  description?: string;
}

export interface HarpoonConfig {
  targets: HarpoonTargetConfig[];
  allowPlaintextHttp: boolean;
  maxResponseBytes: number;
  maxRedirects: number;
  /** Proxy for Harpoon's outbound calls (already resolved to a URL). */
  httpProxy?: string;
  /** Keep request and response bodies (redacted) in the call history. */
  capturePayloads: boolean;
  hostsIncludeSuffix: string[];
  hostsIncludeRegex: string[];
  hostsIncludeLoopback: boolean;
  hostsIncludePrivate: boolean;
}

export function defaultHarpoonConfig(): HarpoonConfig {
  return {
    targets: [],
    allowPlaintextHttp: false,
    maxResponseBytes: HARPOON_MAX_RESPONSE_BYTES,
    maxRedirects: HARPOON_MAX_REDIRECTS,
    capturePayloads: false,
    hostsIncludeSuffix: [],
    hostsIncludeRegex: [],
    hostsIncludeLoopback: true,
    hostsIncludePrivate: true,
  };
}

/** `a;b` or one entry per line, blanks dropped: the list form of the HARPOON_* variables. */
export function splitHarpoonList(raw: string): string[] {
  return raw
    .split(/[;\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * One target written as `label=auth,url=https://auth.example.com,desc=Auth
 * server[,unix-socket=/path]`. Throws an Error whose message says what to fix.
 */
export function parseHarpoonTargetSpec(raw: string): HarpoonTargetConfig {
  const values = new Map<string, string>();
  for (const part of raw.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq < 0) throw new Error(`harpoon target "${raw}" is not key=value pairs: write label=NAME,url=URL[,desc=TEXT][,unix-socket=PATH]`);
    const key = trimmed.slice(0, eq).trim().toLowerCase();
    if (key === '') throw new Error(`harpoon target "${raw}" has an empty key`);
    values.set(key, trimmed.slice(eq + 1).trim().replace(/^["']|["']$/g, ''));
  }
  const label = values.get('label') ?? '';
  const url = values.get('url') ?? '';
  if (label === '' || url === '') throw new Error(`harpoon target "${raw}" needs both label= and url=`);
  const target: HarpoonTargetConfig = { label, url };
  const desc = values.get('desc') ?? values.get('description');
  if (desc) target.description = desc;
  const socket = values.get('unix-socket') ?? values.get('unix_socket');
  if (socket) target.unixSocket = socket;
  return target;
}

/** What is wrong with a target, or undefined (label pattern, absolute http(s) URL, https unless plaintext is allowed). */
export function harpoonTargetProblem(target: HarpoonTargetConfig, allowPlaintextHttp: boolean): string | undefined {
  if (!HARPOON_LABEL_PATTERN.test(target.label)) return `label "${target.label.slice(0, 70)}" must be 1 to 64 lowercase letters, digits, "_" or "-", starting with a letter or digit`;
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return `url "${target.url.slice(0, 200)}" is not an absolute URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'url must be http:// or https://';
  if (url.protocol === 'http:' && !allowPlaintextHttp) return 'url uses plaintext http://, which needs allow_plaintext_http: true';
  if (url.username !== '' || url.password !== '') return 'url must not carry user info';
  if (url.hash !== '') return 'url must not have a fragment';
  if (target.url.includes('\\') || /%(2e|2f|5c|25)/i.test(url.pathname) || /(^|\/)\.\.?(\/|$)/.test(target.url.replace(/^[a-z]+:\/\/[^/]*/i, ''))) return 'url has dot segments or encoded separators in its path';
  return undefined;
}
