/** Redaction of secret-looking headers, fields and strings before anything is logged or traced. */

const SECRET_KEY = /(authorization|api[-_]?key|token|secret|password|passwd|cookie|credential|private[-_]?key|session[-_]?key)/i;
/** Keys that look secret-ish but carry protocol data users need to see. */
const SAFE_KEYS = new Set(['progresstoken', 'mcp-session-id', 'x-tunnel-shard-token-present', 'max_tokens', 'maxtokens']);
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi;
const KEY_LIKE = /\b(sk-[A-Za-z0-9_-]{8,}|sess-[A-Za-z0-9]{8,}|ghp_[A-Za-z0-9]{20,}|xox[abp]-[A-Za-z0-9-]{10,})/g;
/** `scheme://user:password@host`: the user information of a URL. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;
/** `?token=…`, `&api_key=…`, `&code=…`: a query parameter whose name says it carries a secret. */
const QUERY_SECRET = /([?&](?:[A-Za-z0-9_.-]*?(?:token|key|secret|password|passwd|code|sig|signature|auth|credential|session)[A-Za-z0-9_.-]*)=)[^&#\s"'<>]+/gi;
/** `Cookie: …` / `Set-Cookie: …` written as header lines inside free text. */
const COOKIE_HEADER = /\b((?:set-)?cookie\s*[:=]\s*)[^\r\n]+/gi;

export const REDACTED = '[REDACTED]';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !SAFE_KEYS.has(key.toLowerCase());
}

/** Replaces bearer credentials and API-key-shaped tokens inside free text. */
export function redactText(text: string, extraSecrets: readonly string[] = []): string {
  let out = text
    .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(KEY_LIKE, REDACTED)
    .replace(URL_CREDENTIALS, (_m, scheme: string) => `${scheme}${REDACTED}@`)
    .replace(QUERY_SECRET, (_m, name: string) => `${name}${REDACTED}`)
    .replace(COOKIE_HEADER, (_m, name: string) => `${name}${REDACTED}`);
  for (const secret of extraSecrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Deep copy of `value` with secret-looking fields and strings replaced. */
export function redactValue(value: unknown, extraSecrets: readonly string[] = [], depth = 0): unknown {
  if (depth > 64) return '[TRUNCATED]';
  if (typeof value === 'string') return redactText(value, extraSecrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, extraSecrets, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretKey(k) && v !== null && v !== undefined && v !== '' ? REDACTED : redactValue(v, extraSecrets, depth + 1);
    }
    return out;
  }
  return value;
}
