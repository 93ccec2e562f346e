/**
 * What every importer shares: the one shape a server entry is read into
 * (`ImportedServer`), the log that keeps warnings by server, and the readers
 * for the fields VS Code's mcp.json and Codex's config.toml spell alike.
 *
 * Both files belong to other tools, so keys we do not use are tolerated, and
 * an entry we cannot serve is skipped with a warning instead of failing the
 * whole file. Values are kept as written: `${workspaceFolder}`, `${env:NAME}`
 * and `${input:ID}` are substituted only when a tunnel starts
 * (`resolveMcpServerReference`), so secrets never land in settings.
 */

export interface ImportedServer {
  /** The server's key in its file: `servers.NAME` or `[mcp_servers.NAME]`. */
  name: string;
  kind: 'stdio' | 'http';
  /** The executable (not a command line): arguments are in `args`. */
  command?: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string>;
  envFile?: string;
  url?: string;
  headers?: Record<string, string>;
  source: 'vscode' | 'codex';
  /** Turned off in its own configuration (Codex `enabled = false`). */
  disabled?: boolean;
}

export type Table = Record<string, unknown>;

export function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** What a remote URL can be used for; only http(s) reaches the tunnel's HTTP client. */
function checkRemoteUrl(url: string): string | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'unix' || scheme === 'pipe') {
    return 'uses a local socket or pipe URL, which the tunnel cannot reach; skipped. Serve it on http://127.0.0.1:PORT instead';
  }
  if (scheme !== 'http' && scheme !== 'https') return 'has a url that is not http:// or https://; skipped';
  return undefined;
}

/**
 * Collects the per-server parse results: warnings are kept by server name so
 * a reference to one server reports only what concerns it.
 */
export class ImportLog {
  readonly warnings: string[] = [];
  readonly byServer = new Map<string, string[]>();
  /** Servers present in the file but not importable, with the reason. */
  readonly skipped = new Map<string, string>();

  constructor(private readonly label: (name: string) => string) {}

  note(name: string, problem: string): void {
    const message = `${this.label(name)} ${problem}`;
    this.warnings.push(message);
    const list = this.byServer.get(name) ?? [];
    list.push(message);
    this.byServer.set(name, list);
  }

  skip(name: string, problem: string): void {
    this.note(name, problem);
    this.skipped.set(name, problem.replace(/; skipped.*$/, ''));
  }
}

/** A string map where the other tool accepts numbers (and TOML booleans); null drops the entry. */
export function stringMap(value: unknown, allowBoolean: boolean): { map: Record<string, string>; bad: string[] } | undefined {
  if (!isTable(value)) return undefined;
  const map: Record<string, string> = {};
  const bad: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (v === null) continue;
    if (typeof v === 'string') map[key] = v;
    else if (typeof v === 'number' || (allowBoolean && typeof v === 'boolean')) map[key] = String(v);
    else bad.push(key);
  }
  return { map, bad };
}

/**
 * The text values of an optional table in a server entry; what cannot be used
 * is noted (`notTable` / `badValues` say so in the file's own terms) and left out.
 */
export function textTable(value: unknown, allowBoolean: boolean, notTable: string, badValues: string, name: string, log: ImportLog): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const table = stringMap(value, allowBoolean);
  if (!table) {
    log.note(name, `${notTable}; ignored`);
    return undefined;
  }
  if (table.bad.length > 0) log.note(name, `${badValues} (${table.bad.join(', ')}); ignored`);
  return table.map;
}

function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  if (!value.every((v) => typeof v === 'string' || typeof v === 'number')) return undefined;
  return value.map(String);
}

/**
 * A stdio server from the `command`, `args` and `cwd` both formats spell
 * alike, or undefined (the server skipped, `badCommand` saying why in the
 * file's terms) when it has no usable command or args.
 */
export function stdioServer(name: string, entry: Table, source: ImportedServer['source'], badCommand: string, log: ImportLog): ImportedServer | undefined {
  if (typeof entry.command !== 'string' || entry.command.trim() === '') {
    log.skip(name, badCommand);
    return undefined;
  }
  const server: ImportedServer = { name, kind: 'stdio', command: entry.command, source };
  if (entry.args !== undefined) {
    const args = stringList(entry.args);
    if (!args) {
      log.skip(name, 'has args that are not a list of strings; skipped');
      return undefined;
    }
    server.args = args;
  }
  if (typeof entry.cwd === 'string' && entry.cwd !== '') server.cwd = entry.cwd;
  return server;
}

/**
 * The entry's `url` when the tunnel can reach it; otherwise undefined and the
 * server skipped (`badUrl` says why in the file's terms when it is not text).
 */
export function reachableUrl(name: string, url: unknown, badUrl: string, log: ImportLog): string | undefined {
  if (typeof url !== 'string' || url === '') {
    log.skip(name, badUrl);
    return undefined;
  }
  const urlProblem = checkRemoteUrl(url);
  if (urlProblem) {
    log.skip(name, urlProblem);
    return undefined;
  }
  return url;
}
