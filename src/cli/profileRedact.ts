/**
 * A YAML profile as `profiles show` prints it: comments and layout kept,
 * every secret shown as its reference only. A value that holds a secret
 * itself (an API key, a header, an environment value, a password in a URL)
 * is replaced, so the output can be pasted into a ticket.
 */
import YAML, { isMap, isPair, isScalar, type Pair, type Scalar } from 'yaml';
import { isSecretReference } from '../profiles/secrets';

export const HIDDEN = '<hidden: write it as env:NAME or file:/path>';

/** Keys whose value is a secret. */
const SECRET_KEYS = new Set(['api_key', 'apiKey']);
/** Keys whose map values are secrets (header values, environment values). */
const SECRET_MAPS = new Set(['headers', 'extra_headers', 'extraHeaders', 'env']);
/** A value made of references only, e.g. "Bearer ${env:MCP_TOKEN}". */
const TEMPLATE_ONLY = /^\s*([A-Za-z-]+\s+)?(\$\{(env|file|secret):[^}]+\}\s*)+$/;
/** Key-shaped words, also in comments (a commented-out key is still a key). */
const KEY_LIKE = /\b(sk|rk|pk)-[A-Za-z0-9_-]{6,}/g;

function isShownAsIs(value: unknown): boolean {
  return typeof value !== 'string' || value === '' || isSecretReference(value) || TEMPLATE_ONLY.test(value);
}

/** A URL with its password (and a user name given with it) hidden; other text unchanged. */
function withoutUrlPassword(value: string): string {
  return value.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):([^/@\s]+)@/gi, '$1<hidden>:<hidden>@');
}

export function redactProfileText(text: string): { text: string; hidden: number } {
  const doc = YAML.parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) {
    // Not YAML the loader would read: print no values at all, only where the file breaks.
    return { text: `# this file does not parse as YAML: ${doc.errors[0].message.split('\n')[0]}\n`, hidden: 0 };
  }
  let hidden = 0;
  const hide = (scalar: Scalar) => {
    if (isShownAsIs(scalar.value)) return;
    scalar.value = HIDDEN;
    hidden++;
  };
  YAML.visit(doc, {
    Pair(_, pair: Pair) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (SECRET_KEYS.has(key) && isScalar(pair.value)) hide(pair.value);
      if (SECRET_MAPS.has(key) && isMap(pair.value)) {
        for (const item of pair.value.items) if (isPair(item) && isScalar(item.value)) hide(item.value);
      }
    },
    Scalar(_, scalar) {
      if (typeof scalar.value === 'string' && scalar.value !== HIDDEN) {
        const clean = withoutUrlPassword(scalar.value);
        if (clean !== scalar.value) {
          scalar.value = clean;
          hidden++;
        }
      }
    },
  });
  let out = doc.toString({ lineWidth: 0 });
  out = out.replace(KEY_LIKE, () => {
    hidden++;
    return '<hidden key>';
  });
  return { text: out, hidden };
}
