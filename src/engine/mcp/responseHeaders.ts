/**
 * Which MCP response headers travel back through the control plane: only the
 * allowlist, never a hop-by-hop header, never an empty value.
 */
import { RESPONSE_HEADER_ALLOWLIST, type Headers } from '../../protocol/wire';

/** Lower-case name → canonical spelling from the allowlist. */
const CANONICAL = new Map(RESPONSE_HEADER_ALLOWLIST.map((name) => [name.toLowerCase(), name]));

/** Raw response headers as Node and undici hand them over. */
export type RawHeaders = Record<string, string | string[] | undefined>;

function valuesOf(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Keeps only allowlisted headers (matched case-insensitively, written with the
 * allowlist's casing). `Connection` and every header it names are dropped even
 * when allowlisted: RFC 9110 §7.6.1 makes them hop-by-hop, meant for our hop only.
 */
export function filterResponseHeaders(raw: RawHeaders): Headers {
  let hopByHop: Set<string> | undefined;
  const out: Headers = {};
  for (const name of Object.keys(raw)) {
    const lower = name.toLowerCase();
    if (lower === 'connection') {
      for (const value of valuesOf(raw[name])) {
        for (const token of value.split(',')) {
          const named = token.trim().toLowerCase();
          if (named) (hopByHop ??= new Set()).add(named);
        }
      }
      continue;
    }
    const canonical = CANONICAL.get(lower);
    if (!canonical) continue;
    for (const value of valuesOf(raw[name])) {
      if (value.trim() === '') continue;
      (out[canonical] ??= []).push(value);
    }
  }
  if (hopByHop) {
    for (const named of hopByHop) {
      const canonical = CANONICAL.get(named);
      if (canonical) delete out[canonical];
    }
  }
  return out;
}
