/**
 * MCP server definitions users already have, read into one shape
 * (`ImportedServer`) that maps onto a profile's `mcp.servers[]` entry:
 *   - VS Code's `.vscode/mcp.json` (JSON with comments, `servers` + `inputs`)
 *   - Codex's `~/.codex/config.toml` (`[mcp_servers.NAME]` tables)
 *
 * Both files belong to other tools, so keys we do not use are tolerated, and
 * an entry we cannot serve is skipped with a warning instead of failing the
 * whole file. Values are kept as written: `${workspaceFolder}`, `${env:NAME}`
 * and `${input:ID}` are substituted only when a tunnel starts
 * (`resolveMcpServerReference`), so secrets never land in settings.
 */
import * as path from 'node:path';
// The ESM build: esbuild cannot follow the requires inside jsonc-parser's UMD main, so bundles would fail at load.
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import type * as SmolToml from 'smol-toml' with { 'resolution-mode': 'import' };
import { ConfigError, formatPath, fromZod } from './errors';
import { isSecretReference, TunnelProfileSchema, type McpServerInput, type TunnelProfile } from './schema';

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

/** One entry of mcp.json `inputs`: a value VS Code asks for when a server starts. */
export interface McpInput {
  type: 'promptString' | 'pickString' | 'command';
  id: string;
  description?: string;
  /** The value is a secret: keep it in SecretStorage, never in settings. */
  password?: boolean;
  default?: string;
  /** pickString choices. */
  options?: Array<string | { label?: string; value: string }>;
  /** For type `command`: the VS Code command that produces the value, and its args. */
  command?: string;
  args?: unknown;
}

export interface VariableResolver {
  /** `${workspaceFolder}`; left unresolved when no folder is open. */
  workspaceFolder?: string;
  userHome: string;
  env: Record<string, string | undefined>;
  /** The value of `${input:id}`, or undefined when there is none. */
  input?: (id: string) => string | undefined;
}

export interface McpReferenceResolver extends VariableResolver {
  /** Names the mcp.json in messages; defaults to `.vscode/mcp.json`. */
  file?: string;
  /** Warnings about the referenced servers (legacy SSE, …) are appended here. */
  warnings?: string[];
}

export interface VsCodeMcpConfig {
  servers: ImportedServer[];
  inputs: McpInput[];
  warnings: string[];
}

// smol-toml ships ESM type declarations only; its CommonJS build is what require() loads here.
const { parse: parseToml, TomlError } = require('smol-toml') as typeof SmolToml;

const INPUT_TYPES: ReadonlySet<string> = new Set(['promptString', 'pickString', 'command']);
const DEFAULT_MCP_JSON = '.vscode/mcp.json';

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
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
class ImportLog {
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
function stringMap(value: unknown, allowBoolean: boolean): { map: Record<string, string>; bad: string[] } | undefined {
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
function textTable(value: unknown, allowBoolean: boolean, notTable: string, badValues: string, name: string, log: ImportLog): Record<string, string> | undefined {
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

interface ParsedVsCode extends VsCodeMcpConfig {
  log: ImportLog;
}

function parseVsCode(text: string, file: string): ParsedVsCode {
  const errors: ParseError[] = [];
  const root: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  if (errors.length > 0) {
    const [first, ...rest] = errors.map((e) => {
      const { line, col } = lineAndColumn(text, e.offset);
      return new ConfigError(`line ${line}, column ${col}`, `is not valid JSON: ${printParseErrorCode(e.error)}`, 'Fix the JSON syntax; comments and trailing commas are fine', {
        source: file,
      });
    });
    throw new ConfigError(first.field, first.problem, first.fix, { source: file, related: rest });
  }
  const log = new ImportLog((name) => `${file}: server "${name}"`);
  const result: ParsedVsCode = { servers: [], inputs: [], warnings: log.warnings, log };
  if (root === undefined) return result;
  if (!isTable(root)) {
    throw new ConfigError(path.basename(file), 'is not an MCP configuration', 'Write an object with "servers": { "name": { "command": … } }', { source: file });
  }

  let servers = root.servers;
  if (servers === undefined && isTable(root.mcpServers)) {
    servers = root.mcpServers;
    log.warnings.push(`${file}: uses "mcpServers" (the Claude Desktop spelling); read as "servers", which is what VS Code reads`);
  }
  if (servers !== undefined && !isTable(servers)) {
    log.warnings.push(`${file}: "servers" is not an object of named servers; no server was imported`);
  } else {
    for (const [name, entry] of Object.entries(servers ?? {})) {
      const server = vsCodeServer(name, entry, log);
      if (server) result.servers.push(server);
    }
  }

  if (root.inputs !== undefined && !Array.isArray(root.inputs)) {
    log.warnings.push(`${file}: "inputs" is not a list; ignored`);
  }
  for (const [index, entry] of (Array.isArray(root.inputs) ? root.inputs : []).entries()) {
    const input = vsCodeInput(entry);
    if (input) result.inputs.push(input);
    else log.warnings.push(`${file}: inputs[${index}] needs a string "id" and a type of promptString, pickString or command; ignored`);
  }
  return result;
}

function vsCodeServer(name: string, entry: unknown, log: ImportLog): ImportedServer | undefined {
  if (!isTable(entry)) {
    log.skip(name, 'is not an object; skipped');
    return undefined;
  }
  const type = entry.type;
  const kind =
    type === 'stdio' || (type === undefined && entry.command !== undefined)
      ? 'stdio'
      : type === 'http' || type === 'sse' || (type === undefined && entry.url !== undefined)
        ? 'http'
        : undefined;
  if (kind === undefined) {
    log.skip(name, type === undefined ? 'has neither a command nor a url; skipped' : `has the unknown type ${JSON.stringify(type)}; skipped`);
    return undefined;
  }

  if (kind === 'stdio') {
    if (typeof entry.command !== 'string' || entry.command.trim() === '') {
      log.skip(name, 'is a stdio server without a command; skipped');
      return undefined;
    }
    const server: ImportedServer = { name, kind, command: entry.command, source: 'vscode' };
    if (entry.args !== undefined) {
      const args = stringList(entry.args);
      if (!args) {
        log.skip(name, 'has args that are not a list of strings; skipped');
        return undefined;
      }
      server.args = args;
    }
    if (typeof entry.cwd === 'string' && entry.cwd !== '') server.cwd = entry.cwd;
    if (typeof entry.envFile === 'string' && entry.envFile !== '') server.envFile = entry.envFile;
    const env = textTable(entry.env, false, 'has an env that is not an object', 'has env values that are not text or numbers', name, log);
    if (env) server.env = env;
    return server;
  }

  if (typeof entry.url !== 'string' || entry.url === '') {
    log.skip(name, 'is a remote server without a url; skipped');
    return undefined;
  }
  const urlProblem = checkRemoteUrl(entry.url);
  if (urlProblem) {
    log.skip(name, urlProblem);
    return undefined;
  }
  if (type === 'sse') {
    log.note(name, 'uses SSE, the legacy MCP HTTP transport; imported as a Streamable HTTP url, so check that the server also answers Streamable HTTP there');
  }
  const server: ImportedServer = { name, kind, url: entry.url, source: 'vscode' };
  const headers = textTable(entry.headers, false, 'has headers that are not an object', 'has header values that are not text', name, log);
  if (headers) server.headers = headers;
  return server;
}

function vsCodeInput(entry: unknown): McpInput | undefined {
  if (!isTable(entry) || typeof entry.id !== 'string' || entry.id === '' || typeof entry.type !== 'string' || !INPUT_TYPES.has(entry.type)) {
    return undefined;
  }
  const input: McpInput = { type: entry.type as McpInput['type'], id: entry.id };
  if (typeof entry.description === 'string') input.description = entry.description;
  if (typeof entry.password === 'boolean') input.password = entry.password;
  if (typeof entry.default === 'string') input.default = entry.default;
  if (Array.isArray(entry.options)) {
    input.options = entry.options.flatMap((o): Array<string | { label?: string; value: string }> => {
      if (typeof o === 'string') return [o];
      if (isTable(o) && typeof o.value === 'string') return [typeof o.label === 'string' ? { label: o.label, value: o.value } : { value: o.value }];
      return [];
    });
  }
  if (typeof entry.command === 'string') input.command = entry.command;
  if (entry.args !== undefined) input.args = entry.args;
  return input;
}

/** Reads VS Code's `mcp.json`. Throws ConfigError only for a file that is not JSON (with comments) or not an object. */
export function parseVsCodeMcpJson(text: string, file: string): VsCodeMcpConfig {
  const { servers, inputs, warnings } = parseVsCode(text, file);
  return { servers, inputs, warnings };
}

/** Reads the `[mcp_servers.NAME]` tables of Codex's `config.toml`; other tables are ignored. */
export function parseCodexConfigToml(text: string, file: string): { servers: ImportedServer[]; warnings: string[] } {
  let root: Table;
  try {
    root = parseToml(text) as Table;
  } catch (err) {
    if (err instanceof TomlError) {
      // smol-toml's message ends with a code frame of the file; keep only its first line.
      throw new ConfigError(`line ${err.line}, column ${err.column}`, `is not valid TOML: ${err.message.split('\n')[0].replace(/^Invalid TOML document: /, '')}`, 'Fix the TOML syntax', {
        source: file,
      });
    }
    throw err;
  }
  const log = new ImportLog((name) => `${file}: [mcp_servers.${name}]`);
  const servers: ImportedServer[] = [];
  const tables = root.mcp_servers;
  if (tables !== undefined && !isTable(tables)) {
    log.warnings.push(`${file}: mcp_servers is not a table of servers; no server was imported`);
    return { servers, warnings: log.warnings };
  }
  for (const [name, entry] of Object.entries(tables ?? {})) {
    const server = codexServer(name, entry, log);
    if (server) servers.push(server);
  }
  return { servers, warnings: log.warnings };
}

function codexServer(name: string, entry: unknown, log: ImportLog): ImportedServer | undefined {
  if (!isTable(entry)) {
    log.skip(name, 'is not a table; skipped');
    return undefined;
  }
  const hasCommand = entry.command !== undefined;
  const hasUrl = entry.url !== undefined;
  if (hasCommand && hasUrl) {
    log.skip(name, 'sets both command and url; skipped');
    return undefined;
  }
  if (!hasCommand && !hasUrl) {
    log.skip(name, 'has neither a command nor a url; skipped');
    return undefined;
  }

  let server: ImportedServer;
  if (hasCommand) {
    if (typeof entry.command !== 'string' || entry.command.trim() === '') {
      log.skip(name, 'has a command that is not text; skipped');
      return undefined;
    }
    server = { name, kind: 'stdio', command: entry.command, source: 'codex' };
    if (entry.args !== undefined) {
      const args = stringList(entry.args);
      if (!args) {
        log.skip(name, 'has args that are not a list of strings; skipped');
        return undefined;
      }
      server.args = args;
    }
    if (typeof entry.cwd === 'string' && entry.cwd !== '') server.cwd = entry.cwd;
    const env: Record<string, string> = { ...textTable(entry.env, true, 'has an env that is not a table', 'has env values that are not text', name, log) };
    if (entry.env_vars !== undefined) {
      const names = Array.isArray(entry.env_vars) ? entry.env_vars : [];
      if (!Array.isArray(entry.env_vars)) log.note(name, 'has env_vars that is not a list of variable names; ignored');
      for (const variable of names) {
        if (typeof variable !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
          log.note(name, 'has an env_vars entry that is not a variable name; ignored');
          continue;
        }
        // Forwarded from the tunnel's environment when it starts; an explicit env value wins.
        env[variable] ??= `\${env:${variable}}`;
      }
    }
    if (Object.keys(env).length > 0) server.env = env;
  } else {
    if (typeof entry.url !== 'string' || entry.url === '') {
      log.skip(name, 'has a url that is not text; skipped');
      return undefined;
    }
    const urlProblem = checkRemoteUrl(entry.url);
    if (urlProblem) {
      log.skip(name, urlProblem);
      return undefined;
    }
    server = { name, kind: 'http', url: entry.url, source: 'codex' };
    const headers: Record<string, string> = {
      ...textTable(entry.http_headers, true, 'has http_headers that is not a table', 'has http_headers values that are not text', name, log),
    };
    if (entry.env_http_headers !== undefined) {
      const table = stringMap(entry.env_http_headers, false);
      if (!table) log.note(name, 'has env_http_headers that is not a table; ignored');
      for (const [header, variable] of Object.entries(table?.map ?? {})) headers[header] = `\${env:${variable}}`;
    }
    if (entry.bearer_token_env_var !== undefined) {
      if (typeof entry.bearer_token_env_var === 'string' && entry.bearer_token_env_var !== '') {
        for (const header of Object.keys(headers)) if (header.toLowerCase() === 'authorization') delete headers[header];
        headers.Authorization = `Bearer \${env:${entry.bearer_token_env_var}}`;
      } else {
        log.note(name, 'has a bearer_token_env_var that is not a variable name; ignored');
      }
    }
    if (Object.keys(headers).length > 0) server.headers = headers;
  }
  if (entry.enabled === false) {
    server.disabled = true;
    log.note(name, 'is disabled in Codex (enabled = false); imported, marked disabled');
  }
  return server;
}

const VARIABLE = /\$\{([^{}]*)\}/g;

/**
 * Substitutes VS Code's variables in one value: `${workspaceFolder}`,
 * `${workspaceFolderBasename}`, `${userHome}`, `${pathSeparator}` (`${/}`),
 * `${env:NAME}` and `${input:ID}`. A variable without a value (an unset env
 * var, an input nobody answered, an unknown variable) is left as written and
 * listed in `missing` (as `env:NAME`, `input:ID`, …).
 */
export function substituteVariables(value: string, resolver: VariableResolver): { value: string; missing: string[] } {
  const missing: string[] = [];
  const out = value.replace(VARIABLE, (match, variable: string) => {
    let found: string | undefined;
    if (variable === 'workspaceFolder') found = resolver.workspaceFolder;
    else if (variable === 'workspaceFolderBasename') found = resolver.workspaceFolder !== undefined ? path.basename(resolver.workspaceFolder) : undefined;
    else if (variable === 'userHome') found = resolver.userHome;
    else if (variable === 'pathSeparator' || variable === '/') found = path.sep;
    else if (variable.startsWith('env:')) found = resolver.env[variable.slice(4)];
    else if (variable.startsWith('input:')) found = resolver.input?.(variable.slice(6));
    if (found === undefined) {
      if (!missing.includes(variable)) missing.push(variable);
      return match;
    }
    return found;
  });
  return { value: out, missing };
}

/** Every field of a server through `substituteVariables`; `missing` lists each unresolved variable once. */
export function substituteServer(server: ImportedServer, resolver: VariableResolver): { server: ImportedServer; missing: string[] } {
  const missing: string[] = [];
  const sub = (value: string): string => {
    const result = substituteVariables(value, resolver);
    for (const m of result.missing) if (!missing.includes(m)) missing.push(m);
    return result.value;
  };
  const subMap = (map: Record<string, string>) => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, sub(v)]));
  const out: ImportedServer = { ...server };
  if (server.command !== undefined) out.command = sub(server.command);
  if (server.args !== undefined) out.args = server.args.map(sub);
  if (server.cwd !== undefined) out.cwd = sub(server.cwd);
  if (server.env !== undefined) out.env = subMap(server.env);
  if (server.envFile !== undefined) out.envFile = sub(server.envFile);
  if (server.url !== undefined) out.url = sub(server.url);
  if (server.headers !== undefined) out.headers = subMap(server.headers);
  return { server: out, missing };
}

/** The `${input:ID}` ids a server uses, in order of appearance, so the editor knows what to ask for. */
export function inputIds(server: ImportedServer): string[] {
  const values = [
    server.command,
    ...(server.args ?? []),
    server.cwd,
    ...Object.values(server.env ?? {}),
    server.envFile,
    server.url,
    ...Object.values(server.headers ?? {}),
  ];
  const ids: string[] = [];
  for (const value of values) {
    for (const match of (value ?? '').matchAll(VARIABLE)) {
      const variable = match[1];
      if (variable.startsWith('input:') && !ids.includes(variable.slice(6))) ids.push(variable.slice(6));
    }
  }
  return ids;
}

/** An executable path as one word of a profile command line (which is split like sh, without a shell). */
function quoteCommandWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The profile `mcp.servers[]` entry for an imported server. The executable is
 * quoted so a path with spaces stays one word; a header that is exactly
 * `${env:NAME}` becomes the profile reference `env:NAME`. Other variables are
 * kept: `${env:NAME}` inside header and env values is expanded when the tunnel
 * starts, while `${workspaceFolder}` or `${input:ID}` need `substituteServer`
 * first (or a `{ mcpServer }` reference, which resolves them at start).
 */
export function toProfileServer(imported: ImportedServer, options: { channel?: string } = {}): McpServerInput {
  const entry: McpServerInput = options.channel !== undefined ? { channel: options.channel } : {};
  if (imported.kind === 'stdio') {
    entry.command = quoteCommandWord(imported.command ?? '');
    if (imported.args && imported.args.length > 0) entry.args = [...imported.args];
    if (imported.cwd !== undefined) entry.cwd = imported.cwd;
    if (imported.env && Object.keys(imported.env).length > 0) entry.env = { ...imported.env };
    if (imported.envFile !== undefined) entry.envFile = imported.envFile;
  } else {
    entry.url = imported.url;
    if (imported.headers && Object.keys(imported.headers).length > 0) {
      entry.headers = Object.fromEntries(
        Object.entries(imported.headers).map(([header, value]) => {
          const only = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
          return [header, only ? `env:${only[1]}` : value];
        }),
      );
    }
  }
  return entry;
}

/** Why a variable has no value, as a clause after "whose", and what to do. */
function describeMissing(variable: string, file: string, inputs: readonly McpInput[]): { clause: string; fix: string } {
  if (variable.startsWith('input:')) {
    const id = variable.slice(6);
    return inputs.some((i) => i.id === id)
      ? { clause: `\${input:${id}} has no value`, fix: `Enter a value for "${id}" when MCP Tunnel asks, or replace \${input:${id}} in ${file} with \${env:NAME}` }
      : { clause: `\${input:${id}} is not declared in the inputs of ${file}`, fix: `Add an input with "id": "${id}" to ${file}, or replace the variable` };
  }
  if (variable.startsWith('env:')) {
    const name = variable.slice(4);
    return { clause: `\${env:${name}} is not set`, fix: `Export ${name} in the environment VS Code was started from, or replace the variable in ${file}` };
  }
  if (variable === 'workspaceFolder' || variable === 'workspaceFolderBasename') {
    return { clause: `\${${variable}} needs an open workspace folder`, fix: `Open the folder that holds ${file}` };
  }
  return { clause: `\${${variable}} is a variable MCP Tunnel cannot resolve`, fix: `Replace it in ${file} with a literal value or \${env:NAME}` };
}

/**
 * Replaces every `{ mcpServer: NAME }` entry of a profile with that server
 * of mcp.json, inline, its variables substituted (a stdio server's cwd
 * defaults to the workspace folder, as in VS Code). The result is validated
 * again; it lives in memory only, as it may now hold input values.
 */
export function resolveMcpServerReference(profile: TunnelProfile, mcpJsonText: string, resolver: McpReferenceResolver): TunnelProfile {
  if (!profile.mcp.servers.some((s) => s.mcpServer !== undefined)) return profile;
  const file = resolver.file ?? DEFAULT_MCP_JSON;
  const parsed = parseVsCode(mcpJsonText, file);
  const byName = new Map(parsed.servers.map((s) => [s.name, s]));
  const origins = new Map<number, string>();

  const servers = profile.mcp.servers.map((entry, index) => {
    const reference = entry.mcpServer;
    if (reference === undefined) return entry;
    const field = formatPath(['mcp', 'servers', index, 'mcpServer']);
    const imported = byName.get(reference);
    if (!imported) {
      const skipped = parsed.log.skipped.get(reference);
      if (skipped !== undefined) {
        throw new ConfigError(field, `names the server "${reference}" of ${file}, which ${skipped}`, `Fix it in ${file}, or put a command or url in the profile instead`);
      }
      const names = parsed.servers.map((s) => s.name);
      throw new ConfigError(
        field,
        `names the server "${reference}", which ${file} does not define`,
        names.length > 0 ? `Use one of: ${names.join(', ')}` : `Add it under "servers" in ${file}, or put a command or url in the profile instead`,
      );
    }
    const { server, missing } = substituteServer(imported, resolver);
    if (missing.length > 0) {
      const [first, ...rest] = missing.map((variable) => {
        const { clause, fix } = describeMissing(variable, file, parsed.inputs);
        return new ConfigError(field, `names the server "${reference}", whose ${clause}`, fix);
      });
      throw new ConfigError(first.field, first.problem, first.fix, { related: rest });
    }
    for (const [header, value] of Object.entries(server.headers ?? {})) {
      // mcp.json values are literal: one that reads like a profile reference would be fetched from env or disk.
      if (isSecretReference(value)) {
        throw new ConfigError(field, `names the server "${reference}", whose header ${header} starts with env:, file: or secret:`, `Write the value in ${file} as \${env:NAME} or \${input:ID} instead`);
      }
    }
    if (server.kind === 'stdio' && server.cwd === undefined && resolver.workspaceFolder !== undefined) server.cwd = resolver.workspaceFolder;
    resolver.warnings?.push(...(parsed.log.byServer.get(reference) ?? []));
    origins.set(index, reference);
    return toProfileServer(server, { channel: entry.channel });
  });

  const result = TunnelProfileSchema.safeParse({ ...profile, mcp: { ...profile.mcp, servers } }, { reportInput: true });
  if (!result.success) {
    const name = (p: readonly PropertyKey[]): string => {
      const reference = p[0] === 'mcp' && p[1] === 'servers' && typeof p[2] === 'number' ? origins.get(p[2]) : undefined;
      return reference !== undefined ? `servers.${reference}${p.length > 3 ? `.${formatPath(p.slice(3))}` : ''}` : formatPath(p);
    };
    const locate = (p: readonly PropertyKey[]) => (p[0] === 'mcp' && p[1] === 'servers' && typeof p[2] === 'number' && origins.has(p[2]) ? file : undefined);
    throw fromZod(result.error, { kind: 'settings', name, locate, schema: TunnelProfileSchema });
  }
  return result.data;
}
