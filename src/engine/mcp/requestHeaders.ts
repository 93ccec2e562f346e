/**
 * The headers of one request to a Streamable HTTP MCP server: which of a
 * command's headers may be forwarded (never hop-by-hop ones, nor our own
 * framing), how repeated ones merge, and how they meet operator-configured ones.
 */
import type { Headers } from '../../protocol/wire';

const ACCEPT = 'application/json, text/event-stream';

/**
 * Never forwarded from a command or configuration: hop-by-hop headers
 * (RFC 9110 §7.6.1) and everything that describes our own framing.
 * `expect` is refused by undici; an `accept-encoding` would invite a
 * compressed body we do not decode; `content-encoding` would lie about ours.
 */
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
  'content-length',
  'expect',
  'content-type',
  'accept',
  'accept-encoding',
  'content-encoding',
]);

export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
export const BAD_VALUE = /[\r\n\0]/;

/** An operator-configured header, validated once: its name, lower-cased name and value. */
export type ConfiguredHeader = [name: string, lower: string, value: string];

export type RequestHeaders = Record<string, string | string[]>;

export function forwardable(lower: string): boolean {
  return !NOT_FORWARDED.has(lower) && !lower.startsWith('proxy-');
}

/** Header names listed in a `Connection` header: hop-by-hop for this message only. */
function connectionNamed(headers: Headers): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase() !== 'connection') continue;
    for (const value of headers[name] ?? []) {
      for (const token of value.split(',')) {
        const lower = token.trim().toLowerCase();
        if (lower) (named ??= new Set()).add(lower);
      }
    }
  }
  return named;
}

/**
 * The command's headers, then the operator-configured ones it did not send
 * (the reference daemon's order: the connector's `Authorization` carries the
 * user's OAuth token and must reach the server), then our own Content-Type
 * and Accept.
 */
export function buildRequestHeaders(command: Headers, configured: readonly ConfiguredHeader[], withBody: boolean): { headers: RequestHeaders; dropped: number } {
  const out: RequestHeaders = {};
  const keys = new Map<string, string>();
  const named = connectionNamed(command);
  let dropped = 0;
  for (const name of Object.keys(command)) {
    const lower = name.toLowerCase();
    if (!forwardable(lower) || named?.has(lower)) continue;
    if (!TOKEN.test(name)) {
      dropped++;
      continue;
    }
    const values = (command[name] ?? []).filter((v) => !BAD_VALUE.test(v));
    if (values.length === 0) continue;
    const key = keys.get(lower);
    const merged = key === undefined ? values : [...[out[key] ?? []].flat(), ...values];
    if (key === undefined) keys.set(lower, name);
    // Several Cookie lines are not allowed (RFC 6265 §5.4); other lists repeat.
    out[key ?? name] = lower === 'cookie' ? merged.join('; ') : merged.length === 1 ? merged[0]! : merged;
  }
  // A configured header the command also sent is the command's.
  for (const [name, lower, value] of configured) {
    if (keys.has(lower)) continue;
    keys.set(lower, name);
    out[name] = value;
  }
  if (withBody) out['content-type'] = 'application/json';
  out['accept'] = ACCEPT;
  return { headers: out, dropped };
}
