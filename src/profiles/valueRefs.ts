/**
 * `env:NAME` and `file:PATH` on settings that are not secrets, where the
 * reference daemon resolves them while loading: URLs, the command line, the
 * health address (the value of the variable or the file's trimmed text) and
 * certificate paths (the variable holds the path; `file:PATH` is the path).
 * Secrets (API key, header values, proxies) stay references until
 * `resolve.ts` reads them, so they never sit in a merged profile.
 */
import { ConfigError } from './errors';
import { defaultReadFile, expandHome, type Env, type FileAccess } from './secrets';
import { errorCode } from '../engine/failure';

type Path = readonly PropertyKey[];

const VALUE_FIELDS: readonly string[][] = [
  ['controlPlane', 'baseUrl'],
  ['controlPlane', 'urlPath'],
  ['health', 'listenAddr'],
];
const PATH_FIELDS: readonly string[][] = [
  ['caBundle'],
  ['controlPlane', 'clientCert'],
  ['controlPlane', 'clientKey'],
  ['mcp', 'caBundle'],
  ['mcp', 'clientCert'],
  ['mcp', 'clientKey'],
];
const SERVER_VALUE_FIELDS = ['url', 'command'];
const SERVER_PATH_FIELDS = ['clientCert', 'clientKey'];

const REFERENCE = /^(env|file):/i;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Resolves the references of a merged profile in place; errors name the field as its source wrote it. */
export async function resolveValueReferences(raw: Record<string, unknown>, opts: FileAccess & { env: Env; describeField: (p: Path) => string }): Promise<void> {
  const read = opts.readFile ?? defaultReadFile;

  const resolve = async (holder: Record<string, unknown>, key: string, p: Path, asPath: boolean): Promise<void> => {
    const value = holder[key];
    if (typeof value !== 'string' || !REFERENCE.test(value.trim())) return;
    const text = value.trim();
    const kind = text.slice(0, text.indexOf(':')).toLowerCase();
    const target = text.slice(kind.length + 1).trim();
    const field = opts.describeField(p);
    if (target === '') throw new ConfigError(field, `${kind}: reference names nothing`, kind === 'env' ? 'Write it as env:NAME' : 'Write it as file:/path');
    if (kind === 'env') {
      const found = opts.env[target]?.trim();
      if (found === undefined || found === '') throw new ConfigError(field, `refers to ${target}, which is not set`, `Export ${target} before starting the tunnel, or write the value itself`);
      holder[key] = found;
      return;
    }
    if (asPath) {
      holder[key] = target;
      return;
    }
    const file = expandHome(target, opts.homedir);
    let content: string;
    try {
      content = (await read(file)).trim();
    } catch (err) {
      throw new ConfigError(field, `cannot read ${file} (${errorCode(err) ?? 'unreadable'})`, 'Check the path and that this user may read the file');
    }
    if (content === '') throw new ConfigError(field, `refers to ${file}, which is empty`, 'Write the value into the file, or write the value itself');
    holder[key] = content;
  };

  const at = (p: readonly string[]): Record<string, unknown> | undefined => {
    let node: unknown = raw;
    for (const segment of p.slice(0, -1)) node = isRecord(node) ? node[segment] : undefined;
    return isRecord(node) ? node : undefined;
  };
  for (const [fields, asPath] of [
    [VALUE_FIELDS, false],
    [PATH_FIELDS, true],
  ] as const) {
    for (const p of fields) {
      const holder = at(p);
      if (holder) await resolve(holder, p[p.length - 1]!, p, asPath);
    }
  }
  const servers = isRecord(raw.mcp) && Array.isArray(raw.mcp.servers) ? (raw.mcp.servers as unknown[]) : [];
  for (const [index, server] of servers.entries()) {
    if (!isRecord(server)) continue;
    for (const key of SERVER_VALUE_FIELDS) await resolve(server, key, ['mcp', 'servers', index, key], false);
    for (const key of SERVER_PATH_FIELDS) await resolve(server, key, ['mcp', 'servers', index, key], true);
  }
}
