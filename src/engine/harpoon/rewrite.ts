/**
 * Rewrites absolute URLs of registered targets, in JSON bodies and in the
 * Location, Content-Location and Link headers of Harpoon answers, to
 * `harpoon://LABEL`: the caller keeps addressing the target through Harpoon
 * instead of learning a private URL it cannot reach. Matching is exact
 * after normalization (scheme and host case).
 */
import type { HarpoonTarget } from './registry';

const REWRITTEN_HEADERS = new Set(['location', 'content-location', 'link']);
/** For a JSON key naming an OAuth role, the target tagged with that role wins among targets of the same URL. */
const ROLE_BY_KEY: Record<string, string> = {
  authorization_servers: 'authorization-server',
  introspection_endpoint: 'introspection-endpoint',
  issuer: 'issuer',
  jwks_uri: 'jwks-uri',
  registration_endpoint: 'registration-endpoint',
  revocation_endpoint: 'revocation-endpoint',
  token_endpoint: 'token-endpoint',
};

function normalized(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export function harpoonUrlFor(raw: string, targets: readonly HarpoonTarget[], key = ''): string | undefined {
  const href = normalized(raw);
  if (href === undefined) return undefined;
  const candidates = targets.filter((t) => t.url === href);
  if (candidates.length === 0) return undefined;
  // A protected resource's `resource` must stay the identifier its metadata URL was derived from (RFC 9728).
  if (key === 'resource' && candidates.some((t) => t.tags.includes('protected-resource-metadata'))) return undefined;
  const role = ROLE_BY_KEY[key];
  const chosen = (role && candidates.find((t) => t.tags.includes(role))) || candidates[0];
  return `harpoon://${chosen.label}`;
}

function rewriteValue(value: unknown, targets: readonly HarpoonTarget[], key: string): { value: unknown; changed: boolean } {
  if (typeof value === 'string') {
    const out = harpoonUrlFor(value, targets, key);
    return out === undefined ? { value, changed: false } : { value: out, changed: true };
  }
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = rewriteValue(v, targets, key);
      changed ||= r.changed;
      return r.value;
    });
    return { value: out, changed };
  }
  if (typeof value === 'object' && value !== null) {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = rewriteValue(v, targets, k);
      changed ||= r.changed;
      out[k] = r.value;
    }
    return { value: out, changed };
  }
  return { value, changed: false };
}

/** The body with target URLs rewritten, or undefined when it is not JSON or names no target. */
export function rewriteJsonBody(body: Buffer, targets: readonly HarpoonTarget[]): Buffer | undefined {
  if (body.length === 0 || targets.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const { value, changed } = rewriteValue(parsed, targets, '');
  return changed ? Buffer.from(JSON.stringify(value)) : undefined;
}

export function rewriteHeaders(headers: Record<string, string[]>, targets: readonly HarpoonTarget[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(headers)) {
    out[name] = REWRITTEN_HEADERS.has(name.toLowerCase())
      ? values.map((v) => v.replace(/https?:\/\/[^\s<>"',;]+/g, (m) => harpoonUrlFor(m, targets) ?? m))
      : values;
  }
  return out;
}
