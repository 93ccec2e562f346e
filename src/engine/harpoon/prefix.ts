/**
 * Whether a URL stays inside a Harpoon target: same scheme, host and port,
 * and a path at or below the target's path. An agent driving Harpoon may be
 * hostile, so anything a server could read differently from us is refused
 * rather than normalized: dot segments in any spelling, encoded slashes and
 * backslashes, encoded percent signs (double encoding), raw backslashes,
 * user info, fragments and control characters.
 */

export type PrefixVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/** Percent-escapes a server might decode into a separator, a dot or another escape. */
const DANGEROUS_ESCAPE = /%(2e|2f|5c|25|00)/i;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The path part of an absolute or relative reference, as written (before any parser normalizes it). */
function rawPath(reference: string): string {
  let rest = reference.replace(/^[a-z][a-z0-9+.-]*:/i, '');
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    rest = end < 0 ? '' : rest.slice(2 + end);
  }
  const stop = rest.search(/[?#]/);
  return stop < 0 ? rest : rest.slice(0, stop);
}

/** What is wrong with a reference as written, or undefined. */
export function referenceProblem(reference: string): string | undefined {
  if (CONTROL.test(reference)) return 'contains a control character';
  if (reference.includes('\\')) return 'contains a backslash';
  if (reference.includes('#')) return 'contains a fragment';
  const path = rawPath(reference);
  if (DANGEROUS_ESCAPE.test(path)) return 'has an encoded dot, slash, backslash or percent sign in its path';
  for (const segment of path.split('/')) {
    if (segment === '.' || segment === '..') return 'has a "." or ".." path segment';
  }
  return undefined;
}

function effectivePort(url: URL): string {
  if (url.port !== '') return url.port;
  return url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '';
}

/** The target's path as a prefix: "/api" admits "/api" and "/api/…", never "/apix". */
export function pathWithin(prefix: string, path: string): boolean {
  if (path === prefix) return true;
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return path.startsWith(base);
}

/**
 * Checks `reference` (absolute, or relative to `from`, which defaults to the
 * target itself) against the target URL `target`. The URL returned is the one
 * to send: what was checked is exactly what goes on the wire.
 */
export function checkWithinTarget(target: string, reference: string, from: string = target): PrefixVerdict {
  const problem = referenceProblem(reference);
  if (problem) return { ok: false, reason: `the URL ${problem}` };
  let base: URL;
  let url: URL;
  try {
    base = new URL(target);
    url = new URL(reference, from);
  } catch {
    return { ok: false, reason: 'the URL is not valid' };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'the URL carries user info' };
  if (url.protocol !== base.protocol) return { ok: false, reason: `the URL leaves the target's scheme (${base.protocol.slice(0, -1)})` };
  if (url.hostname !== base.hostname || effectivePort(url) !== effectivePort(base)) return { ok: false, reason: "the URL leaves the target's host and port" };
  if (DANGEROUS_ESCAPE.test(url.pathname) || url.pathname.includes('\\')) return { ok: false, reason: 'the URL has an encoded dot, slash, backslash or percent sign in its path' };
  if (!pathWithin(base.pathname, url.pathname)) return { ok: false, reason: `the URL leaves the target's path ${base.pathname}` };
  if (base.search !== '' && url.search !== base.search) return { ok: false, reason: "the URL changes the target's query" };
  return { ok: true, url };
}

/**
 * Joins a caller's `path` (relative to the target, may carry a query) to the
 * target URL, then checks the result. An empty path is the target itself.
 */
export function resolveTargetPath(target: string, path: string | undefined): PrefixVerdict {
  if (path === undefined || path === '') return checkWithinTarget(target, target);
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//')) return { ok: false, reason: 'path must be relative to the target (no scheme or host)' };
  const base = new URL(target);
  const [pathPart, ...queryParts] = path.split('?');
  const query = queryParts.length > 0 ? `?${queryParts.join('?')}` : '';
  if (base.search !== '' && query !== '') return { ok: false, reason: "the URL changes the target's query" };
  const joined = `${base.origin}${base.pathname.replace(/\/+$/, '')}/${pathPart.replace(/^\/+/, '')}${query || base.search}`;
  const problem = referenceProblem(path);
  if (problem) return { ok: false, reason: `path ${problem}` };
  return checkWithinTarget(target, joined);
}
