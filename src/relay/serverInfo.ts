/**
 * Checks of the `X-Tunnel-MCP-Server-Info` header a tunnel client sends.
 * The relay never rejects a request for it (older services ignore the header);
 * a bad value is recorded as a protocol violation so tests and users see it.
 */

export const SERVER_INFO_MAX_BYTES = 4096;
export const SERVER_INFO_MAX_CHANNELS = 32;
const CHANNEL_NAME = /^[a-z0-9_-]+$/;

/** Returns what is wrong with the header value, or `undefined` when it is a valid v1 declaration. */
export function serverInfoProblem(value: string): string | undefined {
  if (Buffer.byteLength(value) > SERVER_INFO_MAX_BYTES) return `longer than ${SERVER_INFO_MAX_BYTES} bytes`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return 'not valid JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not a JSON object';
  const info = parsed as Record<string, unknown>;
  for (const key of Object.keys(info)) {
    if (key !== 'version' && key !== 'channels') return `unknown top-level key "${key}"`;
  }
  if (info.version !== 1) return 'version is not 1';
  if (!Array.isArray(info.channels)) return 'channels is not an array';
  if (info.channels.length > SERVER_INFO_MAX_CHANNELS) return `more than ${SERVER_INFO_MAX_CHANNELS} channels`;
  const seen = new Set<string>();
  for (const channel of info.channels as unknown[]) {
    if (typeof channel !== 'object' || channel === null || Array.isArray(channel)) return 'a channel is not an object';
    const c = channel as Record<string, unknown>;
    for (const key of Object.keys(c)) {
      if (key !== 'name' && key !== 'proc_affinity') return `unknown channel key "${key}"`;
    }
    if (typeof c.name !== 'string' || !CHANNEL_NAME.test(c.name)) return 'a channel name is not lowercase letters, digits, "-" or "_"';
    if (seen.has(c.name)) return `channel name "${c.name}" is not unique`;
    seen.add(c.name);
    if ('proc_affinity' in c && c.proc_affinity !== true) return `channel "${c.name}" has proc_affinity other than true (omit it instead of false)`;
  }
  return undefined;
}
