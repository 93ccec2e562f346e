/**
 * URLs of OAuth discovery: how one is shown (no credentials, no query), when
 * two share an origin, and the well-known candidates derived from the MCP
 * server URL (RFC 9728 §3.1) and from an issuer (RFC 8414 §3.1, OIDC).
 */
import { redactText } from '../redact';

/** An absolute http:// or https:// URL, or undefined. */
export function parseHttpUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A URL as it may be shown or logged: scheme, host and path only, without
 * userinfo, query or fragment (they are where tokens travel), with anything
 * token-shaped left in the path redacted.
 */
export function displayUrl(value: string | URL): string {
  let url: URL;
  try {
    url = typeof value === 'string' ? new URL(value) : value;
  } catch {
    // Not a URL: keep what comes before any query, without a userinfo-looking prefix.
    const text = String(value).split(/[?#]/, 1)[0].replace(/\/\/[^/@\s]*@/, '//');
    return redactText(text.length > 200 ? `${text.slice(0, 200)}…` : text);
  }
  const shown = url.host !== '' ? `${url.protocol}//${url.host}${url.pathname}` : `${url.protocol}${url.pathname}`;
  return redactText(shown);
}

/** Scheme, host and port, shown without credentials. */
export function displayOrigin(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

function normalizedHost(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

function effectivePort(url: URL): string {
  if (url.port !== '') return String(Number(url.port));
  if (url.protocol === 'http:') return '80';
  if (url.protocol === 'https:') return '443';
  return '';
}

/** Same scheme, host and effective port, compared case-insensitively (an explicit :443 equals none on https). */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.protocol.toLowerCase() === b.protocol.toLowerCase() && normalizedHost(a) === normalizedHost(b) && effectivePort(a) === effectivePort(b);
}

export type CandidateSource = 'www_authenticate' | 'well_known_path' | 'well_known_root';

export interface MetadataCandidate {
  url: URL;
  source: CandidateSource;
}

const PRM_WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * The protected-resource metadata URLs of an MCP server URL, most specific
 * first: the well-known path with the server's path appended, then the root
 * well-known URL. Only the scheme and host of the server URL are kept. A
 * server path that is itself under the well-known path is used as is.
 */
export function wellKnownCandidates(server: URL): MetadataCandidate[] {
  const root = new URL(server.origin);
  root.pathname = PRM_WELL_KNOWN;
  const out: MetadataCandidate[] = [];
  const suffix = server.pathname.replace(/\/{2,}/g, '/').replace(/^\/+|\/+$/g, '');
  if (suffix !== '') {
    const withPath = new URL(server.origin);
    const wellKnown = PRM_WELL_KNOWN.slice(1);
    withPath.pathname = suffix === wellKnown || suffix.startsWith(`${wellKnown}/`) ? `/${suffix}` : `${PRM_WELL_KNOWN}/${suffix}`;
    out.push({ url: withPath, source: 'well_known_path' });
  }
  out.push({ url: root, source: 'well_known_root' });
  return out;
}

/** Candidates in order, each URL once (the first source that named it wins). */
export function dedupeCandidates(candidates: readonly MetadataCandidate[]): MetadataCandidate[] {
  const seen = new Set<string>();
  return candidates.filter((c) => {
    if (seen.has(c.url.href)) return false;
    seen.add(c.url.href);
    return true;
  });
}

export type AuthServerDocument = 'oauth-authorization-server' | 'openid-configuration';

export interface AuthServerCandidate {
  url: URL;
  document: AuthServerDocument;
  /** `prepend`: the well-known segment before the issuer's path (RFC 8414); `append`: after it (OpenID Connect Discovery). */
  style: 'prepend' | 'append';
}

const AS_DOCUMENTS: readonly AuthServerDocument[] = ['oauth-authorization-server', 'openid-configuration'];

/**
 * Where an issuer's metadata may live: for each document, the prepend and
 * append forms, the append form first when the issuer has a path (the
 * reference daemon's order). The issuer's query is kept; duplicates (an
 * issuer without a path gives the same URL both ways) are dropped.
 */
export function authServerCandidates(issuer: URL): AuthServerCandidate[] {
  const issuerPath = issuer.pathname === '/' ? '' : issuer.pathname;
  const pathful = issuerPath.replace(/^\/+|\/+$/g, '') !== '';
  const seen = new Set<string>();
  const out: AuthServerCandidate[] = [];
  for (const document of AS_DOCUMENTS) {
    const prepend = new URL(issuer.href);
    prepend.hash = '';
    prepend.pathname = `/.well-known/${document}${issuerPath === '' ? '' : `/${issuerPath.replace(/^\/+/, '')}`}`;
    const append = new URL(issuer.href);
    append.hash = '';
    append.pathname = `${issuerPath.replace(/\/+$/, '')}/.well-known/${document}`;
    const forms: AuthServerCandidate[] = [
      { url: prepend, document, style: 'prepend' },
      { url: append, document, style: 'append' },
    ];
    if (pathful) forms.reverse();
    for (const form of forms) {
      if (seen.has(form.url.href)) continue;
      seen.add(form.url.href);
      out.push(form);
    }
  }
  return out;
}
